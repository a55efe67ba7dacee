"""``SQLiteStorage``: the ports on one SQLite file (stdlib ``sqlite3``), the embedded default.

Every unit of work is a write transaction opened with ``BEGIN IMMEDIATE``: it takes the database's
write lock before its first read, so a load-decide-append never fails half-way on a lock another
writer took after its read. Threads of one process first queue on a Python lock (woken at once,
instead of polling in SQLite's busy handler); processes wait for each other up to ``busy_timeout``.
The journal is WAL and ``synchronous=FULL`` by default: a commit survives a power cut.

Each thread keeps its own connection (``threading.local``), opened on first use; instants are
stored as integer microseconds since the epoch (UTC), JSON as canonical ``codec`` text. Orders
committed or read lately are kept decoded (``RecentOrders``): a load whose stored version has not
moved skips decoding.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from types import TracebackType

from ..codec import dumps, loads
from ..domain.decision import Decision
from ..domain.effects import Effect
from ..domain.events import Event
from ..domain.order import Order
from ..domain.timers import next_due
from ..ports import (
    ConcurrencyConflict,
    IdempotencyStore,
    Message,
    OrderStore,
    Outbox,
    Recorded,
    UnknownMessage,
    UnknownOrder,
)
from ._sql import (
    SCHEMA_VERSION,
    RecentOrders,
    SchemaMismatch,
    decode_events,
    event_rows,
    message_of,
    outbox_rows,
    rebuild,
    snapshot_of,
    snapshot_order,
)

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS orders (
        order_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        state TEXT NOT NULL,
        next_due INTEGER,
        postponed_until INTEGER,
        last_error TEXT,
        snapshot TEXT,
        snapshot_version INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS events (
        order_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (order_id, version)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY,
        message_id TEXT NOT NULL UNIQUE,
        order_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        ready_at INTEGER,
        published_at INTEGER,
        last_error TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS idempotency (
        key TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        outcome TEXT NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS orders_due ON orders (next_due, order_id) WHERE next_due IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (seq) WHERE published_at IS NULL",
)

CREATE = """INSERT INTO orders (order_id, version, state, next_due, snapshot, snapshot_version)
    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (order_id) DO NOTHING"""
EXTEND = """UPDATE orders SET version = ?, state = ?, next_due = ?, postponed_until = NULL, last_error = NULL
    WHERE order_id = ? AND version = ?"""
EXTEND_SNAPSHOT = """UPDATE orders SET version = ?, state = ?, next_due = ?, postponed_until = NULL,
    last_error = NULL, snapshot = ?, snapshot_version = ? WHERE order_id = ? AND version = ?"""
INSERT_EVENT = "INSERT INTO events (order_id, version, kind, payload) VALUES (?, ?, ?, ?)"
SELECT_EVENTS = "SELECT payload FROM events WHERE order_id = ? AND version > ? ORDER BY version"
DUE = """SELECT order_id FROM orders
    WHERE next_due <= ?1 AND (postponed_until IS NULL OR postponed_until <= ?1)
    ORDER BY next_due, order_id LIMIT ?2"""
INSERT_MESSAGE = (
    "INSERT INTO outbox (message_id, order_id, version, idx, kind, payload) VALUES (?, ?, ?, ?, ?, ?)"
)
CLAIM = """UPDATE outbox SET ready_at = ?1 WHERE seq IN (
        SELECT seq FROM outbox WHERE published_at IS NULL AND (ready_at IS NULL OR ready_at <= ?2)
        ORDER BY seq LIMIT ?3)
    RETURNING seq, message_id, order_id, version, idx, kind, payload, attempts"""
#: The database's wall clock in microseconds: when a message was published, for operators only.
PUBLISH = """UPDATE outbox SET published_at = CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)
    WHERE message_id = ? AND published_at IS NULL"""
#: When ``due`` will next list an order: the later of its due instant and its postponement.
NEXT_DUE = """SELECT MIN(MAX(next_due, COALESCE(postponed_until, next_due))) FROM orders
    WHERE next_due IS NOT NULL"""
RETRY = "UPDATE outbox SET attempts = attempts + 1, ready_at = ?, last_error = ? WHERE message_id = ?"

SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROSECOND = timedelta(microseconds=1)


def micros(instant: datetime) -> int:
    """An aware instant as integer microseconds since the epoch: exact and sortable."""
    return (instant - EPOCH) // MICROSECOND


class _Connection(sqlite3.Connection):
    """A connection the storage can track weakly: it closes when its thread ends."""


class SQLiteStorage:
    """The three stores in one SQLite database file; share one object between a process's threads."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        synchronous: str = "FULL",
        snapshot_every: int = 50,
        busy_timeout: float = 30.0,
        cache_size: int = 10_000,
    ) -> None:
        if synchronous.upper() not in SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS)}, not {synchronous!r}")
        self.path = os.fspath(path)
        self.synchronous = synchronous.upper()
        self.snapshot_every = snapshot_every
        self.busy_timeout = busy_timeout
        self.recent = RecentOrders(cache_size)
        self._writer = threading.Lock()
        self._local = threading.local()
        self._opened: weakref.WeakSet[_Connection] = weakref.WeakSet()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection."""
        return self._session().connection

    def _session(self) -> _Session:
        """This thread's session, opened on first use (a forked child opens its own)."""
        session: _Session | None = getattr(self._local, "session", None)
        if session is None or session.pid != os.getpid():
            connection = sqlite3.connect(
                self.path,
                timeout=self.busy_timeout,
                isolation_level=None,
                check_same_thread=False,  # only its thread uses it; ``close`` may run on another
                factory=_Connection,
            )
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute(f"PRAGMA synchronous = {self.synchronous}")
            session = self._local.session = _Session(connection, self.snapshot_every, self.recent)
            self._opened.add(connection)
        return session

    def create_schema(self) -> None:
        with self.unit_of_work() as uow:
            found = uow.connection.execute("PRAGMA user_version").fetchone()[0]
            if found > SCHEMA_VERSION:
                raise SchemaMismatch(found, SCHEMA_VERSION)
            for statement in SCHEMA:
                uow.connection.execute(statement)
            uow.connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            uow.commit()

    def unit_of_work(self) -> SQLiteUnitOfWork:
        return SQLiteUnitOfWork(self)

    def close(self) -> None:
        """Close every thread's connection; the storage reopens them if used again."""
        for connection in list(self._opened):
            connection.close()
        self._opened = weakref.WeakSet()
        self._local = threading.local()


class _Session:
    """A thread's connection and the stores working on it, reused by its units of work."""

    def __init__(self, connection: _Connection, snapshot_every: int, recent: RecentOrders) -> None:
        self.pid = os.getpid()
        self.connection = connection
        self.orders = _Orders(connection, snapshot_every, recent)
        self.idempotency = _Keys(connection)
        self.outbox = _Outbox(connection)


class SQLiteUnitOfWork:
    """One ``BEGIN IMMEDIATE`` transaction on the calling thread's connection."""

    def __init__(self, storage: SQLiteStorage) -> None:
        session = storage._session()
        self._writer = storage._writer
        self._committed = False
        self._orders = session.orders
        self.connection: sqlite3.Connection = session.connection
        self.orders: OrderStore = session.orders
        self.idempotency: IdempotencyStore = session.idempotency
        self.outbox: Outbox = session.outbox

    def __enter__(self) -> SQLiteUnitOfWork:
        if self.connection.in_transaction:
            raise RuntimeError("this thread already has a unit of work open on this storage")
        self._writer.acquire()
        try:
            self.connection.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._writer.release()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if not self._committed:
                self.connection.execute("ROLLBACK")
        finally:
            self._orders.written.clear()
            self._writer.release()

    def commit(self) -> None:
        self.connection.execute("COMMIT")
        self._committed = True
        self._orders.recent.remember(self._orders.written.values())


class _Orders:
    def __init__(self, connection: sqlite3.Connection, snapshot_every: int, recent: RecentOrders) -> None:
        self._db = connection
        self._every = snapshot_every
        self.recent = recent
        self.written: dict[str, Order] = {}  # by this unit of work, remembered if it commits

    def load(self, order_id: str) -> Order:
        if order_id in self.written:
            return self.written[order_id]
        row = self._db.execute(
            "SELECT version, snapshot, snapshot_version FROM orders WHERE order_id = ?", (order_id,)
        ).fetchone()
        if row is None:
            raise UnknownOrder(order_id)
        version, snapshot, snapshot_version = row
        order = self.recent.get(order_id, version)
        if order is None:
            start = snapshot_order(None if snapshot is None else loads(snapshot))
            order = rebuild(start, self.events(order_id, after=0 if start is None else snapshot_version))
            self.recent.remember((order,))  # read from committed rows
        return order

    def events(self, order_id: str, after: int = 0) -> list[Event]:
        return decode_events(payload for (payload,) in self._db.execute(SELECT_EVENTS, (order_id, after)))

    def append(self, order_id: str, expected_version: int, decision: Decision) -> None:
        order = decision.order
        due = next_due(order)
        due_at = None if due is None else micros(due.at)
        snapshot = snapshot_of(order, expected_version, self._every)
        snapshot_version = 0 if snapshot is None else order.version
        row: tuple[object, ...]
        if expected_version == 0:
            row = (order_id, order.version, order.state.value, due_at, snapshot, snapshot_version)
            written = self._db.execute(CREATE, row).rowcount
        elif snapshot is None:
            row = (order.version, order.state.value, due_at, order_id, expected_version)
            written = self._db.execute(EXTEND, row).rowcount
        else:
            extended = (order.version, order.state.value, due_at, snapshot, snapshot_version)
            written = self._db.execute(EXTEND_SNAPSHOT, (*extended, order_id, expected_version)).rowcount
        if written != 1:
            found = self._db.execute("SELECT version FROM orders WHERE order_id = ?", (order_id,)).fetchone()
            raise ConcurrencyConflict.stale(order_id, expected_version, 0 if found is None else found[0])
        self._db.executemany(INSERT_EVENT, event_rows(order_id, expected_version, decision.events))
        self.written[order_id] = order

    def due(self, now: datetime, limit: int) -> list[str]:
        return [order_id for (order_id,) in self._db.execute(DUE, (micros(now), limit))]

    def next_due_at(self) -> datetime | None:
        (at,) = self._db.execute(NEXT_DUE).fetchone()
        return None if at is None else EPOCH + at * MICROSECOND

    def postpone(self, order_id: str, until: datetime, error: str) -> None:
        update = "UPDATE orders SET postponed_until = ?, last_error = ? WHERE order_id = ?"
        if self._db.execute(update, (micros(until), error, order_id)).rowcount != 1:
            raise UnknownOrder(order_id)


class _Keys:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def get(self, key: str) -> Recorded | None:
        row = self._db.execute(
            "SELECT fingerprint, outcome FROM idempotency WHERE key = ?", (key,)
        ).fetchone()
        return None if row is None else Recorded(row[0], loads(row[1]))

    def put(self, key: str, recorded: Recorded) -> None:
        insert = "INSERT INTO idempotency VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING"
        if self._db.execute(insert, (key, recorded.fingerprint, dumps(recorded.outcome))).rowcount != 1:
            raise ConcurrencyConflict(f"idempotency key {key!r} is already bound")


class _Outbox:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def put(self, order_id: str, version: int, effects: Sequence[Effect]) -> None:
        self._db.executemany(INSERT_MESSAGE, outbox_rows(order_id, version, effects))

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Message]:
        rows = sorted(self._db.execute(CLAIM, (micros(now + lease), micros(now), limit)).fetchall())
        return [message_of(row[1:]) for row in rows]

    def published(self, message_ids: Sequence[str]) -> None:
        listed = ", ".join("?" * len(message_ids))
        known = self._db.execute(f"SELECT message_id FROM outbox WHERE message_id IN ({listed})", message_ids)
        UnknownMessage.check(message_ids, {row[0] for row in known})
        self._db.executemany(PUBLISH, ((message_id,) for message_id in message_ids))

    def retry(self, message_id: str, at: datetime, error: str) -> None:
        if self._db.execute(RETRY, (micros(at), error, message_id)).rowcount == 0:
            raise UnknownMessage((message_id,))
