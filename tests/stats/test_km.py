"""Kaplan-Meier, quantiles, restricted mean and median follow-up against R ``survival`` 3.5.

Golden values: ``tests/golden/km_logrank.R`` -> ``tests/golden/data/km_logrank.json``; the data
each case uses is in the same file (section "datasets").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linewise.stats._validate import StatsInputError
from linewise.stats.followup import median_follow_up
from linewise.stats.km import kaplan_meier, kaplan_meier_by
from support import assert_matches_r, load_golden

GOLDEN = load_golden("km_logrank.json")
DATA = GOLDEN["datasets"]
KM_CASES = {c["name"]: c for c in GOLDEN["km"]}
CONF_TYPES = ["log", "log-log", "plain"]


def arr(values) -> np.ndarray:
    """A JSON value as a float array (jsonlite writes length-1 vectors as scalars, NA as null)."""
    return np.atleast_1d(np.asarray(values, dtype=float))


def fit_case(case, conf_type):
    """Fit a golden case with linewise; returns the list of curves in R's strata order."""
    d = DATA[case["data"]]
    kw = {"conf_level": case["conf_level"], "conf_type": conf_type}
    if case["entry"]:
        kw["entry"] = d["entry"]
    if case.get("weights"):
        kw["weights"] = d[case["weights"]]
    if case.get("group"):
        fits = kaplan_meier_by(d["time"], d["status"], d[case["group"]], **kw)
        assert [str(g) for g in fits] == [str(v) for v in np.atleast_1d(case["levels"])]
        return list(fits.values())
    return [kaplan_meier(d["time"], d["status"], **kw)]


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", list(KM_CASES))
def test_km_matches_survfit(name, conf_type):
    """R: ``summary(survfit(Surv(time, status) ~ g, conf.type = <type>), censored = TRUE)``,
    ``survival:::survmean(fit, rmean = tau)`` (print.survfit's median/CI/rmean),
    ``quantile(fit, c(.25, .5, .75))``, ``summary(fit, times = times, extend = TRUE)``
    (call per case in the JSON field ``call``)."""
    case = KM_CASES[name]
    fits = fit_case(case, conf_type)
    expected = case["by_conf_type"][conf_type]
    assert len(fits) == len(expected)
    for i, (fit, r) in enumerate(zip(fits, expected, strict=True)):
        what = f"{name} [{case['call']}] {conf_type} curve {i}"
        table = fit.table
        for col in ["time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper"]:
            assert_matches_r(table[col].to_numpy(), arr(r["table"][col]), what=f"{what} table.{col}")
        assert fit.n == r["n"]
        assert_matches_r(fit.events, r["events"], what=f"{what} events")
        assert_matches_r(fit.median, arr(r["median"])[0], what=f"{what} median")
        assert_matches_r(fit.median_ci, [arr(r["median_lower"])[0], arr(r["median_upper"])[0]],
                         what=f"{what} median CI")
        q = fit.quantile(r["quantile"]["p"])
        for col in ["quantile", "lower", "upper"]:
            assert_matches_r(q[col].to_numpy(), arr(r["quantile"][col]), what=f"{what} quantile.{col}")
        at = fit.survival_at(case["times"], extend=True)
        for col in ["time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper"]:
            assert_matches_r(at[col].to_numpy(), arr(r["at"][col]), what=f"{what} at.{col}")
        assert_matches_r(fit.n_at_risk(case["times"]), arr(r["at"]["n_risk"]), what=f"{what} n_at_risk")
        rm = fit.rmst(case["tau"])
        assert_matches_r([rm.estimate, rm.std_err], [r["rmean"], r["rmean_se"]], what=f"{what} rmean")


def test_study_a_not_reached_upper_limits_are_nan():
    """R: ``survfit(Surv(time, status) ~ line, data = study_a)`` prints NA upper limits (as
    Study A's "3rd line 4.2 (2.3-NA)"): the upper curve never drops to 0.5."""
    d = DATA["study_a"]
    fits = kaplan_meier_by(d["time"], d["status"], d["line"])
    r = KM_CASES["study_a"]["by_conf_type"]["log"]
    for fit, rr in zip(fits.values(), r, strict=True):
        assert rr["median_upper"] is None
        assert np.isnan(fit.median_ci[1])
        assert np.isfinite(fit.median)
    assert fits.summary()["upper"].isna().all()
    assert "NA" in fits._repr_html_()


def test_median_rules_print_vs_quantile():
    """Hand-derived. half_last: S = 3/4 at 1, 2/3 * 3/4 = 1/2 at 2, then censored at 3, 4.
    print.survfit's rule gives 2 (first time S <= 0.5); quantile.survfit gives the midpoint of
    the flat stretch to the last follow-up time, (2 + 4) / 2 = 3. half_flat: S = 1/2 from t = 4
    until the next event at t = 7: both rules give (4 + 7) / 2 = 5.5."""
    d = DATA["half_last"]
    fit = kaplan_meier(d["time"], d["status"])
    assert fit.median == 2.0
    assert fit.quantile(0.5)["quantile"].item() == 3.0
    d = DATA["half_flat"]
    fit = kaplan_meier(d["time"], d["status"])
    assert fit.median == 5.5
    assert fit.quantile(0.5)["quantile"].item() == 5.5


def test_micro_example_by_hand():
    """Hand-derived: times 1, 2, 2+, 4, 5 with events at 1, 2, 4.
    S(1) = 4/5 = 0.8; S(2) = 0.8 * 3/4 = 0.6; S(4) = 0.6 * 1/2 = 0.3 (2 at risk at 4).
    Greenwood var(log S) at 2: 1/(5*4) + 1/(4*3) = 0.05 + 0.08333 = 0.13333;
    se(S(2)) = 0.6 * sqrt(0.13333) = 0.219089. Log CI at 2: 0.6 * exp(+-1.959964 * 0.365148).
    RMST to 5: 1*1 + 1*0.8 + 2*0.6 + 1*0.3 = 3.3. Median: first S <= 0.5 is at 4."""
    fit = kaplan_meier([1, 2, 2, 4, 5], [1, 1, 0, 1, 0])
    tab = fit.table
    assert tab["time"].tolist() == [1, 2, 4, 5]
    assert tab["n_risk"].tolist() == [5, 4, 2, 1]
    assert tab["n_censor"].tolist() == [0, 1, 0, 1]
    np.testing.assert_allclose(tab["survival"], [0.8, 0.6, 0.3, 0.3])
    np.testing.assert_allclose(tab["std_err"][1], 0.6 * np.sqrt(1 / 20 + 1 / 12))
    se = np.sqrt(1 / 20 + 1 / 12)
    np.testing.assert_allclose([tab["lower"][1], tab["upper"][1]],
                               [0.6 * np.exp(-1.959963984540054 * se), min(1.0, 0.6 * np.exp(1.959963984540054 * se))])
    assert fit.median == 4.0
    np.testing.assert_allclose(fit.rmst(5).estimate, 3.3)


def test_delayed_entry_changes_risk_sets_by_hand():
    """Hand-derived (same data as the R check in this file's session): entries 0, .5, 1.5, 2, 0;
    times 1, 2, 3, 4, 5; events 1, 1, 0, 1, 0. At risk at t: entry < t <= time.
    t=1: {1, 2, 5} -> 3, S = 2/3; t=2: {2, 3, 5} -> 3, S = 2/3 * 2/3 = 4/9;
    t=4: {4, 5} -> 2, S = 4/9 * 1/2 = 2/9."""
    fit = kaplan_meier([1, 2, 3, 4, 5], [1, 1, 0, 1, 0], entry=[0, 0.5, 1.5, 2, 0])
    assert fit.table["n_risk"].tolist() == [3, 3, 3, 2, 1]
    np.testing.assert_allclose(fit.table["survival"], [2 / 3, 4 / 9, 4 / 9, 2 / 9, 2 / 9])


def test_all_censored_and_time_zero():
    """Hand-derived: no events -> S = 1 everywhere, median not reached (NaN), RMST = tau."""
    fit = kaplan_meier([2, 5, 8], [0, 0, 0])
    assert (fit.table["survival"] == 1).all()
    assert np.isnan(fit.median) and np.isnan(fit.median_ci).all()
    assert fit.rmst(6).estimate == 6.0
    assert np.isnan(fit.quantile(0.5)["quantile"].item())


# ---------------------------------------------------------------------------------------------
# median follow-up
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", GOLDEN["followup"], ids=lambda c: c["name"])
def test_median_follow_up_matches_r(case):
    """R: ``survfit(Surv(time, 1 - status) ~ 1, conf.type = <type>)`` printed median and CI
    (reverse Kaplan-Meier, Schemper & Smith 1996); ``median(time)``; ``range(time)``."""
    d = DATA[case["data"]]
    rev = median_follow_up(d["time"], d["status"], conf_type=case["conf_type"])
    assert_matches_r([rev.median, rev.lower, rev.upper],
                     arr([case["reverse_median"], case["reverse_lower"], case["reverse_upper"]]),
                     what=f"{case['name']} reverse KM")
    assert_matches_r(rev.range, [case["minimum"], case["maximum"]], what="range")
    obs = median_follow_up(d["time"], d["status"], method="observed")
    assert_matches_r(obs.median, case["observed_median"], what=f"{case['name']} observed")
    assert np.isnan(obs.median_ci).all()
    assert_matches_r(obs.range, [case["minimum"], case["maximum"]], what="range")
    assert list(rev.summary().columns) == ["method", "n", "median", "lower", "upper", "minimum", "maximum"]


def test_median_follow_up_by_hand():
    """Hand-derived: times 1, 2, 3, 4 with events 1, 0, 1, 0. Reverse KM (censoring is the
    event): at 2, 3 at risk and 1 censoring -> G = 2/3; at 4, 1 at risk -> G = 0. Median: the
    first time G <= 0.5 is 4. Observed: median(1, 2, 3, 4) = 2.5, range 1-4."""
    r = median_follow_up([1, 2, 3, 4], [1, 0, 1, 0])
    assert r.median == 4.0
    o = median_follow_up([1, 2, 3, 4], [1, 0, 1, 0], method="observed")
    assert o.median == 2.5 and o.range == (1.0, 4.0)


# ---------------------------------------------------------------------------------------------
# invariances
# ---------------------------------------------------------------------------------------------
def _lung():
    d = DATA["lung"]
    return np.asarray(d["time"], float), np.asarray(d["status"], float), np.asarray(d["sex"])


def test_shuffled_rows_give_identical_curves():
    t, e, g = _lung()
    perm = np.random.default_rng(1).permutation(t.size)
    a = kaplan_meier_by(t, e, g)
    b = kaplan_meier_by(t[perm], e[perm], g[perm])
    for k in a:
        pd.testing.assert_frame_equal(a[k].table, b[k].table, rtol=1e-12)
        assert a[k].median == b[k].median and a[k].median_ci == b[k].median_ci


def test_relabelled_groups_give_the_same_curves():
    t, e, g = _lung()
    a = kaplan_meier_by(t, e, g)
    b = kaplan_meier_by(t, e, np.where(g == 1, "male", "female"))
    pd.testing.assert_frame_equal(a[1].table, b["male"].table)
    pd.testing.assert_frame_equal(a[2].table, b["female"].table)
    assert list(b) == ["female", "male"]
    cat = pd.Categorical(np.where(g == 1, "male", "female"), categories=["male", "female"])
    assert list(kaplan_meier_by(t, e, cat)) == ["male", "female"]


@pytest.mark.parametrize("scale", [1 / 30.4375, 7.0])
def test_scaled_time_scales_medians_and_keeps_survival(scale):
    t, e, _ = _lung()
    a = kaplan_meier(t, e)
    b = kaplan_meier(t * scale, e)
    np.testing.assert_allclose(b.table["survival"], a.table["survival"], rtol=1e-12)
    np.testing.assert_allclose(b.median, a.median * scale, rtol=1e-12)
    np.testing.assert_allclose(b.median_ci, np.multiply(a.median_ci, scale), rtol=1e-12)
    np.testing.assert_allclose(b.quantile([0.25, 0.75])["quantile"],
                               a.quantile([0.25, 0.75])["quantile"] * scale, rtol=1e-12)
    np.testing.assert_allclose(b.rmst(500 * scale).estimate, a.rmst(500).estimate * scale, rtol=1e-12)


def test_shifted_time_shifts_medians():
    t, e, _ = _lung()
    a, b = kaplan_meier(t, e), kaplan_meier(t + 100.0, e)
    np.testing.assert_allclose(b.table["survival"], a.table["survival"], rtol=1e-12)
    np.testing.assert_allclose(b.median, a.median + 100.0, rtol=1e-12)
    np.testing.assert_allclose(b.median_ci, np.add(a.median_ci, 100.0), rtol=1e-12)


def test_integer_weights_equal_replicated_rows():
    d = DATA["weighted"]
    w = np.asarray(d["wint"], int)
    a = kaplan_meier(d["time"], d["status"], weights=w)
    b = kaplan_meier(np.repeat(d["time"], w), np.repeat(d["status"], w))
    pd.testing.assert_frame_equal(a.table, b.table, rtol=1e-12)


def test_result_objects_are_frozen_and_render_html():
    fit = kaplan_meier([1, 2, 3], [1, 0, 1])
    with pytest.raises(AttributeError):
        fit.median = 3  # type: ignore[misc]
    assert "<table" in fit._repr_html_()
    assert list(fit.summary().columns) == ["n", "events", "median", "lower", "upper"]
    assert "<table" in fit.rmst(2)._repr_html_()


# ---------------------------------------------------------------------------------------------
# input validation
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"time": [1, -2], "event": [1, 0]}, "time: position 1"),
        ({"time": [1, np.nan], "event": [1, 0]}, "time: position 1"),
        ({"time": [1, 2], "event": [1, 2]}, "event: position 1"),
        ({"time": [1, 2], "event": [1]}, "event: length 1"),
        ({"time": [], "event": []}, "time: no observations"),
        ({"time": [1, 2], "event": [1, 0], "entry": [0, 2]}, "entry: position 1"),
        ({"time": [1, 2], "event": [1, 0], "weights": [1, -1]}, "weights: position 1"),
        ({"time": [1, 2], "event": [1, 0], "conf_type": "logit"}, "conf_type"),
        ({"time": [1, 2], "event": [1, 0], "conf_level": 95}, "conf_level"),
    ],
)
def test_bad_inputs_raise_clear_errors(kwargs, message):
    with pytest.raises(StatsInputError, match=message):
        kaplan_meier(**kwargs)


def test_conf_type_spellings():
    a = kaplan_meier([1, 2, 3, 4], [1, 1, 0, 1], conf_type="loglog")
    b = kaplan_meier([1, 2, 3, 4], [1, 1, 0, 1], conf_type="log-log")
    assert a.conf_type == b.conf_type == "log-log"
    pd.testing.assert_frame_equal(a.table, b.table)


def test_bad_method_arguments():
    fit = kaplan_meier([1, 2, 3], [1, 0, 1])
    for bad in (-0.1, 1.5, "x", None):
        with pytest.raises(StatsInputError):
            fit.quantile(bad)
    for bad in (-1, np.nan, "x"):
        with pytest.raises(StatsInputError):
            fit.rmst(bad)
    with pytest.raises(StatsInputError):
        fit.survival_at([1, np.nan])
    with pytest.raises(StatsInputError):
        kaplan_meier_by([1, 2], [1, 0], [None, "a"])
    with pytest.raises(StatsInputError):
        median_follow_up([1, 2], [1, 0], method="median")


_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-5, 5),
    st.text(max_size=3),
    st.none(),
    st.booleans(),
)
_arrays = st.one_of(st.lists(_values, max_size=6), st.just([[1, 2], [3]]), st.just({"a": 1}), _values)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(time=_arrays, event=_arrays, entry=st.one_of(st.none(), _arrays),
       weights=st.one_of(st.none(), _arrays), group=_arrays,
       conf_type=st.sampled_from(["log", "plain", "bogus", 3]), conf_level=_values)
def test_arbitrary_input_gives_result_or_stats_input_error(time, event, entry, weights, group, conf_type, conf_level):
    for call in (
        lambda: kaplan_meier(time, event, entry=entry, weights=weights, conf_type=conf_type, conf_level=conf_level),
        lambda: kaplan_meier_by(time, event, group, entry=entry, weights=weights),
        lambda: median_follow_up(time, event),
    ):
        try:
            call()
        except StatsInputError:
            pass


def test_many_distinct_times_path_matches_binary_search_path(monkeypatch):
    """The risk table maps subjects to times by sorting when there are many distinct times;
    force that path on golden data and compare with the default path (and so with R)."""
    import linewise.stats._km_core as core

    d = DATA["mgus2_age"]
    args = (d["time"], d["status"], d["sex"])
    kw = {"entry": d["entry"], "weights": np.linspace(0.5, 2.0, len(d["time"]))}
    a = kaplan_meier_by(*args, **kw)
    monkeypatch.setattr(core, "_SEARCH_MAX", 0)
    b = kaplan_meier_by(*args, **kw)
    for g in a:
        pd.testing.assert_frame_equal(a[g].table, b[g].table, rtol=1e-12)
    # lung: + 0.25 so the times are not whole numbers (the direct-index path is not taken); a
    # shift leaves the survival column unchanged
    d = DATA["lung"]
    fits = kaplan_meier_by(np.asarray(d["time"]) + 0.25, d["status"], d["sex"])
    for fit, rr in zip(fits.values(), KM_CASES["lung_sex"]["by_conf_type"]["log"], strict=True):
        assert_matches_r(fit.table["survival"].to_numpy(), arr(rr["table"]["survival"]), what="sorted path")
        assert_matches_r(fit.table["std_err"].to_numpy(), arr(rr["table"]["std_err"]), what="sorted path")


@pytest.mark.parametrize("case", GOLDEN["timefix"], ids=lambda c: c["name"])
def test_timefix_as_used_by_km_matches_aeqsurv(case):
    """R: ``aeqSurv(Surv(time, status))`` / ``aeqSurv(Surv(entry, time, status))``: the times
    kaplan_meier works on after merging near-equal values."""
    from linewise.stats._km_core import prepare

    n = len(case["input"])
    entry = case.get("input_entry")
    data = prepare(case["input"], np.zeros(n), entry=entry)
    assert_matches_r(data.time, arr(case["output"]), rtol=0, atol=0, what="aeqSurv time")
    if entry is not None:
        assert_matches_r(data.entry, arr(case["output_entry"]), rtol=0, atol=0, what="aeqSurv entry")
