"""Rows shared by the SQL adapters: what an event, an outbox message, a snapshot and an order look
like as column values, whatever the dialect. Queries and column types stay in each adapter.

JSON goes through ``codec.dumps`` (canonical, money as exact decimal strings); instants are the
adapter's business (SQLite stores integer microseconds, PostgreSQL ``timestamptz``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

from ..codec import (
    CodecError,
    decode_event,
    decode_order,
    dumps,
    encode_effect,
    encode_event,
    encode_order,
    loads,
)
from ..domain.decide import replay
from ..domain.effects import Effect
from ..domain.events import Event
from ..domain.order import Order
from ..errors import SchemaMismatch as SchemaMismatch  # re-exported
from ..ports import Message

#: The schema this code writes; a database marked with a later one is refused.
SCHEMA_VERSION = 1


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


def snapshot_order(snapshot: Any) -> Order | None:
    """The order a snapshot holds (its parsed JSON); None without one or when the codec cannot read
    it (an older schema: the order is then replayed from all of its events)."""
    if snapshot is None:
        return None
    try:
        return decode_order(snapshot)
    except CodecError:
        return None


def rebuild(start: Order | None, events: Iterable[Event]) -> Order:
    """The order from its snapshot (None: from its first event) and the events after it."""
    if start is None:
        return replay(events)
    for event in events:
        start = event.apply(start)
    return start


def decode_events(payloads: Iterable[str]) -> list[Event]:
    """Events from their JSON texts."""
    return [decode_event(loads(payload)) for payload in payloads]


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


def message_of(row: Sequence[Any]) -> Message:
    """A ``Message`` from ``message_id, order_id, version, index, kind, payload, attempts``."""
    message_id, order_id, version, index, kind, payload, attempts = row
    return Message(message_id, order_id, version, index, kind, loads(payload), attempts)
