"""``orderflow scenario generate``: the generated set is written, and every file of it passes the runner.

This is how our own suite runs the model-based paths: generated into a temporary directory at test
time, each file replayed by the scenario runner, every step and expectation holding.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from orderflow import PRESETS, State
from orderflow.cli import main
from orderflow.scenario import load, run


def generate(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    status = main(["scenario", "generate", *arguments])
    out, err = capsys.readouterr()
    return status, out, err


def failures(directory: Path) -> dict[str, list[str]]:
    """Every generated file that does not pass the runner, with its failed steps."""
    results = {path.name: run(load(path)) for path in sorted(directory.glob("*.json"))}
    return {name: [s.error or "" for s in r.steps if not s.ok] for name, r in results.items() if not r.ok}


@pytest.mark.parametrize("policy", sorted(PRESETS))
def test_the_transition_cover_is_written_and_every_file_passes_the_runner(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, policy: str
) -> None:
    status, out, err = generate(capsys, "--cover", "transitions", str(tmp_path / "out"), "--policy", policy)
    assert (status, err) == (0, "")
    files = sorted((tmp_path / "out").glob("*.json"))
    summary = re.search(r"wrote (\d+) scenario files \((\d+) steps\)", out)
    covered = re.search(r"transitions covered: (\d+) / (\d+) \(" + policy + r"\)", out)
    assert summary is not None
    assert covered is not None
    assert int(summary[1]) == len(files) > 50
    assert int(summary[2]) == sum(len(json.loads(f.read_text())["steps"]) for f in files)
    uncovered = [line for line in out.splitlines() if line.startswith("  ")]
    assert int(covered[2]) - int(covered[1]) == len(uncovered)
    assert "pending --expiry (deadline)--> expired" in out
    assert failures(tmp_path / "out") == {}


def test_the_state_cover_reaches_every_state_and_passes_the_runner(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, _ = generate(capsys, "--cover", "states", str(tmp_path))
    assert status == 0
    assert "states reached: 11 / 11 (comeup)" in out
    files = sorted(tmp_path.glob("*.json"))
    assert [f.name.split("-state-")[1] for f in files] == [f"{s.value.replace('_', '-')}.json" for s in State]
    for path in files:
        result = run(load(path))
        assert result.ok
        assert result.order.state.value.replace("_", "-") in path.name
    assert failures(tmp_path) == {}


def test_a_generated_file_documents_the_model_and_fails_when_the_model_changes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    generate(capsys, "--cover", "transitions", str(tmp_path))
    (late,) = tmp_path.glob("*-cancellation-requested-cancel-by-buyer-late-to-canceled.json")
    data = json.loads(late.read_text())
    assert data["rules"][-2:] == ["R-LATE-2", "R-TIME-4"]
    last = data["steps"][-1]
    assert (last["actor"], last["action"], last["expect"]["state"]) == ("buyer", "cancel", "canceled")
    assert data["steps"][-2]["expect"]["late"] is True
    last["expect"]["money"]["refunded"] = "0.00"  # what a regression in the refund would look like
    late.write_text(json.dumps(data))
    assert list(failures(tmp_path)) == [late.name]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(["OUT"], "the following arguments are required: --cover", id="no-cover"),
        pytest.param(["--cover", "rules", "OUT"], "invalid choice: 'rules'", id="bad-cover"),
        pytest.param(
            ["--cover", "states", "--policy", "etsy", "OUT"], "invalid choice: 'etsy'", id="bad-policy"
        ),
        pytest.param(["--cover", "states"], "the following arguments are required: OUT_DIR", id="no-dir"),
    ],
)
def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, arguments: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        generate(capsys, *[str(tmp_path / a) if a == "OUT" else a for a in arguments])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_out_dir_that_is_a_file_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    taken = tmp_path / "taken"
    taken.write_text("")
    status, out, err = generate(capsys, "--cover", "states", str(taken))
    assert (status, out) == (2, "")
    assert err.startswith(f"orderflow scenario generate: {taken}: ")


def test_help_shows_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["scenario", "generate", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "orderflow scenario generate --cover transitions generated/" in out
    assert "--cover {transitions,states}" in out
