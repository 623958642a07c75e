"""Kaplan-Meier estimates as R's ``survival::survfit`` computes them.

``kaplan_meier`` gives one curve, ``kaplan_meier_by`` one curve per group. Results match
``summary(survfit(...), censored = TRUE)`` (table), ``print.survfit`` (median and its CI,
restricted mean), ``quantile.survfit`` (quantiles and CIs) and ``summary(fit, times = )``
(values at given times) of survival 3.5, to 1e-6 relative.

Conventions taken from R (and why they matter for publication tables):

* Greenwood variance (the weighted version with case weights: ``survfit(..., weights = w)``
  with integer weights, or with ``robust = FALSE`` for fractional weights; R switches to an
  infinitesimal-jackknife variance for fractional weights by default).
* ``std_err`` in the table is the standard error of S (as ``summary.survfit`` prints it);
  ``std_err_log`` is R's ``fit$std.err`` (standard error of the cumulative hazard / log S).
* Delayed entry (``entry``, left truncation): a subject is at risk on ``(entry, time]``, as
  ``survfit(Surv(entry, time, event) ~ 1)``.
* Near-equal times are merged first (``aeqSurv``, R's ``timefix = TRUE`` default).
* A median or limit the curve never reaches is NaN ("not reached"), never invented.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm

from . import km_quantiles as _q
from ._km_core import ConfType, SurvInput, check_conf, confint, km_curve, prepare, risk_table
from ._result import TidyResult
from ._validate import StatsInputError, as_float_array, as_group_array, as_probability

__all__ = ["KaplanMeierByResult", "KaplanMeierResult", "RMSTResult", "kaplan_meier", "kaplan_meier_by"]

_TABLE_COLUMNS = ["time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper"]


@dataclass(frozen=True, eq=False)
class RMSTResult(TidyResult):
    """Restricted mean survival time up to ``tau`` (``print(fit, rmean = tau)``).

    ``lower``/``upper`` are normal-approximation limits ``estimate +- z std_err``.
    """

    tau: float
    estimate: float
    std_err: float
    conf_level: float
    lower: float
    upper: float
    title = "Restricted mean survival time"

    def summary(self) -> pd.DataFrame:
        """One row: tau, estimate, std_err, lower, upper."""
        return pd.DataFrame(
            [[self.tau, self.estimate, self.std_err, self.lower, self.upper]],
            columns=["tau", "estimate", "std_err", "lower", "upper"],
        )


@dataclass(frozen=True, eq=False)
class KaplanMeierResult(TidyResult):
    """One Kaplan-Meier curve with pointwise confidence limits (rows at every unique time).

    Attributes
    ----------
    time, n_risk, n_event, n_censor, survival, std_err, lower, upper : numpy.ndarray
        The curve at every unique event or censoring time (counts weighted when weights were
        given), as ``summary(fit, censored = TRUE)``.
    std_err_log : numpy.ndarray
        Standard error of log S (R's ``fit$std.err``).
    n : int
        Number of observations (R's ``records``).
    median : float
        Median survival (NaN if not reached), as ``print.survfit``.
    median_ci : tuple of float
        Confidence limits of the median read off the lower/upper curves (NaN if not reached).
    """

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    survival: np.ndarray
    std_err: np.ndarray
    std_err_log: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    n: int
    conf_level: float
    conf_type: str
    median: float
    median_ci: tuple[float, float]
    start_time: float = 0.0
    label: str | None = None

    @property
    def title(self) -> str:  # type: ignore[override]
        what = "Kaplan-Meier estimate" + (f" ({self.label})" if self.label is not None else "")
        return f"{what}, {self.conf_level:.0%} CI ({self.conf_type})"

    @property
    def events(self) -> float:
        """Total number of events (weighted when weights were given)."""
        return float(self.n_event.sum())

    @property
    def table(self) -> pd.DataFrame:
        """The curve as a DataFrame (columns as ``summary(fit, censored = TRUE)``)."""
        return pd.DataFrame({c: getattr(self, c) for c in _TABLE_COLUMNS})

    def quantile(self, p) -> pd.DataFrame:
        """Survival-time quantiles with confidence limits, as ``quantile.survfit``.

        The ``p`` quantile is the time by which a fraction ``p`` has had the event (the
        median is ``p = 0.5``); limits are read off the upper/lower curves. NaN: not reached.

        Parameters
        ----------
        p : float or sequence of float
            Probabilities in [0, 1].

        Returns
        -------
        pandas.DataFrame
            Columns ``p``, ``quantile``, ``lower``, ``upper``.

        Examples
        --------
        >>> fit = kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1])
        >>> fit.quantile([0.25, 0.5]).round(2).to_dict("list")["quantile"]
        [1.5, 2.5]
        """
        ps = np.atleast_1d(np.asarray(p, dtype=object))
        if ps.ndim != 1 or ps.size == 0:
            raise StatsInputError("p: expected one probability or a 1-D sequence of them")
        probs = [as_probability(f"p[{i}]", v) for i, v in enumerate(ps)]
        rows = []
        for pr in probs:
            rows.append(
                [
                    pr,
                    _q.quantile_findq(self.time, self.survival, pr, self.start_time),
                    _q.quantile_findq(self.time, self.lower, pr, self.start_time),
                    _q.quantile_findq(self.time, self.upper, pr, self.start_time),
                ]
            )
        return pd.DataFrame(rows, columns=["p", "quantile", "lower", "upper"])

    def survival_at(self, times, extend: bool = False) -> pd.DataFrame:
        """Survival, limits and counts at given times, as ``summary(fit, times = times)``.

        Times are sorted (as R does); ``n_risk`` is the number at risk at each time,
        ``n_event``/``n_censor`` count events/censorings since the previous requested time.
        Past the last follow-up time the curve is unknown: NaN, unless ``extend=True``
        (carries the last value forward, R's ``extend = TRUE``).

        Examples
        --------
        >>> fit = kaplan_meier([1, 2, 3, 4], [1, 0, 1, 0])
        >>> fit.survival_at([0, 2.5])[["time", "n_risk", "survival"]].values.tolist()
        [[0.0, 4.0, 1.0], [2.5, 2.0, 0.75]]
        """
        t = np.sort(as_float_array("times", np.atleast_1d(np.asarray(times, dtype=object))))
        v = _q.values_at(
            t,
            self.time,
            {
                "survival": (self.survival, 1.0),
                "std_err_log": (self.std_err_log, 0.0),
                "lower": (self.lower, 1.0),
                "upper": (self.upper, 1.0),
            },
            self.n_risk,
            self.n_event,
            self.n_censor,
            start=self.start_time,
            extend=extend,
        )
        with np.errstate(invalid="ignore"):  # se of log S is infinite where S = 0 (R: NaN)
            std_err = v["std_err_log"] * v["survival"]
        return pd.DataFrame(
            {
                "time": t,
                "n_risk": v["n_risk"],
                "n_event": v["n_event"],
                "n_censor": v["n_censor"],
                "survival": v["survival"],
                "std_err": std_err,
                "lower": v["lower"],
                "upper": v["upper"],
            }
        )

    def n_at_risk(self, times) -> np.ndarray:
        """Numbers at risk at the given times (in the order given), for tables under KM plots.

        As ``summary(fit, times = times)$n.risk`` (weighted when weights were given).

        Examples
        --------
        >>> kaplan_meier([1, 2, 3, 4], [1, 0, 1, 0]).n_at_risk([0, 2, 5]).tolist()
        [4.0, 3.0, 0.0]
        """
        t = as_float_array("times", np.atleast_1d(np.asarray(times, dtype=object)))
        add = self.time.shape[0] == 0 or self.time[0] != self.start_time
        t0 = np.concatenate(([self.start_time], self.time)) if add else self.time
        risk = np.concatenate(([self.n_risk[0]], self.n_risk)) if add else self.n_risk
        return np.concatenate((risk, [0.0]))[np.searchsorted(t0, t, side="left")]

    def rmst(self, tau) -> RMSTResult:
        """Restricted mean survival time up to ``tau`` with its standard error.

        As ``print(fit, rmean = tau)`` (``survmean``): the area under the curve from 0 to
        ``tau``; the curve is carried forward past the last time.

        Examples
        --------
        >>> r = kaplan_meier([1, 2], [1, 1]).rmst(2)
        >>> (r.estimate, round(r.std_err, 4))
        (1.5, 0.3536)
        """
        try:
            tau_f = float(tau)
        except (TypeError, ValueError):
            raise StatsInputError(f"tau: {tau!r} is not a number") from None
        if not np.isfinite(tau_f) or tau_f < self.start_time:
            raise StatsInputError(f"tau: {tau!r} must be finite and >= {self.start_time}")
        est, se = _q.restricted_mean(
            self.time, self.survival, self.n_risk, self.n_event, tau_f, self.start_time
        )
        z = float(norm.ppf(1.0 - (1.0 - self.conf_level) / 2.0))
        return RMSTResult(tau_f, est, se, self.conf_level, est - z * se, est + z * se)

    def summary(self) -> pd.DataFrame:
        """One row: n, events, median, lower, upper (as ``print.survfit``)."""
        return pd.DataFrame(
            [[self.n, self.events, self.median, self.median_ci[0], self.median_ci[1]]],
            columns=["n", "events", "median", "lower", "upper"],
        )


def _fit_one(
    data: SurvInput, conf_level: float, conf_type: str, label: str | None = None
) -> KaplanMeierResult:
    rt = risk_table(data)
    n_risk, n_event, n_censor = rt.n_risk[:, 0], rt.n_event[:, 0], rt.n_censor[:, 0]
    surv, std_log = km_curve(n_risk, n_event)
    lower, upper = confint(surv, std_log, conf_type, conf_level)
    with np.errstate(invalid="ignore"):
        std_err = std_log * surv
    return KaplanMeierResult(
        time=rt.time,
        n_risk=n_risk,
        n_event=n_event,
        n_censor=n_censor,
        survival=surv,
        std_err=std_err,
        std_err_log=std_log,
        lower=lower,
        upper=upper,
        n=data.n,
        conf_level=conf_level,
        conf_type=conf_type,
        median=_q.median_print_rule(rt.time, surv),
        # print.survfit: lower limit from the lower curve, upper limit from the upper curve
        median_ci=(_q.median_print_rule(rt.time, lower), _q.median_print_rule(rt.time, upper)),
        label=label,
    )


def kaplan_meier(
    time,
    event,
    entry=None,
    weights=None,
    conf_level: float = 0.95,
    conf_type: ConfType = "log",
    *,
    timefix: bool = True,
) -> KaplanMeierResult:
    """Kaplan-Meier survival curve with Greenwood confidence limits, as R ``survfit``.

    Parameters
    ----------
    time : array_like of float
        Follow-up time (>= 0): time of the event or of censoring.
    event : array_like of {0, 1} or bool
        1 if the event happened at ``time``, 0 if censored.
    entry : array_like of float, optional
        Delayed-entry time (left truncation, e.g. registry enrolment after the time origin):
        a subject is at risk on ``(entry, time]`` as in ``Surv(entry, time, event)``.
    weights : array_like of float, optional
        Non-negative case weights; counts become weighted sums and the variance the weighted
        Greenwood formula (R with ``robust = FALSE`` for non-integer weights).
    conf_level : float, default 0.95
        Confidence level of the pointwise limits and of the median CI.
    conf_type : {"log", "log-log", "plain"}, default "log"
        Transformation for the limits (R's ``conf.type``; "loglog" accepted).
    timefix : bool, default True
        Merge near-equal times first, as R's ``aeqSurv``.

    Returns
    -------
    KaplanMeierResult
        ``.table``, ``.median``, ``.median_ci``, ``.quantile(p)``, ``.survival_at(times)``,
        ``.rmst(tau)``, ``.n_at_risk(times)``, ``.summary()``.

    Raises
    ------
    StatsInputError
        Wrong lengths, missing or negative times, events not 0/1, entry >= time, bad options.

    Examples
    --------
    >>> fit = kaplan_meier([1, 2, 3, 5], [1, 1, 0, 1])
    >>> fit.table[["time", "n_risk", "survival"]].values.tolist()
    [[1.0, 4.0, 0.75], [2.0, 3.0, 0.5], [3.0, 2.0, 0.5], [5.0, 1.0, 0.0]]
    >>> fit.median  # S = 0.5 from t = 2 until the next event at t = 5
    3.5
    """
    level, ctype = check_conf(conf_level, conf_type)
    data = prepare(time, event, entry, weights, timefix=timefix)
    return _fit_one(data, level, ctype)


@dataclass(frozen=True, eq=False)
class KaplanMeierByResult(TidyResult, Mapping):
    """Kaplan-Meier curves by group: a read-only mapping ``group label -> KaplanMeierResult``.

    Groups are ordered as R orders factor levels (sorted unique values, or the categories of
    a pandas Categorical).
    """

    curves: dict = field(repr=False)
    conf_level: float
    conf_type: str

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"Kaplan-Meier estimates by group, {self.conf_level:.0%} CI ({self.conf_type})"

    @property
    def groups(self) -> list:
        """The group labels in order."""
        return list(self.curves)

    def __getitem__(self, key) -> KaplanMeierResult:
        return self.curves[key]

    def __iter__(self) -> Iterator:
        return iter(self.curves)

    def __len__(self) -> int:
        return len(self.curves)

    @property
    def table(self) -> pd.DataFrame:
        """All curves' tables stacked, with a leading ``group`` column."""
        parts = [fit.table.assign(group=g) for g, fit in self.curves.items()]
        out = pd.concat(parts, ignore_index=True)
        return out[["group", *_TABLE_COLUMNS]]

    def n_at_risk(self, times) -> pd.DataFrame:
        """Numbers-at-risk table: one row per group, one column per time."""
        t = as_float_array("times", np.atleast_1d(np.asarray(times, dtype=object)))
        rows = {g: fit.n_at_risk(t) for g, fit in self.curves.items()}
        return pd.DataFrame.from_dict(rows, orient="index", columns=list(t)).rename_axis("group")

    def summary(self) -> pd.DataFrame:
        """One row per group: group, n, events, median, lower, upper."""
        parts = [fit.summary().assign(group=g) for g, fit in self.curves.items()]
        out = pd.concat(parts, ignore_index=True)
        return out[["group", "n", "events", "median", "lower", "upper"]]


def kaplan_meier_by(
    time,
    event,
    group,
    entry=None,
    weights=None,
    conf_level: float = 0.95,
    conf_type: ConfType = "log",
    *,
    timefix: bool = True,
) -> KaplanMeierByResult:
    """Kaplan-Meier curves for each group, as ``survfit(Surv(time, event) ~ group)``.

    Parameters
    ----------
    time, event, entry, weights, conf_level, conf_type, timefix
        As :func:`kaplan_meier`; near-equal times are merged over all groups together, as R
        does before splitting.
    group : array_like
        Group label of each subject (no missing values).

    Returns
    -------
    KaplanMeierByResult
        Mapping group -> :class:`KaplanMeierResult` plus a combined ``summary()``.

    Examples
    --------
    >>> fits = kaplan_meier_by([1, 2, 3, 4, 5, 6], [1, 1, 0, 1, 1, 0], ["b", "a", "b", "a", "b", "a"])
    >>> list(fits)
    ['a', 'b']
    >>> fits.summary()[["group", "n", "events", "median"]].values.tolist()
    [['a', 3, 2.0, 4.0], ['b', 3, 2.0, 5.0]]
    """
    level, ctype = check_conf(conf_level, conf_type)
    data = prepare(time, event, entry, weights, timefix=timefix)
    codes, levels = as_group_array("group", group, n=data.n)
    curves = {}
    for g, lab in enumerate(levels):
        curves[lab] = _fit_one(data.subset(codes == g), level, ctype, label=str(lab))
    return KaplanMeierByResult(curves, level, ctype)
