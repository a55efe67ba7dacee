"""Fuzz: hostile scenario files through the CLI, in-process (issue 14).

Every generated file is a valid scenario with up to three values replaced by hostile ones. The
commands must answer ``scenario run`` 0, 1 (an expectation did not hold) or 2 (one line naming
the problem), ``explain FILE`` 0 or 2; never a traceback, never the internal-error status.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from orderflow.cli import main

from .hostile import bounded, mutations

EXAMPLES = 60

SCENARIO: dict[str, Any] = {
    "description": "fuzzed",
    "rules": ["R-MONEY-1"],
    "policy": {"preset": "comeup", "review_decision_window": "P3D", "expiry_months": 5},
    "order": {
        "id": "o-1",
        "buyer": "b-1",
        "seller": "s-1",
        "currency": "EUR",
        "service": {"price": "40.00", "delivery_days": 2, "acceptance_hours": 48},
        "options": [{"name": "express", "price": "10.00", "delivery_days": 1}],
        "tip": "5.00",
        "platform_fee": "2.50",
        "paid_at": "2026-01-03T10:00:00Z",
    },
    "steps": [
        {"at": "2026-01-03T12:00:00Z", "actor": "seller", "action": "accept"},
        {
            "at": "2026-01-04T10:00:00+01:00",
            "actor": "seller",
            "action": "offer_custom",
            "args": {"offer_id": "x-1", "price": "5.00", "delivery_days": 1},
        },
        {"at": "2026-01-05T09:00:00Z", "actor": "seller", "action": "deliver"},
        {
            "at": "2026-01-05T10:00:00Z",
            "actor": "seller",
            "action": "refuse_revision",
            "args": {"reason": "done"},
            "expect_error": "InvalidTransition",
        },
        {
            "at": "2026-01-06T10:00:00Z",
            "actor": "buyer",
            "action": "review",
            "args": {"rating": 5, "text": "ok"},
        },
        {"advance_to": "2026-01-12T00:00:00Z", "expect": {"state": "completed"}},
        {"expect": {"money": {"seller_credited": "55.00"}}},
    ],
}


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return status, err


def test_the_unmutated_scenario_runs() -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "s.json"
        path.write_text(json.dumps(SCENARIO), encoding="utf-8")
        assert main(["scenario", "run", str(path)]) in (0, 1)


@bounded(EXAMPLES)
@given(data=mutations(SCENARIO))
def test_a_hostile_scenario_file_gets_a_documented_status(
    data: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "hostile.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        status, err = _run(["scenario", "run", str(path)], capsys)
        assert status in (0, 1, 2), err
        if status == 2:
            assert err.count("\n") == 1, err
        status, err = _run(["explain", str(path), "--as", "buyer", "--now", "2026-02-01T00:00:00Z"], capsys)
        assert status in (0, 2), err
        if status == 2:
            assert err.count("\n") == 1, err
