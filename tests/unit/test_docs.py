"""The docs stay true to the code: generated blocks current, the diagram drawn from the whole graph."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from orderflow import PRESETS, Policy, State, graph_for
from orderflow.diagram import dot, mermaid

ROOT = Path(__file__).resolve().parents[2]
EDGE = re.compile(r"^\s+(\w+) --> (\w+) : (.+)$", re.M)
DOT_EDGE = re.compile(r'^\s+(\w+) -> (\w+) \[label="([^"]+)"', re.M)
POLICIES = pytest.mark.parametrize("policy", PRESETS.values(), ids=list(PRESETS))


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _load_generator()


def _trigger(label: str) -> str:
    """The trigger an edge label names: ``accept (seller)`` -> accept, ``⏱ expiry`` -> expiry."""
    return label.removeprefix("⏱ ").split(" ", 1)[0]


def _moves(policy: Policy) -> set[tuple[str, str, str]]:
    """Every (source, dest, trigger) of the compiled table that moves the order."""
    return {
        (source.value, route.dest.value, trigger)
        for (source, trigger), routes in graph_for(policy).table.items()
        for route in routes
        if route.dest is not None
    }


def test_generated_docs_are_current() -> None:
    assert generate.check(ROOT) == [], "the docs are stale: run `python docs/generate.py`"


@POLICIES
def test_the_diagram_has_one_edge_per_route_that_moves_the_order(policy: Policy) -> None:
    text = mermaid(policy)
    drawn = {(source, dest, _trigger(label)) for source, dest, label in EDGE.findall(text)}
    moves = _moves(policy)
    released = {(s, d, t) for s, d, t in moves if t == "release_hold"}
    assert drawn == moves - released
    (note,) = re.findall(r"note right of on_hold : (.+)", text)
    assert note.startswith("release_hold (platform)")
    assert {d for _, d, _ in released} == set(re.findall(r"\w+", note.split("one of", 1)[1]))
    assert len(released) == len(State) - 4  # R-HOLD-1: back to any non-terminal state but on_hold


@POLICIES
def test_timer_edges_are_marked_and_party_edges_name_their_roles(policy: Policy) -> None:
    timers = {
        route.trigger for routes in graph_for(policy).table.values() for route in routes if route.is_timer
    }
    for _, _, label in EDGE.findall(mermaid(policy)):
        if label.startswith("⏱ "):
            assert label.removeprefix("⏱ ") in timers
        else:
            assert re.fullmatch(r"\w+ \((buyer|seller|platform).*\)", label), label


@POLICIES
def test_every_state_appears_and_only_terminal_states_end(policy: Policy) -> None:
    text = mermaid(policy)
    named = set(re.findall(r"\b[a-z_]+\b", text))
    assert {state.value for state in State} <= named
    ends = set(re.findall(r"^\s+(\w+) --> \[\*\]$", text, re.M))
    assert ends == {"completed", "canceled", "expired"}
    assert re.search(r"^\s+\[\*\] --> pending$", text, re.M)


def test_only_fiverr_like_draws_the_unanswered_cancellation_timer() -> None:
    unanswered = ("cancellation_requested", "canceled", "⏱ seller_answer")
    assert unanswered in EDGE.findall(mermaid(PRESETS["fiverr_like"]))
    assert unanswered not in EDGE.findall(mermaid(PRESETS["comeup"]))


@POLICIES
def test_dot_draws_the_same_edges_as_mermaid(policy: Policy) -> None:
    drawn = set(DOT_EDGE.findall(dot(policy)))
    assert drawn == set(EDGE.findall(mermaid(policy)))
    assert dot(policy).count("shape=doublecircle") == 3


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    """A root with a copy of the docs and empty src/ and tests/ trees, regenerated."""
    shutil.copytree(ROOT / "docs", tmp_path / "docs", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (tmp_path / "src" / "orderflow").mkdir(parents=True)
    (tmp_path / "tests").mkdir()
    assert generate.write(tmp_path) == []
    assert generate.check(tmp_path) == []
    return tmp_path


def test_check_names_a_hand_edited_block(docs_copy: Path) -> None:
    model = docs_copy / "docs" / "model.md"
    text = model.read_text(encoding="utf-8")
    model.write_text(text.replace("| `accept` | seller |", "| `accept` | buyer |", 1), encoding="utf-8")
    assert generate.check(docs_copy) == ["docs/model.md: stale block state-pending"]


def test_check_reports_a_missing_block(docs_copy: Path) -> None:
    model = docs_copy / "docs" / "model.md"
    model.write_text(
        model.read_text(encoding="utf-8").replace("generated: policies", "policies"), encoding="utf-8"
    )
    assert generate.check(docs_copy) == ["docs/model.md: missing block policies"]


def test_the_rule_map_fills_in_as_tests_land(docs_copy: Path) -> None:
    rules = docs_copy / "docs" / "rules.md"
    assert "| R-DISP-1 | — | — | — |" in rules.read_text(encoding="utf-8")
    probe = docs_copy / "tests" / "unit" / "test_probe.py"
    probe.parent.mkdir()
    probe.write_text(
        "def test_r_disp_1_probe() -> None:\n    pass\n\n\ndef test_r_disp_10() -> None:\n    pass\n"
    )
    assert generate.check(docs_copy) == ["docs/rules.md: stale block rule-map"]
    assert generate.write(docs_copy) == []
    text = rules.read_text(encoding="utf-8")
    assert "| R-DISP-1 | — | — | `tests/unit/test_probe.py::test_r_disp_1_probe` |" in text
    (untested,) = re.findall(r"Rules without a test \((\d+) of (\d+)\)", text)
    assert int(untested[0]) == int(untested[1]) - 1
    assert "not listed above: R-DISP-10." in text  # a test named after an id the list lacks
