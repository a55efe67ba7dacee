"""``orderflow scenario run``: exit statuses, the trace, the JSON result's shape, error messages, help."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from orderflow.cli import main

STATES = {"pending", "in_progress", "cancellation_requested", "delivered", "revision_requested"}
STATES |= {"revision_refused", "disputed", "on_hold", "completed", "canceled", "expired"}


def demo_story() -> dict[str, Any]:
    """The demo's embedded scenario (the seed page's story); every expectation in it holds."""
    text = resources.files("orderflow.scenario").joinpath("demo.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def written(tmp_path: Path, data: object, name: str = "story.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def scenario_run(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    status = main(["scenario", "run", *arguments])
    out, err = capsys.readouterr()
    return status, out, err


def check_result_shape(result: Any) -> None:
    """The documented shape of ``--json``: ``{"ok", "steps": [...], "order": snapshot}``."""
    assert set(result) == {"ok", "steps", "order"}
    assert isinstance(result["ok"], bool)
    for index, step in enumerate(result["steps"]):
        assert set(step) == {"index", "kind", "ok", "error", "fired", "state"}
        assert step["index"] == index
        assert step["kind"] in {"action", "advance_to", "expect"}
        assert isinstance(step["ok"], bool)
        assert (step["error"] is None) is step["ok"] or isinstance(step["error"], str)
        assert all(isinstance(name, str) for name in step["fired"])
        assert step["state"] in STATES
    order = result["order"]
    assert set(order) == {"id", "state", "late", "version", "deadlines", "money", "events", "effects"}
    assert order["state"] in STATES
    assert isinstance(order["late"], bool)
    assert order["version"] == len(order["events"])
    assert all(at.endswith("Z") for at in order["deadlines"].values())
    money = order["money"]
    assert set(money) == {"currency", "paid", "escrow", "refunded", "seller_credited", "platform_revenue"}
    assert all(isinstance(amount, str) for amount in money.values())
    assert all(isinstance(effect["kind"], str) for effect in order["effects"])


def test_a_story_that_holds_exits_0_with_a_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = scenario_run(capsys, written(tmp_path, demo_story()))
    assert (status, err) == (0, "")
    assert "  4. 2026-01-06 11:00  seller refuse_revision (reason: out of scope)" in out
    assert "deadlines set: buyer_decision 2026-01-13 11:00" in out
    assert "rejected as expected: NotAllowed" in out
    assert out.rstrip().endswith("ok: every step and expectation held, 7 steps; the order is completed")


def test_json_output_follows_the_documented_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = scenario_run(capsys, written(tmp_path, demo_story()), "--json")
    result = json.loads(out)
    check_result_shape(result)
    assert (status, result["ok"]) == (0, True)
    assert result["steps"][5]["fired"] == ["buyer_decision"]
    assert result["order"]["money"]["seller_credited"] == "55.00"


def test_a_failed_expectation_exits_1_and_the_run_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = demo_story()
    data["steps"][3]["expect"]["state"] = "disputed"  # it is revision_refused
    path = written(tmp_path, data)
    status, out, _ = scenario_run(capsys, path)
    assert status == 1
    assert "FAILED: expect state: expected 'disputed', got 'revision_refused'" in out
    assert "FAILED: step 4 of 7 steps; the order is completed" in out
    status, out, _ = scenario_run(capsys, path, "--json")
    result = json.loads(out)
    check_result_shape(result)
    assert status == 1
    assert [step["ok"] for step in result["steps"]] == [True, True, True, False, True, True, True]


def test_an_unexpected_rejection_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = demo_story()
    del data["steps"][4]["expect_error"]  # the seller's close is rejected
    status, out, _ = scenario_run(capsys, written(tmp_path, data), "--json")
    assert status == 1
    assert json.loads(out)["steps"][4]["error"].startswith("rejected: NotAllowed: seller may not close")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["steps"][1].update(at="2026-01-05T09:00:00"),
            r"step 2 \(index 1\), field 'at': .*offset",
        ),
        (lambda d: d["steps"][2].update(at="2026-01-01T10:00:00Z"), r"step 3 \(index 2\), field 'at'"),
        (lambda d: d["steps"][0].update(action="start"), r"step 1 \(index 0\), field 'action': unknown"),
        (lambda d: d["order"].update(tip=5), "field 'order.tip': amounts are decimal strings"),
    ],
)
def test_a_malformed_file_exits_2_with_one_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: Any, message: str
) -> None:
    data = demo_story()
    change(data)
    path = written(tmp_path, data)
    status, out, err = scenario_run(capsys, path, "--json")
    assert (status, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert err.startswith(f"orderflow scenario run: {path}: ")
    assert re.search(message, err)


@pytest.mark.parametrize(("text", "message"), [("{", "bad JSON at line 1, column 2"), ("\xff", None)])
def test_bad_json_and_unreadable_files_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str | None
) -> None:
    path = tmp_path / "story.json"
    path.write_bytes(text.encode("latin-1"))
    status, _, err = scenario_run(capsys, str(path))
    assert status == 2
    assert (message or "not UTF-8 text") in err
    assert "Traceback" not in err


def test_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = scenario_run(capsys, str(tmp_path / "none.json"))
    assert status == 2
    assert "none.json: No such file or directory" in err


@pytest.mark.parametrize("command", [["scenario"], ["scenario", "run"]])
def test_help_explains_itself_with_an_example(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0
    assert "example" in out
    assert "orderflow scenario run " in out


def test_the_installed_command_runs_a_scenario(tmp_path: Path) -> None:
    path = written(tmp_path, demo_story())
    done = subprocess.run(
        [sys.executable, "-m", "orderflow", "scenario", "run", path, "--json"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    check_result_shape(json.loads(done.stdout))


def test_a_one_step_story_says_1_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = demo_story()
    data["steps"] = data["steps"][:1]
    status, out, _ = scenario_run(capsys, written(tmp_path, data))
    assert status == 0
    assert out.rstrip().endswith(", 1 step; the order is in_progress")


def _story_files(tmp_path: Path) -> tuple[Path, Path]:
    """A directory of two good stories and a failing one, and a malformed file beside it."""
    stories = tmp_path / "stories"
    stories.mkdir()
    written(stories, demo_story(), "a-good.json")
    written(stories, demo_story(), "b-good.json")
    failing = demo_story()
    failing["steps"][3]["expect"]["state"] = "disputed"
    written(stories, failing, "c-failing.json")
    (stories / "notes.txt").write_text("not a scenario", encoding="utf-8")
    return stories, Path(written(tmp_path, "{", "malformed.json"))


def test_many_files_run_in_one_process_one_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stories, _ = _story_files(tmp_path)
    (stories / "c-failing.json").unlink()
    status, out, err = scenario_run(capsys, str(stories), str(stories / "a-good.json"))
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines == [
        f"ok      {stories / 'a-good.json'} (7 steps, completed)",
        f"ok      {stories / 'b-good.json'} (7 steps, completed)",
        f"ok      {stories / 'a-good.json'} (7 steps, completed)",
        "3 files: 3 ok, 0 failed, 0 unreadable",
    ]


def test_a_failing_file_among_many_exits_1_and_says_which_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stories, _ = _story_files(tmp_path)
    status, out, _ = scenario_run(capsys, str(stories))
    assert status == 1
    assert f"FAILED  {stories / 'c-failing.json'} (7 steps, completed): step 4: expect state" in out
    assert out.splitlines()[-1] == "3 files: 2 ok, 1 failed, 0 unreadable"


def test_a_malformed_file_among_many_exits_2_after_running_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stories, malformed = _story_files(tmp_path)
    status, out, err = scenario_run(capsys, str(malformed), str(stories), str(tmp_path / "missing.json"))
    assert status == 2
    assert err.count("orderflow scenario run: ") == 2
    assert f"{malformed}: bad JSON" in err
    assert out.splitlines()[-1] == "5 files: 2 ok, 1 failed, 2 unreadable"


def test_many_files_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stories, _ = _story_files(tmp_path)
    status, out, _ = scenario_run(capsys, str(stories), "--json")
    result = json.loads(out)
    assert status == 1
    assert result["ok"] is False
    assert [(Path(f["file"]).name, f["ok"], f["failed_steps"]) for f in result["files"]] == [
        ("a-good.json", True, []),
        ("b-good.json", True, []),
        ("c-failing.json", False, [4]),
    ]
