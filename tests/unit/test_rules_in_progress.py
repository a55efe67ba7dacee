"""Example tests of work in progress: delivering, extras and custom offers, cancellation requests,
lateness and the seller's cancellation (R-PROG-1..3, R-CANC-1..5, R-LATE-1..2, R-SCANC-1).

The order of ``placement()`` (57.50 paid, 3 delivery days) is accepted Saturday 2026-01-03 12:00,
so it is due Tuesday 2026-01-06 12:00 and expires 2026-06-03 10:00.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest

from orderflow import (
    COMEUP,
    Accept,
    AcceptCancellation,
    AcceptOffer,
    BuyOption,
    Cancel,
    Close,
    Command,
    Deliver,
    Hold,
    InvalidArgument,
    InvalidTransition,
    NotAllowed,
    OfferCustom,
    OpenDispute,
    OrderflowError,
    RefuseCancellation,
    RefuseOffer,
    RefuseRevision,
    RequestCancellation,
    RequestRevision,
    Role,
    State,
    UnknownReference,
    WithdrawOffer,
    running_deadlines,
)
from orderflow.domain.effects import (
    ChatWindow,
    EscrowDeposit,
    Refund,
    SellerStatistics,
)

from support import HOUR, Path, Step, Steps, Story, at, eur, ledger, money_effects, reach, rejected, steps_to

BUYER, SELLER, PLATFORM = Role

EXPIRES = at("2026-06-03T10:00")
DUE = at("2026-01-06T12:00")
MINUTE = timedelta(minutes=1)
ACCEPT = (Accept(SELLER), at("2026-01-03T12:00"))
REQUESTED = (RequestCancellation(BUYER), at("2026-01-03T13:00"))  # the seller answers by 01-05 13:00
REFUSE = RefuseCancellation(SELLER, reason="nearly done")
OFFER = OfferCustom(SELLER, offer_id="c-1", price=eur("8.00"), delivery_days=2)
OFFERED_AT = at("2026-01-04T09:00")
#: How to reach each state where the parties act, before 2026-01-04 12:00 and before any deadline.
ACTIVE_PATH: Path = {
    State.IN_PROGRESS: (State.PENDING, *ACCEPT),
    State.CANCELLATION_REQUESTED: (State.IN_PROGRESS, *REQUESTED),
    State.DELIVERED: (State.IN_PROGRESS, Deliver(SELLER), at("2026-01-04T09:00")),
    State.REVISION_REQUESTED: (State.DELIVERED, RequestRevision(BUYER), at("2026-01-04T10:00")),
    State.REVISION_REFUSED: (
        State.REVISION_REQUESTED,
        RefuseRevision(SELLER, reason="out of scope"),
        at("2026-01-04T11:00"),
    ),
}
DELIVERED: Steps = steps_to(State.DELIVERED, ACTIVE_PATH)


def in_progress(*steps: Step, **changes: Any) -> Story:
    """The placed order, accepted at 2026-01-03 12:00, then ``steps``."""
    return reach(State.IN_PROGRESS, ACTIVE_PATH, **changes).run(steps)


UNTOUCHED = ledger("57.50", "57.50", "0.00", "0.00", "0.00")
REFUNDED = ledger("57.50", "0.00", "57.50", "0.00", "0.00")


@pytest.mark.parametrize(
    "delivered_at", [at("2026-01-05T09:00"), DUE, at("2026-01-08T12:00")], ids=["on-time", "at-due", "late"]
)
def test_r_prog_1_the_seller_delivers_even_late(delivered_at: datetime) -> None:
    story = in_progress()
    decision = story.do(Deliver(SELLER), delivered_at)
    assert [e.name for e in decision.events] == ["OrderDelivered"]
    assert story.order.state is State.DELIVERED
    assert running_deadlines(story.order) == {
        "review_decision": delivered_at + 7 * 24 * HOUR,
        "expiry": EXPIRES,
    }
    assert story.order.ledger == UNTOUCHED


def test_r_prog_1_only_the_seller_delivers() -> None:
    rejected(in_progress(), Deliver(BUYER), at("2026-01-05T09:00"), NotAllowed)


@pytest.mark.parametrize(
    ("steps", "event"),
    [
        pytest.param(
            [(BuyOption(BUYER, name="logo", price=eur("8.00"), delivery_days=2), at("2026-01-04T10:00"))],
            "OptionBought",
            id="option",
        ),
        pytest.param(
            [(OFFER, OFFERED_AT), (AcceptOffer(BUYER, offer_id="c-1"), at("2026-01-04T10:00"))],
            "CustomOfferAccepted",
            id="custom-offer",
        ),
    ],
)
def test_r_prog_2_an_extra_adds_its_price_and_its_days(steps: Steps, event: str) -> None:
    story = in_progress(*steps)
    decision = story.last
    assert [e.name for e in decision.events] == [event]
    assert story.order.state is State.IN_PROGRESS
    assert story.order.ledger == ledger("65.50", "65.50", "0.00", "0.00", "0.00")  # 57.50 + 8.00, no fee
    assert money_effects(decision) == {EscrowDeposit(BUYER, eur("8.00"))}
    assert running_deadlines(story.order) == {"delivery": DUE + 2 * 24 * HOUR, "expiry": EXPIRES}


@pytest.mark.parametrize(
    "command",
    [BuyOption(BUYER, name="logo", price=eur("8.00"), delivery_days=2), OFFER],
    ids=["buy-option", "offer-custom"],
)
@pytest.mark.parametrize(
    "state",
    [State.PENDING, State.CANCELLATION_REQUESTED, State.DELIVERED, State.REVISION_REQUESTED],
)
def test_r_prog_2_no_extras_outside_in_progress_and_revision_refused(state: State, command: Command) -> None:
    story = reach(state, ACTIVE_PATH)
    rejected(story, command, at("2026-01-04T12:00"), InvalidTransition)


def test_r_prog_2_an_extra_after_a_refused_revision_resumes_the_work() -> None:
    story = reach(State.REVISION_REFUSED, ACTIVE_PATH)
    story.do(BuyOption(BUYER, name="logo", price=eur("8.00"), delivery_days=2), at("2026-01-05T10:00"))
    assert story.order.state is State.IN_PROGRESS
    assert story.order.ledger == ledger("65.50", "65.50", "0.00", "0.00", "0.00")
    # R-REF-5: due the extra's days after it was bought
    assert running_deadlines(story.order) == {"delivery": at("2026-01-07T10:00"), "expiry": EXPIRES}


def test_r_prog_3_a_custom_offer_waits_for_the_buyer_for_7_days() -> None:
    story = in_progress()
    decision = story.do(OFFER, OFFERED_AT)
    assert [e.name for e in decision.events] == ["CustomOfferMade"]
    assert story.order.ledger == UNTOUCHED
    assert running_deadlines(story.order) == {
        "delivery": DUE,
        "offer:c-1": at("2026-01-11T09:00"),
        "expiry": EXPIRES,
    }


@pytest.mark.parametrize(
    ("answer", "answered_at", "event"),
    [
        (RefuseOffer(BUYER, offer_id="c-1"), at("2026-01-04T10:00"), "CustomOfferRefused"),
        (WithdrawOffer(SELLER, offer_id="c-1"), at("2026-01-04T10:00"), "CustomOfferWithdrawn"),
        (None, at("2026-01-11T09:00"), "CustomOfferLapsed"),
    ],
    ids=["refused", "withdrawn", "lapsed"],
)
def test_r_prog_3_a_refused_withdrawn_or_lapsed_offer_is_closed(
    answer: Command | None, answered_at: datetime, event: str
) -> None:
    story = in_progress((OFFER, OFFERED_AT))
    decision = story.wait(answered_at) if answer is None else story.do(answer, answered_at)
    assert [e.name for e in decision.events] == [event]
    assert decision.fired == (() if answer else ("offer:c-1",))
    assert "offer:c-1" not in running_deadlines(story.order)
    assert story.order.ledger == UNTOUCHED
    rejected(story, AcceptOffer(BUYER, offer_id="c-1"), answered_at + HOUR, UnknownReference)


def test_r_prog_3_an_offer_is_used_at_most_once() -> None:
    story = in_progress((OFFER, OFFERED_AT), (AcceptOffer(BUYER, offer_id="c-1"), at("2026-01-04T10:00")))
    rejected(story, AcceptOffer(BUYER, offer_id="c-1"), at("2026-01-04T11:00"), UnknownReference)
    rejected(story, OFFER, at("2026-01-04T11:00"), InvalidArgument)  # R-ERR-2: the id was used


@pytest.mark.parametrize(
    "command",
    [
        OfferCustom(BUYER, offer_id="c-2", price=eur("8.00"), delivery_days=1),
        AcceptOffer(SELLER, offer_id="c-1"),
        RefuseOffer(SELLER, offer_id="c-1"),
        WithdrawOffer(BUYER, offer_id="c-1"),
    ],
    ids=["buyer-offers", "seller-accepts", "seller-refuses", "buyer-withdraws"],
)
def test_r_prog_3_the_seller_offers_and_withdraws_the_buyer_answers(command: Command) -> None:
    rejected(in_progress((OFFER, OFFERED_AT)), command, at("2026-01-04T10:00"), NotAllowed)


def test_r_prog_3_the_offer_lapse_is_a_policy_setting() -> None:
    story = in_progress((OFFER, OFFERED_AT), policy=attrs.evolve(COMEUP, offer_lapse=3 * 24 * HOUR))
    assert running_deadlines(story.order)["offer:c-1"] == at("2026-01-07T09:00")
    assert story.wait(at("2026-01-07T09:00")).fired == ("offer:c-1",)


def test_r_canc_1_the_buyer_requests_a_cancellation_of_an_on_time_order() -> None:
    story = in_progress()
    decision = story.do(*REQUESTED)
    assert [e.name for e in decision.events] == ["CancellationRequested"]
    assert story.order.state is State.CANCELLATION_REQUESTED
    assert story.order.ledger == UNTOUCHED
    assert running_deadlines(story.order) == {
        "seller_answer": at("2026-01-05T13:00"),
        "delivery": DUE,
        "expiry": EXPIRES,
    }


@pytest.mark.parametrize(
    ("command", "now", "error"),
    [
        # the seller may cancel here, so the action exists, but not for the buyer (R-ERR-1)
        pytest.param(Cancel(BUYER), DUE - MINUTE, NotAllowed, id="buyer-cancels-on-time"),
        pytest.param(RequestCancellation(SELLER), DUE - MINUTE, NotAllowed, id="seller-requests"),
        pytest.param(RequestCancellation(BUYER), DUE, InvalidTransition, id="request-when-late"),  # R-ERR-2
    ],
)
def test_r_canc_1_an_on_time_order_is_not_canceled_alone(
    command: Command, now: datetime, error: type[OrderflowError]
) -> None:
    rejected(in_progress(), command, now, error)


def test_r_canc_2_the_seller_accepts_the_cancellation() -> None:
    story = in_progress(REQUESTED)
    decision = story.do(AcceptCancellation(SELLER), at("2026-01-04T10:00"))
    assert [e.name for e in decision.events] == ["OrderCanceled"]
    assert story.order.state is State.CANCELED
    assert story.order.ledger == REFUNDED
    assert money_effects(decision) == {
        Refund(BUYER, eur("57.50")),
        ChatWindow(at("2026-01-11T10:00")),
        SellerStatistics("s-1", completed=False, on_time=None, accepted=True),
    }
    assert running_deadlines(story.order) == {}


def test_r_canc_2_only_the_seller_accepts_the_cancellation() -> None:
    rejected(in_progress(REQUESTED), AcceptCancellation(BUYER), at("2026-01-04T10:00"), NotAllowed)


def test_r_canc_3_a_refusal_resumes_the_work_with_the_same_deadline() -> None:
    story = in_progress(REQUESTED)
    decision = story.do(REFUSE, at("2026-01-04T10:00"))
    assert [e.name for e in decision.events] == ["CancellationRefused"]
    assert story.order.state is State.IN_PROGRESS
    assert story.order.ledger == UNTOUCHED
    assert running_deadlines(story.order) == {"delivery": DUE, "expiry": EXPIRES}


def test_r_canc_3_a_refusal_needs_a_reason() -> None:
    with pytest.raises(InvalidArgument):
        RefuseCancellation(SELLER, reason=" ")


def test_r_canc_4_silence_cancels_nothing_but_lets_the_buyer_open_a_dispute() -> None:
    answer_due = at("2026-01-05T13:00")
    story = in_progress(REQUESTED)
    rejected(story, OpenDispute(BUYER), answer_due - MINUTE, NotAllowed)  # not yet
    waited = story.wait(answer_due)
    assert (waited.events, waited.fired, waited.order.state) == ((), (), State.CANCELLATION_REQUESTED)
    assert running_deadlines(story.order)["seller_answer"] == answer_due  # passed, still listed
    decision = story.do(OpenDispute(BUYER), answer_due)
    assert [e.name for e in decision.events] == ["DisputeOpened"]
    assert story.order.state is State.DISPUTED
    assert story.order.ledger == UNTOUCHED
    assert running_deadlines(story.order) == {}


def test_r_canc_4_the_seller_may_still_answer_after_48_hours() -> None:
    story = in_progress(REQUESTED)
    story.do(REFUSE, at("2026-01-05T14:00"))
    assert running_deadlines(story.order) == {"delivery": DUE, "expiry": EXPIRES}


def test_r_canc_4_the_answer_window_is_a_policy_setting() -> None:
    story = in_progress(REQUESTED, policy=attrs.evolve(COMEUP, seller_answer_window=24 * HOUR))
    assert running_deadlines(story.order)["seller_answer"] == at("2026-01-04T13:00")
    story.do(OpenDispute(BUYER), at("2026-01-04T13:00"))
    assert story.order.state is State.DISPUTED


def test_r_canc_4_a_policy_may_cancel_an_unanswered_request() -> None:
    story = in_progress(REQUESTED, policy=attrs.evolve(COMEUP, unanswered_cancellation_cancels=True))
    decision = story.wait(at("2026-01-05T13:00"))
    assert decision.fired == ("seller_answer",)
    assert [e.name for e in decision.events] == ["OrderCanceled"]
    assert story.order.ledger == REFUNDED


def test_r_canc_5_second_refusal_opens_a_dispute() -> None:
    story = in_progress(
        REQUESTED, (REFUSE, at("2026-01-03T14:00")), (RequestCancellation(BUYER), at("2026-01-03T15:00"))
    )
    decision = story.do(REFUSE, at("2026-01-03T16:00"))
    assert [e.name for e in decision.events] == ["CancellationRefused", "DisputeOpened"]
    assert story.order.state is State.DISPUTED
    assert story.order.ledger == UNTOUCHED
    assert running_deadlines(story.order) == {}


@pytest.mark.parametrize("refusals", [1, 3])
def test_r_canc_5_the_number_of_refusals_is_a_policy_setting(refusals: int) -> None:
    story = in_progress(policy=attrs.evolve(COMEUP, refusals_before_dispute=refusals))
    states = []
    for hour in range(refusals):
        story.do(RequestCancellation(BUYER), at(f"2026-01-04T1{hour}:00"))
        states.append(story.do(REFUSE, at(f"2026-01-04T1{hour}:30")).order.state)
    assert states == [State.IN_PROGRESS] * (refusals - 1) + [State.DISPUTED]


def test_r_late_1_the_passing_deadline_makes_the_order_late() -> None:
    story = in_progress()
    assert not story.order.is_late(DUE - MINUTE)
    waited = story.wait(DUE)
    assert (waited.events, waited.fired) == ((), ())  # lateness is not a state
    assert story.order.state is State.IN_PROGRESS
    assert story.order.is_late(DUE)
    assert running_deadlines(story.order) == {"delivery": DUE, "expiry": EXPIRES}


def test_r_late_1_the_delivery_countdown_runs_during_a_cancellation_request() -> None:
    story = in_progress((RequestCancellation(BUYER), DUE - HOUR))
    assert story.order.is_late(DUE)


@pytest.mark.parametrize(
    ("delivered_at", "on_time"), [(DUE - MINUTE, True), (DUE, False)], ids=["on-time", "late"]
)
def test_r_late_1_a_late_delivery_hurts_the_on_time_rate(delivered_at: datetime, on_time: bool) -> None:
    story = in_progress((Deliver(SELLER), delivered_at))
    decision = story.do(Close(BUYER), at("2026-01-07T12:00"))
    assert SellerStatistics("s-1", completed=True, on_time=on_time, accepted=True) in decision.effects


@pytest.mark.parametrize(
    "steps", [[], [(RequestCancellation(BUYER), DUE - HOUR)]], ids=["in-progress", "requested"]
)
def test_r_late_2_the_buyer_cancels_a_late_order_at_once(steps: Steps) -> None:
    story = in_progress(*steps)
    decision = story.do(Cancel(BUYER), DUE)
    assert [e.name for e in decision.events] == ["OrderCanceled"]
    assert story.order.state is State.CANCELED
    assert story.order.ledger == REFUNDED
    assert money_effects(decision) == {
        Refund(BUYER, eur("57.50")),
        ChatWindow(at("2026-01-13T12:00")),
        SellerStatistics("s-1", completed=False, on_time=False, accepted=True),
    }


@pytest.mark.parametrize(
    ("state", "on_time"),
    [
        (State.PENDING, None),
        (State.IN_PROGRESS, None),
        (State.CANCELLATION_REQUESTED, None),
        (State.DELIVERED, True),  # delivered on time, then canceled
        (State.REVISION_REQUESTED, True),
        (State.REVISION_REFUSED, True),
    ],
)
def test_r_scanc_1_the_seller_cancels_in_any_active_state(state: State, on_time: bool | None) -> None:
    story = reach(state, ACTIVE_PATH)
    assert story.order.state is state
    decision = story.do(Cancel(SELLER), at("2026-01-04T12:00"))
    assert [e.name for e in decision.events] == ["OrderCanceled"]
    assert story.order.ledger == REFUNDED  # the seller is unpaid, even for work done
    assert money_effects(decision) == {
        Refund(BUYER, eur("57.50")),
        ChatWindow(at("2026-01-11T12:00")),
        SellerStatistics("s-1", completed=False, on_time=on_time, accepted=state is not State.PENDING),
    }


@pytest.mark.parametrize(
    "steps",
    [
        [ACCEPT, (OpenDispute(PLATFORM), at("2026-01-04T10:00"))],
        [ACCEPT, (Hold(PLATFORM), at("2026-01-04T10:00"))],
        [*DELIVERED, (Close(BUYER), at("2026-01-04T10:00"))],
    ],
    ids=["disputed", "on-hold", "completed"],
)
def test_r_scanc_1_no_seller_cancellation_when_frozen_or_ended(steps: Steps) -> None:
    rejected(Story.placed().run(steps), Cancel(SELLER), at("2026-01-04T12:00"), InvalidTransition)
