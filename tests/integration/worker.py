"""A worker process for the real-process tests, run as ``python worker.py <role> <database> ...``.

Roles:
- ``fire DB AT BATCH``: a deadline runner at the fixed instant AT; rounds until one fires nothing;
  prints how many orders it advanced.
- ``hang DB AT MARKER``: a runner that, inside its first unit of work and after writing its first
  order's events and outbox rows, creates MARKER and blocks (to be killed with SIGKILL).
- ``race-runner DB T0 SECONDS`` and ``race-accept DB T0 PAUSE ORDER...`` print "ready", then read
  the wall-clock instant WALL0 from their input and run on a clock showing T0 at WALL0: the
  runner fires for SECONDS; the seller accepts each order in turn, PAUSE seconds apart, and
  prints one JSON line per order: its id and "accepted" or the error's name.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from orderflow import Accept, OrderflowError, Role
from orderflow.adapters.sqlite import SQLiteStorage
from orderflow.domain.effects import Effect
from orderflow.ports import Outbox
from orderflow.service import DeadlineRunner, OrderService
from orderflow.testing import FakeClock

sys.path.insert(0, str(Path(__file__).parents[1]))
from storage_wrappers import OutboxProxy, WrappedStorage


class WallClock:
    """The instant ``start`` plus the wall-clock time elapsed since ``wall_start``."""

    def __init__(self, start: datetime, wall_start: float) -> None:
        self.start, self.wall_start = start, wall_start

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.time() - self.wall_start)


class HangAfterPut(OutboxProxy):
    """An outbox whose first ``put`` writes, then creates ``marker`` and blocks forever."""

    def __init__(self, inner: Outbox, marker: Path) -> None:
        super().__init__(inner)
        self.marker = marker

    def put(self, order_id: str, version: int, effects: Sequence[Effect], at: datetime) -> None:
        self.inner.put(order_id, version, effects, at)
        self.marker.touch()
        while True:
            time.sleep(60)


def started(start: datetime) -> WallClock:
    """Say "ready", read WALL0 and wait for it: a clock showing ``start`` at WALL0."""
    print("ready", flush=True)
    wall_start = float(sys.stdin.readline())
    time.sleep(max(0.0, wall_start - time.time()))
    return WallClock(start, wall_start)


def main(role: str, database: str, *args: str) -> None:
    storage = SQLiteStorage(database)
    if role == "fire":
        runner = DeadlineRunner(storage, FakeClock(datetime.fromisoformat(args[0])), batch=int(args[1]))
        fired = 0
        while advanced := runner.run_once():
            fired += advanced
        print(fired)
    elif role == "hang":
        hanging = WrappedStorage(storage, outbox=lambda outbox: HangAfterPut(outbox, Path(args[1])))
        DeadlineRunner(hanging, FakeClock(datetime.fromisoformat(args[0]))).run_once()
    elif role == "race-runner":
        clock = started(datetime.fromisoformat(args[0]))
        runner = DeadlineRunner(storage, clock, batch=1)
        while time.time() < clock.wall_start + float(args[1]):
            if not runner.run_once():
                time.sleep(0.002)
    elif role == "race-accept":
        service = OrderService(storage, started(datetime.fromisoformat(args[0])))
        for order_id in args[2:]:
            try:
                service.handle(order_id, Accept(Role.SELLER))
                outcome = "accepted"
            except OrderflowError as error:
                outcome = type(error).__name__
            print(json.dumps([order_id, outcome]), flush=True)
            time.sleep(float(args[1]))
    else:
        raise SystemExit(f"unknown role {role!r}")


if __name__ == "__main__":
    main(*sys.argv[1:])
