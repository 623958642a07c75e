"""Log-rank test for trend over ordered groups, and pairwise log-rank tests.

Trend: with scores ``s`` for the ordered groups and ``O``, ``E``, ``V`` as ``survdiff``
(summed over strata), ``Z = s'(O - E) / sqrt(s' V s)`` and ``Z^2`` is chi-square on 1 df
(Collett, *Modelling Survival Data in Medical Research*, 3rd ed., section 2.7; the test
``survMisc::comp`` / survminer report as "log-rank for trend"). Scores default to 1..k in
the group order (R's factor levels: sorted unique values).

Pairwise: ``survdiff`` on each pair of groups with the p-values adjusted over all pairs by
``p.adjust`` (Holm, Bonferroni or none), as ``survminer::pairwise_survdiff``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import chi2

from ._result import TidyResult
from ._validate import StatsInputError, as_choice, as_float_array
from .logrank import chisq_from_parts, logrank_parts, prepare_groups

__all__ = ["LogrankTrendResult", "PairwiseLogrankResult", "logrank_trend", "pairwise_logrank", "p_adjust"]

PAdjust = Literal["holm", "bonferroni", "none"]
_P_ADJUST = {"holm": "holm", "bonferroni": "bonferroni", "none": "none"}


@dataclass(frozen=True, eq=False)
class LogrankTrendResult(TidyResult):
    """Result of :func:`logrank_trend`: signed ``z``, ``statistic = z**2`` on 1 df."""

    statistic: float
    z: float
    df: int
    pvalue: float
    groups: tuple
    scores: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    variance: np.ndarray
    rho: float

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"Log-rank test for trend: chisq = {self.statistic:.4g} on 1 df, p = {self.pvalue:.4g}"

    def summary(self) -> pd.DataFrame:
        """One row per group: group, score, observed, expected."""
        return pd.DataFrame(
            {"group": list(self.groups), "score": self.scores, "observed": self.observed, "expected": self.expected}
        )


def logrank_trend(
    time, event, group, scores=None, strata=None, rho: float = 0.0, entry=None
) -> LogrankTrendResult:
    """Log-rank test for a trend in survival over ordered groups.

    Parameters
    ----------
    time, event, group, strata, rho, entry
        As :func:`linewise.stats.logrank`.
    scores : sequence of float or mapping, optional
        One score per group, in the group order (sorted unique labels, or a Categorical's
        category order), or a mapping ``label -> score``. Default ``1, 2, ..., k``.

    Returns
    -------
    LogrankTrendResult
        ``statistic`` (chi-square, 1 df), signed ``z`` (positive: more events than expected
        in higher-scored groups), ``pvalue``.

    Examples
    --------
    >>> r = logrank_trend([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 1], [3, 3, 2, 2, 1, 1])
    >>> r.z > 0
    True
    """
    data, codes, levels, s_codes, s_levels, r = prepare_groups(time, event, group, strata, entry, rho)
    s = _scores(scores, levels)
    n_strata = 1 if s_levels is None else len(s_levels)
    parts = logrank_parts(data, codes, len(levels), s_codes, n_strata, r)
    obs, exp = parts.observed.sum(axis=1), parts.expected.sum(axis=1)
    return trend_from_parts(s, obs, exp, parts.variance, levels, r)


def _scores(scores, levels: list) -> np.ndarray:
    """The group scores in the group order (default ``1..k``)."""
    k = len(levels)
    if scores is None:
        return np.arange(1.0, k + 1.0)
    if isinstance(scores, Mapping):
        missing = [lab for lab in levels if lab not in scores]
        if missing:
            raise StatsInputError(f"scores: no score for group(s) {missing!r}")
        return as_float_array("scores", [scores[lab] for lab in levels])
    s = as_float_array("scores", scores)
    if s.shape[0] != k:
        raise StatsInputError(f"scores: {s.shape[0]} scores given for {k} groups {levels!r}")
    return s


def trend_from_parts(s: np.ndarray, obs: np.ndarray, exp: np.ndarray, variance: np.ndarray, levels, rho: float
                     ) -> LogrankTrendResult:
    """``Z = s'(O - E) / sqrt(s' V s)`` from the log-rank sums (patient-level or from counts)."""
    num = float(s @ (obs - exp))
    den = float(s @ variance @ s)
    if den <= 0:
        raise StatsInputError("scores: the trend has zero variance (constant scores or no information)")
    z = num / np.sqrt(den)
    stat = num * num / den
    return LogrankTrendResult(stat, float(z), 1, float(chi2.sf(stat, 1)), tuple(levels), s, obs, exp, variance, rho)


def p_adjust(p, method: PAdjust = "holm") -> np.ndarray:
    """Adjust p-values for multiple comparisons as R's ``p.adjust`` (holm, bonferroni, none).

    Examples
    --------
    >>> p_adjust([0.01, 0.04, 0.03], "holm").tolist()
    [0.03, 0.06, 0.06]
    """
    how = as_choice("p_adjust", method, _P_ADJUST)
    pv = as_float_array("p", np.atleast_1d(np.asarray(p, dtype=object)), allow_nan=True)
    out = pv.copy()
    ok = ~np.isnan(pv)  # p.adjust: missing p-values are kept and not counted
    q = pv[ok]
    m = q.shape[0]
    if how == "none" or m == 0:
        return out
    if how == "bonferroni":
        out[ok] = np.minimum(1.0, q * m)
        return out
    # holm: step-down, pmin(1, cummax((m - i + 1) * p_(i))) in increasing order of p
    order = np.argsort(q, kind="stable")
    adj = np.empty(m)
    adj[order] = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * q[order]))
    out[ok] = adj
    return out


#: ``pairwise_logrank`` has an argument named ``p_adjust``; it calls the function by this name.
_adjust = p_adjust



@dataclass(frozen=True, eq=False)
class PairwiseLogrankResult(TidyResult):
    """Pairwise log-rank tests: ``table`` has one row per pair of groups."""

    table: pd.DataFrame
    groups: tuple
    p_adjust: str

    title = "Pairwise log-rank tests"

    def summary(self) -> pd.DataFrame:
        """One row per pair: group1, group2, statistic, pvalue, p_adjusted."""
        return self.table.copy()

    def matrix(self) -> pd.DataFrame:
        """Adjusted p-values as survminer prints them: rows groups[1:], columns groups[:-1]."""
        out = pd.DataFrame(np.nan, index=list(self.groups[1:]), columns=list(self.groups[:-1]))
        for row in self.table.itertuples(index=False):
            out.loc[row.group2, row.group1] = row.p_adjusted
        return out


def pairwise_logrank(
    time, event, group, p_adjust: PAdjust = "holm", strata=None, rho: float = 0.0, entry=None
) -> PairwiseLogrankResult:
    """Log-rank (or G-rho) test for every pair of groups with adjusted p-values.

    Parameters
    ----------
    time, event, group, strata, rho, entry
        As :func:`linewise.stats.logrank`; each pair is tested on its own subjects only.
    p_adjust : {"holm", "bonferroni", "none"}, default "holm"
        Multiplicity adjustment over all pairs (R's ``p.adjust``).

    Returns
    -------
    PairwiseLogrankResult
        ``table`` (group1, group2, statistic, pvalue, p_adjusted) and ``matrix()``.

    Examples
    --------
    >>> r = pairwise_logrank([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 1], ["a", "b", "c"] * 2)
    >>> r.table[["group1", "group2"]].values.tolist()
    [['a', 'b'], ['a', 'c'], ['b', 'c']]
    """
    how = as_choice("p_adjust", p_adjust, _P_ADJUST)
    data, codes, levels, s_codes, s_levels, r = prepare_groups(time, event, group, strata, entry, rho)
    rows = []
    for a, b in combinations(range(len(levels)), 2):
        sel = (codes == a) | (codes == b)
        sub = data.subset(sel)
        pair_codes = (codes[sel] == b).astype(np.intp)
        if s_codes is None:
            sc, ns = None, 1
        else:
            # renumber the strata present in this pair (as survdiff on the subset does)
            uniq, sc = np.unique(s_codes[sel], return_inverse=True)
            ns = uniq.shape[0]
        parts = logrank_parts(sub, pair_codes, 2, sc, ns, r)
        obs, exp = parts.observed.sum(axis=1), parts.expected.sum(axis=1)
        stat, df = chisq_from_parts(obs - exp, exp, parts.variance)
        pv = float(chi2.sf(stat, df)) if df > 0 else float("nan")
        rows.append([levels[a], levels[b], stat, pv])
    return pairwise_from_rows(rows, levels, how)


def pairwise_from_rows(rows: list, levels, how: str) -> PairwiseLogrankResult:
    """The result table of the pairwise tests with ``p.adjust``-ed p-values."""
    table = pd.DataFrame(rows, columns=["group1", "group2", "statistic", "pvalue"])
    table["p_adjusted"] = _adjust(table["pvalue"].to_numpy(), how)
    return PairwiseLogrankResult(table, tuple(levels), how)
