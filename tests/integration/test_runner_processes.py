"""Deadline runners as real processes on one SQLite file: several runners fire each due order
exactly once, a runner killed with SIGKILL in the middle of its transaction loses nothing, and a
command racing a deadline on the same order ends as one ordering or the other would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from orderflow import Order, State, advance, place_order, replay
from orderflow.adapters.sqlite import SQLiteStorage
from orderflow.service import DeadlineRunner
from orderflow.service.handling import persist
from orderflow.testing import FakeClock

from support import PAID_AT, placement

WORKER = Path(__file__).with_name("worker.py")
#: Order o-i is canceled unless accepted within 24 hours and i minutes (R-PEND-3).
WINDOW = timedelta(hours=24)
MINUTE, MILLISECOND = timedelta(minutes=1), timedelta(milliseconds=1)
AFTER_ALL = PAID_AT + WINDOW + timedelta(hours=2)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "orders.db"
    storage = SQLiteStorage(path)
    storage.create_schema()
    storage.close()
    return path


def place(
    database: Path, count: int, window: timedelta = WINDOW, step: timedelta = timedelta(minutes=1)
) -> list[str]:
    """Place orders o-0 .. o-(count-1), o-i due to be canceled at ``window + i * step`` after payment."""
    storage = SQLiteStorage(database)
    with storage.unit_of_work() as uow:  # one commit for all: quicker than a service call each
        for index in range(count):
            placed = place_order(placement(order_id=f"o-{index}", acceptance_window=window + index * step))
            persist(uow, 0, placed, storage.snapshot_every)
        uow.commit()
    storage.close()
    return [f"o-{index}" for index in range(count)]


def index_of(order_id: str) -> int:
    return int(order_id.removeprefix("o-"))


def spawn(*args: object) -> subprocess.Popen[str]:
    command = [sys.executable, str(WORKER), *map(str, args)]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str], given: str = "") -> str:
    out, _ = process.communicate(given, timeout=30)
    assert process.returncode == 0
    return out


def stored(database: Path, order_ids: list[str]) -> dict[str, tuple[Order, list[str], set[str]]]:
    """Each order as stored: the order, its events' names, the ids of its outbox messages."""
    storage = SQLiteStorage(database)
    with storage.unit_of_work() as uow:
        found = {}
        messages = uow.outbox.claim(
            datetime.max.replace(tzinfo=PAID_AT.tzinfo) - timedelta(days=2), 100_000, timedelta(0)
        )
        for order_id in order_ids:
            order = uow.orders.load(order_id)
            events = uow.orders.events(order_id)
            assert replay(events) == order, "versions contiguous, the stream rebuilds the order"
            ids = {m.message_id for m in messages if m.order_id == order_id}
            found[order_id] = (order, [e.name for e in events], ids)
    storage.close()
    return found


def fired_once(database: Path, order_ids: list[str]) -> None:
    """Every order canceled by its acceptance deadline exactly once, with its effects queued once."""
    for order_id, (order, names, message_ids) in stored(database, order_ids).items():
        assert names == ["OrderPlaced", "OrderCanceled"]
        assert order.state is State.CANCELED
        index = int(order_id.split("-")[1])
        placed = place_order(
            placement(order_id=order_id, acceptance_window=WINDOW + index * timedelta(minutes=1))
        )
        canceled = advance(placed.order, AFTER_ALL)
        expected = {f"{order_id}:1:{i}" for i in range(len(placed.effects))}
        expected |= {f"{order_id}:2:{i}" for i in range(len(canceled.effects))}
        assert message_ids == expected


def test_three_runner_processes_fire_sixty_due_orders_exactly_once(database: Path) -> None:
    order_ids = place(database, 60)
    runners = [spawn("fire", database, AFTER_ALL.isoformat(), 4) for _ in range(3)]
    fired = [int(finish(runner)) for runner in runners]
    assert sum(fired) == 60
    fired_once(database, order_ids)


def test_a_runner_killed_mid_transaction_loses_nothing(database: Path, tmp_path: Path) -> None:
    order_ids = place(database, 20)
    marker = tmp_path / "inside-the-transaction"
    hung = spawn("hang", database, AFTER_ALL.isoformat(), marker)
    deadline = time.monotonic() + 10
    while not marker.exists():
        assert time.monotonic() < deadline, "the runner never reached its first write"
        assert hung.poll() is None, "the runner ended early"
        time.sleep(0.01)
    os.kill(hung.pid, signal.SIGKILL)
    hung.wait(timeout=10)
    assert all(order.version == 1 for order, _, _ in stored(database, order_ids).values()), "rolled back"
    storage = SQLiteStorage(database)
    assert DeadlineRunner(storage, FakeClock(AFTER_ALL)).run_once() == 20
    storage.close()
    fired_once(database, order_ids)


def test_commands_racing_deadlines_resolve_as_one_ordering(database: Path) -> None:
    """Order o-i is due at T0 + 0.2 s + i * 20 ms; the seller accepts o-i at about T0 + i * 35 ms.
    The early ones are accepted, the late ones canceled; around the crossing, each order's
    deadline and command race."""
    start, window, step = (
        PAID_AT + timedelta(hours=1),
        timedelta(hours=1, seconds=0.2),
        timedelta(seconds=0.02),
    )
    order_ids = place(database, 30, window, step)
    runner = spawn("race-runner", database, start.isoformat(), 1.3)
    seller = spawn("race-accept", database, start.isoformat(), 0.03, *order_ids)
    for process in (runner, seller):
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n"
    wall_start = time.time() + 0.05
    outcomes = dict(json.loads(line) for line in finish(seller, f"{wall_start}\n").splitlines())
    finish(runner, f"{wall_start}\n")
    for order_id, (order, names, _) in stored(database, order_ids).items():
        due = (
            PAID_AT + timedelta(hours=1, seconds=0.2) + int(order_id.split("-")[1]) * timedelta(seconds=0.02)
        )
        if order.state is State.IN_PROGRESS:  # the command came first
            assert names == ["OrderPlaced", "OrderAccepted"]
            assert outcomes[order_id] == "accepted"
            assert order.accepted_at is not None
            assert order.accepted_at < due
        else:  # the deadline came first, fired by the runner or by the command's own decide
            assert names == ["OrderPlaced", "OrderCanceled"]
            assert order.state is State.CANCELED
            assert order.updated_at == due
            assert outcomes[order_id] == "InvalidTransition"
