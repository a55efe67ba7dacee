"""Example tests of the money rules R-MONEY-1 .. R-MONEY-7: what is paid, held, refunded and credited.

Expected amounts are computed by hand from the rule book. ``placement()`` pays 40.00 service +
10.00 option + 5.00 tip + 2.50 fee = 57.50; the seller's share is 55.00; 3 delivery days.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from orderflow import (
    COMEUP,
    Accept,
    AcceptCancellation,
    AcceptOffer,
    AcceptPartialRefund,
    BuyOption,
    Cancel,
    Close,
    Command,
    CurrencyMismatch,
    Deliver,
    InvalidAmount,
    InvalidArgument,
    Ledger,
    Money,
    NotAllowed,
    OfferCustom,
    OpenDispute,
    Option,
    OrderflowError,
    ProposePartialRefund,
    RefuseRevision,
    RequestCancellation,
    RequestRevision,
    ResolveDispute,
    Role,
    State,
    place_order,
)
from orderflow.domain.effects import (
    ChatWindow,
    Effect,
    EscrowDeposit,
    PlatformRevenue,
    Refund,
    ReviewWindow,
    SellerStatistics,
    WalletCredit,
)

from support import Steps, Story, at, eur, ledger, money_effects, placement, rejected, steps_to

BUYER, SELLER, PLATFORM = Role

ACCEPTED_AT = at("2026-01-03T12:00")
DELIVERED_AT = at("2026-01-05T09:00")
#: In progress with 8.00 + 12.00 of extras and a 6.00 partial refund: paid 77.50, escrow 71.50.
WITH_EXTRAS: Steps = [
    (Accept(SELLER), ACCEPTED_AT),
    (BuyOption(BUYER, name="logo", price=eur("8.00"), delivery_days=1), at("2026-01-04T10:00")),
    (OfferCustom(SELLER, offer_id="c-1", price=eur("12.00"), delivery_days=1), at("2026-01-04T11:00")),
    (AcceptOffer(BUYER, offer_id="c-1"), at("2026-01-04T12:00")),
    (ProposePartialRefund(SELLER, amount=eur("6.00"), reason="slow start"), at("2026-01-04T13:00")),
    (AcceptPartialRefund(BUYER), at("2026-01-04T14:00")),
]
DELIVERED: Steps = steps_to(State.DELIVERED)  # accepted at ACCEPTED_AT, delivered at DELIVERED_AT


def test_r_money_1_everything_paid_is_held_in_escrow() -> None:
    decision = place_order(placement())
    assert decision.order.state is State.PENDING
    assert [e.name for e in decision.events] == ["OrderPlaced"]
    assert decision.order.ledger == ledger("57.50", "57.50", "0.00", "0.00", "0.00")
    assert money_effects(decision) == set()  # the seller has no access to it


def test_r_money_1_the_fee_comes_with_the_order_not_from_the_policy_rate() -> None:
    policy = attrs.evolve(COMEUP, fee_rate=Decimal("0.50"))
    order = place_order(placement(policy=policy, platform_fee=eur("3.00"))).order
    assert order.ledger == ledger("58.00", "58.00", "0.00", "0.00", "0.00")
    assert order.seller_share == Decimal("55.00")


def test_r_money_1_tax_and_bank_fee_are_parts_of_the_payment() -> None:
    order = place_order(placement(tax=eur("9.50"), bank_fee=eur("1.20"))).order
    assert order.ledger == ledger("57.50", "57.50", "0.00", "0.00", "0.00")


#: (options, the tip cap: 20 % of service + initial options)
TIP_CAPS = [
    pytest.param((Option("express", eur("10.00"), 1),), "10.00", id="with-option"),
    pytest.param((), "8.00", id="service-only"),
]


@pytest.mark.parametrize(("options", "cap"), TIP_CAPS)
def test_r_money_2_tip_at_cap_is_accepted(options: tuple[Option, ...], cap: str) -> None:
    order = place_order(placement(options=options, tip=eur(cap))).order
    extras = sum((o.price.amount for o in options), Decimal(0))
    assert order.ledger.paid == Decimal("40.00") + extras + Decimal(cap) + Decimal("2.50")


@pytest.mark.parametrize(("options", "cap"), TIP_CAPS)
def test_r_money_2_tip_over_cap_is_rejected(options: tuple[Option, ...], cap: str) -> None:
    with pytest.raises(InvalidAmount) as caught:
        place_order(placement(options=options, tip=eur(str(Decimal(cap) + Decimal("0.01")))))
    assert type(caught.value) is InvalidAmount


@pytest.mark.parametrize(("tip", "accepted"), [("5.00", True), ("5.01", False)])
def test_r_money_2_the_tip_cap_is_a_policy_setting(tip: str, accepted: bool) -> None:
    policy = attrs.evolve(COMEUP, tip_cap_rate=Decimal("0.10"))  # 10 % of 50.00 = 5.00
    if accepted:
        assert place_order(placement(policy=policy, tip=eur(tip))).order.ledger.paid == Decimal("57.50")
    else:
        with pytest.raises(InvalidAmount):
            place_order(placement(policy=policy, tip=eur(tip)))


@pytest.mark.parametrize(
    ("tip", "paid", "credited"), [("0.00", "52.50", "50.00"), ("10.00", "62.50", "60.00")]
)
def test_r_money_2_the_tip_is_paid_to_the_seller_on_completion(tip: str, paid: str, credited: str) -> None:
    story = Story.placed(tip=eur(tip)).run(DELIVERED)
    story.do(Close(BUYER), at("2026-01-05T10:00"))
    assert story.order.ledger == ledger(paid, "0.00", "0.00", credited, "2.50")


def test_r_money_2_the_tip_is_refunded_in_full_on_cancellation() -> None:
    story = Story.placed(tip=eur("10.00")).run(DELIVERED)
    decision = story.do(Cancel(SELLER), at("2026-01-05T10:00"))
    assert Refund(BUYER, eur("62.50")) in decision.effects  # 40 + 10 + 10 tip + 2.50 fee
    assert story.order.ledger == ledger("62.50", "0.00", "62.50", "0.00", "0.00")


def test_r_money_3_completion_credits_what_is_left_of_the_sellers_part() -> None:
    story = Story.placed().run(WITH_EXTRAS)
    story.do(Deliver(SELLER), DELIVERED_AT)
    closed_at = at("2026-01-05T10:00")
    decision = story.do(Close(BUYER), closed_at)
    # 40 service + 10 option + 8 option + 12 offer + 5 tip - 6 partial refund = 69.00
    assert story.order.state is State.COMPLETED
    assert story.order.ledger == ledger("77.50", "0.00", "6.00", "69.00", "2.50")
    assert money_effects(decision) == {
        WalletCredit(SELLER, eur("69.00")),
        PlatformRevenue(eur("2.50")),
        ChatWindow(at("2026-01-12T10:00")),
        ReviewWindow(at("2026-07-05T10:00")),
        SellerStatistics("s-1", completed=True, on_time=True, accepted=True),
    }


@pytest.mark.parametrize(
    "ending",
    [
        pytest.param([(Cancel(SELLER), at("2026-01-05T10:00"))], id="seller-cancels"),
        # the extras moved the delivery deadline to 2026-01-08 12:00
        pytest.param([(Cancel(BUYER), at("2026-01-08T12:00"))], id="late-buyer-cancels"),
        pytest.param(
            [
                (RequestCancellation(BUYER), at("2026-01-05T10:00")),
                (AcceptCancellation(SELLER), at("2026-01-05T11:00")),
            ],
            id="request-accepted",
        ),
        pytest.param(
            [
                (OpenDispute(PLATFORM), at("2026-01-05T10:00")),
                (ResolveDispute(PLATFORM, outcome="refund"), at("2026-01-05T11:00")),
            ],
            id="mediator-refunds",
        ),
    ],
)
def test_r_money_4_cancellation_refunds_everything_still_in_escrow(ending: Steps) -> None:
    story = Story.placed().run(WITH_EXTRAS).run(ending)
    assert story.order.state is State.CANCELED
    # 77.50 paid, 6.00 already refunded: the remaining 71.50 goes back, fee included
    assert story.order.ledger == ledger("77.50", "0.00", "77.50", "0.00", "0.00")
    kinds = {type(e) for e in story.last.effects}
    assert Refund(BUYER, eur("71.50")) in story.last.effects
    assert not kinds & {WalletCredit, PlatformRevenue}


def _total(
    effects: list[Effect], kind: type[Refund | WalletCredit | PlatformRevenue | EscrowDeposit]
) -> Decimal:
    return sum((e.amount.amount for e in effects if isinstance(e, kind)), Decimal(0))


@pytest.mark.parametrize(
    ("life", "final"),
    [
        pytest.param(
            [*WITH_EXTRAS, (Deliver(SELLER), DELIVERED_AT), (Close(BUYER), at("2026-01-05T10:00"))],
            ledger("77.50", "0.00", "6.00", "69.00", "2.50"),
            id="completed-with-extras",
        ),
        pytest.param(
            [
                *DELIVERED,
                (RequestRevision(BUYER), at("2026-01-06T10:00")),
                (RefuseRevision(SELLER, reason="out of scope"), at("2026-01-06T11:00")),
                (OpenDispute(BUYER), at("2026-01-06T12:00")),
                (
                    ResolveDispute(PLATFORM, outcome="split", buyer_amount=eur("20.00")),
                    at("2026-01-07T12:00"),
                ),
            ],
            ledger("57.50", "0.00", "20.00", "35.00", "2.50"),
            id="dispute-split",
        ),
        pytest.param(
            [*WITH_EXTRAS, (None, at("2026-06-03T10:00"))],  # expiry: escrow to the platform
            ledger("77.50", "0.00", "6.00", "0.00", "71.50"),
            id="expired",
        ),
    ],
)
def test_r_money_5_every_step_conserves_money(life: Steps, final: Ledger) -> None:
    story = Story.placed()
    effects: list[Effect] = list(story.last.effects)
    for command, now in life:
        effects += (story.wait(now) if command is None else story.do(command, now)).effects
        book = story.order.ledger
        assert book.paid == book.escrow + book.refunded + book.seller_credited + book.platform_revenue
        # and the effects the host carries out move exactly what the ledger says
        assert book.paid == Decimal("57.50") + _total(effects, EscrowDeposit)
        assert book.refunded == _total(effects, Refund)
        assert book.seller_credited == _total(effects, WalletCredit)
        assert book.platform_revenue == _total(effects, PlatformRevenue)
    assert story.order.ledger == final


def test_r_money_6_amounts_are_exact_decimals() -> None:
    assert place_order(placement(price=eur("40"))).order.ledger.paid == Decimal("57.50")
    yen = placement(price=Money("4000", "JPY"), options=(), tip=None, platform_fee=Money("250", "JPY"))
    assert place_order(yen).order.ledger == Ledger(
        "JPY", *(Decimal(a) for a in ("4250", "4250", "0", "0", "0"))
    )


def test_r_money_6_a_non_decimal_amount_is_a_malformed_argument() -> None:
    with pytest.raises(InvalidArgument):
        Money("4O.00", "EUR")


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        pytest.param({"price": eur("40.001")}, InvalidAmount, id="too-many-decimals"),
        pytest.param({"price": eur("0")}, InvalidAmount, id="zero-price"),
        pytest.param({"price": eur("-1")}, InvalidAmount, id="negative-price"),
        pytest.param({"tip": eur("-1")}, InvalidAmount, id="negative-tip"),
        pytest.param({"platform_fee": eur("2.505")}, InvalidAmount, id="fee-decimals"),
        pytest.param({"options": (Option("x", eur("0"), 1),)}, InvalidAmount, id="zero-option"),
        pytest.param({"tip": Money("5.00", "USD")}, CurrencyMismatch, id="other-currency-tip"),
        pytest.param(
            {"options": (Option("x", Money("10.00", "GBP"), 1),)}, CurrencyMismatch, id="option-gbp"
        ),
        pytest.param(
            {"price": Money("4000.5", "JPY"), "options": (), "tip": None, "platform_fee": None},
            InvalidAmount,
            id="yen-has-no-decimals",
        ),
    ],
)
def test_r_money_6_bad_amounts_are_rejected_at_placement(
    changes: dict[str, object], error: type[OrderflowError]
) -> None:
    with pytest.raises(OrderflowError) as caught:
        place_order(placement(**changes))
    assert type(caught.value) is error


@pytest.mark.parametrize(
    ("command", "error"),
    [
        pytest.param(
            BuyOption(BUYER, name="x", price=eur("8.001"), delivery_days=1), InvalidAmount, id="decimals"
        ),
        pytest.param(BuyOption(BUYER, name="x", price=eur("0"), delivery_days=1), InvalidAmount, id="zero"),
        pytest.param(
            BuyOption(BUYER, name="x", price=eur("-1"), delivery_days=1), InvalidAmount, id="negative"
        ),
        pytest.param(
            BuyOption(BUYER, name="x", price=Money("8.00", "USD"), delivery_days=1),
            CurrencyMismatch,
            id="usd",
        ),
        pytest.param(
            OfferCustom(SELLER, offer_id="c", price=eur("0"), delivery_days=1), InvalidAmount, id="offer"
        ),
        pytest.param(
            ProposePartialRefund(BUYER, amount=Money("1.00", "GBP"), reason="r"),
            CurrencyMismatch,
            id="refund-gbp",
        ),
        # R-ERR-1: who may act is checked before the amount
        pytest.param(
            BuyOption(SELLER, name="x", price=eur("-1"), delivery_days=1), NotAllowed, id="actor-first"
        ),
    ],
)
def test_r_money_6_bad_amounts_are_rejected_during_the_order(
    command: Command, error: type[OrderflowError]
) -> None:
    story = Story.placed()
    story.do(Accept(SELLER), ACCEPTED_AT)
    rejected(story, command, at("2026-01-04T10:00"), error)


def test_r_money_7_partial_refunds_come_out_of_the_sellers_share() -> None:
    story = Story.placed().run(DELIVERED)
    story.do(
        ProposePartialRefund(BUYER, amount=eur("10.00"), reason="one logo missing"), at("2026-01-05T10:00")
    )
    story.do(AcceptPartialRefund(SELLER), at("2026-01-05T11:00"))
    assert story.order.ledger == ledger("57.50", "47.50", "10.00", "0.00", "0.00")
    assert story.order.seller_share == Decimal("45.00")
    story.do(Close(BUYER), at("2026-01-05T12:00"))
    assert story.order.ledger == ledger("57.50", "0.00", "10.00", "45.00", "2.50")


@pytest.mark.parametrize(("amount", "accepted"), [("54.99", True), ("55.00", False)])
def test_r_money_7_the_sellers_share_excludes_the_fee(amount: str, accepted: bool) -> None:
    story = Story.placed().run(DELIVERED)
    assert story.order.seller_share == Decimal("55.00")  # 40 + 10 + 5 tip, not the 2.50 fee
    proposal = ProposePartialRefund(SELLER, amount=eur(amount), reason="agreed")
    if accepted:
        story.do(proposal, at("2026-01-05T10:00"))
    else:
        rejected(story, proposal, at("2026-01-05T10:00"), InvalidAmount)


@pytest.mark.parametrize(
    ("ending", "final"),
    [
        pytest.param((Close(BUYER),), ledger("57.50", "0.00", "0.00", "55.00", "2.50"), id="close"),
        pytest.param(
            (OpenDispute(PLATFORM), ResolveDispute(PLATFORM, outcome="split", buyer_amount=eur("20.00"))),
            ledger("57.50", "0.00", "20.00", "35.00", "2.50"),
            id="split",
        ),
        pytest.param(
            (OpenDispute(PLATFORM), ResolveDispute(PLATFORM, outcome="release")),
            ledger("57.50", "0.00", "0.00", "55.00", "2.50"),
            id="release",
        ),
        pytest.param(
            (OpenDispute(PLATFORM), ResolveDispute(PLATFORM, outcome="refund")),
            ledger("57.50", "0.00", "57.50", "0.00", "0.00"),
            id="mediator-refund",
        ),
        pytest.param((Cancel(SELLER),), ledger("57.50", "0.00", "57.50", "0.00", "0.00"), id="seller-cancel"),
    ],
)
def test_r_money_7_only_a_cancellation_refunds_the_fee(ending: tuple[Command, ...], final: Ledger) -> None:
    story = Story.placed().run(DELIVERED)
    story.run((command, at(f"2026-01-06T1{i}:00")) for i, command in enumerate(ending))
    assert story.order.ledger == final
