"""KM and log-rank from risk-set counts equal the patient-level functions (and so R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from linewise.stats import (
    kaplan_meier,
    kaplan_meier_by,
    logrank,
    logrank_trend,
    median_follow_up,
    pairwise_logrank,
)
from linewise.stats._validate import StatsInputError
from linewise.stats.aggregated import (
    kaplan_meier_by_from_counts,
    kaplan_meier_from_counts,
    logrank_from_counts,
    logrank_trend_from_counts,
    median_follow_up_from_counts,
    pairwise_logrank_from_counts,
    risk_table_from_counts,
)
from support import assert_matches_r, load_golden

GOLDEN = load_golden("km_logrank.json")
KM_CASES = [c for c in GOLDEN["km"] if c["weights"] is None]
LR_CASES = GOLDEN["logrank"]


def _counts(time, event, group=None, stratum=None, entry=None) -> pd.DataFrame:
    """Aggregate one row per subject into (group, stratum, time) counts, as the engine does."""
    n = len(time)
    f = pd.DataFrame({"group": group if group is not None else ["all"] * n,
                      "stratum": stratum if stratum is not None else ["all"] * n,
                      "time": np.asarray(time, float), "ev": np.asarray(event, int)})
    out = f.groupby(["group", "stratum", "time"], as_index=False).agg(n_event=("ev", "sum"), n_exit=("ev", "size"))
    out["n_censor"] = out.pop("n_exit") - out["n_event"]
    if entry is not None:
        out["n_entering"] = 0
        e = pd.DataFrame({"group": f["group"], "stratum": f["stratum"], "time": np.asarray(entry, float)})
        e = e.groupby(["group", "stratum", "time"], as_index=False).size().rename(columns={"size": "n_entering"})
        out = pd.concat([out, e.assign(n_event=0, n_censor=0)], ignore_index=True)
        out = out.groupby(["group", "stratum", "time"], as_index=False).sum()
    # shuffled: the functions must not depend on the order of the rows
    return out.sample(frac=1.0, random_state=1).reset_index(drop=True)


def _same_curve(a, b):
    for attr in ("time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper"):
        np.testing.assert_allclose(getattr(a, attr), getattr(b, attr), rtol=1e-12, atol=0, equal_nan=True, err_msg=attr)
    assert a.n == b.n
    np.testing.assert_allclose([a.median, *a.median_ci], [b.median, *b.median_ci], rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("case", KM_CASES, ids=[c["name"] for c in KM_CASES])
def test_km_from_counts_equals_patient_level(case):
    d = GOLDEN["datasets"][case["data"]]
    entry = d["entry"] if case["entry"] else None
    if case["group"] is None:
        ref = kaplan_meier(d["time"], d["status"], entry=entry)
        c = _counts(d["time"], d["status"], entry=entry)
        got = kaplan_meier_from_counts(c["time"], c["n_event"], c["n_censor"], c.get("n_entering"))
        _same_curve(got, ref)
        r = case["by_conf_type"]["log"][0]
        assert_matches_r(got.survival, np.atleast_1d(r["table"]["survival"]), what="surv vs R")
    else:
        group = [str(g) for g in d[case["group"]]]
        ref = kaplan_meier_by(d["time"], d["status"], group, entry=entry)
        got = kaplan_meier_by_from_counts(_counts(d["time"], d["status"], group, entry=entry).drop(columns="stratum"))
        assert list(got) == list(ref)
        for g in ref:
            _same_curve(got[g], ref[g])


@pytest.mark.parametrize("case", LR_CASES, ids=[c["name"] for c in LR_CASES])
def test_logrank_from_counts_equals_patient_level_and_r(case):
    d = GOLDEN["datasets"][case["data"]]
    group = [str(g) for g in d[case["group"]]]
    strata = [str(s) for s in d[case["strata"]]] if case["strata"] else None
    ref = logrank(d["time"], d["status"], group, strata=strata, rho=case["rho"])
    c = _counts(d["time"], d["status"], group, strata)
    got = logrank_from_counts(c if strata else c.drop(columns="stratum"), rho=case["rho"])
    assert got.df == ref.df and got.groups == ref.groups
    np.testing.assert_allclose(got.statistic, ref.statistic, rtol=1e-10)
    np.testing.assert_allclose(got.variance, ref.variance, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(got.n, ref.n)
    assert_matches_r(got.statistic, case["statistic"], what="chisq vs R")
    assert_matches_r(got.expected, case["expected"], what="expected vs R")


def test_delayed_entry_logrank_and_random_data():
    rng = np.random.default_rng(3)
    for _ in range(20):
        n = int(rng.integers(5, 300))
        time = rng.integers(1, 60, n).astype(float)
        entry = np.floor(time * rng.uniform(0, 0.9, n))
        event = rng.integers(0, 2, n)
        group = rng.choice(["x", "y", "z"], n)
        if len(set(group)) < 2:
            continue
        ref = logrank(time, event, group, entry=entry)
        got = logrank_from_counts(_counts(time, event, group, entry=entry).drop(columns="stratum"))
        np.testing.assert_allclose(got.statistic, ref.statistic, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(got.observed, ref.observed)
        assert got.delayed_entry
        km_ref = kaplan_meier_by(time, event, group, entry=entry)
        km = kaplan_meier_by_from_counts(_counts(time, event, group, entry=entry).drop(columns="stratum"))
        for g in km_ref:
            _same_curve(km[g], km_ref[g])


def test_entry_only_rows_lower_the_risk_set_before_them():
    # two subjects enter at 0, one more enters at 2 (exits at 3): at t=1 only two are at risk
    rt = risk_table_from_counts([0, 1, 2, 3], [0, 1, 0, 1], [0, 0, 0, 1], n_entering=[2, 0, 1, 0])
    assert rt.time.tolist() == [1.0, 3.0]
    assert rt.n_risk[:, 0].tolist() == [2.0, 2.0]


def test_bad_counts_are_refused():
    with pytest.raises(StatsInputError, match="counts must be >= 0"):
        kaplan_meier_from_counts([1, 2], [1, -1], [0, 0])
    with pytest.raises(StatsInputError, match="times must be >= 0"):
        kaplan_meier_from_counts([-1, 2], [1, 1], [0, 0])
    with pytest.raises(StatsInputError, match="no rows"):
        logrank_from_counts(pd.DataFrame({"group": [], "time": [], "n_event": [], "n_censor": []}))
    with pytest.raises(StatsInputError, match="only one group"):
        logrank_from_counts(pd.DataFrame({"group": ["a"], "time": [1], "n_event": [1], "n_censor": [0]}))


def _random_cohort(rng, n, k=3, whole_days=True):
    time = rng.integers(1, 90, n).astype(float) if whole_days else np.round(rng.exponential(20, n), 3) + 0.001
    time = time / 30.4375  # months, as the study engine computes them: near-equal times for timefix
    event = rng.integers(0, 2, n)
    group = rng.choice([f"g{i}" for i in range(k)], n)
    stratum = rng.choice(["s1", "s2"], n)
    entry = np.floor(time * rng.uniform(0, 0.9, n) * 30.4375) / 30.4375
    return time, event, group, stratum, entry


@pytest.mark.parametrize("seed", range(6))
def test_trend_and_pairwise_from_counts_equal_patient_level_exactly(seed):
    """Bit for bit (the study engine's results.json must not change when it switches paths)."""
    rng = np.random.default_rng(seed)
    time, event, group, stratum, entry = _random_cohort(rng, int(rng.integers(30, 400)), k=3 + seed % 2,
                                                       whole_days=seed % 2 == 0)
    use_entry = entry if seed % 3 == 0 else None
    use_strata = stratum if seed % 2 else None
    c = _counts(time, event, group, use_strata, entry=use_entry)
    if use_strata is None:
        c = c.drop(columns="stratum")
    ref = logrank_trend(time, event, group, strata=use_strata, entry=use_entry)
    got = logrank_trend_from_counts(c)
    assert (got.statistic, got.z, got.pvalue) == (ref.statistic, ref.z, ref.pvalue)
    assert got.groups == ref.groups
    ref_pw = pairwise_logrank(time, event, group, strata=use_strata, entry=use_entry)
    got_pw = pairwise_logrank_from_counts(c)
    pd.testing.assert_frame_equal(got_pw.table, ref_pw.table, check_exact=True)
    ref_lr = logrank(time, event, group, strata=use_strata, entry=use_entry)
    got_lr = logrank_from_counts(c)
    assert (got_lr.statistic, got_lr.pvalue) == (ref_lr.statistic, ref_lr.pvalue)
    np.testing.assert_array_equal(got_lr.variance, ref_lr.variance)


def test_trend_scores_and_errors_from_counts():
    rng = np.random.default_rng(9)
    time, event, group, _, _ = _random_cohort(rng, 200)
    c = _counts(time, event, group).drop(columns="stratum")
    scores = {"g0": 0.0, "g1": 2.0, "g2": 5.0}
    assert logrank_trend_from_counts(c, scores=scores).z == logrank_trend(time, event, group, scores=scores).z
    with pytest.raises(StatsInputError, match="no score for group"):
        logrank_trend_from_counts(c, scores={"g0": 1.0})
    with pytest.raises(StatsInputError, match="only one group"):
        pairwise_logrank_from_counts(c[c["group"] == "g0"])


@pytest.mark.parametrize("method", ["reverse_km", "observed"])
@pytest.mark.parametrize("seed", range(5))
def test_median_follow_up_from_counts_equals_patient_level_exactly(method, seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 300))
    time, event, *_ = _random_cohort(rng, n, whole_days=seed % 2 == 0)
    ref = median_follow_up(time, event, method=method)
    c = _counts(time, event)
    got = median_follow_up_from_counts(c["time"], c["n_event"], c["n_censor"], method=method)
    for attr in ("method", "n", "minimum", "maximum"):
        assert getattr(got, attr) == getattr(ref, attr), attr
    np.testing.assert_array_equal([got.median, got.lower, got.upper], [ref.median, ref.lower, ref.upper])


def test_observed_median_follow_up_picks_the_middle_of_repeated_times():
    # 1, 1, 1, 5 -> numpy.median = 1.0; 1, 1, 5, 5 -> 3.0 (the two middle values averaged)
    assert median_follow_up_from_counts([1, 5], [2, 0], [1, 1], method="observed").median == 1.0
    assert median_follow_up_from_counts([5, 1], [1, 1], [1, 1], method="observed").median == 3.0
    with pytest.raises(StatsInputError, match="no observations"):
        median_follow_up_from_counts([1.0], [0], [0])
