"""Firing deadlines by themselves: ``advance``, ``next_due``, policy reminders and presets."""

from __future__ import annotations

import attrs
import pytest

from orderflow import (
    COMEUP,
    FIVERR_LIKE,
    Accept,
    Close,
    Deadline,
    Deliver,
    InvalidTime,
    Reminder,
    RequestCancellation,
    Role,
    State,
    advance,
    next_due,
)
from orderflow.domain.effects import Notification

from support import DAY, HOUR, PAID_AT, Story, at

WITH_REMINDER = attrs.evolve(
    COMEUP, name="comeup_reminding", reminders=(Reminder(Deadline.REVIEW_DECISION, 24 * HOUR),)
)


def delivered(**changes: object) -> Story:
    story = Story.placed(**changes)
    story.do(Accept("seller"), at("2026-01-03T12:00"))
    story.do(Deliver("seller"), at("2026-01-04T12:00"))
    return story


def test_next_due_names_the_deadline_that_fires_next() -> None:
    story = Story.placed()
    due = next_due(story.order)
    assert due is not None
    assert (due.name, due.at) == ("acceptance", PAID_AT + 48 * HOUR)


def test_next_due_skips_deadlines_that_fire_nothing() -> None:
    """In progress, delivery only makes the order late (R-LATE-1): expiry is what fires next."""
    story = Story.placed()
    story.do(Accept("seller"), at("2026-01-03T12:00"))
    due = next_due(story.order)
    assert due is not None
    assert due.name == "expiry"


def test_next_due_is_none_once_terminal() -> None:
    story = delivered()
    story.wait(at("2026-01-11T12:00"))
    assert story.order.state is State.COMPLETED
    assert next_due(story.order) is None


def test_advance_before_anything_is_due_changes_nothing() -> None:
    story = delivered()
    before = story.order
    decision = advance(before, at("2026-01-05T12:00"))
    assert decision.order is before
    assert decision.events == ()
    assert decision.fired == ()


def test_advance_rejects_going_back_in_time() -> None:
    story = delivered()
    with pytest.raises(InvalidTime):
        advance(story.order, at("2026-01-04T11:59"))


def test_reminder_fires_once_before_its_deadline_and_tells_the_buyer() -> None:
    story = delivered(policy=WITH_REMINDER)
    due = next_due(story.order)
    assert due is not None
    assert (due.name, due.at) == ("reminder:review_decision", at("2026-01-10T12:00"))
    reminded = story.wait(at("2026-01-10T13:00"))
    assert reminded.fired == ("reminder:review_decision",)
    assert [e.name for e in reminded.events] == ["ReminderSent"]
    assert Notification(Role.BUYER, "ReminderSent") in reminded.effects
    assert story.wait(at("2026-01-10T14:00")).events == ()  # not sent twice
    closed = story.wait(at("2026-01-11T12:00"))
    assert closed.fired == ("review_decision",)
    assert story.order.state is State.COMPLETED


def test_reminder_is_dropped_when_the_order_moves_on_first() -> None:
    story = delivered(policy=WITH_REMINDER)
    story.wait(at("2026-01-05T00:00"))
    story.do(Close("buyer"), at("2026-01-06T00:00"))
    assert story.wait(at("2026-02-01T00:00")).events == ()
    assert "ReminderSent" not in [e.name for e in story.events]


def test_orders_keep_the_policy_they_were_placed_under() -> None:
    """A preset's review window applies to its own orders only (Policy pinning)."""
    comeup, fiverr = delivered(), delivered(policy=FIVERR_LIKE, order_id="o-2")
    three_days_later = at("2026-01-07T12:00")
    assert advance(comeup.order, three_days_later).order.state is State.DELIVERED
    assert advance(fiverr.order, three_days_later).order.state is State.COMPLETED


def test_fiverr_like_unanswered_cancellation_request_cancels() -> None:
    story = Story.placed(policy=FIVERR_LIKE)
    story.do(Accept("seller"), at("2026-01-03T12:00"))
    story.do(RequestCancellation("buyer"), at("2026-01-04T12:00"))
    decision = story.wait(at("2026-01-04T12:00") + 2 * DAY)
    assert decision.fired == ("seller_answer",)
    assert story.order.state is State.CANCELED
    assert story.order.ledger.refunded == story.order.ledger.paid


def test_comeup_unanswered_cancellation_request_cancels_nothing() -> None:
    """R-CANC-4: silence cancels nothing under the default policy."""
    story = Story.placed()
    story.do(Accept("seller"), at("2026-01-03T12:00"))
    story.do(RequestCancellation("buyer"), at("2026-01-04T12:00"))
    assert story.wait(at("2026-01-04T12:00") + 3 * DAY).events == ()
    assert story.order.state is State.CANCELLATION_REQUESTED
