"""OrderService on the memory adapter: placing, handling, idempotent replays, rejections (with the
deadlines that fired before them) and retries when another writer got in first."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from orderflow import (
    Accept,
    Command,
    Decision,
    Deliver,
    Event,
    InvalidTransition,
    OfferCustom,
    Order,
    OrderflowError,
    ProposePartialRefund,
    Rejection,
    Role,
    State,
    replay,
)
from orderflow.adapters.memory import MemoryStorage
from orderflow.adapters.sqlite import SQLiteStorage
from orderflow.ports import ConcurrencyConflict, IdempotencyConflict, OrderStore, UnknownOrder
from orderflow.service import OrderExists, OrderService
from orderflow.testing import FakeClock
from storage_wrappers import OrdersProxy, WrappedStorage

from support import HOUR, PAID_AT, eur, placement

BUYER, SELLER, PLATFORM = Role
ACCEPTED_AT = PAID_AT + HOUR


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(ACCEPTED_AT)


@pytest.fixture
def storage() -> MemoryStorage:
    return MemoryStorage()


@pytest.fixture
def service(storage: MemoryStorage, clock: FakeClock) -> OrderService:
    return OrderService(storage, clock)


def offer(offer_id: str) -> OfferCustom:
    return OfferCustom(SELLER, offer_id=offer_id, price=eur("10.00"), delivery_days=1)


def started(service: OrderService) -> Order:
    """The example order placed and accepted (in progress) through ``service``."""
    service.place(placement())
    return service.handle("o-1", Accept(SELLER)).order


def stored_events(storage: MemoryStorage, order_id: str = "o-1") -> list[Event]:
    with storage.unit_of_work() as uow:
        return uow.orders.events(order_id)


def everything(storage: MemoryStorage) -> tuple[dict[str, Any], ...]:
    """A copy of every row the memory adapter holds, to compare before and after."""
    return dict(storage.streams), dict(storage.outbox), dict(storage.keys)


def message_ids(storage: MemoryStorage) -> list[str]:
    return list(storage.outbox)


def test_place_stores_the_order_and_queues_its_effects(service: OrderService, storage: MemoryStorage) -> None:
    decision = service.place(placement())
    assert service.order("o-1") == decision.order
    assert stored_events(storage) == list(decision.events)
    assert message_ids(storage) == [f"o-1:1:{index}" for index in range(len(decision.effects))]


def test_placing_a_taken_order_id_raises_and_writes_nothing(
    service: OrderService, storage: MemoryStorage
) -> None:
    service.place(placement())
    before = everything(storage)
    with pytest.raises(OrderExists) as caught:
        service.place(placement(buyer="someone else"))
    assert caught.value.order_id == "o-1"
    assert everything(storage) == before


def test_placing_again_with_its_key_returns_the_first_placement(
    service: OrderService, storage: MemoryStorage
) -> None:
    first = service.place(placement(), key="k")
    before = everything(storage)
    assert service.place(placement(), key="k") == first
    assert everything(storage) == before
    with pytest.raises(IdempotencyConflict):
        service.place(placement(buyer="someone else"), key="k")


def test_handle_appends_the_decision_and_queues_its_effects(
    service: OrderService, storage: MemoryStorage, clock: FakeClock
) -> None:
    placed = service.place(placement())
    decision = service.handle("o-1", Accept(SELLER))
    assert decision.order.state is State.IN_PROGRESS
    assert decision.order.updated_at == clock.now()
    assert service.order("o-1") == decision.order
    assert stored_events(storage) == [*placed.events, *decision.events]
    assert [m for m in message_ids(storage) if m.startswith("o-1:2:")] == [
        f"o-1:2:{index}" for index in range(len(decision.effects))
    ]


def test_an_idempotent_replay_returns_an_equal_decision_and_writes_nothing(
    service: OrderService, storage: MemoryStorage, clock: FakeClock
) -> None:
    started(service)
    first = service.handle("o-1", offer("a"), key="k")
    service.handle("o-1", offer("b"))  # the order moves on: the replay must not see this
    clock.advance(hours=1)
    before = everything(storage)
    again = service.handle("o-1", offer("a"), key="k")
    assert again == first
    assert again.effects
    assert again.effects == first.effects
    assert everything(storage) == before


@pytest.mark.parametrize(
    ("order_id", "command"),
    [("o-1", offer("other")), ("o-2", offer("a"))],
    ids=["another command", "another order"],
)
def test_a_key_reused_for_another_command_is_a_conflict(
    service: OrderService, storage: MemoryStorage, order_id: str, command: Command
) -> None:
    started(service)
    service.place(placement(order_id="o-2"))
    service.handle("o-2", Accept(SELLER))
    service.handle("o-1", offer("a"), key="k")
    before = everything(storage)
    with pytest.raises(IdempotencyConflict) as caught:
        service.handle(order_id, command, key="k")
    assert caught.value.key == "k"
    assert everything(storage) == before


def test_a_rejection_without_a_key_writes_nothing(service: OrderService, storage: MemoryStorage) -> None:
    service.place(placement())
    before = everything(storage)
    with pytest.raises(OrderflowError):
        service.handle("o-1", Deliver(SELLER))
    assert everything(storage) == before


def test_a_recorded_rejection_is_raised_again_with_its_type(
    service: OrderService, storage: MemoryStorage
) -> None:
    service.place(placement())
    with pytest.raises(Rejection) as first:
        service.handle("o-1", Deliver(SELLER), key="k")
    service.handle("o-1", Accept(SELLER))  # Deliver would now be accepted: the replay must not act
    before = everything(storage)
    with pytest.raises(Rejection) as again:
        service.handle("o-1", Deliver(SELLER), key="k")
    assert type(again.value) is type(first.value)
    assert str(again.value) == str(first.value)
    assert again.value.advanced is None
    assert everything(storage) == before


def test_a_rejection_after_fired_deadlines_persists_what_fired(
    service: OrderService, storage: MemoryStorage, clock: FakeClock
) -> None:
    service.place(placement())
    clock.set(PAID_AT + timedelta(hours=49))  # the 48-hour acceptance window ran out (R-PEND-3)
    with pytest.raises(InvalidTransition) as first:
        service.handle("o-1", Accept(SELLER), key="k")
    advanced = first.value.advanced
    assert advanced is not None
    assert advanced.fired
    assert service.order("o-1") == advanced.order
    assert advanced.order.state is State.CANCELED
    assert [m for m in message_ids(storage) if m.startswith("o-1:2:")], "the refund is queued"
    before = everything(storage)
    with pytest.raises(InvalidTransition) as again:
        service.handle("o-1", Accept(SELLER), key="k")
    assert again.value.advanced == advanced
    assert everything(storage) == before


def test_an_unknown_order_is_not_recorded_under_the_key(service: OrderService) -> None:
    with pytest.raises(UnknownOrder):
        service.handle("o-1", Accept(SELLER), key="k")
    service.place(placement())
    assert service.handle("o-1", Accept(SELLER), key="k").order.version == 2


def test_advance_fires_what_is_due_and_persists_it(service: OrderService, clock: FakeClock) -> None:
    service.place(placement())
    assert service.advance("o-1").events == ()
    clock.set(PAID_AT + timedelta(hours=48))
    decision = service.advance("o-1")
    assert decision.fired
    assert decision.order.state is State.CANCELED
    assert service.order("o-1") == decision.order


class WriterBetween(OrdersProxy):
    """An order store whose ``load`` lets ``writer`` commit right after reading, in the first
    ``times`` units of work (the memory lock is re-entrant: the writer runs in the same thread)."""

    def __init__(self, inner: OrderStore, writer: Callable[[], None], times: list[int]) -> None:
        super().__init__(inner)
        self.writer, self.times = writer, times

    def load(self, order_id: str) -> Order:
        order = self.inner.load(order_id)
        if self.times[0] > 0:
            self.times[0] -= 1
            self.writer()
        return order


def interleaved(storage: MemoryStorage, writer: Callable[[], None], times: int = 1) -> WrappedStorage:
    """``storage`` where ``writer`` commits between the service's load and append, ``times`` times."""
    left = [times]
    return WrappedStorage(storage, orders=lambda inner: WriterBetween(inner, writer, left))


@pytest.fixture
def rival(storage: MemoryStorage, clock: FakeClock) -> Callable[[], None]:
    """A writer that makes one more custom offer each time it runs."""
    offers = iter(f"rival-{n}" for n in range(100))

    def write() -> None:
        OrderService(storage, clock).handle("o-1", offer(next(offers)))

    return write


def test_a_conflict_is_retried_against_the_new_state(
    service: OrderService, storage: MemoryStorage, clock: FakeClock, rival: Callable[[], None]
) -> None:
    before = started(service)
    wrapped = interleaved(storage, rival)
    decision = OrderService(wrapped, clock).handle("o-1", offer("mine"))
    assert wrapped.units == 2
    assert decision.order.version == before.version + 2  # after the rival's offer
    assert {o.offer_id for o in decision.order.offers} == {"rival-0", "mine"}
    events = stored_events(storage)
    assert replay(events) == service.order("o-1") == decision.order
    assert len(events) == decision.order.version


def test_conflicts_past_the_retries_raise_and_write_nothing_of_the_attempts(
    service: OrderService, storage: MemoryStorage, clock: FakeClock, rival: Callable[[], None]
) -> None:
    before = started(service)
    wrapped = interleaved(storage, rival, times=3)
    with pytest.raises(ConcurrencyConflict):
        OrderService(wrapped, clock, retries=2).handle("o-1", offer("mine"), key="k")
    assert wrapped.units == 3
    order = service.order("o-1")
    assert order.version == before.version + 3  # the rival's three offers only
    assert "mine" not in {o.offer_id for o in order.offers}
    assert "k" not in storage.keys


def test_threads_racing_on_one_order_all_succeed_with_contiguous_versions(
    service: OrderService, storage: MemoryStorage
) -> None:
    before = started(service)
    commands: list[Command] = [offer(f"o{n}") for n in range(8)]
    commands += [ProposePartialRefund(BUYER, amount=eur("1.00"), reason="late")]
    barrier = threading.Barrier(len(commands))
    results: list[Decision] = []

    def send(command: Command) -> None:
        barrier.wait()
        results.append(service.handle("o-1", command))

    threads = [threading.Thread(target=send, args=(command,)) for command in commands]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(d.order.version for d in results) == list(
        range(before.version + 1, before.version + len(commands) + 1)
    )
    events = stored_events(storage)
    assert len(events) == before.version + len(commands)
    assert replay(events) == service.order("o-1")


def test_replays_come_back_equal_through_sqlite(tmp_path: Path, clock: FakeClock) -> None:
    """Through the JSON codec too: an accepted command, then a rejection after fired deadlines."""
    storage = SQLiteStorage(tmp_path / "orders.db")
    storage.create_schema()
    service = OrderService(storage, clock)
    placed = service.place(placement(), key="place")
    service.place(placement(order_id="o-2"))
    accepted = service.handle("o-1", Accept(SELLER), key="accept")
    assert service.handle("o-1", Accept(SELLER), key="accept") == accepted
    assert service.place(placement(), key="place") == placed
    clock.set(PAID_AT + timedelta(hours=49))
    with pytest.raises(InvalidTransition) as first:
        service.handle("o-2", Accept(SELLER), key="late")
    with pytest.raises(InvalidTransition) as again:
        service.handle("o-2", Accept(SELLER), key="late")
    assert first.value.advanced is not None
    assert again.value.advanced == first.value.advanced
    assert str(again.value) == str(first.value)
    storage.close()
