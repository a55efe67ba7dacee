"""Supported ranges, enforced at the edge (issue 14): instants, durations, counts, amounts, ids and
texts; and money computed in the core's own decimal context whatever the host's (issue 13 item 6).

Each reproduction of the issues is one test here; each failed before its fix (a raw
``OverflowError``, ``decimal.InvalidOperation`` or a silently accepted value).
"""

from __future__ import annotations

import decimal
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest

from orderflow import (
    COMEUP,
    Accept,
    AcceptRevision,
    Cancel,
    Deliver,
    InvalidAmount,
    InvalidArgument,
    InvalidTime,
    Money,
    OfferCustom,
    Option,
    Placement,
    Policy,
    RefuseRevision,
    Reminder,
    RequestRevision,
    Review,
    advance,
    decide,
    place_order,
    replay,
)
from orderflow.domain import dates
from orderflow.domain.currencies import MINOR_UNITS
from orderflow.domain.money import minor_units
from orderflow.domain.states import Deadline

from support import BUYER, SELLER, Story, at, eur, placement

# --- money in the core's own decimal context (issue 13 item 6) ----------------------------------


def test_money_is_exact_under_a_host_context_of_six_digits() -> None:
    big = placement(price=eur("999999.99"), options=(), tip=None, platform_fee=eur("0.01"))
    with decimal.localcontext(decimal.Context(prec=6)):
        placed = place_order(big)
        assert str(placed.order.ledger.paid) == "1000000.00"
        canceled = decide(placed.order, Cancel(BUYER), at("2026-01-03T11:00"))
        assert str(canceled.order.ledger.refunded) == "1000000.00"
        assert replay(placed.events + canceled.events) == canceled.order
        assert decimal.getcontext().prec == 6  # the host's context is left as it was


def test_money_is_exact_under_a_host_context_that_rounds_down_and_traps_inexact() -> None:
    host = decimal.Context(prec=3, rounding=decimal.ROUND_DOWN, traps=[decimal.Inexact, decimal.Rounded])
    with decimal.localcontext(host):
        placed = place_order(placement())
    assert placed.order.ledger == place_order(placement()).order.ledger


# --- amounts and currencies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount", ["\u0664\u0660.\u0660\u0660", "\uff14\uff10.00", "40.00\u0660", " 40.00", "4_0.00", "40.00\n"]
)
def test_amounts_are_written_in_ascii_digits_only(amount: str) -> None:
    with pytest.raises(InvalidArgument, match="decimal amount"):
        Money(amount, "EUR")


@pytest.mark.parametrize("currency", ["XYZ", "EUR\x00", "XAU", "XTS", "euro", "eur"])
def test_unknown_currencies_are_refused(currency: str) -> None:
    with pytest.raises(InvalidArgument, match="currency"):
        Money("40.00", currency)


def test_minor_units_come_from_the_iso_table() -> None:
    assert (minor_units("JPY"), minor_units("EUR"), minor_units("KWD"), minor_units("CLF")) == (0, 2, 3, 4)
    assert len(MINOR_UNITS) > 150


@pytest.mark.parametrize("amount", ["1E+30", "1" + "0" * 15, Decimal("-1E+16"), 10**20, "1E+999999999"])
def test_amounts_beyond_the_supported_range_are_refused(amount: object) -> None:
    with pytest.raises(InvalidAmount, match="supported range"):
        Money(amount, "EUR")


def test_a_huge_cap_and_price_is_a_typed_error_not_invalid_operation() -> None:
    with pytest.raises(InvalidArgument, match="max_amount"):
        attrs.evolve(COMEUP, max_amount=Decimal("1E+40"))


@pytest.mark.parametrize(
    "rate", [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("0.1" + "1" * 30)]
)
def test_rates_must_be_finite_decimals_from_0_to_1(rate: Decimal) -> None:
    with pytest.raises(InvalidArgument, match="tip_cap_rate"):
        attrs.evolve(COMEUP, tip_cap_rate=rate)


# --- instants ---------------------------------------------------------------------------------------

PLUS_ONE = timezone(timedelta(hours=1))
MINUS_ONE = timezone(-timedelta(hours=1))


@pytest.mark.parametrize(
    "paid_at",
    [
        datetime(9999, 12, 31, tzinfo=timezone.utc),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=MINUS_ONE),
        datetime(1, 1, 1, 0, 30, tzinfo=PLUS_ONE),
        datetime(1969, 12, 31, 23, 59, tzinfo=timezone.utc),
        dates.LATEST,
    ],
)
def test_instants_outside_the_supported_range_are_invalid_time(paid_at: datetime) -> None:
    with pytest.raises(InvalidTime, match="supported range"):
        place_order(placement(paid_at=paid_at))


def test_the_edges_of_the_supported_range_place_and_run_an_order() -> None:
    story = Story.placed(paid_at=dates.EARLIEST)
    story.wait(story.order.expires_at + timedelta(days=365))  # every deadline fired
    last = dates.LATEST - timedelta(microseconds=1)
    story = Story.placed(paid_at=last)
    story.do(Accept(SELLER), last)
    story.do(Deliver(SELLER), last)  # deadlines past LATEST are computed, never reached
    assert story.order.expires_at.year == 9000


def test_an_instant_at_or_after_latest_is_refused_even_to_wait() -> None:
    story = Story.placed()
    with pytest.raises(InvalidTime, match="supported range"):
        story.wait(dates.LATEST)


@pytest.mark.parametrize(
    "now", [datetime(9999, 12, 31, 23, 59, 59, tzinfo=MINUS_ONE), datetime(9999, 12, 31, tzinfo=timezone.utc)]
)
def test_decide_at_an_instant_beyond_the_range_is_invalid_time(now: datetime) -> None:
    story = Story.placed()
    with pytest.raises(InvalidTime, match="supported range"):
        decide(story.order, Cancel(BUYER), now)


# --- durations and counts of a policy -------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"review_decision_window": timedelta(days=999_999_999)},
        {"acceptance_window": timedelta(days=dates.MAX_WINDOW_DAYS + 1)},
        {"expiry_months": 100_000},
        {"review_months": 10**12},
        {"stats_window_months": 1201},
        {"revision_cap": 10**30},
        {"refusals_before_dispute": 10**30},
    ],
)
def test_policy_durations_and_counts_are_capped(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgument):
        attrs.evolve(COMEUP, **changes)


def test_a_reminder_is_capped_too() -> None:
    with pytest.raises(InvalidArgument, match=r"Reminder\.before"):
        Reminder(Deadline.ACCEPTANCE, timedelta(days=10**6))


def test_a_per_service_acceptance_window_is_capped_too() -> None:
    with pytest.raises(InvalidArgument, match="acceptance_window"):
        placement(acceptance_window=timedelta(hours=10**9))


def test_the_longest_policy_keeps_every_deadline_in_range() -> None:
    windows: dict[str, Any] = {name: timedelta(days=dates.MAX_WINDOW_DAYS) for name in _WINDOWS}
    longest = Policy(
        name="longest",
        version=1,
        **windows,
        expiry_months=dates.MAX_MONTHS,
        review_months=dates.MAX_MONTHS,
    )
    last = dates.LATEST - timedelta(microseconds=1)
    story = Story.placed(paid_at=last, policy=longest, delivery_days=3650)
    for command in (Accept(SELLER), Deliver(SELLER), RequestRevision(BUYER), AcceptRevision(SELLER)):
        story.do(command, last)
    assert story.order.delivery_due is not None
    assert story.order.delivery_due.year == 9009


_WINDOWS = (
    "acceptance_window",
    "review_decision_window",
    "seller_answer_window",
    "buyer_decision_window",
    "offer_lapse",
    "chat_window",
)


# --- ids and texts at the edges of the core (domain/limits.py) -------------------------------------


@pytest.mark.parametrize("field", ["order_id", "buyer", "seller"])
@pytest.mark.parametrize("value", ["\ud800", "o\x00", "o\n1", "x" * 201, " "])
def test_placement_ids_follow_the_limits(field: str, value: str) -> None:
    with pytest.raises(InvalidArgument, match=rf"Placement\.{field}"):
        placement(**{field: value})


@pytest.mark.parametrize(
    "build",
    [
        lambda: RefuseRevision(SELLER, reason="no \ud800"),
        lambda: RefuseRevision(SELLER, reason="no\x00"),
        lambda: RefuseRevision(SELLER, reason="x" * 10_001),
        lambda: Review(BUYER, 5, "great\x00"),
        lambda: Review(BUYER, 5, "\udfff"),
        lambda: OfferCustom(SELLER, "offer\n1", eur("5.00"), 1),
        lambda: OfferCustom(SELLER, "\ud800", eur("5.00"), 1),
        lambda: Option("\x00", eur("5.00"), 1),
    ],
)
def test_command_texts_and_offer_ids_follow_the_limits(build: object) -> None:
    with pytest.raises(InvalidArgument):
        build()  # type: ignore[operator]


def test_texts_may_have_newlines_and_any_valid_unicode() -> None:
    assert RefuseRevision(SELLER, reason="line 1\nline 2\t✓ 日本").reason.endswith("日本")


def test_placement_is_typed_all_the_way() -> None:
    with pytest.raises(InvalidArgument):
        Placement(
            order_id="o",
            buyer="b",
            seller="s",
            price=eur("1.00"),
            delivery_days=10**100,
            paid_at=at("2026-01-01T00:00"),
        )


@pytest.mark.parametrize("order", [None, "o-1", 12])
def test_the_entry_points_refuse_what_is_not_an_order(order: object) -> None:
    with pytest.raises(InvalidArgument, match="not an order"):
        decide(order, Cancel(BUYER), at("2026-01-03T11:00"))  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="not an order"):
        advance(order, at("2026-01-03T11:00"))  # type: ignore[arg-type]


def test_replay_refuses_what_is_not_an_event() -> None:
    placed = Story.placed().events[0]
    with pytest.raises(InvalidArgument, match="history"):
        replay([placed, "OrderAccepted"])  # type: ignore[list-item]
