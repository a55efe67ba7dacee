"""Every scenario file shipped (tests/scenarios/ and examples/) runs through ``orderflow scenario run``.

A file exits 0, except ``malformed-*`` files (2: the file cannot be run) and ``failing-*`` files (1:
a step or an expectation does not hold), which show that the runner catches what they get wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orderflow.cli import main

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(path for folder in ("tests/scenarios", "examples") for path in (ROOT / folder).rglob("*.json"))
EXPECTED_STATUS = {"malformed-": 2, "failing-": 1}


def expected_status(path: Path) -> int:
    return next((status for prefix, status in EXPECTED_STATUS.items() if path.name.startswith(prefix)), 0)


def test_examples_are_shipped() -> None:
    assert len([path for path in FILES if path.is_relative_to(ROOT / "examples")]) >= 3


@pytest.mark.parametrize("path", FILES, ids=[str(path.relative_to(ROOT)) for path in FILES])
def test_scenario_file(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["scenario", "run", str(path)])
    out, err = capsys.readouterr()
    assert status == expected_status(path), out + err
    if status == 2:
        assert len(err.splitlines()) == 1
        assert "Traceback" not in err
