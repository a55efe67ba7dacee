"""Example tests of the pending state, R-PEND-1 .. R-PEND-5: paid, waiting for the seller to accept.

``placement()`` is paid Saturday 2026-01-03 10:00: 57.50 in escrow, 3 delivery days, the 48-hour
acceptance window ends Monday 10:00, the order expires 2026-06-03 10:00.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs
import pytest

from orderflow import (
    COMEUP,
    Accept,
    Cancel,
    Command,
    InvalidArgument,
    InvalidTransition,
    NotAllowed,
    Option,
    OrderflowError,
    RequestCancellation,
    Role,
    State,
    decide,
    running_deadlines,
)
from orderflow.domain.effects import ChatWindow, Refund, SellerStatistics

from support import HOUR, Story, at, eur, ledger, money_effects, rejected

BUYER, SELLER, PLATFORM = Role
EXPIRES = at("2026-06-03T10:00")
ACCEPTANCE_DUE = at("2026-01-05T10:00")


def test_r_pend_1_the_delivery_countdown_does_not_run_while_pending() -> None:
    story = Story.placed(policy=attrs.evolve(COMEUP, acceptance_window=10 * 24 * HOUR))
    assert running_deadlines(story.order) == {"acceptance": at("2026-01-13T10:00"), "expiry": EXPIRES}
    # five days pending, longer than the 3 delivery days: nothing fires, the order is not late
    waited = story.wait(at("2026-01-08T10:00"))
    assert waited.events == ()
    assert story.order.state is State.PENDING
    assert not story.order.is_late(at("2026-01-08T10:00"))
    story.do(Accept(SELLER), at("2026-01-08T10:00"))
    assert running_deadlines(story.order)["delivery"] == at("2026-01-11T10:00")


@pytest.mark.parametrize(
    ("options", "paid", "due"),
    [
        pytest.param((), "47.50", at("2026-01-05T12:00"), id="service-2-days"),
        pytest.param((Option("express", eur("10.00"), 1),), "57.50", at("2026-01-06T12:00"), id="plus-1-day"),
        pytest.param(
            (Option("express", eur("10.00"), 1), Option("sources", eur("15.00"), 3)),
            "72.50",
            at("2026-01-09T12:00"),
            id="plus-4-days",
        ),
    ],
)
def test_r_pend_2_accepting_starts_the_delivery_deadline(
    options: tuple[Option, ...], paid: str, due: datetime
) -> None:
    story = Story.placed(options=options)
    decision = story.do(Accept(SELLER), at("2026-01-03T12:00"))
    assert story.order.state is State.IN_PROGRESS
    assert [e.name for e in decision.events] == ["OrderAccepted"]
    assert running_deadlines(story.order) == {"delivery": due, "expiry": EXPIRES}
    assert story.order.ledger == ledger(paid, paid, "0.00", "0.00", "0.00")
    assert money_effects(decision) == set()


@pytest.mark.parametrize("actor", [BUYER, PLATFORM])
def test_r_pend_2_only_the_seller_accepts(actor: Role) -> None:
    rejected(Story.placed(), Accept(actor), at("2026-01-03T12:00"), NotAllowed)


def test_r_pend_2_an_accepted_order_cannot_be_accepted_again() -> None:
    story = Story.placed()
    story.do(Accept(SELLER), at("2026-01-03T12:00"))
    rejected(story, Accept(SELLER), at("2026-01-03T13:00"), InvalidTransition)


def test_r_pend_3_an_order_not_accepted_within_48_hours_is_canceled() -> None:
    story = Story.placed()
    before = story.wait(ACCEPTANCE_DUE - timedelta(minutes=1))
    assert (before.events, before.order.state) == ((), State.PENDING)
    decision = story.wait(ACCEPTANCE_DUE)
    assert decision.fired == ("acceptance",)
    assert [e.name for e in decision.events] == ["OrderCanceled"]
    assert decision.order.state is State.CANCELED
    assert story.order.ledger == ledger("57.50", "0.00", "57.50", "0.00", "0.00")
    assert money_effects(decision) == {
        Refund(BUYER, eur("57.50")),
        ChatWindow(at("2026-01-12T10:00")),
        SellerStatistics("s-1", completed=False, on_time=None, accepted=False),
    }
    assert running_deadlines(story.order) == {}


def test_r_pend_3_accepting_at_the_deadline_is_too_late() -> None:
    order = Story.placed().order
    with pytest.raises(OrderflowError) as caught:
        decide(order, Accept(SELLER), ACCEPTANCE_DUE)
    assert type(caught.value) is InvalidTransition
    # the acceptance deadline fired first (R-TIME-2) and stays fired
    fired = caught.value.advanced
    assert fired is not None
    assert fired.fired == ("acceptance",)
    assert fired.order.state is State.CANCELED


@pytest.mark.parametrize(
    ("policy_window", "order_window", "due"),
    [
        pytest.param(None, None, ACCEPTANCE_DUE, id="default-48h"),
        pytest.param(24 * HOUR, None, at("2026-01-04T10:00"), id="policy-24h"),
        pytest.param(None, 72 * HOUR, at("2026-01-06T10:00"), id="order-72h"),
        pytest.param(24 * HOUR, 72 * HOUR, at("2026-01-06T10:00"), id="order-beats-policy"),
        pytest.param(72 * HOUR, 12 * HOUR, at("2026-01-03T22:00"), id="order-shorter"),
    ],
)
def test_r_pend_3_the_per_order_acceptance_window_overrides_the_policy(
    policy_window: timedelta | None, order_window: timedelta | None, due: datetime
) -> None:
    policy = COMEUP if policy_window is None else attrs.evolve(COMEUP, acceptance_window=policy_window)
    story = Story.placed(policy=policy, acceptance_window=order_window)
    assert running_deadlines(story.order) == {"acceptance": due, "expiry": EXPIRES}
    assert story.wait(due - timedelta(minutes=1)).order.state is State.PENDING
    fired = story.wait(due)
    assert (fired.fired, fired.order.state) == (("acceptance",), State.CANCELED)


@pytest.mark.parametrize("window", [timedelta(0), -HOUR], ids=["zero", "negative"])
def test_r_pend_3_a_per_order_acceptance_window_must_be_positive(window: timedelta) -> None:
    with pytest.raises(InvalidArgument):
        Story.placed(acceptance_window=window)


def test_r_pend_4_the_buyer_cancels_at_once_while_pending() -> None:
    story = Story.placed()
    decision = story.do(Cancel(BUYER), at("2026-01-03T11:00"))
    assert [e.name for e in decision.events] == ["OrderCanceled"]
    assert story.order.state is State.CANCELED
    assert story.order.ledger == ledger("57.50", "0.00", "57.50", "0.00", "0.00")
    assert money_effects(decision) == {
        Refund(BUYER, eur("57.50")),
        ChatWindow(at("2026-01-10T11:00")),
        SellerStatistics("s-1", completed=False, on_time=None, accepted=False),
    }
    assert running_deadlines(story.order) == {}


def test_r_pend_4_no_cancellation_request_is_needed_while_pending() -> None:
    rejected(Story.placed(), RequestCancellation(BUYER), at("2026-01-03T11:00"), InvalidTransition)


@pytest.mark.parametrize(
    ("steps", "accepted"),
    [
        pytest.param([(Cancel(BUYER), at("2026-01-03T11:00"))], False, id="buyer-cancels-pending"),
        pytest.param([(Cancel(SELLER), at("2026-01-03T11:00"))], False, id="seller-cancels-pending"),
        pytest.param([], False, id="acceptance-times-out"),
        pytest.param(
            [(Accept(SELLER), at("2026-01-03T12:00")), (Cancel(SELLER), at("2026-01-03T13:00"))],
            True,
            id="seller-cancels-after-accepting",
        ),
    ],
)
def test_r_pend_5_cancellations_before_acceptance_count_against_acceptance(
    steps: list[tuple[Command, datetime]], accepted: bool
) -> None:
    story = Story.placed()
    effects = [e for command, now in steps for e in story.do(command, now).effects]
    effects += story.wait(at("2026-01-06T00:00")).effects  # past the acceptance deadline
    assert story.order.state is State.CANCELED
    statistics = [e for e in effects if isinstance(e, SellerStatistics)]
    assert statistics == [SellerStatistics("s-1", completed=False, on_time=None, accepted=accepted)]
