"""The discrete-event loop: a heap of instants on a virtual clock, driving the real core.

Theory of operation. Arrivals come in time order and wait outside the heap, one at a time; the
heap holds ``(instant, sequence, live)``: one entry per live order, at the earlier of its next
deadline (``next_due``) and the action its parties planned (``actors``); ``next_due`` is asked
only when the core's cheap test cannot rule out a deadline by the planned instant (mostly it
can: the plan comes first). Only an order's own entry ever changes it, so an entry is never
stale. Waking an order either ``advance``s it to its deadline or ``decide``s the planned
command; a command the core rejects (the typed errors) is dropped and the parties plan again
without it. A terminal order is counted and forgotten at once: memory follows the orders alive,
and the totals are counters (``tally``), kept again per seller and buyer segment when segments
are set (each live order holds its segments'). Nothing sleeps and no wall clock is read; every
draw comes from seeded generators, so a run is a pure function of its ``Setup``.

An engine may run one shard of a run (``shards``): it reads every arrival, numbers each by its
place in the arrivals (the seed of the order's draws and its id), and places only the orders of
its own sellers. Orders never interact, so the shards' runs merge into the run made in one piece.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Protocol

import attrs

from ..domain.decide import decide
from ..domain.decision import Decision
from ..domain.errors import Rejection
from ..domain.money import Money, minor_units, zero
from ..domain.placement import Option, Placement, place_order
from ..domain.policy import COMEUP, Policy
from ..domain.states import TERMINAL
from ..domain.timers import advance, next_due, nothing_due_by
from ..stats import SellerRates, SellerStats
from .actors import NOTHING_EXCLUDED, Actors, Live
from .behaviour import Behaviour
from .draws import Streams
from .population import Arrival, Market, Population, file_arrivals, poisson_arrivals
from .tally import Tally


@attrs.frozen
class Prices:
    """What an arrival at one price pays (``Engine._prices``, made once per price)."""

    price: Money
    options: tuple[Option]  # the one option a buyer may take: a third of the price, a day more
    tip: Money
    fee: Money  # the platform's fee on the price alone
    fee_with_option: Money


@attrs.frozen
class Setup:
    """Everything a run depends on: the same setup gives the same run, bit for bit."""

    seed: int = 0
    market: Market = attrs.field(factory=Market)
    behaviour: Behaviour = attrs.field(factory=Behaviour)
    policy: Policy = COMEUP
    #: Stop the clock this many days after the market's start (None: run until every order ends).
    horizon_days: float | None = None
    #: A CSV file of arrivals instead of Poisson ones (``population.file_arrivals``).
    arrivals: Path | None = None

    @property
    def horizon(self) -> datetime | None:
        return None if self.horizon_days is None else self.market.start + timedelta(days=self.horizon_days)


class SellerRatesBook(Protocol):
    """What a run's seller statistics answer: a ``SellerStats``, or those of a run's shards."""

    def rates(self, seller: str, now: datetime) -> SellerRates: ...

    def sellers(self) -> tuple[str, ...]: ...

    @property
    def held(self) -> int: ...


@attrs.frozen
class Run:
    """What a finished run leaves: its totals, the orders still alive, the parties met."""

    setup: Setup
    tally: Tally = attrs.field(eq=False)
    #: The orders alive when the run stopped, by index; a run merged from shards (``shards``)
    #: has none here (an order cannot leave its process), and its tally counts them.
    unfinished: tuple[Live, ...] = attrs.field(eq=False)
    population: Population = attrs.field(eq=False)
    stats: SellerRatesBook = attrs.field(eq=False)
    clock: datetime  # the last instant simulated (the horizon, if one was set and reached)
    #: The totals of each segment's orders, by ``seller:NAME`` and ``buyer:NAME`` (none unset).
    segments: dict[str, Tally] = attrs.field(eq=False, factory=dict)


#: The orders an engine places: those of the sellers for which this is true (None: every order).
Sellers = Callable[[str], bool]


class Engine:
    """One simulation run; ``run()`` once."""

    def __init__(
        self, setup: Setup, progress: Callable[[int], None] | None = None, sellers: Sellers | None = None
    ) -> None:
        self.setup, self.progress, self.sellers = setup, progress, sellers
        market, behaviour = setup.market, setup.behaviour
        self.actors = Actors(behaviour)
        self._planner = self.actors.planners.get  # ``actors.plan`` in two steps: one call less per event
        self.population = Population(
            setup.seed, behaviour.seller, behaviour.buyer, behaviour.seller_segments, behaviour.buyer_segments
        )
        self.tally = Tally(zero(market.currency), market.start)
        self.segments = {
            f"{role}:{segment.name}": Tally(zero(market.currency), market.start)
            for role, segments in (("seller", behaviour.seller_segments), ("buyer", behaviour.buyer_segments))
            for segment in segments
        }
        self.stats = SellerStats(setup.policy)
        self.live: dict[int, Live] = {}
        self.heap: list[tuple[datetime, int, Live]] = []  # live orders by the instant they wake
        self.sequence = itertools.count()
        self._cent = Decimal(1).scaleb(-minor_units(market.currency))
        self._prices_made: dict[Decimal, Prices] = {}
        self._streams = Streams(setup.seed)

    def arrivals(self) -> Iterator[tuple[int, Arrival]]:
        """This engine's arrivals, each with its index among all the run's arrivals."""
        setup, mine = self.setup, self.sellers
        if setup.arrivals is not None:
            every = file_arrivals(setup.arrivals, setup.market, setup.seed)
        else:
            every = poisson_arrivals(setup.market, setup.seed)
        numbered = enumerate(every)
        return numbered if mine is None else (pair for pair in numbered if mine(pair[1].seller))

    def run(self) -> Run:
        horizon, heap, pop = self.setup.horizon, self.heap, heapq.heappop
        wake, place = self._wake, self._place  # bound once: hot loop
        arrivals = self.arrivals()
        upcoming = next(arrivals, None)  # arrivals come in time order: they wait outside the heap
        clock = self.setup.market.start
        while True:
            if upcoming is not None and (not heap or upcoming[1].at < heap[0][0]):
                if horizon is not None and upcoming[1].at > horizon:
                    upcoming = None  # no more arrivals; orders alive go on to the horizon
                    continue
                clock = upcoming[1].at
                place(upcoming)
                upcoming = next(arrivals, None)
            elif heap and (horizon is None or heap[0][0] <= horizon):
                clock, _, live = pop(heap)
                wake(live)
            else:
                break
        if horizon is not None:
            clock = horizon
        if self.progress is not None and self.tally.placed % 1000:
            self.progress(self.tally.placed % 1000)
        unfinished = tuple(sorted(self.live.values(), key=lambda live: live.index))
        self.tally.alive_at_the_end(live.order for live in unfinished)
        for segment in self.segments.values():
            segment.alive_at_the_end(live.order for live in unfinished if segment in live.tallies)
        return Run(self.setup, self.tally, unfinished, self.population, self.stats, clock, self.segments)

    def _prices(self, price: Decimal) -> Prices:
        """The price, an option (a third of it, one more day), a tip (a tenth) and the platform's
        fee without and with the option, made once per price: they are immutable values."""
        found = self._prices_made.get(price)
        if found is None:
            currency, cent, rate = self.setup.market.currency, self._cent, self.setup.policy.fee_rate

            def money(amount: Decimal) -> Money:
                return Money(max(amount.quantize(cent, ROUND_HALF_UP), cent), currency)

            def fee(base: Decimal) -> Money:
                return Money((base * rate).quantize(cent, ROUND_HALF_UP), currency)

            option = Option("extra", money(price / 3), 1)
            made = money(price)
            found = Prices(
                price=made,
                options=(option,),
                tip=money(price / 10),
                fee=fee(made.amount),
                fee_with_option=fee(made.amount + option.price.amount),
            )
            self._prices_made[price] = found
        return found

    def _place(self, numbered: tuple[int, Arrival]) -> None:
        setup, tally = self.setup, self.tally
        index, arrival = numbered
        draws = self._streams.draws(index)
        buyer = self.population.buyer(arrival.buyer)
        prices = self._prices(arrival.price)
        with_option = draws.chance(buyer.behaviour.option_probability)
        placed = place_order(
            Placement(
                order_id=f"o{index}",
                buyer=arrival.buyer,
                seller=arrival.seller,
                price=prices.price,
                delivery_days=arrival.delivery_days,
                paid_at=arrival.at,
                options=prices.options if with_option else (),
                tip=prices.tip if draws.chance(buyer.behaviour.tip_probability) else None,
                platform_fee=prices.fee_with_option if with_option else prices.fee,
                policy=setup.policy,
            )
        )
        tally.placed_order(placed)
        live = Live(index, placed.order, draws, self.population.seller(arrival.seller), buyer)
        if self.segments:
            live.tallies = self._segment_tallies(live)
            for segment in live.tallies:
                segment.placed_order(placed)
        self.live[index] = live
        if self.progress is not None and tally.placed % 1000 == 0:
            self.progress(1000)
        self._schedule(live, arrival.at)

    def _wake(self, live: Live) -> None:
        plan, due = live.plan, live.due
        if due is not None and (plan is None or due <= plan[0]):
            self._apply(live, advance(live.order, due), due)
            return
        assert plan is not None  # an order is only in the heap with a deadline or a plan
        at, key, command = plan
        try:
            decision = decide(live.order, command, at)
        except Rejection as error:  # the order moved on, or the core forbids it here
            self.tally.rejected[key] += 1
            for segment in live.tallies:
                segment.rejected[key] += 1
            if error.advanced is None:
                live.excluded |= {key}
                self._schedule(live, at)
            else:
                self._apply(live, error.advanced, at)
            return
        self.tally.actions[key] += 1
        for segment in live.tallies:
            segment.actions[key] += 1
        self._apply(live, decision, at)

    def _apply(self, live: Live, decision: Decision, now: datetime) -> None:
        self.tally.decision(decision)
        order = live.order = decision.order
        live.excluded = NOTHING_EXCLUDED
        ended = order.state in TERMINAL  # ``order.is_terminal`` without a property call per event
        for segment in live.tallies:
            segment.decision(decision)
            if ended:
                segment.ended_order(order)
        if ended:
            self.tally.ended_order(order)
            self.stats.observe(decision)  # the seller-statistics effect comes with the end only
            del self.live[live.index]
            return
        self._schedule(live, now)

    def _segment_tallies(self, live: Live) -> tuple[Tally, ...]:
        """The totals of the order's seller's and buyer's segments (those that are set)."""
        keys = (f"seller:{live.seller.segment}", f"buyer:{live.buyer.segment}")
        return tuple(self.segments[key] for key in keys if key in self.segments)

    def _schedule(self, live: Live, now: datetime) -> None:
        planner = self._planner(live.order.state)
        plan = live.plan = None if planner is None else planner(live, now)
        wake: datetime | None
        if plan is not None and nothing_due_by(live.order, plan[0]):
            live.due, wake = None, plan[0]  # no deadline fires by the plan: no need to ask next_due
        else:
            due = next_due(live.order)
            live.due = None if due is None else due.at
            wake = live.due if plan is None or (live.due is not None and live.due <= plan[0]) else plan[0]
        if wake is not None:  # else the order waits for nothing: it stays alive, unfinished
            heapq.heappush(self.heap, (wake, next(self.sequence), live))


def simulate(setup: Setup, progress: Callable[[int], None] | None = None) -> Run:
    """Run the simulation ``setup`` describes; ``progress(n)`` hears of every 1,000 orders placed
    (and of the last ones)."""
    return Engine(setup, progress).run()
