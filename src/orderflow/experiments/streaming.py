"""Experiment cells through an executor, streamed: each result handed on as it ends, a failed
cell retried, a finished cell (in a ``store.Store``) read back instead of run again.

A cell is one arm under one seed; its function is a pure ``function(settings, seed)`` returning
a mapping of figure name to number (every report figure of that run). ``Cells.run(cells)``
yields ``(cell, figures)`` as each cell ends, keeping nothing once yielded: memory follows the
cells in flight (the executor bounds them), never the cells finished. A cell whose function
raises is tried again up to ``retries`` times, in a later batch, and if it still fails it is
recorded in ``failures`` and left out; the other cells run on regardless. Each attempt runs
inside ``attempt`` (a module-level function, so that process pools and Dask can pickle it),
which measures the cell's CPU time in the process that ran it.

The executor is anything with ``map(function, items)`` yielding ``(index, result)`` as items
finish (``orderflow.simulation.executors``); with none, cells run here, one after the other.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

import attrs

from ..domain.errors import InvalidArgument

#: The figures of one cell: every report figure of one run, by name.
Figures = Mapping[str, float]
#: A cell's function: ``function(settings, seed)``, pure and module-level (picklable), returning
#: figures or an ``Output`` (figures and rows).
CellFunction = Callable[[Any, int], Any]


@attrs.frozen(order=True)
class Cell:
    """One arm of an experiment under one seed."""

    arm: str
    seed: int


@attrs.frozen
class Output:
    """What a cell's function may return instead of bare figures: its figures and rows of a
    table (one per seller, say), each row a mapping of column to a plain value."""

    figures: Mapping[str, float]
    rows: tuple[Mapping[str, Any], ...] = ()


@attrs.frozen
class Finished:
    """A cell's figures and rows, and the CPU seconds its run took where it ran."""

    figures: Mapping[str, float]
    cpu_seconds: float = attrs.field(eq=False)
    rows: tuple[Mapping[str, Any], ...] = ()


@attrs.frozen
class Failure:
    """A cell that failed every attempt: the last error, in one line."""

    cell: Cell
    attempts: int
    error: str


class Progress(Protocol):
    """What hears of the cells: how many were planned (a round at a time), and each that ended."""

    def planned(self, count: int) -> None: ...

    def ended(self, cell: Cell) -> None: ...


class ProgressBar:
    """A tqdm bar of cells with its rate and ETA, whose total grows as rounds are planned: a
    widget in Jupyter when ipywidgets is installed, else text (on stderr, or ``file``)."""

    def __init__(self, description: str = "cells", file: Any = None) -> None:
        if importlib.util.find_spec("ipywidgets") is not None:  # without it, tqdm.auto only warns
            from tqdm.auto import tqdm
        else:
            from tqdm import tqdm
        self.bar = tqdm(total=0, unit="cell", desc=description, file=file, dynamic_ncols=True)

    def planned(self, count: int) -> None:
        self.bar.total += count
        self.bar.refresh()

    def ended(self, cell: Cell) -> None:
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


class Keeps(Protocol):
    """Where finished cells are kept (``store.Store``, or memory): read back, or written."""

    def read(self, cell: Cell, rows: bool = False) -> Finished | None: ...

    def write(self, cell: Cell, finished: Finished) -> None: ...


class MapsItems(Protocol):
    """What ``Cells`` needs of an executor (``orderflow.simulation.executors.Executor``)."""

    def map(self, function: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[tuple[int, Any]]: ...


class Serial:
    """Every item here, one after the other: the executor when none is given."""

    workers = 1

    def map(self, function: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        for index, item in enumerate(items):
            yield index, function(item)


@attrs.frozen
class Task:
    """One attempt at one cell, as it travels to a worker."""

    function: CellFunction
    settings: Any
    cell: Cell


def attempt(task: Task) -> Finished | str:
    """Run one cell: its figures and CPU time, or its error in one line (never raised, so that one
    failed cell cannot stop the executor's other cells)."""
    started = time.process_time()
    try:
        output = task.function(task.settings, task.cell.seed)
        found, rows = (output.figures, output.rows) if isinstance(output, Output) else (output, ())
        figures = {str(name): float(value) for name, value in found.items()}
    except Exception as error:  # any error of the cell's function: reported, retried
        return f"{type(error).__name__}: {error}"
    return Finished(figures, time.process_time() - started, tuple(rows))


@attrs.define
class Cells:
    """Runs cells of ``function`` over ``arms`` (arm name → settings) on ``executor``, a store in
    front when given; counts what it ran, reused and spent."""

    function: CellFunction
    arms: Mapping[str, Any]
    executor: MapsItems = attrs.field(factory=Serial)
    store: Keeps | None = None
    retries: int = 2
    #: Hears of the cells planned and ended, finished or failed (``ProgressBar``).
    progress: Progress | None = None
    ran: int = 0
    reused: int = 0
    cpu_seconds: float = 0.0
    failures: list[Failure] = attrs.Factory(list)

    def run(self, cells: Sequence[Cell]) -> Iterator[tuple[Cell, Mapping[str, float]]]:
        """``(cell, figures)`` for each of ``cells`` that finishes, in the order they end."""
        for cell, finished in self.run_finished(cells):
            yield cell, finished.figures

    def run_finished(self, cells: Sequence[Cell], rows: bool = False) -> Iterator[tuple[Cell, Finished]]:
        """``(cell, finished)`` for each of ``cells`` that finishes, in the order they end; a cell
        read from the store comes with its rows only when ``rows`` is asked for."""
        unknown = sorted({cell.arm for cell in cells} - set(self.arms))
        if unknown:
            raise InvalidArgument(f"no arm named {unknown[0]!r}; arms: {sorted(self.arms)}")
        if self.progress is not None:
            self.progress.planned(len(cells))
        waiting: list[Cell] = []
        for cell in cells:
            found = None if self.store is None else self.store.read(cell, rows)
            if found is None:
                waiting.append(cell)
                continue
            self.reused += 1
            self.cpu_seconds += found.cpu_seconds
            self._tick(cell)
            yield cell, found
        for attempt_number in range(1, self.retries + 2):
            if not waiting:
                return
            tasks = [Task(self.function, self.arms[cell.arm], cell) for cell in waiting]
            failed: list[Cell] = []
            for index, outcome in self.executor.map(attempt, tasks):
                cell = waiting[index]
                if isinstance(outcome, str):
                    failed.append(cell)
                    if attempt_number > self.retries:
                        self.failures.append(Failure(cell, attempt_number, outcome))
                        self._tick(cell)
                    continue
                if self.store is not None:
                    self.store.write(cell, outcome)
                self.ran += 1
                self.cpu_seconds += outcome.cpu_seconds
                self._tick(cell)
                yield cell, outcome
            waiting = sorted(failed)

    def _tick(self, cell: Cell) -> None:
        if self.progress is not None:
            self.progress.ended(cell)
