"""Seller statistics (R-STAT-1 .. R-STAT-3, R-PEND-5): completion, on-time and acceptance rates over
a sliding window of calendar months, fed by the ``SellerStatistics`` effect of each ended order.

Theory of operation. An ended order counts from the instant it ended until ``stats_window_months``
calendar months later, clamped to the month's end like every calendar-month deadline
(``add_months``): at that instant it leaves the window, so an order that ended exactly six months
before ``now`` no longer counts. ``SellerStats`` keeps a running tally per seller of the orders it
holds, and a clock: the latest instant it has seen (a record's end or a query's ``now``). Moving the
clock forward drops the orders that have left the window, from a queue in leaving order (O(1) each)
or, for the few that leave earlier than one queued before them (clamped month ends, records
replayed out of order), from a heap (O(log n) each). Memory is thus bounded by the orders that
ended in the last window, plus one tally per seller ever seen.

A query at or after the clock is answered from the tally. A query before the clock is answered by
scanning the held orders (O(orders held)) when no dropped order could still count at that instant,
and otherwise raises ``WindowForgotten``. A record that has already left the window at the clock
is dropped on arrival: no query it could count in can be answered any more.

Rates are exact ratios of counts rounded half-even to ``PLACES`` decimal places.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

import attrs

from .domain.dates import add_months, require_aware
from .domain.decision import Decision
from .domain.effects import SellerStatistics
from .domain.errors import InvalidArgument, InvalidTime
from .domain.events import OrderCanceled, OrderCompleted, OrderExpired
from .domain.policy import COMEUP, Policy

#: Decimal places of every rate: 2/3 is 0.6667.
PLACES = 4

#: The events that end an order; each comes with exactly one ``SellerStatistics`` effect.
_ENDINGS = (OrderCompleted, OrderCanceled, OrderExpired)


class WindowForgotten(InvalidTime):
    """A query before the statistics' clock needs ended orders already dropped from memory."""


@attrs.frozen
class SellerRates:
    """One seller's rates at an instant (R-STAT-1): ``None`` while hidden or undefined.

    ``ended`` counts every order that ended inside the window, whatever its outcome; it is also
    the dashboard's ``sales`` (R-STAT-2: a canceled order is still a sale). ``on_time`` counts
    only orders delivered or late, so it is ``None`` when shown but none was.
    """

    seller: str
    ended: int
    completed: int
    completion: Decimal | None
    on_time: Decimal | None
    acceptance: Decimal | None

    @property
    def shown(self) -> bool:
        """Whether the rates are shown: at least the policy's minimum of completed orders."""
        return self.completion is not None

    @property
    def sales(self) -> int:
        """The dashboard's count of sales: every ended order, canceled and expired ones included."""
        return self.ended


class _Ended(NamedTuple):
    """One ended order as the statistics hold it: who, when it ended and left the window, how
    (a named tuple: one is made per ended order, and a tuple builds faster than a frozen class)."""

    seller: str
    at: datetime
    leaves: datetime
    completed: bool
    on_time: bool | None
    accepted: bool


@attrs.define
class _Tally:
    """Running counts of one seller's held orders."""

    ended: int = 0
    completed: int = 0
    timed: int = 0  # orders whose on_time is known (delivered, or late)
    on_time: int = 0
    accepted: int = 0

    def add(self, order: _Ended, sign: int = 1) -> None:
        self.ended += sign
        self.completed += sign * order.completed
        self.timed += sign * (order.on_time is not None)
        self.on_time += sign * (order.on_time is True)
        self.accepted += sign * order.accepted


def _ratio(part: int, whole: int) -> Decimal | None:
    """``part / whole`` rounded half-even to PLACES decimals, exactly (integer arithmetic)."""
    if whole == 0:
        return None
    quotient, remainder = divmod(part * 10**PLACES, whole)
    if 2 * remainder > whole or (2 * remainder == whole and quotient % 2):
        quotient += 1
    return Decimal(quotient).scaleb(-PLACES)


def _check(seller: object, completed: object, on_time: object, accepted: object) -> None:
    if not isinstance(seller, str) or not seller.strip():
        raise InvalidArgument(f"seller must be a non-empty string, not {seller!r}")
    for name, flag in (("completed", completed), ("accepted", accepted)):
        if not isinstance(flag, bool):
            raise InvalidArgument(f"{name} must be a bool, not {flag!r}")
    if on_time is not None and not isinstance(on_time, bool):
        raise InvalidArgument(f"on_time must be None or a bool, not {on_time!r}")


class SellerStats:
    """Every seller's rates over the policy's sliding window, fed one ended order at a time."""

    def __init__(self, policy: Policy = COMEUP) -> None:
        self._months = policy.stats_window_months
        self._minimum = policy.stats_min_completed
        self._tallies: dict[str, _Tally] = {}
        self._queue: deque[_Ended] = deque()  # leaving times never decrease along it
        self._stragglers: list[tuple[datetime, int, _Ended]] = []  # a heap by leaving time
        self._sequence = itertools.count()  # breaks ties in the heap
        self._clock: datetime | None = None
        self._forgotten_until: datetime | None = None  # the latest leaving time of a dropped order

    def observe(self, decision: Decision) -> None:
        """Record each ``SellerStatistics`` effect of ``decision``, dated by the event that ended
        the order (R-STAT-2, R-STAT-3, R-PEND-5)."""
        endings = [event for event in decision.events if isinstance(event, _ENDINGS)]
        effects = [effect for effect in decision.effects if isinstance(effect, SellerStatistics)]
        if len(endings) != len(effects):
            raise InvalidArgument(
                f"a decision with {len(endings)} ending events and {len(effects)} statistics effects"
            )
        for event, effect in zip(endings, effects, strict=True):  # the core's values: checked already
            self._add(effect.seller, event.at, effect.completed, effect.on_time, effect.accepted)

    def record(
        self, seller: str, at: datetime, *, completed: bool, on_time: bool | None, accepted: bool
    ) -> None:
        """Count an order of ``seller`` that ended ``at``; records may arrive in any order."""
        _check(seller, completed, on_time, accepted)
        self._add(seller, require_aware(at, "the order's end"), completed, on_time, accepted)

    def _add(self, seller: str, at: datetime, completed: bool, on_time: bool | None, accepted: bool) -> None:
        """``record`` without its checks, for values checked already (an aware UTC ``at``)."""
        tally = self._tallies.get(seller)
        if tally is None:  # not ``setdefault(seller, _Tally())``: that builds a tally per record
            tally = self._tallies[seller] = _Tally()
        order = _Ended(seller, at, add_months(at, self._months), completed, on_time, accepted)
        if self._clock is not None and order.leaves <= self._clock:
            self._forget(order)
            return
        tally.add(order)
        if not self._queue or order.leaves >= self._queue[-1].leaves:
            self._queue.append(order)
        else:
            heapq.heappush(self._stragglers, (order.leaves, next(self._sequence), order))
        self._move_clock(at)

    def rates(self, seller: str, now: datetime) -> SellerRates:
        """``seller``'s rates at ``now`` (R-STAT-1); an unknown seller has none, hidden.

        Raises WindowForgotten when ``now`` is before the clock and an order that would count at
        ``now`` was already dropped.
        """
        if not isinstance(seller, str):
            raise InvalidArgument(f"seller must be a string, not {seller!r}")
        now = require_aware(now, "now")
        if self._clock is None or now >= self._clock:
            self._move_clock(now)
            tally = self._tallies.get(seller, _Tally())
        elif self._forgotten_until is not None and now < self._forgotten_until:
            raise WindowForgotten(
                f"the statistics at {now.isoformat()} are gone: orders counting then were dropped when"
                f" the clock reached {self._clock.isoformat()}; ask at {self._forgotten_until.isoformat()}"
                " or later"
            )
        else:
            tally = _Tally()
            for order in self._held():
                if order.seller == seller and order.at <= now < order.leaves:
                    tally.add(order)
        shown = tally.completed >= self._minimum
        return SellerRates(
            seller=seller,
            ended=tally.ended,
            completed=tally.completed,
            completion=_ratio(tally.completed, tally.ended) if shown else None,
            on_time=_ratio(tally.on_time, tally.timed) if shown else None,
            acceptance=_ratio(tally.accepted, tally.ended) if shown else None,
        )

    def sellers(self) -> tuple[str, ...]:
        """Every seller recorded so far, sorted (those whose orders all left the window included)."""
        return tuple(sorted(self._tallies))

    @property
    def held(self) -> int:
        """How many ended orders are held in memory."""
        return len(self._queue) + len(self._stragglers)

    def _held(self) -> Iterator[_Ended]:
        yield from self._queue
        yield from (order for _, _, order in self._stragglers)

    def _move_clock(self, now: datetime) -> None:
        """Advance the clock to ``now`` if later, dropping the orders that have left the window."""
        if self._clock is not None and now <= self._clock:
            return
        self._clock = now
        while self._queue and self._queue[0].leaves <= now:
            self._drop(self._queue.popleft())
        while self._stragglers and self._stragglers[0][0] <= now:
            self._drop(heapq.heappop(self._stragglers)[2])

    def _drop(self, order: _Ended) -> None:
        self._tallies[order.seller].add(order, -1)
        self._forget(order)

    def _forget(self, order: _Ended) -> None:
        if self._forgotten_until is None or order.leaves > self._forgotten_until:
            self._forgotten_until = order.leaves
