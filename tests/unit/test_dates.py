"""Calendar arithmetic: clamped calendar months and UTC instants (R-EXP-1, R-END-1, R-TIME-1)."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderflow import InvalidTime
from orderflow.domain.dates import add_months, after_days, require_aware

instants = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2400, 12, 31), timezones=st.just(timezone.utc)
)


@given(instants, st.integers(min_value=0, max_value=120))
def test_add_months_is_the_same_day_and_time_clamped_to_the_month_end(start: datetime, months: int) -> None:
    shifted = add_months(start, months)
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    assert (shifted.year, shifted.month, shifted.day) == (year, month, min(start.day, last_day))
    assert shifted.timetz() == start.timetz()


def test_add_months_works_on_the_utc_date() -> None:
    """00:30 on 1 March in Paris is still 28 February in UTC: five months later is 28 July UTC."""
    paris = datetime(2026, 3, 1, 0, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert add_months(paris, 5) == datetime(2026, 7, 28, 23, 30, tzinfo=timezone.utc)


def test_after_days_adds_24_hour_days() -> None:
    start = datetime(2026, 3, 28, 12, tzinfo=timezone.utc)
    assert after_days(start, 3) - start == timedelta(hours=72)


def test_require_aware_keeps_the_instant_in_utc() -> None:
    paris = datetime(2026, 3, 28, 12, tzinfo=ZoneInfo("Europe/Paris"))
    utc = require_aware(paris)
    assert utc.tzinfo is timezone.utc
    assert utc == paris


@pytest.mark.parametrize("value", [datetime(2026, 1, 1), "2026-01-01T00:00Z", 1_700_000_000])
def test_require_aware_rejects_naive_and_non_datetimes(value: object) -> None:
    with pytest.raises(InvalidTime):
        require_aware(value)


@pytest.mark.parametrize(
    ("year", "february"),
    [(2024, 29), (2025, 28), (2100, 28), (2000, 29), (1900, 28)],
)
def test_add_months_clamps_to_the_end_of_february_of_leap_and_century_years(year: int, february: int) -> None:
    end_of_january = datetime(year, 1, 31, 10, tzinfo=timezone.utc)
    assert add_months(end_of_january, 1) == datetime(year, 2, february, 10, tzinfo=timezone.utc)
