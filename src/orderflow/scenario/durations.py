"""ISO 8601 durations and instants as scenario files write them: ``"PT48H"``, ``"P7D"``, ``"...Z"``.

Only exact durations are accepted (weeks, days, hours, minutes, seconds): a year or a month has no
fixed length, and the policy's calendar settings (``expiry_months``...) are counts, not durations.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)


def parse_duration(text: str) -> timedelta:
    """``"PT48H"`` -> 48 hours; ValueError unless an exact ISO 8601 duration."""
    match = _DURATION.fullmatch(text)
    if match is None or text in ("P", "") or text.endswith("T"):
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as 'PT48H' or 'P7D'")
    return timedelta(**{unit: int(value) for unit, value in match.groupdict().items() if value})


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date and time with an offset or ``Z``, in UTC; ValueError otherwise."""
    if not re.fullmatch(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d.*", text):
        raise ValueError(f"{text!r} is not an ISO 8601 date and time such as '2026-01-03T10:00:00Z'")
    # datetime.fromisoformat reads "Z" only from Python 3.11 on.
    instant = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    if instant.tzinfo is None:
        raise ValueError(f"{text!r} is a time without an offset: add 'Z' or '+01:00'")
    return instant.astimezone(timezone.utc)


def format_instant(instant: datetime) -> str:
    """An instant as ISO 8601 UTC with ``Z``: ``2026-01-03T10:00:00Z``."""
    return instant.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
