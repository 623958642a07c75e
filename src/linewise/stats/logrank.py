"""Log-rank and Fleming-Harrington G-rho tests, as R's ``survival::survdiff``.

For each stratum and each unique event time ``t`` with ``d`` events among ``n`` at risk
(``n_j`` and ``d_j`` in group ``j``), with weight ``w = S(t-)^rho`` (``S`` the pooled
left-continuous Kaplan-Meier of the stratum; ``rho = 0`` is the log-rank test):

* observed ``O_j += w d_j``, expected ``E_j += w d n_j / n``,
* variance ``V += w^2 d (n - d) / (n (n - 1)) (diag(n_j) - n_j n_k / n)`` (hypergeometric),

summed over strata. The statistic is ``(O - E)' V^- (O - E)`` on the groups with ``E > 0``
dropping the first, with that many groups minus one degrees of freedom (C routine
``survdiff2`` and the R function ``survdiff``).

Delayed entry (``entry``), which ``survdiff`` does not support, uses the counting-process
risk sets ``{entry < t <= time}`` with the same formulas; with one event per time it equals the
score test of ``coxph(Surv(entry, time, event) ~ factor(group), ties = "breslow")``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2

from ._km_core import SurvInput, prepare, risk_table
from ._result import TidyResult
from ._validate import StatsInputError, as_group_array

__all__ = ["LogrankResult", "logrank"]


@dataclass(frozen=True, eq=False)
class LogrankParts:
    """Per-stratum observed/expected (k x s) and the summed variance (k x k)."""

    observed: np.ndarray
    expected: np.ndarray
    variance: np.ndarray


def logrank_parts(
    data: SurvInput, codes: np.ndarray, k: int, strata: np.ndarray | None, n_strata: int, rho: float
) -> LogrankParts:
    """Observed, expected (per stratum) and variance (summed) of the G-rho test."""
    obs = np.zeros((k, n_strata))
    exp = np.zeros((k, n_strata))
    var = np.zeros((k, k))
    for s in range(n_strata):
        if strata is None:
            sub, g = data, codes
        else:
            sel = strata == s
            sub, g = data.subset(sel), codes[sel]
        rt = risk_table(sub, g, k)
        n_g, d_g = rt.n_risk, rt.n_event
        n = n_g.sum(axis=1)
        d = d_g.sum(axis=1)
        if rho != 0:
            # survdiff2: weight = S(t-)^rho, S the pooled KM (left-continuous) of the stratum
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.where(n > 0, (n - d) / n, 1.0)
            km_left = np.concatenate(([1.0], np.cumprod(factor)[:-1]))
            w = km_left**rho
        else:
            w = np.ones_like(n)
        ev = d > 0
        n_g, d_g, n, d, w = n_g[ev], d_g[ev], n[ev], d[ev], w[ev]
        obs[:, s] = w @ d_g
        exp[:, s] = (w * d / n) @ n_g
        with np.errstate(divide="ignore", invalid="ignore"):
            # no variance contribution from a time with a single subject at risk
            a = np.where(n > 1, w * w * d * (n - d) / (n * (n - 1)), 0.0)
        var += np.diag(a @ n_g) - (n_g * (a / n)[:, None]).T @ n_g
    return LogrankParts(obs, exp, var)


def chisq_from_parts(o_minus_e: np.ndarray, expected: np.ndarray, var: np.ndarray) -> tuple[float, int]:
    """survdiff's statistic: groups with E > 0, first one dropped; df = their number - 1."""
    use = np.flatnonzero(expected > 0)
    df = int(use.size) - 1
    if df < 1:
        return 0.0, max(df, 0)
    u = o_minus_e[use][1:]
    v = var[np.ix_(use, use)][1:, 1:]
    try:
        stat = float(u @ np.linalg.solve(v, u))
    except np.linalg.LinAlgError:
        # singular (e.g. a group whose members are all at risk only with others' events at
        # n = 1); a generalised inverse keeps the test defined where R's solve() would stop
        stat = float(u @ np.linalg.pinv(v) @ u)
    return stat, df


def check_rho(rho) -> float:
    """``rho`` must be a finite number >= 0 (G-rho family; 0 = log-rank, 1 = Peto-Peto)."""
    try:
        r = float(rho)
    except (TypeError, ValueError):
        raise StatsInputError(f"rho: {rho!r} is not a number") from None
    if not np.isfinite(r) or r < 0:
        raise StatsInputError(f"rho: {rho!r} must be a finite number >= 0")
    return r


@dataclass(frozen=True, eq=False)
class LogrankResult(TidyResult):
    """Result of :func:`logrank` (fields as ``survdiff``; totals over strata).

    Attributes
    ----------
    statistic, df, pvalue
        Chi-square statistic, degrees of freedom, p-value (NaN when df = 0).
    observed, expected : numpy.ndarray
        (Weighted, for rho != 0) observed and expected events per group, summed over strata.
    variance : numpy.ndarray
        k x k variance matrix of O - E (``survdiff$var``).
    observed_by_stratum, expected_by_stratum : numpy.ndarray
        k x s matrices (one column per stratum).
    """

    statistic: float
    df: int
    pvalue: float
    groups: tuple
    n: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    variance: np.ndarray
    observed_by_stratum: np.ndarray
    expected_by_stratum: np.ndarray
    rho: float
    strata: tuple | None
    delayed_entry: bool

    @property
    def title(self) -> str:  # type: ignore[override]
        name = "Log-rank test" if self.rho == 0 else f"Fleming-Harrington G-rho test (rho = {self.rho:g})"
        strat = f", stratified by {len(self.strata)} strata" if self.strata is not None else ""
        return f"{name}{strat}: chisq = {self.statistic:.4g} on {self.df} df, p = {self.pvalue:.4g}"

    def summary(self) -> pd.DataFrame:
        """One row per group: n, observed, expected, (O-E)^2/E, (O-E)^2/V (as print.survdiff)."""
        oe = self.observed - self.expected
        with np.errstate(divide="ignore", invalid="ignore"):
            return pd.DataFrame(
                {
                    "group": list(self.groups),
                    "n": self.n,
                    "observed": self.observed,
                    "expected": self.expected,
                    "oe2_over_e": oe**2 / self.expected,
                    "oe2_over_v": oe**2 / np.diag(self.variance),
                }
            )


def prepare_groups(time, event, group, strata, entry, rho):
    """Shared input handling of the log-rank family; returns data, codes, levels, strata."""
    r = check_rho(rho)
    data = prepare(time, event, entry)
    codes, levels = as_group_array("group", group, n=data.n)
    if len(levels) < 2:
        raise StatsInputError(f"group: only one group ({levels[0]!r}); a test needs at least two")
    if strata is None:
        s_codes, s_levels = None, None
    else:
        s_codes, s_levels = as_group_array("strata", strata, n=data.n)
    return data, codes, levels, s_codes, s_levels, r


def logrank(time, event, group, strata=None, rho: float = 0.0, entry=None) -> LogrankResult:
    """Log-rank (or G-rho) test comparing k groups, optionally stratified, as ``survdiff``.

    Parameters
    ----------
    time : array_like of float
        Follow-up time (>= 0).
    event : array_like of {0, 1}
        1 = event, 0 = censored.
    group : array_like
        Group labels (at least two distinct values); ordered as R's factor levels.
    strata : array_like, optional
        Stratum labels: the test sums observed, expected and variance over strata
        (``survdiff(Surv(time, status) ~ group + strata(s))``).
    rho : float, default 0
        Fleming-Harrington G-rho weight ``S(t-)^rho``: 0 = log-rank, 1 = Peto-Peto
        modification of the Gehan-Wilcoxon test.
    entry : array_like of float, optional
        Delayed-entry times (left truncation): risk sets are ``{entry < t <= time}``.

    Returns
    -------
    LogrankResult
        ``statistic``, ``df``, ``pvalue``, ``observed``, ``expected``, ``variance`` ...

    Examples
    --------
    >>> r = logrank([1, 2, 3, 4], [1, 1, 1, 1], ["a", "b", "a", "b"])
    >>> (r.observed.tolist(), r.expected.round(4).tolist(), round(r.statistic, 4))
    ([2.0, 2.0], [1.3333, 2.6667], 0.6154)
    """
    data, codes, levels, s_codes, s_levels, r = prepare_groups(time, event, group, strata, entry, rho)
    k = len(levels)
    n_strata = 1 if s_levels is None else len(s_levels)
    parts = logrank_parts(data, codes, k, s_codes, n_strata, r)
    obs = parts.observed.sum(axis=1)
    exp = parts.expected.sum(axis=1)
    stat, df = chisq_from_parts(obs - exp, exp, parts.variance)
    pvalue = float(chi2.sf(stat, df)) if df > 0 else float("nan")
    return LogrankResult(
        statistic=stat,
        df=df,
        pvalue=pvalue,
        groups=tuple(levels),
        n=np.bincount(codes, minlength=k),
        observed=obs,
        expected=exp,
        variance=parts.variance,
        observed_by_stratum=parts.observed,
        expected_by_stratum=parts.expected,
        rho=r,
        strata=None if s_levels is None else tuple(s_levels),
        delayed_entry=entry is not None,
    )
