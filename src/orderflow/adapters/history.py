"""Verified loading: an order rebuilt from stored rows only if the rows make a history the model
could have written, else ``CorruptHistory`` naming the order and the version at fault.

Every adapter that rebuilds orders from rows (SQLite, PostgreSQL, a host's own) calls ``rebuild``
with the events it read and the version its order row claims. It checks, event by event:

- versions contiguous from the snapshot's (or from 1) up to the order row's version;
- the history starts with ``OrderPlaced`` and has no other;
- each event possible from the state it is applied to (``POSSIBLE_FROM``, the states in which the
  core emits it; a test checks the table against random lives and the model check);
- times never going back; the ledger conserved to the cent with no negative account after each;
- a snapshot matching the digest written with it (``snapshot_body``/``snapshot_order``).

The checks cost a few comparisons per decoded event, and decoded orders are cached by version
(``RecentOrders``), so a load that hits the cache pays nothing (docs/persistence.md has figures).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from ..codec import CodecError, decode_order, dumps, encode_order
from ..domain.events import Event, OrderPlaced
from ..domain.order import Order
from ..domain.states import ACTIVE, FROZEN, TERMINAL, State
from ..errors import CorruptHistory

__all__ = ["POSSIBLE_FROM", "rebuild", "snapshot_body", "snapshot_order"]

_STARTED = frozenset(ACTIVE - {State.PENDING})
_IN_PROGRESS = frozenset({State.IN_PROGRESS})
_EXTRAS = frozenset({State.IN_PROGRESS, State.REVISION_REFUSED})

#: The states each event may be applied to (R-* rows of the graph, as the core emits them);
#: an event type missing here is allowed from any state.
POSSIBLE_FROM: Mapping[str, frozenset[State]] = {
    "OrderAccepted": frozenset({State.PENDING}),
    "OrderDelivered": _IN_PROGRESS,
    "CancellationRequested": _IN_PROGRESS,
    "CancellationRefused": frozenset({State.CANCELLATION_REQUESTED}),
    "RevisionRequested": frozenset({State.DELIVERED}),
    "RevisionAccepted": frozenset({State.REVISION_REQUESTED}),
    "RevisionRefused": frozenset({State.REVISION_REQUESTED}),
    "DisputeOpened": frozenset(ACTIVE),
    "OrderRestarted": frozenset({State.DISPUTED}),
    "OrderHeld": frozenset(ACTIVE | {State.DISPUTED}),
    "HoldReleased": frozenset({State.ON_HOLD}),
    "OrderCompleted": frozenset({State.DELIVERED, State.REVISION_REFUSED, State.DISPUTED}),
    "OrderCanceled": frozenset(ACTIVE | {State.DISPUTED}),
    "OrderExpired": frozenset(ACTIVE | FROZEN),
    "OptionBought": _EXTRAS,
    "CustomOfferMade": _EXTRAS,
    "CustomOfferAccepted": _EXTRAS,
    "CustomOfferRefused": _STARTED,
    "CustomOfferWithdrawn": _STARTED,
    "CustomOfferLapsed": _STARTED,
    "CustomOfferClosed": frozenset(TERMINAL | {State.DISPUTED}),
    "PartialRefundProposed": _STARTED,
    "PartialRefundAccepted": _STARTED,
    "PartialRefundDeclined": _STARTED,
    "PartialRefundWithdrawn": _STARTED,
    "PartialRefundClosed": frozenset(TERMINAL | {State.DISPUTED}),
    "ReviewLeft": frozenset({State.COMPLETED}),
}


def rebuild(order_id: str, start: Order | None, events: Iterable[tuple[int, Event]], version: int) -> Order:
    """The order from its snapshot ``start`` (None: from its first event) and the ``(version,
    event)`` rows after it, which must end at ``version`` (the order row's). Raises ``CorruptHistory``."""
    order = start
    expected = 1 if start is None else start.version + 1
    for number, event in events:
        if number != expected:
            raise CorruptHistory(order_id, expected, f"event version {number} found where {expected} was due")
        order = _applied(order_id, order, number, event)
        expected += 1
    if order is None:
        raise CorruptHistory(order_id, 1, "the order has no events")
    if order.version != version:
        problem = f"the events end at version {order.version} but the order is at version {version}"
        raise CorruptHistory(order_id, order.version + 1, problem)
    return order


def _applied(order_id: str, order: Order | None, number: int, event: Event) -> Order:
    """``event`` applied to ``order`` (None: the first event), checked."""
    name = type(event).__name__
    if order is None:
        if not isinstance(event, OrderPlaced):
            raise CorruptHistory(order_id, number, f"the history starts with {name}, not OrderPlaced")
        after = event.create()
    else:
        if isinstance(event, OrderPlaced):
            raise CorruptHistory(order_id, number, "OrderPlaced after the order was placed")
        allowed = POSSIBLE_FROM.get(name)
        if allowed is not None and order.state not in allowed:
            raise CorruptHistory(order_id, number, f"{name} cannot happen to an order {order.state.value}")
        if event.at < order.updated_at:
            before = order.updated_at.isoformat()
            problem = f"{name} at {event.at.isoformat()} is before the previous event ({before})"
            raise CorruptHistory(order_id, number, problem)
        try:
            after = event.apply(order)
        except Exception as error:  # an impossible change (money out of an empty escrow ...)
            raise CorruptHistory(order_id, number, f"{name} cannot apply: {error}") from error
        if after.ledger is order.ledger and after.state is order.state:
            return after  # money untouched, not ended: the ledger checks hold as before
    _check_ledger(order_id, number, after)
    return after


def _check_ledger(order_id: str, number: int, order: Order) -> None:
    ledger = order.ledger
    accounts = (ledger.escrow, ledger.refunded, ledger.seller_credited, ledger.platform_revenue)
    if min(accounts) < 0 or ledger.paid < 0:
        raise CorruptHistory(order_id, number, f"a negative amount in the ledger: {ledger}")
    if not ledger.balanced:
        raise CorruptHistory(order_id, number, f"money is not conserved: {ledger}")
    if order.state.is_terminal and ledger.escrow != 0:
        raise CorruptHistory(order_id, number, f"an ended order keeps {ledger.escrow} in escrow")


def _digest(encoded: Any) -> str:
    return hashlib.sha256(dumps(encoded).encode()).hexdigest()


def snapshot_body(order: Order) -> dict[str, Any]:
    """What a snapshot stores: the encoded order and the digest that ``snapshot_order`` checks."""
    encoded = encode_order(order)
    return {"order": encoded, "digest": _digest(encoded)}


def snapshot_order(order_id: str, body: Any, version: int) -> Order | None:
    """The order a snapshot (its parsed JSON, taken at ``version``) holds; None without one or when
    the codec cannot read it (an older format: the order is then replayed from all its events).
    Raises ``CorruptHistory`` for a snapshot changed since it was written, or not at ``version``."""
    if not isinstance(body, Mapping) or set(body) != {"order", "digest"}:
        return None
    if _digest(body["order"]) != body["digest"]:
        raise CorruptHistory(order_id, version, "the snapshot differs from the one written (digest)")
    try:
        order = decode_order(body["order"])
    except CodecError:
        return None
    if order.version != version:
        raise CorruptHistory(order_id, version, f"the snapshot is of version {order.version}")
    _check_ledger(order_id, version, order)
    return order
