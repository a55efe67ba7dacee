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


class MemoryStorage:
    """Orders, outbox and idempotency records in dictionaries behind one lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.streams: dict[str, _Stream] = {}
        self.outbox: dict[str, _Queued] = {}
        self.keys: dict[str, Recorded] = {}

    def create_schema(self) -> None:
        """Nothing to create."""

    def close(self) -> None:
        """Nothing to release."""

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)


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
        stream = self._storage.streams.get(order_id)
        if stream is None:
            raise UnknownOrder(order_id)
        return stream.order

    def events(self, order_id: str, after: int = 0) -> list[Event]:
        stream = self._storage.streams.get(order_id)
        return [] if stream is None else list(stream.events[after:])

    def append(self, order_id: str, expected_version: int, decision: Decision) -> None:
        old = self._storage.streams.get(order_id)
        actual = 0 if old is None else old.order.version
        if actual != expected_version:
            raise ConcurrencyConflict.stale(order_id, expected_version, actual)
        due = next_due(decision.order)
        events = (() if old is None else old.events) + decision.events
        stream = _Stream(decision.order, events, None if due is None else due.at)
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
        stream = self._storage.streams.get(order_id)
        if stream is None:
            raise UnknownOrder(order_id)
        self._journal.put(
            self._storage.streams, order_id, attrs.evolve(stream, postponed_until=until, error=error)
        )


@attrs.frozen
class _Keys:
    _storage: MemoryStorage
    _journal: _Journal

    def get(self, key: str) -> Recorded | None:
        return self._storage.keys.get(key)

    def put(self, key: str, recorded: Recorded) -> None:
        if key in self._storage.keys:
            raise ConcurrencyConflict(f"idempotency key {key!r} is already bound")
        self._journal.put(self._storage.keys, key, recorded)


@attrs.frozen
class _Outbox:
    _storage: MemoryStorage
    _journal: _Journal

    def put(self, order_id: str, version: int, effects: Sequence[Effect]) -> None:
        for index, effect in enumerate(effects):
            message_id = Message.id_of(order_id, version, index)
            message = Message(message_id, order_id, version, index, effect.kind, encode_effect(effect))
            self._journal.put(self._storage.outbox, message_id, _Queued(message))

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Message]:
        ready = [
            queued
            for queued in self._storage.outbox.values()
            if not queued.published and (queued.ready_at is None or queued.ready_at <= now)
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
        self._replace(attrs.evolve(queued, message=message, ready_at=at, error=error))

    def _replace(self, queued: _Queued) -> None:
        self._journal.put(self._storage.outbox, queued.message.message_id, queued)
