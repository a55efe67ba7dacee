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
    """Shards that note each start in a directory, then take a while: long enough to be killed."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def __call__(self, shard: Shard) -> object:
        (self.directory / f"{shard.index}-{time.monotonic_ns()}").touch()
        time.sleep(1.5)
        return run_shard(shard)


def _kill_a_busy_worker(cluster: DaskExecutor, killed: list[int]) -> None:
    """Wait until a worker is running a shard, then SIGKILL its process (its nanny restarts it)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        busy = [worker for worker, keys in cluster.client.processing().items() if keys]  # type: ignore[no-untyped-call]
        if busy:
            time.sleep(0.5)  # well inside the shard's 1.5 s sleep
            pid = cluster.client.run(os.getpid, workers=[busy[0]])[busy[0]]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            return
        time.sleep(0.05)


def test_a_worker_killed_mid_shard_has_its_shard_run_again_and_counted_once(
    cluster: DaskExecutor, tmp_path: Path
) -> None:
    setup = _setup()
    shards = shards_of(setup, 2)
    killed: list[int] = []
    killer = threading.Thread(target=_kill_a_busy_worker, args=(cluster, killed))
    killer.start()
    results = list(cluster.map(Started(tmp_path), shards))
    killer.join()
    assert killed, "no worker was busy to be killed"
    starts = sorted(path.name.split("-")[0] for path in tmp_path.iterdir())
    assert len(starts) > len(shards)  # a shard started again after the kill
    assert sorted(index for index, _ in results) == [0, 1]  # yet each came back once
    merged = merge([run for _, run in sorted(results, key=lambda pair: pair[0])])  # type: ignore[misc]
    assert json.dumps(report(merged)) == json.dumps(report(simulate(setup)))
