"""Bad input: every kind of rejection gets its own typed error (R-ERR-1, R-ERR-2) and changes nothing.

Commands are tried in named situations built from the placement of ``support`` (57.50 paid, a
seller's share of 55.00 in escrow, delivery 3 days after acceptance), at a time when no deadline
is due, so a rejection must leave the order exactly as it was and fire nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

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
    CurrencyMismatch,
    Deadline,
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
    Option,
    Order,
    OrderflowError,
    Outcome,
    Placement,
    ProposePartialRefund,
    RefuseCancellation,
    RefuseOffer,
    RefuseRevision,
    Rejection,
    ReleaseHold,
    Reminder,
    RequestCancellation,
    RequestRevision,
    ResolveDispute,
    Review,
    Role,
    State,
    UnknownReference,
    WithdrawOffer,
    WithdrawPartialRefund,
    advance,
    decide,
    place_order,
)

from support import Story, at, eur, placement

BUYER, SELLER, PLATFORM = Role.BUYER, Role.SELLER, Role.PLATFORM

Step = tuple[Command | None, datetime]  # a command, or None: the clock advances


class Setup(NamedTuple):
    steps: list[Step]
    now: datetime  # nothing is due at this time
    changes: tuple[tuple[str, Any], ...] = ()  # placement changes


ACCEPTED: list[Step] = [(Accept(SELLER), at("2026-01-03T11:00"))]  # delivery due 2026-01-06 11:00
DELIVERED: list[Step] = [*ACCEPTED, (Deliver(SELLER), at("2026-01-04T10:00"))]
REVISION_REQUESTED: list[Step] = [*DELIVERED, (RequestRevision(BUYER), at("2026-01-04T11:00"))]
REVISION_REFUSED: list[Step] = [
    *REVISION_REQUESTED,
    (RefuseRevision(SELLER, "out of scope"), at("2026-01-04T12:00")),
]
DISPUTED: list[Step] = [*REVISION_REFUSED, (OpenDispute(BUYER), at("2026-01-04T13:00"))]
COMPLETED: list[Step] = [*DELIVERED, (Close(BUYER), at("2026-01-04T11:00"))]  # review until 2026-07-04 11:00
NOON = at("2026-01-03T12:00")

SETUPS: dict[str, Setup] = {
    "pending": Setup([], at("2026-01-03T11:00")),
    "in_progress": Setup(ACCEPTED, NOON),
    "late": Setup(ACCEPTED, at("2026-01-06T12:00")),
    "cancellation_requested": Setup([*ACCEPTED, (RequestCancellation(BUYER), NOON)], at("2026-01-03T13:00")),
    "offer_open": Setup(
        [*ACCEPTED, (OfferCustom(SELLER, "o-a", eur("20.00"), 2), NOON)], at("2026-01-03T13:00")
    ),
    "offer_withdrawn": Setup(
        [
            *ACCEPTED,
            (OfferCustom(SELLER, "o-a", eur("20.00"), 2), NOON),
            (WithdrawOffer(SELLER, "o-a"), NOON),
        ],
        at("2026-01-03T13:00"),
    ),
    "buyer_proposal": Setup(
        [*ACCEPTED, (ProposePartialRefund(BUYER, eur("5.00"), "a part is missing"), NOON)],
        at("2026-01-03T13:00"),
    ),
    # 5.00 of the seller's 55.00 went back to the buyer: 50.00 of the share is left in escrow.
    "partly_refunded": Setup(
        [
            *ACCEPTED,
            (ProposePartialRefund(BUYER, eur("5.00"), "a part is missing"), NOON),
            (AcceptPartialRefund(SELLER), NOON),
        ],
        at("2026-01-03T13:00"),
    ),
    "delivered": Setup(DELIVERED, at("2026-01-04T11:00")),
    "revision_requested": Setup(REVISION_REQUESTED, at("2026-01-04T12:00")),
    "revision_refused": Setup(REVISION_REFUSED, at("2026-01-04T13:00")),
    "disputed": Setup(DISPUTED, at("2026-01-04T14:00")),
    "disputed_after_expiry": Setup(DISPUTED, at("2026-06-04T10:00")),  # expiry was 2026-06-03 10:00
    "on_hold": Setup([*ACCEPTED, (Hold(PLATFORM), NOON)], at("2026-01-03T13:00")),
    "completed": Setup(COMPLETED, at("2026-01-04T12:00")),
    "reviewed": Setup([*COMPLETED, (Review(BUYER, 5), at("2026-01-04T12:00"))], at("2026-01-04T13:00")),
    "review_closed": Setup(COMPLETED, at("2026-07-04T11:01")),
    "canceled": Setup([(Cancel(BUYER), at("2026-01-03T11:00"))], NOON),
    "expired": Setup([*ACCEPTED, (None, at("2026-06-03T10:00"))], at("2026-06-04T10:00")),
    "revision_cap_reached": Setup(
        [
            *REVISION_REQUESTED,
            (AcceptRevision(SELLER), at("2026-01-04T12:00")),
            (Deliver(SELLER), at("2026-01-05T10:00")),
        ],
        at("2026-01-05T11:00"),
        (("policy", attrs.evolve(COMEUP, revision_cap=1)),),
    ),
}


def situation(name: str) -> tuple[Order, datetime]:
    setup = SETUPS[name]
    story = Story.placed(**dict(setup.changes))
    for command, when in setup.steps:
        if command is None:
            story.wait(when)
        else:
            story.do(command, when)
    return story.order, setup.now


def assert_rejected(order: Order, command: object, now: object, error: type[OrderflowError]) -> None:
    """``decide`` raises exactly ``error``, fires nothing and leaves ``order`` as it was."""
    before = repr(order)
    with pytest.raises(Rejection) as caught:
        decide(order, command, now)  # type: ignore[arg-type]
    assert type(caught.value) is error, caught.value
    assert caught.value.advanced is None
    assert repr(order) == before


def error_of(make: Callable[[], object]) -> Exception | None:
    """What ``make`` raised (any exception: a wrong type is a failure, not a crash), or None."""
    try:
        make()
    except Exception as error:
        return error
    return None


REFUSED = [
    # Wrong actor: the action exists here, for someone else (NotAllowed).
    ("pending", Accept(BUYER), NotAllowed),
    ("pending", Accept(PLATFORM), NotAllowed),
    ("in_progress", Deliver(BUYER), NotAllowed),
    ("in_progress", Cancel(BUYER), NotAllowed),  # R-CANC-1: on time, the buyer must request it
    ("in_progress", OfferCustom(BUYER, "o-b", eur("5.00"), 1), NotAllowed),
    ("cancellation_requested", RefuseCancellation(BUYER, "no"), NotAllowed),
    ("delivered", Close(SELLER), NotAllowed),
    ("delivered", Cancel(BUYER), NotAllowed),  # R-DELIV-5
    ("revision_requested", OpenDispute(BUYER), NotAllowed),  # R-DISP-3: not before seller_answer
    ("revision_refused", Close(SELLER), NotAllowed),  # the seed page
    ("revision_refused", OpenDispute(SELLER), NotAllowed),  # R-DISP-3: the seller never
    ("buyer_proposal", AcceptPartialRefund(BUYER), NotAllowed),  # R-PART-1: the other party accepts
    ("buyer_proposal", WithdrawPartialRefund(SELLER), NotAllowed),  # R-PART-1: the proposer withdraws
    ("disputed", ResolveDispute(BUYER, Outcome.REFUND), NotAllowed),
    ("on_hold", ReleaseHold(SELLER), NotAllowed),
    ("completed", Review(SELLER, 5), NotAllowed),
    # Wrong state: no one may do it here, in this situation (InvalidTransition).
    ("pending", Deliver(SELLER), InvalidTransition),
    ("pending", ProposePartialRefund(BUYER, eur("5.00"), "why"), InvalidTransition),  # R-PART-3
    ("in_progress", Accept(SELLER), InvalidTransition),
    ("in_progress", Close(BUYER), InvalidTransition),
    ("in_progress", ReleaseHold(PLATFORM), InvalidTransition),
    ("late", RequestCancellation(BUYER), InvalidTransition),  # R-ERR-2
    ("delivered", BuyOption(BUYER, "extra", eur("5.00"), 1), InvalidTransition),  # R-PROG-2
    ("buyer_proposal", ProposePartialRefund(SELLER, eur("2.00"), "mine"), InvalidTransition),  # R-ERR-2
    ("revision_cap_reached", RequestRevision(BUYER), InvalidTransition),  # R-REV-5, R-ERR-2
    ("disputed", Deliver(SELLER), InvalidTransition),  # R-DISP-1
    ("on_hold", Hold(PLATFORM), InvalidTransition),  # R-ERR-2
    ("on_hold", Deliver(SELLER), InvalidTransition),  # R-HOLD-1
    ("reviewed", Review(BUYER, 4), InvalidTransition),  # R-ERR-2: a second review
    ("completed", Cancel(SELLER), InvalidTransition),  # R-END-1
    ("completed", ProposePartialRefund(BUYER, eur("5.00"), "late"), InvalidTransition),  # R-END-1
    ("canceled", Review(BUYER, 1), InvalidTransition),  # R-END-2
    ("canceled", Accept(SELLER), InvalidTransition),  # R-END-2
    ("expired", OpenDispute(PLATFORM), InvalidTransition),  # R-END-3
    # A window closed without a transition (DeadlinePassed).
    ("review_closed", Review(BUYER, 5), DeadlinePassed),  # R-END-1: 6 months after completion
    ("disputed_after_expiry", ResolveDispute(PLATFORM, Outcome.RESTART), DeadlinePassed),  # R-EXP-3
    # An offer or proposal that does not exist or is closed (UnknownReference).
    ("in_progress", AcceptOffer(BUYER, "o-a"), UnknownReference),
    ("offer_open", AcceptOffer(BUYER, "o-b"), UnknownReference),
    ("offer_withdrawn", AcceptOffer(BUYER, "o-a"), UnknownReference),
    ("offer_withdrawn", RefuseOffer(BUYER, "o-a"), UnknownReference),
    ("in_progress", AcceptPartialRefund(SELLER), UnknownReference),
    ("partly_refunded", WithdrawPartialRefund(BUYER), UnknownReference),
    # R-ERR-1 order: a malformed id beats the graph, the graph beats amounts and references.
    ("offer_open", OfferCustom(SELLER, "o-a", eur("5.00"), 1), InvalidArgument),  # R-ERR-2: reused id
    ("pending", ProposePartialRefund(BUYER, eur("-1.00"), "why"), InvalidTransition),
    ("in_progress", OfferCustom(BUYER, "o-b", eur("0.001"), 1), NotAllowed),
    ("buyer_proposal", AcceptPartialRefund(BUYER), NotAllowed),
    ("review_closed", Review(SELLER, 5), NotAllowed),
    ("disputed_after_expiry", ResolveDispute(SELLER, Outcome.RESTART), NotAllowed),
]


@pytest.mark.parametrize(
    ("setup", "command", "error"),
    [
        pytest.param(*case, id=f"{case[2].__name__}-{case[0]}-{case[1].actor}-{case[1].action}")
        for case in REFUSED
    ],
)
def test_a_refused_command_gets_its_error_and_changes_nothing(
    setup: str, command: Command, error: type[OrderflowError]
) -> None:
    order, now = situation(setup)
    assert_rejected(order, command, now, error)


def test_a_rejected_command_keeps_only_the_timers_that_fired_before_it() -> None:
    """R-TIME-2: the offer lapsed (7 days) before the buyer tried to accept it."""
    order, _ = situation("offer_open")
    now = at("2026-01-10T13:00")
    with pytest.raises(UnknownReference) as caught:
        decide(order, AcceptOffer(BUYER, "o-a"), now)
    advanced = caught.value.advanced
    assert advanced is not None
    assert advanced == advance(order, now)
    assert advanced.fired == ("offer:o-a",)
    assert (advanced.order.state, advanced.order.offers) == (State.IN_PROGRESS, ())


@pytest.mark.parametrize("outcome", [Outcome.REFUND, Outcome.SPLIT, Outcome.RELEASE])
def test_after_expiry_a_dispute_can_still_end_without_restarting(outcome: Outcome) -> None:
    """R-EXP-3: only restart is closed by the expiry date."""
    order, now = situation("disputed_after_expiry")
    amount = eur("10.00") if outcome is Outcome.SPLIT else None
    reached = decide(order, ResolveDispute(PLATFORM, outcome, amount), now).order.state
    assert reached is (State.CANCELED if outcome is Outcome.REFUND else State.COMPLETED)


def _amount_command(name: str, money: Money) -> Command:
    makers: dict[str, Callable[[], Command]] = {
        "propose": lambda: ProposePartialRefund(BUYER, money, "a part is missing"),
        "split": lambda: ResolveDispute(PLATFORM, Outcome.SPLIT, money),
        "buy_option": lambda: BuyOption(BUYER, "extra", money, 1),
        "offer_custom": lambda: OfferCustom(SELLER, "o-new", money, 1),
    }
    return makers[name]()


AMOUNT_SETUPS = {
    "propose": "in_progress",
    "split": "disputed",
    "buy_option": "in_progress",
    "offer_custom": "in_progress",
}
#: R-MONEY-6 and Policy.max_amount (1 000 000), for every command that takes an amount.
BAD_AMOUNTS = [
    (Money("-1.00", "EUR"), InvalidAmount),
    (Money("0", "EUR"), InvalidAmount),
    (Money("0.00", "EUR"), InvalidAmount),
    (Money("10.001", "EUR"), InvalidAmount),
    (Money("1000000.01", "EUR"), InvalidAmount),
    (Money("5.00", "USD"), CurrencyMismatch),
    (Money("-5.00", "USD"), CurrencyMismatch),
]


@pytest.mark.parametrize("command", sorted(AMOUNT_SETUPS))
@pytest.mark.parametrize(
    ("money", "error"), BAD_AMOUNTS, ids=lambda v: str(v) if isinstance(v, Money) else ""
)
def test_a_bad_amount_is_rejected(command: str, money: Money, error: type[OrderflowError]) -> None:
    order, now = situation(AMOUNT_SETUPS[command])
    assert_rejected(order, _amount_command(command, money), now, error)


@pytest.mark.parametrize("command", ["propose", "split"])
@pytest.mark.parametrize(
    ("setup", "amount"),
    [
        ("in_progress", "55.00"),  # the whole seller's share: that is a cancellation (R-PART-2)
        ("in_progress", "57.50"),  # all of escrow, the fee included
        ("in_progress", "60.00"),  # more than escrow holds
        ("partly_refunded", "50.00"),  # 55.00 - 5.00 already refunded
    ],
)
def test_a_refund_must_stay_below_the_sellers_share_in_escrow(command: str, setup: str, amount: str) -> None:
    """R-PART-2, R-DISP-2: 0 < amount < the seller's share still in escrow."""
    order, now = situation(setup)
    if command == "split":
        order = decide(order, OpenDispute(PLATFORM), now).order
    assert_rejected(order, _amount_command(command, eur(amount)), now, InvalidAmount)


@pytest.mark.parametrize(("setup", "largest"), [("in_progress", "54.99"), ("partly_refunded", "49.99")])
def test_a_refund_just_below_the_sellers_share_is_accepted(setup: str, largest: str) -> None:
    order, now = situation(setup)
    assert decide(order, _amount_command("propose", eur(largest)), now).order.proposal is not None


@pytest.mark.parametrize(
    ("make", "error"),
    [
        pytest.param(lambda: placement(price=eur("0")), InvalidAmount, id="zero-price"),
        pytest.param(lambda: placement(price=eur("-40.00")), InvalidAmount, id="negative-price"),
        pytest.param(lambda: placement(price=eur("40.005")), InvalidAmount, id="price-decimals"),
        pytest.param(lambda: placement(price=Money("40.5", "JPY"), options=(), tip=None, platform_fee=None),
                     InvalidAmount, id="yen-decimals"),
        pytest.param(lambda: placement(price=eur("1000000.01")), InvalidAmount, id="price-over-max"),
        # 999 990 + 10 option + 5 tip + 2.50 fee is over the 1 000 000 cap as a whole.
        pytest.param(lambda: placement(price=eur("999990.00")), InvalidAmount, id="total-over-max"),
        pytest.param(lambda: placement(tip=eur("10.01")), InvalidAmount, id="tip-over-20-percent"),
        pytest.param(lambda: placement(tip=eur("-1.00")), InvalidAmount, id="negative-tip"),
        pytest.param(lambda: placement(platform_fee=eur("-2.50")), InvalidAmount, id="negative-fee"),
        pytest.param(lambda: placement(tax=eur("50.00"), bank_fee=eur("10.00")), InvalidAmount,
                     id="tax-and-bank-fee-over-paid"),
        pytest.param(lambda: placement(options=(Option("express", Money("10.00", "USD"), 1),)),
                     CurrencyMismatch, id="option-currency"),
        pytest.param(lambda: placement(tip=Money("5.00", "USD")), CurrencyMismatch, id="tip-currency"),
        pytest.param(lambda: placement(paid_at=datetime(2026, 1, 3, 10)), InvalidTime, id="naive-paid-at"),
        pytest.param(lambda: placement(acceptance_window=timedelta(0)), InvalidArgument,
                     id="zero-acceptance"),
    ],
)  # fmt: skip
def test_a_bad_placement_is_rejected(make: Callable[[], Placement], error: type[OrderflowError]) -> None:
    assert type(error_of(lambda: place_order(make()))) is error


def test_a_tip_of_exactly_20_percent_is_accepted() -> None:
    """R-MONEY-2: compared exactly, 10.00 on 50.00 of service and options is the cap itself."""
    assert place_order(placement(tip=eur("10.00"))).order.ledger.paid == Decimal("62.50")


@pytest.mark.parametrize(
    ("setup", "now"),
    [
        ("in_progress", datetime(2026, 1, 3, 12)),  # naive
        ("in_progress", at("2026-01-03T10:59")),  # before the acceptance at 11:00
        ("completed", at("2026-01-04T10:59")),  # before the close at 11:00
    ],
    ids=["naive", "before-last-event", "before-close"],
)
@pytest.mark.parametrize("call", ["decide", "advance"])
def test_a_bad_time_is_rejected(setup: str, now: datetime, call: str) -> None:
    """R-TIME-1."""
    order, _ = situation(setup)
    before = repr(order)
    act = {"decide": lambda: decide(order, Cancel(SELLER), now), "advance": lambda: advance(order, now)}[call]
    assert type(error_of(act)) is InvalidTime
    assert repr(order) == before


M = eur("5.00")


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: RefuseCancellation(SELLER, ""), id="empty-reason"),
        pytest.param(lambda: RefuseRevision(SELLER, "   "), id="blank-reason"),
        pytest.param(lambda: ProposePartialRefund(BUYER, M, ""), id="empty-refund-reason"),
        pytest.param(lambda: Review(BUYER, 0), id="rating-0"),
        pytest.param(lambda: Review(BUYER, 6), id="rating-6"),
        pytest.param(lambda: Review(BUYER, 4.5), id="rating-float"),  # type: ignore[arg-type]
        pytest.param(lambda: Review(BUYER, True), id="rating-bool"),
        pytest.param(lambda: Review(BUYER, 5, None), id="review-text-none"),  # type: ignore[arg-type]
        pytest.param(lambda: Money(1.5, "EUR"), id="float-amount"),
        pytest.param(lambda: Money("1,50", "EUR"), id="not-a-decimal"),
        pytest.param(lambda: Money("1.50", "eur"), id="lowercase-currency"),
        pytest.param(lambda: Money("1.50", "EURO"), id="four-letter-currency"),
        pytest.param(lambda: BuyOption(BUYER, "extra", "5.00", 1), id="amount-not-money"),  # type: ignore[arg-type]
        pytest.param(lambda: BuyOption(BUYER, "", M, 1), id="empty-option-name"),
        pytest.param(lambda: BuyOption(BUYER, "extra", M, -1), id="negative-days"),
        pytest.param(lambda: OfferCustom(SELLER, "o-1", M, 3651), id="too-many-days"),
        pytest.param(lambda: OfferCustom(SELLER, "", M, 1), id="empty-offer-id"),
        pytest.param(lambda: AcceptOffer(BUYER, ""), id="empty-offer-ref"),
        pytest.param(lambda: Accept("admin"), id="unknown-actor"),
        pytest.param(lambda: Accept("timer"), id="timer-actor"),
        pytest.param(lambda: ResolveDispute(PLATFORM, "coinflip"), id="unknown-outcome"),
        pytest.param(lambda: ResolveDispute(PLATFORM, Outcome.SPLIT), id="split-without-amount"),
        pytest.param(lambda: ResolveDispute(PLATFORM, Outcome.RELEASE, M), id="release-with-amount"),
        pytest.param(lambda: ResolveDispute(PLATFORM, Outcome.SPLIT, "5.00"), id="split-amount-not-money"),  # type: ignore[arg-type]
    ],
)
def test_a_malformed_command_argument_is_rejected(make: Callable[[], object]) -> None:
    assert type(error_of(make)) is InvalidArgument


def test_deciding_something_that_is_not_a_command_is_rejected() -> None:
    order, now = situation("pending")
    assert_rejected(order, "accept", now, InvalidArgument)


@attrs.frozen
class _Unknown(RefuseRevision):
    """A host's own subclass of a command: no route knows it."""


@pytest.mark.parametrize(
    "make", [lambda: Command(SELLER), lambda: _Unknown(SELLER, "my own")], ids=["base", "subclass"]
)
def test_deciding_a_command_class_the_core_does_not_know_is_rejected(make: Callable[[], Command]) -> None:
    # The bare base class once crashed with AttributeError: only the command classes decide.
    order, now = situation("delivered")
    assert_rejected(order, make(), now, InvalidArgument)


@pytest.mark.parametrize(
    "changes",
    [
        {"order_id": ""},
        {"buyer": "  "},
        {"seller": None},
        {"price": "40.00"},
        {"price": Decimal("40.00")},
        {"delivery_days": -1},
        {"delivery_days": 1.5},
        {"delivery_days": True},
        {"paid_at": "2026-01-03T10:00:00Z"},
        {"options": [Option("express", eur("10.00"), 1)]},
        {"tip": 5.0},
        {"platform_fee": "2.50"},
        {"acceptance_window": 48},
        {"policy": "comeup"},
    ],
    ids=lambda changes: "-".join(f"{k}={v!r}" for k, v in changes.items()),
)
def test_a_malformed_placement_field_is_rejected(changes: dict[str, Any]) -> None:
    assert type(error_of(lambda: placement(**changes))) is InvalidArgument


@pytest.mark.parametrize(
    "changes",
    [
        {"name": ""},
        {"version": 0},
        {"version": "1"},
        {"acceptance_window": timedelta(0)},
        {"review_decision_window": timedelta(days=-7)},
        {"seller_answer_window": 48},
        {"tip_cap_rate": Decimal("1.5")},
        {"tip_cap_rate": Decimal("-0.1")},
        {"tip_cap_rate": 0.2},
        {"max_amount": Decimal(0)},
        {"max_amount": Decimal("Infinity")},
        {"expiry_months": True},
        {"revision_cap": 0},
        {"refusals_before_dispute": 0},
        {"unanswered_cancellation_cancels": "yes"},
        {"reminders": [Reminder(Deadline.DELIVERY, timedelta(hours=1))]},
        {"reminders": ("delivery",)},
    ],
    ids=lambda changes: "-".join(f"{k}={v!r}" for k, v in changes.items()),
)
def test_a_bad_policy_setting_is_rejected(changes: dict[str, Any]) -> None:
    assert type(error_of(lambda: attrs.evolve(COMEUP, **changes))) is InvalidArgument


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: Reminder("delivery", timedelta(hours=1)), id="deadline-as-text"),  # type: ignore[arg-type]
        pytest.param(lambda: Reminder(Deadline.DELIVERY, timedelta(0)), id="zero-before"),
    ],
)
def test_a_bad_reminder_is_rejected(make: Callable[[], object]) -> None:
    assert type(error_of(make)) is InvalidArgument
