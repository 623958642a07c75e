"""Log-rank (survdiff), delayed-entry log-rank, trend and pairwise tests against R.

Golden values: ``tests/golden/km_logrank.R`` -> ``tests/golden/data/km_logrank.json``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linewise.stats._validate import StatsInputError
from linewise.stats.logrank import logrank
from linewise.stats.logrank_trend import logrank_trend, p_adjust, pairwise_logrank
from support import assert_matches_r, load_golden

GOLDEN = load_golden("km_logrank.json")
DATA = GOLDEN["datasets"]


def arr(values) -> np.ndarray:
    """A JSON value as a float array (jsonlite writes length-1 vectors as scalars, NA as null)."""
    return np.atleast_1d(np.asarray(values, dtype=float))


def mat(rows) -> np.ndarray:
    return np.vstack([arr(r) for r in rows])


@pytest.mark.parametrize("case", GOLDEN["logrank"], ids=lambda c: c["name"])
def test_logrank_matches_survdiff(case):
    """R: ``survdiff(Surv(time, status) ~ g [+ strata(s)], rho = rho)``: chisq, obs, exp, var
    (call per case in the JSON field ``call``)."""
    d = DATA[case["data"]]
    strata = d[case["strata"]] if case.get("strata") else None
    r = logrank(d["time"], d["status"], d[case["group"]], strata=strata, rho=case["rho"])
    what = f"{case['name']} [{case['call']}]"
    assert [str(g) for g in r.groups] == [str(v) for v in np.atleast_1d(case["levels"])]
    assert_matches_r(r.statistic, case["statistic"], what=f"{what} chisq")
    # without any event R's df is sum(E > 0) - 1 = -1 (p NaN); linewise reports 0 (p NaN)
    assert r.df == max(case["df"], 0)
    assert_matches_r(r.pvalue, arr(case["pvalue"])[0], what=f"{what} p")
    assert_matches_r(r.observed, arr(case["observed"]), what=f"{what} obs")
    assert_matches_r(r.expected, arr(case["expected"]), what=f"{what} exp")
    assert_matches_r(r.variance, mat(case["variance"]), what=f"{what} var")
    assert_matches_r(r.observed_by_stratum.T, mat(case["observed_by_stratum"]), what=f"{what} obs by stratum")
    assert_matches_r(r.expected_by_stratum.T, mat(case["expected_by_stratum"]), what=f"{what} exp by stratum")
    assert r.n.tolist() == arr(case["n"]).tolist()


@pytest.mark.parametrize("case", GOLDEN["logrank_entry"], ids=lambda c: c["name"])
def test_delayed_entry_logrank_matches_r(case):
    """R: untied data: ``coxph(Surv(entry, time, status) ~ factor(group), ties = "breslow")$score``
    (equal to the log-rank when one event per time); tied data: the counting-process log-rank
    computed directly in R (``manual_entry_logrank`` in the R script, risk set entry < t <= time,
    survdiff's hypergeometric variance, G-rho weight from the delayed-entry pooled KM)."""
    d = DATA[case["data"]]
    r = logrank(d["time"], d["status"], d[case["group"]], entry=d["entry"], rho=case["rho"])
    what = f"{case['name']} [{case['call']}]"
    assert_matches_r(r.statistic, case["statistic"], what=f"{what} chisq")
    assert r.df == case["df"]
    assert_matches_r(r.pvalue, case["pvalue"], what=f"{what} p")
    if "observed" in case:
        assert_matches_r(r.observed, arr(case["observed"]), what=f"{what} obs")
        assert_matches_r(r.expected, arr(case["expected"]), what=f"{what} exp")
        assert_matches_r(r.variance, mat(case["variance"]), what=f"{what} var")


@pytest.mark.parametrize("case", GOLDEN["trend"], ids=lambda c: c["name"])
def test_trend_matches_r(case):
    """R: ``sd <- survdiff(Surv(time, status) ~ g [+ strata(s)])``;
    ``sum(s * (O - E))^2 / (s' sd$var s)`` with O, E summed over strata."""
    d = DATA[case["data"]]
    strata = d[case["strata"]] if case.get("strata") else None
    scores = case["scores"]
    r = logrank_trend(d["time"], d["status"], d[case["group"]], scores=scores, strata=strata)
    assert_matches_r(r.statistic, case["statistic"], what=f"{case['name']} trend chisq")
    assert_matches_r(r.pvalue, case["pvalue"], what=f"{case['name']} trend p")
    default = logrank_trend(d["time"], d["status"], d[case["group"]], strata=strata)
    if arr(scores).tolist() == list(range(1, len(arr(scores)) + 1)):
        assert_matches_r(default.statistic, case["statistic"], what="default scores 1..k")


@pytest.mark.parametrize("case", GOLDEN["pairwise"], ids=lambda c: c["name"])
def test_pairwise_matches_r(case):
    """R: ``survdiff(Surv(time, status) ~ g, data = <pair subset>)`` for each pair (combn order),
    then ``p.adjust(p, method)`` as survminer::pairwise_survdiff."""
    d = DATA[case["data"]]
    r = pairwise_logrank(d["time"], d["status"], d[case["group"]], p_adjust=case["method"])
    levels = [str(v) for v in np.atleast_1d(case["levels"])]
    assert [str(g) for g in r.table["group1"]] == [levels[int(i)] for i in arr(case["index1"])]
    assert [str(g) for g in r.table["group2"]] == [levels[int(i)] for i in arr(case["index2"])]
    assert_matches_r(r.table["statistic"].to_numpy(), arr(case["statistic"]), what=f"{case['name']} chisq")
    assert_matches_r(r.table["pvalue"].to_numpy(), arr(case["pvalue"]), what=f"{case['name']} p")
    assert_matches_r(r.table["p_adjusted"].to_numpy(), arr(case["p_adjusted"]), what=f"{case['name']} adj")
    m = r.matrix()
    assert m.shape == (len(levels) - 1, len(levels) - 1)


def test_logrank_by_hand():
    """Hand-derived: times 1, 2, 3, 4 (all events), groups a, b, a, b.
    t=1: n=4 (a 2, b 2), d=1 in a: E_a += 1/2, var += 1*3/(4*3) * (2 - 4/4) = 1/4 (diag a).
    t=2: n=3 (a 1, b 2), d=1 in b: E_a += 1/3, V_aa += 1*2/(3*2) * (1 - 1/3) = 2/9.
    t=3: n=2 (a 1, b 1), d=1 in a: E_a += 1/2, V_aa += 1*1/(2*1) * (1 - 1/2) = 1/4.
    t=4: n=1 (b): E_b += 1, no variance. O_a = 2, E_a = 4/3, V_aa = 1/4 + 2/9 + 1/4 = 13/18.
    chisq = (2 - 4/3)^2 / (13/18) = (4/9) * (18/13) = 8/13."""
    r = logrank([1, 2, 3, 4], [1, 1, 1, 1], ["a", "b", "a", "b"])
    np.testing.assert_allclose(r.expected, [4 / 3, 8 / 3])
    np.testing.assert_allclose(r.variance, [[13 / 18, -13 / 18], [-13 / 18, 13 / 18]])
    np.testing.assert_allclose(r.statistic, 8 / 13)
    assert r.df == 1


def test_entry_at_zero_equals_no_entry():
    d = DATA["lung"]
    a = logrank(d["time"], d["status"], d["ph_ecog"])
    b = logrank(d["time"], d["status"], d["ph_ecog"], entry=np.zeros(len(d["time"])))
    np.testing.assert_allclose(b.statistic, a.statistic, rtol=1e-12)
    np.testing.assert_allclose(b.variance, a.variance, rtol=1e-12, atol=1e-12)


def test_p_adjust_by_hand():
    """R: p.adjust(c(0.01, 0.04, 0.03), "holm") = 0.03, 0.06, 0.06 (3 * 0.01; max(2 * 0.03,
    0.03) = 0.06; max(1 * 0.04, 0.06) = 0.06); bonferroni = 0.03, 0.12, 0.09."""
    np.testing.assert_allclose(p_adjust([0.01, 0.04, 0.03], "holm"), [0.03, 0.06, 0.06])
    np.testing.assert_allclose(p_adjust([0.01, 0.04, 0.03], "bonferroni"), [0.03, 0.12, 0.09])
    np.testing.assert_allclose(p_adjust([0.5, np.nan, 0.2], "holm"), [0.5, np.nan, 0.4])


# ---------------------------------------------------------------------------------------------
# invariances
# ---------------------------------------------------------------------------------------------
def _veteran():
    d = DATA["veteran"]
    return (np.asarray(d["time"], float), np.asarray(d["status"], float), np.asarray(d["celltype"]),
            np.asarray(d["trt"]))


def test_shuffled_rows_same_test():
    t, e, g, s = _veteran()
    perm = np.random.default_rng(7).permutation(t.size)
    a = logrank(t, e, g, strata=s, rho=1)
    b = logrank(t[perm], e[perm], g[perm], strata=s[perm], rho=1)
    np.testing.assert_allclose(b.statistic, a.statistic, rtol=1e-12)
    np.testing.assert_allclose(b.variance, a.variance, rtol=1e-12, atol=1e-12)


def test_relabelled_groups_same_statistic():
    t, e, g, s = _veteran()
    relabel = {"adeno": "z1", "large": "a2", "smallcell": "m3", "squamous": "b4"}
    a = logrank(t, e, g)
    b = logrank(t, e, np.array([relabel[x] for x in g]))
    np.testing.assert_allclose(b.statistic, a.statistic, rtol=1e-10)
    np.testing.assert_allclose(b.pvalue, a.pvalue, rtol=1e-10)
    # and the same groups' O/E follow their labels
    order = [b.groups.index(relabel[x]) for x in a.groups]
    np.testing.assert_allclose(b.observed[order], a.observed)
    np.testing.assert_allclose(b.expected[order], a.expected, rtol=1e-12)


@pytest.mark.parametrize("scale", [1 / 30.4375, 12.0])
def test_scaled_time_same_tests(scale):
    t, e, g, s = _veteran()
    for rho in (0.0, 1.0):
        a = logrank(t, e, g, strata=s, rho=rho)
        b = logrank(t * scale, e, g, strata=s, rho=rho)
        np.testing.assert_allclose(b.statistic, a.statistic, rtol=1e-10)
    a, b = logrank_trend(t, e, g), logrank_trend(t * scale + 5, e, g)
    np.testing.assert_allclose(b.statistic, a.statistic, rtol=1e-10)


def test_trend_sign_and_mapping_scores():
    t, e, g, _ = _veteran()
    a = logrank_trend(t, e, g, scores=[1, 2, 3, 4])
    b = logrank_trend(t, e, g, scores={"adeno": -1, "large": -2, "smallcell": -3, "squamous": -4})
    np.testing.assert_allclose(b.statistic, a.statistic, rtol=1e-12)
    np.testing.assert_allclose(b.z, -a.z, rtol=1e-12)
    assert "<table" in a._repr_html_()


def test_results_render_and_are_frozen():
    t, e, g, _ = _veteran()
    r = logrank(t, e, g)
    assert list(r.summary().columns) == ["group", "n", "observed", "expected", "oe2_over_e", "oe2_over_v"]
    assert "Log-rank test" in r._repr_html_()
    with pytest.raises(AttributeError):
        r.statistic = 0  # type: ignore[misc]
    p = pairwise_logrank(t, e, g)
    assert "<table" in p._repr_html_()


# ---------------------------------------------------------------------------------------------
# input validation
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"group": ["a", "a", "a"]}, "only one group"),
        ({"group": ["a", None, "b"]}, "group: position 1"),
        ({"group": ["a", "b"]}, "group: length 2"),
        ({"group": ["a", "b", "a"], "rho": -1}, "rho"),
        ({"group": ["a", "b", "a"], "strata": [1, 2]}, "strata: length 2"),
        ({"group": ["a", "b", "a"], "entry": [0, 5, 0]}, "entry: position 1"),
    ],
)
def test_bad_inputs(kwargs, message):
    with pytest.raises(StatsInputError, match=message):
        logrank([1, 2, 3], [1, 0, 1], **kwargs)


def test_bad_trend_and_pairwise_options():
    with pytest.raises(StatsInputError, match="scores"):
        logrank_trend([1, 2, 3], [1, 0, 1], ["a", "b", "a"], scores=[1, 2, 3])
    with pytest.raises(StatsInputError, match="scores"):
        logrank_trend([1, 2, 3], [1, 0, 1], ["a", "b", "a"], scores={"a": 1})
    with pytest.raises(StatsInputError, match="p_adjust"):
        pairwise_logrank([1, 2, 3], [1, 0, 1], ["a", "b", "a"], p_adjust="fdr")


_values = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-3, 3),
                    st.text(max_size=2), st.none(), st.booleans())
_arrays = st.one_of(st.lists(_values, max_size=6), st.just([[1, 2], [3]]), _values)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(time=_arrays, event=_arrays, group=_arrays, strata=st.one_of(st.none(), _arrays),
       rho=_values, entry=st.one_of(st.none(), _arrays))
def test_arbitrary_input_gives_result_or_stats_input_error(time, event, group, strata, rho, entry):
    for fn in (logrank, logrank_trend, pairwise_logrank):
        try:
            fn(time, event, group, strata=strata, rho=rho, entry=entry)
        except StatsInputError:
            pass


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.booleans(), st.sampled_from("abc")), min_size=2, max_size=30))
def test_valid_random_data_gives_finite_nonnegative_statistic(rows):
    t, e, g = (list(x) for x in zip(*rows, strict=True))
    if len(set(g)) < 2:
        return
    r = logrank(t, e, g)
    assert r.statistic >= -1e-12
    np.testing.assert_allclose(r.observed.sum(), r.expected.sum(), rtol=1e-9, atol=1e-9)


def test_many_distinct_times_path(monkeypatch):
    """Force the sort-based risk table (used with many distinct times) and compare with R."""
    import linewise.stats._km_core as core

    monkeypatch.setattr(core, "_SEARCH_MAX", 0)
    case = next(c for c in GOLDEN["logrank"] if c["name"] == "veteran_celltype_by_trt")
    d = DATA[case["data"]]
    # + 0.25: non-whole times so the whole-number (direct index) path is not taken; a shift
    # leaves the test unchanged
    r = logrank(np.asarray(d["time"]) + 0.25, d["status"], d["celltype"], strata=d["trt"])
    assert_matches_r(r.statistic, case["statistic"], what="sorted path chisq")
    assert_matches_r(r.variance, mat(case["variance"]), what="sorted path var")
    case = next(c for c in GOLDEN["logrank_entry"] if c["name"] == "mgus2_age_sex_rho1")
    d = DATA[case["data"]]
    r = logrank(d["time"], d["status"], d["sex"], entry=d["entry"], rho=1)
    assert_matches_r(r.statistic, case["statistic"], what="sorted path entry chisq")
