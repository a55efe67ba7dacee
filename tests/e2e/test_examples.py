"""The worked example examples/qa_mirror runs as a host's own suite would: pytest in a subprocess,
with orderflow's plugin from its entry point and the host's
``ci`` Hypothesis profile. With the host's bug switched on, it must fail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parents[2] / "examples" / "qa_mirror"


def run_example(**env: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(EXAMPLE),
        "-p",
        "no:cacheprovider",
        "--hypothesis-profile=ci",
    ]
    return subprocess.run(
        command, cwd=EXAMPLE, capture_output=True, text=True, env={**os.environ, **env}, check=False
    )


def test_the_qa_mirror_example_passes() -> None:
    result = run_example(QA_MIRROR_BUG="0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_the_qa_mirror_example_catches_a_host_that_forgets_refunds() -> None:
    result = run_example(QA_MIRROR_BUG="1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "host_wallets_equal_orderflows_ledger" in result.stdout
