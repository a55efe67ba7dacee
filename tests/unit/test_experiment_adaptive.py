"""Precision-driven replications on paired differences from the baseline (Law & Kelton §9.4.1)."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats  # type: ignore[import-untyped,unused-ignore]

from experiment_fakes import FIGURES, fake_cell
from orderflow.experiments.adaptive import (
    Budget,
    BudgetTooSmall,
    InvalidTarget,
    Target,
    UnknownFigure,
    paired_interval,
    run_to_precision,
    seeds_needed,
)
from orderflow.experiments.store import Store
from orderflow.experiments.streaming import Cells

ARMS: dict[str, dict[str, Any]] = {
    "baseline": {"salt": "b", "noise": 0.3},
    "same": {"salt": "s", "noise": 0.3},  # changes nothing: its differences centre on zero
    "better": {"salt": "x", "noise": 0.3, "effect": 1.0},
}


def test_the_interval_is_students_t_on_the_differences() -> None:
    differences = [0.1, 0.3, 0.2, 0.5, 0.4]
    interval = paired_interval(differences)
    low, high = stats.t.interval(0.95, 4, loc=0.3, scale=stats.sem(differences))
    assert (interval.mean, interval.low, interval.high, interval.seeds) == pytest.approx((0.3, low, high, 5))
    assert math.isinf(paired_interval([1.0]).half_width)


@given(st.lists(st.floats(-10, 10), min_size=3, max_size=30), st.floats(0.01, 5))
def test_the_seeds_needed_reach_the_half_width_by_the_same_formula(values: list[float], width: float) -> None:
    needed = seeds_needed(values, width)
    deviation = stats.tstd(values) if len(set(values)) > 1 else 0.0
    assert needed >= len(values)
    if needed > len(values) and needed <= 64:  # the least such count (exact below 64 seeds)
        assert stats.t.ppf(0.975, needed - 2) * deviation / math.sqrt(needed - 1) > width
    assert stats.t.ppf(0.975, needed - 1) * deviation / math.sqrt(needed) <= width + 1e-12


def test_seeds_are_added_until_every_paired_difference_is_as_precise_as_asked() -> None:
    targets = [Target("completed_percent", 0.25), Target("completed_percent", 0.6, segment="slow")]
    outcome = run_to_precision(Cells(fake_cell, ARMS), "baseline", targets, Budget())
    assert outcome.met, outcome
    assert outcome.stopped == "every target was met"
    assert outcome.rounds > 1
    for reached in outcome.reached:
        assert reached.interval.half_width <= reached.target.half_width
        assert reached.interval.seeds == outcome.seeds[reached.arm]
    by_arm = {(r.arm, r.target.key): r.interval for r in outcome.reached}
    assert by_arm["same", "completed_percent"].low < 0 < by_arm["same", "completed_percent"].high
    assert by_arm["better", "completed_percent"].low > 0.5
    # the figures alone vary by ±2 points from seed to seed: unpaired, ±0.25 would take ~500 seeds
    assert outcome.seeds["baseline"] < 100
    assert outcome.cells_run == sum(outcome.seeds.values())


def test_only_the_arms_with_unmet_targets_get_more_seeds() -> None:
    arms = {**ARMS, "quiet": {"salt": "q", "noise": 0.0}}
    arms["baseline"] = {"salt": "b", "noise": 0.0}
    outcome = run_to_precision(
        Cells(fake_cell, arms), "baseline", [Target("completed_percent", 0.2)], Budget()
    )
    assert outcome.met
    assert outcome.seeds["quiet"] == 5  # identical noise: its differences are exact at once
    assert outcome.seeds["baseline"] == max(outcome.seeds.values()) > 5


def test_same_seeds_gives_every_arm_every_seed() -> None:
    arms = {**ARMS, "quiet": {"salt": "q", "noise": 0.0}, "baseline": {"salt": "b", "noise": 0.0}}
    target = [Target("completed_percent", 0.2)]
    outcome = run_to_precision(Cells(fake_cell, arms), "baseline", target, Budget(), same_seeds=True)
    assert outcome.met
    assert len(set(outcome.seeds.values())) == 1


def test_the_budget_stops_the_rounds_and_the_outcome_says_so() -> None:
    cells = Cells(fake_cell, ARMS)
    outcome = run_to_precision(cells, "baseline", [Target("completed_percent", 0.01)], Budget(cells=40))
    assert not outcome.met
    assert outcome.stopped == "the budget ended before every target was met"
    assert outcome.cells_run <= 40
    assert outcome.cells_run > 15  # it spent what it could, not just the first round


def test_the_seed_limit_stops_the_rounds_and_the_outcome_says_so() -> None:
    target = [Target("completed_percent", 0.001)]
    outcome = run_to_precision(Cells(fake_cell, ARMS), "baseline", target, Budget(), max_seeds=12)
    assert outcome.stopped == "the limit of 12 seeds per arm came before every target was met"
    assert max(outcome.seeds.values()) == 12


def test_a_cpu_budget_bounds_the_cells_by_their_measured_cost() -> None:
    # Each cell spins for 2 ms of CPU time, so its cost does not depend on the machine's speed
    # (which drifts 2x within minutes here): unbounded, the 3,000 cells would take 6 s.
    cells = Cells(fake_cell, {name: {**arm, "sleep": 0, "spin": 0.002} for name, arm in ARMS.items()})
    outcome = run_to_precision(
        cells, "baseline", [Target("completed_percent", 0.001)], Budget(cpu_seconds=0.2)
    )
    assert not outcome.met
    # Each round is sized by the cost measured so far, so the spend ends near the budget.
    assert 0.1 <= outcome.cpu_seconds <= 0.2 * 1.5
    assert outcome.cells_run <= 150


def test_the_look_ahead_confirms_before_stopping() -> None:
    plain = run_to_precision(Cells(fake_cell, ARMS), "baseline", [Target("completed_percent", 0.4)], Budget())
    confirmed = run_to_precision(
        Cells(fake_cell, ARMS), "baseline", [Target("completed_percent", 0.4)], Budget(), look_ahead=5
    )
    assert confirmed.met
    assert confirmed.seeds["baseline"] >= plain.seeds["baseline"] + 5


def test_a_rerun_on_the_same_store_reuses_every_cell_and_reaches_the_same_outcome(tmp_path: Path) -> None:
    def run() -> Any:
        store = Store.open(tmp_path / "out", {"orders": 1}, ARMS, [])
        return run_to_precision(
            Cells(fake_cell, ARMS, store=store), "baseline", [Target("completed_percent", 0.3)], Budget()
        )

    first, second = run(), run()
    assert second.reached == first.reached
    assert (second.cells_run, second.cells_reused) == (0, first.cells_run)


def test_failed_cells_are_left_out_of_the_pairs_and_reported() -> None:
    arms = {**ARMS, "better": {**ARMS["better"], "fail_seeds": [3]}}
    outcome = run_to_precision(
        Cells(fake_cell, arms, retries=1), "baseline", [Target("completed_percent", 0.5)], Budget()
    )
    assert [failure.cell.seed for failure in outcome.failures] == [3]
    better = next(r for r in outcome.reached if r.arm == "better")
    assert better.interval.seeds == outcome.seeds["better"] - 1


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda c: run_to_precision(c, "baseline", [Target("completion", 0.1)], Budget()),
            UnknownFigure,
            "completion: no such figure in the cells' results; did you mean completed_percent",
        ),
        (
            lambda c: run_to_precision(
                c, "baseline", [Target("completed_percent", 0.1, "fast")], Budget(), known_figures=FIGURES
            ),
            UnknownFigure,
            "completed_percent@fast",
        ),
        (
            lambda c: run_to_precision(c, "baseline", [Target("completed_percent", 0.1)], Budget(cells=14)),
            BudgetTooSmall,
            "14 cells cannot pay for the first round: 5 seeds x 3 arms = 15 cells",
        ),
        (
            lambda c: run_to_precision(c, "nobody", [Target("completed_percent", 0.1)], Budget()),
            InvalidTarget,
            "nobody: no such arm",
        ),
        (lambda c: run_to_precision(c, "baseline", [], Budget()), InvalidTarget, "at least one target"),
        (
            lambda c: run_to_precision(
                c, "baseline", [Target("completed_percent", 0.1)], Budget(), initial=1
            ),
            InvalidTarget,
            "at least 2 seeds",
        ),
    ],
)
def test_bad_input_is_a_typed_error_naming_it_before_any_cell_runs(
    call: Any, error: type, message: str
) -> None:
    cells = Cells(fake_cell, ARMS)
    with pytest.raises(error, match=message.replace("(", r"\(")):
        call(cells)
    assert cells.ran <= 1  # an unknown figure is found on the first cell's figures, at most


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("completed_percent", "expected FIGURE=HALF_WIDTH"),
        ("x=wide", "must be a number"),
        ("x=-1", "positive"),
    ],
)
def test_targets_are_parsed_or_refused_with_their_name(text: str, message: str) -> None:
    with pytest.raises(InvalidTarget, match=message):
        Target.parse(text)


def test_targets_and_budgets_parse() -> None:
    assert Target.parse("completed_percent@slow=0.05") == Target("completed_percent", 0.05, "slow")
    assert Budget.parse("200") == Budget(cells=200)
    assert Budget.parse("5m") == Budget(cpu_seconds=300.0)
    with pytest.raises(BudgetTooSmall, match="--budget"):
        Budget.parse("lots")


def test_the_noise_model_of_the_fakes_is_what_the_tests_assume() -> None:
    rng = random.Random(0)
    seeds = [rng.randrange(10**6) for _ in range(200)]
    spread = stats.tstd([fake_cell(ARMS["baseline"], seed)["completed_percent"] for seed in seeds])
    paired = stats.tstd(
        [
            fake_cell(ARMS["same"], s)["completed_percent"]
            - fake_cell(ARMS["baseline"], s)["completed_percent"]
            for s in seeds
        ]
    )
    assert spread > 1.5 > 0.6 > paired
