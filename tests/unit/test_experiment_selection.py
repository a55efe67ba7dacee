"""Selecting the best arm by procedure KN (Kim & Nelson 2001) under common random numbers."""

from __future__ import annotations

import math
from typing import Any

import pytest

from experiment_fakes import fake_cell
from orderflow.experiments.adaptive import InvalidTarget, UnknownFigure
from orderflow.experiments.selection import kn_constants, select_best
from orderflow.experiments.streaming import Cells

ARMS: dict[str, dict[str, Any]] = {
    "low": {"salt": "l", "noise": 0.3},
    "middle": {"salt": "m", "noise": 0.3, "effect": 0.5},
    "high": {"salt": "h", "noise": 0.3, "effect": 1.0},
}


def test_the_constant_is_kn_s_h_squared() -> None:
    # k = 2, a = 0.05, n0 = 10: eta = ((2·0.05/1)^(-2/9) - 1)/2, h² = 2·eta·9
    assert kn_constants(2, 0.95, 10) == pytest.approx(2 * 9 * (10 ** (2 / 9) - 1) / 2)
    assert kn_constants(5, 0.95, 10) > kn_constants(2, 0.95, 10)  # more arms, wider margins


def test_the_best_arm_is_selected_with_its_guarantee_and_the_others_screened_out() -> None:
    cells = Cells(fake_cell, ARMS)
    selection = select_best(cells, "completed_percent", indifference=0.25)
    assert selection.best == "high"
    assert selection.guaranteed
    assert set(selection.eliminated_after) == {"low", "middle"}
    assert selection.survivors == ("high",)
    assert "with 95% confidence when the best is at least 0.25 ahead" in selection.statement()
    # replications went where they decided the answer: the clear loser left first
    assert selection.eliminated_after["low"] <= selection.eliminated_after["middle"]
    assert selection.seeds["low"] <= selection.seeds["high"]
    assert selection.cells_run == sum(selection.seeds.values())


def test_a_figure_to_minimise() -> None:
    arms = {
        "a": {"salt": "a", "hours": 0.0},
        "b": {"salt": "b", "hours": -3.0},
        "c": {"salt": "c", "hours": 2.0},
    }
    selection = select_best(Cells(fake_cell, arms), "hours_to_close_mean", direction="min", indifference=0.5)
    assert selection.best == "b"
    assert selection.means["b"] == pytest.approx(selection.means["a"] - 3)


def test_the_probability_of_correct_selection_holds_at_the_edge_of_the_indifference_zone() -> None:
    # the slippage configuration: the best exactly d ahead of the others, noisy arms
    arms = {
        "best": {"salt": "b", "noise": 0.5, "effect": 0.25},
        "second": {"salt": "s", "noise": 0.5},
        "third": {"salt": "t", "noise": 0.5},
    }
    correct = 0
    trials = 60
    for trial in range(trials):
        seeds = range(1000 * trial + 1, 1000 * trial + 1000)
        selection = select_best(Cells(fake_cell, arms), "completed_percent", indifference=0.25, seeds=seeds)
        correct += selection.best == "best"
    # KN promises >= 95 %; with 60 trials, fewer than 51 correct would be very unlikely (p < 0.01)
    assert correct >= 51, correct


def test_a_budget_that_ends_first_names_the_leader_without_a_guarantee() -> None:
    arms = {"one": {"salt": "a", "noise": 0.5}, "two": {"salt": "b", "noise": 0.5}}
    selection = select_best(
        Cells(fake_cell, arms), "completed_percent", indifference=0.01, first=5, max_seeds=8
    )
    assert not selection.guaranteed
    assert set(selection.survivors) == {"one", "two"}
    assert "no guarantee" in selection.statement()
    assert max(selection.seeds.values()) == 8


def test_identical_arms_end_within_the_indifference_zone() -> None:
    arms = {"one": {"salt": "a", "noise": 0.0}, "two": {"salt": "a", "noise": 0.0}}
    selection = select_best(Cells(fake_cell, arms), "completed_percent", indifference=0.1)
    assert selection.guaranteed  # W is zero at once: the tie is broken by the means, within d
    assert math.isclose(selection.means["one"], selection.means["two"])


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"figure": "completion", "indifference": 0.1}, UnknownFigure, "completion: no such figure"),
        ({"figure": "completed_percent", "indifference": 0.0}, InvalidTarget, "indifference"),
        ({"figure": "completed_percent", "indifference": 0.1, "direction": "up"}, InvalidTarget, "direction"),
        (
            {"figure": "completed_percent", "indifference": 0.1, "confidence": 1.2},
            InvalidTarget,
            "confidence",
        ),
        ({"figure": "completed_percent", "indifference": 0.1, "first": 1}, InvalidTarget, "first >= 2"),
    ],
)
def test_bad_input_is_a_typed_error_naming_it(arguments: dict[str, Any], error: type, message: str) -> None:
    figure = arguments.pop("figure")
    with pytest.raises(error, match=message):
        select_best(Cells(fake_cell, ARMS), figure, **arguments)


def test_one_arm_is_no_choice() -> None:
    with pytest.raises(InvalidTarget, match="at least two arms"):
        select_best(Cells(fake_cell, {"only": {}}), "completed_percent", indifference=0.1)
