"""Simulation throughput: orders per second, µs per order and peak RSS for 1e4, 1e5 (and 1e6) orders.

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
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import resource
import subprocess
import sys
import time
from collections import Counter

GOAL_PER_SECOND = 20_000


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
        "peak_alive": data["orders"]["peak_alive"],
        "stats_held": run.stats.held,
        "self_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    print(json.dumps(figures))


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
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.child)
        return
    sizes = [10_000, 100_000] + ([1_000_000] if arguments.million else [])
    print(
        "| orders | wall s | CPU s | orders per CPU s | µs/order (CPU) | peak RSS (MiB) "
        "| most orders alive | stats records held |"
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
    if arguments.profile:
        profile()


if __name__ == "__main__":
    main()
