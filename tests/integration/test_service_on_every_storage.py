"""OrderService on every storage adapter (memory, SQLite, PostgreSQL): threads racing with the same
idempotency key run the command once and all get its decision; threads racing with different
commands all succeed, with contiguous versions. PostgreSQL needs ``ORDERFLOW_PG_DSN`` (see
``tests/pg.py``: skipped without it, failed in CI without it)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TypeVar

import pytest

from orderflow import Accept, Decision, OfferCustom, ProposePartialRefund, Role, replay
from orderflow.adapters.memory import MemoryStorage
from orderflow.adapters.sqlite import SQLiteStorage
from orderflow.ports import Storage
from orderflow.service import OrderService
from orderflow.testing import FakeClock

from support import HOUR, PAID_AT, eur, placement

pytest_plugins = ["pg"]

THREADS = 6
T = TypeVar("T")


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    made: Storage
    if request.param == "memory":
        made = MemoryStorage()
    elif request.param == "sqlite":
        made = SQLiteStorage(tmp_path / "orders.db")
    else:
        from orderflow.adapters.postgres import PostgresStorage

        made = PostgresStorage(request.getfixturevalue("pg_dsn"))
    made.create_schema()
    yield made
    made.close()


def race(workers: list[Callable[[], T]]) -> list[T]:
    """Run each worker on its own thread, released together; their results (errors re-raised)."""
    barrier = threading.Barrier(len(workers))
    results: list[T] = []
    errors: list[BaseException] = []

    def run(worker: Callable[[], T]) -> None:
        barrier.wait()
        try:
            results.append(worker())
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def started(storage: Storage) -> OrderService:
    service = OrderService(storage, FakeClock(PAID_AT + HOUR))
    service.place(placement())
    service.handle("o-1", Accept(Role.SELLER))
    return service


def test_duplicates_racing_with_one_key_run_once_and_all_get_its_decision(storage: Storage) -> None:
    service = started(storage)
    proposal = ProposePartialRefund(Role.BUYER, amount=eur("5.00"), reason="a part is missing")
    decisions: list[Decision] = race([partial(service.handle, "o-1", proposal, key="k-1")] * THREADS)
    assert all(decision == decisions[0] for decision in decisions)
    assert decisions[0].order.version == 3  # placed, accepted, proposed: once
    with storage.unit_of_work() as uow:
        events = uow.orders.events("o-1")
        pending = uow.outbox.claim(PAID_AT + HOUR, 1000, HOUR)
    assert [event.name for event in events] == ["OrderPlaced", "OrderAccepted", "PartialRefundProposed"]
    assert len({message.message_id for message in pending}) == len(pending)
    assert {message.version for message in pending} == {1, 2, 3}


def test_different_commands_racing_all_succeed_with_contiguous_versions(storage: Storage) -> None:
    service = started(storage)
    offers = [
        OfferCustom(Role.SELLER, offer_id=f"offer-{n}", price=eur("10.00"), delivery_days=1)
        for n in range(THREADS)
    ]
    decisions = race([partial(service.handle, "o-1", offer) for offer in offers])
    assert sorted(decision.order.version for decision in decisions) == list(range(3, 3 + THREADS))
    with storage.unit_of_work() as uow:
        events = uow.orders.events("o-1")
    assert replay(events) == service.order("o-1")
    assert {offer.offer_id for offer in service.order("o-1").offers} == {o.offer_id for o in offers}
