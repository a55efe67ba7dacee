"""Ports: the interfaces orderflow expects a host to provide. For now only the clock."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """Where a host reads the current time from; ``now()`` returns an aware datetime."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...
