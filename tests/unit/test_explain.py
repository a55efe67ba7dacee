"""``orderflow.explain``: explanations built from the model, checked against the rule book."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from orderflow import COMEUP, FIVERR_LIKE, InvalidTime, Money, Role, State
from orderflow.explain import Explanation, Move, explain, representative

BUYER, SELLER, PLATFORM = Role
DAY = timedelta(days=1)


def explained(state: State, role: Role = SELLER, later: timedelta = timedelta(0)) -> Explanation:
    order = representative(state)
    return explain(order, role, order.updated_at + later)


def move(moves: tuple[Move, ...], action: str) -> Move:
    (found,) = [m for m in moves if m.action == action]
    return found


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


@pytest.mark.parametrize("state", list(State))
def test_representative_orders_reach_their_state_under_every_preset(state: State) -> None:
    for policy in (COMEUP, FIVERR_LIKE):
        order = representative(state, policy)
        assert order.state is state
        assert order.policy is policy
        assert order.ledger.paid == Decimal("57.50")


@pytest.mark.parametrize("state", [State.CANCELED, State.EXPIRED])
def test_r_end_3_ended_orders_offer_nothing_to_anyone(state: State) -> None:
    e = explained(state)
    assert all(not moves for moves in e.moves.values())
    assert e.deadlines == ()
    assert e.if_nobody_acts is None


def test_r_end_1_a_completed_order_only_takes_the_buyers_review_within_its_window() -> None:
    e = explained(State.COMPLETED, BUYER)
    assert [(m.role, m.action) for r in Role for m in e.moves[r]] == [(BUYER, "review")]
    review = e.yours[0]
    assert review.deadline is not None
    assert review.deadline.at == e.order.review_until
    assert review.args == {}  # the stand-in rating is not a choice shown


@pytest.mark.parametrize("state", [State.DISPUTED, State.ON_HOLD])
def test_r_disp_1_frozen_orders_run_no_deadline_and_only_the_platform_acts(state: State) -> None:
    e = explained(state)
    assert e.deadlines == ()
    assert e.moves[BUYER] == ()
    assert e.moves[SELLER] == ()
    assert e.moves[PLATFORM]


def test_r_ref_1_seed_the_buyers_two_choices_within_7_days() -> None:
    e = explained(State.REVISION_REFUSED)
    close, dispute = move(e.moves[BUYER], "close"), move(e.moves[BUYER], "open_dispute")
    for choice in (close, dispute):
        assert choice.deadline is not None
        assert choice.deadline.name == "buyer_decision"
        assert choice.deadline.at - e.now == 7 * DAY
    assert close.result is not None
    assert close.result.state is State.COMPLETED
    assert close.result.paid_out == {BUYER: eur("0.00"), SELLER: eur("55.00"), PLATFORM: eur("2.50")}
    credit = [c for c in close.result.consequences if c.kind == "wallet_credit"]
    assert [(c.party, c.amount and c.amount.money) for c in credit] == [(SELLER, eur("55.00"))]
    assert dispute.result is not None
    assert dispute.result.state is State.DISPUTED


def test_r_ref_2_seed_a_cancellation_refunds_all_pays_the_seller_nothing_and_hurts_completion() -> None:
    cancel = move(explained(State.REVISION_REFUSED).yours, "cancel")
    assert cancel.result is not None
    assert cancel.result.exact
    assert cancel.result.state is State.CANCELED
    assert cancel.result.paid_out == {BUYER: eur("57.50"), SELLER: eur("0.00"), PLATFORM: eur("0.00")}
    (stats,) = [c for c in cancel.result.consequences if c.kind == "seller_statistics"]
    assert stats.hurts == ("completion rate",)


def test_r_ref_4_seed_a_partial_refund_by_agreement_leaves_escrow_for_the_buyer_on_acceptance() -> None:
    propose = move(explained(State.REVISION_REFUSED).yours, "propose_partial_refund")
    assert propose.needs == ("amount", "reason")
    assert propose.result is not None
    assert propose.result.state is State.REVISION_REFUSED
    assert propose.result.consequences == ()  # nothing moves until the buyer accepts
    accept = move(propose.then, "accept_partial_refund")
    assert accept.role is BUYER
    assert accept.result is not None
    (refund,) = accept.result.consequences
    assert (refund.kind, refund.party) == ("refund", BUYER)
    assert refund.amount is not None
    assert refund.amount.argument == "amount"
    assert {m.action for m in propose.then} == {
        "accept_partial_refund",
        "decline_partial_refund",
        "withdraw_partial_refund",
    }


def test_r_ref_5_seed_an_option_or_a_custom_offer_lets_the_work_continue() -> None:
    e = explained(State.REVISION_REFUSED)
    option = move(e.moves[BUYER], "buy_option")
    assert option.result is not None
    assert option.result.state is State.IN_PROGRESS
    (deposit,) = option.result.consequences
    assert deposit.kind == "escrow_deposit"
    assert deposit.amount is not None
    assert deposit.amount.argument == "price"
    offer = move(e.yours, "offer_custom")
    assert "chat" in offer.about  # the buyer asks for a custom offer in the chat
    accepted = move(offer.then, "accept_offer")
    assert accepted.role is BUYER
    assert accepted.result is not None
    assert accepted.result.state is State.IN_PROGRESS


def test_r_ref_3_if_nobody_acts_the_order_completes_after_7_days() -> None:
    e = explained(State.REVISION_REFUSED)
    assert e.if_nobody_acts is not None
    due, result = e.if_nobody_acts
    assert (due.name, due.at - e.now) == ("buyer_decision", 7 * DAY)
    assert result.state is State.COMPLETED
    assert result.fired == ("buyer_decision",)
    assert result.paid_out is not None
    assert result.paid_out[SELLER] == eur("55.00")


def test_r_late_2_the_delivery_deadline_opens_the_buyers_cancel_and_closes_the_request() -> None:
    e = explained(State.IN_PROGRESS, BUYER)
    (delivery,) = [n for n in e.deadlines if n.name == "delivery"]
    assert not delivery.fires
    assert delivery.opens == {BUYER: ("cancel",)}
    assert delivery.closes == {BUYER: ("request_cancellation",)}
    assert "R-LATE-2" in delivery.rules
    (expiry,) = [n for n in e.deadlines if n.name == "expiry"]
    assert expiry.fires
    assert expiry.reaches is State.EXPIRED


def test_r_disp_2_a_split_reports_the_buyers_amount_and_a_seller_credit_depending_on_it() -> None:
    e = explained(State.DISPUTED)
    (split,) = [m for m in e.moves[PLATFORM] if m.args.get("outcome") == "split"]
    assert split.needs == ("buyer_amount",)
    assert split.result is not None
    assert split.result.state is State.COMPLETED
    assert not split.result.exact
    amounts = {c.kind: c.amount for c in split.result.consequences if c.amount is not None}
    assert amounts["refund"] is not None
    assert amounts["refund"].argument == "buyer_amount"
    assert amounts["wallet_credit"] is not None
    assert amounts["wallet_credit"].depends_on == ("buyer_amount",)
    assert amounts["platform_revenue"] is not None
    assert amounts["platform_revenue"].money == eur("2.50")


def test_r_time_2_explaining_later_fires_the_deadlines_due_by_then() -> None:
    e = explained(State.REVISION_REFUSED, SELLER, 8 * DAY)
    assert e.fired == ("buyer_decision",)
    assert e.order.state is State.COMPLETED


def test_r_time_1_a_naive_or_earlier_time_is_refused() -> None:
    order = representative(State.DELIVERED)
    with pytest.raises(InvalidTime):
        explain(order, BUYER, datetime(2026, 1, 6))
    with pytest.raises(InvalidTime):
        explain(order, BUYER, order.updated_at - DAY)
