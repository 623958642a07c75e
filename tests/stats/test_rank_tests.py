"""mann_whitney, kruskal_wallis and t_test against R (tests/golden/tests_tables.R) and by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linewise.stats import kruskal_wallis, mann_whitney, t_test
from linewise.stats._validate import StatsInputError
from support import assert_matches_r, load_golden

GOLDEN = load_golden("tests_tables.json")


# --------------------------------------------------------------------------- golden: R values


@pytest.mark.parametrize("case", GOLDEN["wilcox"], ids=lambda c: c["name"])
def test_mann_whitney_matches_r(case):
    """R: ``wilcox.test(x, y)`` (defaults: exact below 50 without ties, else normal + corrections)."""
    res = mann_whitney(case["x"], case["y"])
    assert_matches_r(res.statistic, case["statistic"], what="W")
    assert_matches_r(res.pvalue, case["pvalue"], what="p-value")
    expect_exact = case["name"].startswith("exact")
    assert res.exact is expect_exact


@pytest.mark.parametrize("case", GOLDEN["kruskal"], ids=lambda c: c["name"])
def test_kruskal_wallis_matches_r(case):
    """R: ``kruskal.test(values, factor(groups))`` -> statistic, parameter, p.value."""
    res = kruskal_wallis(case["values"], case["groups"])
    assert_matches_r(res.statistic, case["statistic"], what="H")
    assert res.df == case["df"]
    assert_matches_r(res.pvalue, case["pvalue"], what="p-value")


@pytest.mark.parametrize(
    "case", GOLDEN["t_test"], ids=lambda c: f"{c['name']}-{'pooled' if c['equal_var'] else 'welch'}"
)
def test_t_test_matches_r(case):
    """R: ``t.test(x, y, var.equal = <equal_var>)`` -> statistic, parameter, p.value, conf.int."""
    res = t_test(case["x"], case["y"], equal_var=case["equal_var"])
    assert_matches_r(res.statistic, case["statistic"], what="t")
    assert_matches_r(res.df, case["df"], what="df")
    assert_matches_r(res.pvalue, case["pvalue"], what="p-value")
    assert_matches_r(res.conf_int, case["conf_int"], what="CI")
    assert_matches_r([res.mean_x, res.mean_y], case["estimate"], what="means")


# --------------------------------------------------------------------------- hand examples


def test_mann_whitney_exact_by_hand():
    """x = 1.1..4.4 (ranks 2..5), y = 0.5, 5.5, 6.6: W = 14 - 10 = 4.

    Arrangements of m=4, n=3 by U (coefficients of the Gaussian binomial [7, 3]):
    1,1,2,3,4,4,5,4,4,3,2,1,1 (35 in all). P(W <= 4) = 11/35, p = 22/35.
    """
    res = mann_whitney([1.1, 2.2, 3.3, 4.4], [0.5, 5.5, 6.6])
    assert res.statistic == 4.0 and res.exact
    assert res.pvalue == pytest.approx(22 / 35, rel=1e-12)
    assert res.method == "Wilcoxon rank sum exact test"


def test_mann_whitney_normal_by_hand():
    """x = [1, 2], y = [2, 3] (a tie): ranks 1, 2.5, 2.5, 4 -> W = 3.5 - 3 = 0.5.

    sigma^2 = (4/12) (5 - (8 - 2) / 12) = 3/2; z = (0.5 - 2 + 0.5) / sqrt(1.5).
    """
    res = mann_whitney([1, 2], [2, 3])
    assert not res.exact and res.statistic == 0.5
    z = -1.0 / math.sqrt(1.5)
    assert res.pvalue == pytest.approx(math.erfc(-z / math.sqrt(2)), rel=1e-12)


def test_kruskal_by_hand():
    """Values 1..6 in pairs a, b, c: rank sums 3, 7, 11; H = 12/42 * (9+49+121)/2 - 21 = 4.5714."""
    res = kruskal_wallis([1, 2, 3, 4, 5, 6], ["a", "a", "b", "b", "c", "c"])
    assert res.statistic == pytest.approx(12 / 42 * 179 / 2 - 21, rel=1e-12)
    assert res.pvalue == pytest.approx(math.exp(-res.statistic / 2), rel=1e-12)  # chi2 on 2 df


def test_t_test_by_hand():
    """x = 1..4 (mean 2.5, var 5/3), y = 2,4,6,8 (mean 5, var 20/3).

    se^2 = 5/12 + 20/12 = 25/12; t = -2.5 / sqrt(25/12) = -sqrt(3);
    Welch df = (25/12)^2 / ((5/12)^2/3 + (20/12)^2/3) = 625 * 3 / 425 = 4.4118.
    """
    res = t_test([1, 2, 3, 4], [2, 4, 6, 8])
    assert res.statistic == pytest.approx(-math.sqrt(3), rel=1e-12)
    assert res.df == pytest.approx(625 * 3 / 425, rel=1e-12)
    pooled = t_test([1, 2, 3, 4], [2, 4, 6, 8], equal_var=True)
    assert pooled.df == 6 and pooled.statistic == pytest.approx(-math.sqrt(3), rel=1e-12)


# --------------------------------------------------------------------------- invariance


@pytest.mark.parametrize("case", GOLDEN["wilcox"], ids=lambda c: c["name"])
def test_mann_whitney_invariances(case):
    """Rank tests ignore a common shift / positive scaling / monotone transform and row order;
    swapping the samples turns W into n_x n_y - W with the same p-value."""
    x, y = np.asarray(case["x"]), np.asarray(case["y"])
    base = mann_whitney(x, y)
    rng = np.random.default_rng(3)
    for tx, ty in (
        (3.5 * x + 100, 3.5 * y + 100),
        (np.exp(x / 10), np.exp(y / 10)),
        (rng.permutation(x), rng.permutation(y)),
    ):
        other = mann_whitney(tx, ty)
        assert other.statistic == pytest.approx(base.statistic, rel=1e-12)
        assert other.pvalue == pytest.approx(base.pvalue, rel=1e-9)
    swapped = mann_whitney(y, x)
    assert swapped.statistic == pytest.approx(x.size * y.size - base.statistic, rel=1e-12)
    assert swapped.pvalue == pytest.approx(base.pvalue, rel=1e-9)


@pytest.mark.parametrize("case", GOLDEN["kruskal"], ids=lambda c: c["name"])
def test_kruskal_invariances(case):
    """Shuffled rows and relabelled groups give the same H and p-value."""
    v, g = np.asarray(case["values"]), np.asarray(case["groups"])
    base = kruskal_wallis(v, g)
    order = np.random.default_rng(5).permutation(v.size)
    relabel = {lab: f"group-{i}" for i, lab in enumerate(sorted(set(g), reverse=True))}
    other = kruskal_wallis(v[order], np.array([relabel[x] for x in g[order]]))
    assert other.statistic == pytest.approx(base.statistic, rel=1e-12)
    assert other.pvalue == pytest.approx(base.pvalue, rel=1e-12)


def test_t_test_shift_and_swap():
    """A common shift changes nothing; swapping samples flips t and the interval."""
    case = GOLDEN["t_test"][0]
    x, y = np.asarray(case["x"]), np.asarray(case["y"])
    base = t_test(x, y)
    shifted = t_test(x + 7.0, y + 7.0)
    assert shifted.statistic == pytest.approx(base.statistic, rel=1e-9)
    swapped = t_test(y, x)
    assert swapped.statistic == pytest.approx(-base.statistic, rel=1e-12)
    assert swapped.conf_low == pytest.approx(-base.conf_high, rel=1e-12)


def test_results_render():
    for res in (
        mann_whitney([1, 2, 3], [4, 5]),
        kruskal_wallis([1, 2, 3], [0, 0, 1]),
        t_test([1, 2, 3], [2, 5, 7]),
    ):
        assert "<strong>" in res._repr_html_()
        assert len(res.summary()) == 1


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mann_whitney([], [1, 2]), "x: is empty"),
        (lambda: mann_whitney([1, float("nan")], [1, 2]), "position 1"),
        (lambda: mann_whitney(["a"], [1]), "cannot be read"),
        (lambda: kruskal_wallis([1, 2, 3], ["a", "a", "a"]), "same group"),
        (lambda: kruskal_wallis([1, 2, 3], ["a", None, "b"]), "missing"),
        (lambda: kruskal_wallis([1, 2, 3], ["a", "b"]), "length"),
        (lambda: t_test([1], [1, 2, 3]), "not enough"),
        (lambda: t_test([2, 2, 2], [2, 2, 2]), "constant"),
        (lambda: t_test([1, 2], [3, 4], conf_level=0), "conf_level"),
    ],
)
def test_bad_input_is_refused_clearly(call, message):
    with pytest.raises(StatsInputError, match=message):
        call()


_values = st.lists(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(-5, 5),
        st.text(max_size=1),
        st.none(),
    ),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(
    _values,
    _values,
    st.lists(st.one_of(st.integers(0, 2), st.none(), st.text(max_size=1)), max_size=8),
)
def test_arbitrary_input_gives_result_or_stats_input_error(x, y, groups):
    """Arbitrary samples and labels: a result or a StatsInputError, never another exception."""
    calls = (
        lambda: mann_whitney(x, y),
        lambda: t_test(x, y),
        lambda: t_test(x, y, equal_var=True),
        lambda: kruskal_wallis(x, groups),
    )
    for call in calls:
        try:
            res = call()
        except StatsInputError:
            continue
        assert math.isnan(res.pvalue) or 0.0 <= res.pvalue <= 1.0
