"""The SQLite storage benchmark: commits per second of the bare transaction the issue anchors on
(read the order's version, insert one event, update the order, insert one outbox row) written with
raw ``sqlite3``, against the same through ``SQLiteStorage`` (append a one-event decision, put its
effect in the outbox, commit), for ``synchronous=FULL`` and ``NORMAL``, one thread.

The raw transaction is also run opening a connection per transaction, to show why the adapter
keeps one connection per thread. Decisions are built before the clock starts: this measures the
storage (encoding included), not ``decide``. The database lives in a temporary directory under
``--dir`` (default: the system's), which must be on the disk the service will use for the figures
to mean anything. Run ``.venv/bin/python bench/bench_storage_sqlite.py [--commits N]``.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from time import perf_counter

import attrs

from orderflow import Accept, Command, Decision, Money, OfferCustom, WithdrawOffer, decide, place_order
from orderflow.adapters.sqlite import SQLiteStorage
from orderflow.example import example_placement
from orderflow.service.handling import persist

#: Runs the n-th transaction of a measurement.
Runner = Callable[[int], None]
RAW, PER_COMMIT, ADAPTER = "raw sqlite3", "raw, connection per commit", "SQLiteStorage"
SLOW = 10  # the connection-per-commit runner does this many times fewer transactions
ORDERS = 100  # transactions rotate over this many orders
GOAL = 0.70  # the adapter's share of the raw figure the issue asks for

RAW_SCHEMA = (
    "CREATE TABLE orders (order_id TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE events (order_id TEXT, version INTEGER, payload TEXT, PRIMARY KEY (order_id, version))"
    " WITHOUT ROWID",
    "CREATE TABLE outbox (seq INTEGER PRIMARY KEY, message_id TEXT UNIQUE, payload TEXT)",
)
PAYLOAD = '{"at":"2026-01-03T11:00:00+00:00","offer_id":"offer-1","price":"10.00","type":"CustomOfferMade"}'


def connect(path: Path, synchronous: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute(f"PRAGMA synchronous = {synchronous}")
    return db


def raw_transaction(db: sqlite3.Connection, order_id: str) -> None:
    db.execute("BEGIN IMMEDIATE")
    (version,) = db.execute("SELECT version FROM orders WHERE order_id = ?", (order_id,)).fetchone()
    db.execute("INSERT INTO events VALUES (?, ?, ?)", (order_id, version + 1, PAYLOAD))
    db.execute("UPDATE orders SET version = ? WHERE order_id = ?", (version + 1, order_id))
    db.execute(
        "INSERT INTO outbox (message_id, payload) VALUES (?, ?)", (f"{order_id}:{version + 1}:0", PAYLOAD)
    )
    db.execute("COMMIT")


def raw(path: Path, synchronous: str, *, connection_per_commit: bool = False) -> Runner:
    db = connect(path, synchronous)
    for statement in RAW_SCHEMA:
        db.execute(statement)
    db.executemany("INSERT INTO orders VALUES (?, 0)", [(f"order-{n}",) for n in range(ORDERS)])
    if not connection_per_commit:
        return lambda n: raw_transaction(db, f"order-{n % ORDERS}")
    db.close()

    def each(n: int) -> None:
        fresh = connect(path, synchronous)
        raw_transaction(fresh, f"order-{n % ORDERS}")
        fresh.close()

    return each


def offers(commits: int) -> tuple[list[Decision], list[Decision]]:
    """Each order's placement and acceptance, then ``commits`` one-event decisions taking the
    orders in turn: a custom offer, then its withdrawal (one notification each), and so on."""
    setup = []
    for n in range(ORDERS):
        placed = place_order(attrs.evolve(example_placement(), order_id=f"order-{n}"))
        setup += [placed, decide(placed.order, Accept("seller"), placed.order.updated_at)]
    orders = [decision.order for decision in setup[1::2]]
    decisions = []
    for n in range(commits):
        order, offer_id = orders[n % ORDERS], f"offer-{n // (2 * ORDERS)}"
        if order.offers:
            command: Command = WithdrawOffer("seller", offer_id)
        else:
            command = OfferCustom("seller", offer_id, Money("10", "EUR"), 1)
        decision = decide(order, command, order.updated_at)
        orders[n % ORDERS] = decision.order
        decisions.append(decision)
    return setup, decisions


def adapter(path: Path, synchronous: str, commits: int) -> tuple[Runner, SQLiteStorage]:
    storage = SQLiteStorage(path, synchronous=synchronous)
    storage.create_schema()
    setup, decisions = offers(commits)
    for decision in setup:
        store(storage, decision)
    return lambda n: store(storage, decisions[n]), storage


def store(storage: SQLiteStorage, decision: Decision) -> None:
    order = decision.order
    with storage.unit_of_work() as uow:
        persist(uow, order.version - len(decision.events), decision, storage.snapshot_every)
        uow.commit()


def measure(runners: dict[str, Runner], commits: int, rounds: int) -> dict[str, float]:
    """Commits per second of each runner: the median of ``rounds`` rounds, the runners taking
    turns within each round so that a busy moment of the machine hits them all alike."""
    rates: dict[str, list[float]] = {name: [] for name in runners}
    done = dict.fromkeys(runners, 0)
    for _ in range(rounds):
        for name, run in runners.items():
            size = commits // rounds // (SLOW if name == PER_COMMIT else 1)
            start = perf_counter()
            for n in range(done[name], done[name] + size):
                run(n)
            rates[name].append(size / (perf_counter() - start))
            done[name] += size
    return {name: statistics.median(figures) for name, figures in rates.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=4000, help="transactions per runner and setting")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--dir", default=None, help="where to create the databases")
    args = parser.parse_args(argv)
    print(f"| synchronous | {RAW} | {PER_COMMIT} | {ADAPTER} | adapter / raw |")
    print("|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(dir=args.dir) as scratch:
        for synchronous in ("FULL", "NORMAL"):
            storage_runner, storage = adapter(
                Path(scratch, f"adapter-{synchronous}.db"), synchronous, args.commits
            )
            runners = {
                RAW: raw(Path(scratch, f"raw-{synchronous}.db"), synchronous),
                PER_COMMIT: raw(
                    Path(scratch, f"per-{synchronous}.db"), synchronous, connection_per_commit=True
                ),
                ADAPTER: storage_runner,
            }
            figures = measure(runners, args.commits, args.rounds)
            storage.close()
            share = figures[ADAPTER] / figures[RAW]
            verdict = "PASS" if share >= GOAL else "MISS"
            cells = " | ".join(f"{figures[name]:,.0f}/s" for name in runners)
            print(f"| {synchronous} | {cells} | {share:.0%} {verdict} (goal {GOAL:.0%}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
