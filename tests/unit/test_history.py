"""Verified loading (issue 13 item 2): a stored history that breaks the model raises
``CorruptHistory`` naming the order and version, on SQLite and PostgreSQL alike, and the table of
the states each event may follow never refuses a history the core wrote."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

from orderflow import Accept, CorruptHistory, Deliver, Event, State, place_order
from orderflow.adapters.history import POSSIBLE_FROM, rebuild
from orderflow.adapters.sqlite import SQLiteStorage
from orderflow.domain.events import OrderAccepted, OrderCompleted, OrderPlaced
from orderflow.service import OrderService
from orderflow.testing import FakeClock, Life, lives
from orderflow.testing.contract.support import life, write

from support import DAY, HOUR, PAID_AT, placement


def numbered(events: list[Event], start: int = 1) -> list[tuple[int, Event]]:
    return list(enumerate(events, start))


def every_event() -> list[Event]:
    return [e for d in life() for e in d.events]


def test_an_honest_history_rebuilds_the_live_order() -> None:
    decisions = life()
    events = every_event()
    assert rebuild("order-1", None, numbered(events), len(events)) == decisions[-1].order


@pytest.mark.parametrize(
    ("tamper", "version", "problem"),
    [
        (lambda es: [es[1], es[0], *es[2:]], 1, "starts with OrderAccepted"),
        (lambda es: [es[0], *es[2:]], 2, "cannot happen to an order pending"),  # OrderAccepted missing
        (lambda es: [*es, OrderAccepted(at=es[-1].at + DAY, delivery_due=es[-1].at + DAY)], 8, "completed"),
        (lambda es: [*es[:2], attrs.evolve(es[2], at=es[1].at - HOUR), *es[3:]], 3, "before the previous"),
        (lambda es: [*es[:-1], es[0]], 7, "OrderPlaced after"),
    ],
    ids=["wrong order", "missing acceptance", "accepted after completion", "time backwards", "placed twice"],
)
def test_an_impossible_history_is_refused_naming_order_and_version(
    tamper: Callable[[list[Event]], list[Event]], version: int, problem: str
) -> None:
    events = tamper(every_event())
    with pytest.raises(CorruptHistory, match=problem) as refused:
        rebuild("order-1", None, numbered(events), len(events))
    assert (refused.value.order_id, refused.value.version) == ("order-1", version)


def _completed_with(events: list[Event], seller_credit: Decimal) -> list[Event]:
    return [
        attrs.evolve(e, seller_credit=seller_credit) if isinstance(e, OrderCompleted) else e for e in events
    ]


def test_a_tampered_amount_or_a_negative_refund_is_refused() -> None:
    events = every_event()
    completed = next(e for e in events if isinstance(e, OrderCompleted))
    keeps_ten = _completed_with(events, seller_credit=completed.seller_credit - Decimal("10.00"))
    with pytest.raises(CorruptHistory, match=r"escrow|conserved"):
        rebuild("order-1", None, numbered(keeps_ten), len(keeps_ten))
    placed = place_order(placement()).events[0]
    assert isinstance(placed, OrderPlaced)
    negative = attrs.evolve(placed, tip=Decimal("-100.00"))
    with pytest.raises(CorruptHistory, match=r"negative|conserved"):
        rebuild("o-1", None, [(1, negative)], 1)


def test_a_gap_or_a_missing_last_event_is_refused() -> None:
    events = every_event()
    with pytest.raises(CorruptHistory, match="version 4 found where 3") as gap:
        rebuild("order-1", None, [*numbered(events[:2]), *numbered(events[3:], 4)], len(events))
    assert gap.value.version == 3
    with pytest.raises(CorruptHistory, match="end at version 7 but the order is at version 8"):
        rebuild("order-1", None, numbered(events[:7]), 8)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(lives(max_steps=12))
def test_no_history_the_core_writes_is_refused(drawn: Life) -> None:
    """``POSSIBLE_FROM`` is never stricter than the core (random lives of every policy)."""
    events = [e for d in drawn.play() for e in d.events]
    assert rebuild(drawn.placement.order_id, None, numbered(events), len(events)) is not None


def test_the_table_names_only_real_events_and_states() -> None:
    import orderflow.domain.events as module

    names = {
        name for name, value in vars(module).items() if isinstance(value, type) and issubclass(value, Event)
    }
    assert set(POSSIBLE_FROM) <= names
    assert all(states <= set(State) for states in POSSIBLE_FROM.values())


# On SQLite: a deleted row, a tampered snapshot


def stored(tmp_path: Path, snapshot_every: int = 3) -> tuple[SQLiteStorage, sqlite3.Connection]:
    storage = SQLiteStorage(tmp_path / "o.db", snapshot_every=snapshot_every)
    storage.create_schema()
    for decision in life():
        write(storage, "order-1", decision)
    storage.close()
    return SQLiteStorage(tmp_path / "o.db", cache_size=0), sqlite3.connect(
        tmp_path / "o.db", isolation_level=None
    )


def test_a_deleted_event_row_raises_corrupt_history_not_a_conflict(tmp_path: Path) -> None:
    storage, db = stored(tmp_path, snapshot_every=0)
    db.execute("DELETE FROM events WHERE version = 7")
    service = OrderService(storage, FakeClock(PAID_AT + 60 * DAY))
    with pytest.raises(CorruptHistory) as refused:
        service.order("order-1")
    assert (refused.value.order_id, refused.value.version) == ("order-1", 7)


def test_a_tampered_snapshot_is_refused(tmp_path: Path) -> None:
    storage, db = stored(tmp_path)
    (text,) = db.execute("SELECT snapshot FROM orders").fetchone()
    body = json.loads(text)
    body["order"]["ledger"]["escrow"] = "10.00"
    db.execute("UPDATE orders SET snapshot = ?", (json.dumps(body),))
    with pytest.raises(CorruptHistory, match="snapshot") as refused:
        OrderService(storage, FakeClock(PAID_AT)).order("order-1")
    assert refused.value.version == 6


def test_a_snapshot_of_another_version_is_refused(tmp_path: Path) -> None:
    storage, db = stored(tmp_path)
    db.execute("UPDATE orders SET snapshot_version = 3")
    with pytest.raises(CorruptHistory, match="snapshot is of version 6"):
        OrderService(storage, FakeClock(PAID_AT)).order("order-1")


def test_commands_on_a_verified_order_still_work(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "o.db", snapshot_every=2, cache_size=0)
    storage.create_schema()
    clock = FakeClock(PAID_AT)
    service = OrderService(storage, clock)
    service.place(placement())
    clock.advance(hours=1)
    service.handle("o-1", Accept("seller"))
    clock.advance(days=1)
    assert service.handle("o-1", Deliver("seller")).order.state is State.DELIVERED
