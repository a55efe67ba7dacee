"""Firing deadlines: everything due at or before ``now`` fires, in due order (R-TIME-2).

``advance`` is pure like ``decide``: it returns a ``Decision`` and leaves its input alone.
``next_due`` tells a host when to call it next.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from .dates import LATEST, UTC, require_aware
from .deadlines import REMINDED, Due, ReminderDue, reminders, running
from .decision import Decision, commit
from .errors import InvalidArgument, InvalidTime
from .graph import Graph
from .guard import entry_point
from .handlers import closures, fired
from .order import Order
from .states import ACTIVE

if TYPE_CHECKING:
    from . import events as made  # the classes: their calls are type-checked
else:
    from .events import made


@attrs.frozen
class NextDue:
    """When ``advance`` next has something to do, and what (a deadline or ``reminder:<name>``)."""

    at: datetime
    name: str


def check_time(order: Order, now: object) -> datetime:
    """``now`` if it is aware and not before the order's last event (R-TIME-1)."""
    instant = now if type(now) is datetime and now.tzinfo is UTC and now < LATEST else require_aware(now)
    if instant < order.updated_at:
        raise InvalidTime(
            f"{instant.isoformat()} is before the order's last event ({order.updated_at.isoformat()})"
        )
    return instant


def _fires(order: Order, due: Due) -> bool:
    graph: Graph = order.terms.graph
    return graph.timer_route(order, due.deadline, due.at) is not None


def _first(order: Order, until: datetime | None) -> Due | ReminderDue | None:
    """The first deadline or reminder that fires something, if due by ``until`` (None: ever)."""
    candidates: list[Due | ReminderDue] = [
        due for due in running(order) if (until is None or due.at <= until) and _fires(order, due)
    ]
    if order.policy.reminders:
        candidates += [r for r in reminders(order) if until is None or r.at <= until]
    # At one instant reminders go first, then deadlines in R-TIME-2 order.
    return min(candidates, key=lambda d: (d.at, isinstance(d, Due), d), default=None)


def nothing_due_by(order: Order, now: datetime) -> bool:
    """A cheap sufficient test that nothing is due by ``now``: when True, ``advance(order, now)``
    does nothing and ``next_due(order)`` is later than ``now``; False proves nothing."""
    if order.terms.policy.reminders:
        return False
    if order.state not in ACTIVE:
        return True
    timer = order.timer_due
    return (
        now < order.expires_at
        and (timer is None or now < timer)
        and (not order.offers or all(now < offer.lapses_at for offer in order.offers))
    )


@entry_point
def advance(order: Order, now: datetime) -> Decision:
    """Fire every deadline due at or before ``now``, in due order; drop the rest once terminal."""
    if not isinstance(order, Order):
        raise InvalidArgument(f"not an order: {order!r}"[:200])
    now = check_time(order, now)
    unchanged = Decision(order)
    return unchanged if nothing_due_by(order, now) else fire(unchanged, now)


def fire(decision: Decision, now: datetime) -> Decision:
    """Fire the due deadlines and reminders one by one, each from the order the last one left
    (``now`` must be checked already; ``nothing_due_by`` tells when there is no need)."""
    while (due := _first(decision.order, now)) is not None:
        current = decision.order
        if isinstance(due, ReminderDue):
            deadline = due.of
            step = commit(
                current,
                (
                    made.ReminderSent(
                        at=due.at, deadline=deadline.name, due=deadline.at, party=REMINDED[deadline.deadline]
                    ),
                ),
                (f"reminder:{deadline.name}",),
            )
        else:
            graph: Graph = current.terms.graph
            route = graph.timer_route(current, due.deadline, due.at)
            assert route is not None  # _first only returns deadlines that fire
            events = fired(current, due.deadline, due.offer_id, due.at)
            if route.closes:
                events += closures(current, due.at)
            step = commit(current, events, (due.name,))
        decision = decision.then(step)
    return decision


def next_due(order: Order) -> NextDue | None:
    """When to call ``advance`` next for this order, or None if nothing will fire by itself."""
    due = _first(order, None)
    if due is None:
        return None
    if isinstance(due, ReminderDue):
        return NextDue(due.at, f"reminder:{due.of.name}")
    return NextDue(due.at, due.name)
