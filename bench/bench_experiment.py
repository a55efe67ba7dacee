"""The experiment machinery's cost: CPU time per cell against the same simulation run alone.

In one process, side by side and alternating (so both meet the same machine load), each round
times, in CPU time (``time.process_time``; the machine is shared):

- alone: for each seed, ``simulate(setup)`` then ``report(run)``, as ``orderflow simulate`` does;
- experiment: ``run(experiment)`` of one arm under the same seeds (checking the inputs, the
  executor, each cell's figures and seller rows, the results), then its JSON and its text (the
  statistics over seeds of every figure).

Both sides run the same simulations, so their difference is the machinery's cost; the goal is at
most 5 % (issue 11). On a loaded machine the two sides' CPU times drift apart by more than that
from one run to the next, so each round also times, inside the experiment, the ``simulate`` calls
themselves: the rest of the experiment's CPU time is the machinery's own, measured in the same
run as the simulations it wraps (the steadier figure). SciPy's import, paid once per process, is
timed apart.

    .venv/bin/python bench/bench_experiment.py                    # 10,000 orders, 4 seeds, 3 rounds
    .venv/bin/python bench/bench_experiment.py --orders 2000 --seeds 10 --rounds 5
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

GOAL_OVERHEAD = 0.05


def alone(orders: int, seeds: list[int]) -> float:
    from orderflow.simulation import Market, Setup, report, simulate

    started = time.process_time()
    for seed in seeds:
        data = report(simulate(Setup(seed=seed, market=Market(orders=orders))))
        assert data["money"]["conserved"]
    return time.process_time() - started


SIMULATING: list[float] = []  # CPU seconds of each simulate() call inside the experiment


def _timed_simulate(setup: Any) -> Any:
    from orderflow.simulation import simulate

    started = time.process_time()
    try:
        return simulate(setup)
    finally:
        SIMULATING.append(time.process_time() - started)


def experiment(orders: int, seeds: list[int]) -> float:
    from orderflow.experiments import Experiment, outputs, run
    from orderflow.experiments import cells as cell_module

    setattr(cell_module, "simulate", _timed_simulate)  # noqa: B010  # the same function, timed
    started = time.process_time()
    results = run(Experiment(settings={"market": {"orders": orders}}, seeds=tuple(seeds)))
    outputs.json_text(results)
    outputs.text(results)
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    seeds = list(range(1, arguments.seeds + 1))
    started = time.process_time()
    from orderflow.experiments.statistics import t_quantile

    t_quantile(3)  # imports SciPy
    print(f"SciPy import (once per process): {time.process_time() - started:.3f} s CPU")
    alone(200, [1])  # warm both paths: imports, caches
    experiment(200, [1])
    ratios, machinery = [], []
    for round_ in range(arguments.rounds):
        SIMULATING.clear()
        if round_ % 2:  # alternate which side goes first
            cost, base = experiment(arguments.orders, seeds), alone(arguments.orders, seeds)
        else:
            base, cost = alone(arguments.orders, seeds), experiment(arguments.orders, seeds)
        inside = sum(SIMULATING)
        ratios.append(cost / base)
        machinery.append((cost - inside) / inside)
        print(
            f"round {round_ + 1}: per cell, alone {base / len(seeds):.3f} s, "
            f"experiment {cost / len(seeds):.3f} s "
            f"({100 * (cost / base - 1):+.2f} %); machinery {(cost - inside) / len(seeds) * 1000:.1f} ms "
            f"= {100 * machinery[-1]:.2f} % of its simulations"
        )
    overhead, own = statistics.median(ratios) - 1, statistics.median(machinery)
    print(
        f"median ({arguments.orders:,} orders, {len(seeds)} seeds, {arguments.rounds} rounds): experiment "
        f"against alone {100 * overhead:+.2f} %; machinery {100 * own:.2f} % of the simulations' CPU time "
        f"(goal <= {100 * GOAL_OVERHEAD:.0f} %: {'met' if own <= GOAL_OVERHEAD else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
