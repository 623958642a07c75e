"""standardized_mean_difference against tableone's definition computed in R, and by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linewise.stats import standardized_mean_difference
from linewise.stats._validate import StatsInputError
from support import assert_matches_r, load_golden

GOLDEN = load_golden("tests_tables.json")


@pytest.mark.parametrize("case", GOLDEN["smd"], ids=lambda c: c["name"])
def test_matches_r(case):
    """R (tableone's ExtractSmd written out): continuous ``abs(mean(a) - mean(b)) /
    sqrt((var(a) + var(b)) / 2)``; categorical ``sqrt(t(d) %*% MASS::ginv(S) %*% d)``; pairs in
    ``combn`` order over sorted group labels, reported value = their mean."""
    res = standardized_mean_difference(case["values"], case["groups"], kind=case["kind"])
    assert_matches_r(res.pairwise, np.atleast_1d(case["pairwise"]), what="pairwise SMD")
    assert_matches_r(res.smd, np.mean(case["pairwise"]), what="SMD")


def test_continuous_by_hand():
    """a = 1, 2, 3 (mean 2, var 1); b = 3, 4, 5 (mean 4, var 1): |2 - 4| / 1 = 2."""
    res = standardized_mean_difference([1.0, 2.0, 3.0, 3.0, 4.0, 5.0], ["a"] * 3 + ["b"] * 3)
    assert res.smd == 2.0 and res.kind == "continuous"


def test_binary_reduces_to_proportions():
    """Two levels: |p1 - p2| / sqrt((p1 (1 - p1) + p2 (1 - p2)) / 2); p1 = 0.5, p2 = 0.25."""
    values = ["no", "yes", "yes", "no"] + ["no", "no", "no", "yes"]
    res = standardized_mean_difference(values, ["x"] * 4 + ["y"] * 4)
    expected = 0.25 / math.sqrt((0.25 + 0.1875) / 2)
    assert res.smd == pytest.approx(expected, rel=1e-12)


def test_constant_variable_edge_cases():
    """tableone: same constant in both groups -> 0; categorical zero covariance with a difference
    -> NaN."""
    assert standardized_mean_difference([5.0, 5.0, 5.0, 5.0], ["a", "a", "b", "b"]).smd == 0.0
    res = standardized_mean_difference(["u", "u", "v", "v"], ["a", "a", "b", "b"])
    assert math.isnan(res.smd)


@pytest.mark.parametrize("case", GOLDEN["smd"], ids=lambda c: c["name"])
def test_invariances(case):
    """Shuffled rows, relabelled groups, and (continuous) a common affine change or (categorical)
    renamed / reordered levels leave the SMD unchanged."""
    v, g = np.asarray(case["values"]), np.asarray(case["groups"])
    base = standardized_mean_difference(v, g, kind=case["kind"]).smd
    order = np.random.default_rng(11).permutation(v.size)
    relabel = {lab: f"G{i}" for i, lab in enumerate(sorted(set(g.tolist()), reverse=True))}
    g2 = np.array([relabel[x] for x in g[order]])
    if case["kind"] == "continuous":
        v2 = -2.5 * v[order].astype(float) + 40
    else:
        names = sorted(set(v.tolist()))
        rename = {lev: f"L{len(names) - i}" for i, lev in enumerate(names)}  # reverses the order
        v2 = np.array([rename[x] for x in v[order]])
    other = standardized_mean_difference(v2, g2, kind=case["kind"]).smd
    assert other == pytest.approx(base, rel=1e-9)


def test_summary_lists_pairs_and_average():
    case = next(c for c in GOLDEN["smd"] if c["name"] == "mtcars_mpg_cyl")
    res = standardized_mean_difference(case["values"], case["groups"])
    table = res.summary()
    assert table["group_1"].tolist()[0] == "average" and len(table) == 4
    assert "Standardized" in res._repr_html_()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1.0, 2.0], ["a", "a"]), "at least two groups"),
        (([1.0, 2.0], ["a", None]), "missing"),
        (([1.0, 2.0, 3.0], ["a", "b"]), "length"),
        (([1.0, float("nan")], ["a", "b"]), "position 1"),
        (([[1.0, 2.0]], ["a", "b"]), "1-D"),
    ],
)
def test_bad_input_is_refused_clearly(args, message):
    with pytest.raises(StatsInputError, match=message):
        standardized_mean_difference(*args)


def test_bad_kind():
    with pytest.raises(StatsInputError, match="kind"):
        standardized_mean_difference([1.0, 2.0], ["a", "b"], kind="ordinal")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(st.floats(allow_nan=True), st.integers(0, 3), st.text(max_size=1), st.none()),
        max_size=8,
    ),
    st.lists(st.one_of(st.integers(0, 2), st.none(), st.text(max_size=1)), max_size=8),
    st.sampled_from(["auto", "continuous", "categorical"]),
)
def test_arbitrary_input_gives_result_or_stats_input_error(values, groups, kind):
    try:
        res = standardized_mean_difference(values, groups, kind=kind)
    except StatsInputError:
        return
    assert math.isnan(res.smd) or res.smd >= 0.0
