"""The command line: ``orderflow demo`` tells the seed page's story from its embedded scenario."""

from __future__ import annotations

import subprocess
import sys

import pytest

from orderflow.cli import main


def test_demo_tells_the_life_and_ends_completed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0  # its embedded expectations held
    out = capsys.readouterr().out
    assert "seller refuse_revision (reason: out of scope)" in out
    assert "rejected as expected: NotAllowed" in out  # the seller cannot close an order
    assert "fired by itself: buyer_decision" in out
    assert "-> completed" in out
    # 40.00 + a 10.00 option + a 5.00 tip to the seller; the 2.50 fee to the platform
    assert "money moved: 55.00 to the seller's wallet; 2.50 to the platform" in out


def test_demo_says_what_the_seller_may_do_once_the_revision_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["demo"])
    out = capsys.readouterr().out
    told = out[out.index("what the seller may do now:") : out.index("seller close")]
    assert "cancel -> canceled" in told  # R-REF-2
    assert "offer_custom -> revision_refused" in told  # R-REF-5
    assert "propose_partial_refund -> revision_refused" in told  # R-REF-4
    assert "close" not in told
    assert "if nobody acts: at 2026-01-13 11:00 buyer_decision fires -> completed" in told  # R-REF-3


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
