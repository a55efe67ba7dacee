"""Simulation throughput: orders per CPU second, µs per order and peak RSS for 1e4, 1e5 (and 1e6)
orders in one process; start-up of ``orderflow simulate --json``; and (``--workers``) one run cut
into shards on 1 and 2 worker processes and on a Dask LocalCluster of 2 workers.

Each size runs ``orderflow.simulation`` with its embedded defaults (about 500 orders a day, the
comeup policy, seed 1) in a fresh subprocess, so each peak RSS is that run's alone: the parent
reads ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` after each child (sizes grow, so the
running maximum is the last child's). The child times the run alone, not the interpreter's start,
in wall time (``time.perf_counter``) and in CPU time (``time.process_time``): on a shared machine
the CPU figures are the steadier ones, and the goal's verdict uses them. ``--profile`` adds a
cProfile of 10,000 orders split into the core (``orderflow.domain``), the simulation, the seller
statistics and the rest.

    .venv/bin/python bench/bench_simulation.py              # 1e4 and 1e5: about a minute
    .venv/bin/python bench/bench_simulation.py --million    # adds 1e6: several minutes
    .venv/bin/python bench/bench_simulation.py --workers    # 1 vs 2 workers vs Dask, 1e5 orders

With ``--workers``, each executor runs in a fresh subprocess that times the whole run, the
pool's start included (a Dask cluster's start is timed apart): wall seconds, and CPU seconds of
every process (the parent's ``process_time`` plus each shard's own, measured in its worker). The
three reports must be the same bytes. Wall-time speed-ups need a quiet machine: the load average
is printed next to them.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import subprocess
import sys
import time
from collections import Counter

from orderflow.simulation.engine import Run
from orderflow.simulation.executors import make_executor
from orderflow.simulation.shards import Shard, merge, run_shard, shard_count, shards_of

GOAL_PER_SECOND = 10_000
GOAL_SPEED_UP = 1.7  # wall time, 2 workers against 1
GOAL_START_SECONDS = 0.2


def child(orders: int) -> None:
    """Run one simulation and print its figures as JSON."""
    from orderflow.simulation import Market, Setup, report, simulate

    started, cpu_started = time.perf_counter(), time.process_time()
    run = simulate(Setup(seed=1, market=Market(orders=orders)))
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    data = report(run)
    assert data["money"]["conserved"], "money was not conserved"
    figures = {
        "orders": orders,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_alive": data["orders"]["peak_alive_hourly"],
        "stats_held": run.stats.held,
        "self_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    print(json.dumps(figures))


def timed_shard(shard: Shard) -> tuple[Run, float]:
    """A shard's run and the CPU seconds it took in its worker (module level: picklable)."""
    cpu_started = time.process_time()
    run = run_shard(shard)
    return run, time.process_time() - cpu_started


def child_workers(orders: int, workers: int, dask: str | None) -> None:
    """One run of ``orders`` on ``workers`` workers (or Dask): its timings and report, as JSON."""
    from orderflow.simulation import Market, Setup, report, simulate

    setup = Setup(seed=1, market=Market(orders=orders))
    cluster_seconds = 0.0
    started = time.perf_counter()
    with make_executor(workers, dask) as executor:
        cluster_seconds = time.perf_counter() - started if dask else 0.0
        started, cpu_started = time.perf_counter(), time.process_time()
        if executor.workers == 1:
            run, shard_cpu = simulate(setup), 0.0
        else:
            shards = shards_of(setup, shard_count(setup, executor.workers))
            done = dict(executor.map(timed_shard, shards))
            run, shard_cpu = merge([done[i][0] for i in sorted(done)]), sum(cpu for _, cpu in done.values())
        data = report(run)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started + shard_cpu
    figures = {"seconds": seconds, "cpu_seconds": cpu, "cluster_seconds": cluster_seconds, "report": data}
    print(json.dumps(figures))


def workers_table(orders: int) -> None:
    """1 and 2 workers and a Dask LocalCluster of 2, side by side in one run."""
    print(f"\n{orders:,} orders, one run each (load average before: {_load()}):\n")
    print("| executor | wall s | CPU s, all processes | orders per CPU s | wall speed-up vs 1 worker |")
    print("| --- | --- | --- | --- | --- |")
    results = {}
    for name, options in (
        ("1 worker", ["1"]),
        ("2 workers", ["2"]),
        ("Dask LocalCluster, 2 workers", ["2", "local"]),
    ):
        command = [sys.executable, __file__, "--child-workers", str(orders), *options]
        figures = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        results[name] = figures
        speed_up = results["1 worker"]["seconds"] / figures["seconds"]
        cluster = (
            f" (+{figures['cluster_seconds']:.1f} s to start the cluster)"
            if figures["cluster_seconds"]
            else ""
        )
        print(
            f"| {name} | {figures['seconds']:.1f}{cluster} | {figures['cpu_seconds']:.1f} "
            f"| {orders / figures['cpu_seconds']:,.0f} | {speed_up:.2f}x |"
        )
    same = len({json.dumps(figures["report"]) for figures in results.values()}) == 1
    speed_up = results["1 worker"]["seconds"] / results["2 workers"]["seconds"]
    verdict = "PASS" if speed_up >= GOAL_SPEED_UP else "MISS"
    print(f"\nthe three reports are the same bytes: {'yes' if same else 'NO'}; load average after: {_load()}")
    print(f"goal: 2 workers ≥ {GOAL_SPEED_UP}x faster than 1 in wall time: {verdict} ({speed_up:.2f}x)")


def start_up(runs: int = 7) -> None:
    """``orderflow simulate --orders 1 --json --workers 1`` from a fresh interpreter: the median."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "orderflow", "simulate", "--orders", "1", "--json", "--workers", "1"],
            check=True,
            capture_output=True,
        )
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    wall, cpu = sorted(walls)[runs // 2], sorted(cpus)[runs // 2]
    verdict = "PASS" if cpu <= GOAL_START_SECONDS else "MISS"
    print(
        f"\nstart-up of `orderflow simulate --orders 1 --json`, median of {runs}: {wall:.2f} s wall, "
        f"{cpu:.2f} s CPU; goal ≤ {GOAL_START_SECONDS} s: {verdict} (CPU; load average {_load()})"
    )


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def profile(orders: int = 10_000) -> None:
    from orderflow.simulation import Market, Setup, simulate

    profiler = cProfile.Profile()
    profiler.runcall(simulate, Setup(seed=1, market=Market(orders=orders)))
    stats = pstats.Stats(profiler)
    shares: Counter[str] = Counter()
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        if "/orderflow/simulation/" in filename:
            shares["simulation (orderflow.simulation)"] += own
        elif "/orderflow/stats.py" in filename:
            shares["seller statistics (orderflow.stats)"] += own
        elif "/orderflow/" in filename:
            shares["core (orderflow.domain)"] += own
        else:
            shares["builtins, attrs-generated code, datetime, heapq"] += own
    total = sum(shares.values())
    print(f"\ncProfile of {orders:,} orders (own time; the profiler inflates small calls):\n")
    print("| where | share |\n| --- | --- |")
    for name, own in shares.most_common():
        print(f"| {name} | {100 * own / total:.0f} % |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--million", action="store_true", help="also run 1,000,000 orders")
    parser.add_argument("--profile", action="store_true", help="add a cProfile split of 10,000 orders")
    parser.add_argument("--workers", action="store_true", help="also compare 1, 2 workers and Dask")
    parser.add_argument(
        "--workers-orders", type=int, default=100_000, metavar="N", help="orders for --workers"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-workers", nargs="+", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.child)
        return
    if arguments.child_workers:
        orders, workers, *dask = arguments.child_workers
        child_workers(int(orders), int(workers), dask[0] if dask else None)
        return
    print(f"load average: {_load()}\n")
    sizes = [10_000, 100_000] + ([1_000_000] if arguments.million else [])
    print(
        "| orders | wall s | CPU s | orders per CPU s | µs/order (CPU) | peak RSS (MiB) "
        "| most orders alive (hourly) | stats records held |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    rates = []
    for size in sizes:
        output = subprocess.run(
            [sys.executable, __file__, "--child", str(size)], check=True, capture_output=True, text=True
        ).stdout
        figures = json.loads(output)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
        rate = size / figures["cpu_seconds"]
        rates.append(rate)
        print(
            f"| {size:,} | {figures['seconds']:.1f} | {figures['cpu_seconds']:.1f} | {rate:,.0f} "
            f"| {1e6 / rate:.0f} | {rss:.0f} | {figures['peak_alive']:,} | {figures['stats_held']:,} |"
        )
    verdict = "PASS" if min(rates) >= GOAL_PER_SECOND else "MISS"
    print(
        f"\ngoal ≥ {GOAL_PER_SECOND:,} orders/s: {verdict} (slowest size: {min(rates):,.0f} orders per CPU s)"
    )
    print(f"cost per order, largest size over smallest: {rates[0] / rates[-1]:.2f}x")
    start_up()
    if arguments.workers:
        workers_table(arguments.workers_orders)
    if arguments.profile:
        profile()


if __name__ == "__main__":
    main()
