"""Newton-Raphson engine for the Cox partial likelihood (Efron and Breslow ties).

Pure numpy on arrays; the public wrapper is :func:`linewise.stats.cox.cox`.

What is computed, and why it matches R ``survival`` 3.5 (``coxph.fit`` -> C ``coxfit6`` for
right-censored data, ``agreg.fit`` -> C ``agfit4`` for counting-process data):

* Risk sets.  A subject is at risk at event time ``t`` of its own stratum when
  ``entry < t <= time`` (``entry = -inf`` without delayed entry).  Event times are grouped
  per (stratum, time); a group with ``d`` event records and summed event weight ``W`` has
  Efron terms ``r = 0..d-1`` with denominator ``S0 - (r/d) D0`` (Breslow: ``r/d`` := 0),
  each weighted ``W/d`` (Therneau & Grambsch 2000, section 3.3; ``coxfit6.c``).
* Vectorised.  The rows are sorted once by (stratum, time, events first).  Risk-set sums
  are one reverse cumulative sum read at each group's first row (minus the same for rows
  not yet entered, with delayed entry); a group's event rows are contiguous, summed with
  ``np.add.reduceat``.  Each row is at risk for a contiguous range ``[lo, hi)`` of event
  groups, so the second-derivative term ``sum_g a_g S2_g`` is the weighted Gram matrix
  ``X' diag(v) X`` with ``v_i = risk_i * sum_{g in [lo_i, hi_i)} a_g``.  Sums over the
  Efron terms of a group reduce to scalars times the group's ``S1`` and ``D1``, so no
  (events x covariates) array is built; there is no Python loop over rows or times.
* Iteration.  Same start (beta = 0), Newton steps, step-halving and stopping rule
  (``|1 - loglik_old / loglik_new| <= eps``) as ``coxfit6`` / ``agfit4``, on covariates
  centred and scaled the way R does it, so the returned iterate is R's iterate (Newton's
  method is affine invariant; centring and scaling only change rounding and the
  singularity tolerance of the Cholesky decomposition).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

#: ``coxph.control()`` defaults.
EPS = 1e-9
TOLER_CHOL = float(np.finfo(float).eps) ** 0.75
ITER_MAX = 20
TOLER_INF = float(np.sqrt(EPS))


@dataclass(frozen=True)
class RiskSets:
    """Event-group structure of one data set, computed once per fit.

    Every per-observation array is in *sorted order* (stratum, then exit time, events
    before censorings at equal times); ``order[k]`` is the original row of sorted
    position ``k``.  Groups are the distinct (stratum, event time) pairs in the same
    order; sorted observation ``i`` is at risk for groups ``lo[i] <= g < hi[i]``.
    """

    n: int
    n_groups: int
    order: np.ndarray  # (n,) sorted position -> original row
    lo: np.ndarray  # (n,) first group at risk
    hi: np.ndarray  # (n,) one past the last group at risk
    event: np.ndarray  # (n,) bool
    weights: np.ndarray  # (n,)
    death_idx: np.ndarray  # (n_d,) sorted positions of the event records
    death_group: np.ndarray  # (n_d,) group of each event record
    efron_frac: np.ndarray  # (n_d,) r/d for Efron, 0 for Breslow
    group_start: np.ndarray  # (G,) first event record of each group (index into death_idx)
    group_d: np.ndarray  # (G,) number of event records in the group
    group_w: np.ndarray  # (G,) summed weights of the event records
    group_time: np.ndarray  # (G,)
    group_stratum: np.ndarray  # (G,)
    exit_first: np.ndarray  # (G,) first row with exit >= group time (same stratum); events
    #                         come first among equal times, so rows exit_first .. + d - 1
    #                         are the group's events
    stratum_end: np.ndarray  # (G,) one past the last sorted position of the group's stratum
    entry_order: np.ndarray | None  # (n,) sorted positions ordered by (stratum, entry)
    entry_first: np.ndarray | None  # (G,) first entry-ordered position with entry >= time
    entry_end: np.ndarray | None  # (G,) one past the stratum in entry order
    obs_time: np.ndarray  # (n,) exit times
    obs_entry: np.ndarray | None  # (n,) entry times
    obs_stratum: np.ndarray  # (n,) stratum codes
    counting: bool


def build_risk_sets(time, event, weights, strata=None, entry=None, ties="efron") -> RiskSets:
    """Sort once by (stratum, time); group event times; locate each row's at-risk groups."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    weights = np.asarray(weights, dtype=float)
    n = time.shape[0]
    strata = np.zeros(n, dtype=np.int64) if strata is None else np.asarray(strata, dtype=np.int64)
    order = np.lexsort((~event, time, strata))
    time, event, weights, strata = time[order], event[order], weights[order], strata[order]
    if entry is not None:
        entry = np.asarray(entry, dtype=float)[order]

    # Integer keys (stratum, rank of time) so that comparisons are exact and strata never mix.
    pooled = time if entry is None else np.concatenate([time, entry])
    uniq = np.unique(pooled)
    k = np.int64(uniq.size + 1)
    stop_key = strata * k + 1 + np.searchsorted(uniq, time)

    death_idx = np.flatnonzero(event)
    dkey = stop_key[death_idx]
    new_group = np.concatenate(([True], dkey[1:] != dkey[:-1])) if dkey.size else np.zeros(0, bool)
    starts = np.flatnonzero(new_group)
    death_group = np.cumsum(new_group) - 1
    gkey = dkey[starts]
    gstrat = strata[death_idx[starts]]
    group_d = np.diff(np.append(starts, dkey.size))
    group_w = np.add.reduceat(weights[death_idx], starts) if starts.size else np.zeros(0)
    rank_in_group = np.arange(dkey.size) - starts[death_group]
    if ties == "efron":
        efron_frac = rank_in_group / group_d[death_group]
    else:
        efron_frac = np.zeros(dkey.size)

    hi = np.searchsorted(gkey, stop_key, side="right")
    exit_first = np.searchsorted(stop_key, gkey, side="left")
    stratum_end = np.searchsorted(stop_key, (gstrat + 1) * k, side="left")
    entry_order = entry_first = entry_end = None
    if entry is None:
        lo = np.searchsorted(gkey, strata * k, side="left")
    else:
        entry_key = strata * k + 1 + np.searchsorted(uniq, entry)
        # at risk needs entry < t: groups with t <= entry are excluded.
        lo = np.searchsorted(gkey, entry_key, side="right")
        entry_order = np.argsort(entry_key, kind="stable")
        sorted_entry_key = entry_key[entry_order]
        entry_first = np.searchsorted(sorted_entry_key, gkey, side="left")
        entry_end = np.searchsorted(sorted_entry_key, (gstrat + 1) * k, side="left")
    lo = np.minimum(lo, hi)
    return RiskSets(
        n=n,
        n_groups=int(starts.size),
        order=order,
        lo=lo,
        hi=hi,
        event=event,
        weights=weights,
        death_idx=death_idx,
        death_group=death_group,
        efron_frac=efron_frac,
        group_start=starts,
        group_d=group_d,
        group_w=group_w,
        group_time=time[death_idx[starts]],
        group_stratum=gstrat,
        exit_first=exit_first,
        stratum_end=stratum_end,
        entry_order=entry_order,
        entry_first=entry_first,
        entry_end=entry_end,
        obs_time=time,
        obs_entry=entry,
        obs_stratum=strata,
        counting=entry is not None,
    )


def _reverse_cumsum(values: np.ndarray) -> np.ndarray:
    """``out[i] = values[i:].sum(axis=0)``, with a trailing zero row (length n + 1)."""
    # column-major 2-D input keeps each column's running sum contiguous (~2x faster)
    order = "F" if values.ndim == 2 and values.flags.f_contiguous else "C"
    out = np.zeros((values.shape[0] + 1,) + values.shape[1:], order=order)
    np.cumsum(values[::-1], axis=0, out=out[-2::-1])
    return out


def _range_sums(rs: RiskSets, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per group: sum of ``values`` over the rows at risk, and over the group's events.

    One reverse cumulative sum over the sorted rows, read at each group's first row --
    the order in which R's C code accumulates (from the largest time downwards).  With
    delayed entry the rows that have not yet entered (entry >= t) are subtracted the
    same way, from the entry-ordered reverse cumulative sum (as ``agfit4`` does).  A
    group's events are its first ``d`` rows, so their sum is a difference of the same
    cumulative sum (absolute rounding ~ eps * risk-set sum, as for the risk set itself).
    """
    rc = _reverse_cumsum(values)
    top = rc[rs.exit_first]
    at_risk = top - rc[rs.stratum_end]
    events = top - rc[rs.exit_first + rs.group_d]
    if rs.counting:
        rce = _reverse_cumsum(values[rs.entry_order])
        at_risk -= rce[rs.entry_first] - rce[rs.entry_end]
    return at_risk, events


def _group_cumsum_at(rs: RiskSets, per_group: np.ndarray) -> np.ndarray:
    """``sum of per_group[g] over groups g at risk for each observation`` (n or n x p)."""
    shape = (1,) + per_group.shape[1:]
    c = np.concatenate([np.zeros(shape), np.cumsum(per_group, axis=0)])
    return c[rs.hi] - c[rs.lo]


@dataclass(frozen=True)
class Derivatives:
    """Log partial likelihood and its derivatives at one beta, plus per-group pieces.

    With Efron term ``r`` of group ``g`` having denominator ``den_r = S0 - f_r D0`` and
    mean ``m_r = (S1 - f_r D1) / den_r`` (``f_r = r/d``), every sum over the terms that
    the score, information and residuals need is a combination of the group's ``S1``,
    ``D1`` and the scalar sums below -- so no (events x covariates) array is formed.
    """

    loglik: float
    u: np.ndarray
    imat: np.ndarray
    shift: float  # risks are exp(eta - shift)
    s1: np.ndarray  # (G, p) risk-set sums of risk * x
    d1: np.ndarray  # (G, p) sums over the group's events
    a: np.ndarray  # (G,) sum_r h_r,            h_r = (W/d) / den_r (hazard increment)
    b: np.ndarray  # (G,) sum_r h_r f_r
    c0: np.ndarray  # (G,) sum_r h_r / den_r
    c1: np.ndarray  # (G,) sum_r h_r f_r / den_r
    c2: np.ndarray  # (G,) sum_r h_r f_r^2 / den_r
    q0: np.ndarray  # (G,) mean_r 1 / den_r
    q1: np.ndarray  # (G,) mean_r f_r / den_r


def derivatives(
    rs: RiskSets,
    x: np.ndarray,
    eta: np.ndarray,
    group_weight: np.ndarray | None = None,
    x_death: np.ndarray | None = None,
    work: dict | None = None,
) -> Derivatives:
    """Loglik, score and information of the Cox partial likelihood at linear predictor ``eta``.

    ``x`` and ``eta`` are in the sorted order of ``rs`` (``x[rs.order]``); ``x_death``
    optionally caches ``x[rs.death_idx]`` and ``work`` a scratch n x p buffer across
    Newton iterations.

    ``group_weight`` (one value per event group) multiplies each event time's contribution
    to the score and information (used for the ``cox.zph`` score test, where the time
    function g(t) multiplies the contributions; R ``zph1.c``).
    """
    w = rs.weights
    shift = float(np.max(eta)) if eta.size else 0.0
    risk = w * np.exp(eta - shift)
    di = rs.death_idx
    dg = rs.death_group
    f = rs.efron_frac
    gs = rs.group_start
    xd = x[di] if x_death is None else x_death

    buf = np.empty_like(x) if work is None else work.setdefault("nxp", np.empty_like(x))
    rx = np.multiply(x, risk[:, None], out=buf)
    s0, d0 = _range_sums(rs, risk)
    s1, d1 = _range_sums(rs, rx)

    # one entry per event record = per Efron term (scalars only)
    den = s0[dg] - f * d0[dg]
    wt = (rs.group_w / rs.group_d)[dg]
    with np.errstate(divide="ignore", invalid="ignore"):
        loglik = float(np.sum(w[di] * (eta[di] - shift)) - np.sum(wt * np.log(den)))
        hz = wt / den
        inv = 1.0 / den
    q0 = np.add.reduceat(inv, gs) / rs.group_d
    q1 = np.add.reduceat(inv * f, gs) / rs.group_d
    wd = w[di]
    if group_weight is not None:
        gw = np.asarray(group_weight, dtype=float)
        hz = hz * gw[dg]
        wd = wd * gw[dg]
    hzf = hz * f
    a = np.add.reduceat(hz, gs)
    b = np.add.reduceat(hzf, gs)
    c0 = np.add.reduceat(hz * inv, gs)
    c1 = np.add.reduceat(hzf * inv, gs)
    c2 = np.add.reduceat(hzf * f * inv, gs)

    # score: sum_r (W/d) m_r = S1 a - D1 b
    u = wd @ xd - (a @ s1 - b @ d1)
    # information: sum_g [a S2 - b D2] as one weighted Gram matrix, minus
    # sum_r (W/d) m_r m_r' = S1'c0 S1 - S1'c1 D1 - D1'c1 S1 + D1'c2 D1
    v = risk * _group_cumsum_at(rs, a)
    v[di] -= risk[di] * b[dg]
    cross = s1.T @ (d1 * c1[:, None])
    mm = s1.T @ (s1 * c0[:, None]) - cross - cross.T + d1.T @ (d1 * c2[:, None])
    imat = x.T @ np.multiply(x, v[:, None], out=buf) - mm
    imat = (imat + imat.T) / 2
    return Derivatives(loglik, u, imat, shift, s1, d1, a, b, c0, c1, c2, q0, q1)


# ---------------------------------------------------------------------------------------
# Generalised Cholesky (R survival cholesky2 / chsolve2 / chinv2 semantics)
# ---------------------------------------------------------------------------------------
def singular_columns(mat: np.ndarray, toler: float = TOLER_CHOL) -> np.ndarray:
    """Columns deemed redundant by an LDL' decomposition with R's ``cholesky2`` rule.

    A pivot below ``toler * max(diag)`` (or non-finite) marks its column singular and the
    column is skipped; the solution then lives on the remaining columns.
    """
    a = np.array(mat, dtype=float, copy=True)
    p = a.shape[0]
    sing = np.zeros(p, dtype=bool)
    diag = np.diag(a)
    finite_diag = diag[np.isfinite(diag)]
    top = max(float(finite_diag.max()) if finite_diag.size else 0.0, 0.0)
    if top == 0:
        return np.ones(p, dtype=bool)
    eps = top * toler
    for i in range(p):
        pivot = a[i, i]
        if not np.isfinite(pivot) or pivot < eps:
            sing[i] = True
            continue
        col = a[i + 1 :, i] / pivot
        a[i + 1 :, i + 1 :] -= np.outer(col, a[i, i + 1 :])
    return sing


def chol_solve(mat: np.ndarray, rhs: np.ndarray, sing: np.ndarray) -> np.ndarray:
    """Solve ``mat @ x = rhs`` on the non-singular columns; singular entries are 0."""
    out = np.zeros_like(rhs, dtype=float)
    keep = ~sing
    if keep.any():
        sub = mat[np.ix_(keep, keep)]
        try:
            out[keep] = scipy.linalg.cho_solve(scipy.linalg.cho_factor(sub), rhs[keep])
        except (np.linalg.LinAlgError, ValueError):
            out[keep] = np.linalg.lstsq(sub, rhs[keep], rcond=None)[0]
    return out


def chol_inverse(mat: np.ndarray, sing: np.ndarray) -> np.ndarray:
    """Inverse on the non-singular block; rows and columns of singular columns are 0."""
    p = mat.shape[0]
    out = np.zeros((p, p))
    keep = ~sing
    if keep.any():
        out[np.ix_(keep, keep)] = chol_solve(mat, np.eye(p), sing)[np.ix_(keep, keep)]
    return out


def quadratic_test(var: np.ndarray, b: np.ndarray, toler: float = TOLER_CHOL) -> tuple[float, int]:
    """``b' var^- b`` and its rank, as R's ``coxph.wtest`` (Wald and robust score tests)."""
    sing = singular_columns(var, toler)
    sol = chol_solve(var, b, sing)
    return float(b @ sol), int((~sing).sum())


# ---------------------------------------------------------------------------------------
# Newton-Raphson with R's step-halving and stopping rule
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FitOutput:
    coef: np.ndarray  # NaN for singular (aliased) columns, as R's NA
    var: np.ndarray  # naive (model-based) variance, original scale
    loglik_init: float
    loglik: float
    score_test: float
    u: np.ndarray  # score at the final iterate (original scale)
    iterations: int
    converged: bool
    singular: np.ndarray
    infinite: np.ndarray  # "Loglik converged before variable j" flags
    linear_predictor: np.ndarray
    means: np.ndarray


def _center_scale(x, rs: RiskSets, nocenter):
    """R's centring and scaling (``coxfit6.c`` / ``agfit4.c``) of the sorted ``x``.

    Returns (xs, means, scale).  Columns with values in {-1, 0, 1} only are left alone
    (``coxph(nocenter = c(-1, 0, 1))``).
    """
    w = rs.weights
    if rs.counting:
        # agfit4 uses only observations at risk for some event (agreg.fit's 'ignore'),
        # and (as released) centres each column at the first of them in its sort order:
        # lowest stratum code, then largest exit time, then original order.
        used = rs.hi > rs.lo
        first = np.flatnonzero(used)[
            np.lexsort((rs.order[used], -rs.obs_time[used], rs.obs_stratum[used]))[0]
        ]
        center = x[first].astype(float)
        xu, wu = x[used], w[used]
    else:
        center = (w @ x) / np.sum(w)
        xu, wu = x, w
    center = np.where(nocenter, 0.0, center)
    dev = wu @ np.abs(xu - center)
    with np.errstate(divide="ignore"):
        scale = np.where(nocenter | (dev <= 0), 1.0, np.sum(wu) / dev)
    xs = (x - center) * scale
    return xs, center, scale


def newton_raphson(
    rs: RiskSets,
    x: np.ndarray,
    *,
    eps: float = EPS,
    iter_max: int = ITER_MAX,
    toler_chol: float = TOLER_CHOL,
    toler_inf: float = TOLER_INF,
) -> FitOutput:
    """Maximise the partial likelihood from beta = 0 exactly as ``coxfit6`` / ``agfit4``."""
    n, p = x.shape
    nocenter = ((x == 0) | (x == 1) | (x == -1)).all(axis=0)
    xs, means, scale = _center_scale(x[rs.order], rs, nocenter)
    xs = np.asfortranarray(xs)  # column-major: faster cumulative sums over rows
    xs_death = xs[rs.death_idx]
    work: dict = {}

    def at(beta):
        return derivatives(rs, xs, xs @ beta, x_death=xs_death, work=work)

    beta = np.zeros(p)
    d = at(beta)
    loglik0 = d.loglik
    sing0 = singular_columns(d.imat, toler_chol)
    step = chol_solve(d.imat, d.u, sing0)
    score_test = float(d.u @ step)
    best = loglik0
    converged = False
    iterations = 0
    if iter_max == 0 or not np.isfinite(loglik0):
        final, sing = d, sing0
    elif not rs.counting:
        final, sing, beta, iterations, converged = _iterate_coxfit6(
            at, beta, step, best, iter_max, eps, toler_chol
        )
    else:
        final, sing, beta, iterations, converged = _iterate_agfit4(
            at, beta, step, best, sing0, iter_max, eps, toler_chol
        )

    var_s = chol_inverse(final.imat, sing)
    coef = beta * scale
    var = var_s * np.outer(scale, scale)
    u = final.u / scale
    # R (coxph.fit / agreg.fit): flag coefficients whose one-step change u' V is not
    # negligible although the loglik converged -> "coefficient may be infinite".
    infs = np.abs(u @ var)
    if iter_max > 1 and converged:
        if rs.counting:
            infinite = ~np.isfinite(u) | (infs > toler_inf * (1 + np.abs(coef)))
        else:
            infinite = ~np.isfinite(u) | ((infs > eps) & (infs > toler_inf * np.abs(coef)))
    else:
        infinite = np.zeros(p, dtype=bool)
    coef_out = coef.copy()
    if iter_max > 0:
        coef_out[sing] = np.nan
    lp_means = np.where(nocenter, 0.0, x.mean(axis=0) if rs.counting else means)
    lp = x @ coef - float(np.sum(coef * lp_means))
    return FitOutput(
        coef=coef_out,
        var=var,
        loglik_init=loglik0,
        loglik=final.loglik,
        score_test=score_test,
        u=u,
        iterations=iterations,
        converged=converged,
        singular=sing,
        infinite=infinite,
        linear_predictor=lp,
        means=lp_means,
    )


def _ratio(a: float, b: float) -> float:
    """IEEE division as in R's C code (0/0 is NaN, so never "converged"), without warnings."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(a) / np.float64(b))


def _rel_change(old: float, new: float) -> float:
    """``fabs(1 - old/new)``, the stopping criterion of coxfit6 / agfit4."""
    return abs(1.0 - _ratio(old, new))


def _finite(d: Derivatives) -> bool:
    return bool(np.isfinite(d.loglik) and np.isfinite(d.u).all() and np.isfinite(d.imat).all())


def _iterate_coxfit6(at, beta, step, best, iter_max, eps, toler_chol):
    """Main loop of R's ``coxfit6.c``: returns the converged (or last good) iterate."""
    newbeta = beta + step
    halving = 0
    for it in range(1, iter_max + 1):
        d = at(newbeta)
        sing = singular_columns(d.imat, toler_chol)
        ok = _finite(d)
        if ok and _rel_change(best, d.loglik) <= eps:
            return d, sing, newbeta, it, True
        if not ok or d.loglik < best:
            halving += 1  # "get more aggressive when it doesn't work"
            newbeta = (newbeta + halving * beta) / (halving + 1.0)
        else:
            halving = 0
            best = d.loglik
            step = chol_solve(d.imat, d.u, sing)
            beta = newbeta
            newbeta = newbeta + step
    # Out of iterations: R returns the last successful iterate (survival 3.4-1 NEWS).
    d = at(beta)
    return d, singular_columns(d.imat, toler_chol), beta, iter_max, False


def _iterate_agfit4(at, beta, step, best, sing0, iter_max, eps, toler_chol):
    """Main loop of R's ``agfit4.c`` (counting process): convergence needs no halving."""
    rank0 = int((~sing0).sum())
    oldbeta = beta
    beta = beta + step
    halving = 0
    d = None
    for it in range(1, iter_max + 1):
        d = at(beta)
        sing = singular_columns(d.imat, toler_chol)
        fail = int((~np.isfinite(np.diag(d.imat))).sum()) + int(not np.isfinite(d.loglik))
        fail += abs(rank0 - int((~sing).sum()))
        if fail == 0 and halving == 0 and _rel_change(best, d.loglik) <= eps:
            return d, sing, beta, it, True
        if it == iter_max:
            if iter_max > 1 and _ratio(d.loglik - best, abs(best)) < -eps:
                beta = oldbeta
                d = at(beta)
                sing = singular_columns(d.imat, toler_chol)
            return d, sing, beta, it, False
        if fail > 0 or d.loglik < best:
            halving += 1
            beta = (oldbeta * halving + beta) / (halving + 1.0)
        else:
            halving = 0
            best = d.loglik
            step = chol_solve(d.imat, d.u, sing)
            oldbeta = beta
            beta = beta + step
    return d, singular_columns(d.imat, toler_chol), beta, iter_max, False
