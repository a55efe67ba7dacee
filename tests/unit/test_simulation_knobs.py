"""Every behaviour knob, market setting and policy override moves the report figure it should.

Each case runs the same seeded population as an eventful baseline (revisions, refusals,
cancellation requests, offers and disputes all common) with one setting changed, and compares
one figure. The runs share their random draws order by order, so a knob's effect is not lost in
noise even with a few hundred orders.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any

import attrs
import pytest

from orderflow import COMEUP
from orderflow.simulation import (
    BuyerBehaviour,
    Market,
    MediatorBehaviour,
    Report,
    SellerBehaviour,
    Setup,
    config,
    report,
    simulate,
)

ORDERS = 300
EVENTFUL = {
    "seller.silence_probability": 0.2,
    "seller.refuse_revision_probability": 0.4,
    "seller.cancel_probability": 0.05,
    "seller.custom_offer_probability": 0.3,
    "buyer.revision_probability": 0.5,
    "buyer.request_cancellation_probability": 0.2,
    "buyer.dispute_probability": 0.5,
    "buyer.buy_option_probability": 0.2,
    "mediator.split_weight": 1.0,
}


@cache
def _run(changes: str = "{}") -> Report:
    """The report of the baseline with ``changes`` (JSON, to be a cache key) applied."""
    settings = config.parse({}, {**EVENTFUL, "market.orders": ORDERS, **json.loads(changes)})
    policy = settings.policy(COMEUP)
    return report(
        simulate(Setup(seed=3, market=settings.market, behaviour=settings.behaviour, policy=policy))
    )


def at(*path: str) -> Callable[[Report], Any]:
    def figure(data: Report) -> Any:
        for key in path:
            data = data.get(key, 0) if isinstance(data, dict) else 0
        return Decimal(str(data)) if isinstance(data, (str, float)) else data

    figure.__name__ = ".".join(path)
    return figure


UP, DOWN = "up", "down"
KNOBS: list[tuple[str, object, Callable[[Report], Any], str]] = [
    # knob, its value, the figure it moves, which way
    ("seller.accept_probability", 0.5, at("canceled_by", "acceptance"), UP),
    ("seller.accept_delay.median_hours", 40, at("canceled_by", "acceptance"), UP),
    ("seller.on_time_probability", 0.3, at("rates", "late_delivery_percent"), UP),
    ("seller.late_by.median_hours", 300, at("canceled_by", "cancel (buyer)"), UP),
    ("seller.cancel_probability", 0.4, at("canceled_by", "cancel (seller)"), UP),
    ("seller.custom_offer_probability", 0.9, at("events", "CustomOfferMade"), UP),
    ("seller.custom_offer_price_ratio", 3.0, at("money", "paid_in"), UP),
    ("seller.answer_delay.median_hours", 150, at("hours_to_close", "mean"), UP),
    ("seller.silence_probability", 0.8, at("disputes", "opened_by", "buyer"), UP),
    ("seller.accept_cancellation_probability", 1.0, at("canceled_by", "accept_cancellation (seller)"), UP),
    ("seller.refuse_revision_probability", 0.9, at("revisions", "refused"), UP),
    ("seller.partial_refund_probability", 1.0, at("events", "PartialRefundAccepted"), UP),
    ("seller.partial_refund_ratio", 0.9, at("money", "refunded"), UP),
    ("seller.reliability_spread", 4.0, at("canceled_by", "acceptance"), UP),  # more unreliable sellers
    ("buyer.option_probability", 1.0, at("money", "paid_in"), UP),
    ("buyer.tip_probability", 1.0, at("money", "seller_credited"), UP),
    ("buyer.cancel_pending_probability", 0.6, at("canceled_by", "cancel (buyer)"), UP),
    ("buyer.buy_option_probability", 1.0, at("events", "OptionBought"), UP),
    ("buyer.accept_offer_probability", 1.0, at("events", "CustomOfferAccepted"), UP),
    ("buyer.request_cancellation_probability", 0.9, at("events", "CancellationRequested"), UP),
    ("buyer.insist_cancellation_probability", 1.0, at("disputes", "opened_by", "automatic"), UP),
    ("buyer.cancel_late_probability", 1.0, at("rates", "late_cancellation_percent"), UP),
    ("buyer.cancel_late_delay.median_hours", 1, at("canceled_by", "cancel (buyer)"), UP),
    ("buyer.decision_delay.median_hours", 400, at("completed_by", "review_decision"), UP),
    ("buyer.revision_probability", 0.95, at("revisions", "requested"), UP),
    ("buyer.repeat_revision_probability", 0.9, at("revisions", "requested"), UP),
    ("buyer.close_probability", 0.0, at("completed_by", "close"), DOWN),
    ("buyer.accept_partial_refund_probability", 0.0, at("events", "PartialRefundAccepted"), DOWN),
    ("buyer.dispute_probability", 1.0, at("disputes", "opened_by", "buyer"), UP),
    ("buyer.dispute_unanswered_probability", 0.0, at("disputes", "opened_by", "buyer"), DOWN),
    ("buyer.demand_spread", 4.0, at("revisions", "ended_orders_by_count", "5+"), UP),
    ("mediator.release_weight", 20, at("disputes", "outcomes", "release"), UP),
    ("mediator.refund_weight", 20, at("disputes", "outcomes", "refund"), UP),
    ("mediator.split_weight", 20, at("disputes", "outcomes", "split"), UP),
    ("mediator.restart_weight", 20, at("disputes", "outcomes", "restart"), UP),
    ("mediator.split_buyer_ratio", 0.9, at("money", "refunded"), UP),
    ("mediator.decision_delay.median_hours", 1000, at("hours_to_close", "mean"), UP),
    ("market.orders", 600, at("orders", "placed"), UP),
    ("market.rate_per_day", 5000, at("orders", "peak_alive_hourly"), UP),
    ("market.sellers", 10, at("setup", "sellers"), DOWN),
    ("market.buyers", 20, at("setup", "buyers"), DOWN),
    ("market.popularity", 3.0, at("setup", "sellers"), DOWN),
    ("market.price_median", 300, at("money", "paid_in"), UP),
    ("market.price_spread", 2.0, at("money", "paid_in"), UP),
    ("market.delivery_days", [14], at("hours_to_close", "p50"), UP),
    ("policy.review_decision_window", 1, at("hours_to_close", "p90"), DOWN),
    ("policy.acceptance_window", 0.25, at("canceled_by", "acceptance"), UP),
    ("policy.revision_cap", 1, at("rejected_actions", "buyer:request_revision"), UP),
    ("policy.unanswered_cancellation_cancels", True, at("canceled_by", "seller_answer"), UP),
    ("policy.refusals_before_dispute", 1, at("disputes", "opened_by", "automatic"), UP),
    ("policy.fee_rate", "0.20", at("money", "platform_revenue"), UP),
    ("policy.stats_min_completed", 1, at("seller_statistics", "shown"), UP),
]  # fmt: skip


@pytest.mark.parametrize(("knob", "value", "figure", "moves"), KNOBS, ids=[k[0] for k in KNOBS])
def test_a_knob_moves_its_figure(
    knob: str, value: object, figure: Callable[[Report], Any], moves: str
) -> None:
    before, after = figure(_run()), figure(_run(json.dumps({knob: value})))
    assert after > before if moves == UP else after < before, f"{figure.__name__}: {before} -> {after}"


def test_the_table_covers_every_behaviour_and_market_setting() -> None:
    sections = {"seller": SellerBehaviour, "buyer": BuyerBehaviour, "mediator": MediatorBehaviour}
    sections["market"] = Market
    every = {f"{name}.{field.name}" for name, cls in sections.items() for field in attrs.fields(cls)}
    covered = {knob.rsplit(".median_hours", 1)[0] for knob, *_ in KNOBS}
    assert every - covered == {"market.currency", "market.start"}  # they move no figure, by design
