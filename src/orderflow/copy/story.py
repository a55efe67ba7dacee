"""An order's story as data for a page: its events in order, who did each, and where the money
was after each one; the deadlines it ever had, past and coming.

Everything is folded from the events (``Event.apply``), so a scenario's run and an order read back
from storage tell the same story. Who acted is read from the event (``by``, a proposal's proposer,
the cause of an end) or, for the events only one party can cause, from ``ACTOR``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import attrs

from ..domain import events as ev
from ..domain.deadlines import running_deadlines
from ..domain.decide import replay
from ..domain.errors import InvalidArgument
from ..domain.money import Ledger
from ..domain.order import Order
from ..domain.states import Deadline, Role

#: The party behind the events only one party can cause; None: nobody (a deadline, the clock).
ACTOR: Mapping[type[ev.Event], Role | None] = {
    ev.OrderPlaced: Role.BUYER,
    ev.OrderAccepted: Role.SELLER,
    ev.OrderDelivered: Role.SELLER,
    ev.CancellationRequested: Role.BUYER,
    ev.CancellationRefused: Role.SELLER,
    ev.RevisionRequested: Role.BUYER,
    ev.RevisionAccepted: Role.SELLER,
    ev.RevisionRefused: Role.SELLER,
    ev.OrderRestarted: Role.PLATFORM,
    ev.OrderHeld: Role.PLATFORM,
    ev.HoldReleased: Role.PLATFORM,
    ev.OrderExpired: None,
    ev.OptionBought: Role.BUYER,
    ev.CustomOfferMade: Role.SELLER,
    ev.CustomOfferAccepted: Role.BUYER,
    ev.CustomOfferRefused: Role.BUYER,
    ev.CustomOfferWithdrawn: Role.SELLER,
    ev.CustomOfferLapsed: None,
    ev.CustomOfferClosed: None,
    ev.PartialRefundClosed: None,
    ev.ReviewLeft: Role.BUYER,
    ev.ReminderSent: None,
}
#: The causes of an end that are a party's command (the others are deadlines).
_COMMANDS = {"close": Role.BUYER, "resolve_dispute": Role.PLATFORM}


@attrs.frozen
class Step:
    """One event of the story: when, by whom (None: by itself), and the order after it."""

    event: ev.Event
    actor: Role | None
    before: Ledger | None
    after: Order

    @property
    def at(self) -> datetime:
        return self.event.at


@attrs.frozen
class DeadlineRow:
    """A deadline the order had: ``running`` if it still runs at the page's ``now``, ``reached`` if
    it was still running when its time came (it fired, or opened or closed actions), else it
    stopped before its time (met, or made moot by a move)."""

    name: str
    at: datetime
    running: bool
    reached: bool


@attrs.frozen
class Story:
    steps: tuple[Step, ...]
    deadlines: tuple[DeadlineRow, ...]

    @property
    def order(self) -> Order:
        return self.steps[-1].after


def actor(event: ev.Event, before: Order | None) -> Role | None:
    """Who caused ``event`` (None: a deadline or the clock)."""
    if isinstance(event, (ev.DisputeOpened, ev.OrderCanceled)) and event.by is not None:
        return event.by
    if isinstance(event, ev.OrderCompleted):
        return _COMMANDS.get(event.cause)
    if isinstance(event, ev.PartialRefundProposed):
        return event.proposal.proposer
    if isinstance(event, (ev.PartialRefundAccepted, ev.PartialRefundDeclined, ev.PartialRefundWithdrawn)):
        proposer = None if before is None or before.proposal is None else before.proposal.proposer
        withdrawn = isinstance(event, ev.PartialRefundWithdrawn)
        if proposer is None:
            return None
        return proposer if withdrawn else (Role.SELLER if proposer is Role.BUYER else Role.BUYER)
    return ACTOR.get(type(event))


def story(events: Sequence[ev.Event], now: datetime) -> Story:
    """The story of the order ``events`` tell (InvalidArgument if they do not start with its placing)."""
    replay(events)  # checks the history's shape, with the core's own error
    steps: list[Step] = []
    seen: dict[tuple[str, datetime], None] = {}
    order: Order | None = None
    for event in events:
        before = order
        order = event.create() if isinstance(event, ev.OrderPlaced) else event.apply(_known(order))
        steps.append(Step(event, actor(event, before), None if before is None else before.ledger, order))
        seen.update(dict.fromkeys(running_deadlines(order).items()))
    current = _known(order)
    running = running_deadlines(current) if not current.is_terminal else {}
    rows = tuple(
        DeadlineRow(name, at, running.get(name) == at and at > now, _reached(steps, name, at, now))
        for name, at in sorted(seen, key=lambda pair: (pair[1], pair[0]))
    )
    return Story(tuple(steps), rows)


def _reached(steps: list[Step], name: str, at: datetime, now: datetime) -> bool:
    """Whether the deadline still ran when its time came (and that time is not after ``now``)."""
    if at > now:
        return False
    before = [step.after for step in steps if step.at < at]
    return bool(before) and running_deadlines(before[-1]).get(name) == at


def _known(order: Order | None) -> Order:
    if order is None:
        raise InvalidArgument("an order's history starts with OrderPlaced")
    return order


def deadline_kind(name: str) -> str:
    """``offer:o-1`` -> ``offer``: the deadline's name in the catalogs."""
    return Deadline(name.partition(":")[0]).value
