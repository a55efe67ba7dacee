"""The report's sections for precision, best arm, sensitivity and manifest: well-formed, escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from experiment_fakes import fake_cell, response_cell
from orderflow.experiments import sections
from orderflow.experiments.adaptive import Budget, Target, run_to_precision
from orderflow.experiments.selection import select_best
from orderflow.experiments.sensitivity import design, factor, run_design
from orderflow.experiments.store import Store
from orderflow.experiments.streaming import Cells

ARMS = {"<baseline>": {"salt": "b", "noise": 0.3}, "better": {"salt": "x", "noise": 0.3, "effect": 1.0}}


def _parsed(fragment: str) -> ElementTree.Element:
    return ElementTree.fromstring(f"<div>{fragment}</div>")  # well-formed, every text escaped


def test_the_precision_section_lists_each_target_asked_and_reached(tmp_path: Path) -> None:
    store = Store.open(tmp_path, {"orders": 1}, ARMS, [])
    outcome = run_to_precision(
        Cells(fake_cell, ARMS, store=store), "<baseline>", [Target("completed_percent", 0.3)], Budget()
    )
    root = _parsed(sections.precision(outcome))
    text = "".join(root.itertext())
    assert "1 of 1 targets met: every target was met" in text
    assert "± 0.3" in text
    assert "&lt;baseline&gt;" in sections.precision(outcome)
    manifest = _parsed(sections.manifest(store.manifest))
    assert "orderflow" in "".join(manifest.itertext())


def test_the_selection_section_states_the_guarantee() -> None:
    outcome = select_best(Cells(fake_cell, ARMS), "completed_percent", indifference=0.25)
    text = "".join(_parsed(sections.selection(outcome)).itertext())
    assert "better has the highest completed_percent, with 95% confidence" in text
    assert "screened out after" in text


def test_the_sensitivity_section_charts_each_figure_and_names_the_top_settings() -> None:
    settings = {"x.a": 0.5, "x.b": 0.5, "x.c": 1}
    plan = design([factor(f"{key}=0:1", settings) for key in settings], "morris", samples=4)
    outcome = run_design(Cells(response_cell, plan.arms({})), plan, ["y", "z"], seeds=[1])
    root = _parsed(sections.sensitivity(outcome))
    assert len(root.findall(".//{http://www.w3.org/2000/svg}svg")) == 2
    assert "".join(root.itertext()).count("mu*") >= 6
