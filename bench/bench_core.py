"""The core benchmark: orderflow against the three baselines, side by side, on the same order lives.

This module owns the measurements of docs/performance.md: µs per command (median, p90), µs per
whole order life, bytes per live order (tracemalloc) and the goals they are checked against.
Every implementation replays ``baselines.PATHS`` and must end each life in ``PATH_END_STATES``.

Run ``.venv/bin/python bench/bench_core.py`` (about two minutes), ``--quick`` for a smoke run,
``--profile`` to add a cProfile of orderflow's ``decide``. It prints PASS or MISS per goal and
exits 0 either way: a benchmark is a report, not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import platform
import pstats
import statistics
import sys
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from functools import partial
from importlib.metadata import version
from math import inf
from pathlib import Path as FilePath
from time import perf_counter_ns
from typing import Any, Protocol

if __package__ in (None, ""):  # run as a script: make the ``bench`` package importable
    sys.path.insert(0, str(FilePath(__file__).resolve().parents[1]))

import transitions

from bench.baselines import (
    INITIAL,
    PATH_END_STATES,
    PATHS,
    STATES,
    TRANSITIONS_TABLE,
    Baseline,
    DictTable,
    IllegalMove,
    NaiveTransitions,
    Path,
    PythonStateMachine,
    TransitionsOrder,
)
from bench.core_prototype import Prototype
from bench.core_prototype_frozen import FrozenPrototype
from bench.values_floor import ValuesFloor
from orderflow import COMMANDS, Command, Money, Option, Order, Placement, decide, place_order

PAID_AT = datetime(2026, 1, 3, 10, 0, tzinfo=timezone.utc)
STEP = timedelta(hours=1)  # the n-th command of a life comes n hours after payment
MID_LIFE: Path = (("seller", "accept"),)  # live orders are measured in_progress
#: The arguments a command needs beyond its actor.
ARGUMENTS: dict[str, dict[str, str]] = {
    "refuse_revision": {"reason": "the delivery matches the brief"},
    "refuse_cancellation": {"reason": "the work is almost done"},
    "resolve_dispute": {"outcome": "release"},
}

GOAL_COMMAND_US = 10.0
GOAL_LIFE_RATIO = 20.0  # against a Machine per order (issue 12, goal 1)
GOAL_SHARED_RATIO = 2.0  # against one shared Machine, as transitions' FAQ advises (issue 12, goal 1)
GOAL_BYTES = 1024


class SharedTransitions:
    """``transitions`` as its FAQ advises for many models: one ``Machine(model=None)`` for every
    order, each move ``machine.events[action].trigger(order, actor=...)``; the order is a plain
    object holding its ``state``. The graph and guards are the naive baseline's."""

    def __init__(self) -> None:
        def guard(actors: tuple[str, ...]) -> Callable[..., bool]:
            allowed = frozenset(actors)
            return lambda actor: actor in allowed

        self.machine = transitions.Machine(
            model=None,
            states=list(STATES),
            transitions=[
                {"trigger": action, "source": source, "dest": dest, "conditions": guard(actors)}
                for action, source, dest, actors in TRANSITIONS_TABLE
            ],
            initial=INITIAL,
            auto_transitions=False,
        )
        self.events = self.machine.events

    def new_order(self) -> TransitionsOrder:
        order = TransitionsOrder()
        order.state = INITIAL
        return order

    def fire(self, order: TransitionsOrder, actor: str, action: str) -> None:
        event = self.events.get(action)
        try:
            moved = event is not None and event.trigger(order, actor=actor)
        except transitions.MachineError:  # no transition for action from this state
            moved = False
        if not moved:
            raise IllegalMove(f"{actor} cannot {action} an order in {order.state}")

    def state_of(self, order: TransitionsOrder) -> str:
        return order.state


class Subject(Protocol):
    """One implementation as the harness drives it; ``fire`` returns the order after the move."""

    label: str

    def new(self, serial: int) -> Any: ...
    def plan(self, path: Path) -> list[Any]: ...
    def command(self, move: Any) -> Any: ...
    def fire(self, order: Any, command: Any) -> Any: ...
    def state(self, order: Any) -> str: ...


def host_placement(serial: int, placement: Callable[..., Any], money: Any, option: Any) -> Any:
    """The placement of tests/support.py (40.00 + a 10.00 option + 5.00 tip + 2.50 fee), with
    each order's own ids, amounts and payment instant, as a host would load them; built from the
    given classes (orderflow's, or the prototype's)."""
    return placement(
        order_id=f"o-{serial}",
        buyer=f"b-{serial}",
        seller=f"s-{serial}",
        price=money("40.00", "EUR"),
        delivery_days=2,
        options=(option("express", money("10.00", "EUR"), 1),),
        tip=money("5.00", "EUR"),
        platform_fee=money("2.50", "EUR"),
        paid_at=PAID_AT - timedelta(microseconds=serial),
    )


class Orderflow:
    """orderflow: ``place_order`` then one ``decide`` per move, each an hour after the last."""

    label = "orderflow"

    def new(self, serial: int) -> Order:
        return place_order(self.placement(serial)).order

    def placement(self, serial: int) -> Placement:
        placement: Placement = host_placement(serial, Placement, Money, Option)
        return placement

    def plan(self, path: Path) -> list[tuple[Callable[[], Command], datetime]]:
        return [
            (partial(COMMANDS[action], actor, **ARGUMENTS.get(action, {})), PAID_AT + STEP * (n + 1))
            for n, (actor, action) in enumerate(path)
        ]

    def command(self, move: tuple[Callable[[], Command], datetime]) -> tuple[Command, datetime]:
        make, now = move
        return make(), now

    def fire(self, order: Order, command: tuple[Command, datetime]) -> Order:
        return decide(order, *command).order

    def state(self, order: Order) -> str:
        return order.state.value


class Adapted:
    """A baseline of ``bench.baselines``: it mutates its order in place."""

    def __init__(self, label: str, baseline: Baseline[Any]) -> None:
        self.label, self.baseline = label, baseline

    def new(self, serial: int) -> Any:
        return self.baseline.new_order()

    def plan(self, path: Path) -> list[tuple[str, str]]:
        return list(path)

    def command(self, move: tuple[str, str]) -> tuple[str, str]:
        return move

    def fire(self, order: Any, command: tuple[str, str]) -> Any:
        self.baseline.fire(order, *command)
        return order

    def state(self, order: Any) -> str:
        return self.baseline.state_of(order)


def subjects() -> list[Subject]:
    return [
        Orderflow(),
        Adapted("transitions (naive)", NaiveTransitions()),
        Adapted("transitions (FAQ: one Machine)", SharedTransitions()),
        Adapted("python-statemachine", PythonStateMachine()),
        Adapted("dict table (floor)", DictTable()),
        ValuesFloor(Orderflow()),
        Prototype(ARGUMENTS, PAID_AT, STEP, host_placement),
        FrozenPrototype(ARGUMENTS, PAID_AT, STEP, host_placement),
    ]


def life(subject: Subject, plan: list[Any], serial: int) -> Any:
    order = subject.new(serial)
    for move in plan:
        order = subject.fire(order, subject.command(move))
    return order


def time_commands(subject: Subject, name: str, count: int, by_action: dict[str, list[int]]) -> None:
    """Time each move alone (its command built beforehand); check every life ends where it should."""
    path, plan = PATHS[name], subject.plan(PATHS[name])
    for serial in range(count):
        order = subject.new(serial)
        for (_, action), move in zip(path, plan, strict=True):
            command = subject.command(move)
            start = perf_counter_ns()
            order = subject.fire(order, command)
            by_action.setdefault(action, []).append(perf_counter_ns() - start)
        if (end := subject.state(order)) != PATH_END_STATES[name]:
            raise RuntimeError(f"{subject.label}: {name} ended {end}, not {PATH_END_STATES[name]}")


def time_lives(subject: Subject, name: str, count: int) -> list[int]:
    """Time whole lives: creation (placement for orderflow), command building and every move."""
    plan, times = subject.plan(PATHS[name]), []
    for serial in range(count):
        start = perf_counter_ns()
        life(subject, plan, serial)
        times.append(perf_counter_ns() - start)
    return times


def bytes_per_live_order(subject: Subject, count: int) -> float:
    """Traced bytes per order with ``count`` mid-life orders alive at once (kept in a list)."""
    plan = subject.plan(MID_LIFE)
    life(subject, plan, 0)  # warm caches before tracing
    alive: list[Any] = [None] * count  # allocated before tracing: the list is not the orders' cost
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for serial in range(count):
            alive[serial] = life(subject, plan, serial)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return (after - before) / count


def us(nanoseconds: float) -> float:
    return nanoseconds / 1000


def p90(values: Sequence[int]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join(f"| {' | '.join(cells)} |" for cells in lines)


def profile_decide(count: int) -> str:
    """The top costs of orderflow's ``decide`` over ``count`` lives of every path (cProfile)."""
    subject = Orderflow()
    lives = [(subject.new(serial), subject.plan(path)) for path in PATHS.values() for serial in range(count)]
    commands = [(order, [subject.command(move) for move in plan]) for order, plan in lives]
    profiler = cProfile.Profile()
    profiler.enable()
    for order, steps in commands:
        for command in steps:
            order = subject.fire(order, command)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--orders", type=int, help="orders per path and implementation (default 300)")
    parser.add_argument("--quick", action="store_true", help="a ~10 s smoke run")
    parser.add_argument("--profile", action="store_true", help="also cProfile orderflow's decide")
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds; the best round counts")
    parser.add_argument(
        "--library-memory-orders",
        type=int,
        help="orders alive for the two library baselines (default 2000; they trace at ~2-6 ms an order)",
    )
    args = parser.parse_args(argv)
    orders = args.orders or (60 if args.quick else 300)
    rounds = 1 if args.quick else args.rounds
    alive = 10_000 if args.quick else 100_000
    library_alive = args.library_memory_orders or (300 if args.quick else 2_000)

    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), {platform.machine()}, "
        f"{os.cpu_count()} CPUs; orderflow {version('orderflow')}, transitions {version('transitions')}, "
        f"python-statemachine {version('python-statemachine')}; {orders} orders per path\n"
    )
    rows: list[list[str]] = []
    command_median: dict[str, float] = {}
    command_p90: dict[str, float] = {}
    lives: dict[str, dict[str, float]] = {}
    per_action: dict[str, dict[str, float]] = {}
    memory: dict[str, float] = {}
    every = subjects()
    for subject in every:
        for plan_path in PATHS.values():  # warm-up: graph caches, first-call costs
            life(subject, subject.plan(plan_path), 0)
    # This machine's speed drifts with its neighbours' load: every round times every subject in
    # turn, and each figure is the best (lowest) of its per-round medians.
    for _ in range(rounds):
        for subject in every:
            label, by_action = subject.label, dict[str, list[int]]()
            for name in PATHS:
                time_commands(subject, name, orders, by_action)
            commands = [t for times in by_action.values() for t in times]
            command_median[label] = min(command_median.get(label, inf), us(statistics.median(commands)))
            command_p90[label] = min(command_p90.get(label, inf), us(p90(commands)))
            round_lives = {name: statistics.median(time_lives(subject, name, orders)) for name in PATHS}
            lives[label] = {n: min(lives.get(label, {}).get(n, inf), t) for n, t in round_lives.items()}
            per_action[label] = {
                action: min(per_action.get(label, {}).get(action, inf), statistics.median(times))
                for action, times in by_action.items()
            }
            print(f"... {label} timed", file=sys.stderr)
    for subject in every:
        library = isinstance(subject, Adapted) and isinstance(
            subject.baseline, (NaiveTransitions, PythonStateMachine)
        )
        count = library_alive if library else alive
        if isinstance(subject, ValuesFloor):  # its orders share the recorded fields: not a real cost
            bytes_cell = "n/a"
        else:
            memory[subject.label] = bytes_per_live_order(subject, count)
            bytes_cell = f"{memory[subject.label]:,.0f} ({count:,} alive)"
        rows.append(
            [
                subject.label,
                f"{command_median[subject.label]:.2f}",
                f"{command_p90[subject.label]:.2f}",
                f"{us(statistics.mean(lives[subject.label].values())):.1f}",
                bytes_cell,
            ]
        )

    labels = list(lives)
    flow, naive, shared = (statistics.mean(lives[label].values()) for label in labels[:3])
    header = ["implementation", "command median µs", "command p90 µs", "life µs", "bytes per live order"]
    print(f"## Per implementation (best of {rounds} rounds; life: mean over the paths of the median life)\n")
    print(table(header, rows))
    print("\n## Median life per path, µs\n")
    path_rows = [
        [
            name,
            str(len(PATHS[name])),
            *(f"{us(lives[label][name]):.1f}" for label in labels),
            f"{lives[labels[1]][name] / lives[labels[0]][name]:.1f}x",
            f"{lives[labels[2]][name] / lives[labels[0]][name]:.2f}x",
        ]
        for name in PATHS
    ]
    ratios = ["naive transitions / orderflow", "FAQ transitions / orderflow"]
    print(table(["path", "commands", *labels, *ratios], path_rows))
    print("\n## Median command per action, µs\n")
    actions = dict.fromkeys(action for path in PATHS.values() for _, action in path)
    action_rows = [
        [action, *(f"{us(per_action[label][action]):.2f}" for label in labels)] for action in actions
    ]
    print(table(["action", *labels], action_rows))

    command_us = command_median[labels[0]]
    ratio, shared_ratio, flow_bytes = naive / flow, shared / flow, memory[labels[0]]
    goals = [
        (f"command median ≤ {GOAL_COMMAND_US:g} µs", command_us <= GOAL_COMMAND_US, f"{command_us:.2f} µs"),
        (
            f"life ≥ {GOAL_LIFE_RATIO:g}x faster than naive transitions",
            ratio >= GOAL_LIFE_RATIO,
            f"{ratio:.1f}x",
        ),
        (
            f"life ≥ {GOAL_SHARED_RATIO:g}x faster than transitions as its FAQ advises",
            shared_ratio >= GOAL_SHARED_RATIO,
            f"{shared_ratio:.2f}x",
        ),
        (f"≤ {GOAL_BYTES} bytes per live order", flow_bytes <= GOAL_BYTES, f"{flow_bytes:,.0f} bytes"),
    ]
    print("\n## Goals (orderflow)\n")
    print(table(["goal", "measured", "verdict"], [[g, m, "PASS" if ok else "MISS"] for g, ok, m in goals]))
    rebuilt = statistics.mean(lives[ValuesFloor.label].values())
    prototype = statistics.mean(lives[Prototype.label].values())
    print(
        f"\nBuilding orderflow's values again takes {us(rebuilt):.1f} µs a life, which is no floor: the"
        f" prototype of the same contract from plain slotted classes runs a whole life in {us(prototype):.1f}"
        f" µs, {shared / prototype:.2f}x faster than transitions as its FAQ advises and"
        f" {naive / prototype:.1f}x faster than naive transitions."
    )
    frozen = statistics.mean(lives[FrozenPrototype.label].values())
    print(
        f"With every value frozen (bench/core_prototype_frozen.py) it runs a life in {us(frozen):.1f} µs,"
        f" {shared / frozen:.2f}x faster than transitions as its FAQ advises."
    )
    if args.profile:
        print("\n## cProfile of decide (tottime)\n")
        print(profile_decide(orders))
    return 0


if __name__ == "__main__":
    sys.exit(main())
