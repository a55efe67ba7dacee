"""``orderflow diagram``: prints exactly ``orderflow.diagram``'s drawing; bad choices exit 2."""

from __future__ import annotations

import pytest

from orderflow import PRESETS
from orderflow.cli import main
from orderflow.diagram import dot, mermaid


@pytest.mark.parametrize("policy", list(PRESETS))
@pytest.mark.parametrize(("name", "draw"), [("mermaid", mermaid), ("dot", dot)])
def test_prints_the_modules_drawing(
    capsys: pytest.CaptureFixture[str], policy: str, name: str, draw: object
) -> None:
    assert main(["diagram", "--format", name, "--policy", policy]) == 0
    assert callable(draw)
    assert capsys.readouterr().out == draw(PRESETS[policy])


def test_defaults_to_mermaid_for_comeup(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram"]) == 0
    assert capsys.readouterr().out == mermaid(PRESETS["comeup"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "svg"], "argument --format: invalid choice: 'svg'"),
        (["--policy", "etsy"], "invalid choice"),
    ],
)
def test_an_unknown_format_or_policy_exits_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["diagram", *argv])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_help_explains_itself_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["diagram", "--help"])
    assert exit_.value.code == 0
    assert "orderflow diagram --format dot --policy fiverr_like" in capsys.readouterr().out
