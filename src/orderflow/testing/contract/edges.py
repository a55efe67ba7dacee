"""The storage contract's edges: the inputs every storage refuses alike (``orderflow.domain.limits``),
dead letters, the operator's ``stats`` and a ``close`` that later calls notice. ``StorageContract``
inherits these tests; fixtures as there."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import attrs
import pytest

from ...domain.decision import Decision
from ...domain.events import RevisionRefused
from ...errors import InvalidArgument, StorageUnavailable
from ...ports import Recorded, Storage, UnitOfWork, UnknownMessage
from .support import LATER, LEASE, append, life, messages_of, pending, write

#: Ids no storage accepts (each refused with ``InvalidArgument``, whatever the database).
BAD_IDS: tuple[object, ...] = ("", "   ", "a\x00b", "tab\there", "x" * 1_000_000, "\ud800", 42, None)
#: Texts no storage accepts inside an event (a refusal's reason, a review).
BAD_TEXTS = ("NUL \x00 inside", "lone \udfff surrogate")
NOW = LATER - timedelta(days=365 * 3)


def _nothing_stored(storage: Storage) -> None:
    assert pending(storage) == []
    with storage.unit_of_work() as uow:
        assert uow.orders.due(LATER, 10) == []


def _with_reason(decision: Decision, reason: str) -> Decision:
    """``decision`` whose one event is a ``RevisionRefused`` carrying ``reason``."""
    at = decision.order.updated_at
    event = RevisionRefused(at=at, reason=reason, decision_due=at + timedelta(days=7))
    return attrs.evolve(decision, events=(event,))


class EdgeContract:
    """Limits, dead letters, stats and close of ``StorageContract``."""

    # Limits: the same inputs refused alike, with nothing written

    @pytest.mark.parametrize("bad", BAD_IDS, ids=lambda bad: repr(bad)[:20])
    def test_an_unusable_order_id_is_refused_everywhere_with_invalid_argument(
        self, storage: Storage, bad: object
    ) -> None:
        placed = life()[0]
        calls: list[Callable[[UnitOfWork], object]] = [
            lambda uow: append(uow, bad, 0, placed),  # type: ignore[arg-type]
            lambda uow: uow.orders.load(bad),  # type: ignore[arg-type]
            lambda uow: uow.orders.events(bad),  # type: ignore[arg-type]
            lambda uow: uow.orders.postpone(bad, LATER, "x"),  # type: ignore[arg-type]
            lambda uow: uow.outbox.put(bad, 1, placed.effects, NOW),  # type: ignore[arg-type]
        ]
        for call in calls:
            with storage.unit_of_work() as uow:
                with pytest.raises(InvalidArgument, match="order id"):
                    call(uow)
                uow.commit()
        _nothing_stored(storage)

    @pytest.mark.parametrize("bad", BAD_IDS, ids=lambda bad: repr(bad)[:20])
    def test_an_unusable_idempotency_key_is_refused_everywhere(self, storage: Storage, bad: object) -> None:
        with storage.unit_of_work() as uow:
            with pytest.raises(InvalidArgument, match="idempotency key"):
                uow.idempotency.put(bad, Recorded("fp", {}))  # type: ignore[arg-type]
            with pytest.raises(InvalidArgument, match="idempotency key"):
                uow.idempotency.get(bad)  # type: ignore[arg-type]
            uow.commit()

    @pytest.mark.parametrize("text", BAD_TEXTS, ids=["nul", "surrogate"])
    def test_an_unstorable_text_in_an_event_is_refused_and_nothing_is_written(
        self, storage: Storage, text: str
    ) -> None:
        placed = life()[0]
        with storage.unit_of_work() as uow:
            with pytest.raises(InvalidArgument, match="reason"):
                append(uow, "order-1", 0, _with_reason(placed, text))
            uow.commit()
        _nothing_stored(storage)

    def test_an_error_text_with_a_nul_is_kept_readable(self, storage: Storage) -> None:
        write(storage, "order-1", life()[0])
        with storage.unit_of_work() as uow:
            uow.orders.postpone("order-1", LATER, "wallet \x00 down")
            [message_id] = [m.message_id for m in uow.outbox.claim(NOW, 10, LEASE)]
            uow.outbox.retry(message_id, NOW, "broker \x00 down \ud800")
            uow.commit()

    # Dead letters

    def test_a_buried_message_is_a_dead_letter_until_revived_or_dropped(self, storage: Storage) -> None:
        placed = life()[0]
        write(storage, "order-1", placed)
        first, *others = messages_of("order-1", placed)
        with storage.unit_of_work() as uow:
            uow.outbox.bury(first, "wallet refuses it")
            uow.commit()
        assert first not in [m.message_id for m in pending(storage)]
        with storage.unit_of_work() as uow:
            [dead] = uow.outbox.dead_letters()
            assert (dead.message.message_id, dead.message.attempts, dead.error) == (
                first,
                1,
                "wallet refuses it",
            )
            with pytest.raises(UnknownMessage):
                uow.outbox.revive([first, "order-9:1:0"], NOW)
            uow.outbox.revive([first], NOW + LEASE)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.outbox.dead_letters() == []
            claimed = [m.message_id for m in uow.outbox.claim(NOW, 10, LEASE)]
        assert claimed == others  # revived for later: not ready yet
        [again] = [m for m in pending(storage) if m.message_id == first]
        assert again.attempts == 0
        with storage.unit_of_work() as uow:
            uow.outbox.bury(first, "still refused")
            with pytest.raises(UnknownMessage):
                uow.outbox.drop(others[:1] or ["order-9:1:0"])  # not a dead letter
            uow.outbox.drop([first])
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.outbox.dead_letters() == []
        assert first not in [m.message_id for m in pending(storage)]

    # Stats

    def test_stats_count_due_orders_backlog_and_dead_letters(self, storage: Storage) -> None:
        empty = storage.stats(NOW)
        assert (empty.orders_due, empty.outbox_backlog, empty.dead_letters) == (0, 0, 0)
        assert (empty.deadline_lag, empty.outbox_age) == (timedelta(0), timedelta(0))
        placed = life()[0]
        write(storage, "order-1", placed)
        write(storage, "order-2", attrs.evolve(life("order-2")[0]))
        due = placed.order.timer_due
        assert due is not None
        with storage.unit_of_work() as uow:
            uow.outbox.bury(messages_of("order-2", life("order-2")[0])[0], "refused")
            uow.commit()
        stats = storage.stats(due + timedelta(hours=2))
        assert (stats.orders_due, stats.oldest_due, stats.deadline_lag) == (2, due, timedelta(hours=2))
        assert stats.outbox_backlog == len(placed.effects) * 2 - 1
        assert stats.oldest_message_at == placed.order.updated_at
        assert stats.dead_letters == 1
        assert storage.stats(due - timedelta(microseconds=1)).orders_due == 0

    # Close

    def test_a_closed_storage_refuses_units_of_work_with_storage_unavailable(self, storage: Storage) -> None:
        write(storage, "order-1", life()[0])
        storage.close()
        with pytest.raises(StorageUnavailable), storage.unit_of_work() as uow:
            uow.orders.load("order-1")
