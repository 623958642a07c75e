"""Merge near-equal times as R's ``survival`` does (``aeqSurv``, the ``timefix`` option).

Floating point can make two times that are "the same" differ in the last bits (e.g. a
time computed as ``(date2 - date1) / 365.25`` on two paths).  R's ``survival`` 3.x treats
times closer than ``sqrt(.Machine$double.eps)`` (absolute, or relative to the mean absolute
time) as tied before fitting ``survfit``, ``coxph`` and ``survdiff``; matching R therefore
requires doing the same here.  Reference: ``survival::aeqSurv`` and the ``timefix``
argument of ``survival::coxph.control`` / ``survfit``.
"""

from __future__ import annotations

import numpy as np

from ._validate import StatsInputError

#: R's default tolerance, ``sqrt(.Machine$double.eps)``.
DEFAULT_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


def unique_values(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of a float array; whole numbers in a modest range (days) without a sort.

    Registry times are mostly whole days: a presence table over their range finds the
    distinct values in two linear passes, where ``np.unique`` sorts a million values.
    """
    values = np.asarray(values, dtype=float).ravel()
    if values.size > 1000:
        lo, hi = float(values.min()), float(values.max())
        if -(2.0**52) < lo and hi < 2.0**52 and hi - lo <= 4 * values.size:
            codes = values.astype(np.int64)
            if np.array_equal(codes, values):  # whole numbers only (int64 <-> float exact here)
                codes -= int(lo)
                present = np.zeros(int(hi - lo) + 1, dtype=bool)
                present[codes] = True
                return np.flatnonzero(present) + lo
    return np.unique(values)


def timefix(*times, tolerance: float = DEFAULT_TOLERANCE) -> tuple[np.ndarray, ...]:
    """Replace near-equal time values by one representative, as ``survival::aeqSurv``.

    All time arrays (e.g. entry and exit of counting-process data) are pooled: the sorted
    unique finite values are scanned and a value within ``tolerance`` of its predecessor
    (absolutely, or relative to the mean absolute value) joins the predecessor's group;
    every time is then replaced by the smallest value of its group.

    Parameters
    ----------
    *times : array_like of float
        One or more time arrays (e.g. ``time`` or ``entry, time``); all must be finite.
    tolerance : float, default ``sqrt(machine epsilon)``
        R's ``aeqSurv`` tolerance; ``0`` or less returns the inputs unchanged.

    Returns
    -------
    tuple of numpy.ndarray
        The adjusted arrays, in the order given.

    Raises
    ------
    StatsInputError
        If, for two arrays (entry, exit), an interval collapses to length zero, which R
        reports as "aeqSurv exception, an interval has effective length 0".

    Examples
    --------
    >>> (t,) = timefix([1.0, 1.0 + 1e-12, 2.0])
    >>> t.tolist()
    [1.0, 1.0, 2.0]
    """
    return timefix_with_unique(*times, tolerance=tolerance)[0]


def timefix_with_unique(*times, tolerance: float = DEFAULT_TOLERANCE) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """:func:`timefix`, and the sorted distinct finite values of the adjusted arrays.

    The distinct values come out of the merge anyway; the Cox engine needs them next
    (to rank the times), so handing them on saves finding them again.
    """
    arrays = tuple(np.asarray(t, dtype=float) for t in times)
    if not arrays:
        return arrays, np.zeros(0)
    flat = np.concatenate([a.ravel() for a in arrays])
    finite = np.isfinite(flat)
    values = flat if finite.all() else flat[finite]
    pooled = unique_values(values)
    if tolerance <= 0 or pooled.size < 2:
        return arrays, pooled
    dy = np.diff(pooled)
    # aeqSurv: tied when the gap is small absolutely OR relative to mean(abs(y)).
    tied = (dy <= tolerance) | (dy / np.mean(np.abs(pooled)) <= tolerance)
    if not tied.any():
        return arrays, pooled
    # findInterval(x, cuts) with cuts = the first value of each run of tied values: every
    # value maps to the first value of its run.  Done through the sorted unique values
    # (np.unique's inverse) rather than a binary search per value in random order.
    run = np.cumsum(np.concatenate(([0], ~tied)))
    first_of_run = pooled[np.flatnonzero(np.concatenate(([True], ~tied)))]
    _, inverse = np.unique(values, return_inverse=True)
    fixed_values = first_of_run[run][inverse.ravel()]
    if values is flat:
        fixed_flat = fixed_values
    else:
        fixed_flat = flat.copy()
        fixed_flat[finite] = fixed_values
    out = []
    offset = 0
    for a in arrays:
        out.append(fixed_flat[offset : offset + a.size].reshape(a.shape).copy())
        offset += a.size
    if len(out) == 2:
        start, stop = arrays
        collapsed = (out[0] == out[1]) & (start != stop)
        if collapsed.any():
            i = int(np.flatnonzero(collapsed)[0])
            raise StatsInputError(
                f"entry/time: position {i} has entry {start[i]!r} and time {stop[i]!r}, which are "
                "near-equal; the interval has effective length 0 (R's aeqSurv exception)"
            )
    return tuple(out), first_of_run
