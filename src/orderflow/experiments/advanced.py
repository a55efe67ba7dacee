"""Experiments driven by precision, by the best arm, or over ranges, resumable in a directory.

The bridge between an ``Experiment`` (``arms``) and the procedures of ``adaptive``,
``selection`` and ``sensitivity``: each arm's ``Setup`` is a cell's settings, ``cell_output`` runs
one seed of it through ``cells.run_cell`` and hands back its figures (a segment's figures as
``FIGURE@SEGMENT``) and its sellers as rows, and ``cell_result`` turns what a store kept back into
the ``CellResult`` the results and reports are made of. With ``out``, every finished cell is kept
in that directory (``store``): the same call again skips what is done and enlarging reuses it;
without, the cells are kept in memory for the results.

- ``run_fixed``: every arm under every seed, as ``running.run``, but resumable.
- ``run_precision``: seeds added in rounds until each target is met (every arm gets every seed,
  so the results are a full table), then the results over those seeds.
- ``run_selection``: the best arm by procedure KN; the results over the seeds every arm ran.
- ``run_sensitivity``: a Morris or Sobol' design over ranges of settings, each point an arm.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from ..domain.errors import OrderflowError
from ..simulation.engine import Setup
from ..simulation.executors import Executor
from ..simulation.population import Market
from . import selection
from .adaptive import (
    Budget,
    Precision,
    Target,
    check,
    run_to_precision,
    segment_figure,
    take_seeds,
    unknown_figure,
)
from .arms import Arm, Experiment
from .cells import Cell, CellResult, SellerRow, run_cell
from .results import Results
from .selection import BATCH, MAX_SEEDS, Selection
from .sensitivity import Sensitivity, design, factor, run_design, simulation_settings
from .store import Store
from .streaming import Cell as Planned
from .streaming import Cells, Finished, Output, Progress

#: The figures a sensitivity analysis reports when none is named: completion, refunds, income.
SENSITIVITY_FIGURES = ("outcomes.completed.percent", "money.refunded", "money.seller_credited")


class CellsFailed(OrderflowError):
    """Some cells failed every attempt; the others finished (and are kept, with ``out``)."""


def cell_output(setup: Setup, seed: int) -> Output:
    """One arm's setup under one seed: its figures, its segments' as ``FIGURE@SEGMENT``, its sellers."""
    result = run_cell(Cell("", attrs.evolve(setup, seed=seed)))
    figures = dict(result.figures)
    for segment, part in result.segments.items():
        figures.update({segment_figure(name, segment): value for name, value in part.items()})
    return Output(figures, tuple(attrs.asdict(row) for row in result.sellers))


def cell_result(planned: Planned, finished: Finished) -> CellResult:
    """The ``CellResult`` of a cell kept as figures and rows (``cell_output``'s shape)."""
    figures: dict[str, float] = {}
    segments: dict[str, dict[str, float]] = {}
    for name, value in finished.figures.items():
        figure, at, segment = name.partition("@")
        if at:
            segments.setdefault(segment, {})[figure] = value
        else:
            figures[name] = value
    sellers = tuple(SellerRow(**row) for row in finished.rows)
    return CellResult(planned.arm, planned.seed, figures, segments, sellers, finished.cpu_seconds)


class MemoryStore:
    """Finished cells kept in memory (no ``out``): what the results are made of at the end."""

    def __init__(self) -> None:
        self.kept: dict[Planned, Finished] = {}

    def read(self, cell: Planned, rows: bool = False) -> Finished | None:
        return self.kept.get(cell)

    def write(self, cell: Planned, finished: Finished) -> None:
        self.kept[cell] = finished


def identity(experiment: Experiment) -> dict[str, Any]:
    """What every cell of ``experiment`` shares (its inputs but the arms and seeds, which an
    experiment may gain, and orderflow's version, which the manifest records apart)."""
    inputs = experiment.inputs()
    return {key: value for key, value in inputs.items() if key not in ("arms", "seeds", "orderflow", "sweep")}


def _cells(
    experiment: Experiment,
    out: Path | None,
    executor: Executor | None,
    progress: Progress | None,
    extra: Mapping[str, Any] | None = None,
) -> Cells:
    setups = experiment.check()
    arms = {arm.name: setup for arm, setup in zip(experiment.arms, setups, strict=True)}
    described = {arm.name: dict(arm.changes) for arm in experiment.arms}
    inputs = {**identity(experiment), **(extra or {})}
    store = MemoryStore() if out is None else Store.open(out, inputs, described, experiment.seeds)
    cells = Cells(cell_output, arms, progress=progress, store=store)
    if executor is not None:
        cells.executor = executor
    return cells


def _note_seeds(cells: Cells, seeds: Sequence[int]) -> None:
    if isinstance(cells.store, Store):
        cells.store.note_seeds(seeds)


def _results(experiment: Experiment, cells: Cells, seeds: Sequence[int]) -> Results:
    """The results over ``seeds``, arm by arm, read back from the cells' store."""
    experiment = attrs.evolve(experiment, seeds=tuple(seeds))
    planned = [Planned(arm.name, seed) for arm in experiment.arms for seed in seeds]
    counts, progress = (cells.ran, cells.reused, cells.cpu_seconds), cells.progress
    cells.progress = None  # reading back is neither progress nor reuse
    found = dict(cells.run_finished(planned, rows=True))
    (cells.ran, cells.reused, cells.cpu_seconds), cells.progress = counts, progress
    missing = [cell for cell in planned if cell not in found]
    if missing:
        errors = {failure.cell: failure.error for failure in cells.failures}
        first = missing[0]
        raise CellsFailed(
            f"{len(missing)} cells failed every attempt, e.g. {first.arm!r} under seed {first.seed}: "
            f"{errors.get(first, 'no result')}; the others are kept: run again to retry them"
        )
    ordered = tuple(cell_result(cell, found[cell]) for cell in planned)
    return Results(experiment, ordered, experiment.check()[0].market.currency)


@attrs.frozen
class Spent:
    """What a run cost: cells run now, cells reused from the output directory, CPU seconds."""

    cells_run: int
    cells_reused: int
    cpu_seconds: float


def run_fixed(
    experiment: Experiment,
    *,
    out: Path | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> tuple[Results, Spent]:
    """Every arm under every seed (as ``running.run``), every finished cell kept in ``out``."""
    cells = _cells(experiment, out, executor, progress)
    for _ in cells.run([Planned(arm.name, seed) for arm in experiment.arms for seed in experiment.seeds]):
        pass  # each cell is kept as it ends; the results read them back
    results = _results(experiment, cells, experiment.seeds)
    return results, Spent(cells.ran, cells.reused, cells.cpu_seconds)


def known_figures(experiment: Experiment) -> set[str]:
    """The figure names a cell of ``experiment`` reports (segments' too), from a run of a few orders."""
    setup = attrs.evolve(experiment.check()[0], market=Market(orders=20), horizon_days=None)
    return set(cell_output(setup, 0).figures)


def run_precision(
    experiment: Experiment,
    targets: Sequence[Target],
    budget: Budget,
    *,
    initial: int = 5,
    look_ahead: int = 0,
    out: Path | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> tuple[Precision, Results]:
    """Seeds (from the experiment's, then onwards) until every target is met or the budget ends;
    the outcome and the results over the seeds run (every arm under each)."""
    known = known_figures(experiment)
    names = [arm.name for arm in experiment.arms]
    check(experiment.baseline.name, names, targets, budget, initial, known)  # before the directory
    cells = _cells(experiment, out, executor, progress)
    outcome = run_to_precision(
        cells,
        experiment.baseline.name,
        targets,
        budget,
        seeds=experiment.seeds,
        initial=initial,
        look_ahead=look_ahead,
        known_figures=known,
        same_seeds=True,
    )
    seeds = _seeds_run(experiment.seeds, max(outcome.seeds.values()))
    _note_seeds(cells, seeds)
    return outcome, _results(experiment, cells, seeds)


def _seeds_run(given: Iterable[int], count: int) -> list[int]:
    """The first ``count`` seeds of the order ``adaptive`` takes them in."""
    return take_seeds(list(given), 0, count)


def run_selection(
    experiment: Experiment,
    figure: str,
    *,
    indifference: float,
    direction: str = "max",
    confidence: float = 0.95,
    out: Path | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> tuple[Selection, Results]:
    """The best arm on ``figure`` by procedure KN (its first stage: the experiment's seeds); the
    results over the seeds every arm ran."""
    known = known_figures(experiment)
    if figure not in known:
        raise unknown_figure(figure, known)
    names = [arm.name for arm in experiment.arms]
    first = len(experiment.seeds)
    selection.check(names, direction, confidence, indifference, first, BATCH, MAX_SEEDS)
    cells = _cells(experiment, out, executor, progress)
    chosen = selection.select_best(
        cells,
        figure,
        direction=direction,
        confidence=confidence,
        indifference=indifference,
        first=first,
        seeds=experiment.seeds,
    )
    common = min(chosen.seeds.values())
    seeds = _seeds_run(experiment.seeds, common)
    _note_seeds(cells, _seeds_run(experiment.seeds, max(chosen.seeds.values())))
    return chosen, _results(experiment, cells, seeds)


def run_sensitivity(
    experiment: Experiment,
    ranges: Sequence[str],
    *,
    method: str = "morris",
    samples: int = 10,
    figures: Sequence[str] = SENSITIVITY_FIGURES,
    out: Path | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> Sensitivity:
    """A ``method`` design over ``ranges`` (``KEY=LOW:HIGH``) on top of the baseline's settings,
    each point under the experiment's seeds; the indices of ``figures``."""
    settings = simulation_settings()
    plan = design([factor(text, settings) for text in ranges], method, samples)
    baseline = experiment.baseline
    points = tuple(Arm(name, (*baseline.changes, *point.items())) for name, point in plan.arms({}).items())
    experiment = attrs.evolve(experiment, arms=points, sweep=None)
    known = known_figures(experiment)
    missing = [figure for figure in figures if figure not in known]
    if missing:
        raise unknown_figure(missing[0], known)
    cells = _cells(experiment, out, executor, progress, {"design": plan.inputs()})
    return run_design(cells, plan, list(figures), list(experiment.seeds))
