"""Which arm is best on one figure, with a stated confidence: the KN procedure.

Procedure KN of Kim & Nelson (2001, "A fully sequential procedure for indifference-zone
selection in simulation", ACM TOMACS 11(3):251-273), which is valid with common random numbers
(it works on the variances of the *pairwise differences*, which CRN makes small). With k arms,
a confidence 1-a and an indifference zone d (the smallest difference worth telling apart):

1. Run every arm under n0 seeds (the same seeds: CRN). For each pair (i, l), S2_il is the sample
   variance of the differences X_i,j - X_l,j. With eta = ((2a/(k-1))^(-2/(n0-1)) - 1) / 2 and
   h2 = 2·eta·(n0-1):
2. After r seeds, an arm i survives if, for every other survivor l, its mean is at least l's
   mean minus W_il(r) = max(0, d/(2r)·(h2·S2_il/d² - r)) (bigger is better; a figure to
   minimise is negated).
3. While more than one arm survives, run the survivors under one more seed and screen again;
   past N = max floor(h2·S2_il/d²) seeds no margin is left, and the largest mean is selected.

Guarantee: if the best arm's mean is at least d better than every other's, KN selects it with
probability at least 1-a; when it is not, the arm it selects is within d of the best with that
probability (the indifference-zone guarantee). The procedure ends by itself: W reaches zero
after at most h2·max S2/d² seeds. Here seeds are run in batches (``batch`` per round, to keep
an executor busy) and screening is applied seed by seed within each batch, exactly as if the
seeds had come one at a time: the decision is KN's, and only the cells past the deciding seed
are extra. A budget (``max_seeds``) may stop it early: then the best surviving mean is named,
and the outcome says the guarantee does not hold.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from .adaptive import InvalidTarget, failure_data, take_seeds, unknown_figure
from .streaming import Cell, Cells, Failure


@attrs.frozen
class Selection:
    """The arm KN selected, and how it got there."""

    figure: str
    direction: str  # "max" or "min"
    best: str
    confidence: float
    indifference: float
    guaranteed: bool  # False when the budget stopped the procedure with several survivors
    survivors: tuple[str, ...]
    eliminated_after: Mapping[str, int]  # arm -> seeds when it was screened out
    means: Mapping[str, float]  # each arm's mean over the seeds it ran
    seeds: Mapping[str, int]
    cells_run: int
    cells_reused: int
    failures: tuple[Failure, ...]

    def data(self) -> dict[str, Any]:
        """JSON-ready: the selection, its guarantee, and each arm's mean, seeds and fate."""
        return {
            "method": "KN (Kim & Nelson 2001), common random numbers",
            "figure": self.figure,
            "direction": self.direction,
            "best": self.best,
            "confidence": self.confidence,
            "indifference": self.indifference,
            "guaranteed": self.guaranteed,
            "statement": self.statement(),
            "survivors": list(self.survivors),
            "arms": {
                arm: {
                    "mean": mean,
                    "seeds": self.seeds[arm],
                    "screened_out_after": self.eliminated_after.get(arm),
                }
                for arm, mean in self.means.items()
            },
            "cells_run": self.cells_run,
            "cells_reused": self.cells_reused,
            "failures": [failure_data(failure) for failure in self.failures],
        }

    def statement(self) -> str:
        """The selection and its guarantee, in one sentence."""
        better = "highest" if self.direction == "max" else "lowest"
        if not self.guaranteed:
            return (
                f"{self.best} has the {better} {self.figure} of the arms still in contention "
                f"({', '.join(self.survivors)}) when the budget ended: no guarantee"
            )
        return (
            f"{self.best} has the {better} {self.figure}, with {self.confidence:.0%} confidence when the "
            f"best is at least {self.indifference:g} ahead (else it is within {self.indifference:g} "
            "of the best)"
        )


#: Seeds per round after the first stage, and the most seeds an arm may get, by default.
BATCH, MAX_SEEDS = 5, 1000


def kn_constants(arms: int, confidence: float, first: int) -> float:
    """h² of procedure KN for ``arms`` arms, a confidence and ``first`` seeds in the first stage."""
    alpha = 1 - confidence
    eta = ((2 * alpha / (arms - 1)) ** (-2 / (first - 1)) - 1) / 2
    return float(2 * eta * (first - 1))


def select_best(
    cells: Cells,
    figure: str,
    *,
    direction: str = "max",
    confidence: float = 0.95,
    indifference: float,
    first: int = 10,
    batch: int = BATCH,
    max_seeds: int = MAX_SEEDS,
    seeds: Iterable[int] | None = None,
) -> Selection:
    """Select the arm of ``cells.arms`` with the highest (``direction="max"``) or lowest mean
    ``figure``, by procedure KN, under common seeds."""
    arms = list(cells.arms)
    check(arms, direction, confidence, indifference, first, batch, max_seeds)
    sign = 1.0 if direction == "max" else -1.0
    order = list(seeds) if seeds is not None else []
    values: dict[str, dict[int, float]] = {arm: {} for arm in arms}
    _run(
        cells, figure, sign, values, [Cell(arm, seed) for arm in arms for seed in take_seeds(order, 0, first)]
    )
    common = _common_seeds(values, arms)
    if len(common) < 2:
        raise InvalidTarget(figure, f"fewer than 2 seeds finished for every arm (failures: {cells.failures})")
    h2 = kn_constants(len(arms), confidence, len(common))
    variance = {(a, b): _pair_variance(values, a, b, common) for a in arms for b in arms if a != b}
    survivors, eliminated, r, used = list(arms), {}, 0, 0  # r: seeds screened; used: those in the sums
    seeds_run = first
    sums = dict.fromkeys(arms, 0.0)
    decided = False
    while True:
        order_now = take_seeds(order, 0, seeds_run)
        while r < seeds_run and len(survivors) > 1:
            seed = order_now[r]
            if any(seed not in values[arm] for arm in survivors):
                r += 1  # a failed cell: this seed is left out for every survivor alike
                continue
            for arm in survivors:
                sums[arm] += values[arm][seed]
            r, used = r + 1, used + 1
            if used >= len(common):  # KN screens from the end of the first stage on
                survivors = _screen(survivors, sums, variance, h2, indifference, used)
            eliminated.update({arm: r for arm in arms if arm not in survivors and arm not in eliminated})
            if used > _last_stage(survivors, variance, h2, indifference):
                decided = True  # KN's last stage: every margin is zero; the largest mean is chosen
                break
        if decided or len(survivors) == 1 or seeds_run >= max_seeds:
            break
        more = take_seeds(order, seeds_run, min(seeds_run + batch, max_seeds))
        seeds_run += len(more)
        _run(cells, figure, sign, values, [Cell(arm, seed) for arm in survivors for seed in more])
    counts = {arm: len(values[arm]) for arm in arms}
    means = {arm: sign * math.fsum(values[arm].values()) / max(counts[arm], 1) for arm in arms}
    best = max(survivors, key=lambda arm: sums[arm])  # KN's choice: the mean over the seeds screened
    return Selection(
        figure,
        direction,
        best,
        confidence,
        indifference,
        decided or len(survivors) == 1,
        tuple(survivors),
        eliminated,
        means,
        counts,
        cells.ran,
        cells.reused,
        tuple(cells.failures),
    )


def check(
    arms: Sequence[str],
    direction: str,
    confidence: float,
    indifference: float,
    first: int,
    batch: int,
    most: int,
) -> None:
    """Raise the typed error of the first bad input of ``select_best``: before any cell runs."""
    if len(arms) < 2:
        raise InvalidTarget("arms", "choosing the best needs at least two arms")
    if direction not in ("max", "min"):
        raise InvalidTarget("direction", f"must be 'max' or 'min', not {direction!r}")
    if not 0.5 < confidence < 1:
        raise InvalidTarget("confidence", f"must be between 0.5 and 1, not {confidence}")
    if not (math.isfinite(indifference) and indifference > 0):
        raise InvalidTarget("indifference", f"must be a positive difference, not {indifference}")
    if first < 2 or batch < 1 or most < first:
        raise InvalidTarget(
            "seeds", f"need first >= 2, batch >= 1, max_seeds >= first; not {first}, {batch}, {most}"
        )


def _run(
    cells: Cells, figure: str, sign: float, values: dict[str, dict[int, float]], new: list[Cell]
) -> None:
    for cell, figures in cells.run(new):
        if figure not in figures:
            raise unknown_figure(figure, figures)
        values[cell.arm][cell.seed] = sign * figures[figure]


def _common_seeds(values: Mapping[str, Mapping[int, float]], arms: Sequence[str]) -> list[int]:
    return sorted(set.intersection(*(set(values[arm]) for arm in arms)))


def _pair_variance(
    values: Mapping[str, Mapping[int, float]], arm: str, other: str, seeds: Sequence[int]
) -> float:
    differences = [values[arm][seed] - values[other][seed] for seed in seeds]
    mean = math.fsum(differences) / len(differences)
    return math.fsum((d - mean) ** 2 for d in differences) / (len(differences) - 1)


def _last_stage(
    survivors: Sequence[str], variance: Mapping[tuple[str, str], float], h2: float, indifference: float
) -> float:
    """KN's N: the seeds after which no margin is left between the survivors (floor(h2·S2/d²))."""
    pairs = [variance[a, b] for a in survivors for b in survivors if a != b]
    return max((math.floor(h2 * v / indifference**2) for v in pairs), default=0)


def _screen(
    survivors: list[str],
    sums: Mapping[str, float],
    variance: Mapping[tuple[str, str], float],
    h2: float,
    indifference: float,
    r: int,
) -> list[str]:
    """KN's screening after ``r`` seeds (step 2 above)."""
    d = indifference

    def margin(arm: str, other: str) -> float:
        return max(0.0, d / (2 * r) * (h2 * variance[arm, other] / d**2 - r))

    return [
        arm
        for arm in survivors
        if all(sums[arm] / r >= sums[other] / r - margin(arm, other) for other in survivors if other != arm)
    ]
