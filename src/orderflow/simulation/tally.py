"""Running totals of a simulation: counters and fixed-size histograms, never a list of orders.

``Tally.decision`` reads each decision's events and effects as the engine makes them; ``ended``
counts an order once it is terminal, after which the engine forgets it. Money is summed from the
effects (what the host would move), so the conservation check at the end compares them with
what escrow still holds: an independent check of R-MONEY-5 over the whole run.

Every figure merges exactly (``Tally.merge``): counters and money add (money is ``Decimal``,
exact), histograms add bin by bin and keep an integer sum (time in microseconds, not a float
whose rounding would depend on the order of the additions). The shards of a run (``shards``)
thus add up to the same bytes as the run made in one piece. The most orders alive at once is
not mergeable (the shards' peaks fall at different instants), so the tally counts orders placed
less orders ended per hour instead (``Hourly``); the most alive at the end of an hour is the
largest of their running sums.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ..domain import events as ev
from ..domain.decision import Decision
from ..domain.effects import MOVING_MONEY, Effect, EscrowDeposit, PlatformRevenue, Refund, WalletCredit
from ..domain.order import Order

#: One microsecond and one hour, the units of the time histogram.
MICROSECOND, HOUR = timedelta(microseconds=1), 3_600_000_000
_HOUR = timedelta(hours=1)


class Hourly:
    """A whole number per hour from ``first`` on, in a list (8 bytes an hour: a million orders
    over 2,000 days hold 48,000 hours in under half a MiB), merged hour by hour."""

    __slots__ = ("counts", "first")

    def __init__(self) -> None:
        self.first = 0
        self.counts: list[int] = []

    def add(self, hour: int, value: int) -> None:
        index = hour - self.first
        if index < 0:  # an hour before the first (arrivals from a file may come before the start)
            self.counts[:0] = [0] * -index
            self.first, index = hour, 0
        elif index >= len(self.counts):
            self.counts.extend([0] * (index + 1 - len(self.counts)))
        self.counts[index] += value

    def merge(self, other: Hourly) -> None:
        """Add ``other``'s values to these, hour by hour."""
        for offset, value in enumerate(other.counts):
            if value:
                self.add(other.first + offset, value)


class Histogram:
    """Counts of whole numbers in fixed-width bins from 0, plus one overflow bin, and their exact
    sum; the mean and the percentiles come out in ``scale`` units (an hour of microseconds)."""

    __slots__ = ("counts", "scale", "sum", "total", "width")

    def __init__(self, width: int, bins: int, scale: int = 1) -> None:
        self.width, self.scale = width, scale
        self.counts = [0] * (bins + 1)
        self.total = 0
        self.sum = 0  # of the values themselves, for the mean: an int, exact in any order

    def add(self, value: int) -> None:
        self.counts[min(value // self.width, len(self.counts) - 1)] += 1
        self.total += 1
        self.sum += value

    def merge(self, other: Histogram) -> None:
        """Add ``other``'s counts (the same bins) to these."""
        assert (other.width, len(other.counts)) == (self.width, len(self.counts)), "different bins"
        self.counts = [mine + theirs for mine, theirs in zip(self.counts, other.counts, strict=True)]
        self.total += other.total
        self.sum += other.sum

    @property
    def mean(self) -> float | None:
        return round(self.sum / self.total / self.scale, 1) if self.total else None

    def percentile(self, fraction: float) -> float | None:
        """The upper edge of the bin holding the ``fraction`` quantile (None when empty, and
        infinity when it falls in the overflow bin)."""
        if not self.total:
            return None
        rank, seen = fraction * self.total, 0
        for index, count in enumerate(self.counts):
            seen += count
            if seen >= rank and count:
                return (
                    float("inf") if index == len(self.counts) - 1 else (index + 1) * self.width / self.scale
                )
        raise AssertionError("unreachable: the counts add up to the total")


def _delivered(tally: Tally, event: ev.OrderDelivered) -> None:
    if event.late:
        tally.late["delivery"] += 1


def _completed(tally: Tally, event: ev.OrderCompleted) -> None:
    tally.completed_by[event.cause] += 1


def _canceled(tally: Tally, event: ev.OrderCanceled) -> None:
    tally.canceled_by[event.cause if event.by is None else f"{event.cause} ({event.by})"] += 1
    if event.late:
        tally.late["cancellation"] += 1


def _dispute(tally: Tally, event: ev.DisputeOpened) -> None:
    tally.disputes_by["automatic" if event.by is None else str(event.by)] += 1


#: What the tally reads of an event besides counting it, by the event's class.
_READ: dict[type[ev.Event], Callable[[Tally, Any], None]] = {
    ev.OrderDelivered: _delivered,
    ev.OrderCompleted: _completed,
    ev.OrderCanceled: _canceled,
    ev.DisputeOpened: _dispute,
}
#: The effects that move money, each summed on its own.
_MONEY = (EscrowDeposit, Refund, WalletCredit, PlatformRevenue)


class Tally:
    """Everything the report needs, counted as the simulation goes."""

    def __init__(self, zero: Decimal, start: datetime) -> None:
        self.start = start  # hour 0 of ``alive_change``
        self.placed = 0
        self.alive_change = Hourly()  # orders placed less orders ended, by hour since the start
        self.ended: Counter[str] = Counter()  # by final state
        self.event_kinds: Counter[type[ev.Event]] = Counter()  # by class (``events``: by name)
        self.actions: Counter[str] = Counter()  # carried out, by key (actors.py)
        self.rejected: Counter[str] = Counter()  # planned but refused by the core, by key
        self.fired: Counter[str] = Counter()  # deadlines that fired by themselves, by name
        self.completed_by: Counter[str] = Counter()  # by cause
        self.canceled_by: Counter[str] = Counter()  # by cause and who
        self.disputes_by: Counter[str] = Counter()  # by who opened them
        self.revisions: Counter[int] = Counter()  # ended orders by revisions requested
        self.late: Counter[str] = Counter()  # late deliveries and late cancellations
        self.hours_to_close = Histogram(HOUR, 24 * 200, HOUR)
        self.paid_at_placement = zero
        self.moved: dict[type[Effect], Decimal] = dict.fromkeys(_MONEY, zero)  # by effect class
        self.unfinished = 0  # orders alive when the run stopped (``alive_at_the_end``)
        self.escrow_held = zero  # what escrow still held of them

    @property
    def events(self) -> Counter[str]:
        """Events by name."""
        return Counter({kind.__name__: count for kind, count in self.event_kinds.items()})

    @property
    def paid_in(self) -> Decimal:
        return self.paid_at_placement + self.moved[EscrowDeposit]

    @property
    def refunded(self) -> Decimal:
        return self.moved[Refund]

    @property
    def credited(self) -> Decimal:
        return self.moved[WalletCredit]

    @property
    def revenue(self) -> Decimal:
        return self.moved[PlatformRevenue]

    def placed_order(self, decision: Decision) -> None:
        order = decision.order
        self.placed += 1
        self.alive_change.add((order.terms.paid_at - self.start) // _HOUR, 1)
        self.paid_at_placement += order.ledger.paid

    def decision(self, decision: Decision) -> None:
        """Count one decision's events, deadlines fired and money moved."""
        kinds, read, moves_money = self.event_kinds, _READ.get, False
        for event in decision.events:
            kind = type(event)
            kinds[kind] += 1
            moves_money = moves_money or kind in MOVING_MONEY
            reader = read(kind)
            if reader is not None:
                reader(self, event)
        if decision.fired:
            for name in decision.fired:
                self.fired[name.split(":", 1)[0]] += 1
        if not moves_money:  # its effects are notices and windows only: not derived (decision.py)
            return
        moved = self.moved
        for effect in decision.effects:
            money = type(effect)
            if money in moved:
                moved[money] += effect.amount.amount  # type: ignore[attr-defined]  # the money kinds

    def ended_order(self, order: Order) -> None:
        ended_at, revisions = order.updated_at, order.revisions
        self.ended[order.state._value_] += 1  # ``_value_``: the name without enum's ``value`` property call
        self.revisions[revisions if revisions < 5 else 5] += 1
        self.alive_change.add((ended_at - self.start) // _HOUR, -1)
        self.hours_to_close.add((ended_at - order.terms.paid_at) // MICROSECOND)

    def alive_at_the_end(self, orders: Iterable[Order]) -> None:
        """Count the orders still alive when the run stopped, and what escrow holds of them."""
        for order in orders:
            self.unfinished += 1
            self.escrow_held += order.ledger.escrow

    @property
    def peak_alive_hourly(self) -> int:
        """The most orders alive at the end of any hour since the start (placed in that hour or
        before, not ended by its end); exact over merged shards, unlike a peak over instants."""
        alive = peak = 0
        for change in self.alive_change.counts:
            alive += change
            peak = max(peak, alive)
        return peak

    def merge(self, other: Tally) -> None:
        """Add ``other``'s totals (a shard of the same run) to these."""
        assert other.start == self.start, "tallies of different runs"
        self.placed += other.placed
        for mine, theirs in zip(self._counters(), other._counters(), strict=True):
            mine.update(theirs)
        self.hours_to_close.merge(other.hours_to_close)
        self.alive_change.merge(other.alive_change)
        self.paid_at_placement += other.paid_at_placement
        for kind in _MONEY:
            self.moved[kind] += other.moved[kind]
        self.unfinished += other.unfinished
        self.escrow_held += other.escrow_held

    def _counters(self) -> tuple[Counter[Any], ...]:
        return (
            self.ended, self.event_kinds, self.actions, self.rejected, self.fired, self.completed_by,
            self.canceled_by, self.disputes_by, self.revisions, self.late,
        )  # fmt: skip
