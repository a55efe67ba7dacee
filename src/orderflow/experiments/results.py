"""An experiment's results: every cell's figures, and the statistics over seeds computed from them.

``Results`` holds the experiment and its cells (one per arm and seed), and answers: the values of
a figure over the seeds (``values``), its mean and interval (``summary``), the paired difference
of an arm from the baseline (``difference``), the headline in plain words, and the whole as
JSON-ready data (``data``; a pure function of the inputs, so reruns give the same bytes) or as
pandas tables (``to_pandas``, ``sellers_frame``, when pandas is installed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import attrs

from . import figures as words
from .arms import Arm, Experiment
from .cells import COUNTED, CellResult
from .statistics import Interval, interval, paired

#: Key figures named in a variant's headline line, at most (in the order of ``figures.KEYS``).
HEADLINE_FIGURES = 5


@attrs.frozen
class Results:
    """Every cell of an experiment, arm by arm in the experiment's order, seeds in its order."""

    experiment: Experiment
    cells: tuple[CellResult, ...]
    currency: str = "EUR"

    @property
    def arms(self) -> tuple[Arm, ...]:
        return self.experiment.arms

    @property
    def variants(self) -> tuple[Arm, ...]:
        return self.experiment.arms[1:]

    @cached_property
    def _by_arm(self) -> dict[tuple[str, int], CellResult]:
        return {(cell.arm, cell.seed): cell for cell in self.cells}

    @cached_property
    def segments(self) -> list[str]:
        """The segments reported (``seller:slow`` ...), in the order the cells name them."""
        found: dict[str, None] = {}
        for cell in self.cells:
            found.update(dict.fromkeys(cell.segments))
        return list(found)

    @cached_property
    def figure_names(self) -> list[str]:
        """Every figure any cell has: the key figures first, then the others by name."""
        names = {name for cell in self.cells for name in cell.figures}
        names |= {name for cell in self.cells for part in cell.segments.values() for name in part}
        keys = [key.figure for key in words.KEYS if key.figure in names]
        return keys + sorted(names - set(keys))

    def values(self, arm: str, figure: str, segment: str | None = None) -> list[float]:
        """The figure under each seed (a count absent from a report: 0; another: NaN)."""
        missing = 0.0 if figure.split(".", 1)[0] in COUNTED else math.nan
        found = []
        for seed in self.experiment.seeds:
            cell = self._by_arm[(arm, seed)]
            source = cell.figures if segment is None else cell.segments.get(segment, {})
            found.append(source.get(figure, missing))
        return found

    def summary(self, arm: str, figure: str, segment: str | None = None) -> Interval | None:
        """The figure's mean over the seeds and its 95 % interval."""
        return interval(self.values(arm, figure, segment))

    def difference(self, arm: str, figure: str, segment: str | None = None) -> Interval | None:
        """The paired difference ``arm - baseline``, seed by seed, and its 95 % interval."""
        baseline = self.values(self.experiment.baseline.name, figure, segment)
        return paired(self.values(arm, figure, segment), baseline)

    def headline(self) -> list[str]:
        """One line per variant: the key figures whose difference from the baseline is not chance."""
        lines = []
        seeds = len(self.experiment.seeds)
        for arm in self.variants:
            moved = []
            for key in words.KEYS:
                found = self.difference(arm.name, key.figure)
                if found is not None and found.excludes_zero:
                    change = words.value(found.mean, key.unit, self.currency, signed=True)
                    low_high = words.interval(found.low, found.high, key.unit, self.currency, signed=True)
                    moved.append(f"{key.label} {change} (95 % CI {low_high})")
            if len(moved) > HEADLINE_FIGURES:
                moved[HEADLINE_FIGURES:] = [f"{len(moved) - HEADLINE_FIGURES} more in the tables"]
            if moved:
                against = f" (against {self.experiment.baseline.name}, {seeds} seeds)"
                lines.append(f"{arm.name}: " + "; ".join(moved) + against)
            else:
                lines.append(
                    f"{arm.name}: no key figure differs from {self.experiment.baseline.name} "
                    f"beyond chance over {seeds} seeds"
                )
        if not self.variants:
            lines.append(f"{self.experiment.baseline.name} alone over {seeds} seeds: no variant to compare")
        return lines

    def data(self) -> dict[str, Any]:
        """Everything, JSON-ready: inputs, every figure of every arm and seed, the intervals and
        the differences (overall and per segment), and the headline."""
        parts: list[str | None] = [None, *self.segments]
        return {
            "inputs": self.experiment.inputs(),
            "settings_changed": self.experiment.settings_changed(),
            "headline": self.headline(),
            "currency": self.currency,
            "method": "mean over seeds with Student's t 95 % interval; differences paired seed by seed",
            "cells": [
                {
                    "arm": c.arm,
                    "seed": c.seed,
                    "figures": dict(c.figures),
                    "segments": {k: dict(v) for k, v in c.segments.items()},
                }
                for c in self.cells
            ],
            "summary": {
                _part(segment): {
                    arm.name: self._intervals(arm.name, segment, self.summary) for arm in self.arms
                }
                for segment in parts
            },
            "differences": {
                _part(segment): {
                    arm.name: self._intervals(arm.name, segment, self.difference) for arm in self.variants
                }
                for segment in parts
            },
        }

    def _intervals(self, arm: str, segment: str | None, statistic: Any) -> dict[str, Any]:
        found = {}
        for figure in self.figure_names:
            result: Interval | None = statistic(arm, figure, segment)
            if result is not None:
                found[figure] = _interval_data(result)
        return found

    def to_pandas(self) -> Any:
        """Every figure as a tidy table: arm, seed, segment ("" for all orders), figure, value."""
        import pandas

        return pandas.DataFrame(self.figure_rows(), columns=["arm", "seed", "segment", "figure", "value"])

    def figure_rows(self) -> list[tuple[str, int, str, str, float]]:
        rows: list[tuple[str, int, str, str, float]] = []
        for cell in self.cells:
            rows.extend((cell.arm, cell.seed, "", name, number) for name, number in cell.figures.items())
            for segment, part in cell.segments.items():
                rows.extend((cell.arm, cell.seed, segment, name, number) for name, number in part.items())
        return rows

    def seller_rows(self) -> list[tuple[Any, ...]]:
        """One row per seller, arm and seed: segment, orders ended and completed, rates."""
        return [
            (
                cell.arm,
                cell.seed,
                row.seller,
                row.segment,
                row.ended,
                row.completed,
                row.completion,
                row.on_time,
                row.acceptance,
            )
            for cell in self.cells
            for row in cell.sellers
        ]

    def sellers_frame(self) -> Any:
        import pandas

        return pandas.DataFrame(self.seller_rows(), columns=list(SELLER_COLUMNS))

    def statistic_rows(self, kind: str) -> list[tuple[Any, ...]]:
        """``summary`` or ``differences`` rows: arm, segment, figure, mean, low, high, n, excludes_zero."""
        rows = []
        arms: Sequence[Arm] = self.arms if kind == "summary" else self.variants
        statistic = self.summary if kind == "summary" else self.difference
        for segment in [None, *self.segments]:
            for arm in arms:
                for figure in self.figure_names:
                    found = statistic(arm.name, figure, segment)
                    if found is not None:
                        rows.append(
                            (
                                arm.name,
                                segment or "",
                                figure,
                                found.mean,
                                found.low,
                                found.high,
                                found.n,
                                found.excludes_zero,
                            )
                        )
        return rows


SELLER_COLUMNS = (
    "arm",
    "seed",
    "seller",
    "segment",
    "ended",
    "completed",
    "completion",
    "on_time",
    "acceptance",
)
STATISTIC_COLUMNS = ("arm", "segment", "figure", "mean", "low", "high", "n", "excludes_zero")


def _part(segment: str | None) -> str:
    return "all orders" if segment is None else segment


def _interval_data(found: Interval) -> dict[str, Any]:
    return {
        "mean": _round(found.mean),
        "low": None if found.low is None else _round(found.low),
        "high": None if found.high is None else _round(found.high),
        "n": found.n,
        "excludes_zero": found.excludes_zero,
    }


def _round(number: float) -> float:
    """12 significant digits: the JSON stays readable, and the same on every platform."""
    return float(f"{number:.12g}")
