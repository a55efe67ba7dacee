"""docs/experiments-advanced.md stays true: its commands print what it shows, its Python runs."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from orderflow.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "experiments-advanced.md"
BLOCKS = re.findall(r"```(sh|python)\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
COMMANDS = [body for kind, body in BLOCKS if kind == "sh" and body.startswith("$ ")]


@pytest.mark.parametrize("block", COMMANDS, ids=[shlex.split(b)[3] for b in COMMANDS])
def test_each_command_prints_what_the_doc_shows(
    block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    command, *shown = block.rstrip("\n").split("\n")
    monkeypatch.chdir(tmp_path)
    assert main(shlex.split(command.removeprefix("$ "))[1:]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[: len(shown)] == shown, "the doc is stale: run the command and paste what it prints"


def test_the_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (code,) = [body for kind, body in BLOCKS if kind == "python"]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(os.environ, "TQDM_DISABLE", "1")
    exec(compile(code, str(DOC), "exec"), {})


def test_a_rerun_reads_every_cell_back_as_the_doc_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    command = shlex.split(COMMANDS[0].split("\n")[0].removeprefix("$ "))[1:]
    monkeypatch.chdir(tmp_path)
    assert main(command) == 0
    capsys.readouterr()
    assert main(command) == 0
    assert capsys.readouterr().out.startswith("precision: every target was met (0 cells run, 10 reused)")
