"""Hostile payloads through the codec (issue 14): ``loads`` refuses what is not plain, bounded JSON,
and a decoded value satisfies the same rules as one built in code, each refusal a ``CodecError``
naming the field. Each case failed before its fix (accepted, or a raw Python error)."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from orderflow import Accept, Deliver, InvalidArgument, RefuseRevision, RequestRevision, Review
from orderflow.codec import (
    MAX_DEPTH,
    CodecError,
    decode_command,
    decode_event,
    decode_order,
    dumps,
    encode_command,
    encode_event,
    encode_order,
    fingerprint,
    loads,
)

from support import BUYER, SELLER, Story, at, placement


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[" * 100_000 + "]" * 100_000, "deeper"),
        ('{"a":' * 100 + "1" + "}" * 100, "deeper"),
        ("1" * 100_000, "digits"),
        ("-" + "9" * 5000, "digits"),
        ("1e400", "out of range"),
        ("-1e400", "out of range"),
        ('{"a": 1, "a": 2}', "twice"),
        ("NaN", "not a JSON number"),
        ("[Infinity]", "not a JSON number"),
    ],
    ids=[
        "deep-arrays",
        "deep-objects",
        "huge-int",
        "huge-negative",
        "1e400",
        "-1e400",
        "duplicate",
        "nan",
        "inf",
    ],
)
def test_loads_refuses_hostile_json(text: str, fragment: str) -> None:
    with pytest.raises(CodecError, match=fragment):
        loads(text)


@pytest.mark.parametrize("value", [b'{"a": 1}', bytearray(b"[]"), None, 12])
def test_loads_refuses_what_is_not_text(value: Any) -> None:
    with pytest.raises(CodecError, match="expected JSON text"):
        loads(value)


def test_loads_reads_what_is_plain_json_up_to_the_limits() -> None:
    nested = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads(nested) is not None
    assert loads('["[[[[", {"}": "{{{{"}]' * 1) == ["[[[[", {"}": "{{{{"}]
    assert loads("[1.5, -2, 1e300]") == [1.5, -2, 1e300]
    text = "[" + ",".join('"[[["' for _ in range(200)) + "]"  # many brackets inside strings: depth 1
    assert len(loads(text)) == 200


# --- decoded values satisfy the model's rules ------------------------------------------------------


def _placed() -> dict[str, Any]:
    return encode_event(Story.placed().events[0])


def _snapshot() -> dict[str, Any]:
    return encode_order(Story.placed().order)


def _set(payload: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(payload)
    *parents, last = path.split(".")
    target: Any = changed
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    target[last] = value
    return changed


BAD_EVENTS: list[tuple[str, Any, str]] = [
    ("price", "-40.00", "OrderPlaced.price"),
    ("price", "40.001", "OrderPlaced.price"),
    ("tip", "-1.00", "OrderPlaced.tip"),
    ("terms.currency", "euro", "Terms.currency"),
    ("terms.currency", "XYZ", "Terms.currency"),
    ("terms.order_id", "o\ud800", "Terms.order_id"),
    ("terms.order_id", "o\x00", "Terms.order_id"),
    ("terms.buyer", "b\n", "Terms.buyer"),
    ("terms.platform_fee", "2.505", "Terms.platform_fee"),
    ("delivery_days", 10**12, "OrderPlaced.delivery_days"),
    ("delivery_days", 3651, "OrderPlaced.delivery_days"),
    ("at", "9999-12-31T00:00:00+00:00", "OrderPlaced.at"),
    ("at", "1969-12-31T00:00:00+00:00", "OrderPlaced.at"),
    ("at", "2026-01-03T10:00:00.123456789+00:00", "OrderPlaced.at"),
    ("at", "2026-01-03T10:00:00Z", "OrderPlaced.at"),
    ("price", "\u0664\u0660.\u0660\u0660", "OrderPlaced.price"),
    ("options.0.price", "10.001", "OrderPlaced.options[0].price"),
    ("terms.policy.expiry_months", 100_000, "Policy"),
    ("terms.policy.tip_cap_rate", "NaN", "Policy.tip_cap_rate"),
]


@pytest.mark.parametrize(
    ("path", "value", "field"), BAD_EVENTS, ids=[f"{p}={v!r}"[:40] for p, v, _ in BAD_EVENTS]
)
def test_a_decoded_event_obeys_the_rules_of_one_built_in_code(path: str, value: Any, field: str) -> None:
    with pytest.raises(CodecError, match=re.escape(field)):
        decode_event(loads(dumps(_set(_placed(), path, value))))


BAD_SNAPSHOTS: list[tuple[str, Any, str]] = [
    ("version", -5, "Order.version"),
    ("version", 0, "Order.version"),
    ("ledger.escrow", "1.00", "Ledger.paid"),  # unbalanced: R-MONEY-5
    ("ledger.refunded", "-1.00", "Ledger.refunded"),
    ("ledger.currency", "USD", "Order.ledger"),
    ("ledger.paid", "57.501", "Ledger.paid"),
    ("delivery_days", 10**12, "Order.delivery_days"),
    ("updated_at", "0001-01-01T00:00:00+00:00", "Order.updated_at"),
    ("offer_ids", ["\x00"], "Order.offer_ids"),
]


@pytest.mark.parametrize(
    ("path", "value", "field"), BAD_SNAPSHOTS, ids=[f"{p}={v!r}"[:40] for p, v, _ in BAD_SNAPSHOTS]
)
def test_a_decoded_snapshot_obeys_the_rules_of_one_built_in_code(path: str, value: Any, field: str) -> None:
    with pytest.raises(CodecError, match=re.escape(field)):
        decode_order(loads(dumps(_set(_snapshot(), path, value))))


def test_a_rating_of_99_is_refused() -> None:
    story = Story.placed()
    story.run([(Accept(SELLER), at("2026-01-03T12:00")), (Deliver(SELLER), at("2026-01-04T12:00"))])
    payload = encode_command(Review(BUYER, 5, "fine"))
    with pytest.raises(CodecError, match="Review"):
        decode_command({**payload, "rating": 99})
    event = {"type": "ReviewLeft", "schema": 1, "at": "2026-01-05T10:00:00+00:00", "rating": 99, "text": ""}
    with pytest.raises(CodecError, match=r"^ReviewLeft\.rating"):
        decode_event(event)


def test_a_negative_hold_shift_is_refused() -> None:
    event = {"type": "HoldReleased", "schema": 1, "at": "2026-01-05T10:00:00+00:00", "resumed": "in_progress"}
    with pytest.raises(CodecError, match=r"^HoldReleased\.shift"):
        decode_event({**event, "shift": -86_400_000_000})


def test_a_decoded_event_with_huge_delivery_days_cannot_reach_decide() -> None:
    # Before: the event decoded, and the next decide raised OverflowError.
    with pytest.raises(CodecError, match="delivery_days"):
        decode_event(_set(_placed(), "delivery_days", 10**100))


@pytest.mark.parametrize("text", ["no \ud800", "no\x00", "x" * 10_001])
def test_a_decoded_command_text_follows_the_limits(text: str) -> None:
    payload = encode_command(RefuseRevision(SELLER, reason="no"))
    with pytest.raises(CodecError, match=r"RefuseRevision\.reason"):
        decode_command({**payload, "reason": text})


@pytest.mark.parametrize("order_id", ["o\ud800", "o\x00", "", "x" * 201])
def test_fingerprint_refuses_an_order_id_the_limits_refuse(order_id: str) -> None:
    # Before: a lone surrogate raised UnicodeEncodeError from every keyed command.
    with pytest.raises(InvalidArgument, match="order_id"):
        fingerprint(RequestRevision(BUYER), order_id)


def test_the_valid_values_still_round_trip() -> None:
    story = Story.placed(order_id="commande-été-日本")
    story.run([(Accept(SELLER), at("2026-01-03T12:00")), (Deliver(SELLER), at("2026-01-04T12:00"))])
    assert decode_order(loads(dumps(encode_order(story.order)))) == story.order
    assert [decode_event(loads(dumps(encode_event(e)))) for e in story.events] == story.events
    assert placement().order_id == "o-1"
