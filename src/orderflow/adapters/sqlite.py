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
from ..errors import StorageUnavailable
from ..ports import (
    ConcurrencyConflict,
    DeadLetter,
    IdempotencyStore,
    Message,
    OrderStore,
    Outbox,
    Recorded,
    StorageStats,
    Stored,
    UnknownMessage,
    UnknownOrder,
    check_decision,
    check_id,
    check_key,
    clean_error,
)
from ._sql import (
    SCHEMA_VERSION,
    RecentOrders,
    SchemaMismatch,
    decode_events,
    event_rows,
    message_of,
    outbox_rows,
    snapshot_of,
)
from ._sqlite_sql import (
    BURY,
    CLAIM,
    CREATE,
    DEAD,
    DUE,
    EXTEND,
    EXTEND_SNAPSHOT,
    INSERT_EVENT,
    INSERT_MESSAGE,
    MIGRATE_1,
    NEXT_DUE,
    PUBLISH,
    RETRY,
    REVIVE,
    SCHEMA,
    SELECT_EVENTS,
    STATS,
)
from .history import rebuild, snapshot_order

SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROSECOND = timedelta(microseconds=1)


def micros(instant: datetime) -> int:
    """An aware instant as integer microseconds since the epoch: exact and sortable."""
    return (instant - EPOCH) // MICROSECOND


def instant(value: int | None) -> datetime | None:
    """The instant stored as ``micros`` (None stays None)."""
    return None if value is None else EPOCH + value * MICROSECOND


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
        self._closed = False

    def connection(self) -> sqlite3.Connection:
        """This thread's connection."""
        return self._session().connection

    def _session(self) -> _Session:
        """This thread's session, opened on first use (a forked child opens its own)."""
        session: _Session | None = getattr(self._local, "session", None)
        if self._closed:
            raise StorageUnavailable(f"the storage on {self.path} is closed")
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
            session = self._local.session = _Session(connection, self.recent)
            self._opened.add(connection)
        return session

    def create_schema(self) -> None:
        with self.unit_of_work() as uow:
            found = uow.connection.execute("PRAGMA user_version").fetchone()[0]
            if found > SCHEMA_VERSION:
                raise SchemaMismatch(found, SCHEMA_VERSION)
            for statement in MIGRATE_1 if found == 1 else ():
                uow.connection.execute(statement)
            for statement in SCHEMA:
                uow.connection.execute(statement)
            uow.connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            uow.commit()

    def unit_of_work(self) -> SQLiteUnitOfWork:
        return SQLiteUnitOfWork(self)

    def stats(self, now: datetime) -> StorageStats:
        with self.unit_of_work() as uow:
            orders, oldest_due = uow.connection.execute(STATS[0], (micros(now),)).fetchone()
            backlog, oldest_message, dead = uow.connection.execute(STATS[1]).fetchone()
        return StorageStats(now, orders, instant(oldest_due), backlog, instant(oldest_message), dead)

    def close(self) -> None:
        """Close every thread's connection, once no unit of work runs (it waits for the one that
        does); later units of work raise ``StorageUnavailable``. Safe from any thread."""
        with self._writer:
            self._closed = True
            for connection in list(self._opened):
                connection.close()
            self._opened = weakref.WeakSet()
            self._local = threading.local()


class _Session:
    """A thread's connection and the stores working on it, reused by its units of work."""

    def __init__(self, connection: _Connection, recent: RecentOrders) -> None:
        self.pid = os.getpid()
        self.connection = connection
        self.orders = _Orders(connection, recent)
        self.idempotency = _Keys(connection)
        self.outbox = _Outbox(connection)


class SQLiteUnitOfWork:
    """One ``BEGIN IMMEDIATE`` transaction on the calling thread's connection."""

    def __init__(self, storage: SQLiteStorage) -> None:
        session = storage._session()
        self._storage = storage
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
            if self._storage._closed:  # closed while this unit of work waited for the lock
                raise StorageUnavailable(f"the storage on {self._storage.path} is closed")
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
    def __init__(self, connection: sqlite3.Connection, recent: RecentOrders) -> None:
        self._db = connection
        self.recent = recent
        self.written: dict[str, Order] = {}  # by this unit of work, remembered if it commits

    def load(self, order_id: str) -> Order:
        if check_id(order_id) in self.written:
            return self.written[order_id]
        row = self._db.execute(
            "SELECT version, snapshot, snapshot_version FROM orders WHERE order_id = ?", (order_id,)
        ).fetchone()
        if row is None:
            raise UnknownOrder(order_id)
        version, snapshot, snapshot_version = row
        order = self.recent.get(order_id, version)
        if order is None:
            parsed = None if snapshot is None else loads(snapshot)
            start = snapshot_order(order_id, parsed, snapshot_version)
            rows = self._rows(order_id, after=0 if start is None else snapshot_version)
            order = rebuild(order_id, start, rows, version)
            self.recent.remember((order,))  # read from committed rows
        return order

    def events(self, order_id: str, after: int = 0) -> list[Event]:
        return [event for _, event in self._rows(check_id(order_id), after)]

    def _rows(self, order_id: str, after: int) -> list[tuple[int, Event]]:
        return decode_events(self._db.execute(SELECT_EVENTS, (order_id, after)))

    def append(self, order_id: str, expected_version: int, decision: Decision, stored: Stored) -> None:
        check_decision(order_id, decision)
        order = decision.order
        due_at = None if stored.next_due is None else micros(stored.next_due)
        snapshot = snapshot_of(order, stored)
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
        row = (micros(until), clean_error(error), check_id(order_id))
        if self._db.execute(update, row).rowcount != 1:
            raise UnknownOrder(order_id)


class _Keys:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def get(self, key: str) -> Recorded | None:
        row = self._db.execute(
            "SELECT fingerprint, outcome FROM idempotency WHERE key = ?", (check_key(key),)
        ).fetchone()
        return None if row is None else Recorded(row[0], loads(row[1]))

    def put(self, key: str, recorded: Recorded) -> None:
        insert = "INSERT INTO idempotency VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING"
        if (
            self._db.execute(insert, (check_key(key), recorded.fingerprint, dumps(recorded.outcome))).rowcount
            != 1
        ):
            raise ConcurrencyConflict(f"idempotency key {key!r} is already bound")


class _Outbox:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def put(self, order_id: str, version: int, effects: Sequence[Effect], at: datetime) -> None:
        rows = outbox_rows(check_id(order_id), version, effects, micros(at))
        self._db.executemany(INSERT_MESSAGE, rows)

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Message]:
        rows = sorted(self._db.execute(CLAIM, (micros(now + lease), micros(now), limit)).fetchall())
        return [message_of(row[1:8], instant(row[8])) for row in rows]

    def published(self, message_ids: Sequence[str]) -> None:
        listed = ", ".join("?" * len(message_ids))
        known = self._db.execute(f"SELECT message_id FROM outbox WHERE message_id IN ({listed})", message_ids)
        UnknownMessage.check(message_ids, {row[0] for row in known})
        self._db.executemany(PUBLISH, ((message_id,) for message_id in message_ids))

    def retry(self, message_id: str, at: datetime, error: str) -> None:
        if self._db.execute(RETRY, (micros(at), clean_error(error), message_id)).rowcount == 0:
            raise UnknownMessage((message_id,))

    def bury(self, message_id: str, error: str) -> None:
        if self._db.execute(BURY, (clean_error(error), message_id)).rowcount == 0:
            raise UnknownMessage((message_id,))

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        rows = self._db.execute(DEAD, (limit,)).fetchall()
        return [DeadLetter(message_of(row[:7], instant(row[7])), row[8] or "") for row in rows]

    def revive(self, message_ids: Sequence[str], at: datetime) -> None:
        self._check_dead(message_ids)
        self._db.executemany(REVIVE, ((micros(at), message_id) for message_id in message_ids))

    def drop(self, message_ids: Sequence[str]) -> None:
        self._check_dead(message_ids)
        self._db.executemany("DELETE FROM outbox WHERE message_id = ?", ((m,) for m in message_ids))

    def _check_dead(self, message_ids: Sequence[str]) -> None:
        listed = ", ".join("?" * len(message_ids))
        query = f"SELECT message_id FROM outbox WHERE dead_at IS NOT NULL AND message_id IN ({listed})"
        UnknownMessage.check(message_ids, {row[0] for row in self._db.execute(query, message_ids)})
