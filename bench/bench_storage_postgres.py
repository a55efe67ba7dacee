"""Commits per second on PostgreSQL for one command's transaction, with 1 and 4 worker processes.

Two shapes, each with ``synchronous_commit`` on and off:

* ``bare``: the issue's anchor shape in plain SQL on the adapter's tables: read the order's
  version, insert one event, update the order (version, state, next due), insert one outbox row,
  commit;
* ``adapter``: the same through ``PostgresStorage``: a unit of work that appends a one-event
  decision (a custom offer; ``append`` also notifies the due channel and snapshots every 50
  events) and puts its one effect in the outbox. It measures the storage alone: no ``load``,
  no ``decide`` (the service benchmark adds those).

Each worker owns its orders: this measures the commit path, not contention. Without ``--dsn``
(or ``ORDERFLOW_PG_DSN``) it starts a durable throw-away server (``scripts/pg-test-server start
DIR durable``: fsync on, so commits cost what they would in production) and stops it after.

    .venv/bin/python bench/bench_storage_postgres.py [--seconds 3] [--repeat 3] [--dsn DSN]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path
from statistics import median

import attrs
import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.types.json import Jsonb

from orderflow import Accept, Money, OfferCustom, decide, place_order
from orderflow.adapters.postgres import PostgresStorage
from orderflow.codec import encode_effect, encode_event
from orderflow.domain.decision import Decision
from orderflow.example import PAID_AT, example_placement
from orderflow.ports import Stored

ORDERS_PER_WORKER = 20
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "pg-test-server"

Command = Callable[[str, int], None]  # (order id, its current version): one committed command

BARE_STEPS = (
    b"SELECT version FROM orderflow_orders WHERE order_id = %s",
    b"INSERT INTO orderflow_events (order_id, version, type, body) VALUES (%s, %s, %s, %s)",
    b"UPDATE orderflow_orders SET version = %s, state = %s, next_due = %s"
    b" WHERE order_id = %s AND version = %s",
    b"INSERT INTO orderflow_outbox (message_id, order_id, version, effect_index, kind, payload)"
    b" VALUES (%s, %s, %s, 0, %s, %s)",
)


def _life(order_id: str) -> tuple[Decision, Decision, Decision]:
    """An order placed, then accepted, then a decision of one event and one effect on it (an offer)."""
    placed = place_order(attrs.evolve(example_placement(), order_id=order_id))
    accepted = decide(placed.order, Accept("seller"), PAID_AT + timedelta(hours=1))
    offer = OfferCustom("seller", "extra", Money("12.50", "EUR"), 2)
    return placed, accepted, decide(accepted.order, offer, PAID_AT + timedelta(hours=2))


def _bare(storage: PostgresStorage, decision: Decision) -> Command:
    db = storage.connect()
    event, effect = encode_event(decision.events[0]), encode_effect(decision.effects[0])
    read, insert_event, update, insert_message = BARE_STEPS

    def command(order_id: str, _: int) -> None:
        (version,) = db.execute(read, (order_id,)).fetchone() or (0,)
        db.execute(insert_event, (order_id, version + 1, event["type"], Jsonb(event)))
        db.execute(update, (version + 1, "in_progress", PAID_AT, order_id, version))
        message_id = f"{order_id}:{version + 1}:0"
        db.execute(insert_message, (message_id, order_id, version + 1, effect["kind"], Jsonb(effect)))
        db.commit()

    return command


def _adapter(storage: PostgresStorage, decision: Decision) -> Command:
    def command(order_id: str, version: int) -> None:
        with storage.unit_of_work() as uow:
            uow.orders.append(
                order_id, version, decision, Stored.of(decision, version, storage.snapshot_every)
            )
            uow.outbox.put(order_id, version + 1, decision.effects, decision.order.updated_at)
            uow.commit()

    return command


SHAPES = {"bare": _bare, "adapter": _adapter}


def work(
    dsn: str, shape: str, synchronous: bool, worker: int, seconds: float, start: Barrier, rates: Queue[float]
) -> None:
    """One worker process: place its orders, wait for the others, commit commands for ``seconds``."""
    storage = PostgresStorage(dsn, synchronous_commit=synchronous)
    orders = [f"w{worker}-{n}" for n in range(ORDERS_PER_WORKER)]
    with storage.unit_of_work() as uow:
        for order_id in orders:
            placed, accepted, offer = _life(order_id)
            uow.orders.append(order_id, 0, placed, Stored.of(placed, 0, None))
            uow.orders.append(order_id, 1, accepted, Stored.of(accepted, 1, None))
        uow.commit()
    command = SHAPES[shape](storage, offer)
    versions = dict.fromkeys(orders, 2)
    start.wait()
    began = time.perf_counter()
    stop, commits = began + seconds, 0
    while time.perf_counter() < stop:
        order_id = orders[commits % ORDERS_PER_WORKER]
        command(order_id, versions[order_id])
        versions[order_id] += 1
        commits += 1
    rates.put(commits / (time.perf_counter() - began))
    storage.close()


def measure(dsn: str, shape: str, synchronous: bool, workers: int, seconds: float) -> float:
    """Commits per second of ``workers`` processes together, on a fresh schema."""
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(workers)
    rates: Queue[float] = spawn.Queue()
    with fresh_schema(dsn) as schema:
        processes = [
            spawn.Process(target=work, args=(schema, shape, synchronous, w, seconds, start, rates))
            for w in range(workers)
        ]
        for process in processes:
            process.start()
        total = sum(rates.get(timeout=120) for _ in processes)
        for process in processes:
            process.join()
    return total


@contextmanager
def fresh_schema(server: str) -> Iterator[str]:
    """A DSN on a new schema holding the adapter's tables (dropped afterwards)."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    dsn = make_conninfo(server, options=f"-c search_path={schema}")
    PostgresStorage(dsn).create_schema()
    try:
        yield dsn
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@contextmanager
def server(dsn: str | None) -> Iterator[str]:
    if dsn:
        yield dsn
        return
    folder = tempfile.mkdtemp()  # the script hands it to the postgres user, and removes it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # a killed run still stops its server
    try:
        started = subprocess.run([SCRIPT, "start", folder, "durable"], check=True, capture_output=True)
        yield started.stdout.decode().strip()
    finally:
        subprocess.run([SCRIPT, "stop", folder], check=True)


def line(shape: str, synchronous: bool, workers: int, rates: list[float]) -> str:
    """One row of the table: the median rate and the spread of the runs."""
    sync, spread = "on" if synchronous else "off", f"{rates[0]:,.0f} to {rates[-1]:,.0f}"
    return f"{shape:8} {sync:>18} {workers:>7} {median(rates):>10,.0f} {spread:>16}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure: the median is shown")
    parser.add_argument("--dsn", default=os.environ.get("ORDERFLOW_PG_DSN"))
    args = parser.parse_args()
    with server(args.dsn) as dsn:
        with psycopg.connect(dsn) as db:
            version = db.execute(b"SHOW server_version").fetchone()
            fsync = db.execute(b"SHOW fsync").fetchone()
        settings = f"fsync={fsync and fsync[0]}, {args.seconds:g} s per run, median of {args.repeat}"
        print(f"PostgreSQL {version and version[0]}, {settings}")
        print(f"{'shape':8} {'synchronous_commit':>18} {'workers':>7} {'commits/s':>10} {'(min to max)':>16}")
        for shape in SHAPES:
            for synchronous in (True, False):
                for workers in (1, 4):
                    rates = sorted(
                        measure(dsn, shape, synchronous, workers, args.seconds) for _ in range(args.repeat)
                    )
                    print(line(shape, synchronous, workers, rates), flush=True)


if __name__ == "__main__":
    main()
