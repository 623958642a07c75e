"""table_one: every cell against base-R values on a fixed data frame (tests/golden/tests_tables.R),
Study B's published baseline p-values, invariances and input validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linewise.stats import table_one
from linewise.stats._validate import StatsInputError
from linewise.stats.table_one import TEST_CHISQ, TEST_FISHER, TEST_KRUSKAL, TEST_WILCOXON
from support import assert_matches_r, load_golden

GOLDEN = load_golden("tests_tables.json")
T1 = GOLDEN["table_one"]
R_TEST_NAMES = {
    "chisq.test(correct = FALSE)": TEST_CHISQ,
    "fisher.test(workspace = 2e8)": TEST_FISHER,
    "wilcox.test": TEST_WILCOXON,
    "kruskal.test": TEST_KRUSKAL,
}
CATEGORICAL = ["ecog", "visceral", "sex", "prior_lines"]
CONTINUOUS = ["age", "ki67"]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """The R data frame (``df`` in the script); absent keys are R's NA."""
    return pd.DataFrame.from_records(T1["data"])[
        ["arm", "site", "age", "ecog", "visceral", "sex", "prior_lines", "ki67"]
    ]


@pytest.fixture(scope="module", params=["arm", "site"])
def result(request, frame):
    by = request.param
    variables = CATEGORICAL + CONTINUOUS + (["site"] if by == "arm" else [])
    return by, table_one(frame, by=by, variables=variables, overall=True, smd=True)


def _cell(res, variable: str, group: str, level: str | None = None) -> str:
    t = res.table
    rows = t[
        (t["variable"] == variable) & (t["row_type"] == ("label" if level is None else "level"))
    ]
    if level is not None:
        rows = rows[rows["level"] == level]
    assert len(rows) == 1
    return rows.iloc[0][group]


def test_types_inferred_like_gtsummary(result):
    """Numeric with < 10 distinct values (ecog 0-2, prior_lines 0-4) is categorical."""
    _, res = result
    types = dict(zip(res.tests["variable"], res.tests["type"], strict=True))
    assert all(types[v] == "categorical" for v in CATEGORICAL)
    assert all(types[v] == "continuous" for v in CONTINUOUS)


def test_tests_and_p_values_match_r(result):
    """R: ``chisq.test(table(g, v), correct = FALSE)`` when all expected >= 5, else
    ``fisher.test``; ``wilcox.test`` for two groups, ``kruskal.test`` for three."""
    by, res = result
    golden = T1[f"by_{by}"]
    tests = res.tests.set_index("variable")
    for var in CATEGORICAL + CONTINUOUS:
        g = golden[var]
        assert tests.loc[var, "test"] == R_TEST_NAMES[g["test"]], var
        assert_matches_r(tests.loc[var, "pvalue"], g["pvalue"], what=f"{var} p-value")
        if "min_expected" in g:
            assert_matches_r(tests.loc[var, "min_expected"], g["min_expected"], what=f"{var} min E")
        p_text = res.table.loc[
            (res.table["variable"] == var) & (res.table["row_type"] == "label"), "p"
        ]
        assert_matches_r(p_text.iloc[0], g["pvalue"], what=f"{var} p in table")


def test_categorical_cells_match_r_counts(result):
    """Each ``n (%)`` cell: R's ``sum(v[g == group] == level)`` over the non-missing values."""
    by, res = result
    for var in CATEGORICAL:
        for grp in T1[f"by_{by}"][var]["counts"]:
            for level, n in zip(grp["levels"], grp["n"], strict=True):
                pct = 100.0 * n / grp["n_nonmissing"]
                assert _cell(res, var, grp["group"], level) == f"{n} ({pct:.1f}%)"
                tidy = res.data[
                    (res.data["variable"] == var)
                    & (res.data["group"] == grp["group"])
                    & (res.data["level"] == level)
                ]
                assert int(tidy["n"].iloc[0]) == n
                assert_matches_r(tidy["percent"].iloc[0], pct, what=f"{var} {level} %")
            unknown = res.table[
                (res.table["variable"] == var) & (res.table["row_type"] == "missing")
            ]
            if grp["n_missing"] or var == "visceral":
                assert unknown.iloc[0][grp["group"]] == str(grp["n_missing"])


def test_continuous_cells_match_r_quantiles(result):
    """``median (Q1, Q3)`` with R ``quantile(type = 7)``; the tidy data holds the raw numbers."""
    by, res = result
    for var in CONTINUOUS:
        for s in T1[f"by_{by}"][var]["stats"]:
            expected = f"{s['median']:.1f} ({s['q1']:.1f}, {s['q3']:.1f})"
            assert _cell(res, var, s["group"]) == expected
            tidy = res.data[(res.data["variable"] == var) & (res.data["group"] == s["group"])].iloc[
                0
            ]
            for key in ("median", "q1", "q3", "min", "max", "mean", "sd"):
                assert_matches_r(tidy[key], s[key], what=f"{var} {s['group']} {key}")
            assert tidy["n"] == s["n"] and tidy["n_missing"] == s["n_missing"]


def test_overall_column_matches_r(frame):
    """Overall column = all patients: R's quantiles of ``df$age`` / ``df$ki67``, ``table(df$ecog)``."""
    res = table_one(frame, by="arm", variables=["age", "ki67", "ecog"], overall=True)
    for var in ("age", "ki67"):
        s = T1["overall"][var]
        assert _cell(res, var, "Overall") == f"{s['median']:.1f} ({s['q1']:.1f}, {s['q3']:.1f})"
    e = T1["overall"]["ecog"]
    for level, n in zip(e["levels"], e["n"], strict=True):
        assert _cell(res, "ecog", "Overall", level) == f"{n} ({100 * n / e['n_nonmissing']:.1f}%)"
    assert res.headers["Overall"] == f"Overall (N = {len(frame)})"


def test_range_statistic(frame):
    """``median (min–max)`` as Study B prints age: R ``median``, ``min``, ``max``."""
    res = table_one(frame, by="arm", variables=["age"], continuous_stat="median_range")
    for s in T1["by_arm"]["age"]["stats"]:
        assert _cell(res, "age", s["group"]) == f"{s['median']:.1f} ({s['min']:.1f}–{s['max']:.1f})"


def test_smd_matches_r(frame):
    """tableone's SMD (written out in the R script) for age, visceral (NA dropped) and ecog."""
    res = table_one(frame, by="arm", variables=["age", "visceral", "ecog"], smd=True)
    smd = res.tests.set_index("variable")["smd"]
    for var in ("age", "visceral", "ecog"):
        assert_matches_r(smd[var], T1["by_arm"][f"smd_{var}"], what=f"SMD {var}")


# --------------------------------------------------------------------------- Study B baseline


def _study_b() -> pd.DataFrame:
    """Patients rebuilt from the published baseline counts (STUDIES.md, Study B)."""
    arm = ["Tmab/Pmab"] * 18 + ["Tmab"] * 24
    ecog = [0] * 13 + [1] * 5 + [0] * 13 + [1] * 10 + [2] * 1
    visceral = ["visceral"] * 13 + ["non-visceral"] * 5 + ["visceral"] * 18 + ["non-visceral"] * 6
    return pd.DataFrame({"arm": arm, "ecog": ecog, "visceral": visceral})


def test_study_b_published_baseline_p_values():
    """Study B used Pearson's chi-square throughout: ECOG 0.3971, visceral 0.8394 (published)."""
    res = table_one(_study_b(), by="arm", categorical_test="chi-square")
    p = res.tests.set_index("variable")["pvalue"].round(4)
    assert p["ecog"] == 0.3971 and p["visceral"] == 0.8394
    assert set(res.tests["test"]) == {TEST_CHISQ}


def test_study_b_default_rule_switches_to_fisher():
    """With gtsummary's rule both tables have expected counts < 5, so Fisher is used and said."""
    res = table_one(_study_b(), by="arm")
    assert set(res.tests["test"]) == {TEST_FISHER}
    assert res.tests_used == (TEST_FISHER,)
    assert res.headers == {"Tmab": "Tmab (N = 24)", "Tmab/Pmab": "Tmab/Pmab (N = 18)"}


# --------------------------------------------------------------------------- invariance


def test_shuffled_rows_give_the_same_table(frame):
    base = table_one(frame, by="arm", overall=True, smd=True)
    shuffled = frame.sample(frac=1.0, random_state=7).reset_index(drop=True)
    other = table_one(shuffled, by="arm", overall=True, smd=True)
    text_cols = [c for c in base.table.columns if c not in ("p", "smd")]
    pd.testing.assert_frame_equal(base.table[text_cols], other.table[text_cols])
    np.testing.assert_allclose(other.table["p"], base.table["p"], rtol=1e-12)
    np.testing.assert_allclose(other.table["smd"], base.table["smd"], rtol=1e-9)


def test_relabelled_groups_keep_p_values(frame):
    """Renaming the arms (which also reverses their order) changes no p-value or SMD."""
    renamed = frame.assign(arm=frame["arm"].map({"Tmab": "Z", "Tmab/Pmab": "A"}))
    base = table_one(frame, by="arm", smd=True)
    other = table_one(renamed, by="arm", smd=True)
    np.testing.assert_allclose(other.tests["pvalue"], base.tests["pvalue"], rtol=1e-12)
    np.testing.assert_allclose(other.tests["smd"], base.tests["smd"], rtol=1e-9)
    assert other.table["A"].tolist() == base.table["Tmab/Pmab"].tolist()
    assert other.groups == ("A", "Z")


# --------------------------------------------------------------------------- options and output


def test_labels_types_and_missing_rows(frame):
    res = table_one(
        frame,
        by="arm",
        variables=["prior_lines", "ki67"],
        types={"prior_lines": "continuous"},
        labels={"ki67": "Ki-67 (%)"},
        missing="always",
    )
    assert res.tests.set_index("variable").loc["prior_lines", "type"] == "continuous"
    labels = res.table.loc[res.table["row_type"] == "label", "label"].tolist()
    assert labels == ["prior_lines", "Ki-67 (%)"]
    assert (res.table["row_type"] == "missing").sum() == 2
    none = table_one(frame, by="arm", variables=["ki67"], missing="no")
    assert (none.table["row_type"] == "missing").sum() == 0


def test_by_none_gives_an_overall_column_without_tests(frame):
    res = table_one(frame, by=None, variables=["age", "sex"])
    assert "Overall" in res.table.columns and "p" not in res.table.columns
    assert res.tests["test"].isna().all()


def test_missing_group_rows_are_counted(frame):
    holes = frame.copy()
    holes.loc[[0, 1, 2], "arm"] = None
    res = table_one(holes, by="arm", variables=["age"])
    assert res.n_missing_by == 3 and res.n_total == len(frame) - 3


def test_summary_and_html(frame):
    res = table_one(frame, by="arm", variables=["sex", "age"])
    assert list(res.summary().columns[:4]) == ["variable", "label", "row_type", "level"]
    assert "Table 1" in res._repr_html_()
    assert res.tests_used == (TEST_CHISQ, TEST_WILCOXON)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": "nope"}, "by: column 'nope'"),
        ({"by": "arm", "variables": ["nope"]}, "variables: column 'nope'"),
        ({"by": "arm", "variables": ["arm"]}, "grouping column"),
        ({"by": "arm", "variables": ["sex"], "types": {"sex": "continuous"}}, "finite numbers"),
        ({"by": "arm", "variables": ["sex"], "types": {"sex": "ordinal"}}, "types"),
        ({"by": "arm", "variables": ["sex"], "continuous_stat": "mean_sd"}, "continuous_stat"),
        ({"by": "arm", "variables": ["sex"], "digits": -1}, "digits"),
        ({"by": "one", "variables": ["sex"]}, "at least two"),
        ({"by": "arm", "variables": ["when"]}, "dates"),
    ],
)
def test_bad_input_is_refused_clearly(frame, kwargs, message):
    data = frame.assign(one="x", when=pd.Timestamp("2020-01-01"))
    with pytest.raises(StatsInputError, match=message):
        table_one(data, **kwargs)


def test_not_a_dataframe():
    with pytest.raises(StatsInputError, match="DataFrame"):
        table_one({"a": [1]}, by="a")  # type: ignore[arg-type]
    with pytest.raises(StatsInputError, match="no rows"):
        table_one(pd.DataFrame({"a": [], "b": []}), by="a")


_cell_values = st.one_of(
    st.integers(-3, 12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["x", "y", "", "NA"]),
    st.none(),
    st.booleans(),
)


@settings(max_examples=120, deadline=None)
@given(
    st.integers(0, 10).flatmap(
        lambda n: st.tuples(
            st.lists(
                st.one_of(st.sampled_from(["a", "b", "c"]), st.none(), st.integers(0, 1)),
                min_size=n,
                max_size=n,
            ),
            st.lists(_cell_values, min_size=n, max_size=n),
        )
    ),
    st.sampled_from([None, "categorical", "continuous"]),
    st.booleans(),
)
def test_arbitrary_frames_give_result_or_stats_input_error(columns, kind, smd):
    """Odd data (mixed types, infinities, empty or missing groups): a table or a clear error."""
    g, v = columns
    data = pd.DataFrame({"g": pd.Series(g, dtype=object), "v": pd.Series(v, dtype=object)})
    try:
        res = table_one(
            data,
            by="g",
            variables=["v"],
            types={"v": kind} if kind else None,
            smd=smd,
            overall=True,
        )
    except StatsInputError:
        return
    p = res.tests["pvalue"].iloc[0]
    assert np.isnan(p) or 0.0 <= p <= 1.0
