"""``OrderService``: places orders and handles commands, each in one unit of work.

The service is thin: ``place_order``, ``decide`` and ``advance`` make every decision; the service
loads the order, persists the decision's events and outbox messages with an expected version,
records the outcome under the caller's idempotency key and commits, all or nothing. On a version
conflict it runs the whole unit of work again against the new state (safe: deciding is pure).

An idempotency key binds the first outcome: the same key and command return the first decision
again (rebuilt from the stored events) or raise the first rejection again; the same key with
another command raises ``IdempotencyConflict``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from .. import codec
from ..domain.commands import Command
from ..domain.decide import decide, replay
from ..domain.decision import Decision, commit
from ..domain.effects import effects_of
from ..domain.errors import Rejection
from ..domain.events import OrderPlaced
from ..domain.order import Order
from ..domain.placement import Placement, place_order
from ..domain.timers import advance
from ..errors import CodecError, ConcurrencyConflict, IdempotencyConflict, OrderExists
from ..ports import Clock, Recorded, Storage, UnitOfWork

#: An attempt's result: the decision to return, or the rejection to raise once the unit of work ended.
Outcome = Decision | Rejection


class OrderService:
    """Places orders and handles their commands and deadlines against one storage and clock."""

    def __init__(self, storage: Storage, clock: Clock, *, retries: int = 5) -> None:
        if retries < 0:
            raise ValueError("retries must be zero or more")
        self.storage = storage
        self.clock = clock
        self.retries = retries

    def place(self, placement: Placement, *, key: str | None = None) -> Decision:
        """Store a new order. Raises ``OrderExists`` if its id is taken (and ``key`` is not the
        key that placed it: then the first placement's decision comes back)."""
        decision = place_order(placement)
        fingerprint = _placement_fingerprint(decision) if key is not None else ""

        def attempt(uow: UnitOfWork) -> Outcome:
            order_id = decision.order.id
            if key is not None and (recorded := uow.idempotency.get(key)) is not None:
                return _recall(uow, key, fingerprint, recorded)
            if uow.orders.events(order_id):
                raise OrderExists(order_id)
            persist(uow, 0, decision)
            if key is not None:
                uow.idempotency.put(key, Recorded(fingerprint, _accepted(order_id, 0, decision)))
            uow.commit()
            return decision

        return self._retrying(attempt)

    def handle(self, order_id: str, command: Command, *, key: str | None = None) -> Decision:
        """Decide ``command`` for the order now and persist the decision; raise its rejection.

        A rejection is persisted too when deadlines fired before it (``error.advanced``), and
        recorded under ``key``. Raises ``UnknownOrder``, ``IdempotencyConflict``, or
        ``ConcurrencyConflict`` when still in conflict after ``retries`` more attempts.
        """
        fingerprint = codec.fingerprint(command, order_id) if key is not None else ""

        def attempt(uow: UnitOfWork) -> Outcome:
            if key is not None and (recorded := uow.idempotency.get(key)) is not None:
                return _recall(uow, key, fingerprint, recorded)
            order = uow.orders.load(order_id)
            try:
                decision = decide(order, command, self.clock.now())
            except Rejection as error:
                _reject(uow, order, error, key, fingerprint)
                return error
            persist(uow, order.version, decision)
            if key is not None:
                uow.idempotency.put(key, Recorded(fingerprint, _accepted(order_id, order.version, decision)))
            uow.commit()
            return decision

        return self._retrying(attempt)

    def advance(self, order_id: str) -> Decision:
        """Fire what is due for the order now (an empty decision when nothing is)."""

        def attempt(uow: UnitOfWork) -> Outcome:
            order = uow.orders.load(order_id)
            decision = advance(order, self.clock.now())
            if decision.events:
                persist(uow, order.version, decision)
                uow.commit()
            return decision

        return self._retrying(attempt)

    def order(self, order_id: str) -> Order:
        """The order at its latest stored version. Raises ``UnknownOrder``."""
        with self.storage.unit_of_work() as uow:
            return uow.orders.load(order_id)

    def _retrying(self, attempt: Callable[[UnitOfWork], Outcome]) -> Decision:
        """Run ``attempt`` in a fresh unit of work until it ends without a version conflict."""
        conflicts = 0
        while True:
            try:
                with self.storage.unit_of_work() as uow:
                    outcome = attempt(uow)
            except ConcurrencyConflict:
                conflicts += 1
                if conflicts > self.retries:
                    raise
                continue
            if isinstance(outcome, Rejection):
                raise outcome
            return outcome


def persist(uow: UnitOfWork, expected_version: int, decision: Decision) -> None:
    """Append the decision's events and queue its effects, in the caller's unit of work."""
    uow.orders.append(decision.order.id, expected_version, decision)
    uow.outbox.put(decision.order.id, decision.order.version, decision.effects)


def _reject(uow: UnitOfWork, order: Order, error: Rejection, key: str | None, fingerprint: str) -> None:
    """Persist the deadlines that fired before the rejection and record it under ``key``."""
    advanced = error.advanced
    if advanced is not None:
        persist(uow, order.version, advanced)
    if key is not None:
        fired = None if advanced is None else _accepted(order.id, order.version, advanced)
        outcome = {"error": codec.encode_error(error), "advanced": fired}
        uow.idempotency.put(key, Recorded(fingerprint, outcome))
    if advanced is not None or key is not None:
        uow.commit()


def _accepted(order_id: str, from_version: int, decision: Decision) -> dict[str, Any]:
    """The idempotency record of an accepted decision: where its events are, what fired."""
    return {
        "order_id": order_id,
        "from_version": from_version,
        "to_version": decision.order.version,
        "fired": list(decision.fired),
    }


def _recall(uow: UnitOfWork, key: str, fingerprint: str, recorded: Recorded) -> Outcome:
    """The first outcome recorded under ``key``, if it was for the same command."""
    if recorded.fingerprint != fingerprint:
        raise IdempotencyConflict(key)
    outcome = recorded.outcome
    if "error" not in outcome:
        return _rebuild(uow, outcome)
    error = codec.decode_error(outcome["error"])
    if not isinstance(error, Rejection):
        raise CodecError(f"idempotency record {key!r}: {type(error).__name__} is not a rejection")
    advanced = outcome.get("advanced")
    error.advanced = None if advanced is None else _rebuild(uow, advanced)
    return error


def _rebuild(uow: UnitOfWork, accepted: Mapping[str, Any]) -> Decision:
    """The decision whose events are versions ``from_version + 1 .. to_version`` of the order,
    re-applied to the order as it was before them: the same order, events and effects."""
    start, end = accepted["from_version"], accepted["to_version"]
    history = uow.orders.events(accepted["order_id"], after=0)[:end]
    events, fired = history[start:], tuple(accepted["fired"])
    if start:
        return commit(replay(history[:start]), events, fired)
    placed = events[0]
    assert isinstance(placed, OrderPlaced)  # version 1 of every order
    order = placed.create()
    return Decision(order, (placed,), effects_of(placed, None, order), fired)


def _placement_fingerprint(decision: Decision) -> str:
    """What a placement is, for its idempotency key: the digest of its ``OrderPlaced`` event."""
    (placed,) = decision.events
    return hashlib.sha256(codec.dumps(codec.encode_event(placed)).encode()).hexdigest()
