"""docs/experiments.md's examples run: its commands (on fewer orders and seeds), its experiment
file, and its Python example."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from orderflow.cli import main

ROOT = Path(__file__).parents[2]
DOC = (ROOT / "docs" / "experiments.md").read_text(encoding="utf-8")
SMALLER = ["--set", "market.orders=200", "--seeds", "2"]


def _commands() -> list[list[str]]:
    blocks = re.findall(r"```sh\n(.*?)```", DOC, re.DOTALL)
    lines = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith("orderflow experiment")]


@pytest.mark.parametrize("command", _commands(), ids=lambda command: " ".join(command)[:60])
def test_each_command_of_the_doc_runs(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    if "results.json" in command:  # a saved experiment: save one first
        assert main(["experiment", *SMALLER, "--json"]) == 0
        (tmp_path / "results.json").write_text(capsys.readouterr().out, encoding="utf-8")
        command = [str(tmp_path / "results.json") if part == "results.json" else part for part in command]
    command = [str(tmp_path / part) if part.endswith(".html") else part for part in command]
    assert main([*command, *SMALLER]) == 0
    assert capsys.readouterr().out


def test_the_docs_experiment_file_is_the_example_file() -> None:
    block = re.search(r"```toml\n(seeds = 10.*?)```", DOC, re.DOTALL)
    assert block is not None
    example = (ROOT / "examples" / "slow-sellers.toml").read_text(encoding="utf-8")
    for line in ("share = 0.2", 'share = "rest"', 'name = "20 % slow sellers"'):
        assert line in block.group(1)
        assert line in example


def test_the_python_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    code = re.search(r"```python\n(.*?)```", DOC, re.DOTALL)
    assert code is not None
    smaller = code.group(1).replace('"orders": 2000', '"orders": 200').replace("range(1, 11)", "range(1, 3)")
    exec(compile(smaller, "docs/experiments.md", "exec"), {})
    assert capsys.readouterr().out.startswith("3 days: ")
