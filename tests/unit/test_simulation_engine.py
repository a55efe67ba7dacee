"""The simulation engine: reproducible bit for bit, money conserved, memory following live orders."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

from orderflow import COMEUP, FIVERR_LIKE, State
from orderflow.simulation import Market, Setup, config, report, simulate
from orderflow.simulation.draws import Draws, Streams, stream_seed
from orderflow.simulation.engine import Engine
from orderflow.simulation.population import poisson_arrivals


def _setup(orders: int = 500, seed: int = 5, **changes: Any) -> Setup:
    settings = config.parse({}, {"market.orders": orders, **changes})
    policy = settings.policy(COMEUP)
    return Setup(seed=seed, market=settings.market, behaviour=settings.behaviour, policy=policy)


def _json(setup: Setup) -> str:
    return json.dumps(report(simulate(setup)))


def test_the_same_seed_gives_the_same_report_byte_for_byte() -> None:
    assert _json(_setup()) == _json(_setup())


def test_another_seed_gives_another_report() -> None:
    assert _json(_setup(seed=5)) != _json(_setup(seed=6))


def test_compared_policies_share_arrivals_and_parties() -> None:
    comeup = report(simulate(_setup()))
    fiverr = report(simulate(attrs.evolve(_setup(), policy=FIVERR_LIKE)))
    assert comeup["money"]["paid_in"] != "0"
    for key in ("sellers", "buyers", "arrivals"):
        assert comeup["setup"][key] == fiverr["setup"][key]
    assert comeup["orders"]["placed"] == fiverr["orders"]["placed"]
    # While pending the two policies are alike: each order meets the same draws there.
    assert comeup["canceled_by"]["acceptance"] == fiverr["canceled_by"]["acceptance"]
    assert comeup["actions"]["seller:accept"] == fiverr["actions"]["seller:accept"]
    # The 3-day review window shows: more deliveries complete by themselves.
    assert fiverr["completed_by"]["review_decision"] > comeup["completed_by"]["review_decision"]


def test_money_is_conserved_to_the_cent_over_a_large_run_with_escrow_left_at_the_horizon() -> None:
    started = time.perf_counter()
    setup = attrs.evolve(_setup(orders=12_000, seed=11, **{"market.rate_per_day": 2000}), horizon_days=3.5)
    data = report(simulate(setup))
    money = data["money"]
    assert data["orders"]["unfinished"] > 0
    assert Decimal(money["escrow_held"]) > 0
    accounts = ("escrow_held", "refunded", "seller_credited", "platform_revenue")
    assert Decimal(money["paid_in"]) == sum(Decimal(money[a]) for a in accounts)
    assert money["conserved"] is True
    assert money["discrepancy"] == "0.00"
    assert data["orders"]["placed"] > 6_000
    print(f"{data['orders']['placed']:,} orders in {time.perf_counter() - started:.2f} s")


def test_without_a_horizon_every_order_ends_and_none_stays_in_memory() -> None:
    engine = Engine(_setup(orders=500))
    run = engine.run()
    assert run.unfinished == ()
    assert engine.live == {}
    assert engine.heap == []
    data = report(run)
    assert sum(o["count"] for o in data["outcomes"].values()) == 500
    assert data["money"]["escrow_held"] == "0.00"


def test_live_orders_are_bounded_by_the_arrivals_of_one_life() -> None:
    """Sellers never accept: each order lives exactly 48 hours, so no more than the arrivals of
    48 hours are ever alive, whatever the number of orders."""
    setup = _setup(
        orders=1200,
        **{"seller.accept_probability": 0, "buyer.cancel_pending_probability": 0, "market.rate_per_day": 300},
    )
    run = simulate(setup)
    data = report(run)
    assert data["outcomes"]["canceled"]["count"] == 1200
    assert data["canceled_by"] == {"acceptance": 1200}
    assert 450 < data["orders"]["peak_alive_hourly"] < 800  # ~600 arrive in 48 hours; 1,200 in all


def test_at_the_horizon_only_unfinished_orders_are_alive_and_each_is_active_or_frozen() -> None:
    setup = attrs.evolve(_setup(orders=500), horizon_days=0.5)
    engine = Engine(setup)
    run = engine.run()
    assert run.clock == setup.market.start + timedelta(days=0.5)
    assert len(run.unfinished) == len(engine.live) == report(run)["orders"]["unfinished"]
    assert all(not live.order.is_terminal and live.order.updated_at <= run.clock for live in run.unfinished)
    assert {live.order.state for live in run.unfinished} <= set(State) - {State.COMPLETED, State.CANCELED}
    assert len(engine.heap) <= len(engine.live) + 1  # one entry per live order, plus the next arrival


def test_planned_actions_the_core_refuses_are_dropped_and_replanned() -> None:
    capped: dict[str, Any] = {
        "buyer.revision_probability": 1.0,
        "buyer.repeat_revision_probability": 1.0,
        "policy.revision_cap": 1,
    }
    data = report(simulate(_setup(orders=400, **capped)))
    assert data["rejected_actions"]["buyer:request_revision"] > 0  # R-REV-5: past the cap
    assert data["revisions"]["ended_orders_by_count"]["2"] == 0
    assert data["outcomes"]["unfinished"]["count"] == 0  # the buyer closed or let it lapse instead


def test_draws_are_a_pure_function_of_the_seed_and_uniform_enough() -> None:
    first, second = Draws(stream_seed(1, 2)), Draws(stream_seed(1, 2))
    values = [first.uniform() for _ in range(10_000)]
    assert values == [second.uniform() for _ in range(10_000)]
    assert all(0 <= v < 1 for v in values)
    assert sum(values) / len(values) == pytest.approx(0.5, abs=0.02)
    assert stream_seed(1, 2) != stream_seed(1, 3) != stream_seed(2, 2)
    streams = Streams(1)
    plain = [Draws(stream_seed(1, index)).uniform() for index in range(50)]
    assert [streams.draws(index).uniform() for index in range(50)] == plain
    medians = sorted(Draws(9).lognormal(10.0, 1.0) for _ in range(2001))
    assert medians[1000] == pytest.approx(10.0, rel=0.15)


def test_poisson_arrivals_follow_the_rate_and_favour_popular_sellers() -> None:
    market = Market(orders=1000, rate_per_day=100.0)
    arrivals = list(poisson_arrivals(market, seed=2))
    instants = [a.at for a in arrivals]
    assert instants == sorted(instants)
    assert 9 < (instants[-1] - market.start) / timedelta(days=1) < 11  # 1,000 at 100 a day: 10 days
    sellers = Counter(a.seller for a in arrivals)
    assert sellers.most_common(1)[0][0] == "seller-00001"  # Zipf: the first seller is the most popular
    assert all(Decimal(5) <= a.price and a.delivery_days in market.delivery_days for a in arrivals)


def test_progress_hears_of_every_order_placed() -> None:
    heard: list[int] = []
    simulate(_setup(orders=1200), heard.append)
    assert heard == [1000, 200]
