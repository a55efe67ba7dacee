"""Builders shared by the tests: times, money, a placement and short stories of commands."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs

from orderflow import (
    Command,
    Decision,
    Money,
    Option,
    Order,
    Placement,
    advance,
    decide,
    place_order,
)
from orderflow.domain.events import Event

PAID_AT = datetime(2026, 1, 3, 10, 0, tzinfo=timezone.utc)  # a Saturday
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def at(text: str) -> datetime:
    """An aware UTC instant from ``YYYY-MM-DDTHH:MM``."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def placement(**changes: Any) -> Placement:
    """The scenario-format example: 40 + a 10 option + 5 tip + 2.50 fee = 57.50 paid, 3 days."""
    base = Placement(
        order_id="o-1",
        buyer="b-1",
        seller="s-1",
        price=eur("40.00"),
        delivery_days=2,
        options=(Option("express", eur("10.00"), 1),),
        tip=eur("5.00"),
        platform_fee=eur("2.50"),
        paid_at=PAID_AT,
    )
    return attrs.evolve(base, **changes)


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

    def run(self, steps: Iterable[tuple[Command, datetime]]) -> Story:
        for command, now in steps:
            self.do(command, now)
        return self

    def _keep(self, decision: Decision) -> None:
        self.order, self.last = decision.order, decision
        self.events.extend(decision.events)
