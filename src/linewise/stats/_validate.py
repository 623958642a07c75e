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


def as_group_array(name: str, values, *, n: int) -> tuple[np.ndarray, list]:
    """Return integer codes ``0..k-1`` and the ordered group labels of a grouping variable.

    Labels are ordered as R orders factor levels: a pandas ``Categorical`` keeps its category
    order (unused categories dropped), anything else uses the sorted unique values, as
    ``factor(x)`` does. Missing values are refused, naming the first position.
    """
    import pandas as pd  # local: keep the module importable without pandas for array checks

    if isinstance(values, pd.Series | pd.Index):
        values = values.array if isinstance(values.dtype, pd.CategoricalDtype) else values.to_numpy()
    try:
        if isinstance(values, pd.Categorical):
            cat = values.remove_unused_categories()
            codes, levels = np.asarray(cat.codes, dtype=np.intp), list(cat.categories)
        else:
            arr = np.asarray(values)
            if arr.ndim != 1:
                raise StatsInputError(f"{name}: expected a 1-D array, got shape {arr.shape}")
            codes, uniques = pd.factorize(arr, sort=True)
            codes, levels = np.asarray(codes, dtype=np.intp), list(uniques)
    except StatsInputError:
        raise
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"{name}: cannot be used as group labels ({exc})") from None
    if codes.shape[0] != n:
        raise StatsInputError(f"{name}: length {codes.shape[0]} differs from time's length {n}")
    bad = np.flatnonzero(codes < 0)
    if bad.size:
        raise StatsInputError(
            f"{name}: position {int(bad[0])} is missing; group labels must not be missing "
            f"({bad.size} such value(s))"
        )
    # plain Python labels (not numpy scalars) so they print and compare like the user's values
    return codes, [v.item() if isinstance(v, np.generic) else v for v in levels]


def as_probability(name: str, value, *, open_interval: bool = False) -> float:
    """Return ``value`` as a float in [0, 1] (or (0, 1) when ``open_interval``)."""
    try:
        p = float(value)
    except (TypeError, ValueError):
        raise StatsInputError(f"{name}: {value!r} is not a number") from None
    ok = (0.0 < p < 1.0) if open_interval else (0.0 <= p <= 1.0)
    if not ok:
        interval = "strictly between 0 and 1" if open_interval else "between 0 and 1"
        raise StatsInputError(f"{name}: {value!r} must be {interval}")
    return p


def as_choice(name: str, value, choices: dict):
    """Return ``choices[value]``; ``choices`` maps every accepted spelling to its canonical form."""
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise StatsInputError(f"{name}: {value!r} is not one of {allowed}")
    return choices[value]
