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

from .cox_fit import RiskSets, _at_risk_sums, _weighted_gram, derivatives, quadratic_test


def _sorted_residuals(rs: RiskSets, xc: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Unweighted score residuals in the *sorted* order of ``rs`` (n x p).

    ``xc`` is ``x[rs.order]`` centred (centring does not change ``L_i`` -- each term is a
    difference x - mean -- but keeps the products well conditioned); ``eta`` is sorted.
    """
    d = derivatives(rs, xc, eta)
    # per group: sum_r h_r, sum_r h_r f_r, sum_r h_r m_r, sum_r h_r f_r m_r, mean_r m_r
    am_g = d.s1 * d.c0[:, None] - d.d1 * d.c1[:, None]
    bm_g = d.s1 * d.c1[:, None] - d.d1 * d.c2[:, None]
    mbar_g = d.s1 * d.q0[:, None] - d.d1 * d.q1[:, None]
    # L_i = x_i (delta_i - e_i h_i) + e_i hm_i - delta_i mbar_g(i), with h, hm the at-risk
    # sums above (own-group Efron corrections included)
    e = np.exp(eta - d.shift)
    alpha = rs.event - e * _at_risk_sums(rs, d.a, d.b)
    resid = _at_risk_sums(rs, am_g, bm_g)
    resid *= e[:, None]
    resid -= _at_risk_sums(rs, np.zeros_like(mbar_g), -mbar_g)  # [event] mbar_g(i)
    resid += xc * alpha[:, None]
    return resid


def score_residuals(rs: RiskSets, x: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Unweighted score residuals ``L_i`` (n x p), as ``residuals(fit, "score", weighted=FALSE)``.

    ``x`` and ``eta`` are in the original row order; so is the result.
    """
    xc = np.take(np.asarray(x, dtype=float), rs.order, axis=0)
    xc -= xc.mean(axis=0)
    resid = _sorted_residuals(rs, xc, np.take(eta, rs.order))
    out = np.empty_like(resid)
    out[rs.order] = resid
    return out


def _collapse(values: np.ndarray, codes: np.ndarray, n_clusters: int) -> np.ndarray:
    """Column sums of ``values`` within clusters (``codes`` 0 .. n_clusters - 1)."""
    return np.stack(
        [np.bincount(codes, weights=values[:, k], minlength=n_clusters) for k in range(values.shape[1])], axis=1
    )


def _cross(values: np.ndarray, codes: np.ndarray | None, n_clusters: int) -> np.ndarray:
    """``C' C`` where ``C`` holds the rows of ``values`` summed within clusters."""
    if codes is not None:
        values = _collapse(values, codes, n_clusters)
    return _weighted_gram(values, np.ones(values.shape[0]))


def robust_variance(
    rs: RiskSets, x: np.ndarray, eta: np.ndarray, naive_var: np.ndarray, cluster=None
) -> tuple[np.ndarray, float]:
    """Robust variance ``D'D`` and the robust score test, as ``coxph(robust=TRUE)``.

    ``D`` holds the weighted dfbeta residuals ``w_i L_i V`` summed within ``cluster``
    (each observation its own cluster when ``cluster`` is None), so ``D'D = V' (C'C) V``
    with ``C`` the cluster sums of ``w_i L_i``.  The robust score test uses the weighted
    score residuals at beta = 0 the same way (R's ``rscore``).  Everything is computed in
    the sorted order of ``rs`` (sums do not depend on the order; cluster labels follow).
    """
    codes, n_clusters = None, rs.n
    if cluster is not None:
        _, codes = np.unique(np.asarray(cluster), return_inverse=True)
        codes = codes.ravel()[rs.order]
        n_clusters = int(codes.max()) + 1 if codes.size else 0
    w = rs.weights[:, None]
    xc = np.take(np.asarray(x, dtype=float), rs.order, axis=0)
    xc -= xc.mean(axis=0)
    wres = _sorted_residuals(rs, xc, np.take(eta, rs.order))
    wres *= w
    rvar = naive_var.T @ _cross(wres, codes, n_clusters) @ naive_var
    wres0 = _sorted_residuals(rs, xc, np.zeros(rs.n))
    wres0 *= w
    rscore, _ = quadratic_test(_cross(wres0, codes, n_clusters), wres0.sum(axis=0))
    return rvar, rscore
