"""Kaplan-Meier and log-rank from risk-set counts instead of one row per patient.

For very large cohorts the database groups the analysis table by time and returns, per group
(and stratum) and time, the number of events, censorings and delayed entries; only those
counts leave the database. The curve, Greenwood variance, median with its CI and the log-rank
statistic follow from the counts alone, by the same code paths as :func:`~linewise.stats.kaplan_meier`
and :func:`~linewise.stats.logrank` (they agree to the last bit on the same data; the tests
check it).

Counts: a row ``(time, n_event, n_censor, n_entering)`` says that at ``time`` ``n_event``
subjects had the event, ``n_censor`` were censored and ``n_entering`` entered the risk set
(delayed entry: at risk on ``(entry, time]``). The risk set at an exit time ``t`` is
``sum over s >= t of (n_event + n_censor) - sum over e >= t of n_entering``, as R's
``survfit(Surv(entry, time, event) ~ 1)``.

Examples
--------
>>> fit = kaplan_meier_from_counts(time=[1, 2, 3, 5], n_event=[1, 1, 0, 1], n_censor=[0, 0, 1, 0])
>>> fit.median, fit.n
(3.5, 4)
>>> kaplan_meier_from_counts([1, 2, 3, 5], [1, 1, 0, 1], [0, 0, 1, 0]).survival.tolist()
[0.75, 0.5, 0.5, 0.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.stats import chi2

from . import km_quantiles as _q
from ._km_core import ConfType, RiskTable, check_conf, confint, km_curve
from ._validate import StatsInputError, as_choice, as_float_array, as_group_array
from .followup import _METHODS as _FU_METHODS
from .followup import FollowUpMethod, FollowUpResult
from .km import KaplanMeierByResult, KaplanMeierResult
from .logrank import LogrankResult, chisq_from_parts
from .logrank_trend import (
    _P_ADJUST,
    LogrankTrendResult,
    PAdjust,
    PairwiseLogrankResult,
    _scores,
    pairwise_from_rows,
    trend_from_parts,
)
from .timefix import timefix as _timefix

__all__ = ["kaplan_meier_by_from_counts", "kaplan_meier_from_counts", "logrank_from_counts",
           "logrank_trend_from_counts", "median_follow_up_from_counts", "pairwise_logrank_from_counts",
           "risk_table_from_counts"]


def _count(name: str, values, n: int) -> np.ndarray:
    arr = as_float_array(name, values, n=n)
    bad = np.flatnonzero(arr < 0)
    if bad.size:
        raise StatsInputError(f"{name}: position {int(bad[0])} is {arr[bad[0]]!r}; counts must be >= 0")
    return arr


def _collapse(time: np.ndarray, cols: list[np.ndarray], codes: np.ndarray, k: int, timefix: bool):
    """Sum counts over equal (time, group) after merging near-equal times as ``aeqSurv``."""
    if timefix and time.size:
        # aeqSurv works on the distinct values; mapping them back keeps every row's time
        uniq, inv = np.unique(time, return_inverse=True)
        (fixed,) = _timefix(uniq)
        time = fixed[inv]
    uniq, inv = np.unique(time, return_inverse=True)
    key = inv * k + codes
    out = [np.bincount(key, weights=c, minlength=uniq.size * k).reshape(uniq.size, k) for c in cols]
    return uniq, out


def risk_table_from_counts(time, n_event, n_censor, n_entering=None, codes=None, k: int = 1,
                           *, timefix: bool = True) -> RiskTable:
    """The risk table (rows: times with an exit) of counts, per group code ``0..k-1``.

    Rows without exits (pure entry times) only lower the numbers at risk before them.
    """
    t = as_float_array("time", time)
    n = t.shape[0]
    if np.any(t < 0):
        raise StatsInputError("time: times must be >= 0")
    d = _count("n_event", n_event, n)
    c = _count("n_censor", n_censor, n)
    e = np.zeros(n) if n_entering is None else _count("n_entering", n_entering, n)
    g = np.zeros(n, dtype=np.intp) if codes is None else np.asarray(codes, dtype=np.intp)
    times, (dd, cc, ee) = _collapse(t, [d, c, e], g, k, timefix)
    exits = dd + cc
    at_or_after = np.cumsum(exits[::-1], axis=0)[::-1]
    if n_entering is not None:
        # entering at or after t: not yet at risk at t (risk set is entry < t <= time)
        at_or_after = at_or_after - np.cumsum(ee[::-1], axis=0)[::-1]
    rows = exits.sum(axis=1) > 0
    return RiskTable(times[rows], at_or_after[rows], dd[rows], cc[rows])


def _fit(rt: RiskTable, col: int, n: int, level: float, ctype: str, label=None) -> KaplanMeierResult:
    has = (rt.n_event[:, col] + rt.n_censor[:, col]) > 0
    time = rt.time[has]
    n_risk, n_event, n_censor = rt.n_risk[has, col], rt.n_event[has, col], rt.n_censor[has, col]
    surv, std_log = km_curve(n_risk, n_event)
    lower, upper = confint(surv, std_log, ctype, level)
    with np.errstate(invalid="ignore"):
        std_err = std_log * surv
    return KaplanMeierResult(
        time=time, n_risk=n_risk, n_event=n_event, n_censor=n_censor, survival=surv, std_err=std_err,
        std_err_log=std_log, lower=lower, upper=upper, n=n, conf_level=level, conf_type=ctype,
        median=_q.median_print_rule(time, surv),
        median_ci=(_q.median_print_rule(time, lower), _q.median_print_rule(time, upper)),
        label=label,
    )


def kaplan_meier_from_counts(
    time, n_event, n_censor, n_entering=None, conf_level: float = 0.95, conf_type: ConfType = "log",
    *, timefix: bool = True,
) -> KaplanMeierResult:
    """Kaplan-Meier curve from risk-set counts, equal to :func:`~linewise.stats.kaplan_meier`.

    Parameters
    ----------
    time : array_like of float
        Times of the rows (any order; equal times are summed).
    n_event, n_censor : array_like of float
        Events and censorings at each time (weighted counts allowed).
    n_entering : array_like of float, optional
        Delayed entries at each time (subjects whose ``entry`` equals the time).
    conf_level, conf_type, timefix
        As :func:`~linewise.stats.kaplan_meier`.

    Returns
    -------
    KaplanMeierResult
        ``n`` is the number of subjects (all exits).

    Examples
    --------
    >>> fit = kaplan_meier_from_counts([2, 1, 2], [1, 1, 0], [0, 0, 1], n_entering=[0, 0, 0])
    >>> fit.table[["time", "n_risk", "n_event", "n_censor"]].values.tolist()
    [[1.0, 3.0, 1.0, 0.0], [2.0, 2.0, 1.0, 1.0]]
    """
    level, ctype = check_conf(conf_level, conf_type)
    rt = risk_table_from_counts(time, n_event, n_censor, n_entering, timefix=timefix)
    n = int(round(float((rt.n_event + rt.n_censor).sum())))
    return _fit(rt, 0, n, level, ctype)


def _codes(group, n: int):
    return as_group_array("group", group, n=n)


def kaplan_meier_by_from_counts(
    counts: pd.DataFrame, conf_level: float = 0.95, conf_type: ConfType = "log", *, timefix: bool = True,
) -> KaplanMeierByResult:
    """Kaplan-Meier curves per group from a counts table, equal to :func:`~linewise.stats.kaplan_meier_by`.

    ``counts`` has columns ``group, time, n_event, n_censor`` and optionally ``n_entering``.
    Near-equal times are merged over all groups together, as R does before splitting.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"group": ["b", "a", "a"], "time": [1, 2, 3], "n_event": [1, 1, 0], "n_censor": [0, 0, 1]})
    >>> kaplan_meier_by_from_counts(c).summary()[["group", "n", "events"]].values.tolist()
    [['a', 2, 1.0], ['b', 1, 1.0]]
    """
    level, ctype = check_conf(conf_level, conf_type)
    codes, levels = _codes(counts["group"], len(counts))
    entering = counts["n_entering"] if "n_entering" in counts else None
    rt = risk_table_from_counts(counts["time"], counts["n_event"], counts["n_censor"], entering, codes, len(levels),
                                timefix=timefix)
    curves = {}
    for g, lab in enumerate(levels):
        n = int(round(float((rt.n_event[:, g] + rt.n_censor[:, g]).sum())))
        curves[lab] = _fit(rt, g, n, level, ctype, label=str(lab))
    return KaplanMeierByResult(curves, level, ctype)


@dataclass(frozen=True, eq=False)
class _CountParts:
    """Observed / expected (k x s), variance (k x k) and subjects per group of a counts table."""

    observed: np.ndarray
    expected: np.ndarray
    variance: np.ndarray
    n: np.ndarray
    groups: list
    strata: list | None
    delayed_entry: bool


def _fixed_times(counts: pd.DataFrame, timefix: bool) -> np.ndarray:
    time = as_float_array("time", counts["time"])
    if timefix and time.size:
        uniq, inv = np.unique(time, return_inverse=True)
        (fixed,) = _timefix(uniq)
        time = fixed[inv]
    return time


def _parts(counts: pd.DataFrame, rho: float, timefix: bool, time=None, codes=None, levels=None) -> _CountParts:
    """The G-rho sums of :func:`~linewise.stats.logrank.logrank_parts`, from counts.

    ``time`` (already time-fixed), ``codes`` and ``levels`` let a caller pass a subset of the
    rows with times fixed over all of them (pairwise tests fix times once, as the
    patient-level function does before subsetting).
    """
    n_rows = len(counts)
    if codes is None:
        codes, levels = _codes(counts["group"], n_rows)
    k = len(levels)
    if k < 2:
        what = f"only one group ({levels[0]!r})" if levels else "no rows"
        raise StatsInputError(f"group: {what}; a test needs at least two groups")
    if "stratum" in counts:
        s_codes, s_levels = as_group_array("strata", counts["stratum"], n=n_rows)
    else:
        s_codes, s_levels = np.zeros(n_rows, dtype=np.intp), None
    n_strata = 1 if s_levels is None else len(s_levels)
    obs, exp = np.zeros((k, n_strata)), np.zeros((k, n_strata))
    var = np.zeros((k, k))
    n_by_group = np.zeros(k)
    # risk sets are built from all rows first (timefix pools every time, as prepare() does)
    if time is None:
        time = _fixed_times(counts, timefix)
    entering = counts["n_entering"].to_numpy(dtype=float) if "n_entering" in counts else None
    d_all, c_all = counts["n_event"].to_numpy(dtype=float), counts["n_censor"].to_numpy(dtype=float)
    for s in range(n_strata):
        sel = s_codes == s
        rt = risk_table_from_counts(time[sel], d_all[sel], c_all[sel], None if entering is None else entering[sel],
                                    codes[sel], k, timefix=False)
        n_by_group += (rt.n_event + rt.n_censor).sum(axis=0)
        # the formulas of logrank.logrank_parts, on the same arrays
        n_g, d_g = rt.n_risk, rt.n_event
        n, d = n_g.sum(axis=1), d_g.sum(axis=1)
        if rho != 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.where(n > 0, (n - d) / n, 1.0)
            w = np.concatenate(([1.0], np.cumprod(factor)[:-1])) ** rho
        else:
            w = np.ones_like(n)
        ev = d > 0
        n_g, d_g, n, d, w = n_g[ev], d_g[ev], n[ev], d[ev], w[ev]
        obs[:, s] = w @ d_g
        exp[:, s] = (w * d / n) @ n_g
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(n > 1, w * w * d * (n - d) / (n * (n - 1)), 0.0)
        var += np.diag(a @ n_g) - (n_g * (a / n)[:, None]).T @ n_g
    return _CountParts(obs, exp, var, n_by_group, list(levels), s_levels, entering is not None)


def logrank_from_counts(counts: pd.DataFrame, rho: float = 0.0, *, timefix: bool = True) -> LogrankResult:
    """Log-rank (G-rho) test from a counts table, equal to :func:`~linewise.stats.logrank`.

    ``counts`` has columns ``group, time, n_event, n_censor``, optionally ``n_entering`` (delayed
    entry) and ``stratum`` (stratified test: observed, expected and variance summed over strata).
    Strata are ordered as the patient-level function orders them (sorted labels).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"group": ["a", "b", "a", "b"], "time": [1, 2, 3, 4], "n_event": [1, 1, 1, 1], "n_censor": 0})
    >>> round(logrank_from_counts(c).statistic, 4)
    0.6154
    """
    from .logrank import check_rho

    p = _parts(counts, check_rho(rho), timefix)
    o, e = p.observed.sum(axis=1), p.expected.sum(axis=1)
    stat, df = chisq_from_parts(o - e, e, p.variance)
    return LogrankResult(
        statistic=stat, df=df, pvalue=float(chi2.sf(stat, df)) if df > 0 else float("nan"), groups=tuple(p.groups),
        n=np.rint(p.n).astype(np.int64), observed=o, expected=e, variance=p.variance, observed_by_stratum=p.observed,
        expected_by_stratum=p.expected, rho=check_rho(rho), strata=None if p.strata is None else tuple(p.strata),
        delayed_entry=p.delayed_entry,
    )


def logrank_trend_from_counts(counts: pd.DataFrame, scores=None, rho: float = 0.0, *,
                              timefix: bool = True) -> LogrankTrendResult:
    """Log-rank test for trend from a counts table, equal to :func:`~linewise.stats.logrank_trend`.

    Scores default to ``1..k`` in the group order (a Categorical's category order, else sorted).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"group": [3, 3, 2, 2, 1, 1], "time": [1, 2, 3, 4, 5, 6], "n_event": 1, "n_censor": 0})
    >>> logrank_trend_from_counts(c).z > 0
    True
    """
    from .logrank import check_rho

    r = check_rho(rho)
    p = _parts(counts, r, timefix)
    s = _scores(scores, p.groups)
    obs, exp = p.observed.sum(axis=1), p.expected.sum(axis=1)
    return trend_from_parts(s, obs, exp, p.variance, p.groups, r)


def pairwise_logrank_from_counts(counts: pd.DataFrame, p_adjust: PAdjust = "holm", rho: float = 0.0, *,
                                 timefix: bool = True) -> PairwiseLogrankResult:
    """Log-rank test of every pair of groups from a counts table, equal to
    :func:`~linewise.stats.pairwise_logrank` (each pair on its own rows, times fixed over all).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"group": list("abcabc"), "time": [1, 2, 3, 4, 5, 6], "n_event": 1, "n_censor": 0})
    >>> pairwise_logrank_from_counts(c).table[["group1", "group2"]].values.tolist()
    [['a', 'b'], ['a', 'c'], ['b', 'c']]
    """
    from .logrank import check_rho

    how = as_choice("p_adjust", p_adjust, _P_ADJUST)
    r = check_rho(rho)
    codes, levels = _codes(counts["group"], len(counts))
    if len(levels) < 2:
        what = f"only one group ({levels[0]!r})" if levels else "no rows"
        raise StatsInputError(f"group: {what}; a test needs at least two groups")
    time = _fixed_times(counts, timefix)
    rows = []
    for a, b in combinations(range(len(levels)), 2):
        sel = (codes == a) | (codes == b)
        sub = counts.loc[sel]
        pair = _parts(sub, r, False, time=time[sel], codes=(codes[sel] == b).astype(np.intp), levels=[0, 1])
        o, e = pair.observed.sum(axis=1), pair.expected.sum(axis=1)
        stat, df = chisq_from_parts(o - e, e, pair.variance)
        rows.append([levels[a], levels[b], stat, float(chi2.sf(stat, df)) if df > 0 else float("nan")])
    return pairwise_from_rows(rows, levels, how)


def median_follow_up_from_counts(time, n_event, n_censor, method: FollowUpMethod = "reverse_km",
                                 conf_level: float = 0.95, conf_type: ConfType = "log") -> FollowUpResult:
    """Median follow-up from counts, equal to :func:`~linewise.stats.median_follow_up`.

    "reverse_km" swaps events and censorings (Schemper & Smith 1996); "observed" takes the
    median of the time-fixed times weighted by their number of exits (the middle one or two
    values, averaged as ``numpy.median`` averages them).

    Examples
    --------
    >>> median_follow_up_from_counts([1, 2, 3, 4], [1, 0, 1, 0], [0, 1, 0, 1]).median
    4.0
    >>> r = median_follow_up_from_counts([1, 2, 3, 4], [1, 0, 1, 0], [0, 1, 0, 1], method="observed")
    >>> (r.median, r.range)
    (2.5, (1.0, 4.0))
    """
    how = as_choice("method", method, _FU_METHODS)
    level, ctype = check_conf(conf_level, conf_type)
    t = as_float_array("time", time)
    d = _count("n_event", n_event, t.shape[0])
    c = _count("n_censor", n_censor, t.shape[0])
    exits = d + c
    keep = exits > 0
    t, d, c, exits = t[keep], d[keep], c[keep], exits[keep]
    if t.size == 0:
        raise StatsInputError("time: no observations (empty array)")
    if np.any(t < 0):
        raise StatsInputError("time: times must be >= 0")
    fixed = _fixed_times(pd.DataFrame({"time": t}), True)
    n = int(round(float(exits.sum())))
    lo, hi = float(np.min(fixed)), float(np.max(fixed))
    if how == "observed":
        order = np.argsort(fixed, kind="stable")
        values, cum = fixed[order], np.cumsum(exits[order])
        # 0-based positions of the middle value(s) of the sorted times, as numpy.median picks them
        middle = [n // 2] if n % 2 else [n // 2 - 1, n // 2]
        picked = values[np.searchsorted(cum, np.asarray(middle) + 1, side="left")]
        med = float(np.median(picked))
        return FollowUpResult(how, n, med, float("nan"), float("nan"), lo, hi, level)
    fit = kaplan_meier_from_counts(t, c, d, conf_level=level, conf_type=ctype)
    return FollowUpResult(how, n, fit.median, fit.median_ci[0], fit.median_ci[1], lo, hi, level)
