"""Date parsing with precision: ISO, ``dd.mm.yyyy``, ``dd/mm/yyyy``, Excel serials, partial dates.

Partial dates (``2016``, ``2016-03``, ``03.2016``) are common in chart review. They are kept
with their precision and imputed by a documented, selectable rule:

* ``middle`` (default): the 15th of the month, or 1 July of the year — the midpoint convention
  used for partially known dates in registry analyses;
* ``earliest`` / ``latest``: first / last possible day, for sensitivity analyses.

Date-order rules compare the *possible ranges* of two dates, so a partial date never breaks a
rule only because of its imputation (see :func:`date_bounds`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from ..model.types import DatePrecision


class PartialDateRule(StrEnum):
    MIDDLE = "middle"
    EARLIEST = "earliest"
    LATEST = "latest"


class SlashOrder(StrEnum):
    """Order of day and month in ``a/b/yyyy`` dates."""

    DAY_FIRST = "dmy"
    MONTH_FIRST = "mdy"


# Excel's day 0 is 1899-12-30 (it counts the non-existent 1900-02-29; serials after Feb 1900
# are therefore offset from 1899-12-31 by one).
EXCEL_EPOCH = dt.date(1899, 12, 30)

_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_DOTTED_MONTH = re.compile(r"^(\d{1,2})[./](\d{4})$")
_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$")
_TWO_DIGIT_YEAR = re.compile(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2}$")


@dataclass(frozen=True)
class ParsedDate:
    value: dt.date
    precision: DatePrecision


def _impute(year: int, month: int | None, rule: PartialDateRule) -> dt.date:
    if month is None:
        return {
            PartialDateRule.MIDDLE: dt.date(year, 7, 1),
            PartialDateRule.EARLIEST: dt.date(year, 1, 1),
            PartialDateRule.LATEST: dt.date(year, 12, 31),
        }[rule]
    last = calendar.monthrange(year, month)[1]
    day = {PartialDateRule.MIDDLE: 15, PartialDateRule.EARLIEST: 1, PartialDateRule.LATEST: last}[rule]
    return dt.date(year, month, day)


def slash_evidence(text: str) -> SlashOrder | None:
    """Which order a slash date proves: a first part > 12 must be a day, a second part > 12 too."""
    m = _SLASH.match(text)
    if not m:
        return None
    a, b = int(m.group(1)), int(m.group(2))
    if a > 12 >= b:
        return SlashOrder.DAY_FIRST
    if b > 12 >= a:
        return SlashOrder.MONTH_FIRST
    return None


def parse_date(
    text: str,
    *,
    slash_order: SlashOrder = SlashOrder.DAY_FIRST,
    partial: PartialDateRule = PartialDateRule.MIDDLE,
    fmt: str | None = None,
) -> ParsedDate:
    """Parse one date as written; raise ``ValueError`` with a reason when it is not a date.

    Examples
    --------
    >>> parse_date("2016-03-07")
    ParsedDate(value=datetime.date(2016, 3, 7), precision=<DatePrecision.DAY: 'day'>)
    >>> parse_date("07.03.2016").value
    datetime.date(2016, 3, 7)
    >>> parse_date("2016-03").value, parse_date("2016-03", partial=PartialDateRule.LATEST).value
    (datetime.date(2016, 3, 15), datetime.date(2016, 3, 31))
    >>> parse_date("42436").value  # an Excel serial
    datetime.date(2016, 3, 7)
    """
    s = text.strip()
    if fmt:
        try:
            return ParsedDate(dt.datetime.strptime(s, fmt).date(), DatePrecision.DAY)
        except ValueError:
            raise ValueError(f"does not match the date format {fmt!r}") from None
    try:
        if m := _ISO.match(s):
            return ParsedDate(dt.date(int(m[1]), int(m[2]), int(m[3])), DatePrecision.DAY)
        if m := _DOTTED.match(s):
            return ParsedDate(dt.date(int(m[3]), int(m[2]), int(m[1])), DatePrecision.DAY)
        if m := _SLASH.match(s):
            a, b, y = int(m[1]), int(m[2]), int(m[3])
            day, month = (a, b) if slash_order is SlashOrder.DAY_FIRST else (b, a)
            try:
                return ParsedDate(dt.date(y, month, day), DatePrecision.DAY)
            except ValueError:
                order = "dd/mm/yyyy" if slash_order is SlashOrder.DAY_FIRST else "mm/dd/yyyy"
                raise ValueError(f"not a valid {order} date (the column's slash dates are {order})") from None
        if m := _ISO_MONTH.match(s):
            return ParsedDate(_impute(int(m[1]), int(m[2]), partial), DatePrecision.MONTH)
        if m := _DOTTED_MONTH.match(s):
            return ParsedDate(_impute(int(m[2]), int(m[1]), partial), DatePrecision.MONTH)
        if m := _YEAR.match(s):
            year = int(m[1])
            if not 1850 <= year <= 2200:
                raise ValueError("year out of range")
            return ParsedDate(_impute(year, None, partial), DatePrecision.YEAR)
        if m := _SERIAL.match(s):
            return ParsedDate(EXCEL_EPOCH + dt.timedelta(days=int(m[1])), DatePrecision.DAY)
    except ValueError as exc:
        if "valid" in str(exc) or "range" in str(exc):
            raise
        raise ValueError("no such calendar date") from None
    if _TWO_DIGIT_YEAR.match(s):
        raise ValueError("two-digit years are ambiguous; write the year in full")
    raise ValueError("not a date (expected e.g. 2016-03-07, 07.03.2016, 07/03/2016, 2016-03 or 2016)")


def date_bounds(values: np.ndarray, precision: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Earliest and latest possible day of each (possibly partial) date, as ``datetime64[D]``.

    ``values`` are imputed dates (``datetime64[D]``, NaT where missing) and ``precision`` the
    matching :class:`DatePrecision` strings. Date-order rules flag a violation only when even
    the most favourable reading of two partial dates is out of order.
    """
    values = values.astype("datetime64[D]")
    lo = values.copy()
    hi = values.copy()
    prec = np.asarray(precision, dtype=object)
    is_month = prec == DatePrecision.MONTH.value
    is_year = prec == DatePrecision.YEAR.value
    if is_month.any():
        months = values[is_month].astype("datetime64[M]")
        lo[is_month] = months.astype("datetime64[D]")
        hi[is_month] = (months + 1).astype("datetime64[D]") - 1
    if is_year.any():
        years = values[is_year].astype("datetime64[Y]")
        lo[is_year] = years.astype("datetime64[D]")
        hi[is_year] = (years + 1).astype("datetime64[D]") - 1
    return lo, hi
