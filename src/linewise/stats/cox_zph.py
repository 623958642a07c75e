"""Test of the proportional-hazards assumption of a Cox fit (R ``cox.zph``, survival 3.x).

survival 3.x replaced the old approximate test (a regression of scaled Schoenfeld residuals
on time) by an exact score test: for each term, add ``x * g(t)`` to the model, where ``g`` is
a transform of time, and compute the score test of its coefficient at the fitted beta (the
original coefficients held at their estimates; the full ``2p x 2p`` information is used).
``GLOBAL`` tests all ``x * g(t)`` terms together.  With ``transform = "km"``,
``g(t) = 1 - S(t-)`` from the (unweighted, unstratified) Kaplan-Meier of the data, centred
at its mean over the events.  Reference: ``survival::cox.zph`` and C ``zph1`` / ``zph2``;
Therneau & Grambsch (2000), section 6.2.

The contributions of event time ``t`` to the score and information are those of the Cox
fit multiplied by ``g(t)`` (score, off-diagonal block) or ``g(t)^2`` (lower block), so the
same vectorised engine computes them with per-event-time weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._result import TidyResult
from .cox_fit import RiskSets, derivatives


@dataclass(frozen=True)
class ProportionalHazardsTest(TidyResult):
    """Per-term and global score tests of proportional hazards (R ``cox.zph(fit)$table``)."""

    terms: tuple[str, ...]
    chisq: tuple[float, ...]
    df: tuple[int, ...]
    pvalue: tuple[float, ...]
    transform: str = "km"
    title: str = "Test of proportional hazards (cox.zph, transform = km)"

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"term": list(self.terms), "chisq": list(self.chisq), "df": list(self.df), "p": list(self.pvalue)}
        )


def km_time_transform(time, event, entry=None) -> np.ndarray:
    """``1 - S(t-)`` at each observation's time, from the unweighted Kaplan-Meier.

    As ``cox.zph(transform = "km")``: ``survfitKM`` on all observations (no weights,
    no strata), evaluated just before each time (``findInterval(..., left.open=TRUE)``).
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    etimes, d = np.unique(time[event], return_counts=True)
    stop_sorted = np.sort(time)
    n_risk = time.size - np.searchsorted(stop_sorted, etimes, side="left")
    if entry is not None:
        start_sorted = np.sort(np.asarray(entry, dtype=float))
        n_risk = n_risk - (time.size - np.searchsorted(start_sorted, etimes, side="left"))
    surv = np.cumprod(1.0 - d / n_risk)
    before = np.searchsorted(etimes, time, side="left")
    return 1.0 - np.concatenate(([1.0], surv))[before]


def cox_zph(
    rs: RiskSets,
    x: np.ndarray,
    eta: np.ndarray,
    term_columns: list[tuple[str, np.ndarray]],
) -> ProportionalHazardsTest:
    """Score tests for ``x * g(t)`` terms at the fitted linear predictor ``eta``.

    ``x`` and ``eta`` are in the original row order.  ``x`` holds the columns of
    non-aliased coefficients only; ``term_columns`` maps each
    term name to its column indices in ``x`` (a factor with k levels is one term, k-1 df).
    """
    p = x.shape[1]
    g_obs = km_time_transform(rs.obs_time, rs.event, rs.obs_entry)
    g_obs = g_obs - g_obs[rs.event].mean()
    g_group = g_obs[rs.death_idx[rs.group_start]]

    xc = (x - x.mean(axis=0))[rs.order]
    eta = eta[rs.order]
    i11 = derivatives(rs, xc, eta).imat
    d_g = derivatives(rs, xc, eta, group_weight=g_group)
    i22 = derivatives(rs, xc, eta, group_weight=g_group**2).imat
    imat = np.block([[i11, d_g.imat], [d_g.imat, i22]])
    u = np.concatenate([np.zeros(p), d_g.u])

    names, chisq, dfs = [], [], []
    for name, cols in term_columns:
        kk = np.concatenate([np.arange(p), p + np.asarray(cols)])
        chisq.append(float(u[kk] @ np.linalg.solve(imat[np.ix_(kk, kk)], u[kk])))
        dfs.append(len(cols))
        names.append(name)
    chisq.append(float(u @ np.linalg.solve(imat, u)))
    dfs.append(p)
    names.append("GLOBAL")
    pvals = [float(stats.chi2.sf(c, df)) for c, df in zip(chisq, dfs, strict=True)]
    return ProportionalHazardsTest(tuple(names), tuple(chisq), tuple(dfs), tuple(pvals))
