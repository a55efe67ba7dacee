"""Dask: the shards of a run on a LocalCluster of 2 worker processes give the in-process report,
byte for byte, even when a worker is killed in the middle of a shard (Dask runs it again)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="the distributed extra is not installed")

from orderflow.cli import main
from orderflow.simulation import Setup, config, report, simulate
from orderflow.simulation.executors import DaskExecutor, make_executor
from orderflow.simulation.shards import Shard, merge, run_shard, shards_of

ORDERS = 6_000  # two shards of MIN_ORDERS_PER_SHARD or more: a few seconds in all


@pytest.fixture(scope="module")
def cluster() -> Iterator[DaskExecutor]:
    with make_executor(2, dask="local") as executor:
        assert isinstance(executor, DaskExecutor)
        yield executor


def _setup() -> Setup:
    settings = config.parse({}, {"market.orders": ORDERS})
    return Setup(seed=8, market=settings.market, behaviour=settings.behaviour)


def test_a_local_cluster_has_two_worker_processes(cluster: DaskExecutor) -> None:
    pids = cluster.client.run(os.getpid)
    assert len(pids) == 2
    assert os.getpid() not in pids.values()
    assert cluster.workers == 2


def test_the_cli_on_a_local_cluster_prints_the_in_process_report_byte_for_byte(
    capsys: pytest.CaptureFixture[str],
) -> None:
    options = ["simulate", "--orders", str(ORDERS), "--seed", "8", "--json"]
    assert main([*options, "--workers", "1"]) == 0
    alone = capsys.readouterr().out
    assert main([*options, "--dask", "local", "--workers", "2"]) == 0
    assert capsys.readouterr().out == alone


class Started:
    """Shards that note each start (shard and process) in a directory, then take a while: long
    enough to be killed in the middle."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def __call__(self, shard: Shard) -> object:
        (self.directory / f"{shard.index}-{os.getpid()}-{time.monotonic_ns()}").touch()
        time.sleep(2.0)
        return run_shard(shard)


def _kill_a_busy_worker(directory: Path, killed: list[int]) -> None:
    """Wait until a shard has started, then SIGKILL the worker process running it (its nanny
    starts a new one, and the scheduler gives the shard to a worker again)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        started = sorted(directory.iterdir())
        if started:
            pid = int(started[0].name.split("-")[1])
            os.kill(pid, signal.SIGKILL)  # well inside the shard's 2 s sleep
            killed.append(pid)
            return
        time.sleep(0.02)


def test_a_worker_killed_mid_shard_has_its_shard_run_again_and_counted_once(
    cluster: DaskExecutor, tmp_path: Path
) -> None:
    setup = _setup()
    shards = shards_of(setup, 2)
    killed: list[int] = []
    killer = threading.Thread(target=_kill_a_busy_worker, args=(tmp_path, killed))
    killer.start()
    results = list(cluster.map(Started(tmp_path), shards))
    killer.join()
    assert killed, "no shard started"
    starts = [tuple(int(part) for part in path.name.split("-")[:2]) for path in tmp_path.iterdir()]
    killed_shard = next(shard for shard, pid in starts if pid == killed[0])
    assert any(shard == killed_shard and pid != killed[0] for shard, pid in starts)  # started again
    assert len(starts) == len(shards) + 1  # and only that one
    assert sorted(index for index, _ in results) == [0, 1]  # yet each came back once
    merged = merge([run for _, run in sorted(results, key=lambda pair: pair[0])])  # type: ignore[misc]
    assert json.dumps(report(merged)) == json.dumps(report(simulate(setup)))
