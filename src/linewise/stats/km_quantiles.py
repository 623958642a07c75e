"""Reading medians, quantiles, restricted means and values at given times off a KM curve.

R has two slightly different rules and both are reproduced:

* ``print.survfit`` (``survival:::survmean``, inner ``minmin``): the median is the first time
  the curve is below ``0.5 + tol``; when the curve is (within ``tol``) exactly 0.5 there and
  drops lower later, the midpoint between that time and the time of the next drop.
  The CI limits are read the same way off the lower and upper curves.
* ``quantile.survfit`` (``survival:::findq``): the ``p`` quantile is read off ``1 - S``
  (with the start time and 0 prepended) within ``tol``; a flat stretch at exactly ``1 - p``
  gives the midpoint to the next drop, and a flat stretch at exactly ``1 - p`` that lasts to
  the end of follow-up gives the midpoint to the last follow-up time (print gives the start of
  the stretch instead).

``tol`` is R's ``sqrt(.Machine$double.eps)``. A curve that never gets low enough gives NaN
("not reached"), never an extrapolated number.
"""

from __future__ import annotations

import numpy as np

#: R's tolerance for survival probabilities equal to a quantile level.
TOLERANCE = float(np.sqrt(np.finfo(float).eps))


def median_print_rule(time: np.ndarray, curve: np.ndarray, tol: float = TOLERANCE) -> float:
    """Median of a step curve as ``print.survfit`` reads it (``survmean``'s ``minmin``).

    Examples
    --------
    >>> import numpy as np
    >>> median_print_rule(np.array([1.0, 2.0, 3.0, 5.0]), np.array([0.75, 0.5, 0.5, 0.0]))
    3.5
    """
    keep = ~np.isnan(curve) & (curve < 0.5 + tol)
    if not keep.any():
        return float("nan")
    x, y = time[keep], curve[keep]
    if abs(y[0] - 0.5) < tol:
        lower = np.flatnonzero(y < y[0])
        if lower.size:
            return float((x[0] + x[lower[0]]) / 2)
    return float(x[0])


def quantile_findq(
    time: np.ndarray, curve: np.ndarray, p: float, start: float = 0.0, tol: float = TOLERANCE
) -> float:
    """The ``p`` quantile of a step curve as ``quantile.survfit`` reads it (``findq``).

    ``curve`` is S (or a confidence limit of S) at ``time``; the cumulative probability is
    ``c(0, 1 - curve)`` at ``c(start, time)``. Values repeated later are dropped (R's
    ``duplicated``), then the first point with ``F >= p - tol`` and the first with
    ``F >= p + tol`` are averaged: equal when the curve jumps past ``1 - p``, the two ends of a
    flat stretch when it sits at ``1 - p``. R interpolates with ``approx`` which orders the
    points by ``F``; that is kept here for curves that are not monotone (an upper limit can
    rise after a late event).

    Examples
    --------
    >>> import numpy as np
    >>> quantile_findq(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.75, 0.5, 0.5, 0.5]), 0.5)
    3.0
    """
    x = np.concatenate(([start], time))
    f = np.concatenate(([0.0], 1.0 - curve))
    finite = ~np.isnan(f)
    if not finite.any() or np.max(f[finite]) < p:
        return float("nan")
    xmax = x[-1]
    # drop values seen before (keep first occurrence; NaN counts as one value, as in R)
    _, first = np.unique(f, return_index=True)
    first = np.sort(first)
    x, f = x[first], f[first]
    ok = ~np.isnan(f)

    def first_at_least(shifted: np.ndarray) -> int | None:
        # approx(shifted, index, p, "constant", f = 1): the point with the smallest
        # shifted value >= p (NA when p is outside the range of the shifted values)
        cand = np.flatnonzero(ok & (shifted >= p))
        if not cand.size or p < np.min(shifted[ok]):
            return None
        return int(cand[np.argmin(f[cand])])

    i1 = first_at_least(f + tol)
    i2 = first_at_least(f - tol)
    q = float("nan") if i1 is None or i2 is None else float((x[i1] + x[i2]) / 2)
    if p == 0:
        q = float(x[0])
    if ok[-1] and abs(p - f[-1]) < tol:
        # a flat stretch at exactly 1 - p that lasts to the end of follow-up
        q = float("nan") if i1 is None else float((x[i1] + xmax) / 2)
    return q


def restricted_mean(
    time: np.ndarray,
    surv: np.ndarray,
    n_risk: np.ndarray,
    n_event: np.ndarray,
    tau: float,
    start: float = 0.0,
) -> tuple[float, float]:
    """Restricted mean survival up to ``tau`` and its standard error, as ``survmean``.

    The mean is the area under the step curve from ``start`` to ``tau``; its variance is
    ``sum_i A_i^2 d_i / (n_i (n_i - d_i))`` over times ``t_i <= tau``, with ``A_i`` the area
    under the curve between ``t_i`` and ``tau`` (``print(fit, rmean = tau)``).

    Examples
    --------
    >>> import numpy as np
    >>> restricted_mean(np.array([1.0, 2.0]), np.array([0.5, 0.0]), np.array([2.0, 1.0]),
    ...                 np.array([1.0, 1.0]), tau=2.0)  # se: 0.5 * sqrt(1 / (2 * 1))
    (1.5, 0.3535533905932738)
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        hh = np.where(n_risk - n_event == 0, 0.0, n_event / (n_risk * (n_risk - n_event)))
    keep = time <= tau
    if not keep.any():
        ttime, tsurv, thh = np.array([tau]), np.array([1.0]), np.array([0.0])
    else:
        ttime = np.concatenate((time[keep], [tau]))
        tsurv = np.concatenate((surv[keep], [surv[keep][-1]]))
        thh = np.concatenate((hh[keep], [0.0]))
    delta = np.diff(np.concatenate(([start], ttime)))
    rect = delta * np.concatenate(([1.0], tsurv[:-1]))
    area_after = np.cumsum(rect[1:][::-1])
    var = float(np.sum(area_after**2 * thh[::-1][1:]))
    return float(np.sum(rect) + start), float(np.sqrt(var))


def values_at(
    times: np.ndarray,
    curve_time: np.ndarray,
    columns: dict[str, np.ndarray],
    n_risk: np.ndarray,
    n_event: np.ndarray,
    n_censor: np.ndarray,
    start: float = 0.0,
    extend: bool = False,
) -> dict[str, np.ndarray]:
    """Curve values and counts at requested (sorted) times, as ``summary(fit, times = )``.

    As ``summary.survfit``: a row at ``start`` with S = 1 (limits 1, se 0) is put in front
    (``survfit0``); the curve value is the last row at or before each time; ``n_risk`` is the
    number at risk at the first curve time >= the requested time (0 past the end);
    ``n_event``/``n_censor`` count what happened since the previous requested time. Times
    after the last curve time are NaN unless ``extend`` (R's ``extend = TRUE`` carries the
    last value forward).
    """
    add = curve_time.shape[0] == 0 or curve_time[0] != start
    def pad(a, v):
        return np.concatenate(([v], a)) if add else a

    t0 = pad(curve_time, start)
    risk0 = pad(n_risk, n_risk[0] if n_risk.size else 0.0)
    i1 = np.searchsorted(t0, times, side="right")  # rows <= t
    row = np.maximum(i1, 1) - 1
    i2 = np.searchsorted(t0, times, side="left")  # rows < t
    out = {"n_risk": np.concatenate((risk0, [0.0]))[i2]}
    for name, counts in (("n_event", n_event), ("n_censor", n_censor)):
        cum = np.concatenate(([0.0], np.cumsum(pad(counts, 0.0))))[i1]
        out[name] = np.diff(np.concatenate(([0.0], cum)))
    beyond = times > t0[-1]
    for name, (values, first) in columns.items():
        v = pad(values, first)[row]
        if not extend:
            v = np.where(beyond, np.nan, v)
        out[name] = v
    return out
