"""Replications until the differences asked for are as precise as asked (or the budget ends).

The question is never "how precise is the completion rate of arm B" but "how precise is B's
*difference* from the baseline": each target names a figure (optionally within a segment) and
the half-width its 95 % interval on the paired difference may have, e.g. completed orders ±0.05
percentage points. Because every arm runs under the same seeds (common random numbers), the
differences are paired seed by seed, and their spread is usually far smaller than either arm's.

Method: the sequential procedure for a specified absolute precision of Law & Kelton (Simulation
Modeling and Analysis, 5th ed., 2015, §9.4.1), applied to the paired differences D_j = X_arm,j
- X_baseline,j over common seeds j. After a first round of ``initial`` seeds per arm, the
half-width is t(n-1)·S_D/√n (t(k): Student's t quantile for k degrees of freedom, 0.975 for
95 %, from SciPy); for every target not yet met, the
seeds it needs are projected as the least i with t(i-1)·S_D/√i ≤ the half-width asked
(Law & Kelton's estimate of the replications needed), the next round adds at most as many seeds
as there already are, and only to the arms with unmet targets (and the baseline, their partner).
As in Hoad, Robinson & Davies (2010, "Automated selection of the number of replications for a
discrete-event simulation", JORS 61:1632-1644), an optional look-ahead (``look_ahead`` seeds)
must confirm the precision before the procedure stops, which guards against stopping on a
variance that happens to be small early on. The procedure stops when every target is met, or
when the next round would exceed the budget (cells, or CPU seconds); the outcome says which
targets were met. Stopping on the data makes the nominal coverage approximate (Law & Kelton
discuss it); ``look_ahead`` and a larger ``initial`` reduce the effect.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import attrs

from ..domain.errors import InvalidArgument
from . import statistics
from .streaming import Cell, Cells, Failure


class InvalidTarget(InvalidArgument):
    """A precision target or budget that cannot be used; ``subject`` names it (the figure, the
    budget, the arm)."""

    def __init__(self, subject: str, message: str) -> None:
        self.subject = subject
        super().__init__(f"{subject}: {message}")


class UnknownFigure(InvalidTarget):
    """A target on a figure that the cells do not report."""


class BudgetTooSmall(InvalidTarget):
    """A budget that cannot pay for even the first round."""


def segment_figure(figure: str, segment: str | None) -> str:
    """The name of ``figure`` within ``segment`` among a cell's figures (the figure itself for None)."""
    return figure if segment is None else f"{figure}@{segment}"


@attrs.frozen
class Target:
    """Every variant's paired difference from the baseline on ``figure`` (within ``segment``) is
    wanted to within ± ``half_width``."""

    figure: str
    half_width: float
    segment: str | None = None

    @property
    def key(self) -> str:
        return segment_figure(self.figure, self.segment)

    @classmethod
    def parse(cls, text: str) -> Target:
        """``FIGURE=HALF_WIDTH`` or ``FIGURE@SEGMENT=HALF_WIDTH`` (the ``--precision`` option)."""
        name, equals, width = text.partition("=")
        figure, _, segment = name.strip().partition("@")
        if not equals or not figure:
            raise InvalidTarget(text, "expected FIGURE=HALF_WIDTH, e.g. completed_percent=0.05")
        try:
            half_width = float(width)
        except ValueError:
            raise InvalidTarget(name, f"the half-width must be a number, not {width!r}") from None
        if not (math.isfinite(half_width) and half_width > 0):
            raise InvalidTarget(name, f"the half-width must be a positive number, not {width!r}")
        return cls(figure, half_width, segment or None)


@attrs.frozen
class Budget:
    """The most an experiment may spend: cells (run or reused), CPU seconds, or both."""

    cells: int | None = None
    cpu_seconds: float | None = None

    @classmethod
    def parse(cls, text: str) -> Budget:
        """``N`` cells, ``Ns`` / ``Nm`` / ``Nh`` of CPU time (the ``--budget`` option)."""
        scale = {"s": 1, "m": 60, "h": 3600}.get(text.strip()[-1:], 0)
        number = text.strip()[:-1] if scale else text.strip()
        try:
            value = float(number) * scale if scale else int(number)
        except ValueError:
            raise BudgetTooSmall(
                "--budget", f"expected a number of cells or a CPU time like 90s, 5m, 1h; not {text!r}"
            ) from None
        return cls(cpu_seconds=float(value)) if scale else cls(cells=int(value))


@attrs.frozen
class Interval:
    """The mean of paired differences with its Student-t interval, over ``seeds`` seeds."""

    mean: float
    low: float
    high: float
    seeds: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


def paired_interval(differences: Sequence[float], confidence: float = 0.95) -> Interval:
    """The mean of ``differences`` and its two-sided Student-t interval (infinite below 2 values)."""
    found = statistics.interval(differences, confidence)  # the experiments' one t interval
    if found is None:
        return Interval(math.nan, -math.inf, math.inf, 0)
    if found.low is None or found.high is None:
        return Interval(found.mean, -math.inf, math.inf, found.n)
    return Interval(found.mean, found.low, found.high, found.n)


def seeds_needed(differences: Sequence[float], half_width: float, confidence: float = 0.95) -> int:
    """Law & Kelton's estimate: the least i ≥ n with t(i-1)·S/√i ≤ ``half_width``, S the sample
    deviation of the n ``differences`` so far."""
    n = len(differences)
    mean = math.fsum(differences) / n
    deviation = math.sqrt(math.fsum((d - mean) ** 2 for d in differences) / (n - 1))
    i = max(n, 2)
    while statistics.t_quantile(i - 1, confidence) * deviation / math.sqrt(i) > half_width:
        i += 1 if i < 64 else i // 8  # past 64 seeds, steps of an eighth: a projection, not a count
    return i


@attrs.frozen
class Reached:
    """How far one target got for one variant."""

    arm: str
    target: Target
    interval: Interval

    @property
    def met(self) -> bool:
        return self.interval.half_width <= self.target.half_width


@attrs.frozen
class Precision:
    """The outcome: every (variant, target) with its interval, and what it cost."""

    baseline: str
    reached: tuple[Reached, ...]
    seeds: Mapping[str, int]  # seeds run per arm
    rounds: int
    stopped: str  # why it stopped, in words
    cells_run: int
    cells_reused: int
    cpu_seconds: float
    failures: tuple[Failure, ...]

    @property
    def met(self) -> bool:
        return all(item.met for item in self.reached)

    def data(self) -> dict[str, Any]:
        """JSON-ready: each target's outcome, the seeds per arm, why it stopped, what it cost."""
        return {
            "method": "Law & Kelton's sequential procedure on paired differences (Student t, 95 %)",
            "baseline": self.baseline,
            "stopped": self.stopped,
            "targets": [
                {
                    "arm": item.arm,
                    "figure": item.target.figure,
                    "segment": item.target.segment,
                    "asked": item.target.half_width,
                    "reached": _finite(item.interval.half_width),
                    "difference": _finite(item.interval.mean),
                    "low": _finite(item.interval.low),
                    "high": _finite(item.interval.high),
                    "seeds": item.interval.seeds,
                    "met": item.met,
                }
                for item in self.reached
            ],
            "seeds": dict(self.seeds),
            "rounds": self.rounds,
            "cells_run": self.cells_run,
            "cells_reused": self.cells_reused,
            "cpu_seconds": round(self.cpu_seconds, 3),
            "failures": [failure_data(failure) for failure in self.failures],
        }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def failure_data(failure: Failure) -> dict[str, Any]:
    """A failed cell, JSON-ready."""
    return {
        "arm": failure.cell.arm,
        "seed": failure.cell.seed,
        "attempts": failure.attempts,
        "error": failure.error,
    }


def run_to_precision(
    cells: Cells,
    baseline: str,
    targets: Sequence[Target],
    budget: Budget,
    *,
    seeds: Iterable[int] | None = None,
    initial: int = 5,
    look_ahead: int = 0,
    confidence: float = 0.95,
    known_figures: Collection[str] | None = None,
    max_seeds: int = 1000,
    same_seeds: bool = False,
) -> Precision:
    """Add seeds in rounds until every target is met for every variant of ``cells.arms`` (all
    arms but ``baseline``), or the budget would be exceeded. ``seeds``: the seeds to use, in order
    (default 1, 2, 3 ...); ``max_seeds`` bounds the seeds per arm whatever the budget;
    ``same_seeds`` gives every arm every seed (a rectangular table of results), not only the arms
    whose targets are unmet."""
    arms = list(cells.arms)
    variants = [arm for arm in arms if arm != baseline]
    check(baseline, arms, targets, budget, initial, known_figures)
    order = _seeds(seeds)
    values: dict[str, dict[int, dict[str, float]]] = {arm: {} for arm in arms}
    given = dict.fromkeys(arms, 0)
    wanted = dict.fromkeys(arms, initial)
    keys = {target.key for target in targets}
    rounds, confirmed_at, stopped = 0, None, ""
    while True:
        wanted = {arm: min(count, max_seeds) for arm, count in wanted.items()}
        while wanted != given and rounds and not _affordable(cells, budget, _new(wanted, given)):
            wanted = {arm: (given[arm] + wanted[arm]) // 2 for arm in arms}  # a smaller round
        if wanted == given:
            at_limit = max(given.values()) >= max_seeds
            stopped = (
                f"the limit of {max_seeds} seeds per arm came before every target was met"
                if at_limit
                else "the budget ended before every target was met"
            )
            if confirmed_at is not None:
                stopped = "every target was met (its look-ahead cut short by the budget)"
            break
        new = [Cell(arm, seed) for arm in arms for seed in take_seeds(order, given[arm], wanted[arm])]
        for cell, figures in cells.run(new):
            missing = keys - set(figures)
            if missing:
                raise unknown_figure(sorted(missing)[0], figures)
            values[cell.arm][cell.seed] = {key: figures[key] for key in keys}
        given.update(wanted)
        rounds += 1
        reached = _reached(values, baseline, variants, targets, confidence)
        if all(item.met for item in reached):
            if confirmed_at is not None or look_ahead == 0:
                stopped = "every target was met"
                break
            confirmed_at = max(given.values())  # met here; confirmed if still met look_ahead seeds on
            wanted = {arm: given[arm] + look_ahead for arm in arms}
            continue
        confirmed_at = None
        wanted = _next_round(values, given, baseline, reached, confidence)
        if same_seeds:
            wanted = dict.fromkeys(arms, max(wanted.values()))
    return Precision(
        baseline,
        tuple(_reached(values, baseline, variants, targets, confidence)),
        given,
        rounds,
        stopped,
        cells.ran,
        cells.reused,
        cells.cpu_seconds,
        tuple(cells.failures),
    )


def check(
    baseline: str,
    arms: Sequence[str],
    targets: Sequence[Target],
    budget: Budget,
    initial: int,
    known: Collection[str] | None,
) -> None:
    """Raise the typed error of the first bad input of ``run_to_precision``: before any cell runs."""
    if baseline not in arms:
        raise InvalidTarget(baseline, f"no such arm to be the baseline; arms: {list(arms)}")
    if len(arms) < 2:
        raise InvalidTarget(baseline, "a difference from the baseline needs at least one other arm")
    if not targets:
        raise InvalidTarget("--precision", "give at least one target, e.g. completed_percent=0.05")
    if initial < 2:
        raise InvalidTarget("initial", f"an interval needs at least 2 seeds per arm, not {initial}")
    for target in targets:
        if known is not None and target.key not in known:
            raise unknown_figure(target.key, known)
    first = initial * len(arms)
    if budget.cells is not None and budget.cells < first:
        raise BudgetTooSmall(
            "--budget",
            f"{budget.cells} cells cannot pay for the first round: {initial} seeds x {len(arms)} arms "
            f"= {first} cells",
        )
    if budget.cpu_seconds is not None and not budget.cpu_seconds > 0:
        raise BudgetTooSmall("--budget", f"a CPU time must be positive, not {budget.cpu_seconds}")


def unknown_figure(key: str, known: Collection[str]) -> UnknownFigure:
    close = difflib.get_close_matches(key, sorted(known), n=3, cutoff=0.4)
    some = sorted(known)[:6]
    hint = f"; did you mean {', '.join(close)}?" if close else f"; some are {', '.join(some)}"
    return UnknownFigure(key, f"no such figure in the cells' results{hint}")


def _seeds(seeds: Iterable[int] | None) -> list[int]:
    if seeds is None:
        return []
    order = list(seeds)
    if len(set(order)) != len(order):
        raise InvalidTarget("seeds", "each seed may appear once")
    return order


def take_seeds(order: list[int], start: int, stop: int) -> list[int]:
    """Seeds number ``start`` to ``stop`` (exclusive) of the sequence: ``order``'s, then 1, 2, 3 ..."""
    if stop > len(order):
        following = (max(order) if order else 0) + 1
        order.extend(range(following, following + stop - len(order)))
    return order[start:stop]


def _new(wanted: Mapping[str, int], given: Mapping[str, int]) -> int:
    return sum(wanted.values()) - sum(given.values())


def _affordable(cells: Cells, budget: Budget, count: int) -> bool:
    spent = cells.ran + cells.reused + len(cells.failures)
    if budget.cells is not None and spent + count > budget.cells:
        return False
    if budget.cpu_seconds is not None and spent:
        return cells.cpu_seconds + count * cells.cpu_seconds / spent <= budget.cpu_seconds
    return True


def _differences(
    values: Mapping[str, Mapping[int, Mapping[str, float]]], baseline: str, arm: str, key: str
) -> list[float]:
    base = values[baseline]
    return [
        figures[key] - base[seed][key]
        for seed, figures in sorted(values[arm].items())
        if seed in base and math.isfinite(figures[key]) and math.isfinite(base[seed][key])
    ]


def _reached(
    values: Mapping[str, Mapping[int, Mapping[str, float]]],
    baseline: str,
    variants: Sequence[str],
    targets: Sequence[Target],
    confidence: float,
) -> list[Reached]:
    return [
        Reached(arm, target, paired_interval(_differences(values, baseline, arm, target.key), confidence))
        for arm in variants
        for target in targets
    ]


def _next_round(
    values: Mapping[str, Mapping[int, Mapping[str, float]]],
    given: Mapping[str, int],
    baseline: str,
    reached: Sequence[Reached],
    confidence: float,
) -> dict[str, int]:
    """Seeds per arm after the next round: each arm with an unmet target grows towards the seeds
    its worst target needs, by at least one seed and at most doubling; the baseline follows the
    largest."""
    wanted = dict(given)
    for item in reached:
        if item.met:
            continue
        differences = _differences(values, baseline, item.arm, item.target.key)
        have = given[item.arm]
        need = (
            seeds_needed(differences, item.target.half_width, confidence)
            if len(differences) >= 2
            else 2 * have
        )
        wanted[item.arm] = max(wanted[item.arm], min(max(need, have + 1), 2 * have))
    wanted[baseline] = max(wanted.values())
    return wanted
