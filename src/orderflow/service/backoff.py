"""The retry delay shared by the deadline runner and the outbox relay."""

from __future__ import annotations

from datetime import timedelta


def backoff(base: timedelta, limit: timedelta, failures_before: int) -> timedelta:
    """``base`` doubled for each failure before this one, at most ``limit``."""
    doubled: timedelta = base * 2 ** min(failures_before, 20)
    return min(limit, doubled)
