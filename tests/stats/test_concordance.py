"""Harrell's concordance: golden values from R (tests/golden/cox.R) and a brute-force oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linewise.stats._validate import StatsInputError
from linewise.stats.concordance import concordance, concordance_counts
from support import assert_matches_r, load_golden

GOLDEN = load_golden("cox.json")


@pytest.mark.parametrize("case", GOLDEN["concordance"], ids=lambda c: c["r_call"])
def test_matches_r_concordance(case):
    """R calls (recorded in the JSON):
    concordance(Surv(time, status) ~ karno, data = vet);
    concordance(Surv(time, status) ~ age + strata(sex), data = lung2, reverse = TRUE);
    concordance(Surv(entry, rfstime, status) ~ nodes, data = gb_entry, weights = wt_int, reverse = TRUE).
    """
    py = dict(case["python"])
    df = pd.DataFrame(GOLDEN["datasets"][py.pop("data")])
    cols = [py["time"], py["event"], py["score"]] + [py[k] for k in ("strata", "entry", "weights") if k in py]
    df = df.dropna(subset=cols)
    res = concordance(
        df[py["time"]],
        df[py["event"]],
        df[py["score"]],
        entry=df[py["entry"]] if "entry" in py else None,
        strata=df[py["strata"]] if "strata" in py else None,
        weights=df[py["weights"]] if "weights" in py else None,
        reverse=py.get("reverse", False),
    )
    assert_matches_r(res.concordance, case["concordance"], what=case["r_call"])
    assert_matches_r(res.std_err, case["std_err"], what=case["r_call"])
    assert_matches_r([res.concordant, res.discordant, res.tied_x], case["counts"], what=case["r_call"])


def _brute(t, e, x, w, entry, s):
    """Every comparable pair, one at a time (the definition in R's concordance vignette)."""
    n = len(t)
    cnt = np.zeros(3)
    infl = np.zeros((n, 3))
    for i in range(n):
        if not e[i]:
            continue
        for j in range(n):
            if j == i or s[j] != s[i]:
                continue
            ok = t[j] > t[i] or (t[j] == t[i] and not e[j])
            if entry is not None:
                ok = ok and entry[j] < t[i]
            if not ok:
                continue
            k = 0 if x[j] > x[i] else (1 if x[j] < x[i] else 2)
            cnt[k] += w[i] * w[j]
            infl[i, k] += w[j]
            infl[j, k] += w[i]
    return cnt, infl


@settings(max_examples=80, deadline=None)
@given(
    data=st.integers(2, 25).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(1, 6), min_size=n, max_size=n),
            st.lists(st.booleans(), min_size=n, max_size=n),
            st.lists(st.integers(0, 4), min_size=n, max_size=n),
            st.lists(st.integers(1, 3), min_size=n, max_size=n),
            st.lists(st.integers(0, 2), min_size=n, max_size=n),
            st.lists(st.integers(0, 3), min_size=n, max_size=n),
        )
    ),
    delayed=st.booleans(),
)
def test_counts_and_influence_match_brute_force(data, delayed):
    t, e, x, w, s, lag = (np.asarray(v) for v in data)
    t = t.astype(float)
    entry = (t - lag - 0.5) if delayed else None
    counts, infl = concordance_counts(t, e, x.astype(float), entry=entry, strata=s, weights=w.astype(float))
    ref_counts, ref_infl = _brute(t, e, x, w, entry, s)
    np.testing.assert_allclose(counts, ref_counts)
    np.testing.assert_allclose(infl, ref_infl)


def test_perfect_ranking():
    """Risk score ordered exactly against survival: every comparable pair concordant."""
    r = concordance([1, 2, 3, 4, 5], [1, 1, 1, 1, 0], [5.0, 4.0, 3.0, 2.0, 1.0], reverse=True)
    assert r.concordance == 1.0
    assert r.concordant == 10 and r.discordant == 0


def test_bad_input():
    with pytest.raises(StatsInputError):
        concordance([1, 2], [1, 2], [0.1, 0.2])
    with pytest.raises(StatsInputError):
        concordance([1, 2], [1, 0], [0.1, np.nan])
    with pytest.raises(StatsInputError):
        concordance([1, 2], [1, 0], [0.1, 0.2], weights=[1, 0])
