"""ISO 8601 durations and instants as scenario files write them: ``"PT48H"``, ``"P7D"``, ``"...Z"``.

Only exact durations are accepted (weeks, days, hours, minutes, seconds): a year or a month has no
fixed length, and the policy's calendar settings (``expiry_months``...) are counts, not durations.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from ..domain.dates import require_aware
from ..domain.errors import InvalidTime

# ASCII digits only ("[0-9]", not "\d", which also matches other scripts' digits), at most 9 of them.
_DURATION = re.compile(
    r"P(?:(?P<weeks>[0-9]{1,9})W)?(?:(?P<days>[0-9]{1,9})D)?"
    r"(?:T(?:(?P<hours>[0-9]{1,9})H)?(?:(?P<minutes>[0-9]{1,9})M)?(?:(?P<seconds>[0-9]{1,9})S)?)?"
)
_INSTANT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:[Zz]|[+-][0-9]{2}:?[0-9]{2}(?::?[0-9]{2}(?:\.[0-9]{1,6})?)?)?"
)


def parse_duration(text: str) -> timedelta:
    """``"PT48H"`` -> 48 hours; ValueError unless an exact ISO 8601 duration of the supported range
    (a policy then caps each duration: docs/model.md, supported ranges)."""
    match = _DURATION.fullmatch(text)
    if match is None or text in ("P", "") or text.endswith("T"):
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as 'PT48H' or 'P7D'")
    try:
        return timedelta(**{unit: int(value) for unit, value in match.groupdict().items() if value})
    except OverflowError:
        raise ValueError(f"{text!r} is longer than any supported duration") from None


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date and time with an offset or ``Z``, in UTC, of the supported range
    (``dates.EARLIEST`` to ``dates.LATEST``, microseconds at most); ValueError otherwise."""
    match = _INSTANT.fullmatch(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not an ISO 8601 date and time such as '2026-01-03T10:00:00Z' "
            "(ASCII digits, at most 6 decimals of a second)"
        )
    try:
        # datetime.fromisoformat reads "Z" only from Python 3.11 on.
        instant = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid ISO 8601 date and time") from None
    if instant.tzinfo is None:
        raise ValueError(f"{text!r} is a time without an offset: add 'Z' or '+01:00'")
    try:
        return require_aware(instant, repr(text))
    except InvalidTime as error:
        raise ValueError(str(error)) from None


def format_instant(instant: datetime) -> str:
    """An instant as ISO 8601 UTC with ``Z``: ``2026-01-03T10:00:00Z``."""
    return instant.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
