"""Example tests of expiry (R-EXP-1 .. R-EXP-3), the end of an order (R-END-1 .. R-END-3) and the
seller-statistics effect (R-STAT-1 .. R-STAT-3).

Orders are ``placement()`` unless a test says otherwise: 57.50 paid (55.00 seller's share + 2.50
fee), 3 delivery days, paid Saturday 3 January 2026 10:00 UTC, so it expires 3 June 2026 10:00.
Accepted at 12:00, delivery is due 6 January 12:00.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest

from orderflow import (
    COMEUP,
    COMMANDS,
    FIVERR_LIKE,
    Accept,
    AcceptCancellation,
    AcceptPartialRefund,
    AcceptRevision,
    BuyOption,
    Cancel,
    ChatWindow,
    Close,
    DeadlinePassed,
    Decision,
    Deliver,
    Hold,
    InvalidArgument,
    InvalidTransition,
    NotAllowed,
    OpenDispute,
    Outcome,
    PlatformRevenue,
    Policy,
    ProposePartialRefund,
    Refund,
    RefuseRevision,
    ReleaseHold,
    RequestCancellation,
    RequestRevision,
    ResolveDispute,
    Review,
    ReviewWindow,
    Role,
    SellerStatistics,
    State,
    VoucherEligibility,
    WalletCredit,
    advance,
    available_actions,
    place_order,
    running_deadlines,
)
from orderflow.domain.events import OrderExpired, ReviewLeft

from support import DAY, EXPIRY, HOUR, Step, Story, at, eur, placement, rejected

BUYER, SELLER, PLATFORM = Role
ZERO = Decimal(0)
ACCEPTED = at("2026-01-03T12:00")
DELIVERY_DUE = at("2026-01-06T12:00")

ACCEPT: Step = (Accept(SELLER), ACCEPTED)
DELIVER: Step = (Deliver(SELLER), at("2026-01-05T09:00"))
PLATFORM_DISPUTE: Step = (OpenDispute(PLATFORM), at("2026-01-04T10:00"))
REQUEST_CANCELLATION: Step = (RequestCancellation(BUYER), at("2026-01-04T10:00"))


def run(steps: list[Step], **changes: object) -> tuple[Story, list[Decision]]:
    """The story of ``placement(**changes)`` after ``steps``, and each step's decision."""
    story = Story.placed(**changes)
    decisions = [story.wait(now) if command is None else story.do(command, now) for command, now in steps]
    return story, decisions


def statistics(decision: Decision) -> SellerStatistics:
    (stats,) = [e for e in decision.effects if isinstance(e, SellerStatistics)]
    return stats


# R-EXP-1: 5 calendar months after payment, clamped; escrow to the platform.


@pytest.mark.parametrize(
    ("paid_at", "expires_at"),
    [
        (at("2026-01-31T15:30"), at("2026-06-30T15:30")),  # the rule book's example
        (at("2026-03-31T08:00"), at("2026-08-31T08:00")),
        (at("2026-09-30T10:00"), at("2027-02-28T10:00")),  # across a year end
        (at("2027-09-30T10:00"), at("2028-02-29T10:00")),  # leap year
        (at("2026-01-03T10:00"), at("2026-06-03T10:00")),
        # 1 February 01:00 in UTC+2 is 31 January 23:00 UTC: the UTC date counts.
        (datetime(2026, 2, 1, 1, 0, tzinfo=timezone(timedelta(hours=2))), at("2026-06-30T23:00")),
    ],
)
def test_r_exp_1_expiry_is_five_calendar_months_clamped(paid_at: datetime, expires_at: datetime) -> None:
    order = place_order(placement(paid_at=paid_at)).order
    assert running_deadlines(order)["expiry"] == expires_at


@pytest.mark.parametrize(
    "steps",
    [
        [ACCEPT],
        [ACCEPT, REQUEST_CANCELLATION],
        [ACCEPT, DELIVER, (RequestRevision(BUYER), at("2026-01-06T10:00"))],
    ],
    ids=["in_progress", "cancellation_requested", "revision_requested"],
)
def test_r_exp_1_an_active_order_expires_and_the_platform_takes_the_escrow(steps: list[Step]) -> None:
    story, _ = run(steps)
    assert story.wait(EXPIRY - HOUR).events == ()
    decision = story.wait(EXPIRY)
    assert decision.fired == ("expiry",)
    assert decision.order.state is State.EXPIRED
    assert [e.name for e in decision.events] == ["OrderExpired"]
    assert PlatformRevenue(eur("57.50")) in decision.effects
    assert not any(isinstance(e, (WalletCredit, Refund)) for e in decision.effects)
    ledger = decision.order.ledger
    assert (ledger.escrow, ledger.platform_revenue, ledger.seller_credited, ledger.refunded) == (
        ZERO,
        Decimal("57.50"),
        ZERO,
        ZERO,
    )


def test_r_exp_1_only_holds_move_the_expiry() -> None:
    story = Story.placed()
    for command, now in [
        (Accept(SELLER), ACCEPTED),
        (BuyOption(BUYER, name="pages", price=eur("8.00"), delivery_days=2), at("2026-01-04T09:00")),
        (Deliver(SELLER), at("2026-01-05T09:00")),
        (RequestRevision(BUYER), at("2026-01-06T10:00")),
        (AcceptRevision(SELLER), at("2026-01-06T11:00")),
        (OpenDispute(PLATFORM), at("2026-01-07T10:00")),
        (ResolveDispute(PLATFORM, outcome=Outcome.RESTART), at("2026-01-20T10:00")),
    ]:
        story.do(command, now)
        assert story.order.expires_at == EXPIRY  # also while disputed, where no deadline is listed
    story.do(Hold(PLATFORM), at("2026-01-21T10:00"))
    story.do(ReleaseHold(PLATFORM), at("2026-01-23T10:00"))
    assert running_deadlines(story.order)["expiry"] == EXPIRY + 2 * DAY


# R-EXP-2: the buyer's voucher, an effect only.


@pytest.mark.parametrize(
    ("tax", "bank_fee", "partial_refund", "voucher"),
    [
        ("20.00", "5.00", None, "75.00"),  # the rule book's example: 100 - 20 - 5
        ("20.00", "5.00", "10.00", "65.00"),  # 100 - 10 refunded - 20 - 5
        ("60.00", "40.00", "10.00", "0.00"),  # 100 - 10 - 60 - 40 < 0: never below zero
    ],
)
def test_r_exp_2_voucher_is_paid_minus_refunded_tax_and_bank_fee(
    tax: str, bank_fee: str, partial_refund: str | None, voucher: str
) -> None:
    steps: list[Step] = [ACCEPT]
    if partial_refund:
        steps += [
            (ProposePartialRefund(SELLER, amount=eur(partial_refund), reason="x"), at("2026-01-04T10:00")),
            (AcceptPartialRefund(BUYER), at("2026-01-04T11:00")),
        ]
    story, _ = run(
        [*steps, (None, EXPIRY)],
        price=eur("95.00"),
        options=(),
        tip=None,
        platform_fee=eur("5.00"),
        tax=eur(tax),
        bank_fee=eur(bank_fee),
    )
    assert story.order.ledger.paid == Decimal("100.00")
    assert VoucherEligibility(BUYER, eur(voucher)) in story.last.effects
    refunded = Decimal(partial_refund or 0)
    assert story.order.ledger.refunded == refunded  # the voucher moves no money
    assert PlatformRevenue(eur(str(Decimal("100.00") - refunded))) in story.last.effects


# R-EXP-3: expiry wins over a later delivery deadline; no restart after it.


def test_r_exp_3_expiry_fires_before_a_delivery_deadline_beyond_it() -> None:
    story, _ = run([ACCEPT], delivery_days=200)
    assert running_deadlines(story.order)["delivery"] > EXPIRY
    decision = story.wait(EXPIRY)
    assert decision.order.state is State.EXPIRED
    (event,) = decision.events
    assert isinstance(event, OrderExpired)
    assert event.late is False


def test_r_exp_3_no_restart_after_the_expiry_date() -> None:
    story, _ = run([ACCEPT, PLATFORM_DISPUTE])
    rejected(story, ResolveDispute(PLATFORM, outcome=Outcome.RESTART), EXPIRY + DAY, DeadlinePassed)


@pytest.mark.parametrize(
    ("command", "state"),
    [
        (ResolveDispute(PLATFORM, outcome=Outcome.REFUND), State.CANCELED),
        (ResolveDispute(PLATFORM, outcome=Outcome.SPLIT, buyer_amount=eur("10.00")), State.COMPLETED),
        (ResolveDispute(PLATFORM, outcome=Outcome.RELEASE), State.COMPLETED),
    ],
)
def test_r_exp_3_other_outcomes_remain_after_the_expiry_date(command: ResolveDispute, state: State) -> None:
    story, _ = run([ACCEPT, PLATFORM_DISPUTE])
    assert story.do(command, EXPIRY + DAY).order.state is state


# R-END-1: completed.

COMPLETED_AT = at("2026-01-06T10:00")
REVIEW_UNTIL = at("2026-07-06T10:00")  # 6 calendar months after completion


def completed() -> Story:
    story, _ = run([ACCEPT, DELIVER, (Close(BUYER), COMPLETED_AT)])
    return story


def test_r_end_1_completion_opens_chat_for_7_days_and_review_for_6_months() -> None:
    story = completed()
    assert ChatWindow(COMPLETED_AT + 7 * DAY) in story.last.effects
    assert ReviewWindow(REVIEW_UNTIL) in story.last.effects
    assert running_deadlines(story.order) == {}  # the review window is not a running deadline


def test_r_end_1_review_window_months_are_clamped() -> None:
    story, _ = run(
        [
            (Accept(SELLER), at("2026-08-29T11:00")),
            (Deliver(SELLER), at("2026-08-30T11:00")),
            (Close(BUYER), at("2026-08-31T12:00")),
        ],
        paid_at=at("2026-08-29T10:00"),
    )
    assert ReviewWindow(at("2027-02-28T12:00")) in story.last.effects


def test_r_end_1_one_review_within_the_window_changes_no_money() -> None:
    story = completed()
    ledger = story.order.ledger
    decision = story.do(Review(BUYER, rating=4, text="good"), REVIEW_UNTIL)
    assert decision.events == (ReviewLeft(at=REVIEW_UNTIL, rating=4, text="good"),)
    assert (decision.order.state, decision.order.ledger) == (State.COMPLETED, ledger)
    rejected(story, Review(BUYER, rating=5), REVIEW_UNTIL, InvalidTransition)


def test_r_end_1_no_review_after_the_window() -> None:
    rejected(completed(), Review(BUYER, rating=4), REVIEW_UNTIL + timedelta(minutes=1), DeadlinePassed)


@pytest.mark.parametrize("role", [SELLER, PLATFORM])
def test_r_end_1_only_the_buyer_reviews(role: Role) -> None:
    rejected(completed(), Review(role, rating=4), COMPLETED_AT + DAY, NotAllowed)


# R-END-2: canceled.


def test_r_end_2_cancellation_opens_chat_for_7_days_and_no_review() -> None:
    canceled_at = at("2026-01-03T11:00")
    story, _ = run([(Cancel(BUYER), canceled_at)])
    assert ChatWindow(canceled_at + 7 * DAY) in story.last.effects
    assert not any(isinstance(e, ReviewWindow) for e in story.last.effects)
    rejected(story, Review(BUYER, rating=5), canceled_at + HOUR, InvalidTransition)
    rejected(story, Accept(SELLER), canceled_at + HOUR, InvalidTransition)


# R-END-3: terminal states are final.

TERMINAL_STORIES: dict[State, list[Step]] = {
    State.COMPLETED: [ACCEPT, DELIVER, (Close(BUYER), COMPLETED_AT)],
    State.CANCELED: [(Cancel(BUYER), at("2026-01-03T11:00"))],
    State.EXPIRED: [ACCEPT, (None, EXPIRY)],
}
#: Well-formed arguments for each command that takes some.
ARGS: dict[str, dict[str, object]] = {
    "refuse_cancellation": {"reason": "no"},
    "refuse_revision": {"reason": "no"},
    "resolve_dispute": {"outcome": Outcome.RELEASE},
    "buy_option": {"name": "pages", "price": eur("8.00"), "delivery_days": 1},
    "offer_custom": {"offer_id": "o-1", "price": eur("8.00"), "delivery_days": 1},
    "accept_offer": {"offer_id": "o-1"},
    "refuse_offer": {"offer_id": "o-1"},
    "withdraw_offer": {"offer_id": "o-1"},
    "propose_partial_refund": {"amount": eur("5.00"), "reason": "x"},
    "review": {"rating": 5},
}


@pytest.mark.parametrize("state", list(TERMINAL_STORIES))
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(COMMANDS))
def test_r_end_3_no_command_changes_a_terminal_order(state: State, role: Role, action: str) -> None:
    story, _ = run(TERMINAL_STORIES[state])
    command = COMMANDS[action](role, **ARGS.get(action, {}))
    now = story.order.updated_at + DAY
    if (state, action, role) == (State.COMPLETED, "review", BUYER):  # the one action after the end
        decision = story.do(command, now)
        assert (decision.order.state, decision.order.ledger) == (state, story.order.ledger)
        return
    error = NotAllowed if (state, action) == (State.COMPLETED, "review") else InvalidTransition
    rejected(story, command, now, error)


@pytest.mark.parametrize("state", list(TERMINAL_STORIES))
def test_r_end_3_nothing_fires_after_the_end(state: State) -> None:
    order = run(TERMINAL_STORIES[state])[0].order
    assert advance(order, at("2030-01-01T00:00")).events == ()
    review = [(c.role, c.action) for r in Role for c in available_actions(order, r, order.updated_at + DAY)]
    assert review == ([(BUYER, "review")] if state is State.COMPLETED else [])


# R-STAT-1: the statistics window and threshold are Policy settings.


def test_r_stat_1_window_and_threshold_defaults() -> None:
    for policy in (COMEUP, Policy(name="p", version=1)):
        assert (policy.stats_window_months, policy.stats_min_completed) == (6, 5)


@pytest.mark.parametrize("field", ["stats_window_months", "stats_min_completed"])
@pytest.mark.parametrize("value", [0, -6, True, 6.0, "6", None])
def test_r_stat_1_window_and_threshold_are_validated(field: str, value: object) -> None:
    changes: dict[str, Any] = {field: value}
    with pytest.raises(InvalidArgument):
        attrs.evolve(COMEUP, **changes)


# R-STAT-2 and R-STAT-3: the SellerStatistics effect of an ended order.

ENDINGS: dict[str, tuple[list[Step], Policy, bool, bool]] = {
    # name: (steps, policy, counts as completed, was accepted)
    "seller_cancel": ([ACCEPT, (Cancel(SELLER), at("2026-01-04T10:00"))], COMEUP, False, True),
    "accepted_request": (
        [ACCEPT, REQUEST_CANCELLATION, (AcceptCancellation(SELLER), at("2026-01-04T11:00"))],
        COMEUP,
        False,
        True,
    ),
    "late_cancel": ([ACCEPT, (Cancel(BUYER), DELIVERY_DUE)], COMEUP, False, True),
    "buyer_cancel_pending": ([(Cancel(BUYER), at("2026-01-03T11:00"))], COMEUP, False, False),
    "seller_cancel_pending": ([(Cancel(SELLER), at("2026-01-03T11:00"))], COMEUP, False, False),
    "acceptance_timeout": ([(None, at("2026-01-05T10:00"))], COMEUP, False, False),
    "seller_answer_timeout": (
        [ACCEPT, REQUEST_CANCELLATION, (None, at("2026-01-06T10:00"))],
        FIVERR_LIKE,
        False,
        True,
    ),
    "mediator_refund": (
        [
            ACCEPT,
            PLATFORM_DISPUTE,
            (ResolveDispute(PLATFORM, outcome=Outcome.REFUND), at("2026-01-05T10:00")),
        ],
        COMEUP,
        False,
        True,
    ),
    "expiry": ([ACCEPT, (None, EXPIRY)], COMEUP, False, True),
    "split": (
        [
            ACCEPT,
            PLATFORM_DISPUTE,
            (
                ResolveDispute(PLATFORM, outcome=Outcome.SPLIT, buyer_amount=eur("10.00")),
                at("2026-01-05T10:00"),
            ),
        ],
        COMEUP,
        True,
        True,
    ),
    "release": (
        [
            ACCEPT,
            PLATFORM_DISPUTE,
            (ResolveDispute(PLATFORM, outcome=Outcome.RELEASE), at("2026-01-05T10:00")),
        ],
        COMEUP,
        True,
        True,
    ),
    "close": ([ACCEPT, DELIVER, (Close(BUYER), at("2026-01-05T10:00"))], COMEUP, True, True),
    "review_timeout": ([ACCEPT, DELIVER, (None, at("2026-01-12T09:00"))], COMEUP, True, True),
    "buyer_decision_timeout": (
        [
            ACCEPT,
            DELIVER,
            (RequestRevision(BUYER), at("2026-01-06T10:00")),
            (RefuseRevision(SELLER, reason="no"), at("2026-01-06T11:00")),
            (None, at("2026-01-13T11:00")),
        ],
        COMEUP,
        True,
        True,
    ),
}


@pytest.mark.parametrize("name", list(ENDINGS))
def test_r_stat_2_every_end_emits_one_statistics_effect_counting_completion(name: str) -> None:
    steps, policy, counts_completed, _ = ENDINGS[name]
    story, decisions = run(steps, policy=policy)
    assert story.order.is_terminal
    assert all(not any(isinstance(e, SellerStatistics) for e in d.effects) for d in decisions[:-1])
    stats = statistics(decisions[-1])
    assert (stats.seller, stats.completed) == ("s-1", counts_completed)


@pytest.mark.parametrize("name", list(ENDINGS))
def test_r_stat_3_orders_canceled_while_pending_count_against_acceptance(name: str) -> None:
    steps, policy, _, accepted = ENDINGS[name]
    assert statistics(run(steps, policy=policy)[1][-1]).accepted is accepted


LATE_DELIVERY: Step = (Deliver(SELLER), DELIVERY_DUE + HOUR)


@pytest.mark.parametrize(
    ("steps", "late"),
    [
        ([ACCEPT, DELIVER, (Close(BUYER), at("2026-01-05T10:00"))], False),
        ([ACCEPT, LATE_DELIVERY, (Close(BUYER), at("2026-01-07T10:00"))], True),
        # A late delivery stays late even if the next delivery is on time.
        (
            [
                ACCEPT,
                LATE_DELIVERY,
                (RequestRevision(BUYER), at("2026-01-07T10:00")),
                (AcceptRevision(SELLER), at("2026-01-07T11:00")),  # due 10 January 10:00
                (Deliver(SELLER), at("2026-01-08T10:00")),
                (Close(BUYER), at("2026-01-08T11:00")),
            ],
            True,
        ),
        # The deadline then in force is the revision's: a second delivery after it is late.
        (
            [
                ACCEPT,
                DELIVER,
                (RequestRevision(BUYER), at("2026-01-06T10:00")),
                (AcceptRevision(SELLER), at("2026-01-06T11:00")),  # due 9 January 10:00
                (Deliver(SELLER), at("2026-01-09T10:00")),
                (Close(BUYER), at("2026-01-09T11:00")),
            ],
            True,
        ),
        ([ACCEPT, (Cancel(BUYER), DELIVERY_DUE)], True),
        ([ACCEPT, REQUEST_CANCELLATION, (AcceptCancellation(SELLER), DELIVERY_DUE + HOUR)], True),
        ([ACCEPT, REQUEST_CANCELLATION, (AcceptCancellation(SELLER), DELIVERY_DUE - HOUR)], False),
        # Frozen orders: the deadline in force when the work stopped still counts.
        (
            [
                ACCEPT,
                (OpenDispute(PLATFORM), DELIVERY_DUE - DAY),
                (ResolveDispute(PLATFORM, outcome=Outcome.REFUND), DELIVERY_DUE + HOUR),
            ],
            True,
        ),
        (
            [
                ACCEPT,
                DELIVER,
                (OpenDispute(PLATFORM), DELIVERY_DUE - HOUR),
                (ResolveDispute(PLATFORM, outcome=Outcome.REFUND), DELIVERY_DUE + DAY),
            ],
            False,
        ),
    ],
    ids=[
        "on_time_delivery",
        "late_delivery",
        "late_then_on_time",
        "late_after_revision",
        "late_cancel",
        "late_accepted_cancellation",
        "on_time_accepted_cancellation",
        "mediator_refund_after_the_deadline",
        "mediator_refund_of_a_delivered_order",
    ],
)
def test_r_stat_3_late_when_a_delivery_or_the_cancellation_came_after_the_deadline(
    steps: list[Step], late: bool
) -> None:
    assert (statistics(run(steps)[1][-1]).on_time is False) is late
