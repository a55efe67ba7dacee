"""``SystemClock``: the host's wall clock, aware and in UTC, as the ``Clock`` port asks."""

from __future__ import annotations

from datetime import datetime, timezone

from orderflow.adapters.clocks import SystemClock
from orderflow.ports import Clock


def test_the_system_clock_reads_the_wall_clock_in_utc() -> None:
    clock: Clock = SystemClock()
    before = datetime.now(timezone.utc)
    now = clock.now()
    after = datetime.now(timezone.utc)
    assert now.tzinfo is timezone.utc
    assert before <= now <= after
