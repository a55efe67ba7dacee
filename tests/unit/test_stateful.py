"""Invariants of every order's life, through the public ``orderflow.testing.OrderMachine``.

The machine places an order (random policy, currency and amounts), then sends allowed actions,
any of the 24 commands from any actor with generated arguments (blank reasons, ratings out of
range, amounts negative, zero, with too many decimals, in another currency, over escrow or over
the cap, unknown offer ids) and lets the clock jump, up to past expiry; see its module for the
invariants checked after every step. This subclass also checks that the hooks see every event.

``HYPOTHESIS_PROFILE=thorough`` runs many more examples.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import attrs
from hypothesis.stateful import invariant

from orderflow import (
    PRESETS,
    Accept,
    Command,
    Deadline,
    Decision,
    Money,
    OrderflowError,
    Placement,
    Reminder,
    Role,
    advance,
    decide,
    place_order,
)
from orderflow.domain.events import Event
from orderflow.testing import OrderMachine, machine_settings


class OrderLives(OrderMachine):
    """The public machine, with hooks that collect what a host would have persisted."""

    def on_placement(self, decision: Decision) -> None:
        self.seen: list[Event] = list(decision.events)
        self.refused: list[tuple[Command, OrderflowError]] = []

    def on_decision(self, decision: Decision) -> None:
        assert decision.events
        self.seen.extend(decision.events)

    def on_rejection(self, command: Command, error: OrderflowError) -> None:
        self.refused.append((command, error))

    @invariant()
    def the_hooks_saw_every_event(self) -> None:
        assert self.seen == self.events
        assert all(type(error) is not OrderflowError for _, error in self.refused)


TestOrderLives = OrderLives.TestCase
TestOrderLives.settings = machine_settings()


def test_a_reminder_due_before_it_was_scheduled_does_not_send_time_backwards() -> None:
    """R-TIME-1: events are in time order. A same-day delivery (0 days) with a reminder one day
    before it: accepted at 12:00, the reminder's instant is 12:00 the day before, before the order
    even existed. Sending it must not stamp an event earlier than the acceptance."""
    policy = attrs.evolve(PRESETS["comeup"], reminders=(Reminder(Deadline.DELIVERY, timedelta(days=1)),))
    paid_at = datetime(2026, 1, 3, 10, tzinfo=timezone.utc)
    placed = place_order(
        Placement(
            order_id="o-1",
            buyer="b-1",
            seller="s-1",
            price=Money("40.00", "EUR"),
            delivery_days=0,
            paid_at=paid_at,
            policy=policy,
        )
    ).order
    accepted = decide(placed, Accept(Role.SELLER), paid_at + timedelta(hours=2))
    later = advance(accepted.order, paid_at + timedelta(hours=3))
    assert all(e.at >= accepted.order.updated_at for e in later.events)
    assert later.order.updated_at >= accepted.order.updated_at
