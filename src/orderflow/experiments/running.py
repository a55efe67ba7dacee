"""Running an experiment: every (arm, seed) cell through an executor, results in a fixed order.

The cells are independent, so ``run`` hands them to an ``Executor`` (``simulation.executors``:
this process, a process pool or Dask, chosen by the caller) and puts the results back in the
experiment's order (arm by arm, seed by seed) whatever order they finish in: the results, and
every report made from them, are the same bytes on 1 worker or many.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from ..simulation.executors import Executor, make_executor
from .arms import Experiment
from .cells import Cell, CellResult, run_cell
from .results import Results


def cells_of(experiment: Experiment) -> list[Cell]:
    """The experiment's cells, arm by arm, each under every seed (checked first)."""
    setups = experiment.check()
    return [
        Cell(arm.name, attrs.evolve(setup, seed=seed))
        for arm, setup in zip(experiment.arms, setups, strict=True)
        for seed in experiment.seeds
    ]


def run(
    experiment: Experiment,
    executor: Executor | None = None,
    progress: Callable[[CellResult], None] | None = None,
) -> Results:
    """Run every cell of ``experiment`` (on ``executor``; by default in this process) and return
    the results; ``progress`` hears of each cell as it ends."""
    planned = cells_of(experiment)
    finished: list[CellResult | None] = [None] * len(planned)
    with executor if executor is not None else make_executor(1) as running:
        for index, result in running.map(run_cell, planned):
            finished[index] = result
            if progress is not None:
                progress(result)
    done = tuple(result for result in finished if result is not None)
    return Results(experiment, done, planned[0].setup.market.currency)
