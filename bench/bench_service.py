"""The service benchmark: commands per second through ``OrderService`` and deadlines fired per second
by ``DeadlineRunner`` processes, next to a bare transaction of the same shape measured in the same run.

- **bare**: raw ``sqlite3`` on the adapter's schema, one ``BEGIN IMMEDIATE`` transaction per command:
  read the order's version, insert one event row, update the order row, insert one outbox row.
- **service**: ``OrderService.handle`` of a buyer proposing then withdrawing a partial refund, in
  turn, on orders already in progress (one event, one or two outbox rows per command).
- **runners**: R processes run ``DeadlineRunner.run_once`` until nothing is due, over orders
  placed beforehand whose acceptance window ran out (each fires one cancellation: one event and
  its refund, revenue and notification messages); batch 100, and batch 1 (one unit of work per
  order) for comparison.

SQLite with ``synchronous=FULL`` and ``NORMAL``; PostgreSQL too when ``ORDERFLOW_PG_DSN`` is set and
``orderflow.adapters.postgres`` is installed. Processes start together on a barrier; a figure is
the total count over the wall time from the barrier to the last process's end. Run
``.venv/bin/python bench/bench_service.py`` (about a minute) or ``--quick``. It is a report, not a
test: it exits 0 and prints the ratio of each service figure to its bare anchor.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import multiprocessing
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from orderflow import (
    Accept,
    Money,
    Placement,
    ProposePartialRefund,
    Role,
    WithdrawPartialRefund,
    place_order,
)
from orderflow.adapters.sqlite import SQLiteStorage
from orderflow.ports import Storage
from orderflow.service import DeadlineRunner, OrderService
from orderflow.service.handling import persist
from orderflow.testing import FakeClock

PAID_AT = datetime(2026, 1, 3, 10, 0, tzinfo=timezone.utc)
NOW = PAID_AT + timedelta(hours=1)
AFTER_ACCEPTANCE = PAID_AT + timedelta(days=3)
#: Where a storage lives: ("sqlite", path, synchronous, snapshot_every) or ("postgres", dsn, "", 0).
Spec = tuple[str, str, str, int]


def open_storage(spec: Spec) -> Storage:
    kind, where, synchronous, snapshot_every = spec
    if kind == "sqlite":
        return SQLiteStorage(where, synchronous=synchronous, snapshot_every=snapshot_every)
    module = importlib.import_module("orderflow.adapters.postgres")
    storage: Storage = module.PostgresStorage(where)
    return storage


def placement(order_id: str) -> Placement:
    return Placement(
        order_id=order_id,
        buyer="buyer-1",
        seller="seller-1",
        price=Money("50.00", "EUR"),
        delivery_days=3,
        paid_at=PAID_AT,
        platform_fee=Money("2.50", "EUR"),
    )


def prepare(spec: Spec, order_ids: list[str], *, accepted: bool) -> None:
    """Store the orders, in progress if ``accepted`` (else pending, to be canceled when due)."""
    storage = open_storage(spec)
    with storage.unit_of_work() as uow:
        for order_id in order_ids:
            decision = place_order(placement(order_id))
            persist(uow, 0, decision, storage.snapshot_every)
        uow.commit()
    if accepted:
        service = OrderService(storage, FakeClock(NOW))
        for order_id in order_ids:
            service.handle(order_id, Accept(Role.SELLER))
    storage.close()


def service_worker(spec: Spec, order_ids: list[str], count: int, start: Barrier) -> None:
    """Round the orders: on each, the buyer proposes a partial refund, then withdraws it, in turn."""
    service = OrderService(open_storage(spec), FakeClock(NOW))
    propose = ProposePartialRefund(Role.BUYER, amount=Money("5.00", "EUR"), reason="a part is missing")
    withdraw = WithdrawPartialRefund(Role.BUYER)
    start.wait()
    for n in range(count):
        order_id, turn = order_ids[n % len(order_ids)], n // len(order_ids)
        service.handle(order_id, withdraw if turn % 2 else propose)


BARE = (
    "SELECT version FROM orders WHERE order_id = ?",
    "INSERT INTO events (order_id, version, kind, payload) VALUES (?, ?, ?, ?)",
    "UPDATE orders SET version = ?, state = ?, next_due = ? WHERE order_id = ? AND version = ?",
    "INSERT INTO outbox (message_id, order_id, version, idx, kind, payload) VALUES (?, ?, ?, ?, ?, ?)",
)
PAYLOAD = '{"at": "2026-01-03T11:00:00+00:00", "amount": "5.00", "reason": "a part is missing"}' * 3


def bare_worker(spec: Spec, order_ids: list[str], count: int, start: Barrier) -> None:
    db = sqlite3.connect(spec[1], isolation_level=None, timeout=30)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute(f"PRAGMA synchronous = {spec[2]}")
    select, event, update, message = BARE
    start.wait()
    for n in range(count):
        order_id = order_ids[n % len(order_ids)]
        db.execute("BEGIN IMMEDIATE")
        (version,) = db.execute(select, (order_id,)).fetchone()
        db.execute(event, (order_id, version + 1, "PartialRefundProposed", PAYLOAD))
        db.execute(update, (version + 1, "in_progress", None, order_id, version))
        db.execute(
            message, (f"{order_id}:{version + 1}:0", order_id, version + 1, 0, "notification", PAYLOAD)
        )
        db.execute("COMMIT")
    db.close()


def runner_worker(spec: Spec, batch: int, start: Barrier) -> None:
    runner = DeadlineRunner(open_storage(spec), FakeClock(AFTER_ACCEPTANCE), batch=batch)
    start.wait()
    while runner.run_once():
        pass


def timed(target: Callable[..., None], jobs: list[tuple[Any, ...]]) -> float:
    """Seconds from the moment every process is ready until the last one ends."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(jobs) + 1)
    processes = [context.Process(target=target, args=(*job, start)) for job in jobs]
    for process in processes:
        process.start()
    start.wait()
    began = time.perf_counter()
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"a benchmark process failed ({process.exitcode})")
    return time.perf_counter() - began


def fresh(target: Spec, workdir: Path) -> Spec:
    """A new, empty database (SQLite) or the configured one (PostgreSQL; ids are unique per run)."""
    kind, where, synchronous, snapshot_every = target
    if kind == "sqlite":
        where = str(workdir / f"{uuid.uuid4().hex}.db")
    spec = (kind, where, synchronous, snapshot_every)
    storage = open_storage(spec)
    storage.create_schema()
    storage.close()
    return spec


def ids(processes: int, per_process: int) -> list[list[str]]:
    run = uuid.uuid4().hex[:8]
    return [[f"{run}-{p}-{n}" for n in range(per_process)] for p in range(processes)]


def throughput(target: Spec, workdir: Path, total: int, processes: int, *, bare: bool) -> float:
    spec = fresh(target, workdir)
    groups = ids(processes, 20)
    for group in groups:
        prepare(spec, group, accepted=True)
    per_process = total // processes
    seconds = timed(bare_worker if bare else service_worker, [(spec, group, per_process) for group in groups])
    return per_process * processes / seconds


def deadlines(target: Spec, workdir: Path, count: int, runners: int, batch: int) -> float:
    spec = fresh(target, workdir)
    (group,) = ids(1, count)
    prepare(spec, group, accepted=False)
    seconds = timed(runner_worker, [(spec, batch)] * runners)
    storage = open_storage(spec)
    with storage.unit_of_work() as uow:
        assert not uow.orders.due(AFTER_ACCEPTANCE, 1), "every due order fired"
    storage.close()
    return count / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run with small counts")
    parser.add_argument("--snapshot-every", type=int, default=50, help="the SQLite adapter's option")
    options = parser.parse_args()
    scale = 0.1 if options.quick else 1.0
    every = options.snapshot_every
    print(f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, {os.cpu_count()} cpus")
    print(f"load average {os.getloadavg()[0]:.1f}; SQLite snapshot_every={every}")
    targets: list[Spec] = [("sqlite", "", "FULL", every), ("sqlite", "", "NORMAL", every)]
    dsn = os.environ.get("ORDERFLOW_PG_DSN")
    if dsn and importlib.util.find_spec("orderflow.adapters.postgres"):
        targets.append(("postgres", dsn, "", 0))
    else:
        print("postgres: skipped (set ORDERFLOW_PG_DSN, install orderflow[postgres])")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        print("\ncommands per second")
        for target in targets:
            kind, _, synchronous, _ = target
            total = int((1500 if synchronous == "FULL" else 4000) * scale)
            for processes in (1, 4):
                label = f"{kind} {synchronous} x{processes}"
                rate = throughput(target, workdir, total, processes, bare=False)
                line = f"  {label:20} service {rate:7.0f}/s"
                if kind == "sqlite":
                    anchor = throughput(target, workdir, total, processes, bare=True)
                    line += f"   bare {anchor:7.0f}/s   service/bare {rate / anchor:4.0%}"
                print(line)
        print("\ndeadlines fired per second (SQLite)")
        count = int(2000 * scale)
        for target in targets[:2]:
            for runners, batch in ((1, 1), (1, 100), (2, 100), (4, 100)):
                rate = deadlines(target, workdir, count, runners, batch)
                print(f"  {target[2]:6} {runners} runner(s), batch {batch:3}: {rate:7.0f}/s")


if __name__ == "__main__":
    main()
