"""The pure entry points: ``decide`` a command, ``preview`` it, ``replay`` an order's events.

``decide(order, command, now)`` fires every deadline due by ``now`` (R-TIME-2), asks the graph
which route the command takes (InvalidTransition / NotAllowed), lets the route's handler produce
events (the remaining R-ERR-1 checks), closes what a dispute or an end closes (R-PART-3), and
applies the events. It never changes its input: a rejected command raises and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import getcontext

import attrs

from . import commands as c
from .commands import Command
from .dates import LATEST, UTC
from .decision import Decision, commit, new_decision
from .errors import InvalidArgument, InvalidTime, Rejection
from .events import Event, OrderPlaced
from .graph import Graph, Route
from .guard import BEYOND, DIGITS, EXPONENT, entry_point
from .handlers import HANDLERS, closures
from .order import Order
from .timers import check_time, fire, nothing_due_by

#: The commands whose handlers and events compute no amount: no ``Decimal`` arithmetic, no
#: rounding, only comparisons, which are exact in any decimal context. With nothing due, deciding
#: one gives the same decision whatever the host's context, so ``decide`` skips the context guard
#: for them, even its test of the host's context (guard.py). ``tests/unit/test_fast_paths.py``
#: decides each under a one-digit context that traps any rounding.
AMOUNT_FREE: frozenset[type[Command]] = frozenset(
    {
        c.Accept,
        c.Deliver,
        c.RequestCancellation,
        c.RefuseCancellation,
        c.RequestRevision,
        c.AcceptRevision,
        c.RefuseRevision,
        c.OpenDispute,
        c.Hold,
        c.ReleaseHold,
        c.Review,
    }
)


#: ``HANDLERS.get``, bound once: Python 3.11 compiles a method call on an imported name as an
#: attribute load (a new bound method, not specialized) on every call.
_handler_of = HANDLERS.get


def decide(order: Order, command: Command, now: datetime) -> Decision:
    """The decision of ``command`` at ``now``, after every deadline due by then has fired.

    Raises an ``OrderflowError`` if the command is rejected; if deadlines fired first, the error's
    ``advanced`` holds that decision (R-TIME-2: a rejected command leaves the timers fired).
    """
    # The handler's lookup is the command's check: only the command classes have one (a subclass
    # of one, or the bare base, would otherwise pass ``isinstance`` and have none).
    kind = type(command)
    handler = _handler_of(kind)
    if handler is None:
        raise InvalidArgument(f"not a command: {command!r}"[:200])
    if type(order) is not Order and not isinstance(order, Order):
        raise InvalidArgument(f"not an order: {order!r}"[:200])
    # A command that computes amounts takes the same path when the host's decimal context is
    # wide enough to be used as it is (guard.py), the guard's own test written out: the guarded
    # path costs two frames more (``close``: 30,000 instructions that way, 28,300 this way).
    if kind in AMOUNT_FREE or ((host := getcontext()).prec >= DIGITS and host.Emax >= EXPONENT):
        try:
            if not (type(now) is datetime and now.tzinfo is UTC and order.updated_at <= now < LATEST):
                now = check_time(order, now)  # another zone made UTC, or InvalidTime
            timer = order.timer_due
            if (
                (timer is None or now < timer)
                and now < order.expires_at
                and not order.offers
                and not order.terms.policy.reminders
            ):
                # The common case, written out: nothing due (these conditions imply
                # ``nothing_due_by``), so no deadline fires and moves money; one event.
                graph: Graph = order.terms.graph
                route = graph.direct.get((order.state, kind, command.actor)) or graph.judged(
                    order, command, now
                )
                events = handler(order, command, now, route)
                # no offer is open (tested above): a closing route closes nothing without a proposal
                if len(events) == 1 and (not route.closes or order.proposal is None):
                    return new_decision(events[0].apply(order), events, order)
                return _decided(order, command, now, None, route, events)
        except OverflowError:  # as the guard reports it
            raise InvalidTime(BEYOND) from None
    return _decide_in_context(order, command, now)


@entry_point
def _decide_in_context(order: Order, command: Command, now: datetime) -> Decision:
    """``decide`` for a command that may compute amounts, or once deadlines are due: in the
    core's decimal context (guard.py)."""
    if not (type(now) is datetime and now.tzinfo is UTC and order.updated_at <= now < LATEST):
        now = check_time(order, now)
    timer = order.timer_due
    nothing_due = (
        (timer is None or now < timer)
        and now < order.expires_at
        and not order.offers
        and not order.terms.policy.reminders
    ) or nothing_due_by(order, now)  # the same test as ``decide``'s, then the whole one
    return _decided(order, command, now, None if nothing_due else fire(Decision(order), now), None, None)


def _decided(
    order: Order,
    command: Command,
    now: datetime,
    advanced: Decision | None,
    route: Route | None,
    events: tuple[Event, ...] | None,
) -> Decision:
    """``decide`` after ``advanced`` (None: nothing fired), given the route and events if found."""
    current = order if advanced is None else advanced.order
    try:
        if route is None or events is None:  # the slow path: its commands ask the graph
            graph: Graph = current.terms.graph
            route = graph.route(current, command, now)
            events = HANDLERS[type(command)](current, command, now, route)
    except Rejection as error:
        error.advanced = advanced if advanced is not None and advanced.events else None
        raise
    if route.closes and (current.offers or current.proposal is not None):  # else closes nothing
        events += closures(current, now)
    decision = commit(current, events)
    return decision if advanced is None else advanced.then(decision)


@attrs.frozen
class Preview:
    """A dry run of ``decide``: the decision it would take, or the error it would raise."""

    decision: Decision | None
    error: Rejection | None

    @property
    def accepted(self) -> bool:
        return self.error is None


def preview(order: Order, command: Command, now: datetime) -> Preview:
    """What ``decide`` would do, without raising."""
    try:
        return Preview(decide(order, command, now), None)
    except Rejection as error:
        return Preview(None, error)


@entry_point
def replay(events: Iterable[Event]) -> Order:
    """The order rebuilt from its events, identical to the live one, version included."""
    stream = iter(events)
    placed = next(stream, None)
    if not isinstance(placed, OrderPlaced):
        raise InvalidArgument("an order's history starts with OrderPlaced")
    order = placed.create()
    for event in stream:
        if isinstance(event, OrderPlaced) or not isinstance(event, Event):
            raise InvalidArgument(
                f"OrderPlaced can only start an order's history of events, not {event!r}"[:200]
            )
        order = event.apply(order)
    return order
