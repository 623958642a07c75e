"""Date parsing: formats, precision, imputation rules, and never a crash on arbitrary text."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linewise.io.dates import PartialDateRule, SlashOrder, date_bounds, parse_date, slash_evidence
from linewise.model.types import DatePrecision


@pytest.mark.parametrize(
    ("text", "expected", "precision"),
    [
        ("2016-03-07", dt.date(2016, 3, 7), "day"),
        ("2016/03/07", dt.date(2016, 3, 7), "day"),
        ("2016-03-07 00:00:00", dt.date(2016, 3, 7), "day"),
        ("07.03.2016", dt.date(2016, 3, 7), "day"),
        ("7.3.2016", dt.date(2016, 3, 7), "day"),
        ("07/03/2016", dt.date(2016, 3, 7), "day"),
        ("42436", dt.date(2016, 3, 7), "day"),  # Excel serial: 42436 days after 1899-12-30
        ("2016-03", dt.date(2016, 3, 15), "month"),
        ("03.2016", dt.date(2016, 3, 15), "month"),
        ("2016", dt.date(2016, 7, 1), "year"),
    ],
)
def test_formats_and_middle_imputation(text, expected, precision):
    parsed = parse_date(text)
    assert parsed.value == expected
    assert parsed.precision == DatePrecision(precision)


def test_partial_date_rules():
    assert parse_date("2016-02", partial=PartialDateRule.EARLIEST).value == dt.date(2016, 2, 1)
    assert parse_date("2016-02", partial=PartialDateRule.LATEST).value == dt.date(2016, 2, 29)  # leap year
    assert parse_date("2015", partial=PartialDateRule.LATEST).value == dt.date(2015, 12, 31)


def test_slash_order_and_evidence():
    assert parse_date("03/07/2016", slash_order=SlashOrder.MONTH_FIRST).value == dt.date(2016, 3, 7)
    assert slash_evidence("25/03/2016") is SlashOrder.DAY_FIRST
    assert slash_evidence("03/25/2016") is SlashOrder.MONTH_FIRST
    assert slash_evidence("03/04/2016") is None
    with pytest.raises(ValueError, match="dd/mm/yyyy"):
        parse_date("03/25/2016", slash_order=SlashOrder.DAY_FIRST)


@pytest.mark.parametrize("text", ["2016-13-45", "31.02.2016", "yesterday", "16.03.16", "12/2016/03", ""])
def test_invalid_dates_raise_value_error(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_explicit_format():
    assert parse_date("2016|03|07", fmt="%Y|%m|%d").value == dt.date(2016, 3, 7)
    with pytest.raises(ValueError, match="format"):
        parse_date("2016-03-07", fmt="%d/%m/%Y")


def test_bounds_of_partial_dates():
    values = np.array(["2016-03-15", "2016-07-01", "2016-03-07", "NaT"], dtype="datetime64[D]")
    lo, hi = date_bounds(values, np.array(["month", "year", "day", None], dtype=object))
    assert lo[:3].tolist() == [dt.date(2016, 3, 1), dt.date(2016, 1, 1), dt.date(2016, 3, 7)]
    assert hi[:3].tolist() == [dt.date(2016, 3, 31), dt.date(2016, 12, 31), dt.date(2016, 3, 7)]
    assert np.isnat(lo[3]) and np.isnat(hi[3])


@given(st.text(max_size=30))
def test_arbitrary_text_parses_or_raises_value_error(text):
    try:
        parsed = parse_date(text)
    except ValueError:
        return
    assert isinstance(parsed.value, dt.date)


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31)))
def test_round_trip_every_written_form(day):
    for text in (day.isoformat(), day.strftime("%d.%m.%Y"), day.strftime("%d/%m/%Y")):
        assert parse_date(text).value == day
    serial = (day - dt.date(1899, 12, 30)).days
    if serial >= 10000:
        assert parse_date(str(serial)).value == day
