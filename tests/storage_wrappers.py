"""Storage wrappers for the service tests: units of work whose stores a test can make fail, or let
another writer in at a chosen moment. Each proxy delegates everything it does not override."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from types import TracebackType

from orderflow import Decision, Event, Order
from orderflow.domain.effects import Effect
from orderflow.ports import DeadLetter, Message, OrderStore, Outbox, Storage, StorageStats, Stored, UnitOfWork


class OrdersProxy:
    """An ``OrderStore`` that hands every call to ``inner``."""

    def __init__(self, inner: OrderStore) -> None:
        self.inner = inner

    def load(self, order_id: str) -> Order:
        return self.inner.load(order_id)

    def events(self, order_id: str, after: int = 0) -> list[Event]:
        return self.inner.events(order_id, after)

    def append(self, order_id: str, expected_version: int, decision: Decision, stored: Stored) -> None:
        self.inner.append(order_id, expected_version, decision, stored)

    def due(self, now: datetime, limit: int) -> list[str]:
        return self.inner.due(now, limit)

    def next_due_at(self) -> datetime | None:
        return self.inner.next_due_at()

    def postpone(self, order_id: str, until: datetime, error: str) -> None:
        self.inner.postpone(order_id, until, error)


class OutboxProxy:
    """An ``Outbox`` that hands every call to ``inner``."""

    def __init__(self, inner: Outbox) -> None:
        self.inner = inner

    def put(self, order_id: str, version: int, effects: Sequence[Effect], at: datetime) -> None:
        self.inner.put(order_id, version, effects, at)

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Message]:
        return self.inner.claim(now, limit, lease)

    def published(self, message_ids: Sequence[str]) -> None:
        self.inner.published(message_ids)

    def retry(self, message_id: str, at: datetime, error: str) -> None:
        self.inner.retry(message_id, at, error)

    def bury(self, message_id: str, error: str) -> None:
        self.inner.bury(message_id, error)

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        return self.inner.dead_letters(limit)

    def revive(self, message_ids: Sequence[str], at: datetime) -> None:
        self.inner.revive(message_ids, at)

    def drop(self, message_ids: Sequence[str]) -> None:
        self.inner.drop(message_ids)


class WrappedUnit:
    """``inner`` with its order store and outbox replaced."""

    def __init__(self, inner: UnitOfWork, orders: OrderStore, outbox: Outbox) -> None:
        self.inner = inner
        self.orders = orders
        self.idempotency = inner.idempotency
        self.outbox = outbox

    def __enter__(self) -> WrappedUnit:
        self.inner.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.inner.__exit__(kind, error, trace)

    def commit(self) -> None:
        self.inner.commit()


class WrappedStorage:
    """``inner`` whose units of work pass their stores through ``orders`` and ``outbox``; counts
    the units of work handed out."""

    def __init__(
        self,
        inner: Storage,
        orders: Callable[[OrderStore], OrderStore] = OrdersProxy,
        outbox: Callable[[Outbox], Outbox] = OutboxProxy,
    ) -> None:
        self.inner, self.orders, self.outbox = inner, orders, outbox
        self.units = 0

    @property
    def snapshot_every(self) -> int | None:
        return self.inner.snapshot_every

    def stats(self, now: datetime) -> StorageStats:
        return self.inner.stats(now)

    def create_schema(self) -> None:
        self.inner.create_schema()

    def close(self) -> None:
        self.inner.close()

    def unit_of_work(self) -> WrappedUnit:
        self.units += 1
        unit = self.inner.unit_of_work()
        return WrappedUnit(unit, self.orders(unit.orders), self.outbox(unit.outbox))
