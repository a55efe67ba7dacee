"""Example tests of the revision rules (R-REV-1 .. R-REV-5) and of revision_refused (R-REF-1 .. R-REF-5).

The story is ``placement()`` (57.50 paid, seller's share 55.00, 2 + 1 delivery days), paid on
Saturday 3 January 2026 10:00 UTC, accepted at 12:00 (delivery due Tuesday 6 January 12:00) and
delivered on Monday 5 January 09:00 (review window until Monday 12 January 09:00).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest

from orderflow import (
    COMEUP,
    Accept,
    AcceptOffer,
    AcceptPartialRefund,
    AcceptRevision,
    BuyOption,
    Cancel,
    Close,
    Command,
    Deliver,
    EscrowDeposit,
    InvalidArgument,
    InvalidTransition,
    NotAllowed,
    OfferCustom,
    OpenDispute,
    PlatformRevenue,
    Policy,
    ProposePartialRefund,
    Refund,
    RefuseRevision,
    RequestRevision,
    Role,
    SellerStatistics,
    State,
    WalletCredit,
    advance,
    available_actions,
    if_nobody_acts,
    running_deadlines,
)
from orderflow.domain.events import DisputeOpened, OrderCompleted, RevisionRefused

from support import DAY, EXPIRY, HOUR, PATH, Path, Story, at, eur, reach, rejected

BUYER, SELLER, PLATFORM = Role
ZERO = Decimal(0)
ACCEPTED = at("2026-01-03T12:00")
DELIVERED = at("2026-01-05T09:00")
REQUESTED = at("2026-01-06T10:00")  # seller_answer due 8 January 10:00
REFUSED = at("2026-01-06T11:00")  # buyer_decision due 13 January 11:00
#: The usual path (accepted at ACCEPTED, delivered at DELIVERED, revision requested at REQUESTED),
#: the seller refusing the revision as out of scope at REFUSED.
REVISIONS: Path = {
    **PATH,
    State.REVISION_REFUSED: (
        State.REVISION_REQUESTED,
        RefuseRevision(SELLER, reason="out of scope"),
        REFUSED,
    ),
}


def delivered(**changes: Any) -> Story:
    return reach(State.DELIVERED, REVISIONS, **changes)


def revision_requested() -> Story:
    return reach(State.REVISION_REQUESTED, REVISIONS)


def revision_refused() -> Story:
    return reach(State.REVISION_REFUSED, REVISIONS)


def credits(effects: tuple[object, ...]) -> list[WalletCredit]:
    return [e for e in effects if isinstance(e, WalletCredit)]


# R-REV-1: 48 hours to answer.


def test_r_rev_1_seller_has_48_hours_to_accept_or_refuse() -> None:
    order = revision_requested().order
    answer_due = REQUESTED + 48 * HOUR
    assert running_deadlines(order) == {"seller_answer": answer_due, "expiry": EXPIRY}
    choices = {c.action: c for c in available_actions(order, SELLER, REQUESTED + HOUR)}
    for action, reaches in (
        ("accept_revision", State.IN_PROGRESS),
        ("refuse_revision", State.REVISION_REFUSED),
    ):
        deadline = choices[action].deadline
        assert deadline is not None
        assert (deadline.name, deadline.at, choices[action].reaches) == ("seller_answer", answer_due, reaches)


@pytest.mark.parametrize(
    "command", [AcceptRevision(BUYER), RefuseRevision(BUYER, reason="no"), AcceptRevision(PLATFORM)]
)
def test_r_rev_1_only_the_seller_answers_a_revision_request(command: Command) -> None:
    rejected(revision_requested(), command, REQUESTED + HOUR, NotAllowed)


# R-REV-2: the new deadline counts from the request.


def test_r_rev_2_worked_example_requested_saturday_accepted_monday_due_tuesday() -> None:
    saturday, monday = at("2026-01-10T10:00"), at("2026-01-12T09:00")
    assert (saturday.weekday(), monday.weekday()) == (5, 0)
    story = delivered()  # 2 days of service + a 1-day option
    story.do(RequestRevision(BUYER), saturday)
    decision = story.do(AcceptRevision(SELLER), monday)
    tuesday_10 = at("2026-01-13T10:00")
    assert tuesday_10.weekday() == 1
    assert [e.name for e in decision.events] == ["RevisionAccepted"]
    assert decision.order.state is State.IN_PROGRESS
    assert running_deadlines(decision.order) == {"delivery": tuesday_10, "expiry": EXPIRY}
    assert not decision.order.is_late(monday)


def test_r_rev_2_full_delivery_time_includes_extras_bought_during_the_order() -> None:
    story = Story.placed().run(
        [
            (Accept(SELLER), ACCEPTED),
            (BuyOption(BUYER, name="rush", price=eur("8.00"), delivery_days=2), at("2026-01-04T10:00")),
            (
                OfferCustom(SELLER, offer_id="o-1", price=eur("12.00"), delivery_days=4),
                at("2026-01-04T11:00"),
            ),
            (AcceptOffer(BUYER, offer_id="o-1"), at("2026-01-04T12:00")),
            (Deliver(SELLER), DELIVERED),
            (RequestRevision(BUYER), REQUESTED),
        ]
    )
    decision = story.do(AcceptRevision(SELLER), REFUSED)
    # 2 service + 1 option + 2 bought option + 4 custom offer = 9 days from the request.
    assert running_deadlines(decision.order)["delivery"] == REQUESTED + 9 * DAY


# R-REV-3: refuse -> revision_refused.


def test_r_rev_3_refusal_leads_to_revision_refused_and_the_buyers_decision() -> None:
    story = revision_requested()
    decision = story.do(RefuseRevision(SELLER, reason="out of scope"), REFUSED)
    (event,) = decision.events
    assert isinstance(event, RevisionRefused)
    assert event.reason == "out of scope"
    assert decision.order.state is State.REVISION_REFUSED
    assert running_deadlines(decision.order) == {"buyer_decision": REFUSED + 7 * DAY, "expiry": EXPIRY}
    assert (decision.order.ledger.escrow, decision.order.ledger.seller_credited) == (Decimal("57.50"), ZERO)


# R-REV-4: seller silence.


def test_r_rev_4_seller_silence_changes_nothing_by_itself() -> None:
    order = revision_requested().order
    later = advance(order, REQUESTED + 48 * HOUR + DAY)
    assert later.events == ()
    assert later.order.state is State.REVISION_REQUESTED
    assert "seller_answer" in running_deadlines(later.order)
    found = if_nobody_acts(order)
    assert found is not None
    due, outcome = found
    assert (due.name, due.at, outcome.order.state) == ("expiry", EXPIRY, State.EXPIRED)


def test_r_rev_4_buyer_may_open_a_dispute_once_the_48_hours_passed() -> None:
    story = revision_requested()
    answer_due = REQUESTED + 48 * HOUR
    rejected(story, OpenDispute(BUYER), answer_due - HOUR, NotAllowed)
    decision = story.do(OpenDispute(BUYER), answer_due)
    assert decision.order.state is State.DISPUTED
    assert decision.events == (DisputeOpened(at=answer_due, by=BUYER),)


# R-REV-5: no cap by default; a Policy may set one.


def revision_rounds(story: Story, rounds: int, start: datetime) -> Story:
    """``rounds`` times: the buyer asks for a revision, the seller accepts and delivers again."""
    for day in range(rounds):
        now = start + day * DAY
        story.run(
            [
                (RequestRevision(BUYER), now),
                (AcceptRevision(SELLER), now + HOUR),
                (Deliver(SELLER), now + 2 * HOUR),
            ]
        )
    return story


def test_r_rev_5_no_cap_on_revisions_by_default() -> None:
    assert COMEUP.revision_cap is None
    story = revision_rounds(delivered(), 6, REQUESTED)
    assert story.order.state is State.DELIVERED
    assert [e.name for e in story.events].count("RevisionRequested") == 6


def test_r_rev_5_a_policy_may_cap_revisions() -> None:
    capped = attrs.evolve(COMEUP, name="capped", revision_cap=2)
    story = revision_rounds(delivered(policy=capped), 2, REQUESTED)
    rejected(story, RequestRevision(BUYER), REQUESTED + 3 * DAY, InvalidTransition)


@pytest.mark.parametrize("cap", [0, -1, True, "2"])
def test_r_rev_5_revision_cap_setting_is_validated(cap: object) -> None:
    with pytest.raises(InvalidArgument):
        Policy(name="bad", version=1, revision_cap=cap)  # type: ignore[arg-type]


# R-REF-1: the buyer's two choices, within 7 days.


def test_r_ref_1_buyer_closes_and_the_seller_is_paid_to_the_wallet() -> None:
    story = revision_refused()
    decision = story.do(Close(BUYER), at("2026-01-07T10:00"))
    assert decision.order.state is State.COMPLETED
    assert [e.name for e in decision.events] == ["OrderCompleted"]
    assert credits(decision.effects) == [WalletCredit(SELLER, eur("55.00"))]
    assert PlatformRevenue(eur("2.50")) in decision.effects
    ledger = decision.order.ledger
    assert (ledger.escrow, ledger.refunded, ledger.seller_credited, ledger.platform_revenue) == (
        ZERO,
        ZERO,
        Decimal("55.00"),
        Decimal("2.50"),
    )


def test_r_ref_1_buyer_opens_a_dispute() -> None:
    now = at("2026-01-07T10:00")
    decision = revision_refused().do(OpenDispute(BUYER), now)
    assert decision.order.state is State.DISPUTED
    assert decision.events == (DisputeOpened(at=now, by=BUYER),)
    assert decision.order.ledger.escrow == Decimal("57.50")


def test_r_ref_1_the_buyer_has_seven_days_then_the_choice_is_gone() -> None:
    decision_due = REFUSED + 7 * DAY
    assert revision_refused().do(OpenDispute(BUYER), decision_due - HOUR).order.state is State.DISPUTED
    story = revision_refused()
    with pytest.raises(InvalidTransition) as info:
        story.do(OpenDispute(BUYER), decision_due)
    assert info.value.advanced is not None  # buyer_decision fired before the command
    assert info.value.advanced.order.state is State.COMPLETED


@pytest.mark.parametrize("command", [Close(SELLER), OpenDispute(SELLER)])
def test_r_ref_1_only_the_buyer_makes_the_decision(command: Command) -> None:
    rejected(revision_refused(), command, REFUSED + HOUR, NotAllowed)


# R-REF-2: the seller may still cancel.


@pytest.mark.parametrize(
    ("extras", "refund"),
    [
        ([], "57.50"),
        (
            [(BuyOption(BUYER, name="rush", price=eur("8.00"), delivery_days=1), at("2026-01-04T10:00"))],
            "65.50",
        ),
    ],
)
def test_r_ref_2_seller_cancel_refunds_everything_and_pays_the_seller_nothing(
    extras: list[tuple[Command, datetime]], refund: str
) -> None:
    story = Story.placed().run([(Accept(SELLER), ACCEPTED), *extras, (Deliver(SELLER), DELIVERED)])
    story.run([(RequestRevision(BUYER), REQUESTED), (RefuseRevision(SELLER, reason="no"), REFUSED)])
    decision = story.do(Cancel(SELLER), at("2026-01-07T10:00"))
    assert decision.order.state is State.CANCELED
    assert Refund(BUYER, eur(refund)) in decision.effects
    assert credits(decision.effects) == []
    ledger = decision.order.ledger
    assert (ledger.refunded, ledger.seller_credited, ledger.platform_revenue, ledger.escrow) == (
        Decimal(refund),
        ZERO,
        ZERO,
        ZERO,
    )
    (stats,) = [e for e in decision.effects if isinstance(e, SellerStatistics)]
    assert stats.completed is False


# R-REF-3: silence completes the order.


def test_r_ref_3_seven_days_of_buyer_silence_complete_the_order() -> None:
    order = revision_refused().order
    decision_due = REFUSED + 7 * DAY
    assert advance(order, decision_due - HOUR).events == ()
    decision = advance(order, decision_due)
    assert decision.fired == ("buyer_decision",)
    (event,) = decision.events
    assert isinstance(event, OrderCompleted)
    assert event.cause == "buyer_decision"
    assert decision.order.state is State.COMPLETED
    assert credits(decision.effects) == [WalletCredit(SELLER, eur("55.00"))]


# R-REF-4: a partial refund by agreement before the buyer decides.


def test_r_ref_4_partial_refund_agreed_before_the_buyer_decides() -> None:
    story = revision_refused()
    story.do(ProposePartialRefund(SELLER, amount=eur("15.00"), reason="goodwill"), at("2026-01-07T10:00"))
    decision = story.do(AcceptPartialRefund(BUYER), at("2026-01-07T11:00"))
    assert [e.name for e in decision.events] == ["PartialRefundAccepted"]
    assert Refund(BUYER, eur("15.00")) in decision.effects
    assert decision.order.state is State.REVISION_REFUSED
    assert running_deadlines(decision.order) == {"buyer_decision": REFUSED + 7 * DAY, "expiry": EXPIRY}
    assert (decision.order.ledger.escrow, decision.order.ledger.refunded) == (
        Decimal("42.50"),
        Decimal("15.00"),
    )
    closed = story.do(Close(BUYER), at("2026-01-07T12:00"))
    assert credits(closed.effects) == [WalletCredit(SELLER, eur("40.00"))]  # 55.00 - 15.00
    assert PlatformRevenue(eur("2.50")) in closed.effects


# R-REF-5: an extra lets the work continue, due from its acceptance.


@pytest.mark.parametrize(
    ("steps", "days", "price"),
    [
        (
            [(BuyOption(BUYER, name="pages", price=eur("8.00"), delivery_days=2), at("2026-01-08T15:00"))],
            2,
            "8.00",
        ),
        (
            [
                (
                    OfferCustom(SELLER, offer_id="o-1", price=eur("20.00"), delivery_days=4),
                    at("2026-01-07T10:00"),
                ),
                (AcceptOffer(BUYER, offer_id="o-1"), at("2026-01-08T15:00")),
            ],
            4,
            "20.00",
        ),
    ],
    ids=["option", "custom_offer"],
)
def test_r_ref_5_an_extra_returns_the_order_to_work_due_from_its_acceptance(
    steps: list[tuple[Command, datetime]], days: int, price: str
) -> None:
    story = revision_refused().run(steps)
    accepted = steps[-1][1]
    assert story.order.state is State.IN_PROGRESS
    assert running_deadlines(story.order) == {"delivery": accepted + days * DAY, "expiry": EXPIRY}
    assert EscrowDeposit(BUYER, eur(price)) in story.last.effects
    assert story.order.ledger.paid == story.order.ledger.escrow == Decimal("57.50") + Decimal(price)


def test_r_ref_5_only_the_buyer_buys_an_option() -> None:
    command = BuyOption(SELLER, name="pages", price=eur("8.00"), delivery_days=2)
    rejected(revision_refused(), command, REFUSED + HOUR, NotAllowed)
