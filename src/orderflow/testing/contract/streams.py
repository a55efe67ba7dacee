"""The storage contract's streams (round trip, optimistic concurrency, atomic units of work,
idempotency) and ``StorageContract``, the class to subclass. It needs the fixtures
``storage`` (an empty database, schema created) and ``peers`` (``THREADS`` storages over that same
database, one per thread of a concurrency test)."""

from __future__ import annotations

import itertools
from contextlib import nullcontext
from functools import partial

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

from ... import Accept, Cancel, OfferCustom, Role, decide, place_order, replay
from ...codec import encode_effect
from ...domain.events import Event
from ...ports import ConcurrencyConflict, Recorded, Storage, UnknownOrder
from ..strategies import Life, lives
from .edges import EdgeContract
from .queues import QueueContract
from .support import (
    HOUR,
    LATER,
    THREADS,
    append,
    eur,
    expected_before,
    life,
    pending,
    placement,
    recorded,
    together,
    write,
    write_in,
)

BUYER, SELLER = Role.BUYER, Role.SELLER


class Boom(Exception):
    """A failure injected in the middle of a unit of work."""


def snapshot(storage: Storage, order_id: str) -> tuple[object, ...]:
    """Everything stored about one order and the key ``"k"``, to compare before and after."""
    with storage.unit_of_work() as uow:
        try:
            order: object = uow.orders.load(order_id)
        except UnknownOrder:
            order = None
        state = (order, uow.orders.events(order_id), uow.orders.due(LATER, 100), uow.idempotency.get("k"))
    return (*state, [m.message_id for m in pending(storage)])


class StorageContract(QueueContract, EdgeContract):
    """Subclass with the ``storage`` and ``peers`` fixtures; ``examples`` bounds the Hypothesis test."""

    examples = 30

    # Round trip and replay

    def test_a_stored_life_loads_as_the_live_order_at_every_version(self, storage: Storage) -> None:
        stored: list[Event] = []
        for decision in life():
            write(storage, "order-1", decision)
            stored.extend(decision.events)
            with storage.unit_of_work() as uow:
                assert uow.orders.load("order-1") == decision.order  # version included
                assert uow.orders.events("order-1") == stored
                assert replay(uow.orders.events("order-1")) == decision.order
                assert uow.orders.events("order-1", after=2) == stored[2:]

    def test_random_lives_stored_decision_by_decision_load_as_lived(self, storage: Storage) -> None:
        numbers = itertools.count()

        @settings(max_examples=self.examples, suppress_health_check=[HealthCheck.too_slow])
        @given(lives(max_steps=8))
        def check(drawn: Life) -> None:
            order_id = f"life-{next(numbers)}"
            decisions = attrs.evolve(drawn, placement=attrs.evolve(drawn.placement, order_id=order_id)).play()
            for decision in decisions:
                write(storage, order_id, decision)
            with storage.unit_of_work() as uow:
                assert uow.orders.load(order_id) == decisions[-1].order
                assert uow.orders.events(order_id) == [e for d in decisions for e in d.events]

        check()

    def test_an_unknown_order_is_reported_as_such(self, storage: Storage) -> None:
        write(storage, "order-1", life()[0])
        with storage.unit_of_work() as uow:
            with pytest.raises(UnknownOrder) as caught:
                uow.orders.load("order-2")
            assert caught.value.order_id == "order-2"
            assert uow.orders.events("order-2") == []
            with pytest.raises(UnknownOrder):
                uow.orders.postpone("order-2", LATER, "no such order")

    def test_a_rolled_back_write_is_never_read_for_the_version_another_writer_commits(
        self, peers: list[Storage]
    ) -> None:
        """Adapters may keep decoded orders by (id, version): only committed ones may be kept."""
        first, second = peers[0], peers[1]
        placed = place_order(placement(order_id="order-1"))
        write(first, "order-1", placed)
        now = placed.order.updated_at + HOUR
        accepted, canceled = (
            decide(placed.order, command, now) for command in (Accept(SELLER), Cancel(BUYER))
        )
        with first.unit_of_work() as uow:
            assert uow.orders.load("order-1") == placed.order
            write_in(uow, "order-1", accepted)
            assert uow.orders.load("order-1") == accepted.order  # its own write, inside its unit of work
        write(second, "order-1", canceled)  # the same version 2, another history
        with first.unit_of_work() as uow:
            assert uow.orders.load("order-1") == canceled.order

    # Optimistic concurrency and atomic units of work

    @pytest.mark.parametrize("expected", [0, 1, 3])
    def test_a_stale_append_writes_nothing_even_if_the_unit_of_work_commits(
        self, storage: Storage, expected: int
    ) -> None:
        placed, accepted, offered = life()[:3]
        write(storage, "order-1", placed)
        write(storage, "order-1", accepted)
        with storage.unit_of_work() as uow:
            uow.orders.postpone("order-1", LATER, "failing")
            uow.commit()
        before = snapshot(storage, "order-1")
        stale = offered if expected != 0 else placed
        with storage.unit_of_work() as uow:
            with pytest.raises(ConcurrencyConflict) as caught:
                append(uow, "order-1", expected, stale)
            uow.commit()
        assert (caught.value.order_id, caught.value.expected, caught.value.actual) == ("order-1", expected, 2)
        assert snapshot(storage, "order-1") == before

    def test_a_stale_write_of_a_whole_decision_leaves_no_trace(self, storage: Storage) -> None:
        placed, accepted, offered = life()[:3]
        write(storage, "order-1", placed)
        write(storage, "order-1", accepted)
        before = snapshot(storage, "order-1")
        with pytest.raises(ConcurrencyConflict):
            write(
                storage, "order-1", attrs.evolve(offered, order=attrs.evolve(offered.order, version=4)), "k"
            )
        assert snapshot(storage, "order-1") == before

    @pytest.mark.parametrize("failure", ["exception", "no commit", "key already bound"])
    def test_a_unit_of_work_that_does_not_commit_leaves_no_trace(
        self, storage: Storage, failure: str
    ) -> None:
        decisions = life()
        for n, decision in enumerate(decisions[:4]):
            write(
                storage, "order-1", decision, key="k" if n == 0 and failure == "key already bound" else None
            )
        before = snapshot(storage, "order-1")
        fired = decisions[4]  # two events and nine effects
        failing = pytest.raises((Boom, ConcurrencyConflict)) if failure != "no commit" else nullcontext()
        with failing, storage.unit_of_work() as uow:
            append(uow, "order-1", expected_before(fired), fired)
            uow.outbox.put("order-1", fired.order.version, fired.effects, fired.order.updated_at)
            uow.idempotency.put("k", recorded(fired, "another"))
            if failure == "exception":
                raise Boom
        assert snapshot(storage, "order-1") == before

    def test_concurrent_creates_of_one_order_exactly_one_wins(self, peers: list[Storage]) -> None:
        decisions = [place_order(placement(order_id="order-1", buyer=f"buyer-{i}")) for i in range(THREADS)]
        results = together([partial(write, s, "order-1", d) for s, d in zip(peers, decisions, strict=True)])
        winners = [i for i, result in enumerate(results) if result is None]
        assert len(winners) == 1
        assert all(isinstance(r, ConcurrencyConflict) for r in results if r is not None)
        with peers[0].unit_of_work() as uow:
            assert uow.orders.load("order-1") == decisions[winners[0]].order
            assert len(uow.orders.events("order-1")) == 1
        assert [m.payload for m in pending(peers[0])] == [
            encode_effect(e) for e in decisions[winners[0]].effects
        ]

    @pytest.mark.parametrize("transactions", ["one", "read then write"])
    def test_concurrent_commands_retried_on_conflict_give_contiguous_versions(
        self, peers: list[Storage], transactions: str
    ) -> None:
        """As the service does (load, decide and append in one unit of work), and optimistically
        (load in one, append in another: a conflict each time another thread wrote in between)."""
        placed, accepted = life()[:2]
        write(peers[0], "order-1", placed)
        write(peers[0], "order-1", accepted)
        now, per_thread = accepted.order.updated_at + HOUR, 3

        def offer(storage: Storage, offer: OfferCustom) -> None:
            with storage.unit_of_work() as uow:
                decision = decide(uow.orders.load("order-1"), offer, now)
                if transactions == "one":
                    write_in(uow, "order-1", decision)
                    uow.commit()
                    return
            write(storage, "order-1", decision)

        def offers(thread: int) -> None:
            for n in range(per_thread):
                while True:
                    try:
                        offer(peers[thread], OfferCustom("seller", f"offer-{thread}-{n}", eur("10"), 1))
                        break
                    except ConcurrencyConflict:
                        continue

        assert together([partial(offers, t) for t in range(THREADS)]) == [None] * THREADS
        last = 2 + THREADS * per_thread
        with peers[0].unit_of_work() as uow:
            order, events = uow.orders.load("order-1"), uow.orders.events("order-1")
        assert order.version == len(events) == last
        assert replay(events) == order
        assert len(order.offers) == THREADS * per_thread  # each command applied exactly once
        versions = sorted(m.version for m in pending(peers[0]))
        assert versions == list(range(1, last + 1))  # one message per decision: no gap, no duplicate

    # Idempotency

    def test_an_idempotency_key_binds_once(self, storage: Storage) -> None:
        first = Recorded("fp-1", {"order_id": "order-1", "to_version": 2, "fired": ["acceptance"]})
        with storage.unit_of_work() as uow:
            assert uow.idempotency.get("k") is None
            uow.idempotency.put("k", first)
            assert uow.idempotency.get("k") == first
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.idempotency.get("k") == first
            with pytest.raises(ConcurrencyConflict):
                uow.idempotency.put("k", Recorded("fp-2", {"error": {"type": "NotAllowed"}}))
            assert uow.idempotency.get("k") == first
            assert uow.idempotency.get("K") is None

    def test_concurrent_puts_of_one_key_bind_exactly_one(self, peers: list[Storage]) -> None:
        def put(storage: Storage, n: int) -> None:
            with storage.unit_of_work() as uow:
                uow.idempotency.put("k", Recorded(f"fp-{n}", {"n": n}))
                uow.commit()

        results = together([partial(put, s, n) for n, s in enumerate(peers)])
        winners = [n for n, result in enumerate(results) if result is None]
        assert len(winners) == 1
        assert all(isinstance(r, ConcurrencyConflict) for r in results if r is not None)
        with peers[0].unit_of_work() as uow:
            assert uow.idempotency.get("k") == Recorded(f"fp-{winners[0]}", {"n": winners[0]})
