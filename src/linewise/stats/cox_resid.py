"""Score residuals and the robust (sandwich) variance of a Cox fit.

R ``survival``: ``residuals.coxph(type = "score")`` (C ``coxscore2`` / ``agscore2``) and the
robust variance of ``coxph(robust = TRUE)`` / ``cluster = ``: the dfbeta residuals
``w_i * L_i %*% V`` summed within clusters, ``V_robust = D' D`` (Lin & Wei 1989).

The score residual of observation ``i`` (Efron; Breslow is the case ``f = 0``) is

    L_i = delta_i (x_i - mean_r m_{g(i), r})
          - e_i * sum_{event slots j at risk} h_j * phi_ij * (x_i - m_j),

where slot ``j`` is Efron term ``r`` of event group ``g`` with hazard increment
``h_j = (W_g / d_g) / den_j`` and mean ``m_j``, ``e_i = exp(eta_i)`` and
``phi_ij = 1 - r/d`` when ``i`` is one of the group's own events (else 1).
Vectorised with the at-risk group ranges of :class:`~linewise.stats.cox_fit.RiskSets`.
"""

from __future__ import annotations

import numpy as np

from .cox_fit import RiskSets, _group_cumsum_at, derivatives, quadratic_test


def score_residuals(rs: RiskSets, x: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Unweighted score residuals ``L_i`` (n x p), as ``residuals(fit, "score", weighted=FALSE)``.

    ``x`` and ``eta`` are in the original row order; so is the result.
    """
    # Centring x does not change L_i (each term is a difference x - mean) but keeps the
    # products below well conditioned.
    xc = (x - x.mean(axis=0))[rs.order]
    eta = eta[rs.order]
    d = derivatives(rs, xc, eta)
    dg = rs.death_group
    di = rs.death_idx
    # per group: sum_r h_r, sum_r h_r f_r, sum_r h_r m_r, sum_r h_r f_r m_r, mean_r m_r
    a_g, b_g = d.a, d.b
    am_g = d.s1 * d.c0[:, None] - d.d1 * d.c1[:, None]
    bm_g = d.s1 * d.c1[:, None] - d.d1 * d.c2[:, None]
    mbar_g = d.s1 * d.q0[:, None] - d.d1 * d.q1[:, None]

    h_sum = _group_cumsum_at(rs, a_g)
    hm_sum = _group_cumsum_at(rs, am_g)
    h_sum[di] -= b_g[dg]
    hm_sum[di] -= bm_g[dg]
    e = np.exp(eta - d.shift)
    resid = -(e[:, None] * (xc * h_sum[:, None] - hm_sum))
    resid[di] += xc[di] - mbar_g[dg]
    out = np.empty_like(resid)
    out[rs.order] = resid
    return out


def _collapse(values: np.ndarray, cluster) -> np.ndarray:
    if cluster is None:
        return values
    _, codes = np.unique(np.asarray(cluster), return_inverse=True)
    codes = codes.ravel()
    return np.stack(
        [np.bincount(codes, weights=values[:, k]) for k in range(values.shape[1])], axis=1
    )


def robust_variance(
    rs: RiskSets, x: np.ndarray, eta: np.ndarray, naive_var: np.ndarray, cluster=None
) -> tuple[np.ndarray, float]:
    """Robust variance ``D'D`` and the robust score test, as ``coxph(robust=TRUE)``.

    ``D`` holds the weighted dfbeta residuals ``w_i L_i V`` summed within ``cluster``
    (each observation its own cluster when ``cluster`` is None).  The robust score test
    uses the weighted score residuals at beta = 0 the same way (R's ``rscore``).
    """
    w = np.empty(rs.n)
    w[rs.order] = rs.weights  # back to the original row order of the residuals
    w = w[:, None]
    dfbeta = _collapse(w * score_residuals(rs, x, eta) @ naive_var, cluster)
    rvar = dfbeta.T @ dfbeta
    resid0 = _collapse(w * score_residuals(rs, x, np.zeros_like(eta)), cluster)
    rscore, _ = quadratic_test(resid0.T @ resid0, resid0.sum(axis=0))
    return rvar, rscore
