"""``PostgresStorage``: the ports on PostgreSQL (psycopg 3), for many workers on many machines.

Install with the ``postgres`` extra. Each unit of work is one READ COMMITTED transaction on a
connection taken from a ``psycopg_pool.ConnectionPool``, which checks a connection before handing
it out: after a server restart the dead ones are replaced, so no unit of work meets them. While
the server cannot be reached a unit of work raises ``StorageUnavailable`` (after ``pool_timeout``).
Optimistic concurrency needs no serializable
isolation: ``append`` moves the ``orderflow_orders`` row from the expected version with one
conditional ``UPDATE`` (or ``INSERT ... ON CONFLICT DO NOTHING`` for a new order), which waits
for a concurrent writer of the same row and then sees its version. ``due`` and the outbox's
``claim`` lock rows with ``FOR UPDATE SKIP LOCKED`` so that workers never share them. Each
append that leaves a deadline pending sends ``NOTIFY orderflow_due`` (``DUE_CHANNEL``) at commit;
``wait_for_due`` listens to it. Tables, indexes and operations: docs/operations.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

import psycopg
from psycopg import errors, sql
from psycopg.types.json import Jsonb, set_json_dumps, set_json_loads
from psycopg_pool import ConnectionPool, PoolTimeout

from ..codec import decode_event, dumps, encode_effect, encode_event, loads
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
from . import _postgres_sql as q
from ._postgres_sql import DUE_CHANNEL
from ._sql import RecentOrders
from .history import rebuild, snapshot_body, snapshot_order

__all__ = ["DUE_CHANNEL", "PostgresStorage", "PostgresUnitOfWork"]

#: Errors after which the same work, retried in a new transaction, can succeed.
_RETRYABLE = (
    errors.UniqueViolation,
    errors.DeadlockDetected,
    errors.SerializationFailure,
    errors.LockNotAvailable,
)

Connection = psycopg.Connection[tuple[Any, ...]]
Cursor = psycopg.Cursor[tuple[Any, ...]]


def _loads(text: str | bytes) -> Any:
    return loads(text if isinstance(text, str) else text.decode())


def _milliseconds(duration: timedelta | None) -> str:
    return "0" if duration is None else str(duration // timedelta(milliseconds=1))


class PostgresStorage:
    """Orders, outbox and idempotency records in one PostgreSQL database (see the module doc).

    At most ``pool_size`` connections are open at once; a unit of work waits up to
    ``pool_timeout`` seconds for one, then raises ``StorageUnavailable``. The timeouts (None: no
    limit) and ``synchronous_commit`` apply to every connection; all instants are read back in
    UTC. Create one storage per process: connections do not survive ``fork``. ``wait_for_due``
    is for one thread at a time (the deadline runner's).
    """

    def __init__(
        self,
        dsn: str,
        *,
        snapshot_every: int | None = 50,
        pool_size: int = 4,
        statement_timeout: timedelta | None = timedelta(seconds=30),
        lock_timeout: timedelta | None = timedelta(seconds=10),
        idle_in_transaction_timeout: timedelta | None = timedelta(minutes=1),
        synchronous_commit: bool = True,
        cache_size: int = 10_000,
        pool_timeout: float = 5.0,
    ) -> None:
        if snapshot_every is not None and snapshot_every < 1:
            raise ValueError(f"snapshot_every must be at least 1 or None, not {snapshot_every}")
        self.dsn = dsn
        self.snapshot_every = snapshot_every
        self.recent = RecentOrders(cache_size)
        self._settings = {
            "TimeZone": "UTC",
            "statement_timeout": _milliseconds(statement_timeout),
            "lock_timeout": _milliseconds(lock_timeout),
            "idle_in_transaction_session_timeout": _milliseconds(idle_in_transaction_timeout),
            "synchronous_commit": "on" if synchronous_commit else "off",
        }
        self.pool_timeout = pool_timeout
        self._listener: Connection | None = None
        self._closed = False
        self._pool: ConnectionPool[Connection] = ConnectionPool(
            dsn,
            min_size=0,
            max_size=max(1, pool_size),
            configure=self._configure,
            check=ConnectionPool.check_connection,  # a dead connection is replaced, not handed out
            timeout=pool_timeout,
            open=True,
        )

    def _configure(self, connection: Connection) -> None:
        connection.isolation_level = psycopg.IsolationLevel.READ_COMMITTED
        set_json_dumps(dumps, connection)
        set_json_loads(_loads, connection)
        for name, value in self._settings.items():
            connection.execute(b"SELECT set_config(%s, %s, false)", (name, value))
        connection.commit()

    def connect(self) -> Connection:
        """A new connection with the storage's settings (JSON through the codec), not in the pool."""
        with _unavailable():
            connection = psycopg.connect(self.dsn, autocommit=False)
            self._configure(connection)
        return connection

    def create_schema(self) -> None:
        with self.connect() as connection, _unavailable():
            connection.execute(b"SELECT pg_advisory_xact_lock(%s)", (q.SCHEMA_LOCK,))
            connection.execute(q.SCHEMA)
            connection.commit()

    def stats(self, now: datetime) -> StorageStats:
        with self.unit_of_work() as uow:
            row = uow.session.run(q.STATS, {"now": now}).fetchone()
        assert row is not None
        return StorageStats(now, *row)

    def unit_of_work(self) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self)

    def wait_for_due(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for an ``append`` elsewhere to leave a deadline pending.

        True when one did (check ``due`` again), False on timeout (poll anyway). The first call
        starts listening and returns True at once, so nothing sent before it is missed; so does a
        call that finds the connection lost (the next one listens again).
        """
        if self._listener is None:
            with _unavailable():
                self._listener = psycopg.connect(self.dsn, autocommit=True)
                self._listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(DUE_CHANNEL)))
            return True
        try:
            woken = any(True for _ in self._listener.notifies(timeout=timeout, stop_after=1))
            if woken:  # drain what else arrived: one wake-up is enough
                for _ in self._listener.notifies(timeout=0):
                    pass
        except psycopg.OperationalError:
            self._listener.close()
            self._listener = None
            return True
        return woken

    def close(self) -> None:
        """Close the pool (waiting for the connections in use) and the listener; later units of
        work raise ``StorageUnavailable``."""
        self._closed = True
        self._pool.close()
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def _take(self) -> Connection:
        if self._closed:
            raise StorageUnavailable("the storage is closed")
        try:
            return self._pool.getconn()
        except PoolTimeout as error:
            raise StorageUnavailable(
                f"no connection to PostgreSQL within {self.pool_timeout} s: {error}"
            ) from error

    def _give_back(self, connection: Connection) -> None:
        """Return ``connection`` to the pool (which drops it if broken)."""
        if self._closed:
            connection.close()
            return
        self._pool.putconn(connection)


@contextmanager
def _unavailable() -> Iterator[None]:
    """Turn a lost or refused connection into ``StorageUnavailable``."""
    try:
        yield
    except psycopg.OperationalError as error:
        if isinstance(error, _RETRYABLE):
            raise
        raise StorageUnavailable(f"PostgreSQL is unavailable: {error}") from error


@contextmanager
def _conflicts() -> Iterator[None]:
    """Turn the errors of losing a race into ``ConcurrencyConflict``, a lost connection into
    ``StorageUnavailable``."""
    try:
        with _unavailable():
            yield
    except _RETRYABLE as error:
        raise ConcurrencyConflict(f"another transaction got there first: {error}") from error


class _Session:
    """The unit of work's connection, raising ``ConcurrencyConflict`` for a lost race."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def run(self, query: bytes, params: Sequence[Any] | Mapping[str, Any] = ()) -> Cursor:
        with _conflicts():
            return self.connection.execute(query, params)

    def run_many(self, query: bytes, rows: Sequence[Sequence[Any]]) -> None:
        """``query`` once per row; a lone row skips the pipeline that ``executemany`` sets up."""
        if len(rows) == 1:
            self.run(query, rows[0])
        elif rows:
            with _conflicts(), self.connection.cursor() as cursor:
                cursor.executemany(query, rows)


class PostgresUnitOfWork:
    """One transaction on a pooled connection; ``__exit__`` rolls back whatever was not committed."""

    orders: OrderStore
    idempotency: IdempotencyStore
    outbox: Outbox
    session: _Session

    def __init__(self, storage: PostgresStorage) -> None:
        self._storage = storage
        self._connection: Connection | None = None

    def __enter__(self) -> PostgresUnitOfWork:
        self._connection = self._storage._take()
        session = self.session = _Session(self._connection)
        self._orders = _Orders(session, self._storage.recent)
        self.orders = self._orders
        self.idempotency = _Keys(session)
        self.outbox = _Outbox(session)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        connection, self._connection = self._connection, None
        assert connection is not None, "unit of work left without being entered"
        self._orders.written.clear()
        try:
            if not connection.closed:
                with _unavailable():
                    connection.rollback()  # nothing to undo after commit()
        except StorageUnavailable:
            if error is None:
                raise
            # the connection is lost: let the error that ended the block propagate
        finally:
            self._storage._give_back(connection)  # dropped unless healthy and idle

    def commit(self) -> None:
        assert self._connection is not None, "commit() outside the unit of work's with block"
        try:
            with _conflicts():
                self._connection.commit()
        except StorageUnavailable as error:
            raise StorageUnavailable.while_committing(f"lost while committing: {error}") from error
        self._orders.recent.remember(self._orders.written.values())


class _Orders:
    def __init__(self, session: _Session, recent: RecentOrders) -> None:
        self._session = session
        self.recent = recent
        self.written: dict[str, Order] = {}  # by this unit of work, remembered if it commits

    def load(self, order_id: str) -> Order:
        if check_id(order_id) in self.written:
            return self.written[order_id]
        row = self._session.run(q.LOAD, (order_id,)).fetchone()
        if row is None:
            raise UnknownOrder(order_id)
        version, snapshot, snapshot_version = row
        order = self.recent.get(order_id, version)
        if order is None:
            start = snapshot_order(order_id, snapshot, snapshot_version)  # psycopg parses JSONB
            after = 0 if start is None else snapshot_version
            read = self._session.run(q.EVENTS_UP_TO, (order_id, after, version))
            order = rebuild(order_id, start, [(n, decode_event(body)) for n, body in read], version)
            self.recent.remember((order,))  # read from committed rows
        return order

    def events(self, order_id: str, after: int = 0) -> list[Event]:
        return [event for _, event in self._rows(check_id(order_id), after)]

    def _rows(self, order_id: str, after: int) -> list[tuple[int, Event]]:
        return [(n, decode_event(body)) for n, body in self._session.run(q.EVENTS, (order_id, after))]

    def append(self, order_id: str, expected_version: int, decision: Decision, stored: Stored) -> None:
        check_decision(order_id, decision)
        version = expected_version + len(decision.events)
        due, snapshot = stored.next_due, stored.snapshot
        row = {
            "order_id": order_id,
            "expected": expected_version,
            "version": version,
            "state": decision.order.state.value,
            "next_due": due,
            "snapshot": Jsonb(snapshot_body(decision.order)) if snapshot else None,
            "snapshot_version": version if snapshot else None,
            "notify": due is not None,
            "channel": DUE_CHANNEL,
            "payload": None if due is None else due.isoformat(),
        }
        if self._session.run(q.CREATE if expected_version == 0 else q.EXTEND, row).fetchone() is None:
            actual = self._session.run(q.VERSION, (order_id,)).fetchone()
            raise ConcurrencyConflict.stale(order_id, expected_version, 0 if actual is None else actual[0])
        bodies = [encode_event(event) for event in decision.events]
        self._session.run_many(
            q.INSERT_EVENT,
            [(order_id, expected_version + n, body["type"], Jsonb(body)) for n, body in enumerate(bodies, 1)],
        )
        self.written[order_id] = decision.order

    def due(self, now: datetime, limit: int) -> list[str]:
        return [order_id for (order_id,) in self._session.run(q.DUE, {"now": now, "limit": limit})]

    def next_due_at(self) -> datetime | None:
        """The earliest instant at which ``due`` will list an order, for a runner's sleep."""
        (at,) = self._session.run(q.NEXT_DUE).fetchone() or (None,)
        return at  # type: ignore[no-any-return]

    def postpone(self, order_id: str, until: datetime, error: str) -> None:
        if self._session.run(q.POSTPONE, (until, clean_error(error), check_id(order_id))).rowcount == 0:
            raise UnknownOrder(order_id)


class _Keys:
    def __init__(self, session: _Session) -> None:
        self._session = session

    def get(self, key: str) -> Recorded | None:
        row = self._session.run(q.GET_KEY, (check_key(key),)).fetchone()
        return None if row is None else Recorded(*row)

    def put(self, key: str, recorded: Recorded) -> None:
        bound = self._session.run(q.PUT_KEY, (check_key(key), recorded.fingerprint, Jsonb(recorded.outcome)))
        if bound.rowcount == 0:
            raise ConcurrencyConflict(f"idempotency key {key!r} is already bound")


class _Outbox:
    def __init__(self, session: _Session) -> None:
        self._session = session

    def put(self, order_id: str, version: int, effects: Sequence[Effect], at: datetime) -> None:
        check_id(order_id)
        self._session.run_many(
            q.PUT_MESSAGE,
            [
                (
                    Message.id_of(order_id, version, i),
                    order_id,
                    version,
                    i,
                    effect.kind,
                    Jsonb(encode_effect(effect)),
                    at,
                )
                for i, effect in enumerate(effects)
            ],
        )

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Message]:
        rows = self._session.run(q.CLAIM, {"now": now, "limit": limit, "until": now + lease}).fetchall()
        return [Message(*row[1:]) for row in sorted(rows)]  # by seq: the order of insertion

    def published(self, message_ids: Sequence[str]) -> None:
        known = self._session.run(q.KNOWN_MESSAGES, (list(message_ids),)).fetchall()
        UnknownMessage.check(message_ids, {row[0] for row in known})
        self._session.run(q.PUBLISHED, (list(message_ids),))

    def retry(self, message_id: str, at: datetime, error: str) -> None:
        if self._session.run(q.RETRY, (at, clean_error(error), message_id)).rowcount == 0:
            raise UnknownMessage((message_id,))

    def bury(self, message_id: str, error: str) -> None:
        if self._session.run(q.BURY, (clean_error(error), message_id)).rowcount == 0:
            raise UnknownMessage((message_id,))

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        rows = self._session.run(q.DEAD, (limit,)).fetchall()
        return [DeadLetter(Message(*row[:8]), row[8] or "") for row in rows]

    def revive(self, message_ids: Sequence[str], at: datetime) -> None:
        self._check_dead(message_ids)
        self._session.run(q.REVIVE, (at, list(message_ids)))

    def drop(self, message_ids: Sequence[str]) -> None:
        self._check_dead(message_ids)
        self._session.run(q.DROP, (list(message_ids),))

    def _check_dead(self, message_ids: Sequence[str]) -> None:
        known = self._session.run(q.KNOWN_DEAD, (list(message_ids),)).fetchall()
        UnknownMessage.check(message_ids, {row[0] for row in known})
