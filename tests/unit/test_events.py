"""Events record what happened, who did it and why an order ended; effects say who hears of it."""

from __future__ import annotations

import pytest

from orderflow import (
    AcceptPartialRefund,
    Cancel,
    DeadlinePassed,
    DeclinePartialRefund,
    Notification,
    Outcome,
    ProposePartialRefund,
    ResolveDispute,
    Role,
    State,
    advance,
    decide,
)
from orderflow.domain.events import OrderCanceled, OrderCompleted

from support import HOUR, eur, reach

BUYER, SELLER, PLATFORM = Role


@pytest.mark.parametrize(
    ("state", "command", "cause", "by"),
    [
        (State.PENDING, Cancel(BUYER), "cancel", BUYER),
        (State.IN_PROGRESS, Cancel(SELLER), "cancel", SELLER),
        (State.DISPUTED, ResolveDispute(PLATFORM, outcome=Outcome.REFUND), "resolve_dispute", PLATFORM),
    ],
)
def test_a_cancellation_records_its_cause_and_who_asked(
    state: State, command: Cancel | ResolveDispute, cause: str, by: Role
) -> None:
    story = reach(state)
    (event,) = (
        e for e in story.do(command, story.order.updated_at + HOUR).events if isinstance(e, OrderCanceled)
    )
    assert (event.cause, event.by) == (cause, by)


def test_a_timer_cancellation_has_no_actor() -> None:
    story = reach(State.PENDING)
    decision = advance(story.order, story.order.updated_at + 48 * HOUR)
    (event,) = decision.events
    assert isinstance(event, OrderCanceled)
    assert (event.cause, event.by) == ("acceptance", None)


def test_a_mediator_release_records_its_cause() -> None:
    story = reach(State.DISPUTED)
    decision = story.do(ResolveDispute(PLATFORM, outcome=Outcome.RELEASE), story.order.updated_at + HOUR)
    (event,) = (e for e in decision.events if isinstance(e, OrderCompleted))
    assert event.cause == "resolve_dispute"


def test_r_exp_3_no_restart_at_the_very_instant_of_expiry() -> None:
    story = reach(State.DISPUTED)
    with pytest.raises(DeadlinePassed):
        decide(story.order, ResolveDispute(PLATFORM, outcome=Outcome.RESTART), story.order.expires_at)
    restarted = decide(
        story.order, ResolveDispute(PLATFORM, outcome=Outcome.RESTART), story.order.expires_at - HOUR / 60
    )
    assert restarted.order.state is State.IN_PROGRESS


@pytest.mark.parametrize("proposer", [BUYER, SELLER])
def test_a_proposal_and_its_answer_notify_the_other_party(proposer: Role) -> None:
    other = SELLER if proposer is BUYER else BUYER
    story = reach(State.DELIVERED)
    now = story.order.updated_at
    proposed = story.do(ProposePartialRefund(proposer, amount=eur("5.00"), reason="late"), now)
    assert Notification(other, "PartialRefundProposed") in proposed.effects
    assert Notification(proposer, "PartialRefundProposed") not in proposed.effects
    for answer in (DeclinePartialRefund(other), AcceptPartialRefund(other)):
        if answer.action == "accept_partial_refund":
            story.do(ProposePartialRefund(proposer, amount=eur("5.00"), reason="late"), now)
        decision = story.do(answer, now)
        (event,) = decision.events
        assert decision.effects[0] == Notification(proposer, event.name)
        assert Notification(other, event.name) not in decision.effects
