"""Builders shared by the tests: times, money, a placement, short stories of commands, the paths
``reach`` walks to each state and the checks the rule tests share (ledgers, effects, rejections)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest

from orderflow import (
    Accept,
    Cancel,
    Close,
    Command,
    Decision,
    Deliver,
    Hold,
    Ledger,
    Money,
    OpenDispute,
    Order,
    OrderflowError,
    Placement,
    RefuseRevision,
    Rejection,
    RequestCancellation,
    RequestRevision,
    Role,
    State,
    advance,
    decide,
    place_order,
)
from orderflow.domain.effects import Effect, Notification
from orderflow.domain.events import Event
from orderflow.example import PAID_AT as PAID_AT  # re-exported for the tests
from orderflow.example import example_placement

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def at(text: str) -> datetime:
    """An aware UTC instant from ``YYYY-MM-DDTHH:MM``."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def eur(amount: str) -> Money:
    """An amount in euros, from its decimal string."""
    return Money(amount, "EUR")


def ledger(paid: str, escrow: str, refunded: str, seller: str, platform: str) -> Ledger:
    """An EUR ledger written as the rule book's five amounts."""
    return Ledger("EUR", *(Decimal(a) for a in (paid, escrow, refunded, seller, platform)))


def money_effects(decision: Decision) -> set[Effect]:
    """Every effect of ``decision`` but notifications."""
    return {e for e in decision.effects if not isinstance(e, Notification)}


def placement(**changes: Any) -> Placement:
    """The scenario-format example (``orderflow.example``): 57.50 paid, 3 days; ``changes`` apply."""
    return attrs.evolve(example_placement(), **changes)


#: A step of a story: a command, or None for the clock advancing, at a time.
Step = tuple[Command | None, datetime]
Steps = list[Step]


@attrs.define
class Story:
    """An order and its history, advanced one command at a time (rejections raise)."""

    order: Order
    events: list[Event]
    last: Decision

    @classmethod
    def placed(cls, **changes: Any) -> Story:
        decision = place_order(placement(**changes))
        return cls(decision.order, list(decision.events), decision)

    def do(self, command: Command, now: datetime) -> Decision:
        decision = decide(self.order, command, now)
        self._keep(decision)
        return decision

    def wait(self, now: datetime) -> Decision:
        decision = advance(self.order, now)
        self._keep(decision)
        return decision

    def run(self, steps: Iterable[Step]) -> Story:
        """Each step in turn: its command, or the clock advancing where the command is None."""
        for command, now in steps:
            if command is None:
                self.wait(now)
            else:
                self.do(command, now)
        return self

    def _keep(self, decision: Decision) -> None:
        self.order, self.last = decision.order, decision
        self.events.extend(decision.events)


def rejected(story: Story, command: Command, now: datetime, error: type[OrderflowError]) -> None:
    """``command`` is refused with exactly ``error`` (not a subclass), no deadline fired on the way
    (``advanced is None``) and the story's order is unchanged (the very same object)."""
    before = story.order
    with pytest.raises(Rejection) as caught:
        story.do(command, now)
    assert type(caught.value) is error
    assert caught.value.advanced is None
    assert story.order is before


BUYER, SELLER, PLATFORM = Role
EXPIRY = at("2026-06-03T10:00")  # 5 calendar months after PAID_AT

#: How ``reach`` gets to each state: from which state, by which command (None: the clock), when.
Path = dict[State, tuple[State, Command | None, datetime]]

#: The usual path: accepted 3 January 12:00, delivered 5 January 09:00; every step by 6 January
#: 12:00 but expiry.
PATH: Path = {
    State.IN_PROGRESS: (State.PENDING, Accept(SELLER), at("2026-01-03T12:00")),
    State.CANCELLATION_REQUESTED: (State.IN_PROGRESS, RequestCancellation(BUYER), at("2026-01-04T10:00")),
    State.DELIVERED: (State.IN_PROGRESS, Deliver(SELLER), at("2026-01-05T09:00")),
    State.REVISION_REQUESTED: (State.DELIVERED, RequestRevision(BUYER), at("2026-01-06T10:00")),
    State.REVISION_REFUSED: (
        State.REVISION_REQUESTED,
        RefuseRevision(SELLER, reason="no"),
        at("2026-01-06T11:00"),
    ),
    State.DISPUTED: (State.REVISION_REFUSED, OpenDispute(BUYER), at("2026-01-06T12:00")),
    State.ON_HOLD: (State.IN_PROGRESS, Hold(PLATFORM), at("2026-01-04T10:00")),
    State.COMPLETED: (State.DELIVERED, Close(BUYER), at("2026-01-06T10:00")),
    State.CANCELED: (State.PENDING, Cancel(BUYER), at("2026-01-03T11:00")),
    State.EXPIRED: (State.IN_PROGRESS, None, EXPIRY),
}


def _legs(state: State, path: Path) -> list[tuple[State, Command | None, datetime]]:
    """The legs of ``path`` from pending to ``state``: each the state it reaches, its command, when."""
    if state is State.PENDING:
        return []
    source, command, now = path[state]
    return [*_legs(source, path), (state, command, now)]


def steps_to(state: State, path: Path = PATH) -> Steps:
    """The steps ``path`` takes from a placed (pending) order to ``state``."""
    return [(command, now) for _, command, now in _legs(state, path)]


def reach(state: State, path: Path = PATH, **changes: Any) -> Story:
    """The story of ``placement(**changes)`` walked along ``path`` to ``state``, checking that each
    step reaches the state the path says."""
    story = Story.placed(**changes)
    for reached, command, now in _legs(state, path):
        story.run([(command, now)])
        assert story.order.state is reached
    return story
