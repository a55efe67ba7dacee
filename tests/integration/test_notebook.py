"""Experiments from Jupyter: run inside a real kernel (nbclient), on local processes and on Dask,
with a progress bar, and finishing well within a bound (no hang)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("ipykernel")

SETUP = """
from orderflow.experiments import Arm, Experiment, advanced
from orderflow.experiments.adaptive import Budget, Target
from orderflow.experiments.streaming import ProgressBar
from orderflow.simulation.executors import make_executor

window = Experiment(
    settings={"market": {"orders": 200}},
    arms=(Arm("7 days"), Arm("3 days", (("policy.review_decision_window", 3),))),
    seeds=(1, 2, 3),
)
"""

PROCESSES = """
bar = ProgressBar("review window")
with make_executor(2) as executor:
    outcome, results = advanced.run_precision(
        window, [Target.parse("outcomes.completed.percent=0.8")], Budget(cells=40), initial=3,
        executor=executor, progress=bar, out=OUT,
    )
bar.close()
print(json.dumps({"stopped": outcome.stopped, "cells": len(results.cells), "run": outcome.cells_run}))
"""

DASK = """
with make_executor(2, dask="local") as executor:
    results, spent = advanced.run_fixed(window, executor=executor)
print(json.dumps({"cells": len(results.cells), "run": spent.cells_run}))
"""


def _run(tmp_path: Path, *sources: str) -> list[dict[str, object]]:
    notebook = nbformat.v4.new_notebook()
    out = repr(str(tmp_path / "out"))
    notebook.cells = [
        nbformat.v4.new_code_cell("import json\nfrom pathlib import Path\nOUT = Path(" + out + ")"),
        nbformat.v4.new_code_cell(SETUP),
        *(nbformat.v4.new_code_cell(source) for source in sources),
    ]
    client = nbclient.NotebookClient(
        notebook, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    printed = []
    for cell in notebook.cells[2:]:
        streams = [output for output in cell.outputs if output.get("output_type") == "stream"]
        stdout = "".join(output["text"] for output in streams if output["name"] == "stdout")
        stderr = "".join(output["text"] for output in streams if output["name"] == "stderr")
        printed.append({**json.loads(stdout.strip().splitlines()[-1]), "stderr": stderr})
    return printed


def test_an_experiment_runs_in_a_kernel_on_local_processes_with_a_progress_bar(tmp_path: Path) -> None:
    (found,) = _run(tmp_path, PROCESSES)
    assert found["stopped"] == "every target was met"
    assert found["cells"] == found["run"]
    stderr = str(found["stderr"])
    assert "review window" in stderr
    assert "cell/s" in stderr or "s/cell" in stderr  # tqdm's rate, with its elapsed<remaining (ETA)
    assert (tmp_path / "out" / "manifest.json").exists()


def test_an_experiment_runs_in_a_kernel_on_dask(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    (found,) = _run(tmp_path, DASK)
    assert found["cells"] == found["run"] == 6
