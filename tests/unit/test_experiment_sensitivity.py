"""Sensitivity designs (Morris, Sobol' through SALib): points, indices, charts, bad ranges."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from experiment_fakes import response_cell, simulation_cell
from orderflow.experiments.sensitivity import (
    DesignIncomplete,
    Factor,
    InvalidRange,
    chart,
    design,
    factor,
    run_design,
    simulation_settings,
)
from orderflow.experiments.store import Store
from orderflow.experiments.streaming import Cells

SETTINGS = {"x.a": 0.5, "x.b": 0.5, "x.c": 1, "x.name": "text"}
FACTORS = [factor("x.a=0:1", SETTINGS), factor("x.b=0:1", SETTINGS), factor("x.c=0:4", SETTINGS)]


def test_ranges_are_checked_against_the_settings() -> None:
    assert FACTORS[0] == Factor("x.a", 0.0, 1.0)
    assert FACTORS[2].integer  # an integer setting takes whole values
    assert all(isinstance(point["x.c"], int) for point in design(FACTORS, "morris", 4).points)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x.nope=0:1", "x.nope: no such setting"),
        ("x.name=0:1", "x.name: is not a number"),
        ("x.a=1:0", "x.a: the range must go from a lower to a higher number"),
        ("x.a=low:high", "x.a: the range must be two numbers"),
        ("x.a=0-1", "expected KEY=LOW:HIGH"),
        ("market.currency=0:1", "no such setting"),
    ],
)
def test_a_bad_range_is_a_typed_error_naming_the_setting(text: str, message: str) -> None:
    with pytest.raises(InvalidRange, match=message):
        factor(text, SETTINGS)


def test_ranges_on_simulation_settings_name_non_numeric_ones() -> None:
    settings = simulation_settings()
    assert settings["policy.review_decision_window"] == 7.0  # days
    assert settings["seller.late_by.median_hours"] == 24
    with pytest.raises(InvalidRange, match=r"market\.currency: is not a number"):
        factor("market.currency=0:1", settings)
    with pytest.raises(InvalidRange, match=r"policy\.revision_cap: is not a number"):
        factor("policy.revision_cap=1:3", settings)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"method": "latin"}, "method: one of"),
        ({"method": "sobol", "samples": 12}, "power of 2"),
        ({"samples": 1}, "samples: at least 2"),
    ],
)
def test_a_bad_design_is_refused(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidRange, match=message):
        design(FACTORS, **arguments)  # type: ignore[arg-type]
    with pytest.raises(InvalidRange, match=r"x\.a: has two ranges"):
        design([FACTORS[0], FACTORS[0]])


def test_morris_ranks_a_known_response_and_the_design_is_reproducible() -> None:
    plan = design(FACTORS, "morris", samples=8, seed=3)
    assert len(plan.points) == 8 * (len(FACTORS) + 1)
    assert plan.points == design(FACTORS, "morris", samples=8, seed=3).points
    result = run_design(Cells(response_cell, plan.arms({})), plan, ["y"], seeds=[1, 2])
    ranked = [index.key for index in result.indices["y"]]
    assert ranked == ["x.a", "x.b", "x.c"]  # y = 10·a + b + 0·c
    a, b, c = result.indices["y"]
    assert a.value == pytest.approx(10 * b.value, rel=0.05)
    assert c.value < 0.05
    assert result.measures == ("mu*", "sigma")
    assert (result.cells_run, result.points, result.seeds) == (64, 32, 2)


def test_sobol_shares_of_variance() -> None:
    plan = design(FACTORS, "sobol", samples=256, seed=1)
    assert len(plan.points) == 256 * (len(FACTORS) + 2)
    result = run_design(Cells(response_cell, plan.arms({})), plan, ["y"], seeds=[1])
    shares = {index.key: index for index in result.indices["y"]}
    assert shares["x.a"].value == pytest.approx(100 / 101, abs=0.05)  # ST of a: 100/(100+1)
    assert shares["x.a"].second == pytest.approx(100 / 101, abs=0.05)  # additive: S1 = ST
    assert shares["x.c"].value == pytest.approx(0, abs=0.02)


def test_the_chart_is_an_svg_bar_per_setting_largest_first() -> None:
    plan = design(FACTORS, "morris", samples=4)
    result = run_design(Cells(response_cell, plan.arms({})), plan, ["y", "z"], seeds=[1])
    svg = chart(result, "y")
    root = ElementTree.fromstring(svg)
    namespace = "{http://www.w3.org/2000/svg}"
    bars = root.findall(f"{namespace}rect")
    assert len(bars) == 3
    widths = [float(bar.get("width", "0")) for bar in bars]
    assert widths == sorted(widths, reverse=True)
    assert "x.a: mu*" in "".join(bars[0].itertext())


def test_a_design_resumes_from_its_store(tmp_path: Path) -> None:
    plan = design(FACTORS, "morris", samples=4)

    def cells() -> Cells:
        arms = plan.arms({})
        return Cells(response_cell, arms, store=Store.open(tmp_path, plan.inputs(), arms, [1]))

    first = run_design(cells(), plan, ["y"], seeds=[1])
    again = run_design(cells(), plan, ["y"], seeds=[1])
    assert again.indices == first.indices
    assert (again.cells_run, again.cells_reused) == (0, first.cells_run)


def test_failed_points_leave_the_design_incomplete() -> None:
    plan = design(FACTORS[:1], "morris", samples=2)
    arms = {name: {**settings, "x.b": 0, "x.c": "not a number"} for name, settings in plan.arms({}).items()}
    with pytest.raises(DesignIncomplete, match="points have no finished cell"):
        run_design(Cells(response_cell, arms, retries=0), plan, ["y"], seeds=[1])


def test_a_small_real_simulation_design_finds_what_drives_late_deliveries() -> None:
    settings = simulation_settings()
    factors = [
        factor("seller.on_time_probability=0.5:0.95", settings),
        factor("buyer.dispute_probability=0.1:0.5", settings),
        factor("market.price_median=10:50", settings),
    ]
    plan = design(factors, "morris", samples=3, seed=2)
    result = run_design(
        Cells(simulation_cell, plan.arms({"market.orders": 150})),
        plan,
        ["late_delivery_percent", "seller_credited"],
        seeds=[1],
    )
    assert result.top("late_delivery_percent", 1)[0].key == "seller.on_time_probability"
    assert result.top("seller_credited", 1)[0].key == "market.price_median"
