"""``orderflow simulate --workers N``: the same report, byte for byte, whatever N."""

from __future__ import annotations

import subprocess
import sys

import pytest

from orderflow.cli import main
from orderflow.simulation import executors

#: Enough orders for three shards of MIN_ORDERS_PER_SHARD (shards.py).
LARGE = ["simulate", "--orders", "7500", "--seed", "3", "--json"]


def _output(capsys: pytest.CaptureFixture[str], *options: str) -> str:
    assert main([*LARGE, *options]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def test_the_report_is_the_same_bytes_on_1_2_and_3_workers(capsys: pytest.CaptureFixture[str]) -> None:
    one = _output(capsys, "--workers", "1")
    assert _output(capsys, "--workers", "2") == one
    assert _output(capsys, "--workers", "3") == one


def test_compared_policies_are_the_same_bytes_on_1_and_2_workers(capsys: pytest.CaptureFixture[str]) -> None:
    options = ("--compare-policy", "fiverr_like", "--horizon", "10")
    assert _output(capsys, "--workers", "2", *options) == _output(capsys, "--workers", "1", *options)


@pytest.mark.parametrize("workers", ["0", "-2", "1025"])
def test_a_bad_worker_count_exits_2_with_one_line(workers: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--orders", "10", "--workers", workers]) == 2
    expected = f"orderflow simulate: error: --workers must be from 1 to 1024, not {workers}\n"
    assert capsys.readouterr().err == expected


def test_an_unreachable_dask_scheduler_exits_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(executors, "CONNECT_SECONDS", 1)
    assert main(["simulate", "--orders", "10", "--dask", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("orderflow simulate: error: no Dask scheduler answered at 'tcp://127.0.0.1:9'")
    assert err.count("\n") == 1


def test_json_imports_neither_tqdm_nor_matplotlib_nor_dask_nor_other_subcommands() -> None:
    unused = ("tqdm", "matplotlib", "distributed", "dask", "multiprocessing", "orderflow.scenario")
    code = (
        "import sys\nfrom orderflow.cli import main\n"
        "main(['simulate', '--orders', '20', '--json'])\n"
        f"print(sorted(m for m in {unused!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "[]"
