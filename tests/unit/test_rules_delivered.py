"""Example tests of the delivered state, R-DELIV-1 .. R-DELIV-5: the buyer reviews the delivery.

The order of ``placement()`` (57.50 paid, seller's share 55.00, fee 2.50) is accepted 2026-01-03
12:00 and delivered Monday 2026-01-05 09:00, so the buyer decides by 2026-01-12 09:00.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest

from orderflow import (
    COMEUP,
    Cancel,
    Close,
    Command,
    InvalidTransition,
    NotAllowed,
    OrderflowError,
    ProposePartialRefund,
    RequestCancellation,
    RequestRevision,
    Role,
    State,
    available_actions,
    decide,
    running_deadlines,
)
from orderflow.domain.effects import (
    ChatWindow,
    Effect,
    Notification,
    PlatformRevenue,
    Refund,
    ReviewWindow,
    SellerStatistics,
    WalletCredit,
)

from support import HOUR, Story, at, eur, ledger, money_effects, reach, rejected

BUYER, SELLER, PLATFORM = Role
EXPIRES = at("2026-06-03T10:00")
DELIVERED_AT = at("2026-01-05T09:00")
REVIEW_DUE = at("2026-01-12T09:00")
MINUTE = timedelta(minutes=1)


COMPLETED = ledger("57.50", "0.00", "0.00", "55.00", "2.50")


def delivered(**changes: Any) -> Story:
    """The placed order, accepted and delivered on time (at DELIVERED_AT)."""
    return reach(State.DELIVERED, **changes)


def completion_effects(completed_at: datetime, review_until: datetime) -> set[Effect]:
    """What completing the on-time order at ``completed_at`` asks the host to do."""
    return {
        WalletCredit(SELLER, eur("55.00")),
        PlatformRevenue(eur("2.50")),
        ChatWindow(completed_at + 7 * 24 * HOUR),
        ReviewWindow(review_until),
        SellerStatistics("s-1", completed=True, on_time=True, accepted=True),
    }


def test_r_deliv_1_the_buyer_has_7_days_to_close_or_ask_for_a_revision() -> None:
    story = delivered()
    assert running_deadlines(story.order) == {"review_decision": REVIEW_DUE, "expiry": EXPIRES}
    buyer = {choice.action for choice in available_actions(story.order, BUYER, at("2026-01-06T09:00"))}
    assert {"close", "request_revision"} <= buyer


@pytest.mark.parametrize(
    "command", [Close(SELLER), RequestRevision(SELLER)], ids=["close", "request-revision"]
)
def test_r_deliv_1_only_the_buyer_decides(command: Command) -> None:
    rejected(delivered(), command, at("2026-01-06T09:00"), NotAllowed)


def test_r_deliv_1_the_review_window_is_a_policy_setting() -> None:
    story = delivered(policy=attrs.evolve(COMEUP, review_decision_window=3 * 24 * HOUR))
    assert running_deadlines(story.order)["review_decision"] == at("2026-01-08T09:00")
    assert story.wait(at("2026-01-08T09:00")).fired == ("review_decision",)


def test_r_deliv_2_closing_pays_the_seller() -> None:
    story = delivered()
    closed_at = at("2026-01-06T09:00")
    decision = story.do(Close(BUYER), closed_at)
    assert [e.name for e in decision.events] == ["OrderCompleted"]
    assert story.order.state is State.COMPLETED
    assert story.order.ledger == COMPLETED
    assert money_effects(decision) == completion_effects(closed_at, at("2026-07-06T09:00"))
    assert running_deadlines(story.order) == {}


@pytest.mark.parametrize(
    "command",
    [Cancel(SELLER), ProposePartialRefund(BUYER, amount=eur("10.00"), reason="too late")],
    ids=["seller-cancels", "partial-refund"],
)
def test_r_deliv_2_a_completed_order_is_no_longer_refundable(command: Command) -> None:
    story = delivered()
    story.do(Close(BUYER), at("2026-01-06T09:00"))
    rejected(story, command, at("2026-01-06T10:00"), InvalidTransition)


def test_r_deliv_3_a_revision_request_reopens_the_chat() -> None:
    story = delivered()
    decision = story.do(RequestRevision(BUYER), at("2026-01-06T09:00"))
    assert [e.name for e in decision.events] == ["RevisionRequested"]
    assert story.order.state is State.REVISION_REQUESTED
    assert story.order.ledger == ledger("57.50", "57.50", "0.00", "0.00", "0.00")
    assert money_effects(decision) == {ChatWindow(None)}
    assert Notification(SELLER, "RevisionRequested") in decision.effects
    assert running_deadlines(story.order) == {"seller_answer": at("2026-01-08T09:00"), "expiry": EXPIRES}


def test_r_deliv_4_seven_silent_days_complete_the_order() -> None:
    story = delivered()
    assert story.wait(REVIEW_DUE - MINUTE).order.state is State.DELIVERED
    decision = story.wait(REVIEW_DUE)
    assert decision.fired == ("review_decision",)
    assert [e.name for e in decision.events] == ["OrderCompleted"]
    assert decision.order.state is State.COMPLETED
    assert decision.order.ledger == COMPLETED  # paid in full
    assert money_effects(decision) == completion_effects(REVIEW_DUE, at("2026-07-12T09:00"))


def test_r_deliv_4_a_decision_at_the_deadline_comes_too_late() -> None:
    with pytest.raises(OrderflowError) as caught:
        decide(delivered().order, RequestRevision(BUYER), REVIEW_DUE)
    assert type(caught.value) is InvalidTransition
    fired = caught.value.advanced  # the completion stays (R-TIME-2)
    assert fired is not None
    assert (fired.fired, fired.order.state) == (("review_decision",), State.COMPLETED)


@pytest.mark.parametrize(
    ("command", "error"),
    [
        # the seller may cancel a delivered order, so the action exists, not for the buyer (R-ERR-1)
        pytest.param(Cancel(BUYER), NotAllowed, id="buyer-cancels"),
        pytest.param(RequestCancellation(BUYER), InvalidTransition, id="buyer-requests-cancellation"),
    ],
)
def test_r_deliv_5_the_buyer_cannot_cancel_a_delivered_order(
    command: Command, error: type[OrderflowError]
) -> None:
    rejected(delivered(), command, at("2026-01-06T09:00"), error)


def test_r_deliv_5_the_seller_still_can() -> None:
    story = delivered()
    decision = story.do(Cancel(SELLER), at("2026-01-06T09:00"))
    assert story.order.state is State.CANCELED
    assert story.order.ledger == ledger("57.50", "0.00", "57.50", "0.00", "0.00")
    assert Refund(BUYER, eur("57.50")) in decision.effects
