"""Running totals of a simulation: counters and fixed-size histograms, never a list of orders.

``Tally.decision`` reads each decision's events and effects as the engine makes them; ``ended``
counts an order once it is terminal, after which the engine forgets it. Money is summed from the
effects (what the host would move), so the conservation check at the end compares them with
what escrow still holds: an independent check of R-MONEY-5 over the whole run.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from ..domain import events as ev
from ..domain.decision import Decision
from ..domain.effects import EscrowDeposit, Notification, PlatformRevenue, Refund, WalletCredit
from ..domain.order import Order


class Histogram:
    """Counts in fixed-width bins from 0, plus one overflow bin; percentiles from the bins."""

    __slots__ = ("counts", "sum", "total", "width")

    def __init__(self, width: float, bins: int) -> None:
        self.width = width
        self.counts = [0] * (bins + 1)
        self.total = 0
        self.sum = 0.0  # of the values themselves, for the mean

    def add(self, value: float) -> None:
        self.counts[min(int(value / self.width), len(self.counts) - 1)] += 1
        self.total += 1
        self.sum += value

    @property
    def mean(self) -> float | None:
        return round(self.sum / self.total, 1) if self.total else None

    def percentile(self, fraction: float) -> float | None:
        """The upper edge of the bin holding the ``fraction`` quantile (None when empty, and
        infinity when it falls in the overflow bin)."""
        if not self.total:
            return None
        rank, seen = fraction * self.total, 0
        for index, count in enumerate(self.counts):
            seen += count
            if seen >= rank and count:
                return float("inf") if index == len(self.counts) - 1 else (index + 1) * self.width
        raise AssertionError("unreachable: the counts add up to the total")


class Tally:
    """Everything the report needs, counted as the simulation goes."""

    def __init__(self, zero: Decimal) -> None:
        self.placed = 0
        self.peak_live = 0
        self.ended: Counter[str] = Counter()  # by final state
        self.events: Counter[str] = Counter()  # by event name
        self.actions: Counter[str] = Counter()  # carried out, by key (actors.py)
        self.rejected: Counter[str] = Counter()  # planned but refused by the core, by key
        self.fired: Counter[str] = Counter()  # deadlines that fired by themselves, by name
        self.completed_by: Counter[str] = Counter()  # by cause
        self.canceled_by: Counter[str] = Counter()  # by cause and who
        self.disputes_by: Counter[str] = Counter()  # by who opened them
        self.revisions: Counter[int] = Counter()  # ended orders by revisions requested
        self.late: Counter[str] = Counter()  # late deliveries and late cancellations
        self.hours_to_close = Histogram(1.0, 24 * 200)
        self.paid_in = self.refunded = self.credited = self.revenue = zero

    def placed_order(self, decision: Decision) -> None:
        self.placed += 1
        self.paid_in += decision.order.ledger.paid

    def decision(self, decision: Decision) -> None:
        """Count one decision's events, deadlines fired and money moved."""
        events = self.events
        for event in decision.events:
            events[event.name] += 1
            if isinstance(event, ev.OrderDelivered) and event.late:
                self.late["delivery"] += 1
            elif isinstance(event, ev.OrderCompleted):
                self.completed_by[event.cause] += 1
            elif isinstance(event, ev.OrderCanceled):
                self.canceled_by[event.cause if event.by is None else f"{event.cause} ({event.by})"] += 1
                if event.late:
                    self.late["cancellation"] += 1
            elif isinstance(event, ev.DisputeOpened):
                self.disputes_by["automatic" if event.by is None else str(event.by)] += 1
        for name in decision.fired:
            self.fired[name.split(":", 1)[0]] += 1
        for effect in decision.effects:
            if isinstance(effect, Notification):
                continue
            if isinstance(effect, Refund):
                self.refunded += effect.amount.amount
            elif isinstance(effect, WalletCredit):
                self.credited += effect.amount.amount
            elif isinstance(effect, PlatformRevenue):
                self.revenue += effect.amount.amount
            elif isinstance(effect, EscrowDeposit):
                self.paid_in += effect.amount.amount

    def ended_order(self, order: Order) -> None:
        self.ended[order.state.value] += 1
        self.revisions[min(order.revisions, 5)] += 1
        self.hours_to_close.add((order.updated_at - order.terms.paid_at).total_seconds() / 3600)
