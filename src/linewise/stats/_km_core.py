"""Array machinery shared by Kaplan-Meier and log-rank: input checks, risk tables, curves.

Everything here is vectorised over subjects: the data are sorted once by time, events and
exits are counted per unique time with ``np.bincount`` and the numbers at risk are reverse
cumulative sums (minus delayed entries found with ``np.searchsorted``), so a million subjects
cost a sort and a few linear passes.

References: ``survival:::survfitKM`` and its C routine ``survfitkm`` (counts, Greenwood
variance), ``survival:::survfit_confint`` (confidence limits), Therneau's "survfitkm" methods
vignette.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.stats import norm

from ._validate import StatsInputError, as_choice, as_event_array, as_float_array, as_probability
from .timefix import timefix as _timefix

#: Confidence-interval transformations, named as R's ``conf.type``.
ConfType = Literal["log", "log-log", "loglog", "plain"]
_CONF_TYPES = {"log": "log", "log-log": "log-log", "loglog": "log-log", "plain": "plain"}


@dataclass(frozen=True, eq=False)
class SurvInput:
    """Validated, time-fixed survival data (original row order)."""

    time: np.ndarray
    event: np.ndarray  # bool
    entry: np.ndarray | None
    weights: np.ndarray | None

    @property
    def n(self) -> int:
        return int(self.time.shape[0])

    def subset(self, mask: np.ndarray) -> SurvInput:
        return SurvInput(
            self.time[mask],
            self.event[mask],
            None if self.entry is None else self.entry[mask],
            None if self.weights is None else self.weights[mask],
        )


def check_conf(conf_level, conf_type) -> tuple[float, str]:
    """Validate ``conf_level`` (0 < level < 1) and ``conf_type``; return the canonical pair."""
    level = as_probability("conf_level", conf_level, open_interval=True)
    return level, as_choice("conf_type", conf_type, _CONF_TYPES)


def prepare(time, event, entry=None, weights=None, *, timefix: bool = True) -> SurvInput:
    """Check the survival arrays and merge near-equal times as R's ``aeqSurv`` does.

    Rules: ``time`` finite and >= 0; ``event`` 0/1; ``entry`` (delayed entry, left truncation)
    finite, >= 0 and < ``time`` (R's ``Surv(entry, time, event)`` refuses ``entry >= time``);
    ``weights`` finite, >= 0 and not all zero.
    """
    t = as_float_array("time", time)
    n = t.shape[0]
    if n == 0:
        raise StatsInputError("time: no observations (empty array)")
    neg = np.flatnonzero(t < 0)
    if neg.size:
        i = int(neg[0])
        raise StatsInputError(f"time: position {i} is {t[i]!r}; times must be >= 0")
    e = as_event_array("event", event, n=n)
    en = None
    if entry is not None:
        en = as_float_array("entry", entry, n=n)
        bad = np.flatnonzero(en < 0)
        if bad.size:
            i = int(bad[0])
            raise StatsInputError(f"entry: position {i} is {en[i]!r}; entry times must be >= 0")
        bad = np.flatnonzero(en >= t)
        if bad.size:
            i = int(bad[0])
            raise StatsInputError(
                f"entry: position {i} has entry {en[i]!r} >= time {t[i]!r}; a subject must enter "
                "the risk set before its event or censoring time"
            )
    w = None
    if weights is not None:
        w = as_float_array("weights", weights, n=n)
        bad = np.flatnonzero(w < 0)
        if bad.size:
            i = int(bad[0])
            raise StatsInputError(f"weights: position {i} is {w[i]!r}; weights must be >= 0")
        if not np.any(w > 0):
            raise StatsInputError("weights: all weights are zero")
    if timefix:
        # survfit/survdiff/coxph call aeqSurv on the Surv object (both columns when counting).
        if en is None:
            (t,) = _timefix(t)
        else:
            en, t = _timefix(en, t)
    return SurvInput(t, e, en, w)


#: Above this many distinct times, subjects are mapped to rows by sorting, not binary search.
_SEARCH_MAX = 1 << 16


@dataclass(frozen=True, eq=False)
class RiskTable:
    """Counts at each unique time (rows) for each group (columns); weighted when weights given."""

    time: np.ndarray  # (m,)
    n_risk: np.ndarray  # (m, k)
    n_event: np.ndarray  # (m, k)
    n_censor: np.ndarray  # (m, k)


def risk_table(data: SurvInput, codes: np.ndarray | None = None, k: int = 1) -> RiskTable:
    """Numbers at risk, events and censorings at every unique exit time, per group.

    As the C routine ``survfitkm``: the rows are the unique (event or censoring) times; the
    risk set at ``t`` is ``{entry < t <= time}`` (``entry`` absent: ``time >= t``).
    """
    ev, w = data.event, data.weights
    dense = _whole_number_rows(data.time)
    if dense is not None:
        # whole-number times (days) in a modest range: direct indexing, no search or sort
        uniq, idx = dense
        m = uniq.shape[0]
        key = idx if codes is None else idx * k + codes
    elif (m := (uniq := np.unique(data.time)).shape[0]) <= _SEARCH_MAX:
        # few distinct times (e.g. days): binary search in a cache-resident table maps each
        # subject to its row without permuting the subjects
        idx = np.searchsorted(uniq, data.time)
        key = idx if codes is None else idx * k + codes
    else:
        # many distinct times: random-access binary search thrashes the cache; sort instead
        order = np.argsort(data.time)
        ts = data.time[order]
        new = np.empty(ts.shape[0], dtype=bool)
        new[0] = True
        np.not_equal(ts[1:], ts[:-1], out=new[1:])
        idx = np.cumsum(new) - 1
        key = idx if codes is None else idx * k + codes[order]
        ev = ev[order]
        w = None if w is None else w[order]
    size = m * k
    if w is None:
        n_event = np.bincount(key[ev], minlength=size).astype(float)
        n_exit = np.bincount(key, minlength=size).astype(float)
        n_censor = n_exit - n_event
    else:
        n_event = np.bincount(key[ev], weights=w[ev], minlength=size)
        n_censor = np.bincount(key[~ev], weights=w[~ev], minlength=size)
        n_exit = np.bincount(key, weights=w, minlength=size)
    n_event, n_censor, n_exit = (a.reshape(m, k) for a in (n_event, n_censor, n_exit))
    # number with time >= t: reverse cumulative sum of the exits
    n_risk = np.cumsum(n_exit[::-1], axis=0)[::-1]
    if data.entry is not None:
        n_risk = n_risk - _entered_at_or_after(data, codes, k, uniq)
    return RiskTable(uniq, n_risk, n_event, n_censor)


def _whole_number_rows(time: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Unique times and each subject's row when all times are whole numbers in a small range."""
    lo, hi = float(time.min()), float(time.max())
    span = hi - lo
    if span > 4 * time.shape[0] or span > 2**26:
        return None
    whole = time.astype(np.int64)
    if not np.array_equal(whole, time):
        return None
    offset = whole - int(lo)
    present = np.bincount(offset, minlength=int(span) + 1) > 0
    row_of = np.cumsum(present) - 1
    return np.flatnonzero(present) + lo, row_of[offset]


def _entered_at_or_after(data: SurvInput, codes, k: int, times: np.ndarray) -> np.ndarray:
    """(m, k) weighted count of subjects whose entry is >= each time (not yet at risk)."""
    out = np.empty((times.shape[0], k))
    groups = [slice(None)] if codes is None else [codes == g for g in range(k)]
    for g, sel in enumerate(groups):
        ent = data.entry[sel]
        if data.weights is None:
            ent = np.sort(ent)
            cum = np.arange(ent.shape[0] + 1, dtype=float)
        else:
            order = np.argsort(ent, kind="stable")
            ent = ent[order]
            cum = np.concatenate(([0.0], np.cumsum(data.weights[sel][order])))
        before = np.searchsorted(ent, times, side="left")  # entries < t
        out[:, g] = cum[-1] - cum[before]
    return out


def km_curve(n_risk: np.ndarray, n_event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier survival and Greenwood standard error of log S (R's ``fit$std.err``).

    ``survfitkm``: at a time with events ``S *= (n - d) / n`` and the (weighted) Greenwood sum
    grows by ``d / (n (n - d))``; it becomes infinite when everyone at risk dies (S = 0).
    """
    has = n_event > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(has, (n_risk - n_event) / n_risk, 1.0)
        term = np.where(has, n_event / (n_risk * (n_risk - n_event)), 0.0)
    surv = np.cumprod(factor)
    std_log = np.sqrt(np.cumsum(term))
    return surv, std_log


def confint(
    surv: np.ndarray, std_log: np.ndarray, conf_type: str, conf_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise confidence limits for S as ``survival:::survfit_confint`` (``logse = TRUE``).

    log: ``S exp(+-z se)`` (upper capped at 1, undefined at S = 0); log-log:
    ``S^exp(-+z se / log S)`` (undefined at S = 0 or 1); plain: ``S +- z se S`` clipped to
    [0, 1]. Undefined limits are NaN (R's NA).
    """
    z = norm.ppf(1.0 - (1.0 - conf_level) / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            half = std_log * surv * z
            return np.maximum(surv - half, 0.0), np.minimum(surv + half, 1.0)
        if conf_type == "log":
            xx = np.where(surv == 0, np.nan, surv)
            half = z * std_log
            return np.exp(np.log(xx) - half), np.minimum(np.exp(np.log(xx) + half), 1.0)
        xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
        half = z * std_log / np.log(xx)
        lll = np.log(-np.log(xx))
        return np.exp(-np.exp(lll - half)), np.exp(-np.exp(lll + half))
