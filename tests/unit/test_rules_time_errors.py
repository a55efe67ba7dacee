"""Example tests of time and deadline semantics (R-TIME-1 .. R-TIME-5) and of errors (R-ERR-1, R-ERR-2).

Orders are ``placement()``: 57.50 paid, 3 delivery days, paid Saturday 3 January 2026 10:00 UTC,
expiring 3 June 2026 10:00. ``reach(state)`` walks one fixed path to each state; every step
happens by 6 January 12:00.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import partial
from zoneinfo import ZoneInfo

import attrs
import pytest

from orderflow import (
    COMEUP,
    FIVERR_LIKE,
    Accept,
    AcceptOffer,
    AcceptPartialRefund,
    AcceptRevision,
    BuyOption,
    Cancel,
    Close,
    Command,
    CurrencyMismatch,
    DeadlinePassed,
    Deliver,
    Hold,
    InvalidAmount,
    InvalidArgument,
    InvalidTime,
    InvalidTransition,
    Money,
    NotAllowed,
    OfferCustom,
    OpenDispute,
    OrderflowError,
    ProposePartialRefund,
    Refund,
    RefuseCancellation,
    RefuseOffer,
    RefuseRevision,
    RequestCancellation,
    RequestRevision,
    Review,
    Role,
    State,
    UnknownReference,
    WithdrawOffer,
    advance,
    available_actions,
    decide,
    place_order,
    running_deadlines,
)
from orderflow.domain.events import CancellationRefused, DisputeOpened, OrderCanceled

from support import DAY, EXPIRY, HOUR, PAID_AT, Story, at, eur, placement, reach, rejected

BUYER, SELLER, PLATFORM = Role
DELIVERY_DUE = at("2026-01-06T12:00")  # accepted 3 January 12:00 + 3 days


# R-TIME-1: 24-hour days, aware times, no going back.


def test_r_time_1_a_day_is_exactly_24_hours_across_a_clock_change() -> None:
    paris = ZoneInfo("Europe/Paris")  # summer time starts on 29 March 2026
    accepted = datetime(2026, 3, 28, 12, 0, tzinfo=paris)  # 11:00 UTC
    story = Story.placed(paid_at=datetime(2026, 3, 28, 10, 0, tzinfo=paris))
    story.do(Accept(SELLER), accepted)
    due = running_deadlines(story.order)["delivery"]
    # Compared in UTC: Python subtracts and compares two times of one tzinfo on the wall clock.
    assert due.astimezone(timezone.utc) == at("2026-03-31T11:00")  # 72 hours later: 13:00 in Paris


NAIVE = datetime(2026, 1, 4, 10, 0)


def test_r_time_1_naive_times_are_rejected() -> None:
    story = reach(State.IN_PROGRESS)
    rejected(story, Deliver(SELLER), NAIVE, InvalidTime)
    with pytest.raises(InvalidTime):
        advance(story.order, NAIVE)
    with pytest.raises(InvalidTime):
        place_order(placement(paid_at=NAIVE))


def test_r_time_1_a_time_before_the_last_event_is_rejected_the_same_time_is_not() -> None:
    story = reach(State.IN_PROGRESS)
    last = story.order.updated_at
    rejected(story, Deliver(SELLER), last - timedelta(seconds=1), InvalidTime)
    with pytest.raises(InvalidTime):
        advance(story.order, last - timedelta(seconds=1))
    assert story.do(Deliver(SELLER), last).order.state is State.DELIVERED


# R-TIME-2: due deadlines fire first, in a fixed order at one instant.


def test_r_time_2_a_deadline_due_at_the_commands_time_fires_first() -> None:
    story = reach(State.DELIVERED)
    review_due = running_deadlines(story.order)["review_decision"]
    before = story.order
    with pytest.raises(InvalidTransition) as info:
        story.do(RequestRevision(BUYER), review_due)
    advanced = info.value.advanced  # the rejected command leaves the timer fired
    assert advanced is not None
    assert (advanced.fired, advanced.order.state) == (("review_decision",), State.COMPLETED)
    assert story.order is before


def test_r_time_2_an_accepted_command_comes_after_what_fired() -> None:
    story = reach(State.IN_PROGRESS)
    story.do(OfferCustom(SELLER, offer_id="o-1", price=eur("9.00"), delivery_days=1), at("2026-01-04T10:00"))
    decision = story.do(Deliver(SELLER), at("2026-01-11T10:00"))  # the offer lapsed at this instant
    assert decision.fired == ("offer:o-1",)
    assert [e.name for e in decision.events] == ["CustomOfferLapsed", "OrderDelivered"]


def offer_and_decision_together() -> Story:
    story = reach(State.REVISION_REFUSED)
    story.do(OfferCustom(SELLER, offer_id="o-1", price=eur("9.00"), delivery_days=1), story.order.updated_at)
    return story


def acceptance_and_expiry_together() -> Story:
    return Story.placed(acceptance_window=EXPIRY - PAID_AT)


def review_and_expiry_together() -> Story:
    story = reach(State.IN_PROGRESS)
    story.do(Deliver(SELLER), EXPIRY - 7 * DAY)
    return story


def seller_answer_and_expiry_together() -> Story:
    story = reach(State.IN_PROGRESS, delivery_days=200, policy=FIVERR_LIKE)  # not late at expiry
    story.do(RequestCancellation(BUYER), EXPIRY - 48 * HOUR)
    return story


@pytest.mark.parametrize(
    ("build", "together", "fired", "state"),
    [
        pytest.param(
            offer_and_decision_together,
            ("offer:o-1", "buyer_decision"),
            ("offer:o-1", "buyer_decision"),
            State.COMPLETED,
            id="offer_then_buyer_decision",
        ),
        pytest.param(
            acceptance_and_expiry_together,
            ("acceptance", "expiry"),
            ("acceptance",),
            State.CANCELED,
            id="acceptance_then_no_expiry",
        ),
        pytest.param(
            review_and_expiry_together,
            ("review_decision", "expiry"),
            ("review_decision",),
            State.COMPLETED,
            id="review_then_no_expiry",
        ),
        pytest.param(
            seller_answer_and_expiry_together,
            ("seller_answer", "expiry"),
            ("seller_answer",),
            State.CANCELED,
            id="answer_then_no_expiry",
        ),
    ],
)
def test_r_time_2_deadlines_at_one_instant_fire_in_order_and_stop_at_the_end(
    build: Callable[[], Story], together: tuple[str, str], fired: tuple[str, ...], state: State
) -> None:
    story = build()
    dues = running_deadlines(story.order)
    first, second = together
    assert dues[first] == dues[second] == min(dues.values())
    decision = story.wait(dues[first])
    assert (decision.fired, decision.order.state) == (fired, state)
    assert len(decision.events) == len(fired)  # one event per deadline that fired, nothing after the end


# R-TIME-3: the running deadlines of each state.

EXPECTED_DEADLINES: dict[State, dict[str, datetime]] = {
    State.PENDING: {"acceptance": at("2026-01-05T10:00"), "expiry": EXPIRY},
    State.IN_PROGRESS: {"delivery": DELIVERY_DUE, "expiry": EXPIRY},
    State.CANCELLATION_REQUESTED: {
        "seller_answer": at("2026-01-06T10:00"),
        "delivery": DELIVERY_DUE,
        "expiry": EXPIRY,
    },
    State.DELIVERED: {"review_decision": at("2026-01-12T09:00"), "expiry": EXPIRY},
    State.REVISION_REQUESTED: {"seller_answer": at("2026-01-08T10:00"), "expiry": EXPIRY},
    State.REVISION_REFUSED: {"buyer_decision": at("2026-01-13T11:00"), "expiry": EXPIRY},
    State.DISPUTED: {},
    State.ON_HOLD: {},
    State.COMPLETED: {},
    State.CANCELED: {},
    State.EXPIRED: {},
}


@pytest.mark.parametrize("state", list(State))
def test_r_time_3_running_deadlines_by_state_soonest_first(state: State) -> None:
    deadlines = running_deadlines(reach(state).order)
    assert list(deadlines.items()) == list(EXPECTED_DEADLINES[state].items())


def test_r_time_3_an_open_offer_is_listed_until_it_closes() -> None:
    story = reach(State.IN_PROGRESS)
    story.do(OfferCustom(SELLER, offer_id="o-1", price=eur("9.00"), delivery_days=1), at("2026-01-04T10:00"))
    assert list(running_deadlines(story.order)) == ["delivery", "offer:o-1", "expiry"]
    assert running_deadlines(story.order)["offer:o-1"] == at("2026-01-11T10:00")
    story.do(RefuseOffer(BUYER, offer_id="o-1"), at("2026-01-04T11:00"))
    assert list(running_deadlines(story.order)) == ["delivery", "expiry"]


@pytest.mark.parametrize(
    ("state", "later"),
    [
        (State.IN_PROGRESS, at("2026-01-08T10:00")),
        (State.CANCELLATION_REQUESTED, at("2026-01-08T10:00")),
        (State.REVISION_REQUESTED, at("2026-01-09T10:00")),
    ],
)
def test_r_time_3_a_passed_deadline_that_fires_nothing_stays_listed(state: State, later: datetime) -> None:
    story = reach(state)
    assert story.wait(later).events == ()
    assert running_deadlines(story.order) == EXPECTED_DEADLINES[state]


# R-TIME-4: review windows, lateness, cancellation requests and delivery.


def test_r_time_4_every_delivery_opens_a_fresh_review_window() -> None:
    story = reach(State.REVISION_REQUESTED)
    story.do(AcceptRevision(SELLER), at("2026-01-06T11:00"))
    second = at("2026-01-08T15:00")
    story.do(Deliver(SELLER), second)
    assert running_deadlines(story.order)["review_decision"] == second + 7 * DAY


@pytest.mark.parametrize("state", [State.IN_PROGRESS, State.CANCELLATION_REQUESTED])
def test_r_time_4_late_exactly_from_the_delivery_instant(state: State) -> None:
    story = reach(state)
    rejected(story, Cancel(BUYER), DELIVERY_DUE - timedelta(seconds=1), NotAllowed)  # the seller could
    decision = story.do(Cancel(BUYER), DELIVERY_DUE)
    (event,) = decision.events
    assert isinstance(event, OrderCanceled)
    assert event.late is True
    assert Refund(BUYER, eur("57.50")) in decision.effects


def test_r_time_4_a_delivered_order_is_not_late() -> None:
    story = reach(State.IN_PROGRESS)
    story.do(Deliver(SELLER), DELIVERY_DUE + DAY)
    assert not story.order.is_late(DELIVERY_DUE + 2 * DAY)
    rejected(story, Cancel(BUYER), DELIVERY_DUE + 2 * DAY, NotAllowed)


def test_r_time_4_the_delivery_countdown_runs_while_a_cancellation_request_waits() -> None:
    story = reach(State.CANCELLATION_REQUESTED)
    assert running_deadlines(story.order)["delivery"] == DELIVERY_DUE
    story.do(RefuseCancellation(SELLER, reason="nearly done"), at("2026-01-05T10:00"))
    assert running_deadlines(story.order) == {"delivery": DELIVERY_DUE, "expiry": EXPIRY}


def test_r_time_4_the_seller_answers_before_delivering() -> None:
    story = reach(State.CANCELLATION_REQUESTED)
    rejected(story, Deliver(SELLER), at("2026-01-04T11:00"), InvalidTransition)


# R-TIME-5: answers until a dispute, no withdrawal, counters never reset.


@pytest.mark.parametrize(
    ("state", "answer", "late_time"),
    [
        (State.CANCELLATION_REQUESTED, RefuseCancellation(SELLER, reason="no"), at("2026-01-06T11:00")),
        (State.REVISION_REQUESTED, AcceptRevision(SELLER), at("2026-01-09T10:00")),
    ],
)
def test_r_time_5_the_seller_may_answer_after_48_hours_until_a_dispute_opens(
    state: State, answer: Command, late_time: datetime
) -> None:
    assert reach(state).do(answer, late_time).order.state is State.IN_PROGRESS
    story = reach(state)
    story.do(OpenDispute(BUYER), late_time)
    rejected(story, answer, late_time, InvalidTransition)


@pytest.mark.parametrize("state", [State.CANCELLATION_REQUESTED, State.REVISION_REQUESTED])
def test_r_time_5_a_request_cannot_be_withdrawn(state: State) -> None:
    story = reach(state)
    choices = available_actions(story.order, BUYER, story.order.updated_at + HOUR)
    assert [c.action for c in choices] == ["propose_partial_refund"]
    assert all(c.reaches is state for c in choices)


def test_r_time_5_refused_cancellations_count_for_the_whole_order() -> None:
    story = reach(State.IN_PROGRESS)
    story.do(RequestCancellation(BUYER), at("2026-01-03T13:00"))
    story.do(RefuseCancellation(SELLER, reason="no"), at("2026-01-03T14:00"))
    story.run(
        [
            (Deliver(SELLER), at("2026-01-05T09:00")),
            (RequestRevision(BUYER), at("2026-01-06T10:00")),
            (AcceptRevision(SELLER), at("2026-01-06T11:00")),
            (RequestCancellation(BUYER), at("2026-01-07T10:00")),
        ]
    )
    now = at("2026-01-07T11:00")
    decision = story.do(RefuseCancellation(SELLER, reason="still no"), now)
    assert decision.events == (CancellationRefused(at=now, reason="still no"), DisputeOpened(at=now, by=None))
    assert decision.order.state is State.DISPUTED


def test_r_time_5_a_revision_cap_counts_refused_requests_too() -> None:
    story = reach(State.REVISION_REFUSED, policy=attrs.evolve(COMEUP, name="cap2", revision_cap=2))
    story.run(  # request 1 was refused; an option restarts the work
        [
            (BuyOption(BUYER, name="pages", price=eur("8.00"), delivery_days=1), at("2026-01-07T10:00")),
            (Deliver(SELLER), at("2026-01-07T11:00")),
            (RequestRevision(BUYER), at("2026-01-07T12:00")),  # request 2
            (AcceptRevision(SELLER), at("2026-01-07T13:00")),
            (Deliver(SELLER), at("2026-01-07T14:00")),
        ]
    )
    rejected(story, RequestRevision(BUYER), at("2026-01-07T15:00"), InvalidTransition)


# R-ERR-1: the order in which errors are checked.


def test_r_err_1_malformed_arguments_come_first() -> None:
    with pytest.raises(InvalidArgument):
        Review(BUYER, rating=9)  # on any order, even one that could never be reviewed
    with pytest.raises(InvalidArgument):
        BuyOption(BUYER, name="pages", price="8.00", delivery_days=1)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        decide(reach(State.PENDING).order, "accept", PAID_AT)  # type: ignore[arg-type]


def with_offer(offer_id: str = "o-1") -> Story:
    story = reach(State.IN_PROGRESS)
    story.do(
        OfferCustom(SELLER, offer_id=offer_id, price=eur("9.00"), delivery_days=1), at("2026-01-04T10:00")
    )
    return story


def reviewed() -> Story:
    story = reach(State.COMPLETED)
    story.do(Review(BUYER, rating=5), at("2026-01-07T10:00"))
    return story


FREE, DOLLARS = eur("0.00"), Money("8.00", "USD")
T4, T5, AUGUST = at("2026-01-04T10:00"), at("2026-01-05T10:00"), at("2026-08-01T10:00")


@pytest.mark.parametrize(
    ("build", "command", "now", "error"),
    [
        pytest.param(
            partial(reach, State.IN_PROGRESS), Close(SELLER), T4, InvalidTransition, id="nobody_before_actor"
        ),
        pytest.param(partial(reach, State.DELIVERED), Close(SELLER), T5, NotAllowed, id="wrong_actor"),
        pytest.param(
            partial(reach, State.REVISION_REQUESTED),
            OpenDispute(BUYER),
            T5 + 2 * DAY,
            NotAllowed,
            id="not_yet",
        ),
        pytest.param(
            reviewed, Review(BUYER, rating=4), AUGUST, InvalidTransition, id="transition_before_window"
        ),
        pytest.param(
            partial(reach, State.COMPLETED),
            Review(SELLER, rating=4),
            AUGUST,
            NotAllowed,
            id="actor_before_window",
        ),
        pytest.param(
            partial(reach, State.COMPLETED),
            Review(BUYER, rating=4),
            AUGUST,
            DeadlinePassed,
            id="window_closed",
        ),
        pytest.param(
            with_offer, AcceptOffer(SELLER, offer_id="nope"), T4, NotAllowed, id="actor_before_reference"
        ),
        pytest.param(
            with_offer, AcceptOffer(BUYER, offer_id="nope"), T4, UnknownReference, id="unknown_offer"
        ),
        pytest.param(
            partial(reach, State.DELIVERED),
            AcceptPartialRefund(PLATFORM),
            T5,
            NotAllowed,
            id="actor_before_proposal",
        ),
        pytest.param(
            partial(reach, State.DELIVERED),
            AcceptPartialRefund(BUYER),
            T5,
            UnknownReference,
            id="no_proposal",
        ),
        pytest.param(
            partial(reach, State.PENDING),
            ProposePartialRefund(BUYER, amount=FREE, reason="x"),
            at("2026-01-03T11:00"),
            InvalidTransition,
            id="transition_before_amount",
        ),
        pytest.param(
            partial(reach, State.DELIVERED),
            BuyOption(BUYER, name="p", price=DOLLARS, delivery_days=1),
            T5,
            InvalidTransition,
            id="transition_before_currency",
        ),
        pytest.param(
            partial(reach, State.IN_PROGRESS),
            BuyOption(SELLER, name="p", price=FREE, delivery_days=1),
            T4,
            NotAllowed,
            id="actor_before_amount",
        ),
        pytest.param(
            partial(reach, State.IN_PROGRESS),
            BuyOption(BUYER, name="p", price=FREE, delivery_days=1),
            T4,
            InvalidAmount,
            id="bad_amount",
        ),
        pytest.param(
            partial(reach, State.IN_PROGRESS),
            BuyOption(BUYER, name="p", price=DOLLARS, delivery_days=1),
            T4,
            CurrencyMismatch,
            id="other_currency",
        ),
    ],
)
def test_r_err_1_checks_come_in_order(
    build: Callable[[], Story], command: Command, now: datetime, error: type[OrderflowError]
) -> None:
    """Each case has an earlier check failing and a later one that would fail too (or pass)."""
    rejected(build(), command, now, error)


def test_r_err_1_withdrawn_offer_is_an_unknown_reference() -> None:
    story = with_offer()
    story.do(WithdrawOffer(SELLER, offer_id="o-1"), at("2026-01-04T11:00"))
    rejected(story, AcceptOffer(BUYER, offer_id="o-1"), at("2026-01-04T12:00"), UnknownReference)


# R-ERR-2: what InvalidTransition and InvalidArgument also cover.


def second_proposal() -> tuple[Story, Command, datetime]:
    story = reach(State.DELIVERED)
    story.do(ProposePartialRefund(SELLER, amount=eur("5.00"), reason="x"), at("2026-01-05T10:00"))
    return story, ProposePartialRefund(BUYER, amount=eur("6.00"), reason="y"), at("2026-01-05T11:00")


def revision_past_cap() -> tuple[Story, Command, datetime]:
    story = reach(State.DELIVERED, policy=attrs.evolve(COMEUP, name="cap1", revision_cap=1))
    story.run(
        [
            (RequestRevision(BUYER), at("2026-01-05T10:00")),
            (AcceptRevision(SELLER), at("2026-01-05T11:00")),
            (Deliver(SELLER), at("2026-01-05T12:00")),
        ]
    )
    return story, RequestRevision(BUYER), at("2026-01-05T13:00")


def second_review() -> tuple[Story, Command, datetime]:
    story = reach(State.COMPLETED)
    story.do(Review(BUYER, rating=5), at("2026-01-07T10:00"))
    return story, Review(BUYER, rating=4), at("2026-01-07T11:00")


def cancellation_request_when_late() -> tuple[Story, Command, datetime]:
    return reach(State.IN_PROGRESS), RequestCancellation(BUYER), DELIVERY_DUE


def hold_on_hold() -> tuple[Story, Command, datetime]:
    return reach(State.ON_HOLD), Hold(PLATFORM), at("2026-01-04T11:00")


@pytest.mark.parametrize(
    "case", [second_proposal, revision_past_cap, second_review, cancellation_request_when_late, hold_on_hold]
)
def test_r_err_2_invalid_transitions(case: Callable[[], tuple[Story, Command, datetime]]) -> None:
    story, command, now = case()
    rejected(story, command, now, InvalidTransition)


@pytest.mark.parametrize(
    "first_offer_closed_by", [None, WithdrawOffer(SELLER, offer_id="o-1"), AcceptOffer(BUYER, offer_id="o-1")]
)
def test_r_err_2_a_duplicate_offer_id_is_an_invalid_argument(first_offer_closed_by: Command | None) -> None:
    story = with_offer()
    if first_offer_closed_by is not None:
        story.do(first_offer_closed_by, at("2026-01-04T11:00"))
    again = OfferCustom(SELLER, offer_id="o-1", price=eur("5.00"), delivery_days=1)
    rejected(story, again, at("2026-01-04T12:00"), InvalidArgument)


@pytest.mark.parametrize("command", [RefuseCancellation, RefuseRevision])
@pytest.mark.parametrize("reason", ["", "   "])
def test_r_err_2_an_empty_refusal_reason_is_an_invalid_argument(
    command: type[RefuseCancellation | RefuseRevision], reason: str
) -> None:
    with pytest.raises(InvalidArgument):
        command(SELLER, reason=reason)


@pytest.mark.parametrize("rating", [0, 6, -1, True, "5", 4.5])
def test_r_err_2_a_rating_outside_1_to_5_is_an_invalid_argument(rating: object) -> None:
    with pytest.raises(InvalidArgument):
        Review(BUYER, rating=rating)  # type: ignore[arg-type]


def test_r_err_2_ratings_1_and_5_are_accepted() -> None:
    for rating in (1, 5):
        decision = reach(State.COMPLETED).do(Review(BUYER, rating=rating), at("2026-01-07T10:00"))
        assert [e.name for e in decision.events] == ["ReviewLeft"]
