"""The codec refuses what it did not write, round-trips rejections, and fingerprints requests stably."""

from __future__ import annotations

import copy
import hashlib
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given

from orderflow import (
    Accept,
    Cancel,
    Command,
    Deliver,
    InvalidTransition,
    Money,
    NotAllowed,
    OrderflowError,
    Outcome,
    ProposePartialRefund,
    RefuseCancellation,
    ResolveDispute,
    Review,
    Role,
    State,
    WalletCredit,
    place_order,
    preview,
)
from orderflow.codec import (
    CodecError,
    decode_command,
    decode_effect,
    decode_error,
    decode_event,
    decode_order,
    dumps,
    encode_command,
    encode_effect,
    encode_error,
    encode_event,
    encode_order,
    fingerprint,
    loads,
)
from orderflow.domain.catalogue import ERRORS
from orderflow.domain.errors import Refusal
from orderflow.domain.events import DisputeOpened, HoldReleased, OrderAccepted, ReviewLeft, _OfferClosed
from orderflow.testing import commands

from support import HOUR, PAID_AT, at, eur, placement, reach

BUYER, SELLER, PLATFORM = Role


class _Delete:
    """Marks a field to remove from a payload (its repr names it in test ids)."""

    def __repr__(self) -> str:
        return "<deleted>"


DELETE = _Delete()

ACCEPTED = encode_event(OrderAccepted(at=PAID_AT, delivery_due=at("2026-01-06T10:00")))
PLACED = encode_event(place_order(placement()).events[0])
REVIEWED = encode_event(ReviewLeft(at=PAID_AT, rating=5, text="fine"))
DISPUTED = encode_event(DisputeOpened(at=PAID_AT, by=BUYER))
RELEASED = encode_event(HoldReleased(at=PAID_AT, resumed=State.IN_PROGRESS, shift=HOUR))
CREDIT = encode_effect(WalletCredit(SELLER, eur("55.00")))
SPLIT = encode_command(ResolveDispute(PLATFORM, outcome=Outcome.SPLIT, buyer_amount=eur("10.00")))
REVIEW = encode_command(Review(BUYER, 5, "great"))
ORDER = encode_order(reach(State.IN_PROGRESS).order)
REFUSED = encode_error(
    NotAllowed("buyer may not accept", state="pending", action="accept", actor="buyer", allowed={})
)


def changed(payload: dict[str, Any], path: tuple[str | int, ...], value: object) -> dict[str, Any]:
    """A deep copy of ``payload`` with the value at ``path`` replaced (or deleted, for DELETE)."""
    copied = copy.deepcopy(payload)
    parent: Any = copied
    for key in path[:-1]:
        parent = parent[key]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copied


Decoder = Callable[[Any], object]
BAD: list[tuple[Decoder, dict[str, Any], tuple[str | int, ...], object, tuple[str, ...]]] = [
    (decode_event, ACCEPTED, ("type",), "OrderTeleported", ("event: unknown type", "OrderTeleported")),
    (decode_event, ACCEPTED, ("type",), DELETE, ("event: missing field 'type'",)),
    (decode_event, ACCEPTED, ("type",), "_OfferClosed", ("event: unknown type", "_OfferClosed")),
    (decode_event, ACCEPTED, ("schema",), 2, ("OrderAccepted.schema", "expected 1, got 2")),
    (decode_event, ACCEPTED, ("schema",), "1", ("OrderAccepted.schema",)),
    (decode_event, ACCEPTED, ("schema",), True, ("OrderAccepted.schema",)),
    (decode_event, ACCEPTED, ("schema",), DELETE, ("OrderAccepted", "missing field 'schema'")),
    (decode_event, ACCEPTED, ("delivery_due",), DELETE, ("OrderAccepted", "missing field 'delivery_due'")),
    (decode_event, ACCEPTED, ("colour",), "red", ("OrderAccepted", "unexpected field 'colour'")),
    (
        decode_event,
        ACCEPTED,
        ("delivery_due",),
        "2026-01-06T10:00:00",
        ("OrderAccepted.delivery_due", "naive"),
    ),
    (decode_event, ACCEPTED, ("delivery_due",), "next Tuesday", ("OrderAccepted.delivery_due",)),
    (decode_event, ACCEPTED, ("at",), 1767434400, ("OrderAccepted.at",)),
    (decode_event, PLACED, ("delivery_days",), "12.5", ("OrderPlaced.delivery_days", "an integer")),
    (decode_event, PLACED, ("delivery_days",), 2.0, ("OrderPlaced.delivery_days",)),
    (decode_event, PLACED, ("price",), 40.0, ("OrderPlaced.price", "decimal string")),
    (decode_event, PLACED, ("price",), 40, ("OrderPlaced.price",)),
    (decode_event, PLACED, ("price",), "NaN", ("OrderPlaced.price",)),
    (decode_event, PLACED, ("price",), " 40.00", ("OrderPlaced.price",)),
    (decode_event, PLACED, ("price",), "4_0.00", ("OrderPlaced.price",)),
    (decode_event, PLACED, ("tip",), "5.00 EUR", ("OrderPlaced.tip",)),
    (decode_event, PLACED, ("options",), {"express": "10.00"}, ("OrderPlaced.options", "a list")),
    (decode_event, PLACED, ("options", 0, "price"), DELETE, ("OrderPlaced.options", "Extra", "'price'")),
    (decode_event, PLACED, ("terms", "currency"), 978, ("OrderPlaced.terms", "Terms.currency", "a string")),
    (
        decode_event,
        PLACED,
        ("terms", "graph"),
        {},
        ("OrderPlaced.terms", "Terms", "unexpected field 'graph'"),
    ),
    (
        decode_event,
        PLACED,
        ("terms", "policy", "acceptance_window"),
        1.5,
        ("OrderPlaced.terms", "Terms.policy", "Policy.acceptance_window", "microseconds"),
    ),
    (decode_event, PLACED, ("terms", "policy", "acceptance_window"), -1, ("Policy", "acceptance_window")),
    (decode_event, PLACED, ("terms", "policy", "version"), True, ("Policy.version", "an integer")),
    (decode_event, PLACED, ("terms", "policy", "reminders"), [{"deadline": "soon"}], ("Reminder",)),
    (decode_event, REVIEWED, ("rating",), True, ("ReviewLeft.rating", "an integer")),
    (decode_event, REVIEWED, ("text",), None, ("ReviewLeft.text", "a string")),
    (decode_event, DISPUTED, ("by",), "mediator", ("DisputeOpened.by", "mediator")),
    (decode_event, RELEASED, ("resumed",), "paused", ("HoldReleased.resumed", "paused")),
    (decode_event, RELEASED, ("shift",), "PT1H", ("HoldReleased.shift", "microseconds")),
    (decode_effect, CREDIT, ("kind",), "teleport", ("effect: unknown kind", "teleport")),
    (decode_effect, CREDIT, ("amount",), "55.00", ("WalletCredit.amount", "Money", "an object")),
    (decode_effect, CREDIT, ("amount", "currency"), "euro", ("WalletCredit.amount", "Money", "currency")),
    (decode_effect, CREDIT, ("party",), "Seller", ("WalletCredit.party",)),
    (decode_command, REVIEW, ("action",), "fly", ("command: unknown action", "fly")),
    (decode_command, REVIEW, ("actor",), "admin", ("Review", "actor", "admin")),
    (decode_command, REVIEW, ("rating",), 9, ("Review", "rating")),
    (decode_command, REVIEW, ("rating",), "5", ("Review.rating", "an integer")),
    (decode_command, SPLIT, ("buyer_amount",), None, ("ResolveDispute", "buyer_amount")),
    (decode_command, SPLIT, ("outcome",), "maybe", ("ResolveDispute.outcome", "maybe")),
    (decode_order, ORDER, ("schema",), DELETE, ("Order", "missing field 'schema'")),
    (decode_order, ORDER, ("state",), "paused", ("Order.state", "paused")),
    (decode_order, ORDER, ("offer_ids",), ["a", "a"], ("Order.offer_ids", "duplicates")),
    (decode_order, ORDER, ("reminded",), [["delivery"]], ("Order.reminded", "a list of 2")),
    (decode_order, ORDER, ("ledger", "escrow"), 57.5, ("Order.ledger", "Ledger.escrow")),
    (decode_order, ORDER, ("late_delivery",), 0, ("Order.late_delivery", "true or false")),
    (decode_error, REFUSED, ("error",), "Oops", ("unknown error class", "Oops")),
    (decode_error, REFUSED, ("allowed",), DELETE, ("NotAllowed", "missing field 'allowed'")),
    (decode_error, REFUSED, ("allowed",), {"buyer": "close"}, ("NotAllowed.allowed", "a list")),
    (decode_error, REFUSED, ("message",), 42, ("NotAllowed.message", "a string")),
]


@pytest.mark.parametrize(
    ("decode", "payload", "path", "value", "fragments"),
    BAD,
    ids=[f"{'.'.join(map(str, path))}={value!r}" for _, _, path, value, _ in BAD],
)
def test_a_malformed_payload_raises_a_codec_error_naming_the_field(
    decode: Decoder,
    payload: dict[str, Any],
    path: tuple[str | int, ...],
    value: object,
    fragments: tuple[str, ...],
) -> None:
    decode(copy.deepcopy(payload))  # the payload itself is fine
    with pytest.raises(CodecError) as caught:
        decode(changed(payload, path, value))
    for fragment in fragments:
        assert fragment in str(caught.value)


@pytest.mark.parametrize("decode", [decode_event, decode_effect, decode_command, decode_order, decode_error])
@pytest.mark.parametrize("payload", [[], "OrderPlaced", None, 3])
def test_a_payload_that_is_not_an_object_is_refused(decode: Decoder, payload: object) -> None:
    with pytest.raises(CodecError):
        decode(payload)


@pytest.mark.parametrize("text", ["{", '{"a": NaN}', "[Infinity]", "", "{'a': 1}"])
def test_loads_refuses_what_is_not_strict_json(text: str) -> None:
    with pytest.raises(CodecError):
        loads(text)


@pytest.mark.parametrize("value", [PAID_AT, Money("1.00", "EUR"), float("nan"), {1, 2}])
def test_dumps_refuses_what_was_not_encoded_first(value: object) -> None:
    with pytest.raises(CodecError):
        dumps({"value": value})


def test_a_private_base_or_a_foreign_class_is_not_encoded() -> None:
    with pytest.raises(CodecError, match="_OfferClosed"):
        encode_event(_OfferClosed(at=PAID_AT, offer_id="a"))

    class Custom(OrderflowError):
        pass

    with pytest.raises(CodecError, match="Custom"):
        encode_error(Custom("not ours"))


@pytest.mark.parametrize(
    ("command", "kind"), [(Accept(BUYER), NotAllowed), (Deliver(SELLER), InvalidTransition)]
)
def test_a_refusal_round_trips_with_its_message_and_attributes(command: Command, kind: type[Refusal]) -> None:
    error = preview(place_order(placement()).order, command, at("2026-01-03T11:00")).error
    assert type(error) is kind
    payload = loads(dumps(encode_error(error)))
    assert payload["error"] == kind.__name__
    assert payload["allowed"]["seller"] == ["accept", "cancel"]
    decoded = decode_error(payload)
    assert type(decoded) is kind
    assert str(decoded) == str(error)
    for name in ("state", "action", "actor", "allowed"):
        assert getattr(decoded, name) == getattr(error, name)
    assert encode_error(decoded) == encode_error(error)


@pytest.mark.parametrize(
    "name", [*sorted(n for n, cls in ERRORS.items() if not issubclass(cls, Refusal)), "CodecError"]
)
def test_every_other_error_class_round_trips_by_name(name: str) -> None:
    cls = CodecError if name == "CodecError" else ERRORS[name]
    error = cls("tip 20.00 is over 20% of 40.00 — «too much»")
    payload = loads(dumps(encode_error(error)))
    assert payload == {"error": name, "message": str(error)}
    decoded = decode_error(payload)
    assert type(decoded) is cls
    assert str(decoded) == str(error)


def test_a_fingerprint_is_the_sha256_of_the_canonical_json() -> None:
    command = RefuseCancellation(SELLER, reason="délai dépassé")
    canonical = '["o-1",{"action":"refuse_cancellation","actor":"seller","reason":"délai dépassé"}]'
    assert fingerprint(command, "o-1") == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_equal_commands_have_equal_fingerprints() -> None:
    first = ProposePartialRefund(BUYER, amount=Money("12.50", "EUR"), reason="late")
    second = ProposePartialRefund(Role("buyer"), amount=Money("12.50", "EUR"), reason="late")
    assert first is not second
    assert fingerprint(first, "o-1") == fingerprint(second, "o-1")


@pytest.mark.parametrize(
    ("other", "order_id"),
    [
        (ProposePartialRefund(BUYER, amount=Money("12.50", "EUR"), reason="late"), "o-2"),
        (ProposePartialRefund(SELLER, amount=Money("12.50", "EUR"), reason="late"), "o-1"),
        (ProposePartialRefund(BUYER, amount=Money("12.51", "EUR"), reason="late"), "o-1"),
        (ProposePartialRefund(BUYER, amount=Money("12.50", "USD"), reason="late"), "o-1"),
        (ProposePartialRefund(BUYER, amount=Money("12.5", "EUR"), reason="late"), "o-1"),
        (ProposePartialRefund(BUYER, amount=Money("12.50", "EUR"), reason="later"), "o-1"),
        (Cancel(BUYER), "o-1"),
    ],
)
def test_any_other_argument_actor_or_order_changes_the_fingerprint(other: Command, order_id: str) -> None:
    base = ProposePartialRefund(BUYER, amount=Money("12.50", "EUR"), reason="late")
    assert fingerprint(other, order_id) != fingerprint(base, "o-1")


@given(commands(), commands())
def test_fingerprints_are_equal_exactly_when_the_stored_commands_are(first: Command, second: Command) -> None:
    same = encode_command(first) == encode_command(second)
    assert (fingerprint(first, "o-1") == fingerprint(second, "o-1")) is same


def test_a_fingerprint_is_the_same_in_another_process() -> None:
    requests = [
        (ProposePartialRefund(BUYER, amount=Money("12.50", "EUR"), reason="late"), "o-1"),
        (ResolveDispute(PLATFORM, outcome=Outcome.SPLIT, buyer_amount=Money("1500", "JPY")), "o-2"),
        (Review(BUYER, 4, "très bien"), "o-3"),
    ]
    script = (
        "from orderflow import *\nfrom orderflow.codec import fingerprint\n"
        f"for c, o in {[(encode_command(c), o) for c, o in requests]!r}:\n"
        "    from orderflow.codec import decode_command\n"
        "    print(fingerprint(decode_command(c), o))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    output = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, timeout=30
    ).stdout.split()
    assert output == [fingerprint(command, order_id) for command, order_id in requests]
