"""proportion_ci against R binom.test / prop.test(correct = FALSE) and closed forms."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linewise.stats import proportion_ci
from linewise.stats._validate import StatsInputError
from support import assert_matches_r, load_golden

GOLDEN = load_golden("tests_tables.json")


@pytest.mark.parametrize(
    "case", GOLDEN["proportion_ci"], ids=lambda c: f"{c['x']}of{c['n']}-{c['conf_level']}"
)
@pytest.mark.parametrize(
    ("method", "key"),
    [("clopper-pearson", "clopper_pearson"), ("wilson", "wilson"), ("wald", "wald")],
)
def test_matches_r(case, method, key):
    """R: ``binom.test(x, n, conf.level = cl)$conf.int`` (Clopper-Pearson),
    ``prop.test(x, n, correct = FALSE, conf.level = cl)$conf.int`` (Wilson), and the Wald
    interval ``p +/- qnorm(1 - (1 - cl)/2) sqrt(p (1 - p) / n)`` clipped to [0, 1]."""
    res = proportion_ci(case["x"], case["n"], method=method, conf_level=case["conf_level"])
    assert_matches_r(res.conf_int, case[key], what=f"{method} CI")
    assert res.estimate == case["x"] / case["n"]


def test_clopper_pearson_closed_forms():
    """x = 0: upper = 1 - (alpha/2)^(1/n); x = n: lower = (alpha/2)^(1/n) (beta quantiles)."""
    n = 12
    zero = proportion_ci(0, n)
    assert zero.conf_low == 0.0
    assert zero.conf_high == pytest.approx(1 - 0.025 ** (1 / n), rel=1e-12)
    full = proportion_ci(n, n)
    assert full.conf_high == 1.0
    assert full.conf_low == pytest.approx(0.025 ** (1 / n), rel=1e-12)


def test_wald_and_wilson_by_hand():
    """50 of 100: Wald 0.5 +/- 1.959964 * 0.05; Wilson centre (p + z^2/2n) / (1 + z^2/n) = 0.5."""
    z = 1.959963984540054
    wald = proportion_ci(50, 100, method="wald")
    assert wald.conf_low == pytest.approx(0.5 - z * 0.05, rel=1e-12)
    wilson = proportion_ci(50, 100, method="wilson")
    assert (wilson.conf_low + wilson.conf_high) / 2 == pytest.approx(0.5, rel=1e-12)


def test_symmetry_successes_failures():
    """Swapping successes and failures mirrors the interval around 1/2 (all three methods)."""
    for method in ("clopper-pearson", "wilson", "wald"):
        a = proportion_ci(3, 18, method=method)
        b = proportion_ci(15, 18, method=method)
        assert a.conf_low == pytest.approx(1 - b.conf_high, rel=1e-9)
        assert a.conf_high == pytest.approx(1 - b.conf_low, rel=1e-9)


def test_result_render():
    res = proportion_ci(2, 18)
    assert "0.111" in res._repr_html_()
    assert list(res.summary().columns) == [
        "x",
        "n",
        "estimate",
        "conf_low",
        "conf_high",
        "conf_level",
        "method",
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x": -1, "n": 5}, "x: -1 must be at least 0"),
        ({"x": 6, "n": 5}, "exceed"),
        ({"x": 1.5, "n": 5}, "whole number"),
        ({"x": 1, "n": 0}, "n: 0 must be at least 1"),
        ({"x": 1, "n": 5, "method": "jeffreys"}, "method"),
        ({"x": 1, "n": 5, "conf_level": 95}, "conf_level"),
        ({"x": True, "n": 5}, "boolean"),
        ({"x": "two", "n": 5}, "not a number"),
    ],
)
def test_bad_input_is_refused_clearly(kwargs, message):
    with pytest.raises(StatsInputError, match=message):
        proportion_ci(**kwargs)


_anything = st.one_of(
    st.integers(-3, 50),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=2),
    st.none(),
)


@settings(max_examples=200, deadline=None)
@given(_anything, _anything, st.sampled_from(["clopper-pearson", "wilson", "wald", "x"]), _anything)
def test_arbitrary_input_gives_result_or_stats_input_error(x, n, method, level):
    try:
        res = proportion_ci(x, n, method=method, conf_level=level)
    except StatsInputError:
        return
    assert 0.0 <= res.conf_low <= res.estimate <= res.conf_high <= 1.0
    assert not math.isnan(res.conf_low)
