"""DeadlineRunner on the memory adapter: it fires exactly the due orders, never early, postpones an
order that fails (with growing backoff) without holding the others back, and sleeps until the
next due instant."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest

from orderflow import Order, State
from orderflow.adapters.memory import MemoryStorage, MemoryUnitOfWork
from orderflow.adapters.sqlite import SQLiteStorage
from orderflow.domain.effects import Effect
from orderflow.ports import Storage
from orderflow.service import DeadlineRunner, OrderService
from orderflow.testing import FakeClock
from storage_wrappers import OrdersProxy, OutboxProxy, WrappedStorage

from support import HOUR, PAID_AT, placement

BACKOFF = timedelta(minutes=1)
S = TypeVar("S", bound=Storage)


def due_at(hours: int) -> datetime:
    """When an order placed with an acceptance window of ``hours`` is canceled (R-PEND-3)."""
    return PAID_AT + timedelta(hours=hours)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(PAID_AT)


def place(storage: S, clock: FakeClock, hours: tuple[int, ...] = (24, 36, 72)) -> S:
    """Orders o-24, o-36 and o-72, each canceled that many hours after payment unless accepted."""
    for window in hours:
        placed = placement(order_id=f"o-{window}", acceptance_window=timedelta(hours=window))
        OrderService(storage, clock).place(placed)
    return storage


@pytest.fixture
def storage(clock: FakeClock) -> MemoryStorage:
    return place(MemoryStorage(), clock)


@pytest.fixture(params=["memory", "sqlite"])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    """An empty storage of each adapter."""
    storage: Storage = MemoryStorage() if request.param == "memory" else SQLiteStorage(tmp_path / "o.db")
    storage.create_schema()
    yield storage
    storage.close()


def runner(storage: Storage, clock: FakeClock, batch: int = 100) -> DeadlineRunner:
    return DeadlineRunner(storage, clock, batch=batch, backoff=BACKOFF, max_backoff=timedelta(minutes=3))


def state(storage: MemoryStorage, order_id: str) -> State:
    return storage.streams[order_id].order.state


def order(storage: MemoryStorage, order_id: str) -> Order:
    return storage.streams[order_id].order


def test_it_fires_exactly_the_due_orders(storage: MemoryStorage, clock: FakeClock) -> None:
    clock.set(due_at(36))
    assert runner(storage, clock).run_once() == 2
    assert [state(storage, f"o-{h}") for h in (24, 36, 72)] == [State.CANCELED, State.CANCELED, State.PENDING]
    assert order(storage, "o-72").version == 1
    assert runner(storage, clock).run_once() == 0


def test_nothing_fires_early(storage: MemoryStorage, clock: FakeClock) -> None:
    clock.set(due_at(24) - timedelta(microseconds=1))
    assert runner(storage, clock).run_once() == 0
    assert state(storage, "o-24") is State.PENDING
    clock.set(due_at(24))
    assert runner(storage, clock).run_once() == 1
    assert order(storage, "o-24").updated_at == due_at(24)


def test_a_batch_takes_the_earliest_due_first(storage: MemoryStorage, clock: FakeClock) -> None:
    clock.set(due_at(72))
    assert runner(storage, clock, batch=2).run_once() == 2
    assert state(storage, "o-72") is State.PENDING
    assert runner(storage, clock, batch=2).run_once() == 1


def test_fired_effects_are_queued_with_the_events(storage: MemoryStorage, clock: FakeClock) -> None:
    clock.set(due_at(24))
    runner(storage, clock).run_once()
    version = order(storage, "o-24").version
    kinds = {q.message.kind for q in storage.outbox.values() if q.message.version == version}
    assert "refund" in kinds


class CorruptOrders(OrdersProxy):
    """``load`` fails for the orders in ``broken`` (corrupt rows, say)."""

    broken = frozenset({"o-24"})

    def load(self, order_id: str) -> Order:
        if order_id in self.broken:
            raise ValueError(f"cannot decode {order_id}")
        return self.inner.load(order_id)


class FailingOutbox(OutboxProxy):
    """``put`` fails for the orders in ``broken`` (an effect the codec cannot encode, say)."""

    broken = frozenset({"o-24"})

    def put(self, order_id: str, version: int, effects: Sequence[Effect], at: datetime) -> None:
        if order_id in self.broken:
            raise ValueError(f"cannot encode an effect of {order_id}")
        self.inner.put(order_id, version, effects, at)


@pytest.mark.parametrize(
    ("wrap", "error"),
    [
        (lambda storage: WrappedStorage(storage, orders=CorruptOrders), "ValueError: cannot decode o-24"),
        (
            lambda storage: WrappedStorage(storage, outbox=FailingOutbox),
            "ValueError: cannot encode an effect of o-24",
        ),
    ],
    ids=["failing read", "failing write"],
)
def test_a_failing_order_is_postponed_with_backoff_and_the_others_fire(
    storage: MemoryStorage, clock: FakeClock, wrap: Callable[[Storage], Storage], error: str
) -> None:
    failing = runner(wrap(storage), clock)
    now = clock.set(due_at(36))
    assert failing.run_once() == 1
    assert state(storage, "o-36") is State.CANCELED
    assert order(storage, "o-24").version == 1
    assert storage.streams["o-24"].postponed_until == now + BACKOFF
    assert storage.streams["o-24"].error == error
    assert failing.run_once() == 0, "postponed: not due again before its backoff"
    for delay in (2 * BACKOFF, 3 * BACKOFF, 3 * BACKOFF):  # doubling, up to max_backoff
        now = clock.set(postponed_until(storage, "o-24"))
        assert failing.run_once() == 0
        assert postponed_until(storage, "o-24") == now + delay
    clock.set(postponed_until(storage, "o-24"))
    assert runner(storage, clock).run_once() == 1, "healthy again, it fires"
    assert state(storage, "o-24") is State.CANCELED
    assert storage.streams["o-24"].postponed_until is None


def postponed_until(storage: MemoryStorage, order_id: str) -> datetime:
    until = storage.streams[order_id].postponed_until
    assert until is not None
    return until


class OneRound(threading.Event):
    """A stop event that ends ``run_forever`` at its first pause, remembering how long it was."""

    def __init__(self) -> None:
        super().__init__()
        self.pauses: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.pauses.append(timeout)
        self.set()
        return True


@pytest.mark.parametrize(
    ("now", "poll", "pause"),
    [
        (due_at(22), timedelta(hours=5), 2 * HOUR),  # until o-24 is due
        (due_at(22), timedelta(minutes=5), timedelta(minutes=5)),  # poll for new deadlines
        (due_at(24), timedelta(hours=20), 12 * HOUR),  # o-24 fired: until o-36 is due
    ],
)
def test_run_forever_sleeps_until_the_next_due_instant_or_the_poll(
    empty: Storage, clock: FakeClock, now: datetime, poll: timedelta, pause: timedelta
) -> None:
    storage = place(empty, clock)
    clock.set(now)
    stop = OneRound()
    DeadlineRunner(storage, clock, poll=poll).run_forever(stop)
    assert stop.pauses == [pause.total_seconds()]


def test_run_forever_counts_a_postponement_in_the_next_due_instant(empty: Storage, clock: FakeClock) -> None:
    storage = place(empty, clock, hours=(24,))
    clock.set(due_at(24))
    stop = OneRound()
    broken = WrappedStorage(storage, orders=CorruptOrders)
    DeadlineRunner(broken, clock, backoff=HOUR, poll=2 * HOUR).run_forever(stop)
    with storage.unit_of_work() as uow:
        assert uow.orders.next_due_at() == due_at(25)
    assert stop.pauses == [HOUR.total_seconds()], "until the postponement ends, not at once"


def test_run_forever_goes_on_at_once_while_batches_are_full(storage: MemoryStorage, clock: FakeClock) -> None:
    clock.set(due_at(72))
    stop = OneRound()
    DeadlineRunner(storage, clock, batch=1, poll=HOUR).run_forever(stop)
    assert [state(storage, f"o-{h}") for h in (24, 36, 72)] == [State.CANCELED] * 3
    assert stop.pauses == [HOUR.total_seconds()], "paused once, when nothing was left"


def test_run_forever_survives_a_failing_round(clock: FakeClock) -> None:
    class Down(MemoryStorage):
        def unit_of_work(self) -> MemoryUnitOfWork:
            raise OSError("database unreachable")

    stop = OneRound()
    DeadlineRunner(Down(), clock, poll=timedelta(seconds=7)).run_forever(stop)
    assert stop.pauses == [7.0]
