"""``OrderService``: places orders and handles commands, each in one unit of work.

The service is thin: ``place_order``, ``decide`` and ``advance`` make every decision; the service
loads the order, persists the decision's events and outbox messages with an expected version,
records the outcome under the caller's idempotency key and commits, all or nothing. On a version
conflict it runs the whole unit of work again against the new state (safe: deciding is pure).

An idempotency key binds the first outcome: the same key and command return the first decision
again (rebuilt from the stored events) or raise the first rejection again; the same key with
another command raises ``IdempotencyConflict`` naming the fields that differ. Only the rules'
own decisions are bound to a key: a failure of the host's environment (a clock too far behind
the order, the storage unavailable) is raised and recorded nowhere, so a retry can succeed.

Hosts' clocks differ a little: a command read at an instant up to ``clock_tolerance`` before the
order's last event (written by a host whose clock runs ahead) is decided at that event's instant;
further behind, ``InvalidTime`` is raised and nothing is recorded.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from .. import codec
from ..domain.commands import Command
from ..domain.decide import decide, replay
from ..domain.decision import Decision, commit
from ..domain.effects import effects_of
from ..domain.errors import InvalidTime, Rejection
from ..domain.events import OrderPlaced
from ..domain.order import Order
from ..domain.placement import Placement, place_order
from ..domain.timers import advance
from ..errors import CodecError, ConcurrencyConflict, IdempotencyConflict, OrderExists, StorageUnavailable
from ..ports import Clock, Recorded, Storage, Stored, UnitOfWork, check_key
from . import telemetry

log = logging.getLogger(__name__)

#: How far behind an order's last event a host's clock may read and still be taken as that
#: event's instant (``OrderService(clock_tolerance=...)``).
CLOCK_TOLERANCE = timedelta(seconds=5)

#: An attempt's result: the decision to return, or the rejection to raise once the unit of work ended.
Outcome = Decision | Rejection


class OrderService:
    """Places orders and handles their commands and deadlines against one storage and clock."""

    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        *,
        retries: int = 5,
        clock_tolerance: timedelta = CLOCK_TOLERANCE,
        unavailable_retries: int = 1,
    ) -> None:
        if retries < 0:
            raise ValueError("retries must be zero or more")
        if unavailable_retries < 0:
            raise ValueError("unavailable_retries must be zero or more")
        if clock_tolerance < timedelta(0):
            raise ValueError("clock_tolerance must be zero or more")
        self.storage = storage
        self.clock = clock
        self.retries = retries
        self.clock_tolerance = clock_tolerance
        self.unavailable_retries = unavailable_retries

    def place(self, placement: Placement, *, key: str | None = None) -> Decision:
        """Store a new order. Raises ``OrderExists`` if its id is taken (and ``key`` is not the
        key that placed it: then the first placement's decision comes back)."""
        decision = place_order(placement)
        request = _placement_request(decision) if key is not None else {}
        fingerprint = _placement_fingerprint(decision) if key is not None else ""
        key = None if key is None else check_key(key)

        def attempt(uow: UnitOfWork) -> Outcome:
            order_id = decision.order.id
            if key is not None and (recorded := uow.idempotency.get(key)) is not None:
                return _recall(uow, key, fingerprint, recorded, request)
            if uow.orders.events(order_id):
                raise OrderExists(order_id)
            persist(uow, 0, decision, self.storage.snapshot_every)
            if key is not None:
                outcome = _accepted(order_id, 0, decision, request)
                uow.idempotency.put(key, Recorded(fingerprint, outcome))
            uow.commit()
            return decision

        return self._retrying("place", attempt, keyed=key is not None)

    def handle(self, order_id: str, command: Command, *, key: str | None = None) -> Decision:
        """Decide ``command`` for the order now and persist the decision; raise its rejection.

        A rejection is persisted too when deadlines fired before it (``error.advanced``), and
        recorded under ``key``. Raises ``UnknownOrder``, ``IdempotencyConflict``, or
        ``ConcurrencyConflict`` when still in conflict after ``retries`` more attempts.
        """
        request = _command_request(command, order_id) if key is not None else {}
        fingerprint = codec.fingerprint(command, order_id) if key is not None else ""
        key = None if key is None else check_key(key)
        every = self.storage.snapshot_every

        def attempt(uow: UnitOfWork) -> Outcome:
            if key is not None and (recorded := uow.idempotency.get(key)) is not None:
                return _recall(uow, key, fingerprint, recorded, request)
            order = uow.orders.load(order_id)
            now = self.now(order.updated_at)  # raises, recording nothing, if far behind
            try:
                decision = decide(order, command, now)
            except Rejection as error:
                _reject(uow, order, error, key, fingerprint, request, every)
                return error
            persist(uow, order.version, decision, every)
            if key is not None:
                outcome = _accepted(order_id, order.version, decision, request)
                uow.idempotency.put(key, Recorded(fingerprint, outcome))
            uow.commit()
            return decision

        return self._retrying(command.action, attempt, keyed=key is not None)

    def advance(self, order_id: str) -> Decision:
        """Fire what is due for the order now (an empty decision when nothing is)."""

        def attempt(uow: UnitOfWork) -> Outcome:
            order = uow.orders.load(order_id)
            decision = advance(order, self.now(order.updated_at))
            if decision.events:
                persist(uow, order.version, decision, self.storage.snapshot_every)
                uow.commit()
            return decision

        return self._retrying("advance", attempt)

    def now(self, last_event: datetime) -> datetime:
        """The clock's now for an order whose last event was at ``last_event``: that instant if
        the clock reads up to ``clock_tolerance`` before it; ``InvalidTime`` further behind (a
        failure of the host's clock, never recorded under a key)."""
        now = self.clock.now()
        if now.tzinfo is None:
            raise InvalidTime(f"the host's clock gave a naive time ({now.isoformat()})")
        if now >= last_event:
            return now
        behind = last_event - now
        if behind <= self.clock_tolerance:
            return last_event
        telemetry.count("orderflow.service.clock_skew_refusals", 1)
        log.warning(
            "clock %s behind an order's last event, beyond the tolerance of %s",
            behind,
            self.clock_tolerance,
            extra={
                "behind_seconds": behind.total_seconds(),
                "tolerance_seconds": self.clock_tolerance.total_seconds(),
            },
        )
        raise InvalidTime(
            f"the host's clock ({now.isoformat()}) is {behind} behind the order's last event"
            f" ({last_event.isoformat()}), more than the tolerance of {self.clock_tolerance}"
        )

    def order(self, order_id: str) -> Order:
        """The order at its latest stored version. Raises ``UnknownOrder``."""
        with self.storage.unit_of_work() as uow:
            return uow.orders.load(order_id)

    def _retrying(
        self, action: str, attempt: Callable[[UnitOfWork], Outcome], keyed: bool = False
    ) -> Decision:
        """Run ``attempt`` in a fresh unit of work until it ends without a version conflict.

        A unit of work that failed with ``StorageUnavailable`` before committing never reached
        the database's state: it is run again, up to ``unavailable_retries`` times (the pool
        meanwhile replaces a dead connection). One lost while committing is run again only under
        an idempotency key (which finds its first outcome if it was written after all)."""
        conflicts = unavailable = 0
        while True:
            try:
                with self.storage.unit_of_work() as uow:
                    outcome = attempt(uow)
            except StorageUnavailable as error:
                unavailable += 1
                if unavailable > self.unavailable_retries or (error.outcome_unknown and not keyed):
                    raise
                log.warning("storage unavailable (%s); trying once more", error, extra={"action": action})
                continue
            except ConcurrencyConflict:
                conflicts += 1
                telemetry.count("orderflow.service.conflicts", 1, {"action": action})
                if conflicts > self.retries:
                    raise
                continue
            result = "rejected" if isinstance(outcome, Rejection) else "accepted"
            telemetry.count("orderflow.service.commands", 1, {"action": action, "result": result})
            if isinstance(outcome, Rejection):
                raise outcome
            return outcome


def persist(uow: UnitOfWork, expected_version: int, decision: Decision, snapshot_every: int | None) -> None:
    """Append the decision's events (with what the service computed for the adapter to store:
    ``Stored``) and queue its effects, in the caller's unit of work."""
    order = decision.order
    uow.orders.append(
        order.id, expected_version, decision, Stored.of(decision, expected_version, snapshot_every)
    )
    uow.outbox.put(order.id, order.version, decision.effects, order.updated_at)


def _reject(
    uow: UnitOfWork,
    order: Order,
    error: Rejection,
    key: str | None,
    fingerprint: str,
    request: Mapping[str, Any],
    snapshot_every: int | None,
) -> None:
    """Persist the deadlines that fired before the rejection and record it under ``key``."""
    advanced = error.advanced
    if advanced is not None:
        persist(uow, order.version, advanced, snapshot_every)
    if key is not None:
        fired = None if advanced is None else _accepted(order.id, order.version, advanced, {})
        outcome = {"error": codec.encode_error(error), "advanced": fired, "request": dict(request)}
        uow.idempotency.put(key, Recorded(fingerprint, outcome))
    if advanced is not None or key is not None:
        uow.commit()


def _accepted(
    order_id: str, from_version: int, decision: Decision, request: Mapping[str, Any]
) -> dict[str, Any]:
    """The idempotency record of an accepted decision: where its events are, what fired, and the
    request (to say which fields differ when the key is reused for another)."""
    accepted = {
        "order_id": order_id,
        "from_version": from_version,
        "to_version": decision.order.version,
        "fired": list(decision.fired),
    }
    if request:
        accepted["request"] = dict(request)
    return accepted


def _recall(
    uow: UnitOfWork, key: str, fingerprint: str, recorded: Recorded, request: Mapping[str, Any]
) -> Outcome:
    """The first outcome recorded under ``key``, if it was for the same command."""
    if recorded.fingerprint != fingerprint:
        first = recorded.outcome.get("request")
        raise IdempotencyConflict(key, _differing(first, request) if isinstance(first, Mapping) else ())
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
        return commit(replay(history[:start]), tuple(events), fired)
    placed = events[0]
    assert isinstance(placed, OrderPlaced)  # version 1 of every order
    order = placed.create()
    return Decision(order, (placed,), effects_of(placed, None, order), fired)


def _differing(first: Mapping[str, Any], again: Mapping[str, Any]) -> list[str]:
    """The fields whose values differ between two requests, in alphabetical order."""
    return sorted(name for name in first.keys() | again.keys() if first.get(name) != again.get(name))


def _command_request(command: Command, order_id: str) -> dict[str, Any]:
    """A command request as recorded with its key: the order id and the encoded command."""
    return {"order_id": order_id, **codec.encode_command(command)}


def _placement_request(decision: Decision) -> dict[str, Any]:
    """A placement as recorded with its key: its ``OrderPlaced`` event's fields, terms flattened."""
    (placed,) = decision.events
    encoded = codec.encode_event(placed)
    terms = encoded.pop("terms", {})
    return {**encoded, **(terms if isinstance(terms, dict) else {})}


def _placement_fingerprint(decision: Decision) -> str:
    """What a placement is, for its idempotency key: the digest of its ``OrderPlaced`` event."""
    (placed,) = decision.events
    return hashlib.sha256(codec.dumps(codec.encode_event(placed)).encode()).hexdigest()
