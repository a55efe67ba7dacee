"""Rows shared by the SQL adapters: what an event, an outbox message, a snapshot and an order look
like as column values, whatever the dialect. Queries and column types stay in each adapter.

JSON goes through ``codec.dumps`` (canonical, money as exact decimal strings); instants are the
adapter's business (SQLite stores integer microseconds, PostgreSQL ``timestamptz``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..codec import decode_event, decode_order, dumps, encode_effect, encode_event, encode_order, loads
from ..domain.decide import replay
from ..domain.effects import Effect
from ..domain.errors import OrderflowError
from ..domain.events import Event
from ..domain.order import Order
from ..ports import Message

#: The schema this code writes; a database marked with a later one is refused.
SCHEMA_VERSION = 1


class SchemaMismatch(OrderflowError):
    """The database was created by a later orderflow, with a schema this code does not know."""

    def __init__(self, found: int, known: int) -> None:
        self.found, self.known = found, known
        super().__init__(f"the database's schema is version {found}; this orderflow knows up to {known}")


EventRow = tuple[str, int, str, str]  # order_id, version, kind, payload
OutboxRow = tuple[str, str, int, int, str, str]  # message_id, order_id, version, index, kind, payload


def event_rows(order_id: str, expected_version: int, events: Sequence[Event]) -> list[EventRow]:
    """One row per event, versions counting on from ``expected_version``."""
    return [
        (order_id, expected_version + offset, event.name, dumps(encode_event(event)))
        for offset, event in enumerate(events, start=1)
    ]


def outbox_rows(order_id: str, version: int, effects: Sequence[Effect]) -> list[OutboxRow]:
    """One row per effect of the decision that brought the order to ``version``."""
    return [
        (
            Message.id_of(order_id, version, index),
            order_id,
            version,
            index,
            effect.kind,
            dumps(encode_effect(effect)),
        )
        for index, effect in enumerate(effects)
    ]


def snapshot_of(order: Order, expected_version: int, every: int) -> str | None:
    """The order's snapshot JSON when this write crosses a multiple of ``every`` (0: never)."""
    if every <= 0 or order.version // every == expected_version // every:
        return None
    return dumps(encode_order(order))


def rebuild(snapshot: str | None, payloads: Iterable[str]) -> Order:
    """The order from its latest snapshot (None: from the start) and the events after it."""
    events = (decode_event(loads(payload)) for payload in payloads)
    if snapshot is None:
        return replay(events)
    order = decode_order(loads(snapshot))
    for event in events:
        order = event.apply(order)
    return order


def decode_events(payloads: Iterable[str]) -> list[Event]:
    return [decode_event(loads(payload)) for payload in payloads]


def message_of(row: Sequence[Any]) -> Message:
    """A ``Message`` from ``message_id, order_id, version, index, kind, payload, attempts``."""
    message_id, order_id, version, index, kind, payload, attempts = row
    return Message(message_id, order_id, version, index, kind, loads(payload), attempts)
