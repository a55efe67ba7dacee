"""An experiment's cells on a process pool and on a Dask LocalCluster give the serial run's
JSON, byte for byte (cells are pure functions of their arm and seed)."""

from __future__ import annotations

import pytest

from orderflow.cli import main

SMALL = ["experiment", "--set", "market.orders=250", "--seeds", "3", "--json"]
SEGMENTS = [
    "--set", "buyer.segments.picky.share=0.4",
    "--set", "buyer.segments.picky.revision_probability=0.5",
    "--set", 'buyer.segments.easy.share="rest"',
    "--vary", "seller.on_time_probability=0.7,0.9",
]  # fmt: skip


def _printed(capsys: pytest.CaptureFixture[str], *options: str) -> str:
    assert main([*SMALL, *SEGMENTS, *options]) == 0
    return capsys.readouterr().out


def test_cells_on_processes_and_on_dask_give_the_same_bytes(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed", reason="the distributed extra is not installed")
    serial = _printed(capsys)
    assert '"buyer:picky"' in serial
    assert _printed(capsys, "--workers", "2") == serial
    assert _printed(capsys, "--dask", "local", "--workers", "2") == serial
