"""Deadlines as data: which deadlines run in each state and where each one's instant is stored.

A deadline is an absolute, aware instant on the order under a stable name (``Deadline``). This
module only reads them; ``timers.advance`` fires the due ones, and events set or shift them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import attrs

from .order import Order
from .states import ACTIVE, DELIVERY, EXPIRY, OFFER, Deadline, Role, State

#: R-TIME-3: the deadlines running in each state, besides expiry (every active state) and the
#: lapse of each open offer. on_hold, disputed and terminal states run none.
STATE_DEADLINES: dict[State, tuple[Deadline, ...]] = {
    State.PENDING: (Deadline.ACCEPTANCE,),
    State.IN_PROGRESS: (Deadline.DELIVERY,),
    State.CANCELLATION_REQUESTED: (Deadline.SELLER_ANSWER, Deadline.DELIVERY),
    State.DELIVERED: (Deadline.REVIEW_DECISION,),
    State.REVISION_REQUESTED: (Deadline.SELLER_ANSWER,),
    State.REVISION_REFUSED: (Deadline.BUYER_DECISION,),
}
_PRIORITY = {deadline: rank for rank, deadline in enumerate(Deadline)}  # R-TIME-2
#: Each deadline's public name, looked up: an enum's ``value`` is a Python-level property.
_NAMES = {deadline: deadline.value for deadline in Deadline}


@attrs.frozen(order=True)
class Due:
    """A running deadline: its instant, its name and, for an offer's lapse, the offer."""

    at: datetime
    rank: int = attrs.field(repr=False)
    deadline: Deadline
    offer_id: str | None = None

    @property
    def name(self) -> str:
        """The public name: ``delivery``, ``offer:<offer_id>``..."""
        return _NAMES[self.deadline] if self.offer_id is None else f"offer:{self.offer_id}"


def deadline_instant(order: Order, deadline: Deadline) -> datetime | None:
    """The instant of a state deadline of ``order`` if it is running, else None."""
    if deadline not in STATE_DEADLINES.get(order.state, ()):
        return None
    return order.delivery_due if deadline is DELIVERY else order.timer_due


def running(order: Order) -> Iterator[Due]:
    """Every running deadline (R-TIME-3), in no particular order; passed ones included."""
    if order.state not in ACTIVE:
        return
    for deadline in STATE_DEADLINES[order.state]:
        at = deadline_instant(order, deadline)
        if at is not None:
            yield Due(at, _PRIORITY[deadline], deadline)
    for offer in order.offers:
        yield Due(offer.lapses_at, _PRIORITY[OFFER], OFFER, offer.offer_id)
    yield Due(order.expires_at, _PRIORITY[EXPIRY], EXPIRY)


def running_deadlines(order: Order) -> dict[str, datetime]:
    """The running deadlines by public name, soonest first (the snapshot's ``deadlines``)."""
    return {due.name: due.at for due in sorted(running(order))}


#: Who a reminder before each deadline goes to: the party expected to act.
REMINDED: dict[Deadline, Role] = {
    Deadline.ACCEPTANCE: Role.SELLER,
    Deadline.DELIVERY: Role.SELLER,
    Deadline.SELLER_ANSWER: Role.SELLER,
    Deadline.REVIEW_DECISION: Role.BUYER,
    Deadline.BUYER_DECISION: Role.BUYER,
    Deadline.OFFER: Role.BUYER,
    Deadline.EXPIRY: Role.BUYER,
}


@attrs.frozen(order=True)
class ReminderDue:
    """A policy reminder of a running deadline, due ``before`` it."""

    at: datetime
    of: Due


def reminders(order: Order) -> Iterator[ReminderDue]:
    """The policy's reminders of running deadlines that were not sent yet, never before the last
    event (R-TIME-1)."""
    for reminder in order.policy.reminders:
        for due in running(order):
            if due.deadline is reminder.deadline and (due.name, due.at) not in order.reminded:
                # A deadline set closer than the reminder's lead is reminded of at once.
                yield ReminderDue(max(due.at - reminder.before, order.updated_at), due)
