"""Input checks shared by the statistics functions.

A user passing the wrong arrays gets a :class:`StatsInputError` (a ``ValueError``) naming the
argument, the first offending position and value, and the rule it broke.
"""

from __future__ import annotations

import numpy as np


class StatsInputError(ValueError):
    """Bad input to a statistics function (wrong length, NaN, negative time, ...)."""


def as_float_array(name: str, values, *, n: int | None = None, allow_nan: bool = False) -> np.ndarray:
    """Return ``values`` as a 1-D float array, checking length and missing values."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"{name}: cannot be read as numbers ({exc})") from None
    if arr.ndim != 1:
        arr = arr.reshape(-1) if arr.size == max(arr.shape, default=0) else arr
        if arr.ndim != 1:
            raise StatsInputError(f"{name}: expected a 1-D array, got shape {np.shape(values)}")
    if n is not None and arr.shape[0] != n:
        raise StatsInputError(f"{name}: length {arr.shape[0]} differs from time's length {n}")
    if not allow_nan:
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            i = int(bad[0])
            raise StatsInputError(
                f"{name}: position {i} is {arr[i]!r}; missing or infinite values are not allowed "
                f"({bad.size} such value(s))"
            )
    return arr


def as_event_array(name: str, values, *, n: int) -> np.ndarray:
    """Return an event indicator as a boolean array; only 0/1 (or booleans) are accepted."""
    arr = as_float_array(name, values, n=n)
    bad = np.flatnonzero((arr != 0) & (arr != 1))
    if bad.size:
        i = int(bad[0])
        raise StatsInputError(f"{name}: position {i} is {arr[i]!r}; an event indicator must be 0 or 1")
    return arr.astype(bool)
