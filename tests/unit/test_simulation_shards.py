"""Shards: a run cut by seller and merged is the run made in one piece, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from orderflow import COMEUP, FIVERR_LIKE
from orderflow.simulation import Market, Setup, config, report, shards, simulate
from orderflow.simulation.draws import Draws, party_seed
from orderflow.simulation.executors import SerialExecutor
from orderflow.simulation.population import Population, poisson_arrivals
from orderflow.simulation.shards import (
    MIN_ORDERS_PER_SHARD,
    ShardSellers,
    deal,
    run_shard,
    shard_count,
    shards_of,
    simulate_all,
)
from orderflow.simulation.tally import HOUR, Histogram, Hourly


class InProcess(SerialExecutor):
    """A serial executor that claims ``workers`` workers, so that runs are cut into shards."""

    def __init__(self, workers: int) -> None:
        self.workers = workers


@pytest.fixture(autouse=True)
def small_shards(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shards of 400 orders, so that these tests run small runs cut in three."""
    monkeypatch.setattr(shards, "MIN_ORDERS_PER_SHARD", 400)


def _setup(orders: int = 1_200, seed: int = 5, **changes: Any) -> Setup:
    settings = config.parse({}, {"market.orders": orders, **changes})
    return Setup(
        seed=seed, market=settings.market, behaviour=settings.behaviour, policy=settings.policy(COMEUP)
    )


def _json(setup: Setup, workers: int) -> str:
    return json.dumps(report(simulate_all([setup], InProcess(workers))[0]), indent=2)


EVENTFUL: dict[str, Any] = {
    "seller.silence_probability": 0.2,
    "seller.refuse_revision_probability": 0.4,
    "seller.custom_offer_probability": 0.3,
    "buyer.dispute_probability": 0.5,
    "buyer.buy_option_probability": 0.2,
    "market.sellers": 40,
}


@pytest.mark.parametrize(
    "setup",
    [
        _setup(),
        _setup(seed=9, **EVENTFUL),
        attrs.evolve(_setup(**{"market.rate_per_day": 600}), horizon_days=2.0),
        attrs.evolve(_setup(seed=2), policy=FIVERR_LIKE),
    ],
    ids=["defaults", "eventful", "horizon", "fiverr_like"],
)
def test_shards_merge_into_the_same_report_byte_for_byte(setup: Setup) -> None:
    assert shard_count(setup, 3) == 3
    whole = json.dumps(report(simulate(setup)), indent=2)
    assert _json(setup, 1) == whole
    assert _json(setup, 2) == whole
    assert _json(setup, 3) == whole


def test_the_shards_of_a_run_split_its_orders_and_sellers() -> None:
    setup = _setup()
    runs = [run_shard(shard) for shard in shards_of(setup, 3)]
    assert sum(run.tally.placed for run in runs) == setup.market.orders
    assert all(run.tally.placed > setup.market.orders / 5 for run in runs)  # dealt by popularity
    sellers = [set(run.population.sellers) for run in runs]
    assert sum(len(names) for names in sellers) == len(set.union(*sellers))  # no seller in two shards


def test_a_csv_of_arrivals_with_its_own_sellers_is_sharded_by_name(tmp_path: Path) -> None:
    instants = [f"2026-01-05T{hour:02d}:{minute:02d}:00+00:00" for hour in range(24) for minute in range(60)]
    lines = ["at,seller"] + [f"{at},ann{number % 7}" for number, at in enumerate(instants)]
    path = tmp_path / "arrivals.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    setup = attrs.evolve(_setup(orders=len(lines) - 1), arrivals=path)
    whole = json.dumps(report(simulate(setup)), indent=2)
    assert _json(setup, 2) == whole
    assert sum(run_shard(shard).tally.placed for shard in shards_of(setup, 2)) == len(lines) - 1


def test_a_seller_is_in_exactly_one_shard() -> None:
    market = Market(sellers=30)
    owners = [ShardSellers(market, index, 3) for index in range(3)]
    for name in [*deal(market, 3), "someone-else", "seller-99999"]:
        assert sum(owner(name) for owner in owners) == 1


def test_small_runs_are_not_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shards, "MIN_ORDERS_PER_SHARD", MIN_ORDERS_PER_SHARD)
    assert shard_count(_setup(orders=MIN_ORDERS_PER_SHARD), 8) == 1
    assert shard_count(_setup(orders=2 * MIN_ORDERS_PER_SHARD), 8) == 2
    assert shard_count(_setup(orders=100 * MIN_ORDERS_PER_SHARD), 3) == 3


def test_a_partys_trait_does_not_depend_on_who_was_met_first() -> None:
    behaviour = _setup().behaviour
    first, second = (
        Population(4, behaviour.seller, behaviour.buyer),
        Population(4, behaviour.seller, behaviour.buyer),
    )
    for name in ("seller-00001", "seller-00002"):
        first.seller(name)
    for name in ("seller-00002", "seller-00001"):
        second.seller(name)
    assert first.sellers == second.sellers
    assert first.seller("seller-00001") != first.seller("seller-00002")
    assert Population(5, behaviour.seller, behaviour.buyer).seller("seller-00001") != first.seller(
        "seller-00001"
    )


def test_party_streams_are_apart_by_role_and_seed() -> None:
    seeds = {party_seed(1, "seller", "x"), party_seed(1, "buyer", "x"), party_seed(2, "seller", "x")}
    assert len(seeds) == 3


def test_normal_draws_have_mean_zero_and_deviation_one() -> None:
    draws = Draws(7)
    values = [draws.normal() for _ in range(20_000)]
    mean = sum(values) / len(values)
    deviation = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
    assert abs(mean) < 0.03
    assert abs(deviation - 1) < 0.03


def test_histograms_merge_exactly_in_any_order() -> None:
    values = [0, 1, HOUR - 1, HOUR, 5 * HOUR + 7, 99 * HOUR]
    whole, *parts = (Histogram(HOUR, 10, HOUR) for _ in range(4))
    for value in values:
        whole.add(value)
    for number, value in enumerate(values):
        parts[number % 3].add(value)
    parts[2].merge(parts[0])
    parts[2].merge(parts[1])
    assert (parts[2].counts, parts[2].sum, parts[2].total) == (whole.counts, whole.sum, whole.total)
    assert whole.percentile(0.5) == 1.0  # the third value, HOUR - 1, is in the first bin
    assert whole.percentile(1.0) == float("inf")


def test_compared_policies_still_share_arrivals_and_draws_when_cut() -> None:
    setups = [_setup(), attrs.evolve(_setup(), policy=FIVERR_LIKE)]
    comeup, fiverr = (report(run) for run in simulate_all(setups, InProcess(2)))
    assert comeup == report(simulate(setups[0]))
    assert fiverr == report(simulate(setups[1]))
    assert comeup["actions"]["seller:accept"] == fiverr["actions"]["seller:accept"]


def test_arrivals_are_the_same_in_every_shard() -> None:
    market = Market(orders=50)
    assert list(poisson_arrivals(market, 3)) == list(poisson_arrivals(market, 3))


def test_hourly_changes_merge_exactly_before_and_after_the_first_hour() -> None:
    whole, first, second = Hourly(), Hourly(), Hourly()
    changes = [(3, 1), (0, 1), (-2, 1), (5, -1), (3, -1), (40, 1)]
    for number, (hour, value) in enumerate(changes):
        whole.add(hour, value)
        (first if number % 2 else second).add(hour, value)
    first.merge(second)
    assert (first.first, first.counts) == (whole.first, whole.counts) == (-2, whole.counts)
    assert sum(whole.counts) == 2
