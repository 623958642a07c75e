"""chi_square and fisher_exact against R (tests/golden/tests_tables.R), Study B, hand examples."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linewise.stats import chi_square, fisher_exact
from linewise.stats._validate import StatsInputError
from support import assert_matches_r, load_golden

GOLDEN = load_golden("tests_tables.json")


def _case(block: str, name: str) -> dict:
    return next(c for c in GOLDEN[block] if c["name"] == name)


# --------------------------------------------------------------------------- golden: R values


@pytest.mark.parametrize("case", GOLDEN["chisq"], ids=lambda c: c["name"])
def test_chi_square_matches_r(case):
    """R: ``chisq.test(table, correct = <correct>)`` -> statistic, parameter, p.value, expected."""
    res = chi_square(case["table"], correction=case["correct"])
    assert_matches_r(res.statistic, case["statistic"], what="X-squared")
    assert res.df == case["df"]
    assert_matches_r(res.pvalue, case["pvalue"], what="p-value")
    assert_matches_r(res.expected, case["expected"], what="expected")
    assert_matches_r(res.min_expected, np.min(case["expected"]), what="min expected")


@pytest.mark.parametrize("case", GOLDEN["fisher_2x2"], ids=lambda c: c["name"])
def test_fisher_2x2_matches_r(case):
    """R: ``fisher.test(table)`` -> p.value, estimate (conditional MLE), conf.int (95% and 90%)."""
    res = fisher_exact(case["table"])
    assert_matches_r(res.pvalue, case["pvalue"], what="p-value")
    assert_matches_r(res.odds_ratio, float(case["estimate"]), what="conditional MLE odds ratio")
    assert_matches_r(res.conf_int, np.asarray(case["conf_int"], dtype=float), what="95% CI")
    res90 = fisher_exact(case["table"], conf_level=0.90)
    assert_matches_r(res90.conf_int, np.asarray(case["conf_int_90"], dtype=float), what="90% CI")


@pytest.mark.parametrize("case", GOLDEN["fisher_rxc"], ids=lambda c: c["name"])
def test_fisher_rxc_matches_r(case):
    """R: ``fisher.test(table, workspace = 2e8)$p.value`` (FEXACT network algorithm)."""
    res = fisher_exact(case["table"])
    assert_matches_r(res.pvalue, case["pvalue"], what="p-value")
    assert math.isnan(res.odds_ratio) and all(math.isnan(v) for v in res.conf_int)


def test_golden_records_versions():
    """The golden file says which R produced it (see tests/golden/tests_tables.R)."""
    assert GOLDEN["meta"]["r_version"].startswith("R version")


# --------------------------------------------------------------------------- Study B (published)

#: Published p-values of Study B (STUDIES.md), Pearson chi-square without continuity correction.
STUDY_B_PUBLISHED = {
    "study_b_trr": ([[2, 16], [6, 18]], 0.2566),  # TRR 2/18 vs 6/24
    "study_b_dcr": ([[3, 15], [15, 9]], 0.0030),  # DCR 3/18 vs 15/24
    "study_b_ecog": ([[13, 5, 0], [13, 10, 1]], 0.3971),  # ECOG PS 0/1/2
    "study_b_visceral": ([[13, 5], [18, 6]], 0.8394),  # visceral / non-visceral
}


@pytest.mark.parametrize("name", list(STUDY_B_PUBLISHED))
def test_study_b_published_p_values(name):
    """The published counts reproduce the published p-values to four decimals, and R's value.

    R: ``chisq.test(table, correct = FALSE)$p.value``.
    """
    table, published = STUDY_B_PUBLISHED[name]
    res = chi_square(table)
    assert round(res.pvalue, 4) == published
    assert_matches_r(res.pvalue, _case("chisq", name)["pvalue"], what=name)


# --------------------------------------------------------------------------- hand examples


def test_chi_square_hand_2x2():
    """[[10, 20], [20, 10]]: every expected count is 15, |O - E| = 5.

    X2 = 4 * 25 / 15 = 6.6667 on 1 df; with Yates: 4 * 4.5^2 / 15 = 5.4.
    """
    res = chi_square([[10, 20], [20, 10]])
    assert res.statistic == pytest.approx(20 / 3, rel=1e-12)
    assert res.df == 1
    assert res.pvalue == pytest.approx(math.erfc(math.sqrt(20 / 3 / 2)), rel=1e-12)
    np.testing.assert_allclose(res.expected, 15.0)
    yates = chi_square([[10, 20], [20, 10]], correction=True)
    assert yates.statistic == pytest.approx(5.4, rel=1e-12)
    assert yates.correction and "Yates" in yates.method


def test_yates_only_for_2x2():
    """As R, the continuity correction is silently not applied beyond 2 x 2."""
    a = chi_square([[13, 5, 0], [13, 10, 1]], correction=True)
    b = chi_square([[13, 5, 0], [13, 10, 1]])
    assert a.statistic == b.statistic and not a.correction


def test_fisher_tea_tasting_by_hand():
    """Lady tasting tea [[3, 1], [1, 3]]: hypergeometric weights of x = 0..4 are 1,16,36,16,1 / 70.

    Observed x = 3 (16/70); tables no more likely: x = 0, 1, 3, 4 -> p = 34/70.
    """
    res = fisher_exact([[3, 1], [1, 3]])
    assert res.pvalue == pytest.approx(34 / 70, rel=1e-12)


def test_fisher_boundary_odds_ratios():
    """A zero cell puts the estimate at 0 or infinity, with the matching CI end (R)."""
    low = fisher_exact([[0, 10], [6, 8]])
    assert low.odds_ratio == 0.0 and low.conf_low == 0.0
    high = fisher_exact([[7, 0], [3, 9]])
    assert math.isinf(high.odds_ratio) and math.isinf(high.conf_high)


def _brute_force_fisher(table: np.ndarray) -> float:
    """Sum of multiple-hypergeometric probabilities of all tables no more likely than observed."""
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    n = int(rows.sum())

    def log_prob(t):
        return (
            sum(math.lgamma(v + 1) for v in rows)
            + sum(math.lgamma(v + 1) for v in cols)
            - math.lgamma(n + 1)
            - sum(math.lgamma(v + 1) for v in t.ravel())
        )

    p_obs = math.exp(log_prob(table))
    total = 0.0
    r, c = table.shape
    ranges = [range(int(min(rows[i], cols[j])) + 1) for i in range(r - 1) for j in range(c - 1)]
    for free in itertools.product(*ranges):
        t = np.zeros((r, c), dtype=int)
        t[: r - 1, : c - 1] = np.reshape(free, (r - 1, c - 1))
        t[: r - 1, c - 1] = rows[: r - 1] - t[: r - 1, : c - 1].sum(axis=1)
        t[r - 1, :] = cols - t[: r - 1, :].sum(axis=0)
        if (t < 0).any():
            continue
        p = math.exp(log_prob(t))
        if p <= p_obs * (1 + 1e-7):
            total += p
    return total


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from([(2, 3), (2, 4), (3, 3)]).flatmap(
        lambda shape: st.lists(
            st.integers(0, 4), min_size=shape[0] * shape[1], max_size=shape[0] * shape[1]
        ).map(lambda v, shape=shape: np.reshape(v, shape))
    )
)
def test_fisher_rxc_equals_full_enumeration(table):
    """The network algorithm gives the same p-value as enumerating every table (small tables)."""
    if (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
        return
    assert fisher_exact(table).pvalue == pytest.approx(_brute_force_fisher(table), rel=1e-9)


# --------------------------------------------------------------------------- invariance


@pytest.mark.parametrize("case", GOLDEN["fisher_rxc"], ids=lambda c: c["name"])
def test_permuting_and_transposing_keeps_p(case):
    """Relabelling groups or levels (row / column order) or transposing changes nothing."""
    t = np.asarray(case["table"])
    rng = np.random.default_rng(1)
    shuffled = t[rng.permutation(t.shape[0])][:, rng.permutation(t.shape[1])]
    for other in (shuffled, t.T):
        assert fisher_exact(other).pvalue == pytest.approx(fisher_exact(t).pvalue, rel=1e-9)
        assert chi_square(other).statistic == pytest.approx(chi_square(t).statistic, rel=1e-12)
        assert chi_square(other).pvalue == pytest.approx(chi_square(t).pvalue, rel=1e-12)


def test_swapping_rows_inverts_odds_ratio():
    """Swapping the groups inverts the odds ratio and its interval; the p-value is unchanged."""
    a = fisher_exact([[2, 16], [6, 18]])
    b = fisher_exact([[6, 18], [2, 16]])
    assert b.pvalue == pytest.approx(a.pvalue, rel=1e-12)
    # R's uniroot stops at ~1e-4, so the reciprocal relation holds to that accuracy.
    assert b.odds_ratio == pytest.approx(1 / a.odds_ratio, rel=1e-3)
    assert b.conf_low == pytest.approx(1 / a.conf_high, rel=1e-3)


def test_results_are_frozen_and_render():
    res = chi_square([[2, 16], [6, 18]])
    with pytest.raises(AttributeError):
        res.pvalue = 0.5  # type: ignore[misc]
    with pytest.raises(ValueError):
        res.expected[0, 0] = 1.0
    assert "Pearson" in res._repr_html_()
    assert list(res.summary().columns) == [
        "method",
        "statistic",
        "df",
        "pvalue",
        "min_expected",
        "n",
    ]
    assert "Fisher" in fisher_exact([[2, 16], [6, 18]])._repr_html_()


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([[1, -2], [3, 4]], "non-negative"),
        ([[1, 2.5], [3, 4]], "whole numbers"),
        ([[1, float("nan")], [3, 4]], "missing"),
        ([[0, 0], [3, 4]], "row 0 sums to zero"),
        ([[0, 2], [0, 4]], "column 0 sums to zero"),
        ([1, 2, 3], "2-D"),
        ([[1, 2, 3]], "at least 2 rows"),
        ([["a", "b"], ["c", "d"]], "cannot be read"),
    ],
)
def test_bad_tables_are_refused_clearly(table, message):
    for fn in (chi_square, fisher_exact):
        with pytest.raises(StatsInputError, match=message):
            fn(table)


def test_bad_conf_level():
    with pytest.raises(StatsInputError, match="conf_level"):
        fisher_exact([[1, 2], [3, 4]], conf_level=1.5)


_cells = st.one_of(
    st.integers(-5, 30),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.text(max_size=2),
    st.none(),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_cells, min_size=0, max_size=4), min_size=0, max_size=4))
def test_arbitrary_input_gives_result_or_stats_input_error(table):
    """Whatever the table, the answer is a result or a StatsInputError, never another error."""
    for fn in (chi_square, fisher_exact):
        try:
            res = fn(table)
        except StatsInputError:
            continue
        assert 0.0 <= res.pvalue <= 1.0
