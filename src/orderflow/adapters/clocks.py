"""``SystemClock``: the host's wall clock, in UTC. (``orderflow.testing.FakeClock`` is the settable one.)"""

from __future__ import annotations

from datetime import datetime, timezone


class SystemClock:
    """The real time, always aware and in UTC."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)
