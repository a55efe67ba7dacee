"""Tests of ``orderflow.stats``: seller rates over a sliding window (R-STAT-1 .. R-STAT-3, R-PEND-5).

Orders driven through ``decide``/``advance`` are ``placement()`` (seller ``s-1``, paid 3 January
2026 10:00 UTC, accepted at 12:00, delivery due 6 January 12:00) unless a test says otherwise.
Expected rates are worked out by hand from the rules; a rate is a ratio rounded half-even to four
places.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderflow import (
    COMEUP,
    FIVERR_LIKE,
    Accept,
    AcceptCancellation,
    Cancel,
    Close,
    Deliver,
    InvalidArgument,
    InvalidTime,
    OpenDispute,
    Outcome,
    Policy,
    RequestCancellation,
    ResolveDispute,
    Role,
)
from orderflow.stats import SellerRates, SellerStats, WindowForgotten

from support import DAY, Step, Story, at, eur

BUYER, SELLER, PLATFORM = Role
MICROSECOND = timedelta(microseconds=1)

ACCEPT: Step = (Accept(SELLER), at("2026-01-03T12:00"))
DELIVER: Step = (Deliver(SELLER), at("2026-01-05T09:00"))
CLOSE: Step = (Close(BUYER), at("2026-01-07T10:00"))
DISPUTE: Step = (OpenDispute(PLATFORM), at("2026-01-04T10:00"))
REQUEST: Step = (RequestCancellation(BUYER), at("2026-01-04T10:00"))
RESOLVED_AT = at("2026-01-05T10:00")
DELIVERY_DUE = at("2026-01-06T12:00")
EXPIRY = at("2026-06-03T10:00")

#: Ways an order ends; the comment says how R-STAT-2, R-STAT-3 and R-PEND-5 count it:
#: (completed, on_time, accepted). All end by 3 June 2026, so all count on 10 June.
ON_TIME: list[Step] = [ACCEPT, DELIVER, CLOSE]  # (yes, yes, yes)
LATE: list[Step] = [ACCEPT, (Deliver(SELLER), DELIVERY_DUE + timedelta(hours=1)), CLOSE]  # (yes, no, yes)
RELEASE: list[Step] = [
    ACCEPT,
    DISPUTE,
    (ResolveDispute(PLATFORM, outcome=Outcome.RELEASE), RESOLVED_AT),
]  # (yes, -, yes)
SPLIT: list[Step] = [
    ACCEPT,
    DISPUTE,
    (ResolveDispute(PLATFORM, outcome=Outcome.SPLIT, buyer_amount=eur("10.00")), RESOLVED_AT),
]  # (yes, -, yes)
SELLER_CANCEL: list[Step] = [ACCEPT, (Cancel(SELLER), at("2026-01-04T10:00"))]  # (no, -, yes)
LATE_CANCEL: list[Step] = [ACCEPT, (Cancel(BUYER), DELIVERY_DUE)]  # (no, no, yes)
PENDING_CANCEL: list[Step] = [(Cancel(BUYER), at("2026-01-03T11:00"))]  # (no, -, no)
NOT_COMPLETED: dict[str, tuple[Sequence[Step], Policy]] = {
    "seller_cancel": (SELLER_CANCEL, COMEUP),
    "accepted_request": ([ACCEPT, REQUEST, (AcceptCancellation(SELLER), at("2026-01-04T11:00"))], COMEUP),
    "late_cancel": (LATE_CANCEL, COMEUP),
    "buyer_cancel_pending": (PENDING_CANCEL, COMEUP),
    "seller_cancel_pending": ([(Cancel(SELLER), at("2026-01-03T11:00"))], COMEUP),
    "acceptance_timeout": ([(None, at("2026-01-05T10:00"))], COMEUP),
    "seller_answer_timeout": ([ACCEPT, REQUEST, (None, at("2026-01-06T10:00"))], FIVERR_LIKE),
    "mediator_refund": (
        [ACCEPT, DISPUTE, (ResolveDispute(PLATFORM, outcome=Outcome.REFUND), RESOLVED_AT)],
        COMEUP,
    ),
    "expiry": ([ACCEPT, (None, EXPIRY)], COMEUP),
}
LATER = at("2026-06-10T00:00")


def observe(stats: SellerStats, steps: Sequence[Step], policy: Policy = COMEUP) -> None:
    """Drive an order of ``s-1`` through ``steps``, letting ``stats`` observe every decision."""
    story = Story.placed(policy=policy)
    stats.observe(story.last)
    for command, now in steps:
        stats.observe(story.wait(now) if command is None else story.do(command, now))
    assert story.order.is_terminal


def observed(*stories: Sequence[Step], policy: Policy = COMEUP) -> SellerStats:
    stats = SellerStats()
    for steps in stories:
        observe(stats, steps, policy)
    return stats


def rates(ended: int, completed: int, completion: str, on_time: str | None, acceptance: str) -> SellerRates:
    """The shown rates of ``s-1``."""
    return SellerRates(
        "s-1",
        ended,
        completed,
        Decimal(completion),
        None if on_time is None else Decimal(on_time),
        Decimal(acceptance),
    )


# R-STAT-1: over the last 6 calendar months, hidden below 5 completed orders.


def test_r_stat_1_the_rates_of_a_mixed_history_worked_by_hand() -> None:
    stats = observed(*[ON_TIME] * 2, LATE, RELEASE, SPLIT, SELLER_CANCEL, PENDING_CANCEL, LATE_CANCEL)
    # 8 ended, 5 completed (2 on time, 1 late, release, split): 5/8 = 0.625.
    # on time: of the 4 delivered or late (2 on time, 1 late delivery, 1 late cancel), 2: 0.5.
    # acceptance: all but the pending cancel, 7/8 = 0.875.
    got = stats.rates("s-1", at("2026-02-01T00:00"))
    assert got == rates(8, 5, "0.6250", "0.5000", "0.8750")
    assert got.shown
    assert str(got.completion) == "0.6250"  # four places, trailing zeros kept


@pytest.mark.parametrize(("completed", "shown"), [(4, False), (5, True)])
def test_r_stat_1_rates_are_hidden_below_five_completed_orders(completed: int, shown: bool) -> None:
    stats = SellerStats()
    for day in range(completed):
        stats.record("s-1", at(f"2026-01-0{day + 1}T10:00"), completed=True, on_time=True, accepted=True)
    stats.record("s-1", at("2026-01-08T10:00"), completed=False, on_time=None, accepted=False)
    got = stats.rates("s-1", at("2026-01-10T00:00"))
    assert (got.ended, got.completed, got.shown) == (completed + 1, completed, shown)
    expected = [Decimal(5) / 6, Decimal(1), Decimal(5) / 6] if shown else [None] * 3
    assert [got.completion, got.on_time, got.acceptance] == [
        None if rate is None else rate.quantize(Decimal("0.0001")) for rate in expected
    ]


@pytest.mark.parametrize(
    ("ended", "leaves"),
    [
        (at("2026-01-10T10:00"), at("2026-07-10T10:00")),
        (at("2025-08-31T10:00"), at("2026-02-28T10:00")),  # clamped to the month's end
        (at("2023-08-31T10:00"), at("2024-02-29T10:00")),  # leap year
        (at("2025-12-31T23:00"), at("2026-06-30T23:00")),  # across a year end
        (at("2026-02-28T10:00"), at("2026-08-28T10:00")),  # not to the month's end
        # 1 September 01:00 at UTC+2 is 31 August 23:00 UTC: the UTC date counts.
        (datetime(2025, 9, 1, 1, 0, tzinfo=timezone(timedelta(hours=2))), at("2026-02-28T23:00")),
    ],
)
def test_r_stat_1_an_order_counts_until_six_calendar_months_after_it_ended(
    ended: datetime, leaves: datetime
) -> None:
    stats = SellerStats()
    stats.record("s-1", ended, completed=True, on_time=True, accepted=True)
    assert stats.rates("s-1", ended).ended == 1
    assert stats.rates("s-1", leaves - MICROSECOND).ended == 1
    assert stats.rates("s-1", leaves).ended == 0  # exactly six months later: out
    assert stats.held == 0


def test_r_stat_1_window_and_threshold_come_from_the_policy() -> None:
    stats = SellerStats(Policy(name="p", version=1, stats_window_months=1, stats_min_completed=1))
    stats.record("s-1", at("2026-01-31T10:00"), completed=True, on_time=None, accepted=True)
    got = stats.rates("s-1", at("2026-02-28T09:59"))
    assert (got.shown, got.completion, got.on_time) == (True, Decimal("1.0000"), None)
    assert stats.rates("s-1", at("2026-02-28T10:00")).ended == 0  # one month, clamped


def test_r_stat_1_an_unknown_seller_has_no_orders_and_is_hidden() -> None:
    stats = observed(ON_TIME)
    assert stats.rates("nobody", LATER) == SellerRates("nobody", 0, 0, None, None, None)
    assert stats.sellers() == ("s-1",)


# R-STAT-2: every cancellation and expiry hurts completion; a split or a release counts as completed.


@pytest.mark.parametrize("name", list(NOT_COMPLETED))
def test_r_stat_2_cancellations_and_expiry_hurt_completion(name: str) -> None:
    steps, policy = NOT_COMPLETED[name]
    stats = observed(*[ON_TIME] * 5)
    observe(stats, steps, policy)
    got = stats.rates("s-1", LATER)
    assert (got.ended, got.completed, got.completion) == (6, 5, Decimal("0.8333"))  # 5/6


@pytest.mark.parametrize("ending", [RELEASE, SPLIT], ids=["release", "split"])
def test_r_stat_2_a_split_or_a_release_counts_as_completed(ending: list[Step]) -> None:
    got = observed(*[ON_TIME] * 4, ending).rates("s-1", LATER)
    # Never delivered nor late, the dispute's order does not count for on time: 4/4.
    assert got == rates(5, 5, "1.0000", "1.0000", "1.0000")


def test_r_stat_2_a_canceled_order_is_still_a_sale() -> None:
    got = observed(ON_TIME, SELLER_CANCEL, PENDING_CANCEL, [ACCEPT, (None, EXPIRY)]).rates("s-1", LATER)
    assert (got.sales, got.ended, got.completed) == (4, 4, 1)


# R-STAT-3 and R-PEND-5: lateness and acceptance.


def test_r_stat_3_on_time_counts_late_deliveries_and_late_cancellations() -> None:
    got = observed(*[ON_TIME] * 5, LATE, LATE_CANCEL, SELLER_CANCEL).rates("s-1", LATER)
    # 7 delivered or late, 5 on time (the seller's cancel before the deadline is neither): 5/7.
    assert got.on_time == Decimal("0.7143")


def test_r_stat_3_on_time_is_undefined_when_no_order_was_delivered_or_late() -> None:
    got = observed(*[RELEASE] * 5).rates("s-1", LATER)
    assert (got.shown, got.on_time) == (True, None)


def test_r_pend_5_orders_canceled_before_acceptance_lower_the_acceptance_rate() -> None:
    timeout, seller_cancel = (
        NOT_COMPLETED[name][0] for name in ("acceptance_timeout", "seller_cancel_pending")
    )
    got = observed(*[ON_TIME] * 5, PENDING_CANCEL, timeout, seller_cancel).rates("s-1", LATER)
    assert (got.ended, got.acceptance) == (8, Decimal("0.6250"))  # 5 accepted of 8


@pytest.mark.parametrize(("on_time", "expected"), [(5, "0.1562"), (3, "0.0938"), (16, "0.5000")])
def test_rates_round_half_even_to_four_places(on_time: int, expected: str) -> None:
    stats = SellerStats()
    for n in range(32):  # 5/32 = 0.15625 rounds down to even, 3/32 = 0.09375 up to even
        stats.record("s-1", LATER + n * MICROSECOND, completed=True, on_time=n < on_time, accepted=True)
    assert str(stats.rates("s-1", LATER + DAY).on_time) == expected


# Feeding: dating by the ending event, validation at the edge.


def test_observe_dates_an_order_by_the_event_that_ended_it() -> None:
    story = Story.placed()
    stats = SellerStats()
    ended = at("2026-01-05T10:00")  # the acceptance deadline, 48 hours after payment
    stats.observe(story.wait(ended + 10 * DAY))
    assert stats.rates("s-1", ended).ended == 1  # not dated by when the clock was advanced


@pytest.mark.parametrize(
    ("seller", "completed", "on_time", "accepted"),
    [
        ("", True, True, True),
        (7, True, True, True),
        ("s", 1, True, True),
        ("s", True, 0, True),
        ("s", True, None, None),
    ],
)
def test_record_rejects_malformed_arguments(
    seller: object, completed: object, on_time: object, accepted: object
) -> None:
    stats = SellerStats()
    with pytest.raises(InvalidArgument):
        stats.record(seller, LATER, completed=completed, on_time=on_time, accepted=accepted)  # type: ignore[arg-type]
    assert (stats.held, stats.sellers()) == (0, ())


def test_naive_times_are_refused() -> None:
    stats = SellerStats()
    naive = datetime(2026, 1, 1)
    with pytest.raises(InvalidTime):
        stats.record("s-1", naive, completed=True, on_time=True, accepted=True)
    with pytest.raises(InvalidTime):
        stats.rates("s-1", naive)
    assert stats.held == 0


def test_a_decision_whose_endings_and_statistics_disagree_is_refused() -> None:
    story = Story.placed()
    decision = story.do(Cancel(BUYER), at("2026-01-03T11:00"))
    with pytest.raises(InvalidArgument):
        SellerStats().observe(attrs.evolve(decision, effects=()))


# Queries before the clock: exact while nothing they need was dropped, else WindowForgotten.


def test_a_query_before_the_clock_is_exact_while_nothing_it_needs_was_dropped() -> None:
    stats = SellerStats()
    stats.record("s-1", at("2026-01-10T10:00"), completed=True, on_time=True, accepted=True)
    stats.record("s-1", at("2026-03-10T10:00"), completed=False, on_time=None, accepted=True)
    stats.record("s-2", at("2026-01-20T10:00"), completed=True, on_time=True, accepted=True)
    assert stats.rates("s-1", at("2026-02-01T00:00")).ended == 1  # the March order is later
    assert stats.rates("s-1", at("2026-09-01T00:00")).ended == 1  # the January order has left
    with pytest.raises(WindowForgotten) as caught:  # ... and was dropped, so February is gone
        stats.rates("s-1", at("2026-02-01T00:00"))
    assert isinstance(caught.value, InvalidTime)
    assert "2026-07-20T10:00" in str(caught.value)  # the latest a dropped order left: ask from then
    assert stats.rates("s-1", at("2026-08-01T00:00")).ended == 1  # needs nothing dropped


def test_a_record_already_out_of_the_window_at_the_clock_is_dropped_on_arrival() -> None:
    stats = SellerStats()
    stats.rates("s-1", at("2026-08-01T00:00"))
    stats.record("s-1", at("2026-01-10T10:00"), completed=True, on_time=True, accepted=True)
    assert (stats.held, stats.sellers()) == (0, ("s-1",))
    assert stats.rates("s-1", at("2026-08-02T00:00")).ended == 0
    with pytest.raises(WindowForgotten):
        stats.rates("s-1", at("2026-07-01T00:00"))


# Memory: bounded by the orders that ended in the last window.


@pytest.mark.parametrize("backwards", [False, True], ids=["in_order", "backwards"])
def test_memory_holds_only_the_last_window(backwards: bool) -> None:
    start = at("2021-01-01T10:00")
    days = [start + n * DAY for n in range(365 * 5)]  # ten six-month windows, one order a day
    stats = SellerStats()
    for day in reversed(days) if backwards else days:
        stats.record("s-1", day, completed=True, on_time=True, accepted=True)
        assert stats.held <= 184  # the most days in six calendar months (July to December)
    last = days[-1]
    assert last == at("2025-12-30T10:00")
    # Held: the orders after 30 June 10:00, six months before the last; 1 July to 30 December.
    assert stats.held == 31 + 31 + 30 + 31 + 30 + 30 == stats.rates("s-1", last).ended


# Property: fed in any order, queried at any time, SellerStats agrees with a naive recount.


def months_later(instant: datetime, months: int) -> datetime:
    """The rule book's calendar months: same UTC day and time, clamped to the month's end."""
    year, month = divmod(instant.month - 1 + months, 12)
    year, month = instant.year + year, month + 1
    return instant.replace(year=year, month=month, day=min(instant.day, calendar.monthrange(year, month)[1]))


@attrs.frozen
class Ended:
    seller: str
    at: datetime
    completed: bool
    on_time: bool | None
    accepted: bool


@attrs.frozen
class Query:
    seller: str
    now: datetime


def rate(part: int, whole: int) -> Decimal:
    return (Decimal(round(Fraction(part, whole) * 10_000)) / 10_000).quantize(Decimal("0.0001"))


def recount(records: list[Ended], seller: str, now: datetime, policy: Policy) -> SellerRates:
    """The naive oracle: every record of ``seller`` that ended by ``now`` and had not yet left."""
    inside = [
        r
        for r in records
        if r.seller == seller and r.at <= now < months_later(r.at, policy.stats_window_months)
    ]
    completed = sum(r.completed for r in inside)
    if completed < policy.stats_min_completed:
        return SellerRates(seller, len(inside), completed, None, None, None)
    timed = [r.on_time for r in inside if r.on_time is not None]
    return SellerRates(
        seller,
        len(inside),
        completed,
        rate(completed, len(inside)),
        rate(sum(timed), len(timed)) if timed else None,
        rate(sum(r.accepted for r in inside), len(inside)),
    )


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """Instants around month ends, where calendar months clamp, some a microsecond apart."""
    year, month = draw(st.integers(2025, 2026)), draw(st.integers(1, 12))
    day = min(draw(st.sampled_from([1, 15, 28, 29, 30, 31])), calendar.monthrange(year, month)[1])
    hour, micro = draw(st.sampled_from([0, 12])), draw(st.sampled_from([0, 1]))
    return datetime(year, month, day, hour, 0, 0, micro, tzinfo=timezone.utc)


SELLERS = st.sampled_from(["a", "b"])
ENDED = st.builds(Ended, SELLERS, instants(), st.booleans(), st.none() | st.booleans(), st.booleans())
STEPS = st.lists(ENDED | st.builds(Query, SELLERS, instants()), max_size=40)


@given(STEPS, st.integers(1, 6), st.integers(1, 3))
def test_any_order_of_records_and_queries_agrees_with_a_naive_recount(
    steps: list[Ended | Query], months: int, minimum: int
) -> None:
    policy = Policy(name="p", version=1, stats_window_months=months, stats_min_completed=minimum)
    stats = SellerStats(policy)
    fed: list[Ended] = []
    latest: datetime | None = None  # the latest instant the statistics have seen
    for step in steps:
        if isinstance(step, Ended):
            stats.record(
                step.seller, step.at, completed=step.completed, on_time=step.on_time, accepted=step.accepted
            )
            fed.append(step)
            instant = step.at
        else:
            expected = recount(fed, step.seller, step.now, policy)
            try:
                assert stats.rates(step.seller, step.now) == expected
            except WindowForgotten:
                assert latest is not None
                assert step.now < latest  # never refused at or after the clock
            instant = step.now
        latest = instant if latest is None else max(latest, instant)
    assert stats.sellers() == tuple(sorted({r.seller for r in fed}))
    if latest is not None:
        for seller in ("a", "b"):
            assert stats.rates(seller, latest) == recount(fed, seller, latest, policy)
