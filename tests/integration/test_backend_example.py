"""The runnable backend example of docs/integration.md (examples/backend_sqlite.py) runs and moves
the money the rules say: the closed order credits the seller its price (the platform keeps its
fee, R-MONEY-3); the order the seller never accepted is canceled by the runner and refunded in
full, fee included (R-PEND-3, R-MONEY-4); the client's retried close credits nothing twice."""

from __future__ import annotations

import runpy
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

EXAMPLE = Path(__file__).parents[2] / "examples" / "backend_sqlite.py"


def test_the_backend_example_moves_the_money_once(tmp_path: Path) -> None:
    payments = runpy.run_path(str(EXAMPLE))["main"](tmp_path / "orders.db")
    assert payments.wallets == {"seller-3": Decimal("40.00")}
    assert payments.refunds == {"buyer-7": Decimal("42.00")}


def test_the_backend_example_runs_as_a_script() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=60, check=True
    )
    assert "deadline runner advanced 1 order(s)" in done.stdout
