"""Calendar arithmetic of the rule book: aware instants, 24-hour days, clamped calendar months."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from .errors import InvalidTime

DAY = timedelta(days=1)  # R-TIME-1: a day is exactly 24 hours
#: ``timezone.utc`` as a module global: a class attribute is not a specialized load in Python 3.11.
UTC = timezone.utc

#: The supported instants: from EARLIEST included to LATEST excluded (docs/model.md, supported
#: ranges). Every deadline is at most a few capped durations after an instant of this range, so
#: the thousand years left before ``datetime.max`` keep every later computation representable.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
#: The longest duration of a policy or a service (days), and the most calendar months.
MAX_WINDOW_DAYS = 3650
MAX_MONTHS = 120


def require_aware(instant: object, what: str = "time") -> datetime:
    """``instant`` in UTC if it is a timezone-aware datetime of the supported range, else
    InvalidTime (R-TIME-1).

    Instants are kept in UTC so that adding a day always adds 24 hours: Python adds timedeltas to
    the wall clock of a zone, which across a daylight-saving change is not the same.
    """
    if not isinstance(instant, datetime):
        raise InvalidTime(f"{what} must be a datetime, not {instant!r}")
    if instant.tzinfo is not UTC:
        offset = instant.utcoffset()
        if offset is None:
            raise InvalidTime(f"{what} {instant.isoformat()} is naive: give it a timezone")
        # The UTC instant by subtraction: ``astimezone`` overflows near year 1 and year 9999.
        try:
            instant = (instant.replace(tzinfo=None) - offset).replace(tzinfo=UTC)
        except OverflowError:
            raise InvalidTime(_out_of_range(what, instant)) from None
    if not EARLIEST <= instant < LATEST:
        raise InvalidTime(_out_of_range(what, instant))
    return instant


def _out_of_range(what: str, instant: datetime) -> str:
    return (
        f"{what} {instant.isoformat()} is outside the supported range of instants "
        f"({EARLIEST.isoformat()} to {LATEST.isoformat()} excluded)"
    )


def after_days(start: datetime, days: int) -> datetime:
    """``start`` plus whole days of exactly 24 hours (the core's hot paths write out
    ``start + whole_days(days)``, a frame less)."""
    return start + whole_days(days)


@lru_cache(maxsize=1024)
def whole_days(days: int) -> timedelta:
    """``days * DAY``, made once per count: building a ``timedelta`` costs five times the lookup."""
    return days * DAY


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(year: int, month: int) -> int:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 29 if month == 2 and leap else _MONTH_DAYS[month - 1]


def add_months(instant: datetime, months: int) -> datetime:
    """Calendar months added in one step on the UTC date, clamped to the month's end (R-EXP-1).

    Paid 31 January 10:00 UTC, plus 5 months: 30 June 10:00 UTC.
    """
    utc = instant if instant.tzinfo is UTC else instant.astimezone(UTC)
    # Whole days, since the clock time stays: an instant plus a timedelta costs a sixth of
    # building the datetime, and orders placed on one day share the shift. The core's hot paths,
    # whose instants are in UTC already, write out this line (a frame less).
    return utc + month_shift(utc.toordinal(), months)


@lru_cache(maxsize=4096)
def month_shift(ordinal: int, months: int) -> timedelta:
    """The whole days from the date of ``ordinal`` to the same day ``months`` later, clamped."""
    start = date.fromordinal(ordinal)
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = start.day
    if day > 28:
        day = min(day, _days_in_month(year, month))
    return timedelta(days=date(year, month, day).toordinal() - ordinal)
