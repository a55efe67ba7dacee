"""Helpers of the storage contract (``orderflow.testing.contract``): a stored order's life,
committing a decision the way the service does (events, outbox, idempotency record in one unit of
work), and threads started together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import attrs

from ...domain.commands import Accept, Deliver, OfferCustom, Review
from ...domain.decide import decide
from ...domain.decision import Decision
from ...domain.money import Money
from ...domain.order import Order
from ...domain.placement import Placement, place_order
from ...domain.timers import advance, next_due
from ...example import example_placement
from ...ports import Message, Recorded, Storage, Stored, UnitOfWork

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def at(text: str) -> datetime:
    """An aware UTC instant from ``YYYY-MM-DDTHH:MM``."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def eur(amount: str) -> Money:
    """An amount in euros, from its decimal string."""
    return Money(amount, "EUR")


def placement(**changes: Any) -> Placement:
    """The scenario-format example (``orderflow.example``): 57.50 paid, 3 days; ``changes`` apply."""
    return attrs.evolve(example_placement(), **changes)


T = TypeVar("T")

#: Far enough in the future for every lease and retry of the tests to be over.
LATER = datetime.fromisoformat("2030-01-01T00:00+00:00")
LEASE = timedelta(minutes=1)
#: Threads of a concurrency test (the length of the ``peers`` fixture).
THREADS = 6


def life(order_id: str = "order-1") -> list[Decision]:
    """An order's decisions, placement first: one event each, then two deadlines firing together
    (two events, nine effects), then a review — seven versions in all."""
    decisions = [place_order(placement(order_id=order_id))]
    start = decisions[0].order.updated_at

    def then(step: Callable[[Decision], Decision]) -> None:
        decisions.append(step(decisions[-1]))

    then(lambda d: decide(d.order, Accept("seller"), start + HOUR))
    then(lambda d: decide(d.order, OfferCustom("seller", "extra", eur("12.50"), 2), start + 2 * HOUR))
    then(lambda d: decide(d.order, Deliver("seller"), start + DAY))
    then(lambda d: advance(d.order, start + 40 * DAY))
    then(lambda d: decide(d.order, Review("buyer", 5, "fine"), start + 41 * DAY))
    return decisions


def expected_before(decision: Decision) -> int:
    """The version a decision extends."""
    return decision.order.version - len(decision.events)


def write(storage: Storage, order_id: str, decision: Decision, key: str | None = None) -> None:
    """Commit ``decision`` in a unit of work of its own."""
    with storage.unit_of_work() as uow:
        write_in(uow, order_id, decision, key, storage.snapshot_every)
        uow.commit()


def write_in(
    uow: UnitOfWork,
    order_id: str,
    decision: Decision,
    key: str | None = None,
    snapshot_every: int | None = None,
) -> None:
    """Write ``decision`` as the service does: events, then its effects, then the key's record."""
    append(uow, order_id, expected_before(decision), decision, snapshot_every)
    uow.outbox.put(order_id, decision.order.version, decision.effects, decision.order.updated_at)
    if key is not None:
        uow.idempotency.put(key, recorded(decision))


def append(
    uow: UnitOfWork, order_id: str, expected: int, decision: Decision, snapshot_every: int | None = None
) -> None:
    """``uow.orders.append`` with what the service would compute (``Stored.of``)."""
    uow.orders.append(order_id, expected, decision, Stored.of(decision, expected, snapshot_every))


def recorded(decision: Decision, fingerprint: str = "fp") -> Recorded:
    order = decision.order
    outcome = {"order_id": order.terms.order_id, "to_version": order.version, "fired": list(decision.fired)}
    return Recorded(fingerprint, outcome)


def messages_of(order_id: str, decision: Decision) -> list[str]:
    """The message ids a committed ``decision`` must leave in the outbox."""
    return [Message.id_of(order_id, decision.order.version, i) for i in range(len(decision.effects))]


def pending(storage: Storage) -> list[Message]:
    """Every message a relay could claim once all leases are over (claimed, then rolled back)."""
    with storage.unit_of_work() as uow:
        return uow.outbox.claim(LATER, 10_000, LEASE)


def load_then_close(storage: Storage, order_id: str) -> Order:
    """``order_id`` loaded through ``storage`` (given fresh, e.g. without its decoded-order cache, so
    that it decodes the rows), then closed."""
    try:
        with storage.unit_of_work() as uow:
            return uow.orders.load(order_id)
    finally:
        storage.close()


def together(workers: list[Callable[[], T]]) -> list[T | BaseException]:
    """Run each worker on its own thread, all released at once; each one's result or exception."""
    barrier = threading.Barrier(len(workers))

    def run(worker: Callable[[], T]) -> T | BaseException:
        barrier.wait()
        try:
            return worker()
        except Exception as error:
            return error

    with ThreadPoolExecutor(len(workers)) as pool:
        return list(pool.map(run, workers))


def succeeded(results: list[T | BaseException]) -> list[T]:
    """The results of ``together``, re-raising the first exception."""
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return [result for result in results if not isinstance(result, BaseException)]


def due_of(decision: Decision) -> datetime:
    """When the decision's order is next due (it must be)."""
    due = next_due(decision.order)
    assert due is not None
    return due.at
