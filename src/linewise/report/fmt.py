"""How numbers are printed in the report: one place, so tables, figures and tests agree.

Conventions are those of clinical journals: p-values with three decimals and ``<0.001``;
medians and CIs with one decimal and an en dash between limits; a median or a limit the
Kaplan-Meier curve never reaches printed as "NR" (not reached), never invented (R prints NA);
suppressed counts (``"<5"``) printed as they come.
"""

from __future__ import annotations

import math

__all__ = ["fmt_ci", "fmt_count", "fmt_n", "fmt_num", "fmt_p", "fmt_pct", "is_missing", "is_suppressed"]

NOT_REACHED = "NR"
NOT_ESTIMABLE = "NE"
DASH = "\u2013"  # en dash, as journals print ranges
#: Printed for a value withheld because it would reveal a suppressed count.
WITHHELD = "\u2014"
_HIDDEN = "suppressed"  # suppress.HIDDEN (not imported: fmt has no dependencies)


def is_suppressed(value) -> bool:
    """True for a count replaced by small-cell suppression (a string such as ``"<5"``).

    Examples
    --------
    >>> is_suppressed("<5"), is_suppressed(5)
    (True, False)
    """
    return isinstance(value, str) and value.startswith("<")


def is_missing(value) -> bool:
    """True for None and NaN (JSON null: not reached, not estimable or not given)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_count(value) -> str:
    """A count with thousands separators; a suppressed count as it is.

    Examples
    --------
    >>> fmt_count(100000), fmt_count("<5"), fmt_count(None)
    ('100,000', '<5', '')
    """
    if is_missing(value):
        return ""
    if isinstance(value, str):
        return value
    return f"{int(round(float(value))):,}"


def fmt_n(value, name: str = "n") -> str:
    """``n = 1,234`` for a count, ``n < 5`` for a suppressed one (never "n = <5").

    Examples
    --------
    >>> fmt_n(883), fmt_n("<5")
    ('n = 883', 'n < 5')
    """
    if is_suppressed(value):
        return f"{name} < {value[1:]}"
    return f"{name} = {fmt_count(value)}"


def fmt_num(value, digits: int = 1, missing: str = NOT_REACHED) -> str:
    """A number with fixed decimals; ``missing`` (default "NR") for None/NaN.

    Examples
    --------
    >>> fmt_num(7.8123), fmt_num(float("nan")), fmt_num(2.8345, 2)
    ('7.8', 'NR', '2.83')
    """
    if is_missing(value):
        return missing
    if value == _HIDDEN:
        return WITHHELD
    if isinstance(value, str):
        return value
    return f"{float(value):.{digits}f}"


def fmt_ci(lower, upper, digits: int = 1, missing: str = NOT_REACHED) -> str:
    """Confidence limits as ``lower–upper``; an unreached limit as "NR".

    Examples
    --------
    >>> fmt_ci(2.3, None)
    '2.3–NR'
    """
    return f"{fmt_num(lower, digits, missing)}{DASH}{fmt_num(upper, digits, missing)}"


def fmt_p(p, digits: int = 3) -> str:
    """A p-value as journals print it: ``<0.001``, three decimals otherwise, ``>0.999``.

    Examples
    --------
    >>> fmt_p(0.00302), fmt_p(0.0000001), fmt_p(0.2566), fmt_p(None)
    ('0.003', '<0.001', '0.257', '')
    """
    if is_missing(p):
        return ""
    if isinstance(p, str):
        return WITHHELD if p == _HIDDEN else p
    p = float(p)
    floor = 10.0**-digits
    if p < floor:
        return f"<{floor:.{digits}f}"
    if p > 1.0 - floor:
        return f">{1.0 - floor:.{digits}f}"
    return f"{p:.{digits}f}"


def fmt_pct(value, digits: int = 1) -> str:
    """A percentage (0-100 scale) with fixed decimals; empty when missing or suppressed.

    Examples
    --------
    >>> fmt_pct(72.2222), fmt_pct(None)
    ('72.2', '')
    """
    if is_missing(value):
        return ""
    if isinstance(value, str):
        return WITHHELD if value == _HIDDEN else value
    return f"{float(value):.{digits}f}"
