"""An experiment cell: one arm under one seed, run and reduced to a small, picklable result.

``run_cell(cell)`` is a pure function of the cell (an arm's ``Setup`` and its seed): it runs the
simulation and flattens the report into figures (``"outcomes.completed.percent": 89.4``, amounts
as floats, derived shares of the money paid in), the same per segment, and one row per seller.
Nothing else is kept, so results are small enough to send between processes, and executors,
stores and statistics need nothing from the simulation but this shape.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import attrs

from ..simulation.engine import Run, Setup, simulate
from ..simulation.report import Report, report

#: Report sections that are not figures: the inputs, the per-segment reports, a histogram.
_SKIPPED = ("setup", "segments", "ended_by_days_to_close")
#: Amounts also given as a percentage of the money paid in.
_SHARES = ("escrow_held", "refunded", "seller_credited", "platform_revenue")
#: Sections of counts: a key missing from one seed's report counted nothing there (0).
COUNTED = (
    "completed_by",
    "canceled_by",
    "actions",
    "rejected_actions",
    "deadlines_fired",
    "events",
    "disputes",
)

Figures = Mapping[str, float]


@attrs.frozen
class Cell:
    """One arm under one seed: ``setup`` carries the seed."""

    arm: str
    setup: Setup

    @property
    def seed(self) -> int:
        return self.setup.seed


@attrs.frozen
class SellerRow:
    """One seller at the end of a cell: its segment, orders ended and completed, and rates
    (None while hidden, R-STAT-1)."""

    seller: str
    segment: str
    ended: int
    completed: int
    completion: float | None
    on_time: float | None
    acceptance: float | None


@attrs.frozen
class CellResult:
    """What a cell leaves: its figures, its segments' figures (``seller:slow`` ...), its sellers.
    ``cpu_seconds`` is how long it took, for budgets; it is not part of any report."""

    arm: str
    seed: int
    figures: Figures
    segments: Mapping[str, Figures]
    sellers: tuple[SellerRow, ...]
    cpu_seconds: float = attrs.field(default=0.0, eq=False)


def run_cell(cell: Cell) -> CellResult:
    """Run one cell and reduce it to figures (a pure function of the cell, but its CPU time)."""
    started = time.process_time()
    run = simulate(cell.setup)
    data = report(run)
    segments = {key: figures(part) for key, part in data.get("segments", {}).items()}
    result = CellResult(cell.arm, cell.seed, figures(data), segments, sellers(run))
    return attrs.evolve(result, cpu_seconds=time.process_time() - started)


def figures(data: Report) -> dict[str, float]:
    """Every number of a report, by dotted name, as floats (amounts, rates) with the shares of
    the money paid in; figures without a value (a percentile of nothing) are left out."""
    found = dict(_flatten({k: v for k, v in data.items() if k not in _SKIPPED}, ""))
    paid = found.get("money.paid_in", 0.0)
    for account in _SHARES:
        if paid and f"money.{account}" in found:
            found[f"money.{account}_percent"] = round(100 * found[f"money.{account}"] / paid, 6)
    return found


def _flatten(value: Any, prefix: str) -> Iterator[tuple[str, float]]:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _flatten(inner, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, (int, float)):
        if math.isfinite(value):
            yield prefix, float(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value)
        except ArithmeticError:
            return
        if number.is_finite():
            yield prefix, float(number)


def sellers(run: Run) -> tuple[SellerRow, ...]:
    """Every seller with ended orders, in name order, with its rates at the run's end."""
    rows = []
    for seller in sorted(run.stats.sellers()):
        rates = run.stats.rates(seller, run.clock)
        profile = run.population.sellers.get(seller)
        rows.append(
            SellerRow(
                seller,
                "" if profile is None else profile.segment,
                rates.ended,
                rates.completed,
                *(
                    None if rate is None else float(rate)
                    for rate in (rates.completion, rates.on_time, rates.acceptance)
                ),
            )
        )
    return tuple(rows)
