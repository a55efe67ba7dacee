"""Fuzz: hostile payloads through the codec (issue 14).

Valid encoded events, snapshots and commands with up to three values replaced by hostile ones,
and arbitrary text, go through ``loads`` and the decoders. Each must raise ``CodecError`` or
give a value that re-encodes to the same payload; a decoded snapshot then goes through
``advance`` and ``decide``, which may refuse it only with an ``OrderflowError``.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from orderflow import (
    Accept,
    Cancel,
    Deliver,
    OfferCustom,
    OrderflowError,
    RefuseRevision,
    Review,
    advance,
    decide,
)
from orderflow.codec import (
    CodecError,
    decode_command,
    decode_event,
    decode_order,
    dumps,
    encode_command,
    encode_event,
    encode_order,
    loads,
)

from .hostile import bounded, mutations
from support import BUYER, SELLER, Story, at

EXAMPLES = 80


def _story() -> Story:
    story = Story.placed()
    story.run(
        [
            (Accept(SELLER), at("2026-01-03T12:00")),
            (
                OfferCustom(SELLER, "x-1", story.order.terms.money(story.order.ledger.paid), 1),
                at("2026-01-03T13:00"),
            ),
            (Deliver(SELLER), at("2026-01-05T09:00")),
        ]
    )
    return story


STORY = _story()
EVENTS = [encode_event(event) for event in STORY.events]
SNAPSHOT = encode_order(STORY.order)
COMMANDS = [
    encode_command(c) for c in (RefuseRevision(SELLER, reason="no"), Review(BUYER, 5, "ok"), Cancel(BUYER))
]


def _decoded(decode: Any, payload: Any) -> Any:
    """``decode(payload)`` through JSON text, or None if the codec refused it with CodecError."""
    try:
        text = dumps(payload)
    except CodecError:
        return None
    try:
        return decode(loads(text))
    except CodecError:
        return None


@bounded(EXAMPLES)
@given(payload=st.sampled_from(EVENTS).flatmap(mutations))
def test_a_hostile_event_payload_is_refused_or_round_trips(payload: dict[str, Any]) -> None:
    event = _decoded(decode_event, payload)
    if event is not None:
        assert decode_event(loads(dumps(encode_event(event)))) == event


@bounded(EXAMPLES)
@given(payload=mutations(SNAPSHOT))
def test_a_hostile_snapshot_is_refused_or_decided_with_typed_errors(payload: dict[str, Any]) -> None:
    order = _decoded(decode_order, payload)
    if order is None:
        return
    assert decode_order(loads(dumps(encode_order(order)))) == order
    with contextlib.suppress(OrderflowError):
        advance(order, order.updated_at + timedelta(days=30))
    with contextlib.suppress(OrderflowError):
        decide(order, Review(BUYER, 4), order.updated_at + timedelta(hours=1))
    with contextlib.suppress(OrderflowError):
        decide(order, Cancel(SELLER), order.updated_at)


@bounded(EXAMPLES)
@given(payload=st.sampled_from(COMMANDS).flatmap(mutations))
def test_a_hostile_command_payload_is_refused_or_round_trips(payload: dict[str, Any]) -> None:
    command = _decoded(decode_command, payload)
    if command is not None:
        assert decode_command(loads(dumps(encode_command(command)))) == command


@bounded(EXAMPLES)
@given(text=st.one_of(st.text(max_size=200), st.binary(max_size=50).map(lambda b: b.decode("latin-1"))))
def test_any_text_loads_or_raises_codec_error(text: str) -> None:
    with contextlib.suppress(CodecError):
        loads(text)
