"""The command line: ``orderflow demo`` tells the demonstration order's life."""

from __future__ import annotations

import subprocess
import sys

import pytest

from orderflow.cli import main


def test_demo_tells_the_life_and_ends_completed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "seller refuse_revision" in out
    assert "rejected: NotAllowed" in out  # the seller cannot close an order
    assert "fired by itself: buyer_decision" in out
    assert "-> completed" in out
    assert "effect wallet_credit: party=seller, amount=55.00 EUR" in out


def test_no_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([])
    assert exit_.value.code == 2
    assert "usage: orderflow" in capsys.readouterr().err


def test_python_dash_m_runs_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "orderflow", "demo"], capture_output=True, text=True, check=True
    )
    assert "-> completed" in result.stdout
