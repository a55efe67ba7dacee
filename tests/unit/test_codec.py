"""The JSON codec round-trips everything persistence stores: events, snapshots, effects, commands.

Round trips go through the JSON text (``dumps`` then ``loads``), as a database column would.
"""

from __future__ import annotations

import enum
import typing
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderflow import (
    COMEUP,
    COMMANDS,
    FIVERR_LIKE,
    Cancel,
    Deadline,
    Effect,
    Money,
    Option,
    Order,
    Policy,
    ProposePartialRefund,
    Reminder,
    RequestCancellation,
    Role,
    State,
    advance,
    graph_for,
    place_order,
    replay,
)
from orderflow.codec import (
    decode_command,
    decode_effect,
    decode_event,
    decode_order,
    dumps,
    encode_command,
    encode_effect,
    encode_event,
    encode_order,
    loads,
)
from orderflow.domain.catalogue import EFFECTS, EVENTS
from orderflow.domain.events import SCHEMA_VERSION, HoldReleased, OrderAccepted, OrderCompleted
from orderflow.domain.order import Terms
from orderflow.testing import commands, currencies, lives, placements, policies

from support import PAID_AT, at, placement, reach

BUYER, SELLER, PLATFORM = Role
REMINDING = attrs.evolve(
    COMEUP,
    name="reminding",
    reminders=(
        Reminder(Deadline.DELIVERY, timedelta(days=1)),
        Reminder(Deadline.REVIEW_DECISION, timedelta(hours=12)),
    ),
)
POLICIES = pytest.mark.parametrize("policy", [COMEUP, FIVERR_LIKE, REMINDING], ids=lambda p: p.name)


def through_json(data: dict[str, Any]) -> Any:
    """``data`` as a database column gives it back: written as canonical JSON text, then read."""
    return loads(dumps(data))


@POLICIES
@settings(max_examples=30)
@given(data=st.data())
def test_every_event_snapshot_and_effect_of_a_life_round_trips(policy: Policy, data: st.DataObject) -> None:
    decisions = data.draw(lives(placements(st.just(policy)))).play()
    events = [event for decision in decisions for event in decision.events]
    decoded = [decode_event(through_json(encode_event(event))) for event in events]
    assert decoded == events
    live = decisions[-1].order
    assert replay(decoded) == live
    assert replay(decoded).version == live.version == len(events)
    for decision in decisions:
        assert decode_order(through_json(encode_order(decision.order))) == decision.order
        assert [decode_effect(through_json(encode_effect(e))) for e in decision.effects] == list(
            decision.effects
        )
    assert decode_order(encode_order(live)).terms.graph is graph_for(policy)


#: Whole amounts, valid in every currency, exponents included ("1E+3").
AMOUNTS = st.decimals(min_value=0, max_value=10**12, places=0) | st.sampled_from(
    [Decimal("1E+3"), Decimal("0"), Decimal("0E+2")]
)


def values(hint: Any) -> st.SearchStrategy[Any]:
    """Any value of the type ``hint`` names within the supported ranges (docs/model.md): ids and
    texts of any valid characters, amounts with exponents, instants up to ``dates.LATEST``."""
    leaves: dict[Any, st.SearchStrategy[Any]] = {
        str: st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs")), min_size=1),
        int: st.integers(1, 5),  # a valid rating, count, version and number of days
        bool: st.booleans(),
        Decimal: AMOUNTS,
        datetime: st.datetimes(datetime(1970, 1, 1), datetime(8999, 12, 31), timezones=st.just(timezone.utc)),
        timedelta: st.timedeltas(timedelta(0), timedelta(days=3650)),
        Policy: policies(),
        Terms: placements().map(lambda p: place_order(p).order.terms),
        Money: st.builds(Money, AMOUNTS, currencies()),
    }
    if hint in leaves:
        return leaves[hint]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return st.sampled_from(list(hint))
    if attrs.has(hint):
        hints = typing.get_type_hints(hint)
        return st.builds(hint, **{f.name: values(hints[f.name]) for f in attrs.fields(hint)})
    args = typing.get_args(hint)
    if type(None) in args:
        return st.none() | values(args[0])
    return st.lists(values(args[0]), max_size=3).map(tuple)  # tuple[X, ...]


@pytest.mark.parametrize("name", sorted(EVENTS))
@settings(max_examples=10)
@given(data=st.data())
def test_every_event_class_round_trips_with_any_values(name: str, data: st.DataObject) -> None:
    event = data.draw(values(EVENTS[name]))
    payload = through_json(encode_event(event))
    assert payload["type"] == name
    assert payload["schema"] == SCHEMA_VERSION
    assert decode_event(payload) == event


@pytest.mark.parametrize("kind", sorted(EFFECTS))
@settings(max_examples=10)
@given(data=st.data())
def test_every_effect_kind_round_trips(kind: str, data: st.DataObject) -> None:
    effect: Effect = data.draw(values(EFFECTS[kind]))
    payload = through_json(encode_effect(effect))
    assert payload["kind"] == kind
    assert decode_effect(payload) == effect


@pytest.mark.parametrize("action", sorted(COMMANDS))
@settings(max_examples=15)
@given(data=st.data())
def test_every_command_round_trips(action: str, data: st.DataObject) -> None:
    command = data.draw(commands(actions=[action]))
    payload = through_json(encode_command(command))
    assert payload["action"] == action
    assert payload["actor"] == command.actor.value
    assert decode_command(payload) == command


def test_a_command_is_its_action_actor_and_arguments() -> None:
    assert encode_command(Cancel(BUYER)) == {"action": "cancel", "actor": "buyer"}
    refund = ProposePartialRefund(SELLER, amount=Money("12.50", "EUR"), reason="late")
    assert encode_command(refund) == {
        "action": "propose_partial_refund",
        "actor": "seller",
        "amount": {"amount": "12.50", "currency": "EUR"},
        "reason": "late",
    }


@pytest.mark.parametrize(
    ("currency", "price", "option"),
    [("EUR", "40.00", "10.00"), ("JPY", "1500", "300"), ("KWD", "12.345", "0.500")],
)
def test_amounts_keep_their_currency_minor_units(currency: str, price: str, option: str) -> None:
    placed = place_order(
        placement(
            price=Money(price, currency),
            options=(Option("express", Money(option, currency), 1),),
            tip=None,
            platform_fee=None,
        )
    )
    (event,) = placed.events
    payload = through_json(encode_event(event))
    assert (payload["price"], payload["options"][0]["price"]) == (price, option)
    decoded = decode_event(payload)
    assert str(decoded.price) == price  # type: ignore[attr-defined]
    snapshot = decode_order(through_json(encode_order(placed.order)))
    assert str(snapshot.ledger.escrow) == str(placed.order.ledger.escrow)


@pytest.mark.parametrize("amount", ["40.00", "40.0", "40", "1E+3", "0.000", "0.0001"])
def test_a_decimal_keeps_its_exponent(amount: str) -> None:
    event = OrderCompleted(
        at=PAID_AT,
        cause="close",
        seller_credit=Decimal(amount),
        platform_revenue=Decimal("2.50"),
        refund=Decimal(0),
        review_until=PAID_AT,
    )
    payload = through_json(encode_event(event))
    assert payload["seller_credit"] == amount
    assert str(decode_event(payload).seller_credit) == amount  # type: ignore[attr-defined]


def test_instants_are_iso_8601_with_offset_and_read_back_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    event = OrderAccepted(
        at=datetime(2026, 1, 3, 12, 0, 0, 1, tzinfo=paris), delivery_due=at("2026-01-06T12:00")
    )
    payload = encode_event(event)
    assert payload["at"] == "2026-01-03T12:00:00.000001+01:00"
    assert payload["delivery_due"] == "2026-01-06T12:00:00+00:00"
    decoded = decode_event(through_json(payload))
    assert decoded == event
    assert decoded.at.tzinfo is timezone.utc
    assert decoded.at == datetime(2026, 1, 3, 11, 0, 0, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "shift", [timedelta(microseconds=1), timedelta(days=3, seconds=7, microseconds=9), timedelta(0)]
)
def test_a_duration_is_whole_microseconds(shift: timedelta) -> None:
    event = HoldReleased(at=PAID_AT, resumed=State.IN_PROGRESS, shift=shift)
    payload = through_json(encode_event(event))
    assert payload["shift"] == (shift.days * 86_400 + shift.seconds) * 1_000_000 + shift.microseconds
    assert decode_event(payload) == event


def test_a_snapshot_keeps_the_policy_it_was_placed_under() -> None:
    # Named like the preset but with other windows: the stored policy wins, not today's preset.
    changed = attrs.evolve(COMEUP, review_decision_window=timedelta(days=2), revision_cap=1)
    order = place_order(placement(policy=changed)).order
    payload = through_json(encode_order(order))
    assert payload["terms"]["policy"]["name"] == "comeup"
    assert "graph" not in payload["terms"]
    decoded = decode_order(payload)
    assert decoded.policy == changed
    assert decoded.policy != COMEUP
    assert decoded.terms.graph is graph_for(changed)


def test_a_fiverr_like_snapshot_decodes_with_its_graph_and_still_cancels_by_silence() -> None:
    story = reach(State.IN_PROGRESS, policy=FIVERR_LIKE)
    story.do(RequestCancellation(BUYER), at("2026-01-04T10:00"))
    decoded = decode_order(through_json(encode_order(story.order)))
    assert decoded == story.order
    assert decoded.terms.graph is graph_for(FIVERR_LIKE)
    later = at("2026-01-06T10:00")  # the seller's 48 hours to answer are over
    assert advance(decoded, later) == advance(story.order, later)
    assert advance(decoded, later).order.state is State.CANCELED


def test_a_snapshot_of_an_order_with_offers_hold_and_reminders_round_trips() -> None:
    order: Order = reach(State.ON_HOLD, policy=REMINDING).order
    order = attrs.evolve(
        order,
        offer_ids=frozenset({"b", "a"}),
        reminded=(("delivery", at("2026-01-05T10:00")),),
    )
    payload = through_json(encode_order(order))
    assert payload["offer_ids"] == ["a", "b"]
    assert payload["hold"] == {"resume": "in_progress", "since": "2026-01-04T10:00:00+00:00"}
    assert payload["reminded"] == [["delivery", "2026-01-05T10:00:00+00:00"]]
    assert payload["schema"] == SCHEMA_VERSION
    assert decode_order(payload) == order
