"""Harrell's concordance (C statistic) with R's infinitesimal-jackknife standard error.

Matches ``survival::concordancefit`` (survival 3.5, ``timewt = "n"``) as used by ``coxph``
for its ``concordance`` component: a pair (i, j) is comparable when ``i`` has an event at
time ``t`` and ``j`` is still under observation after ``t`` in the same stratum (exit
after ``t``, or censored at ``t``; with delayed entry also ``entry_j < t``).  Pairs are
concordant, discordant or tied on the score; case weights multiply as ``w_i * w_j``.

The standard error is R's: per observation ``k`` the weighted numbers of concordant,
discordant and score-tied pairs it belongs to give
``dfbeta_k = w_k ((C_k - D_k) / npair - somers_d / npair * (C_k + D_k + T_k))`` and
``var = sum(dfbeta^2) / 4`` (summed within clusters first when given).  Reference: the
``concordance`` vignette of ``survival`` (Therneau & Atkinson).

Counting is vectorised, O(n log n): a bitwise divide-and-conquer over the ranks of the
score (each bit level is one pass of cumulative sums) instead of R's balanced-tree walk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._result import TidyResult
from ._validate import StatsInputError, as_event_array, as_float_array


@dataclass(frozen=True)
class ConcordanceResult(TidyResult):
    """Harrell's C with its standard error and the pair counts (R's ``fit$concordance``)."""

    concordance: float
    std_err: float
    concordant: float
    discordant: float
    tied_x: float
    n: int
    title: str = "Concordance"

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "concordance": [self.concordance],
                "std_err": [self.std_err],
                "concordant": [self.concordant],
                "discordant": [self.discordant],
                "tied_x": [self.tied_x],
                "n": [self.n],
            }
        )


def _pair_sums(key, xr, is_death, w, n_xbits, n_bits):
    """Weighted pair sums for pairs (comparator j before death i) in descending ``key``.

    Items are comparators (``is_death`` False) and events (True).  A pair is formed when
    the comparator's key is strictly greater than the event's and both share the
    stratum (the high bits of ``xr`` above ``n_xbits``).  Returns, per item, the summed
    partner weights with smaller / equal / larger score:
    for an event, over its comparators; for a comparator, over its events.
    """
    m = key.size
    # Descending key; at equal keys events come first so that they are not paired.
    order = np.lexsort((~is_death, -key))
    xr_o = xr[order]
    dth = is_death[order]
    src_w = np.where(dth, 0.0, w[order])
    dth_w = np.where(dth, w[order], 0.0)
    less = np.zeros(m)
    greater = np.zeros(m)
    perm = np.arange(m)
    idx = np.arange(m)
    for b in range(n_bits - 1, -1, -1):
        xp = xr_o[perm]
        gid = xp >> (b + 1)
        bit = ((xp >> b) & 1).astype(bool)
        new_group = np.empty(m, dtype=bool)
        new_group[0] = True
        np.not_equal(gid[1:], gid[:-1], out=new_group[1:])
        gstart = np.maximum.accumulate(np.where(new_group, idx, 0))
        starts = np.flatnonzero(new_group)
        gidx = np.cumsum(new_group) - 1
        if b < n_xbits:
            sw = src_w[perm]
            dw = dth_w[perm]
            dp = dth[perm]
            for low, high, target_dth, target_src in ((~bit, bit, less, greater), (bit, ~bit, greater, less)):
                # events on the `high` side collect earlier comparators on the `low` side
                c = np.cumsum(np.where(low, sw, 0.0))
                c_ex = c - np.where(low, sw, 0.0)
                sel = high & dp
                target_dth[perm[sel]] += (c_ex - c_ex[gstart])[sel]
                # comparators on the `low` side collect later events on the `high` side
                hd = np.where(high, dw, 0.0)
                e = np.cumsum(hd)
                gtot = np.add.reduceat(hd, starts)[gidx]
                later = gtot - (e - (e[gstart] - hd[gstart]))
                sel = low & ~dp
                target_src[perm[sel]] += later[sel]
        # stable partition of each group by the current bit (0s first)
        zero = ~bit
        cz = np.cumsum(zero) - zero
        zeros_before = cz - cz[gstart]
        nz = np.add.reduceat(zero.astype(np.int64), starts)[gidx]
        pos_in_group = idx - gstart
        new_pos = gstart + np.where(zero, zeros_before, nz + (pos_in_group - zeros_before))
        nxt = np.empty_like(perm)
        nxt[new_pos] = perm
        perm = nxt
    # equal scores: the final order is grouped by full xr, key-descending inside
    xp = xr_o[perm]
    new_group = np.concatenate(([True], xp[1:] != xp[:-1]))
    gstart = np.maximum.accumulate(np.where(new_group, idx, 0))
    sw = src_w[perm]
    dw = dth_w[perm]
    dp = dth[perm]
    c = np.cumsum(sw)
    c_ex = c - sw
    equal = np.zeros(m)
    equal[perm[dp]] = (c_ex - c_ex[gstart])[dp]
    e = np.cumsum(dw)
    starts = np.flatnonzero(new_group)
    gtot = np.add.reduceat(dw, starts)[np.cumsum(new_group) - 1]
    e_before_group = e[gstart] - dw[gstart]
    later = gtot - (e - e_before_group)
    equal[perm[~dp]] = later[~dp]
    out_less = np.empty(m)
    out_greater = np.empty(m)
    out_equal = np.empty(m)
    out_less[order] = less
    out_greater[order] = greater
    out_equal[order] = equal
    return out_less, out_equal, out_greater


def concordance_counts(time, event, score, *, entry=None, strata=None, weights=None):
    """Pair counts and per-observation influence (n x 3: concordant, discordant, tied.x).

    "Concordant" here is R's un-reversed sense (larger score <-> longer survival).
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    n = time.size
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    strata = np.zeros(n, dtype=np.int64) if strata is None else np.asarray(strata, dtype=np.int64)
    pooled = time if entry is None else np.concatenate([time, np.asarray(entry, dtype=float)])
    uniq = np.unique(pooled)
    tk = np.searchsorted(uniq, time).astype(np.int64)
    ux, xrank = np.unique(np.asarray(score, dtype=float), return_inverse=True)
    xrank = xrank.ravel().astype(np.int64)
    n_xbits = max(int(ux.size - 1).bit_length(), 1)
    n_sbits = int(int(strata.max()).bit_length()) if n else 0
    xr = (strata << n_xbits) | xrank
    n_bits = n_xbits + n_sbits
    span = np.int64(2 * uniq.size + 2)

    di = np.flatnonzero(event)
    # comparator key 2T + censored: exit after t, or censored at t, beats an event's 2T
    comp_key = strata * span + 2 * tk + (~event)
    death_key = strata[di] * span + 2 * tk[di]
    items_key = np.concatenate([comp_key, death_key])
    items_x = np.concatenate([xr, xr[di]])
    items_d = np.concatenate([np.zeros(n, bool), np.ones(di.size, bool)])
    items_w = np.concatenate([w, w[di]])
    lo, eq, gr = _pair_sums(items_key, items_x, items_d, items_w, n_xbits, n_bits)
    if entry is not None:
        # remove comparators that had not yet entered: entry_j >= t_i
        ek = np.searchsorted(uniq, np.asarray(entry, dtype=float)).astype(np.int64)
        items_key2 = np.concatenate([strata * span + 2 * ek + 1, death_key])
        lo2, eq2, gr2 = _pair_sums(items_key2, items_x, items_d, items_w, n_xbits, n_bits)
        lo, eq, gr = lo - lo2, eq - eq2, gr - gr2
    # event role (items n..): comparators with larger score -> concordant
    a_less, a_eq, a_gr = lo[n:], eq[n:], gr[n:]
    # comparator role (items :n): events with smaller score -> concordant
    b_less, b_eq, b_gr = lo[:n], eq[:n], gr[:n]
    infl = np.zeros((n, 3))
    infl[:, 0] = b_less
    infl[:, 1] = b_gr
    infl[:, 2] = b_eq
    infl[di, 0] += a_gr
    infl[di, 1] += a_less
    infl[di, 2] += a_eq
    wd = w[di]
    counts = (float(wd @ a_gr), float(wd @ a_less), float(wd @ a_eq))
    return counts, infl


def concordance_from_counts(counts, infl, weights, cluster=None, reverse=False):
    """C, its standard error and the counts (R ``concordancefit`` final step)."""
    conc, disc, tied = counts
    npair = conc + disc + tied
    if npair <= 0:
        return float("nan"), float("nan"), counts
    somer = (conc - disc) / npair
    dfbeta = weights * ((infl[:, 0] - infl[:, 1]) / npair - (somer / npair) * infl.sum(axis=1))
    if cluster is not None:
        _, codes = np.unique(np.asarray(cluster), return_inverse=True)
        dfbeta = np.bincount(codes.ravel(), weights=dfbeta)
    std = float(np.sqrt(np.sum(dfbeta**2) / 4))
    c = (somer + 1) / 2
    if reverse:
        return 1 - c, std, (disc, conc, tied)
    return c, std, counts


def concordance(
    time, event, score, *, entry=None, strata=None, weights=None, cluster=None, reverse=False
) -> ConcordanceResult:
    """Harrell's C of a score against right-censored or delayed-entry survival data.

    Parameters
    ----------
    time, event : array_like
        Exit time and event indicator (0/1).
    score : array_like
        The predictor; larger = longer survival unless ``reverse=True`` (use
        ``reverse=True`` for a risk score such as a Cox linear predictor, as ``coxph``).
    entry : array_like, optional
        Delayed-entry times (counting-process data).
    strata : array_like, optional
        Only pairs within the same stratum are compared.
    weights : array_like, optional
        Case weights.
    cluster : array_like, optional
        Cluster labels for the standard error (influence summed within cluster).
    reverse : bool, default False
        Swap concordant and discordant.

    Returns
    -------
    ConcordanceResult

    Examples
    --------
    >>> r = concordance([1, 2, 3, 4], [1, 1, 1, 0], [4.0, 3.0, 2.0, 1.0], reverse=True)
    >>> float(r.concordance)
    1.0
    """
    t = as_float_array("time", time)
    n = t.size
    ev = as_event_array("event", event, n=n)
    sc = as_float_array("score", score, n=n)
    en = None if entry is None else as_float_array("entry", entry, n=n)
    w = np.ones(n) if weights is None else as_float_array("weights", weights, n=n)
    if (w <= 0).any():
        raise StatsInputError("weights: must be > 0")
    codes = None
    if strata is not None:
        codes = pd.factorize(pd.Series(np.asarray(strata)), sort=True)[0].astype(np.int64)
    counts, infl = concordance_counts(t, ev, sc, entry=en, strata=codes, weights=w)
    c, std, cnt = concordance_from_counts(counts, infl, w, cluster=cluster, reverse=reverse)
    return ConcordanceResult(c, std, cnt[0], cnt[1], cnt[2], n)
