"""``orderflow simulate``: the report as a table or JSON, policy comparison, files, bad options."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from orderflow.cli import main

SMALL = ["simulate", "--orders", "300", "--seed", "4"]


def _row(out: str, label: str) -> str:
    """The value of the table's first row named ``label`` (columns are padded to the widest label)."""
    return next(
        line[len(label) + 2 :].strip() for line in out.splitlines() if line.startswith(f"  {label}  ")
    )


def _json(capsys: pytest.CaptureFixture[str], *options: str) -> Any:
    assert main([*SMALL, "--json", *options]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # no progress bar with --json, nor off a terminal
    return json.loads(captured.out)


def test_the_table_shows_every_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(SMALL) == 0
    out = capsys.readouterr().out
    for section in (
        "outcomes (final state)",
        "money",
        "time from payment to end",
        "rates",
        "seller statistics",
    ):
        assert f"\n{section}\n" in out
    assert "every cent accounted for" in out
    assert _row(out, "placed") == "300"


def test_json_is_the_same_run_every_time(capsys: pytest.CaptureFixture[str]) -> None:
    first, second = _json(capsys), _json(capsys)
    assert first == second
    assert first["orders"] == {
        "placed": 300,
        "ended": 300,
        "unfinished": 0,
        "peak_alive_hourly": first["orders"]["peak_alive_hourly"],
    }
    assert first["money"]["conserved"] is True


def test_compare_policy_puts_two_runs_side_by_side(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*SMALL, "--set", "policy.review_decision_window=2", "--compare-policy", "comeup"]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith(" "))  # after the headlines
    assert out.startswith("300 orders under comeup (review_decision_window=2 days): ")
    assert header.split() == ["comeup", "(review_decision_window=2", "days)", "comeup"]
    compared = _json(capsys, "--policy", "fiverr_like", "--compare-policy", "comeup")["compared"]
    fiverr, comeup = compared
    assert (fiverr["setup"]["policy"], comeup["setup"]["policy"]) == ("fiverr_like", "comeup")
    assert fiverr["setup"]["sellers"] == comeup["setup"]["sellers"]


def test_horizon_and_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.json"
    assert main([*SMALL, "--json", "--horizon", "1", "--output", str(target)]) == 0
    assert capsys.readouterr().out == ""
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["setup"]["clock"] == "2026-01-06T00:00:00+00:00"
    assert data["orders"]["unfinished"] > 0


def test_a_behaviour_file_and_an_arrivals_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    behaviour = tmp_path / "b.toml"
    behaviour.write_text(
        "[seller]\naccept_probability = 0\n"
        "[buyer]\ncancel_pending_probability = 0\noption_probability = 0\ntip_probability = 0\n"
    )
    arrivals = tmp_path / "arrivals.csv"
    arrivals.write_text("at,price,seller\n2026-02-01T10:00:00Z,25,s-1\n2026-02-01T11:00:00+00:00,40,s-2\n")
    data = _json(capsys, "--behaviour", str(behaviour), "--arrivals", str(arrivals))
    assert data["canceled_by"] == {"acceptance": 2}
    assert data["money"]["paid_in"] == "68.25"  # 25 + 40 + 5 % fees (1.25 + 2.00)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--orders", "0"], "--orders must be from 1 to 100000000, not 0"),
        (["--orders", "100000001"], "--orders must be from 1 to 100000000, not 100000001"),
        (["--horizon", "-1"], "--horizon must be a positive number of days"),
        (["--set", "seller.accept_probability=2"], "seller.accept_probability: must be a probability"),
        (["--set", "nonsense"], "expected KEY=VALUE"),
        (["--behaviour", "missing.toml"], "missing.toml: No such file or directory"),
    ],
)
def test_bad_options_exit_2_with_one_message(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*SMALL, *options]) == 2
    err = capsys.readouterr().err
    assert err.startswith("orderflow simulate: error: ")
    assert message in err
    assert "Traceback" not in err


def test_too_many_orders_in_a_setting_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--set", "market.orders=100000001"]) == 2  # no run starts
    assert capsys.readouterr().err == (
        "orderflow simulate: error: market.orders: must be a whole number from 1 to 100000000, "
        "not 100000001\n"
    )


@pytest.mark.parametrize("options", [["--policy", "nope"], ["--compare-policy", "nope"], ["--orders", "x"]])
def test_bad_choices_are_usage_errors(options: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*SMALL, *options])
    assert exit_.value.code == 2


def test_charts_without_matplotlib_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    assert main([*SMALL, "--charts", str(tmp_path)]) == 2
    assert "--charts needs matplotlib: pip install 'orderflow[charts]'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_without_tqdm_there_is_no_bar_but_the_same_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = _json(capsys)
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main([*SMALL]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert _row(captured.out, "placed") == f"{expected['orders']['placed']:,}"
