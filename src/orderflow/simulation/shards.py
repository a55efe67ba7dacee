"""One large simulation split into shards by seller, run on an executor, merged into one run.

A shard is a pure function of (setup, shard): it reads every arrival of the run, numbers each by
its place among them, and places only the orders of its own sellers (``Engine(sellers=...)``).
Each order draws from its own stream (seeded by the run's seed and the order's number) and each
party from its own (``draws.party_seed``), and orders never interact, so an order lives the same
life in whichever shard runs it. ``merge`` adds the shards' tallies (exact: counters, ``Decimal``
money, integer histograms), unites their parties and seller statistics (each seller is in one
shard), and takes the latest clock: the report of the merged run is byte for byte the report of
the run made in one piece, whatever the number of shards or workers.

Sellers are dealt to shards by their expected share of the orders (Zipf popularity, the
heaviest first to the lightest shard), so that shards carry about the same work; a seller the
market does not name (from a CSV file of arrivals) goes to a shard by a hash of its name. The
deal changes only the speed, never the result.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from datetime import datetime
from hashlib import blake2b

import attrs

from ..stats import SellerRates, SellerStats
from .engine import Engine, Run, SellerRatesBook, Setup
from .executors import Executor
from .population import Market, Population

#: Below this many orders a shard is not worth a process of its own (start-up, arrivals read twice).
MIN_ORDERS_PER_SHARD = 2_500


@attrs.frozen
class Shard:
    """Shard ``index`` of ``count`` of the run ``setup`` describes."""

    setup: Setup
    index: int
    count: int


def seller_names(market: Market) -> list[str]:
    """The names of the market's sellers, most popular first (``population.poisson_arrivals``)."""
    return [f"seller-{rank + 1:05d}" for rank in range(market.sellers)]


def deal(market: Market, count: int) -> dict[str, int]:
    """Each named seller's shard: heaviest expected share first, to the lightest shard so far."""
    loads = [(0.0, shard) for shard in range(count)]
    dealt: dict[str, int] = {}
    for rank, name in enumerate(seller_names(market)):
        load, shard = heapq.heappop(loads)
        dealt[name] = shard
        heapq.heappush(loads, (load + 1 / (rank + 1) ** market.popularity, shard))
    return dealt


class ShardSellers:
    """Whether a seller's orders belong to one shard: a picklable, cheap test per arrival."""

    def __init__(self, market: Market, index: int, count: int) -> None:
        self.index, self.count = index, count
        self._dealt = deal(market, count)

    def __call__(self, seller: str) -> bool:
        shard = self._dealt.get(seller)
        if shard is None:  # a name the market does not make: by a hash of the name
            digest = blake2b(seller.encode(), digest_size=8).digest()
            shard = self._dealt[seller] = int.from_bytes(digest, "big") % self.count
        return shard == self.index


def shard_count(setup: Setup, workers: int) -> int:
    """How many shards to cut ``setup``'s run into for ``workers`` workers (1: not cut)."""
    return max(1, min(workers, setup.market.orders // MIN_ORDERS_PER_SHARD))


def shards_of(setup: Setup, count: int) -> list[Shard]:
    return [Shard(setup, index, count) for index in range(count)]


def run_shard(shard: Shard) -> Run:
    """The run of ``shard``'s sellers' orders alone (a module-level function: picklable); the
    orders still alive are counted in its tally, not returned (they hold unpicklable rules)."""
    sellers = None if shard.count == 1 else ShardSellers(shard.setup.market, shard.index, shard.count)
    return attrs.evolve(Engine(shard.setup, sellers=sellers).run(), unfinished=())  # counted in the tally


class ShardedStats:
    """The seller statistics of a run's shards, each seller's held by exactly one of them."""

    def __init__(self, books: Sequence[SellerRatesBook]) -> None:
        self._books = tuple(books)
        self._owner = {seller: book for book in self._books for seller in book.sellers()}

    def rates(self, seller: str, now: datetime) -> SellerRates:
        book = self._owner.get(seller)
        return (book or SellerStats()).rates(seller, now)

    def sellers(self) -> tuple[str, ...]:
        return tuple(sorted(self._owner))

    @property
    def held(self) -> int:
        return sum(book.held for book in self._books)


def merge(runs: Sequence[Run]) -> Run:
    """The shards' runs of one setup as the run made in one piece."""
    if len(runs) == 1:
        return runs[0]
    first = runs[0]
    tally = first.tally
    population = Population(first.setup.seed, first.setup.behaviour.seller, first.setup.behaviour.buyer)
    for run in runs:
        assert run.setup == first.setup, "shards of different runs"
        if run is not first:
            tally.merge(run.tally)
            for key, segment in first.segments.items():  # each segment's totals merge alike
                segment.merge(run.segments[key])
        population.merge(run.population)
    stats = ShardedStats([run.stats for run in runs])
    return Run(first.setup, tally, (), population, stats, max(run.clock for run in runs), first.segments)


def simulate_all(
    setups: Sequence[Setup], executor: Executor, progress: Callable[[int], None] | None = None
) -> list[Run]:
    """Every setup's run, cut into shards for ``executor``'s workers; ``progress(n)`` hears of
    the orders placed, as each shard finishes (every 1,000 orders when nothing is cut: a run too
    small to cut, or a single worker, runs in this process)."""
    counts = [shard_count(setup, executor.workers) for setup in setups]
    if all(count == 1 for count in counts):
        return [Engine(setup, progress).run() for setup in setups]
    shards = [shard for setup, count in zip(setups, counts, strict=True) for shard in shards_of(setup, count)]
    owners = [position for position, count in enumerate(counts) for _ in range(count)]
    done: list[dict[int, Run]] = [{} for _ in setups]
    for index, run in executor.map(run_shard, shards):
        done[owners[index]][shards[index].index] = run
        if progress is not None:
            progress(run.tally.placed)
    return [merge([runs[shard] for shard in sorted(runs)]) for runs in done]
