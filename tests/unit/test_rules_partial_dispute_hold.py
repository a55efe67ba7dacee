"""Example tests of partial refunds (R-PART-1 .. R-PART-3), disputes (R-DISP-1 .. R-DISP-3) and holds
(R-HOLD-1).

Orders are ``placement()``: 57.50 paid (55.00 seller's share + 2.50 fee), 3 delivery days, paid on
3 January 2026 10:00 UTC, expiring 3 June 2026 10:00. ``reach(state)`` walks one fixed path to
each state; every step happens by 6 January 12:00.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from orderflow import (
    AcceptPartialRefund,
    AcceptRevision,
    BuyOption,
    Cancel,
    Close,
    Command,
    CurrencyMismatch,
    DeclinePartialRefund,
    Deliver,
    Hold,
    InvalidAmount,
    InvalidArgument,
    InvalidTransition,
    Money,
    NotAllowed,
    OfferCustom,
    OpenDispute,
    OrderflowError,
    Outcome,
    PlatformRevenue,
    ProposePartialRefund,
    Refund,
    ReleaseHold,
    ResolveDispute,
    Role,
    SellerStatistics,
    State,
    UnknownReference,
    WalletCredit,
    WithdrawPartialRefund,
    advance,
    if_nobody_acts,
    running_deadlines,
)
from orderflow.domain.events import CustomOfferClosed, DisputeOpened, PartialRefundClosed

from support import DAY, EXPIRY, HOUR, PATH, Story, at, eur, reach, rejected

BUYER, SELLER, PLATFORM = Role
LATER = at("2026-07-01T00:00")  # past every deadline of every path, expiry included

ACTIVE = [State.PENDING, *(s for s in PATH if not (s.is_terminal or s.is_frozen))]
PROPOSING = [s for s in ACTIVE if s is not State.PENDING]


def soon(story: Story) -> datetime:
    """An hour after the story's last event: no deadline of any path falls due by then."""
    return story.order.updated_at + HOUR


def propose(by: Role, amount: str = "15.00") -> ProposePartialRefund:
    return ProposePartialRefund(by, amount=eur(amount), reason="agreed")


def other(role: Role) -> Role:
    return SELLER if role is BUYER else BUYER


# R-PART-1: propose, answer, withdraw; one proposal at a time.


@pytest.mark.parametrize("proposer", [BUYER, SELLER])
def test_r_part_1_the_other_party_accepts_or_declines(proposer: Role) -> None:
    story = reach(State.DELIVERED)
    now = soon(story)
    story.do(propose(proposer), now)
    declined = story.do(DeclinePartialRefund(other(proposer)), now)
    assert [e.name for e in declined.events] == ["PartialRefundDeclined"]
    assert (story.order.proposal, story.order.ledger.escrow) == (None, Decimal("57.50"))
    story.do(propose(proposer), now)
    accepted = story.do(AcceptPartialRefund(other(proposer)), now)
    assert [e.name for e in accepted.events] == ["PartialRefundAccepted"]


@pytest.mark.parametrize("proposer", [BUYER, SELLER])
@pytest.mark.parametrize("answer", [AcceptPartialRefund, DeclinePartialRefund])
def test_r_part_1_the_proposer_cannot_answer_their_own_proposal(
    proposer: Role, answer: type[AcceptPartialRefund | DeclinePartialRefund]
) -> None:
    story = reach(State.DELIVERED)
    story.do(propose(proposer), soon(story))
    rejected(story, answer(proposer), soon(story), NotAllowed)


def test_r_part_1_only_the_proposer_withdraws_and_only_until_accepted() -> None:
    story = reach(State.DELIVERED)
    now = soon(story)
    story.do(propose(SELLER), now)
    rejected(story, WithdrawPartialRefund(BUYER), now, NotAllowed)
    withdrawn = story.do(WithdrawPartialRefund(SELLER), now)
    assert [e.name for e in withdrawn.events] == ["PartialRefundWithdrawn"]
    assert story.order.proposal is None
    story.do(propose(SELLER), now)
    story.do(AcceptPartialRefund(BUYER), now)
    rejected(story, WithdrawPartialRefund(SELLER), now, UnknownReference)


@pytest.mark.parametrize("second_by", [BUYER, SELLER])
def test_r_part_1_one_open_proposal_at_a_time(second_by: Role) -> None:
    story = reach(State.IN_PROGRESS)
    story.do(propose(SELLER), soon(story))
    rejected(story, propose(second_by, "5.00"), soon(story), InvalidTransition)


def test_r_part_1_the_platform_does_not_propose() -> None:
    story = reach(State.DELIVERED)
    rejected(story, propose(PLATFORM), soon(story), NotAllowed)


# R-PART-2: the amount leaves escrow at once; 0 < amount < seller's share in escrow.


def test_r_part_2_accepted_amount_is_refunded_at_once_and_the_order_goes_on() -> None:
    story = reach(State.DELIVERED)
    deadlines = running_deadlines(story.order)
    story.do(propose(SELLER, "20.00"), soon(story))
    decision = story.do(AcceptPartialRefund(BUYER), soon(story))
    assert [e for e in decision.effects if isinstance(e, Refund)] == [Refund(BUYER, eur("20.00"))]
    assert decision.order.state is State.DELIVERED
    assert running_deadlines(decision.order) == deadlines
    assert (decision.order.ledger.escrow, decision.order.ledger.refunded) == (
        Decimal("37.50"),
        Decimal("20.00"),
    )
    closed = story.do(Close(BUYER), soon(story))
    assert WalletCredit(SELLER, eur("35.00")) in closed.effects  # 55.00 - 20.00
    assert PlatformRevenue(eur("2.50")) in closed.effects


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        (eur("55.00"), InvalidAmount),  # the whole share: that is a cancellation
        (eur("57.50"), InvalidAmount),
        (eur("0.00"), InvalidAmount),
        (eur("-1"), InvalidAmount),
        (eur("10.001"), InvalidAmount),
        (Money("10.00", "USD"), CurrencyMismatch),
    ],
)
def test_r_part_2_amount_must_be_below_the_sellers_share_in_escrow(
    amount: Money, error: type[OrderflowError]
) -> None:
    story = reach(State.DELIVERED)
    rejected(story, ProposePartialRefund(BUYER, amount=amount, reason="x"), soon(story), error)


def test_r_part_2_bound_is_what_remains_after_earlier_refunds() -> None:
    story = reach(State.DELIVERED)
    now = soon(story)
    story.do(propose(BUYER, "54.99"), now)  # just under 55.00
    story.do(WithdrawPartialRefund(BUYER), now)
    story.do(propose(BUYER, "15.00"), now)
    story.do(AcceptPartialRefund(SELLER), now)
    rejected(story, propose(BUYER, "40.00"), now, InvalidAmount)  # 55.00 - 15.00 left
    assert story.do(propose(BUYER, "39.99"), now).order.proposal is not None


# R-PART-3: where proposals are possible, and what closes them.


@pytest.mark.parametrize("state", PROPOSING)
def test_r_part_3_proposals_possible_in_working_states(state: State) -> None:
    story = reach(state)
    decision = story.do(propose(BUYER), soon(story))
    assert decision.order.state is state
    assert [e.name for e in decision.events] == ["PartialRefundProposed"]


@pytest.mark.parametrize("state", [s for s in State if s not in PROPOSING])
def test_r_part_3_no_proposal_elsewhere(state: State) -> None:
    story = reach(state)
    rejected(story, propose(BUYER), soon(story), InvalidTransition)


def with_offer_and_proposal() -> Story:
    story = reach(State.REVISION_REFUSED)
    now = soon(story)
    story.do(OfferCustom(SELLER, offer_id="o-1", price=eur("20.00"), delivery_days=2), now)
    story.do(propose(SELLER), now)
    return story


@pytest.mark.parametrize(
    ("command", "state"),
    [
        (OpenDispute(BUYER), State.DISPUTED),
        (OpenDispute(PLATFORM), State.DISPUTED),
        (Cancel(SELLER), State.CANCELED),
        (Close(BUYER), State.COMPLETED),
    ],
)
def test_r_part_3_dispute_or_end_closes_open_proposal_and_offers(command: Command, state: State) -> None:
    story = with_offer_and_proposal()
    now = soon(story)
    decision = story.do(command, now)
    assert decision.order.state is state
    assert decision.events[1:] == (CustomOfferClosed(at=now, offer_id="o-1"), PartialRefundClosed(at=now))
    assert (decision.order.proposal, decision.order.offers) == (None, ())


def test_r_part_3_an_end_by_timer_closes_them_too() -> None:
    story = with_offer_and_proposal()
    decision_due = at("2026-01-13T11:00")  # refused 6 January 11:00 + 7 days; the offer lapses later
    decision = story.wait(decision_due)
    assert [e.name for e in decision.events] == ["OrderCompleted", "CustomOfferClosed", "PartialRefundClosed"]


def test_r_part_3_a_hold_does_not_close_them() -> None:
    story = with_offer_and_proposal()
    now = soon(story)
    story.do(Hold(PLATFORM), now)
    released = story.do(ReleaseHold(PLATFORM), now + DAY)
    assert released.order.proposal is not None
    assert [o.offer_id for o in released.order.offers] == ["o-1"]
    accepted = story.do(AcceptPartialRefund(BUYER), now + DAY)
    assert Refund(BUYER, eur("15.00")) in accepted.effects


# R-DISP-1: a dispute freezes the order.


@pytest.mark.parametrize(
    "command",
    [
        Close(BUYER),
        Cancel(BUYER),
        Cancel(SELLER),
        Deliver(SELLER),
        OpenDispute(BUYER),
        propose(SELLER),
        BuyOption(BUYER, name="pages", price=eur("8.00"), delivery_days=1),
        OfferCustom(SELLER, offer_id="o-2", price=eur("8.00"), delivery_days=1),
    ],
)
def test_r_disp_1_no_party_action_while_disputed(command: Command) -> None:
    story = reach(State.DISPUTED)
    rejected(story, command, soon(story), InvalidTransition)


def test_r_disp_1_no_timer_fires_while_disputed() -> None:
    order = reach(State.DISPUTED).order
    assert running_deadlines(order) == {}
    assert if_nobody_acts(order) is None
    later = advance(order, LATER)  # past buyer_decision and expiry
    assert (later.events, later.order.state) == ((), State.DISPUTED)


def test_r_disp_1_a_dispute_shifts_no_deadline() -> None:
    story = reach(State.DISPUTED)
    decision = story.do(ResolveDispute(PLATFORM, outcome=Outcome.RESTART), at("2026-02-01T10:00"))
    assert running_deadlines(decision.order)["expiry"] == EXPIRY


# R-DISP-2: the mediator's final decision.


@pytest.mark.parametrize(
    ("command", "state", "refund", "credit", "revenue"),
    [
        (ResolveDispute(PLATFORM, outcome=Outcome.REFUND), State.CANCELED, "57.50", None, None),
        (
            ResolveDispute(PLATFORM, outcome=Outcome.SPLIT, buyer_amount=eur("20.00")),
            State.COMPLETED,
            "20.00",
            "35.00",
            "2.50",
        ),
        (
            ResolveDispute(PLATFORM, outcome=Outcome.SPLIT, buyer_amount=eur("54.99")),
            State.COMPLETED,
            "54.99",
            "0.01",
            "2.50",
        ),
        (ResolveDispute(PLATFORM, outcome=Outcome.RELEASE), State.COMPLETED, None, "55.00", "2.50"),
    ],
    ids=["refund", "split", "split_max", "release"],
)
def test_r_disp_2_mediator_settles_the_money(
    command: ResolveDispute, state: State, refund: str | None, credit: str | None, revenue: str | None
) -> None:
    decision = reach(State.DISPUTED).do(command, at("2026-01-08T10:00"))
    assert decision.order.state is state
    assert [e for e in decision.effects if isinstance(e, Refund)] == (
        [Refund(BUYER, eur(refund))] if refund else []
    )
    assert [e for e in decision.effects if isinstance(e, WalletCredit)] == (
        [WalletCredit(SELLER, eur(credit))] if credit else []
    )
    assert [e for e in decision.effects if isinstance(e, PlatformRevenue)] == (
        [PlatformRevenue(eur(revenue))] if revenue else []
    )
    assert decision.order.ledger.escrow == 0
    (stats,) = [e for e in decision.effects if isinstance(e, SellerStatistics)]
    assert stats.completed is (state is State.COMPLETED)


def test_r_disp_2_restart_counts_the_full_delivery_time_from_the_decision() -> None:
    story = reach(State.IN_PROGRESS)
    story.do(BuyOption(BUYER, name="pages", price=eur("8.00"), delivery_days=2), at("2026-01-04T10:00"))
    story.do(OpenDispute(PLATFORM), at("2026-01-04T11:00"))
    decided = at("2026-01-10T10:00")
    decision = story.do(ResolveDispute(PLATFORM, outcome=Outcome.RESTART), decided)
    assert [e.name for e in decision.events] == ["OrderRestarted"]
    assert decision.order.state is State.IN_PROGRESS
    assert running_deadlines(decision.order) == {"delivery": decided + 5 * DAY, "expiry": EXPIRY}  # 2+1+2
    assert decision.order.ledger.escrow == Decimal("65.50")


@pytest.mark.parametrize("outcome", list(Outcome))
def test_r_disp_2_the_decision_is_final(outcome: Outcome) -> None:
    story = reach(State.DISPUTED)
    amount = eur("20.00") if outcome is Outcome.SPLIT else None
    story.do(ResolveDispute(PLATFORM, outcome=outcome, buyer_amount=amount), at("2026-01-08T10:00"))
    again = ResolveDispute(PLATFORM, outcome=Outcome.RELEASE)
    rejected(story, again, at("2026-01-08T11:00"), InvalidTransition)


@pytest.mark.parametrize("role", [BUYER, SELLER])
def test_r_disp_2_only_the_platform_decides(role: Role) -> None:
    story = reach(State.DISPUTED)
    rejected(story, ResolveDispute(role, outcome=Outcome.RELEASE), soon(story), NotAllowed)


@pytest.mark.parametrize(
    ("amount", "error"),
    [(eur("55.00"), InvalidAmount), (eur("0.00"), InvalidAmount), (Money("20.00", "USD"), CurrencyMismatch)],
)
def test_r_disp_2_split_gives_the_buyer_less_than_the_sellers_share(
    amount: Money, error: type[OrderflowError]
) -> None:
    story = reach(State.DISPUTED)
    rejected(story, ResolveDispute(PLATFORM, outcome=Outcome.SPLIT, buyer_amount=amount), soon(story), error)


@pytest.mark.parametrize(
    ("outcome", "amount"), [(Outcome.SPLIT, None), (Outcome.RELEASE, eur("20.00")), ("halve", None)]
)
def test_r_disp_2_outcome_and_buyer_amount_are_checked(outcome: object, amount: Money | None) -> None:
    with pytest.raises(InvalidArgument):
        ResolveDispute(PLATFORM, outcome=outcome, buyer_amount=amount)


# R-DISP-3: who may open a dispute.


def test_r_disp_3_buyer_opens_from_revision_refused() -> None:
    story = reach(State.REVISION_REFUSED)
    now = soon(story)
    decision = story.do(OpenDispute(BUYER), now)
    assert decision.events == (DisputeOpened(at=now, by=BUYER),)


@pytest.mark.parametrize(
    ("state", "answer_due"),
    [
        (State.CANCELLATION_REQUESTED, at("2026-01-06T10:00")),
        (State.REVISION_REQUESTED, at("2026-01-08T10:00")),
    ],
)
def test_r_disp_3_buyer_opens_from_a_request_once_the_seller_answer_passed(
    state: State, answer_due: datetime
) -> None:
    story = reach(state)
    assert running_deadlines(story.order)["seller_answer"] == answer_due
    rejected(story, OpenDispute(BUYER), answer_due - HOUR, NotAllowed)
    decision = story.do(OpenDispute(BUYER), answer_due)
    assert decision.events[-1] == DisputeOpened(at=answer_due, by=BUYER)
    assert decision.order.state is State.DISPUTED


@pytest.mark.parametrize("state", [State.PENDING, State.IN_PROGRESS, State.DELIVERED])
def test_r_disp_3_buyer_may_not_open_elsewhere(state: State) -> None:
    story = reach(state)
    rejected(story, OpenDispute(BUYER), soon(story), NotAllowed)


@pytest.mark.parametrize("state", ACTIVE)
def test_r_disp_3_platform_opens_in_any_active_state(state: State) -> None:
    story = reach(state)
    now = soon(story)
    decision = story.do(OpenDispute(PLATFORM), now)
    assert decision.events[0] == DisputeOpened(at=now, by=PLATFORM)
    assert decision.order.state is State.DISPUTED


@pytest.mark.parametrize("state", [s for s in State if s not in ACTIVE])
def test_r_disp_3_platform_does_not_open_in_frozen_or_terminal_states(state: State) -> None:
    story = reach(state)
    rejected(story, OpenDispute(PLATFORM), soon(story), InvalidTransition)


@pytest.mark.parametrize(
    ("state", "wait"),
    [
        *((s, HOUR) for s in ACTIVE),
        (State.CANCELLATION_REQUESTED, 3 * DAY),
        (State.REVISION_REQUESTED, 3 * DAY),
    ],
)
def test_r_disp_3_seller_never_opens_a_dispute(state: State, wait: timedelta) -> None:
    story = reach(state)  # 3 days: after the seller_answer deadline of a request
    rejected(story, OpenDispute(SELLER), story.order.updated_at + wait, NotAllowed)


# R-HOLD-1: staff holds freeze every timer and shift every deadline on release.


@pytest.mark.parametrize("state", [*ACTIVE, State.DISPUTED])
def test_r_hold_1_release_returns_to_the_state_with_deadlines_shifted(state: State) -> None:
    story = reach(state)
    deadlines = running_deadlines(story.order)
    held_at, released_at = soon(story), soon(story) + 3 * DAY
    held = story.do(Hold(PLATFORM), held_at)
    assert (held.order.state, [e.name for e in held.events]) == (State.ON_HOLD, ["OrderHeld"])
    released = story.do(ReleaseHold(PLATFORM), released_at)
    assert [e.name for e in released.events] == ["HoldReleased"]
    assert released.order.state is state
    assert running_deadlines(released.order) == {name: due + 3 * DAY for name, due in deadlines.items()}


def test_r_hold_1_a_hold_stops_every_timer_and_shifts_offers_and_expiry() -> None:
    story = reach(State.REVISION_REFUSED)
    held_at = soon(story)
    story.do(OfferCustom(SELLER, offer_id="o-1", price=eur("20.00"), delivery_days=2), held_at)
    deadlines = running_deadlines(story.order)
    assert set(deadlines) == {"offer:o-1", "buyer_decision", "expiry"}
    story.do(Hold(PLATFORM), held_at)
    assert running_deadlines(story.order) == {}
    assert story.wait(LATER).events == ()  # past buyer_decision, the offer's lapse and expiry
    story.do(ReleaseHold(PLATFORM), LATER)
    assert story.order.state is State.REVISION_REFUSED
    assert running_deadlines(story.order) == {
        name: due + (LATER - held_at) for name, due in deadlines.items()
    }


@pytest.mark.parametrize("state", [State.COMPLETED, State.CANCELED, State.EXPIRED])
def test_r_hold_1_no_hold_on_a_terminal_order(state: State) -> None:
    story = reach(state)
    rejected(story, Hold(PLATFORM), soon(story), InvalidTransition)


@pytest.mark.parametrize("command", [Hold(BUYER), Hold(SELLER)])
def test_r_hold_1_only_staff_hold(command: Command) -> None:
    story = reach(State.IN_PROGRESS)
    rejected(story, command, soon(story), NotAllowed)


@pytest.mark.parametrize("command", [ReleaseHold(BUYER), ReleaseHold(SELLER)])
def test_r_hold_1_only_staff_release(command: Command) -> None:
    story = reach(State.ON_HOLD)
    rejected(story, command, soon(story), NotAllowed)


def test_r_hold_1_a_hold_also_shifts_the_revision_request_new_deadlines_count_from() -> None:
    """R-REV-2 counts from the request time: after a hold, from the request shifted by the hold."""
    story = reach(State.REVISION_REQUESTED)  # requested 6 January 10:00, 3 delivery days
    story.do(Hold(PLATFORM), at("2026-01-06T12:00"))
    story.do(ReleaseHold(PLATFORM), at("2026-01-16T12:00"))  # held 10 days
    story.do(AcceptRevision(SELLER), at("2026-01-16T13:00"))
    assert running_deadlines(story.order)["delivery"] == at("2026-01-19T10:00")
    assert not story.order.is_late(at("2026-01-16T13:00"))
