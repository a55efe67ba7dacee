"""Rows shared by the SQL adapters: what an event, an outbox message, a snapshot and an order look
like as column values, whatever the dialect. Queries and column types stay in each adapter.

JSON goes through ``codec.dumps`` (canonical, money as exact decimal strings); instants are the
adapter's business (SQLite stores integer microseconds, PostgreSQL ``timestamptz``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from ..codec import decode_event, dumps, encode_effect, encode_event, loads
from ..domain.effects import Effect
from ..domain.events import Event
from ..domain.order import Order
from ..errors import SchemaMismatch as SchemaMismatch  # re-exported
from ..ports import Message, Stored
from .history import snapshot_body

#: The schema this code writes; a database marked with a later one is refused.
SCHEMA_VERSION = 2


EventRow = tuple[str, int, str, str]  # order_id, version, kind, payload
OutboxRow = tuple[
    str, str, int, int, str, str, int
]  # message_id, order_id, version, index, kind, payload, created


def event_rows(order_id: str, expected_version: int, events: Sequence[Event]) -> list[EventRow]:
    """One row per event, versions counting on from ``expected_version``."""
    return [
        (order_id, expected_version + offset, event.name, dumps(encode_event(event)))
        for offset, event in enumerate(events, start=1)
    ]


def outbox_rows(order_id: str, version: int, effects: Sequence[Effect], at: int) -> list[OutboxRow]:
    """One row per effect of the decision that brought the order to ``version``."""
    return [
        (
            Message.id_of(order_id, version, index),
            order_id,
            version,
            index,
            effect.kind,
            dumps(encode_effect(effect)),
            at,
        )
        for index, effect in enumerate(effects)
    ]


def snapshot_of(order: Order, stored: Stored) -> str | None:
    """The order's snapshot JSON (with its digest) when the service asked for one."""
    return dumps(snapshot_body(order)) if stored.snapshot else None


def decode_events(rows: Iterable[tuple[int, str]]) -> list[tuple[int, Event]]:
    """``(version, event)`` from ``(version, JSON text)`` rows."""
    return [(version, decode_event(loads(payload))) for version, payload in rows]


class RecentOrders:
    """The latest committed version of the orders a process used last, to skip decoding them.

    Events are never rewritten, so an order id and a version name one order: a ``load`` that finds
    the stored version equal to the remembered one returns the remembered order instead of
    decoding a snapshot and the events after it (most of a command's cost). An order is
    remembered when read from committed rows or when the unit of work that wrote it commits,
    never before: a rolled-back write must not be mistaken for the version another writer commits.
    At most ``size`` orders are kept (0: none), the least recently used dropped first.
    """

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError(f"the cache size must be 0 or more, not {size}")
        self._size = size
        self._orders: OrderedDict[str, Order] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, order_id: str, version: int) -> Order | None:
        with self._lock:
            order = self._orders.get(order_id)
            if order is None or order.version != version:
                return None
            self._orders.move_to_end(order_id)
            return order

    def remember(self, orders: Iterable[Order]) -> None:
        if not self._size:
            return
        with self._lock:
            for order in orders:
                self._orders[order.id] = order
                self._orders.move_to_end(order.id)
            while len(self._orders) > self._size:
                self._orders.popitem(last=False)


def message_of(row: Sequence[Any], created_at: datetime | None = None) -> Message:
    """A ``Message`` from ``message_id, order_id, version, index, kind, payload, attempts``."""
    message_id, order_id, version, index, kind, payload, attempts = row
    return Message(message_id, order_id, version, index, kind, loads(payload), attempts, created_at)
