"""``poisson_arrivals`` writes ``random.Random``'s methods out inline (its hot loop): the same
arrivals as the plain calls to ``expovariate``, ``randrange`` and ``lognormvariate``, in order."""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

from orderflow.simulation.population import DAY_SECONDS, Arrival, Market, poisson_arrivals


def plain_arrivals(market: Market, seed: int) -> Iterator[Arrival]:
    """The arrivals as first written, on the generator's own methods (the reference)."""
    draw = random.Random(f"{seed}:arrivals")
    shares = (1 / (rank + 1) ** market.popularity for rank in range(market.sellers))
    cumulative = list(itertools.accumulate(shares))
    rate, seconds, days = market.rate_per_day / DAY_SECONDS, 0.0, market.delivery_days
    for _ in range(market.orders):
        seconds += draw.expovariate(rate)
        seller = bisect.bisect_right(cumulative, draw.random() * cumulative[-1])
        buyer = draw.randrange(market.buyers)
        price = max(5, round(draw.lognormvariate(math.log(market.price_median), market.price_spread)))
        yield Arrival(
            market.start + timedelta(0, round(seconds)),
            f"seller-{min(seller, market.sellers - 1) + 1:05d}",
            f"buyer-{buyer + 1:05d}",
            Decimal(price),
            days[draw.randrange(len(days))],
        )


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"buyers": 1, "sellers": 1, "delivery_days": (3,)},  # randrange(1): zero bits drawn
        {"buyers": 4096, "sellers": 7, "delivery_days": (1, 2, 3, 4)},  # powers of two
        {"buyers": 4097, "price_spread": 3.0, "price_median": 1e9, "rate_per_day": 0.2},
    ],
)
@pytest.mark.parametrize("seed", [0, 1, 7, 123456789])
def test_the_inlined_draws_are_the_generators_own(changes: dict[str, Any], seed: int) -> None:
    market = attrs.evolve(Market(orders=3000), **changes)
    assert list(poisson_arrivals(market, seed)) == list(plain_arrivals(market, seed))
