"""The figures of docs/experiments-advanced.md's "Measured" section, measured again.

- ``precision``: the review-window question (3 days against 7, 10,000 orders a run): a fixed
  10-seed run kept in an output directory, then each precision target run on that directory
  (its cells read back, their CPU seconds as measured when they ran): seeds per target and cell
  CPU against the fixed run.
- ``sensitivity``: Morris over six settings (2,000 orders a run, 2 seeds): the top three per figure.
- ``resume``: ``orderflow experiment --out`` killed with SIGKILL once half its cells finished,
  then run again: cells run and reused, and whether a finished cell's file was written twice.

    .venv/bin/python bench/bench_experiments_advanced.py precision|sensitivity|resume [DIR]
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from orderflow.experiments import Arm, Experiment, advanced
from orderflow.experiments.adaptive import Budget, Target

WINDOW = Experiment(
    arms=(Arm("7 days"), Arm("3 days", (("policy.review_decision_window", 3),))), seeds=tuple(range(1, 11))
)
TARGETS = [
    ["outcomes.completed.percent=0.05"],
    ["money.refunded=250"],
    ["outcomes.completed.percent=0.05", "money.refunded=250"],
    ["money.refunded=150"],
]
RANGES = [
    "seller.on_time_probability=0.6:0.95",
    "policy.review_decision_window=2:10",
    "buyer.dispute_probability=0.1:0.5",
    "seller.refuse_revision_probability=0.0:0.4",
    "buyer.revision_probability=0.05:0.3",
    "seller.cancel_probability=0.0:0.05",
]


def precision(directory: Path) -> None:
    results, spent = advanced.run_fixed(WINDOW, out=directory)
    print(f"fixed 10 seeds: {spent.cells_run + spent.cells_reused} cells, {spent.cpu_seconds:.1f} s cell CPU")
    for figure in ("outcomes.completed.percent", "money.refunded"):
        found = results.difference("3 days", figure)
        assert found is not None
        print(f"  {figure}: {found.mean:+.4g} ({found.low:+.4g} to {found.high:+.4g})")
    for texts in TARGETS:
        targets = [Target.parse(text) for text in texts]
        outcome, _ = advanced.run_precision(WINDOW, targets, Budget(cells=20), out=directory)
        reached = ", ".join(f"{r.target.key} ±{r.interval.half_width:.3g}" for r in outcome.reached)
        cells = sum(outcome.seeds.values())
        print(
            f"{' + '.join(texts)}: {max(outcome.seeds.values())} seeds, {cells} cells, "
            f"{outcome.cpu_seconds:.1f} s cell CPU ({outcome.cpu_seconds / spent.cpu_seconds:.2f}); {reached}"
        )


def sensitivity() -> None:
    base = Experiment(settings={"market": {"orders": 2000}}, seeds=(1, 2))
    started = time.process_time()
    found = advanced.run_sensitivity(base, RANGES, method="morris", samples=8)
    print(f"{found.points} points x {found.seeds} seeds, {time.process_time() - started:.1f} s CPU")
    for figure in found.indices:
        top = ", ".join(f"{i.key} {i.value:.4g} ± {i.confidence:.2g}" for i in found.top(figure))
        print(f"{figure}: {top}")


def resume(directory: Path) -> None:
    command = [sys.executable, "-m", "orderflow", "experiment", "--vary", "policy.review_decision_window=7,3"]
    command += ["--out", str(directory), "--json"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while len([p for p in directory.glob("cells/*/*.parquet") if p.stem.isdigit()]) < 10:
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = {path: path.stat().st_mtime_ns for path in directory.glob("cells/*/*.parquet")}
    done = len([path for path in finished if path.stem.isdigit()])
    rerun = subprocess.run(command, capture_output=True, text=True, check=True)
    data = json.loads(rerun.stdout)
    rewritten = [path for path, mtime in finished.items() if path.stat().st_mtime_ns != mtime]
    print(f"finished before the kill: {done}; rerun ran {data['cells_run']}, reused {data['cells_reused']}")
    print(f"results of {len(data['cells'])} cells; finished cells' files written again: {len(rewritten)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["precision", "sensitivity", "resume"])
    parser.add_argument("directory", nargs="?", type=Path, help="an output directory (default: a new one)")
    arguments = parser.parse_args()
    directory = arguments.directory or Path(tempfile.mkdtemp()) / "out"
    if arguments.what == "precision":
        precision(directory)
    elif arguments.what == "sensitivity":
        sensitivity()
    else:
        resume(directory)


if __name__ == "__main__":
    main()
