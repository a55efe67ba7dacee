"""The bounded torture test (issue 13): three command clients, a deadline runner and an outbox relay
(``torture_worker.py``) share one SQLite file, then one PostgreSQL schema; about once a second one
of them is SIGKILLed and started again. Afterwards every order is verified:

- its history loads through a fresh storage (versions contiguous, each event possible, ledger
  conserved, times forward, snapshot digest: ``adapters.history``) and replays to the stored order;
- the outbox holds exactly the effects of the stored events, in order, and the money effects add
  up to the ledger (seller credit, refunds, platform revenue);
- each idempotency key has one outcome: sent again with its command it returns that outcome;
- every message marked published was handed to the publisher (at least once).

The figures (commands, kills, events, messages) are printed (``pytest -s``): docs/operations.md.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from orderflow import IdempotencyConflict, OrderflowError, Refund, WalletCredit, replay
from orderflow.codec import decode_command, decode_effect, encode_effect
from orderflow.domain.effects import Effect, PlatformRevenue, effects_of
from orderflow.domain.events import Event, OrderPlaced
from orderflow.ports import Storage
from orderflow.service import OrderService

pytest_plugins = ["pg"]
WORKER = Path(__file__).with_name("torture_worker.py")
#: Seconds of kills per storage: the whole test stays well under a minute.
SECONDS = float(os.environ.get("ORDERFLOW_TORTURE_SECONDS", "12"))
ROLES = ["client", "client", "client", "runner", "relay"]
#: Keys the clients must have sent before the end: enough commands to verify something.
MIN_KEYS = 40

#: (order_id, message_id, version, index, payload, published?) of every message, raw.
Rows = list[tuple[str, str, int, int, Any, bool]]


def sqlite_rows(where: str) -> tuple[list[str], Rows]:
    db = sqlite3.connect(where)
    orders = [row[0] for row in db.execute("SELECT order_id FROM orders ORDER BY order_id")]
    messages = [
        (o, m, v, i, json.loads(p), published is not None)
        for o, m, v, i, p, published in db.execute(
            "SELECT order_id, message_id, version, idx, payload, published_at FROM outbox"
        )
    ]
    db.close()
    return orders, messages


def postgres_rows(where: str) -> tuple[list[str], Rows]:
    import psycopg

    with psycopg.connect(where) as db:
        orders = [row[0] for row in db.execute(b"SELECT order_id FROM orderflow_orders ORDER BY order_id")]
        query = b"""SELECT order_id, message_id, version, effect_index, payload, published_at IS NOT NULL
            FROM orderflow_outbox"""
        messages = [tuple(row) for row in db.execute(query)]
    return orders, messages


class Processes:
    """The five workers, each a process the test can SIGKILL and start again."""

    def __init__(self, backend: str, where: str, logs: Path) -> None:
        self.args = [backend, where, str(logs)]
        self.wall0 = str(time.time())
        self.running: list[subprocess.Popen[bytes]] = [self.start(n) for n in range(len(ROLES))]
        self.kills = 0

    def start(self, n: int) -> subprocess.Popen[bytes]:
        command = [sys.executable, str(WORKER), ROLES[n], *self.args, str(n), self.wall0]
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill_one(self, rng: random.Random) -> None:
        n = rng.randrange(len(self.running))
        self.running[n].send_signal(signal.SIGKILL)
        self.running[n].wait()
        self.kills += 1
        self.running[n] = self.start(n)

    def kill_all(self) -> None:
        for process in self.running:
            process.send_signal(signal.SIGKILL)
            process.wait()


def effects_of_history(events: list[Event]) -> list[Effect]:
    """The effects the events produce, in order (as ``commit`` collects them decision by decision)."""
    placed = events[0]
    assert isinstance(placed, OrderPlaced)
    order = placed.create()
    effects = list(effects_of(placed, None, order))
    for event in events[1:]:
        after = event.apply(order)
        effects += effects_of(event, order, after)
        order = after
    return effects


def outcome_again(service: OrderService, order_id: str, body: str, key: str) -> str | int:
    """The key sent again with its command: the version reached, or the rejection's class name
    (never ``IdempotencyConflict``: the same key and command are the same request)."""
    try:
        return service.handle(order_id, decode_command(json.loads(body)), key=key).order.version
    except IdempotencyConflict:
        raise
    except OrderflowError as error:
        return type(error).__name__


def verify(storage: Storage, orders: list[str], messages: Rows, logs: Path) -> dict[str, int]:
    """Every check of the module docstring; returns the figures."""
    by_order: dict[str, list[tuple[int, int, Any]]] = {}
    for order_id, _, version, index, payload, _published in messages:
        by_order.setdefault(order_id, []).append((version, index, payload))
    events_count = 0
    for order_id in orders:
        with storage.unit_of_work() as uow:
            order = uow.orders.load(order_id)  # verified: raises CorruptHistory otherwise
            events = uow.orders.events(order_id)
        events_count += len(events)
        assert order.version == len(events)
        assert replay(events) == order
        expected = effects_of_history(events)
        stored = [payload for _, _, payload in sorted(by_order.get(order_id, []))]
        assert stored == [encode_effect(effect) for effect in expected], order_id
        money = [decode_effect(payload) for payload in stored]
        ledger = order.ledger
        assert (total(money, WalletCredit), total(money, Refund), total(money, PlatformRevenue)) == (
            ledger.seller_credited,
            ledger.refunded,
            ledger.platform_revenue,
        ), order_id
    service = OrderService(storage, _Later())
    keys = recorded = 0
    for log in logs.glob("client-*.keys"):
        for line in log.read_text().splitlines():
            key, order_id, body = line.split(" ", 2)
            keys += 1
            with storage.unit_of_work() as uow:
                record = uow.idempotency.get(key)
            if record is None:
                continue  # killed before its commit, or a failure of the environment: not bound
            recorded += 1
            first = record.outcome.get("error", {}).get("error")
            assert outcome_again(service, order_id, body, key) == (first or record.outcome["to_version"]), key
    delivered = (
        set((logs / "relay.delivered").read_text().split()) if (logs / "relay.delivered").exists() else set()
    )
    published = {message_id for _, message_id, *_, is_published in messages if is_published}
    assert published <= delivered
    return {
        "orders": len(orders),
        "events": events_count,
        "messages": len(messages),
        "published": len(published),
        "keys sent": keys,
        "keys recorded": recorded,
    }


def total(effects: list[Effect], kind: type[WalletCredit | Refund | PlatformRevenue]) -> Decimal:
    """The sum of the amounts of the effects of ``kind``."""
    return sum((e.amount.amount for e in effects if isinstance(e, kind)), Decimal(0))


class _Later:
    """A clock far after the test, for re-sending keys (a recorded key never decides again)."""

    def now(self) -> Any:
        from datetime import datetime, timezone

        return datetime(2031, 1, 1, tzinfo=timezone.utc)


def keys_sent(logs: Path) -> int:
    return sum(len(log.read_text().splitlines()) for log in logs.glob("client-*.keys"))


def torture(backend: str, where: str, open_storage: Callable[[], Storage], tmp_path: Path) -> dict[str, int]:
    storage = open_storage()
    storage.create_schema()
    storage.close()
    logs = tmp_path / "logs"
    logs.mkdir()
    rng = random.Random(13)
    began = time.monotonic()
    processes = Processes(backend, where, logs)
    try:
        while time.monotonic() - began < SECONDS:
            time.sleep(rng.uniform(0.5, 1.2))
            processes.kill_one(rng)
        # On a loaded machine restarts eat the time: let the survivors work, unkilled, until the
        # clients have sent enough to verify (at most SECONDS more).
        while keys_sent(logs) < MIN_KEYS and time.monotonic() - began < 2 * SECONDS:
            time.sleep(0.5)
    finally:
        processes.kill_all()
    orders, messages = (sqlite_rows if backend == "sqlite" else postgres_rows)(where)
    checked = open_storage()
    try:
        figures = verify(checked, orders, messages, logs)
    finally:
        checked.close()
    figures = {"kills": processes.kills, **figures, "seconds": round(time.monotonic() - began)}
    print(f"\ntorture on {backend}: {figures}")
    assert figures["orders"] >= 3
    assert figures["keys recorded"] >= MIN_KEYS // 2
    return figures


def test_torture_on_one_sqlite_file(tmp_path: Path) -> None:
    from orderflow.adapters.sqlite import SQLiteStorage

    where = str(tmp_path / "orders.db")
    torture("sqlite", where, lambda: SQLiteStorage(where, cache_size=0), tmp_path)


def test_torture_on_postgresql(pg_dsn: str, tmp_path: Path) -> None:
    from orderflow.adapters.postgres import PostgresStorage

    torture("postgres", pg_dsn, lambda: PostgresStorage(pg_dsn, cache_size=0), tmp_path)
