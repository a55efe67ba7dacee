"""A newcomer's first minutes (issue 15, 3): --version, help texts that say what things are, the
plain-words simulate report, a short Policy repr, and the trace's singular "1 step"."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import attrs
import pytest

from orderflow import COMEUP, FIVERR_LIKE, PRESETS, Policy
from orderflow.cli import main
from orderflow.simulation.report import text

SMALL = ["simulate", "--orders", "300", "--seed", "4"]


def test_version_prints_the_installed_version_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"orderflow {version('orderflow')}\n"


def test_version_from_the_installed_command() -> None:
    found = subprocess.run(
        [sys.executable, "-m", "orderflow", "--version"], capture_output=True, text=True, check=True
    )
    assert found.stdout.startswith("orderflow ")


def _help(capsys: pytest.CaptureFixture[str], *command: str) -> str:
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    return " ".join(capsys.readouterr().out.split())


def test_demo_help_says_what_happens_to_the_order(capsys: pytest.CaptureFixture[str]) -> None:
    told = _help(capsys, "demo")
    assert "seed page" not in told.split("(This is")[0]
    for fact in ("57.50 EUR into escrow", "refuses it", "after 7 days the order completes by itself"):
        assert fact in told


def test_simulate_help_names_the_policies_and_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    told = _help(capsys, "simulate")
    assert f"{', '.join(PRESETS)} (default comeup)" in told
    assert "default: run until every order has ended" in told


def _report(capsys: pytest.CaptureFixture[str], *options: str) -> str:
    assert main([*SMALL, *options]) == 0
    return capsys.readouterr().out


def test_the_report_leads_with_a_plain_headline(capsys: pytest.CaptureFixture[str]) -> None:
    out = _report(capsys)
    first = " ".join(out.split("\n\n")[0].split())
    assert first.startswith("300 orders under comeup: ")
    assert "% completed" in first
    assert "every cent is accounted for" in first


def test_the_report_uses_plain_names_not_internal_ones(capsys: pytest.CaptureFixture[str]) -> None:
    out = _report(capsys)
    for internal in ("review_decision", "buyer_decision", "(bin edge)", "R-MONEY-5", "canceled by:"):
        assert internal not in out
    assert "buyer closed it" in out
    assert "half of them within" in out
    assert "  every cent accounted for" in out


def test_the_json_keeps_its_stable_keys(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    data = json.loads(_report(capsys, "--json"))
    assert "close" in data["completed_by"]
    assert set(data["hours_to_close"]) == {"p50", "p90", "p99", "mean"}


def test_an_empty_section_is_left_out_and_a_full_one_shown(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    data = json.loads(_report(capsys, "--json"))
    heading = "actions the rules refused (then chosen again)"
    assert f"\n{heading}\n" not in text([{**data, "rejected_actions": {}}])
    assert f"\n{heading}\n  seller: deliver" in text([{**data, "rejected_actions": {"seller:deliver": 2}}])


def test_policy_repr_is_short_and_names_what_changed() -> None:
    assert repr(COMEUP) == "Policy('comeup' v1)"
    assert repr(FIVERR_LIKE) == "Policy('fiverr_like' v1)"
    assert repr(attrs.evolve(COMEUP, revision_cap=2)) == "Policy('comeup' v1, revision_cap changed)"
    assert repr(Policy(name="house", version=3)) == "Policy('house' v3)"


def test_policy_equality_and_hash_still_compare_every_field() -> None:
    capped = attrs.evolve(COMEUP, revision_cap=2)
    assert capped != COMEUP
    assert attrs.evolve(COMEUP) == COMEUP
    assert hash(attrs.evolve(COMEUP)) == hash(COMEUP)
    assert len({COMEUP, capped, attrs.evolve(capped)}) == 2


def test_the_test_summary_says_why_tests_were_skipped() -> None:
    import os
    from pathlib import Path

    root = Path(__file__).parents[2]
    # Outside CI (where a missing server is a failure, not a skip), as on a newcomer's machine.
    environment = {k: v for k, v in os.environ.items() if k not in ("ORDERFLOW_PG_DSN", "CI")}
    found = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/contract/test_postgres.py", "-p", "no:cacheprovider"],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "why tests were skipped" in found.stdout
    assert " skipped: no PostgreSQL server: set ORDERFLOW_PG_DSN" in found.stdout
