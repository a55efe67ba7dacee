"""Hostile input through every command of the CLI (issue 14): exit 2 with one line naming the file,
step or option, never a traceback; an internal error gets its own status (70), never 1.

Each reproduction of the issue is a case here; each exited 1 with a traceback (or hung, or was
accepted) before its fix.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orderflow.cli import EXIT_INTERNAL, main
from orderflow.inputs import MAX_INPUT_BYTES

EXAMPLE: dict[str, Any] = {
    "order": {
        "id": "o-1",
        "buyer": "b-1",
        "seller": "s-1",
        "currency": "EUR",
        "service": {"price": "40.00", "delivery_days": 2},
        "paid_at": "2026-01-03T10:00:00Z",
    },
    "steps": [{"at": "2026-01-03T12:00:00Z", "actor": "seller", "action": "accept"}],
}


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str], status: int = 2) -> str:
    """Run ``argv`` in-process; it must exit ``status`` with exactly one line on stderr."""
    assert main(argv) == status
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def scenario_file(tmp_path: Path, change: Callable[[dict[str, Any]], object]) -> str:
    data = copy.deepcopy(EXAMPLE)
    change(data)
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def _set(path: str, value: object) -> Callable[[dict[str, Any]], object]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target.setdefault(key, {})
        target[last] = value

    return change


SCENARIOS = [
    ("order.paid_at", "9999-12-31T00:00:00Z", "order.paid_at"),
    ("steps.0.at", "9999-12-31T23:59:59-01:00", "step 1"),
    ("order.paid_at", "0001-01-01T00:30:00+01:00", "order.paid_at"),
    ("order.paid_at", "2026-01-03T10:00:00.123456789Z", "order.paid_at"),
    ("order.service.acceptance_hours", 10**12, "order.service.acceptance_hours"),
    ("policy.review_decision_window", "P9999999999D", "policy.review_decision_window"),
    ("policy.review_decision_window", "P999999999D", "review_decision_window"),
    ("policy.expiry_months", 100_000, "expiry_months"),
    ("policy.max_amount", "1" + "0" * 40, "max_amount"),
    ("order.service.price", "1" + "0" * 30, "order"),
    ("order.id", "o\ud800", "order"),
    ("order.buyer", "b\x00", "order"),
    ("order.service.price", "\u0664\u0660.\u0660\u0660", "order.service.price"),
    ("order.service.price", "\uff14\uff10.00", "order.service.price"),
    ("order.currency", "XYZ", "order.currency"),
    ("order.service.delivery_days", 10**100, "order"),
]


@pytest.mark.parametrize(
    ("path", "value", "named"), SCENARIOS, ids=[f"{p}={v!r}"[:50] for p, v, _ in SCENARIOS]
)
def test_a_hostile_scenario_file_exits_2_naming_the_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, path: str, value: object, named: str
) -> None:
    err = one_line_error(capsys, ["scenario", "run", scenario_file(tmp_path, _set(path, value))])
    assert named in err


def test_json_nested_100000_deep_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert "nest" in one_line_error(capsys, ["scenario", "run", str(path)])


def test_a_non_utf8_scenario_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(json.dumps(EXAMPLE).replace("o-1", "o-\xe9").encode("latin-1"))
    assert "not UTF-8" in one_line_error(capsys, ["scenario", "run", str(path)])


def test_dev_zero_is_not_read_as_a_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert "not a regular file" in one_line_error(capsys, ["scenario", "run", "/dev/zero"])


def test_a_file_over_the_size_limit_is_not_read(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as sparse:
        sparse.truncate(MAX_INPUT_BYTES + 1)
    assert "larger than" in one_line_error(capsys, ["scenario", "run", str(path)])


def test_a_fifo_is_refused_at_once_instead_of_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    result = subprocess.run(
        [sys.executable, "-m", "orderflow", "scenario", "run", str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "not a regular file" in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_scenario_is_read_from_standard_input(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "orderflow", "scenario", "run", "-", "--json"],
        input=json.dumps(EXAMPLE),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ok"] is True


def test_explain_now_beyond_the_supported_range_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_error(
        capsys, ["explain", "pending", "--as", "buyer", "--now", "9999-12-31T23:59:59-01:00"]
    )
    assert "--now" in err or "supported range" in err


def test_explain_of_a_hostile_scenario_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = scenario_file(tmp_path, _set("order.paid_at", "9999-12-31T00:00:00Z"))
    one_line_error(capsys, ["explain", path, "--as", "buyer", "--now", "2026-01-04T00:00:00Z"])


# --- simulate ---------------------------------------------------------------------------------------

SMALL = ["simulate", "--orders", "20"]


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--set", "policy.fee_rate=NaN"], "policy.fee_rate"),
        (["--set", "policy.fee_rate=Infinity"], "policy.fee_rate"),
        (["--set", "policy.review_decision_window=1e300"], "policy.review_decision_window"),
        (["--set", "seller.accept_probability=NaN"], "seller.accept_probability"),
        (["--horizon", "inf"], "--horizon"),
        (["--horizon", "nan"], "--horizon"),
        (["--set", "market.orders=5", "--set", "market.orders.x=1"], "market.orders.x"),
        (["--set", "policy.expiry_months=100000"], "policy.expiry_months"),
        (["--set", 'market.currency="XYZ"'], "market.currency"),
        (["--set", "market.price_median=1e300"], "market.price_median"),
        (["--set", 'market.start="9999-12-31T00:00:00Z"'], "market.start"),
        (["--set", "market.popularity=1e300"], "market.popularity"),
        (["--set", "market.rate_per_day=1e-300"], "market.rate_per_day"),
        (["--set", 'seller.accept_delay={"median_hours": 1e300}'], "seller.accept_delay.median_hours"),
        (["--set", 'seller.accept_delay={"spread": 1e6}'], "seller.accept_delay.spread"),
    ],
)
def test_simulate_bad_values_exit_2_naming_the_key(
    capsys: pytest.CaptureFixture[str], options: list[str], named: str
) -> None:
    assert named in one_line_error(capsys, [*SMALL, *options])


def test_simulate_non_utf8_settings_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "market.toml"
    path.write_bytes(b"[seller]\naccept_probability = 0.5 # \xff\xfe\n")
    assert str(path) in one_line_error(capsys, [*SMALL, "--behaviour", str(path)])


def test_simulate_non_utf8_arrivals_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "arrivals.csv"
    path.write_bytes(b"at,seller\n2026-01-03T10:00:00Z,s\xe9\n")
    assert str(path) in one_line_error(capsys, [*SMALL, "--arrivals", str(path)])


def test_simulate_arrivals_in_year_9999_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "arrivals.csv"
    path.write_text("at\n2026-01-03T10:00:00Z\n9999-12-31T23:00:00Z\n", encoding="utf-8")
    err = one_line_error(capsys, [*SMALL, "--arrivals", str(path)])
    assert str(path) in err
    assert "line 3" in err


def test_simulate_arrivals_from_dev_zero_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert "not a regular file" in one_line_error(capsys, [*SMALL, "--arrivals", "/dev/zero"])


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_simulate_output_to_a_full_device_is_one_clean_line(capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_error(capsys, [*SMALL, "--json", "--output", "/dev/full"])
    assert "/dev/full" in err
    assert "No space left on device" in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("argv", [["diagram"], ["explain", "pending", "--as", "buyer"], ["demo"]])
def test_standard_output_to_a_full_device_is_one_clean_line(argv: list[str]) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "orderflow", *argv],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "No space left on device" in result.stderr


# --- the framework itself ---------------------------------------------------------------------------


def test_an_unexpected_error_is_its_own_status_and_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(arguments: object) -> int:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("orderflow.cli.diagram._command", broken)  # imports the module (imported lazily)
    err = one_line_error(capsys, ["diagram"], status=EXIT_INTERNAL)
    assert EXIT_INTERNAL not in (0, 1, 2)
    assert "internal error" in err
    assert "ZeroDivisionError" in err
    assert "report" in err


def test_a_bad_option_is_one_line_too(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["simulate", "--orders", "many"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "--orders" in err


def test_the_examples_of_docs_cli_md_are_what_the_commands_say(capsys: pytest.CaptureFixture[str]) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    for argv in (["simulate", "--horizon", "inf"], ["scenario", "run", "/dev/zero"]):
        err = one_line_error(capsys, argv)
        assert f"$ orderflow {' '.join(argv)}\n{err}" in docs
