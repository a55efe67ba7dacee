"""``MemoryStorage``: the ports in process memory, thread-safe, for tests and simulations.

A unit of work holds the storage's lock from ``with`` to its end, so units of work run one at a
time (as SQLite's ``BEGIN IMMEDIATE`` makes them). Writes replace immutable rows in dictionaries
at once, through a journal that puts the old rows back on rollback.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from types import TracebackType
from typing import TypeVar

import attrs

from ..codec import encode_effect
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

K = TypeVar("K")
V = TypeVar("V")


@attrs.frozen
class _Stream:
    order: Order
    events: tuple[Event, ...]
    due: datetime | None
    postponed_until: datetime | None = None
    error: str | None = None


@attrs.frozen
class _Queued:
    message: Message
    ready_at: datetime | None = None  # None: never claimed
    published: bool = False
    error: str | None = None  # why the last delivery failed
    dead: bool = False  # a dead letter: never claimed unless revived


class MemoryStorage:
    """Orders, outbox and idempotency records in dictionaries behind one lock."""

    snapshot_every: int | None = None  # the order itself is kept: no snapshot needed

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.streams: dict[str, _Stream] = {}
        self.outbox: dict[str, _Queued] = {}
        self.keys: dict[str, Recorded] = {}
        self.closed = False

    def create_schema(self) -> None:
        """Nothing to create."""

    def close(self) -> None:
        """Refuse later units of work (``StorageUnavailable``), as the other storages do."""
        self.closed = True

    def unit_of_work(self) -> MemoryUnitOfWork:
        if self.closed:
            raise StorageUnavailable("the storage is closed")
        return MemoryUnitOfWork(self)

    def stats(self, now: datetime) -> StorageStats:
        with self.lock:
            due = [s.due for s in self.streams.values() if s.due is not None and s.due <= now]
            waiting = [q for q in self.outbox.values() if not q.published and not q.dead]
            created = [q.message.created_at for q in waiting if q.message.created_at is not None]
            dead = sum(q.dead for q in self.outbox.values())
            return StorageStats(
                now, len(due), min(due, default=None), len(waiting), min(created, default=None), dead
            )


class _Journal:
    """Replaces dictionary entries and remembers how to put them back."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], object]] = []

    def put(self, mapping: dict[K, V], key: K, value: V) -> None:
        if key in mapping:
            self._undo.append(partial(mapping.__setitem__, key, mapping[key]))
        else:
            self._undo.append(partial(mapping.pop, key))
        mapping[key] = value

    def drop(self, mapping: dict[K, V], key: K) -> None:
        self._undo.append(partial(mapping.__setitem__, key, mapping.pop(key)))

    def rollback(self) -> None:
        while self._undo:
            self._undo.pop()()

    def forget(self) -> None:
        self._undo.clear()


class MemoryUnitOfWork:
    """One transaction: the storage's lock and a journal of what to undo."""

    def __init__(self, storage: MemoryStorage) -> None:
        self._storage = storage
        self._journal = _Journal()
        self.orders: OrderStore = _Orders(storage, self._journal)
        self.idempotency: IdempotencyStore = _Keys(storage, self._journal)
        self.outbox: Outbox = _Outbox(storage, self._journal)

    def __enter__(self) -> MemoryUnitOfWork:
        self._storage.lock.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            self._journal.rollback()
        finally:
            self._storage.lock.release()

    def commit(self) -> None:
        self._journal.forget()


@attrs.frozen
class _Orders:
    _storage: MemoryStorage
    _journal: _Journal

    def load(self, order_id: str) -> Order:
        stream = self._storage.streams.get(check_id(order_id))
        if stream is None:
            raise UnknownOrder(order_id)
        return stream.order

    def events(self, order_id: str, after: int = 0) -> list[Event]:
        stream = self._storage.streams.get(check_id(order_id))
        return [] if stream is None else list(stream.events[after:])

    def append(self, order_id: str, expected_version: int, decision: Decision, stored: Stored) -> None:
        old = self._storage.streams.get(check_decision(order_id, decision))
        actual = 0 if old is None else old.order.version
        if actual != expected_version:
            raise ConcurrencyConflict.stale(order_id, expected_version, actual)
        events = (() if old is None else old.events) + decision.events
        stream = _Stream(decision.order, events, stored.next_due)
        self._journal.put(self._storage.streams, order_id, stream)

    def due(self, now: datetime, limit: int) -> list[str]:
        ready = sorted(
            (stream.due, order_id)
            for order_id, stream in self._storage.streams.items()
            if stream.due is not None
            and stream.due <= now
            and (stream.postponed_until is None or stream.postponed_until <= now)
        )
        return [order_id for _, order_id in ready[:limit]]

    def next_due_at(self) -> datetime | None:
        return min(
            (
                stream.due if stream.postponed_until is None else max(stream.due, stream.postponed_until)
                for stream in self._storage.streams.values()
                if stream.due is not None
            ),
            default=None,
        )

    def postpone(self, order_id: str, until: datetime, error: str) -> None:
        stream = self._storage.streams.get(check_id(order_id))
        if stream is None:
            raise UnknownOrder(order_id)
        changed = attrs.evolve(stream, postponed_until=until, error=clean_error(error))
        self._journal.put(self._storage.streams, order_id, changed)


@attrs.frozen
class _Keys:
    _storage: MemoryStorage
    _journal: _Journal

    def get(self, key: str) -> Recorded | None:
        return self._storage.keys.get(check_key(key))

    def put(self, key: str, recorded: Recorded) -> None:
        if check_key(key) in self._storage.keys:
            raise ConcurrencyConflict(f"idempotency key {key!r} is already bound")
        self._journal.put(self._storage.keys, key, recorded)


@attrs.frozen
class _Outbox:
    _storage: MemoryStorage
    _journal: _Journal

    def put(self, order_id: str, version: int, effects: Sequence[Effect], at: datetime) -> None:
        check_id(order_id)
        for index, effect in enumerate(effects):
            message_id = Message.id_of(order_id, version, index)
            payload = encode_effect(effect)
            message = Message(message_id, order_id, version, index, effect.kind, payload, created_at=at)
            self._journal.put(self._storage.outbox, message_id, _Queued(message))

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Message]:
        ready = [
            queued
            for queued in self._storage.outbox.values()
            if not queued.published
            and not queued.dead
            and (queued.ready_at is None or queued.ready_at <= now)
        ][:limit]
        for queued in ready:
            self._replace(attrs.evolve(queued, ready_at=now + lease))
        return [queued.message for queued in ready]

    def published(self, message_ids: Sequence[str]) -> None:
        UnknownMessage.check(message_ids, self._storage.outbox)
        for message_id in message_ids:
            self._replace(attrs.evolve(self._storage.outbox[message_id], published=True))

    def retry(self, message_id: str, at: datetime, error: str) -> None:
        UnknownMessage.check((message_id,), self._storage.outbox)
        queued = self._storage.outbox[message_id]
        message = attrs.evolve(queued.message, attempts=queued.message.attempts + 1)
        self._replace(attrs.evolve(queued, message=message, ready_at=at, error=clean_error(error)))

    def bury(self, message_id: str, error: str) -> None:
        UnknownMessage.check((message_id,), self._storage.outbox)
        queued = self._storage.outbox[message_id]
        message = attrs.evolve(queued.message, attempts=queued.message.attempts + 1)
        self._replace(attrs.evolve(queued, message=message, dead=True, error=clean_error(error)))

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        dead = [q for q in self._storage.outbox.values() if q.dead][:limit]
        return [DeadLetter(q.message, q.error or "") for q in dead]

    def revive(self, message_ids: Sequence[str], at: datetime) -> None:
        UnknownMessage.check(message_ids, self._dead())
        for message_id in message_ids:
            queued = self._storage.outbox[message_id]
            message = attrs.evolve(queued.message, attempts=0)
            self._replace(attrs.evolve(queued, message=message, dead=False, ready_at=at))

    def drop(self, message_ids: Sequence[str]) -> None:
        UnknownMessage.check(message_ids, self._dead())
        for message_id in message_ids:
            self._journal.drop(self._storage.outbox, message_id)

    def _dead(self) -> set[str]:
        return {message_id for message_id, queued in self._storage.outbox.items() if queued.dead}

    def _replace(self, queued: _Queued) -> None:
        self._journal.put(self._storage.outbox, queued.message.message_id, queued)
