"""What rejections say: refusals name the state, action, actor and what is allowed (R-ERR-1), and
amount and time errors name the field at fault; plus the exact boundaries of the amount checks."""

from __future__ import annotations

import pickle
from datetime import datetime
from decimal import Decimal

import attrs
import pytest

from orderflow import (
    COMEUP,
    AcceptPartialRefund,
    AcceptRevision,
    Cancel,
    Close,
    CurrencyMismatch,
    Deliver,
    InvalidAmount,
    InvalidTime,
    InvalidTransition,
    Money,
    NotAllowed,
    Notification,
    Option,
    OrderflowError,
    ProposePartialRefund,
    RequestRevision,
    ResolveDispute,
    Role,
    State,
    WithdrawPartialRefund,
    decide,
    place_order,
)
from orderflow.domain.money import checked_amount, minor_units

from support import HOUR, Story, at, eur, placement, reach

BUYER, SELLER, PLATFORM = Role


def refusal(story: Story, command: object, now: datetime) -> OrderflowError:
    with pytest.raises(OrderflowError) as caught:
        decide(story.order, command, now)  # type: ignore[arg-type]
    return caught.value


def test_r_err_1_invalid_transition_names_the_state_action_actor_and_what_is_allowed() -> None:
    story = Story.placed()
    error = refusal(story, Close(BUYER), at("2026-01-03T11:00"))
    assert isinstance(error, InvalidTransition)
    assert (error.state, error.action, error.actor) == ("pending", "close", "buyer")
    assert error.allowed == {
        "buyer": ("cancel",),
        "seller": ("accept", "cancel"),
        "platform": ("open_dispute", "hold"),
    }
    message = str(error)
    assert "close" in message
    assert "pending" in message
    assert "buyer may cancel; seller may accept, cancel; platform may open_dispute, hold" in message


def test_r_err_1_not_allowed_names_who_may_act_instead() -> None:
    story = reach(State.REVISION_REFUSED)
    error = refusal(story, Close(SELLER), story.order.updated_at + HOUR)
    assert isinstance(error, NotAllowed)
    assert (error.state, error.action, error.actor) == ("revision_refused", "close", "seller")
    assert "close" in error.allowed["buyer"]
    assert "seller may not close while the order is revision_refused" in str(error)


@pytest.mark.parametrize(
    ("answer", "by", "expected"),
    [
        (AcceptPartialRefund(SELLER), SELLER, "only the other party (not seller) may accept_partial_refund"),
        (WithdrawPartialRefund(BUYER), SELLER, "only its proposer (seller) may withdraw_partial_refund"),
    ],
)
def test_r_part_1_a_wrong_party_on_a_proposal_is_told_who_may(
    answer: object, by: Role, expected: str
) -> None:
    story = reach(State.DELIVERED)
    story.do(ProposePartialRefund(by, amount=eur("5.00"), reason="late"), story.order.updated_at)
    error = refusal(story, answer, story.order.updated_at)
    assert isinstance(error, NotAllowed)
    assert expected in str(error)
    assert (error.state, error.actor) == ("delivered", answer.actor.value)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": eur("-1.00")}, "price"),
        ({"options": (Option("express", eur("0.00"), 1),)}, "option"),
        ({"tip": eur("40.00")}, "tip"),
        ({"platform_fee": eur("1.001")}, "platform_fee"),
        ({"tax": eur("-2.00")}, "tax"),
        ({"bank_fee": Money("1.00", "USD")}, "bank_fee"),
    ],
)
def test_r_money_6_a_bad_amount_at_placement_names_its_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidAmount) as caught:
        place_order(placement(**changes))
    assert field in str(caught.value)


def test_r_time_1_a_naive_payment_time_is_named() -> None:
    with pytest.raises(InvalidTime) as caught:
        place_order(placement(paid_at=datetime(2026, 1, 3, 10)))
    assert "paid_at" in str(caught.value)
    assert "naive" in str(caught.value)


def test_r_disp_2_a_split_too_large_names_the_buyer_amount_and_the_share() -> None:
    story = reach(State.DISPUTED)
    split = ResolveDispute(PLATFORM, outcome="split", buyer_amount=eur("55.00"))
    error = refusal(story, split, story.order.updated_at + HOUR)
    assert isinstance(error, InvalidAmount)
    assert "buyer_amount 55.00 must be less than the seller's share in escrow, 55.00" in str(error)


def test_r_money_6_an_amount_exactly_at_the_cap_is_accepted_and_one_cent_more_is_not() -> None:
    cap = Decimal("100.00")
    assert checked_amount(eur("100.00"), "EUR", cap=cap) == cap
    with pytest.raises(InvalidAmount, match="over the cap"):
        checked_amount(eur("100.01"), "EUR", cap=cap)


@pytest.mark.parametrize(
    ("currency", "units", "good", "bad"),
    [
        ("EUR", 2, "0.01", "0.001"),
        ("CHF", 2, "0.01", "0.001"),
        ("JPY", 0, "1", "0.5"),
        ("KWD", 3, "0.001", "0.0001"),
    ],
)
def test_r_money_6_minor_units_decide_how_many_decimals_an_amount_may_have(
    currency: str, units: int, good: str, bad: str
) -> None:
    assert minor_units(currency) == units
    assert checked_amount(Money(good, currency), currency, cap=Decimal(10)) == Decimal(good)
    with pytest.raises(InvalidAmount, match="more decimals"):
        checked_amount(Money(bad, currency), currency, cap=Decimal(10))


def test_r_money_6_zero_amounts_have_the_currency_decimals() -> None:
    order = place_order(placement(price=Money("4000", "JPY"), options=(), tip=None, platform_fee=None)).order
    assert str(order.ledger.refunded) == "0"
    assert str(order.terms.tax) == "0"
    assert str(place_order(placement()).order.ledger.refunded) == "0.00"


def test_r_money_6_another_currency_is_named() -> None:
    with pytest.raises(CurrencyMismatch) as caught:
        checked_amount(Money("1.00", "USD"), "EUR", cap=Decimal(10), what="price")
    assert str(caught.value) == "price is in USD, the order is in EUR"


def test_r_money_1_a_placed_order_keeps_its_parties_and_payment_and_tells_the_seller() -> None:
    decision = place_order(placement())
    terms = decision.order.terms
    assert (terms.order_id, terms.buyer, terms.seller, terms.paid_at) == (
        "o-1",
        "b-1",
        "s-1",
        at("2026-01-03T10:00"),
    )
    assert decision.effects == (Notification(SELLER, "OrderPlaced"),)


def test_r_money_6_a_service_price_of_zero_is_refused() -> None:
    with pytest.raises(InvalidAmount, match="price must be positive"):
        place_order(placement(price=eur("0.00")))


def test_an_order_total_exactly_at_the_cap_is_accepted_and_one_cent_more_is_not() -> None:
    capped = attrs.evolve(COMEUP, max_amount=Decimal("57.50"))
    assert place_order(placement(policy=capped)).order.ledger.paid == Decimal("57.50")
    with pytest.raises(InvalidAmount, match=r"total 57\.51 is over the cap"):
        place_order(placement(policy=capped, tip=eur("5.01")))


@pytest.mark.parametrize("command", [Close(BUYER), ResolveDispute(PLATFORM, "release")], ids=str)
def test_a_refusal_survives_pickling_across_processes(command: object) -> None:
    """A multiprocessing worker sends its exceptions pickled: a refusal keeps class, text and facts."""
    error = refusal(Story.placed(), command, at("2026-01-03T11:00"))
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(error, (InvalidTransition, NotAllowed))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert (copy.state, copy.action, copy.actor, copy.allowed) == (
        error.state,
        error.action,
        error.actor,
        error.allowed,
    )


# A refusal says which situation blocked it (issue 13 item 9).
def test_r_late_2_a_buyers_cancel_before_the_deadline_says_the_order_is_not_late_yet() -> None:
    story = reach(State.IN_PROGRESS)
    error = refusal(story, Cancel(BUYER), story.order.updated_at + HOUR)
    assert isinstance(error, NotAllowed)
    expected = "buyer may not cancel while the order is in_progress: the order is not late yet (R-LATE-2)"
    assert expected in str(error)


def test_r_rev_5_a_revision_past_the_cap_says_the_cap_was_reached() -> None:
    story = reach(State.DELIVERED, policy=attrs.evolve(COMEUP, name="capped", revision_cap=1))
    story.do(RequestRevision(BUYER), story.order.updated_at + HOUR)
    story.do(AcceptRevision(SELLER), story.order.updated_at + HOUR)
    story.do(Deliver(SELLER), story.order.updated_at + HOUR)
    error = refusal(story, RequestRevision(BUYER), story.order.updated_at + HOUR)
    assert isinstance(error, InvalidTransition)
    expected = "request_revision while the order is delivered: the revision cap of 1 was reached (R-REV-5)"
    assert expected in str(error)


def test_a_refusal_blocked_by_no_situation_gives_no_reason() -> None:
    error = refusal(Story.placed(), Close(BUYER), at("2026-01-03T11:00"))
    assert "while the order is pending; allowed here" in str(error)
