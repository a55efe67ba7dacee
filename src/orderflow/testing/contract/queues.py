"""The storage contract's queues: the outbox a relay drains, the due orders a deadline runner
fires, and schema creation. ``StorageContract`` inherits these tests; fixtures as there."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

import pytest

from ... import Cancel, decide, next_due, place_order
from ...codec import encode_effect
from ...ports import Message, Storage, UnknownMessage
from .support import (
    DAY,
    HOUR,
    LATER,
    LEASE,
    THREADS,
    append,
    at,
    due_of,
    life,
    messages_of,
    pending,
    placement,
    succeeded,
    together,
    write,
)

NOW = at("2026-01-03T10:00")


def put_messages(storage: Storage, orders: int) -> list[str]:
    """Place ``orders`` orders (one message each) and return the message ids, oldest first."""
    ids = []
    for n in range(orders):
        decision = place_order(placement(order_id=f"order-{n}"))
        write(storage, f"order-{n}", decision)
        ids += messages_of(f"order-{n}", decision)
    return ids


def claim(storage: Storage, now: datetime, limit: int = 100, lease: timedelta = LEASE) -> list[Message]:
    with storage.unit_of_work() as uow:
        claimed = uow.outbox.claim(now, limit, lease)
        uow.commit()
    return claimed


def ids(messages: list[Message]) -> list[str]:
    return [m.message_id for m in messages]


class QueueContract:
    """Outbox, due orders and schema tests of ``StorageContract``."""

    # Outbox

    def test_committed_decisions_and_only_they_leave_their_effects_in_the_outbox(
        self, storage: Storage
    ) -> None:
        decisions = life()
        for decision in decisions:
            write(storage, "order-1", decision)
        messages = pending(storage)
        assert ids(messages) == [i for d in decisions for i in messages_of("order-1", d)]  # oldest first
        effects = [(d.order.version, i, e) for d in decisions for i, e in enumerate(d.effects)]
        assert [(m.order_id, m.version, m.index, m.kind, m.payload, m.attempts) for m in messages] == [
            ("order-1", version, index, effect.kind, encode_effect(effect), 0)
            for version, index, effect in effects
        ]

    def test_a_claimed_message_is_leased_until_its_lease_ends(self, storage: Storage) -> None:
        every = put_messages(storage, 3)
        assert ids(claim(storage, NOW, limit=2)) == every[:2]
        assert ids(claim(storage, NOW + LEASE - timedelta(microseconds=1))) == every[2:]
        assert ids(claim(storage, NOW + LEASE)) == every[:2]  # the first lease is over: claimable again

    def test_published_messages_never_come_back(self, storage: Storage) -> None:
        every = put_messages(storage, 3)
        claimed = claim(storage, NOW)
        with storage.unit_of_work() as uow:
            uow.outbox.published([every[0], every[2]])
            uow.commit()
        assert claimed[1].message_id == every[1]
        assert ids(claim(storage, LATER)) == [every[1]]
        assert ids(claim(storage, LATER + DAY)) == [every[1]]  # leases end; publications do not

    def test_a_retry_counts_the_attempt_and_waits_until_its_time(self, storage: Storage) -> None:
        [message_id] = put_messages(storage, 1)
        claim(storage, NOW)
        for attempt, retry_at in enumerate([NOW + HOUR, NOW + 3 * HOUR], start=1):
            with storage.unit_of_work() as uow:
                uow.outbox.retry(message_id, retry_at, f"wallet down ({attempt})")
                uow.commit()
            assert claim(storage, retry_at - timedelta(microseconds=1)) == []
            [again] = claim(storage, retry_at)
            assert (again.message_id, again.attempts) == (message_id, attempt)

    def test_an_unknown_message_id_is_refused_and_changes_nothing(self, storage: Storage) -> None:
        every = put_messages(storage, 2)
        with storage.unit_of_work() as uow:
            with pytest.raises(UnknownMessage) as refused:
                uow.outbox.published([every[0], "order-9:1:0", every[1]])
            assert refused.value.message_ids == ("order-9:1:0",)
            with pytest.raises(UnknownMessage, match="order-9:1:0"):
                uow.outbox.retry("order-9:1:0", LATER, "wallet down")
            uow.commit()
        assert ids(claim(storage, NOW)) == every  # neither known message was marked published

    def test_relays_claiming_together_never_share_a_message(self, peers: list[Storage]) -> None:
        every = put_messages(peers[0], 4 * THREADS)

        def drain(storage: Storage) -> list[str]:
            taken: list[str] = []
            while batch := ids(claim(storage, NOW, limit=3)):
                taken += batch
            return taken

        results = succeeded(together([partial(drain, s) for s in peers]))
        claimed = [message_id for taken in results for message_id in taken]
        assert sorted(claimed) == sorted(every)

    # Due orders

    def test_due_lists_due_orders_by_due_time_up_to_the_limit(self, storage: Storage) -> None:
        placed = {
            f"order-{n}": place_order(placement(order_id=f"order-{n}", paid_at=NOW + hours * HOUR))
            for n, hours in enumerate([5, 0, 3, 1])
        }
        for order_id, decision in placed.items():
            write(storage, order_id, decision)
        canceled = decide(placed["order-1"].order, Cancel("buyer"), NOW)
        write(storage, "order-1", canceled)
        assert next_due(canceled.order) is None
        due_at = {order_id: due_of(d) for order_id, d in placed.items()}
        with storage.unit_of_work() as uow:
            assert uow.orders.due(due_at["order-2"], 10) == ["order-3", "order-2"]  # due at that instant too
            assert uow.orders.due(due_at["order-2"] - timedelta(microseconds=1), 10) == ["order-3"]
            assert uow.orders.due(LATER, 2) == ["order-3", "order-2"]
            assert uow.orders.due(LATER, 10) == ["order-3", "order-2", "order-0"]

    def test_a_postponed_order_is_not_due_until_then_and_an_append_ends_the_postponement(
        self, storage: Storage
    ) -> None:
        placed, accepted = life()[:2]
        write(storage, "order-1", placed)
        with storage.unit_of_work() as uow:
            uow.orders.postpone("order-1", LATER, "wallet down")
            assert uow.orders.due(LATER - timedelta(microseconds=1), 10) == []
            assert uow.orders.due(LATER, 10) == ["order-1"]
            uow.commit()
        write(storage, "order-1", accepted)
        with storage.unit_of_work() as uow:
            assert uow.orders.due(due_of(accepted) - timedelta(microseconds=1), 10) == []
            assert uow.orders.due(due_of(accepted), 10) == ["order-1"]

    def test_the_next_due_instant_is_the_earliest_one_postponements_included(self, storage: Storage) -> None:
        early, late = (place_order(placement(order_id=f"o-{n}", paid_at=NOW + n * DAY)) for n in (1, 2))
        with storage.unit_of_work() as uow:
            assert uow.orders.next_due_at() is None
            append(uow, "o-1", 0, early)
            append(uow, "o-2", 0, late)
            assert uow.orders.next_due_at() == due_of(early)
            uow.orders.postpone("o-1", due_of(late) + DAY, "wallet down")
            assert uow.orders.next_due_at() == due_of(late)

    # Schema

    def test_creating_the_schema_again_keeps_the_data(self, storage: Storage) -> None:
        decisions = life()
        for decision in decisions[:3]:
            write(storage, "order-1", decision)
        storage.create_schema()
        storage.create_schema()
        write(storage, "order-1", decisions[3])
        with storage.unit_of_work() as uow:
            assert uow.orders.load("order-1") == decisions[3].order
        assert len(pending(storage)) == sum(len(d.effects) for d in decisions[:4])
