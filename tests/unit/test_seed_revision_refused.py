"""The seed page (a revision request refused), regenerated from the guidance API alone.

Every fact the page tells a seller about an order in revision_refused is derived here from
``available_actions``, ``preview`` and ``if_nobody_acts``: the buyer's two choices and their 7 days,
the partial refund, the extras that let the work continue, the cost of a seller cancellation and
what silence does. The order is ``placement()``: 57.50 paid, seller's share 55.00.
"""

from __future__ import annotations

from datetime import datetime

from orderflow import (
    AcceptOffer,
    BuyOption,
    Choice,
    Command,
    OfferCustom,
    Order,
    ProposePartialRefund,
    Refund,
    RefuseRevision,
    Role,
    SellerStatistics,
    State,
    WalletCredit,
    available_actions,
    if_nobody_acts,
    preview,
)

from support import DAY, PATH, Path, at, eur, reach

BUYER, SELLER, PLATFORM = Role
REFUSED = at("2026-01-06T11:00")
NOW = at("2026-01-06T12:00")


#: The usual path, the seller refusing the revision as out of scope at REFUSED.
REFUSING: Path = {
    **PATH,
    State.REVISION_REFUSED: (
        State.REVISION_REQUESTED,
        RefuseRevision(SELLER, reason="out of scope"),
        REFUSED,
    ),
}


def refused_order() -> Order:
    return reach(State.REVISION_REFUSED, REFUSING).order


def choices(order: Order, role: Role, now: datetime = NOW) -> dict[str, Choice]:
    return {c.action: c for c in available_actions(order, role, now)}


def previewed(order: Order, command: Command) -> Order:
    result = preview(order, command, NOW)
    assert result.decision is not None, result.error
    return result.decision.order


def test_seed_what_each_party_may_do_while_the_buyer_decides() -> None:
    order = refused_order()
    assert set(choices(order, BUYER)) == {"close", "open_dispute", "buy_option", "propose_partial_refund"}
    # The seller waits: cancelling, a custom offer and a partial refund are all it may do.
    assert set(choices(order, SELLER)) == {"cancel", "offer_custom", "propose_partial_refund"}


def test_seed_buyer_may_close_and_the_seller_is_paid_to_the_wallet() -> None:
    close = choices(refused_order(), BUYER)["close"]
    assert close.reaches is State.COMPLETED
    assert close.preview is not None
    assert [e for e in close.preview.effects if isinstance(e, WalletCredit)] == [
        WalletCredit(SELLER, eur("55.00"))
    ]


def test_seed_buyer_may_open_a_dispute() -> None:
    dispute = choices(refused_order(), BUYER)["open_dispute"]
    assert dispute.reaches is State.DISPUTED
    assert dispute.preview is not None
    assert dispute.preview.order.state is State.DISPUTED


def test_seed_buyer_has_seven_days_to_decide() -> None:
    buyer = choices(refused_order(), BUYER)
    for action in ("close", "open_dispute"):
        deadline = buyer[action].deadline
        assert deadline is not None
        assert (deadline.name, deadline.at) == ("buyer_decision", REFUSED + 7 * DAY)


def test_seed_a_partial_refund_by_agreement_is_available() -> None:
    order = refused_order()
    for role in (BUYER, SELLER):
        propose = choices(order, role)["propose_partial_refund"]
        assert propose.reaches is State.REVISION_REFUSED
        assert "amount" in propose.needs
    proposed = previewed(order, ProposePartialRefund(SELLER, amount=eur("10.00"), reason="agreement"))
    assert proposed.state is State.REVISION_REFUSED
    assert proposed.proposal is not None


def test_seed_buying_an_option_lets_the_work_continue() -> None:
    order = refused_order()
    assert choices(order, BUYER)["buy_option"].reaches is State.IN_PROGRESS
    bought = previewed(order, BuyOption(BUYER, name="pages", price=eur("8.00"), delivery_days=2))
    assert bought.state is State.IN_PROGRESS


def test_seed_a_custom_offer_lets_the_work_continue() -> None:
    order = refused_order()
    assert "offer_custom" in choices(order, SELLER)
    offered = previewed(order, OfferCustom(SELLER, offer_id="o-1", price=eur("20.00"), delivery_days=3))
    accept = choices(offered, BUYER)["accept_offer"]
    assert (accept.args, accept.reaches) == ({"offer_id": "o-1"}, State.IN_PROGRESS)
    assert previewed(offered, AcceptOffer(BUYER, offer_id="o-1")).state is State.IN_PROGRESS


def test_seed_what_a_seller_cancellation_costs() -> None:
    cancel = choices(refused_order(), SELLER)["cancel"]
    assert cancel.reaches is State.CANCELED
    assert cancel.preview is not None
    effects = cancel.preview.effects
    assert [e for e in effects if isinstance(e, Refund)] == [Refund(BUYER, eur("57.50"))]  # all paid
    assert not any(isinstance(e, WalletCredit) for e in effects)
    assert cancel.preview.order.ledger.seller_credited == 0
    (stats,) = [e for e in effects if isinstance(e, SellerStatistics)]
    assert stats.completed is False  # the completion rate is hurt


def test_seed_seven_days_of_silence_complete_the_order() -> None:
    found = if_nobody_acts(refused_order())
    assert found is not None
    due, decision = found
    assert (due.name, due.at) == ("buyer_decision", REFUSED + 7 * DAY)
    assert decision.order.state is State.COMPLETED
    assert [e for e in decision.effects if isinstance(e, WalletCredit)] == [
        WalletCredit(SELLER, eur("55.00"))
    ]


def test_seed_each_choice_says_who_acts_by_when_under_which_rules_and_what_is_still_to_supply() -> None:
    order = refused_order()
    close, propose = choices(order, BUYER)["close"], choices(order, SELLER)["propose_partial_refund"]
    assert (close.role, close.reaches, close.needs, close.args) == (BUYER, State.COMPLETED, (), {})
    assert close.deadline is not None
    assert (close.deadline.name, close.deadline.at) == ("buyer_decision", REFUSED + 7 * DAY)
    assert close.rules == ("R-REF-1",)
    assert close.preview is not None
    assert (propose.role, propose.reaches, propose.preview) == (SELLER, State.REVISION_REFUSED, None)
    assert propose.needs == ("amount", "reason")
    assert propose.rules == ("R-PART-1", "R-PART-3", "R-REF-4")
    assert propose.deadline == close.deadline
    refuse_revision = choices(reach(State.REVISION_REQUESTED, REFUSING).order, SELLER, NOW)["refuse_revision"]
    assert refuse_revision.needs == ("reason",)
    assert refuse_revision.preview is not None  # a reason changes no consequence
