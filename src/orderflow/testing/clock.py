"""``FakeClock``: a settable, advanceable ``Clock`` for tests, that never goes backwards."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..domain.dates import require_aware
from ..domain.errors import InvalidTime


class FakeClock:
    """A clock a test moves by hand. Refuses naive times and going backwards (``InvalidTime``)."""

    def __init__(self, start: datetime) -> None:
        self._now = require_aware(start, "start")

    def __repr__(self) -> str:
        return f"FakeClock({self._now.isoformat()})"

    def now(self) -> datetime:
        """The clock's current instant."""
        return self._now

    def set(self, instant: datetime) -> datetime:
        """Move the clock to ``instant`` (aware, not before now) and return it."""
        instant = require_aware(instant, "instant")
        if instant < self._now:
            raise InvalidTime(f"{instant.isoformat()} is before the clock's {self._now.isoformat()}")
        self._now = instant
        return instant

    def advance(self, by: timedelta = timedelta(0), **units: float) -> datetime:
        """Move the clock forward by ``by`` plus ``timedelta(**units)`` and return the new instant."""
        return self.set(self._now + by + timedelta(**units))
