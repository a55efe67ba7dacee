"""The experiment store and the cell stream: written as cells end, reused, guarded, resumable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from experiment_fakes import fake_cell, wide_cell
from orderflow.experiments.store import MANIFEST, ForeignDirectory, Store
from orderflow.experiments.streaming import Cell, Cells, Finished

INPUTS = {"orders": 300, "policy": "comeup"}
ARMS: dict[str, dict[str, Any]] = {"baseline": {"salt": "b"}, "slow": {"salt": "s", "effect": -1.0}}


def _cells(directory: Path, arms: dict[str, dict[str, Any]] = ARMS, seeds: range = range(1, 4)) -> Cells:
    store = Store.open(directory, INPUTS, arms, list(seeds))
    return Cells(fake_cell, arms, store=store)


def _everything(arms: dict[str, Any], seeds: range) -> list[Cell]:
    return [Cell(arm, seed) for arm in arms for seed in seeds]


def test_each_cell_is_written_as_it_ends_with_its_figures_and_provenance(tmp_path: Path) -> None:
    cells = _cells(tmp_path / "out")
    seen = []
    for cell, figures in cells.run(_everything(ARMS, range(1, 4))):
        assert isinstance(cells.store, Store)
        assert cells.store.path(cell).exists()  # on disk before it is handed on
        assert dict(figures) == pytest.approx(fake_cell(ARMS[cell.arm], cell.seed))
        seen.append(cell)
    assert len(seen) == 6
    assert (cells.ran, cells.reused) == (6, 0)
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    assert manifest["inputs"] == INPUTS
    assert manifest["seeds"] == [1, 2, 3]
    assert set(manifest["arms"]) == {"baseline", "slow"}
    assert manifest["arms"]["slow"]["settings"] == ARMS["slow"]
    assert {"orderflow", "python", "pyarrow", "scipy"} <= set(manifest["runs"][0]["versions"])
    assert isinstance(cells.store, Store)
    table = cells.store.table().to_pandas()
    assert len(table) == 6 * 4
    assert set(table.columns) == {"arm", "seed", "figure", "value"}


def test_a_rerun_skips_finished_cells_and_enlarging_reuses_them(tmp_path: Path) -> None:
    first = _cells(tmp_path / "out")
    before = dict(first.run(_everything(ARMS, range(1, 4))))
    again = _cells(tmp_path / "out")
    assert dict(again.run(_everything(ARMS, range(1, 4)))) == before
    assert (again.ran, again.reused) == (0, 6)
    bigger = {**ARMS, "fast": {"salt": "f", "effect": 1.0}}
    enlarged = _cells(tmp_path / "out", bigger, range(1, 6))
    results = dict(enlarged.run(_everything(bigger, range(1, 6))))
    assert (enlarged.ran, enlarged.reused) == (15 - 6, 6)
    assert all(results[cell] == figures for cell, figures in before.items())
    enlarged.store.note_seeds([7, 6])  # type: ignore[union-attr]
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    assert manifest["seeds"] == [1, 2, 3, 4, 5, 6, 7]
    assert manifest["runs"][-1]["seeds"] == [1, 2, 3, 4, 5, 6, 7]
    assert len(manifest["runs"]) == 3


@pytest.mark.parametrize(
    ("inputs", "arms", "named"),
    [
        ({"orders": 500, "policy": "comeup"}, ARMS, "orders was 300, now 500"),
        (INPUTS, {"slow": {"salt": "s", "effect": -2.0}}, "arm 'slow', effect was -1.0, now -2.0"),
        ({"orders": 300}, ARMS, "policy is missing"),
    ],
)
def test_a_directory_of_another_experiment_is_refused_and_left_as_it_was(
    tmp_path: Path, inputs: dict[str, Any], arms: dict[str, Any], named: str
) -> None:
    directory = tmp_path / "out"
    list(_cells(directory).run(_everything(ARMS, range(1, 3))))
    before = {path: path.read_bytes() for path in directory.rglob("*") if path.is_file()}
    with pytest.raises(ForeignDirectory, match=named) as raised:
        Store.open(directory, inputs, arms, [1, 2])
    assert raised.value.directory == directory
    assert {path: path.read_bytes() for path in directory.rglob("*") if path.is_file()} == before


def test_a_directory_that_is_not_an_experiments_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ForeignDirectory, match=r"no manifest\.json"):
        Store.open(tmp_path, INPUTS, ARMS, [1])
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(ForeignDirectory, match="cannot be read"):
        Store.open(tmp_path, INPUTS, ARMS, [1])
    assert (tmp_path / MANIFEST).read_text() == "{not json"
    with pytest.raises(ForeignDirectory, match="not a directory"):
        Store.open(tmp_path / "notes.txt", INPUTS, ARMS, [1])


def test_a_failed_cell_is_retried_and_never_stops_the_others(tmp_path: Path) -> None:
    flags = tmp_path / "flags"
    flags.mkdir()
    arms = {
        "baseline": {"salt": "b", "fail_once": str(flags)},  # every cell fails once, then succeeds
        "broken": {"salt": "x", "fail_seeds": [2]},  # seed 2 always fails
    }
    cells = Cells(fake_cell, arms, store=Store.open(tmp_path / "out", INPUTS, arms, [1, 2, 3]), retries=2)
    finished = dict(cells.run(_everything(arms, range(1, 4))))
    assert set(finished) == set(_everything(arms, range(1, 4))) - {Cell("broken", 2)}
    assert [(f.cell, f.attempts) for f in cells.failures] == [(Cell("broken", 2), 3)]
    assert "seed 2 always fails" in cells.failures[0].error
    assert not cells.store.path(Cell("broken", 2)).exists()  # type: ignore[union-attr]


def _peak_bytes(count: int) -> int:
    arms = {"baseline": {"figures": 300}}
    cells = Cells(wide_cell, arms)
    tracemalloc.start()
    for _ in cells.run([Cell("baseline", seed) for seed in range(count)]):
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_follows_the_cells_in_flight_not_the_cells_finished() -> None:
    few, many = _peak_bytes(100), _peak_bytes(1000)
    # 900 more cells of 300 figures each would hold > 20 MB if any were kept
    assert many - few < 1_000_000, (few, many)


def test_a_cell_file_for_other_settings_is_an_integrity_error(tmp_path: Path) -> None:
    cells = _cells(tmp_path / "out")
    list(cells.run([Cell("baseline", 1), Cell("baseline", 2)]))
    store = cells.store
    assert isinstance(store, Store)
    os.replace(store.path(Cell("baseline", 2)), store.path(Cell("baseline", 1)))
    from orderflow.errors import IntegrityError

    with pytest.raises(IntegrityError, match="another seed"):
        store.read(Cell("baseline", 1))
    assert store.read(Cell("baseline", 3)) is None
    store.write(Cell("baseline", 3), Finished({"x": 1.5}, 0.25))
    assert store.read(Cell("baseline", 3)) == Finished({"x": 1.5}, 0.25)


_RUN = """
import sys
from experiment_fakes import fake_cell, wide_cell
from orderflow.experiments.store import Store
from orderflow.experiments.streaming import Cell, Cells
directory, log = sys.argv[1], sys.argv[2]
arms = {name: {"salt": name, "log": log, "sleep": 0.05} for name in ("baseline", "variant")}
store = Store.open(__import__("pathlib").Path(directory), {"orders": 1}, arms, list(range(1, 31)))
cells = Cells(fake_cell, arms, store=store)
for cell, _ in cells.run([Cell(arm, seed) for arm in arms for seed in range(1, 31)]):
    pass
print(cells.ran, cells.reused)
"""


def test_a_run_killed_halfway_resumes_without_finishing_any_cell_twice(tmp_path: Path) -> None:
    directory, log = tmp_path / "out", tmp_path / "log.txt"
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path("src").resolve()), "tests"])}
    command = [sys.executable, "-c", _RUN, str(directory), str(log)]
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(list(directory.glob("cells/*/*.parquet"))) < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished_before = set(directory.glob("cells/*/*.parquet"))
    assert 20 <= len(finished_before) < 60, "killed halfway"
    started_before = Counter(log.read_text().splitlines())
    manifest = json.loads((directory / MANIFEST).read_text())
    finished_cells = list(Store(directory, manifest).finished())
    assert len(finished_cells) == len(finished_before)
    resumed = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    ran, reused = map(int, resumed.stdout.split())
    assert reused == len(finished_before)
    assert ran == 60 - len(finished_before)
    assert len(list(directory.glob("cells/*/*.parquet"))) == 60
    assert not list(directory.rglob("*.tmp"))
    runs = Counter(" ".join(line.split()[:2]) for line in log.read_text().splitlines())
    assert sum(runs.values()) == sum(started_before.values()) + ran
    assert all(runs[f"{cell.arm} {cell.seed}"] == 1 for cell in finished_cells)  # none finished twice
    # every other cell ran once, except the one in flight at the kill, which ran again
    assert sorted(runs.values()).count(2) <= 1
    assert set(runs.values()) <= {1, 2}


class _Heard:
    def __init__(self) -> None:
        self.planned_cells, self.ended_cells = 0, list[Cell]()

    def planned(self, count: int) -> None:
        self.planned_cells += count

    def ended(self, cell: Cell) -> None:
        self.ended_cells.append(cell)


def test_progress_hears_of_every_cell_planned_and_ended_failed_ones_too(tmp_path: Path) -> None:
    arms = {"baseline": {"salt": "b"}, "broken": {"salt": "x", "fail_seeds": [1]}}
    heard = _Heard()
    cells = Cells(fake_cell, arms, retries=1, progress=heard)
    list(cells.run(_everything(arms, range(1, 3))))
    list(cells.run([Cell("baseline", 3)]))
    assert heard.planned_cells == 5
    assert sorted(heard.ended_cells) == sorted([*_everything(arms, range(1, 3)), Cell("baseline", 3)])


def test_the_progress_bar_shows_a_rate_and_a_growing_total() -> None:
    import io

    from orderflow.experiments.streaming import ProgressBar

    output = io.StringIO()
    bar = ProgressBar("review window", file=output)
    cells = Cells(fake_cell, ARMS, progress=bar)
    list(cells.run(_everything(ARMS, range(1, 3))))
    list(cells.run(_everything(ARMS, range(3, 5))))
    bar.close()
    assert bar.bar.total == 8
    assert "review window" in output.getvalue()
    assert "8/8" in output.getvalue()


def test_rows_are_kept_beside_the_figures_and_read_back_when_asked(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "out", INPUTS, ARMS, [1])
    rows = (
        {"seller": "s1", "segment": "slow", "completion": None, "ended": 3},
        {"seller": "s2", "segment": "", "completion": 0.5, "ended": 4},
    )
    store.write(Cell("baseline", 1), Finished({"x": 1.0}, 0.1, rows))
    assert store.read(Cell("baseline", 1)) == Finished({"x": 1.0}, 0.1)  # rows only when asked
    assert store.read(Cell("baseline", 1), rows=True) == Finished({"x": 1.0}, 0.1, rows)
    assert list(store.finished()) == [Cell("baseline", 1)]


def test_a_cell_function_may_return_figures_and_rows(tmp_path: Path) -> None:
    from orderflow.experiments.streaming import Output

    cells = Cells(
        _with_rows, {"baseline": {}}, store=Store.open(tmp_path / "out", INPUTS, {"baseline": {}}, [1])
    )
    ((_, finished),) = cells.run_finished([Cell("baseline", 1)])
    assert finished.rows == ({"seed": 1},)
    again = Cells(
        _with_rows, {"baseline": {}}, store=Store.open(tmp_path / "out", INPUTS, {"baseline": {}}, [1])
    )
    ((_, reread),) = again.run_finished([Cell("baseline", 1)], rows=True)
    assert (again.reused, reread) == (1, finished)
    assert isinstance(_with_rows({}, 2), Output)


def _with_rows(settings: dict[str, Any], seed: int) -> Any:
    from orderflow.experiments.streaming import Output

    return Output({"x": float(seed)}, ({"seed": seed},))
