"""Newton-Raphson engine for the Cox partial likelihood (Efron and Breslow ties).

Pure numpy on arrays; the public wrapper is :func:`linewise.stats.cox.cox`.

What is computed, and why it matches R ``survival`` 3.5 (``coxph.fit`` -> C ``coxfit6`` for
right-censored data, ``agreg.fit`` -> C ``agfit4`` for counting-process data):

* Risk sets.  A subject is at risk at event time ``t`` of its own stratum when
  ``entry < t <= time`` (``entry = -inf`` without delayed entry).  Event times are grouped
  per (stratum, time); a group with ``d`` event records and summed event weight ``W`` has
  Efron terms ``r = 0..d-1`` with denominator ``S0 - (r/d) D0`` (Breslow: ``r/d`` := 0),
  each weighted ``W/d`` (Therneau & Grambsch 2000, section 3.3; ``coxfit6.c``).
* Vectorised.  The rows are sorted once by (stratum, time, events first)
  (:mod:`.cox_risk`); each Newton step is one call of :func:`.cox_derivatives.derivatives`
  (block sums of the risks, one weighted Gram matrix, per-group Efron sums; no Python
  loop over rows or times).  Scratch arrays are reused across steps; the scaling of the
  covariates is applied to beta, the score and the information rather than to the
  (n x p) matrix.
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

from ._parallel import map_rows
from .cox_derivatives import (  # noqa: F401  (re-exported: the residuals and cox.zph use them)
    _CHUNK_BYTES,
    Derivatives,
    _at_risk_sums,
    _weighted_gram,
    derivatives,
)
from .cox_risk import Blocks, RiskSets, build_risk_sets  # noqa: F401  (re-exported)

#: ``coxph.control()`` defaults.
EPS = 1e-9
TOLER_CHOL = float(np.finfo(float).eps) ** 0.75
ITER_MAX = 20
TOLER_INF = float(np.sqrt(EPS))


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
    means: np.ndarray
    xc: np.ndarray  # the covariates in the sorted order of the risk sets, centred at ``center``
    center: np.ndarray


def _center_scale(x, rs: RiskSets, nocenter):
    """R's centring and scaling (``coxfit6.c`` / ``agfit4.c``) of the covariates.

    Returns (xc, center, scale, event_x): ``xc = x[rs.order] - center`` in C order; the
    Newton iteration applies ``scale`` through beta, the score and the information
    (p-sized), which is the same as working on ``xc * scale``; ``event_x`` is the
    weighted sum of ``xc`` over the event records.  Columns with values in {-1, 0, 1}
    only are left alone (``coxph(nocenter = c(-1, 0, 1))``).

    One pass over cache-sized row chunks: gather the rows into sorted order, centre
    them, and accumulate ``sum w |x - center|`` and the event sum while the chunk is in
    the cache (no (n x p) temporaries).
    """
    w = rs.weights
    x = np.asarray(x, dtype=float)
    n, p = x.shape
    if rs.counting:
        # agfit4 uses only observations at risk for some event (agreg.fit's 'ignore'),
        # and (as released) centres each column at the first of them in its sort order:
        # lowest stratum code, then largest exit time, then original order.
        used = rs.hi > rs.lo
        first = np.flatnonzero(used)[
            np.lexsort((rs.order[used], -rs.obs_time[used], rs.obs_stratum[used]))[0]
        ]
        center = x[rs.order[first]].copy()
        w_dev = np.where(used, w, 0.0)
    else:
        if rs.unit_weights:
            parts = map_rows(lambda a, b: np.einsum("ij->j", x[a:b]), n)
            denom = n
        else:
            w_orig = np.empty(n)
            w_orig[rs.order] = w
            parts = map_rows(lambda a, b: np.einsum("i,ij->j", w_orig[a:b], x[a:b]), n)
            denom = np.sum(w)
        center = parts[0]
        for other in parts[1:]:
            center += other
        center /= denom
        w_dev = w
    center = np.where(nocenter, 0.0, center)
    w_event = np.where(rs.event, w, 0.0)
    # numpy's take gathers from a row-major array (it would copy any other layout on
    # every call): pandas keeps columns contiguous, so such an x is made row-major once
    x = x if x.flags.c_contiguous else np.ascontiguousarray(x)
    xc = np.empty((n, p))
    rows = max(256, _CHUNK_BYTES // (8 * max(p, 1)))

    def part(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        buf = np.empty((min(rows, stop - start), p))
        dev, ex = np.zeros(p), np.zeros(p)
        for a in range(start, stop, rows):
            b = min(a + rows, stop)
            chunk = xc[a:b]
            np.take(x, rs.order[a:b], axis=0, out=chunk, mode="clip")  # (clip: unbuffered)
            chunk -= center
            ex += w_event[a:b] @ chunk
            dev += w_dev[a:b] @ np.abs(chunk, out=buf[: b - a])
        return dev, ex

    parts = map_rows(part, n, align=rows)
    dev, event_x = parts[0]
    for d_, e_ in parts[1:]:
        dev += d_
        event_x += e_
    with np.errstate(divide="ignore"):
        scale = np.where(nocenter | (dev <= 0), 1.0, np.sum(w_dev) / dev)
    return xc, center, scale, event_x


def _nocenter(x: np.ndarray) -> np.ndarray:
    """Columns whose values are all in {-1, 0, 1} (R's default ``nocenter``)."""
    out = np.zeros(x.shape[1], dtype=bool)
    for j in range(x.shape[1]):
        # a cheap look at the first rows rules out most columns before the full scan
        for part in (x[:64, j], x[:, j]):
            a = np.abs(part)
            if not ((a == 0) | (a == 1)).all():
                break
        else:
            out[j] = True
    return out


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
    nocenter = _nocenter(x)
    xc, means, scale, event_x = _center_scale(x, rs, nocenter)
    outer = np.outer(scale, scale)
    work: dict = {}
    eta = np.empty(n)

    def at(beta):
        # derivatives with respect to the scaled coefficients (R's working scale)
        # einsum: a single-threaded pass (a threaded BLAS gemv only adds waiting on a busy machine)
        bs = beta * scale
        if beta.any():
            map_rows(lambda a, b: np.einsum("ij,j->i", xc[a:b], bs, out=eta[a:b]), n)
        else:
            eta.fill(0.0)  # the start, beta = 0
        d = derivatives(rs, xc, eta, event_x=event_x, work=work, event_eta=float(event_x @ bs))
        return _Step(d.loglik, d.u * scale, d.imat * outer)

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
    var = var_s * outer
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
    # the centring constants of the linear predictor (R's fit$means)
    lp_means = np.where(nocenter, 0.0, x.mean(axis=0) if rs.counting else means)
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
        means=lp_means,
        xc=xc,
        center=means,
    )


@dataclass(frozen=True)
class _Step:
    """What the Newton iteration keeps of one evaluation (working scale)."""

    loglik: float
    u: np.ndarray
    imat: np.ndarray


def _ratio(a: float, b: float) -> float:
    """IEEE division as in R's C code (0/0 is NaN, so never "converged"), without warnings."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(a) / np.float64(b))


def _rel_change(old: float, new: float) -> float:
    """``fabs(1 - old/new)``, the stopping criterion of coxfit6 / agfit4."""
    return abs(1.0 - _ratio(old, new))


def _finite(d: _Step) -> bool:
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
