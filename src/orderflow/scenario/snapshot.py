"""The order snapshot of scenario-format.md: what ``--json`` prints and what ``expect`` matches.

``typed_snapshot`` keeps amounts as ``Decimal`` and times as ``datetime`` (so that ``expect`` compares
them as numbers and instants); ``snapshot`` is its JSON form. ``SHAPE`` declares every key and the
kind of each leaf, for the parser to check and convert ``expect`` patterns.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ..domain.catalogue import ACTORS, EFFECTS, EVENTS, STATES
from ..domain.deadlines import running_deadlines
from ..domain.effects import Effect
from ..domain.events import Event
from ..domain.money import Money, quantize
from ..domain.order import Order
from ..domain.states import Role
from .durations import format_instant

#: Leaf kinds of ``SHAPE``: "text", "bool", "int", "amount", "time", or a tuple of allowed names.
#: A dict is an object with these keys; ``{"*": kind}`` an object with any keys; ``[kind]`` a list.
Shape = Any

_KINDS: dict[object, Shape] = {
    Role: ACTORS,
    Money: "amount",
    datetime: "time",
    datetime | None: "time",
    str: "text",
    bool: "bool",
    bool | None: "bool",
}


def _effect_shape() -> dict[str, Shape]:
    """Every effect field, of every kind, with the kind of its value (from the classes' types)."""
    shape: dict[str, Shape] = {"kind": tuple(EFFECTS)}
    for cls in EFFECTS.values():
        hints = typing.get_type_hints(cls)
        shape.update({field.name: _KINDS[hints[field.name]] for field in attrs.fields(cls)})
    return shape


_AMOUNTS = ("paid", "escrow", "refunded", "seller_credited", "platform_revenue")
SHAPE: dict[str, Shape] = {
    "id": "text",
    "state": STATES,
    "late": "bool",
    "version": "int",
    "deadlines": {"*": "time"},
    "money": {"currency": "text", **dict.fromkeys(_AMOUNTS, "amount")},
    "events": [tuple(EVENTS)],
    "effects": [_effect_shape()],
}


def _value(value: object) -> object:
    if isinstance(value, Role):
        return value.value
    return value.amount if isinstance(value, Money) else value


def effect_record(effect: Effect) -> dict[str, object]:
    """An effect as a snapshot entry: its kind and its fields (amounts as ``Decimal``)."""
    return {
        "kind": effect.kind,
        **{f.name: _value(getattr(effect, f.name)) for f in attrs.fields(type(effect))},
    }


def typed_snapshot(
    order: Order, clock: datetime, events: Iterable[Event], effects: Iterable[Effect]
) -> dict[str, Any]:
    """The snapshot at ``clock``, amounts as ``Decimal`` and times as ``datetime``."""
    ledger = order.ledger
    return {
        "id": order.id,
        "state": order.state.value,
        "late": order.is_late(clock),
        "version": order.version,
        "deadlines": running_deadlines(order),
        "money": {"currency": ledger.currency, **{name: getattr(ledger, name) for name in _AMOUNTS}},
        "events": [event.name for event in events],
        "effects": [effect_record(effect) for effect in effects],
    }


def jsonable(value: object, currency: str) -> Any:
    """A typed snapshot (or any part of it) as JSON values: amounts with the currency's decimals."""
    if isinstance(value, dict):
        return {key: jsonable(item, currency) for key, item in value.items()}
    if isinstance(value, list):
        return [jsonable(item, currency) for item in value]
    if isinstance(value, Decimal):
        return str(quantize(value, currency))
    return format_instant(value) if isinstance(value, datetime) else value


def snapshot(
    order: Order, clock: datetime, events: Iterable[Event], effects: Iterable[Effect]
) -> dict[str, Any]:
    """The JSON-ready snapshot of scenario-format.md (amounts as strings, times as ISO 8601 "Z")."""
    result: dict[str, Any] = jsonable(typed_snapshot(order, clock, events, effects), order.currency)
    return result
