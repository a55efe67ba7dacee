"""``orderflow experiment`` beyond fixed seeds: --precision, --best, --sensitivity, --out resumable;
bad input exits 2 with one line and changes nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orderflow.cli import main

SMALL = ["experiment", "--set", "market.orders=200", "--seeds", "3"]
WINDOW = [*SMALL, "--vary", "policy.review_decision_window=7,3"]
PRECISION = [*WINDOW, "--precision", "outcomes.completed.percent=0.6", "--precision", "money.refunded=60"]


def _files(directory: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted(directory.rglob("*")) if path.is_file()}


def test_precision_adds_seeds_until_met_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = tmp_path / "report.html"
    assert main([*PRECISION, "--html", str(html)]) == 0
    out = capsys.readouterr().out
    first, *targets = out.split("\n\n", 1)[0].splitlines()
    assert first.startswith("precision: every target was met (")
    assert len(targets) == 2
    assert all(line.endswith(": met") for line in targets)
    assert "outcomes.completed.percent" in targets[0]
    page = html.read_text()
    assert '<section id="precision">' in page
    assert "Law &amp; Kelton" in page


def test_the_look_ahead_confirms_over_more_seeds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*PRECISION, "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)["precision"]
    assert main([*PRECISION, "--json", "--look-ahead", "3"]) == 0
    confirmed = json.loads(capsys.readouterr().out)["precision"]
    assert confirmed["stopped"] == "every target was met"
    assert confirmed["seeds"]["review_decision_window=3"] >= plain["seeds"]["review_decision_window=3"] + 3


def test_out_resumes_reusing_every_cell_with_the_same_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main([*PRECISION, "--json", "--out", str(out)]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main([*PRECISION, "--json", "--out", str(out)]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["precision"]["cells_run"], again["precision"]["cells_reused"]) == (
        0,
        first["precision"]["cells_run"],
    )
    assert again["cells"] == first["cells"]
    assert again["differences"] == first["differences"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["runs"]) == 2
    assert manifest["seeds"] == first["inputs"]["seeds"]


def test_enlarging_an_experiment_reuses_its_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main([*WINDOW, "--out", str(out), "--json"]) == 0
    capsys.readouterr()
    bigger = [*SMALL[:-1], "4", "--vary", "policy.review_decision_window=7,3,5", "--out", str(out)]
    assert main([*bigger, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["cells"]) == 12
    assert len(list(out.glob("cells/*/*.parquet"))) == 12 * 2  # each cell: figures and sellers


def test_the_best_arm_with_its_guarantee(capsys: pytest.CaptureFixture[str]) -> None:
    options = ["--best", "hours_to_close.mean:min", "--indifference", "2"]
    assert main([*SMALL, "--vary", "policy.review_decision_window=7,2", *options]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(
        "review_decision_window=2 has the lowest hours_to_close.mean, with 95% confidence"
    )


def test_sensitivity_ranks_the_settings_and_charts_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = tmp_path / "sensitivity.html"
    ranges = [
        "--sensitivity",
        "seller.on_time_probability=0.5:0.95",
        "--sensitivity",
        "market.price_median=10:50",
    ]
    options = ["--samples", "2", "--of", "rates.late_delivery_percent", "--of", "money.seller_credited"]
    assert main(["experiment", "--set", "market.orders=150", *ranges, *options, "--html", str(html)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "morris: 6 points x 2 seeds; settings that matter most"
    assert out[1:3] == ["rates.late_delivery_percent:", out[2]]
    assert out[2].startswith("  seller.on_time_probability: mu* ")
    assert out[5].startswith("  market.price_median: mu* ")
    assert html.read_text().count("<svg") == 2


BAD = [
    (["--precision", "completion=0.1"], "completion: no such figure"),
    (["--precision", "outcomes.completed.percent"], "expected FIGURE=HALF_WIDTH"),
    (
        ["--precision", "outcomes.completed.percent=0.1", "--budget", "5"],
        "5 cells cannot pay for the first round",
    ),
    (["--precision", "outcomes.completed.percent=0.1", "--budget", "lots"], "--budget: expected a number"),
    (["--budget", "100"], "--budget and --look-ahead go with --precision"),
    (["--precision", "money.refunded=1", "--look-ahead", "-1"], "--look-ahead must be 0 or more"),
    (["--best", "money.refunded"], "--best needs --indifference"),
    (["--best", "money.refunded", "--indifference", "0"], "indifference: must be a positive"),
    (["--best", "money.refunds", "--indifference", "1"], "money.refunds: no such figure"),
    (["--sensitivity", "market.currency=0:1"], "market.currency: is not a number"),
    (["--sensitivity", "seller.nope=0:1"], "seller.nope: no such setting"),
    (["--sensitivity", "seller.on_time_probability=0.9:0.5"], "from a lower to a higher number"),
    (
        ["--sensitivity", "seller.on_time_probability=0.5:0.9", "--design", "sobol", "--samples", "10"],
        "power of 2",
    ),
    (["--precision", "money.refunded=1", "--best", "money.refunded"], "give one"),
    (
        [
            "--sensitivity",
            "seller.on_time_probability=0.5:0.9",
            "--vary",
            "policy.review_decision_window=7,3",
        ],
        "--sensitivity takes ranges, not arms",
    ),
]


@pytest.mark.parametrize(("options", "message"), BAD)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    out, html = tmp_path / "out", tmp_path / "report.html"
    base = SMALL if "--sensitivity" in options else WINDOW  # a design's points are its arms
    assert main([*base, *options, "--out", str(out), "--html", str(html)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1, captured.err
    assert message in captured.err
    assert sorted(tmp_path.iterdir()) == []


def test_a_directory_of_another_experiment_exits_2_and_is_left_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main([*WINDOW, "--out", str(out)]) == 0
    before = _files(out)
    capsys.readouterr()
    assert main([*WINDOW, "--set", "market.orders=250", "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "written by another experiment: settings.market.orders was 200, now 250" in error
    assert _files(out) == before


def test_a_run_killed_halfway_resumes_and_redoes_no_finished_cell(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [
        sys.executable, "-m", "orderflow", "experiment", "--set", "market.orders=800", "--seeds", "8",
        "--vary", "policy.review_decision_window=7,3", "--out", str(out), "--json",
    ]  # fmt: skip
    environment = {**os.environ, "PYTHONPATH": str(Path("src").resolve())}
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list(out.glob("cells/*/[0-9].parquet"))) < 6 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = {path: path.stat().st_mtime_ns for path in out.glob("cells/*/*.parquet")}
    done = len([path for path in finished if path.stem.isdigit()])
    assert 6 <= done < 16, "killed halfway"
    resumed = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    data = json.loads(resumed.stdout)
    assert len(data["cells"]) == 16  # the whole experiment's results
    assert (data["cells_reused"], data["cells_run"]) == (done, 16 - done)
    assert len(list(out.glob("cells/*/[0-9].parquet"))) == 16
    assert all(path.stat().st_mtime_ns == mtime for path, mtime in finished.items())  # none written twice
