"""Brent's root finder with the stopping rule of R's ``uniroot``.

Why not :func:`scipy.optimize.brentq`: R's ``fisher.test`` reports the conditional maximum
likelihood odds ratio and its confidence limits as ``uniroot(...)$root`` with uniroot's
*default* tolerance (``.Machine$double.eps^0.25`` ~ 1.2e-4). Those figures are therefore only
accurate to ~1e-4, and a more precise root would disagree with what R prints in the fourth
digit. To report the numbers R reports we follow the same iteration: Brent's (1973) zero finder
in the classic Forsythe-Malcolm-Moler "zeroin" form (interpolation step accepted only when it
stays inside the bracket and shrinks fast enough, otherwise bisection), which is the algorithm
R's ``uniroot`` calls (``R_zeroin2``), started from the two bracket ends and their function
values.

References
----------
Brent, R. P. (1973). *Algorithms for Minimization without Derivatives*, ch. 4.
Forsythe, Malcolm & Moler (1977). *Computer Methods for Mathematical Computations*, "zeroin".
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: R's ``uniroot`` default tolerance, ``.Machine$double.eps^0.25``.
R_UNIROOT_TOL = float(np.finfo(float).eps) ** 0.25
_EPS = float(np.finfo(float).eps)


def zeroin(
    f: Callable[[float], float],
    lower: float,
    upper: float,
    *,
    tol: float = R_UNIROOT_TOL,
    maxiter: int = 1000,
) -> float:
    """Root of ``f`` in ``[lower, upper]`` (``f(lower)`` and ``f(upper)`` of opposite sign).

    Mirrors R's ``uniroot(f, c(lower, upper))$root`` (same tolerance, same iteration), so that
    results computed through it agree with R beyond the tolerance itself.
    """
    a, b = float(lower), float(upper)
    fa, fb = float(f(a)), float(f(b))
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    if fa * fb > 0:
        raise ValueError("zeroin: f(lower) and f(upper) have the same sign")
    # c is the point with f of opposite sign to f(b); b is the current best estimate.
    c, fc = a, fa
    for _ in range(maxiter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            # Keep b as the end with the smaller |f|.
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2.0 * _EPS * abs(b) + tol / 2.0
        new_step = (c - b) / 2.0
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            # Try interpolation: secant when only two distinct points, inverse quadratic else.
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            # Accept the interpolated step only if it stays well inside the bracket and is
            # smaller than half the step before last (otherwise bisect).
            if p < (0.75 * cb * q - abs(tol_act * q) / 2.0) and p < abs(prev_step * q / 2.0):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = float(f(b))
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b
