"""Precision, best arm, sensitivity and resumable runs on an Experiment's real cells."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest

from orderflow.experiments import Arm, Experiment, advanced, run
from orderflow.experiments.adaptive import Budget, BudgetTooSmall, Target, UnknownFigure
from orderflow.experiments.cells import Cell, run_cell
from orderflow.experiments.store import ForeignDirectory
from orderflow.experiments.streaming import Cell as Planned
from orderflow.experiments.streaming import Finished

WINDOW = Experiment(
    settings={"market": {"orders": 150}},
    arms=(Arm("7 days"), Arm("3 days", (("policy.review_decision_window", 3),))),
    seeds=(1, 2, 3),
)


def test_a_cell_kept_as_figures_and_rows_comes_back_as_the_same_result() -> None:
    setup = attrs.evolve(WINDOW.check()[0], seed=4)
    output = advanced.cell_output(setup, 4)
    back = advanced.cell_result(Planned("7 days", 4), Finished(output.figures, 0.0, output.rows))
    assert back == attrs.evolve(run_cell(Cell("7 days", setup)), arm="7 days")


def test_a_resumable_run_gives_the_same_results_as_a_plain_one(tmp_path: Path) -> None:
    plain = run(WINDOW)
    first, spent = advanced.run_fixed(WINDOW, out=tmp_path / "out")
    again, respent = advanced.run_fixed(WINDOW, out=tmp_path / "out")
    assert json.dumps(first.data()) == json.dumps(plain.data()) == json.dumps(again.data())
    assert (spent.cells_run, spent.cells_reused, respent.cells_run, respent.cells_reused) == (6, 0, 0, 6)
    assert respent.cpu_seconds == pytest.approx(spent.cpu_seconds)  # what the kept cells cost, once


def test_precision_on_real_cells_gives_a_full_table_over_the_seeds_it_ran() -> None:
    targets = [Target.parse("outcomes.completed.percent=0.6")]
    outcome, results = advanced.run_precision(WINDOW, targets, Budget(cells=60), initial=3)
    seeds = max(outcome.seeds.values())
    assert set(outcome.seeds.values()) == {seeds}
    assert results.experiment.seeds == tuple(range(1, seeds + 1))
    assert len(results.cells) == 2 * seeds
    difference = results.difference("3 days", "outcomes.completed.percent")
    assert difference is not None
    assert difference.mean == pytest.approx(outcome.reached[0].interval.mean)


@pytest.mark.parametrize(
    ("targets", "budget", "error"),
    [
        (["outcomes.completed.percent@seller:slow=0.1"], Budget(), UnknownFigure),
        (["outcomes.completed.percent=0.1"], Budget(cells=3), BudgetTooSmall),
    ],
)
def test_bad_targets_are_refused_before_the_directory_is_made(
    tmp_path: Path, targets: list[str], budget: Budget, error: type
) -> None:
    with pytest.raises(error):
        advanced.run_precision(WINDOW, [Target.parse(t) for t in targets], budget, out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_directory_of_another_experiment_is_refused(tmp_path: Path) -> None:
    advanced.run_fixed(WINDOW, out=tmp_path / "out")
    other = attrs.evolve(WINDOW, arms=(Arm("7 days"), Arm("3 days", (("policy.review_decision_window", 2),))))
    with pytest.raises(ForeignDirectory, match=r"arm '3 days', policy\.review_decision_window was 3, now 2"):
        advanced.run_fixed(other, out=tmp_path / "out")


def test_the_best_arm_and_the_results_over_the_seeds_every_arm_ran() -> None:
    arms = (Arm("7 days"), Arm("2 days", (("policy.review_decision_window", 2),)))
    chosen, results = advanced.run_selection(
        attrs.evolve(WINDOW, arms=arms), "hours_to_close.mean", direction="min", indifference=2.0
    )
    assert chosen.best == "2 days"
    assert chosen.guaranteed
    assert len(results.experiment.seeds) == min(chosen.seeds.values())


def test_sensitivity_points_are_arms_on_top_of_the_baseline() -> None:
    found = advanced.run_sensitivity(
        attrs.evolve(WINDOW, seeds=(1,)),
        ["seller.on_time_probability=0.5:0.95", "market.price_median=10:50"],
        samples=2,
        figures=["rates.late_delivery_percent"],
    )
    assert found.top("rates.late_delivery_percent", 1)[0].key == "seller.on_time_probability"
    with pytest.raises(UnknownFigure, match="late_percent"):
        advanced.run_sensitivity(WINDOW, ["seller.on_time_probability=0.5:0.95"], figures=["late_percent"])


def test_a_target_within_a_segment() -> None:
    segments = {
        "market": {"orders": 200},
        "seller": {
            "segments": {"slow": {"share": 0.3, "on_time_probability": 0.4}, "usual": {"share": "rest"}}
        },
    }
    experiment = attrs.evolve(WINDOW, settings=segments)
    assert "outcomes.completed.percent@seller:slow" in advanced.known_figures(experiment)
    target = Target.parse("outcomes.completed.percent@seller:slow=3")
    outcome, results = advanced.run_precision(experiment, [target], Budget(cells=40), initial=3)
    (reached,) = outcome.reached
    assert reached.target.segment == "seller:slow"
    assert reached.met, outcome.stopped
    difference = results.difference("3 days", "outcomes.completed.percent", "seller:slow")
    assert difference is not None
    assert difference.mean == pytest.approx(reached.interval.mean)
