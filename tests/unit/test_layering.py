"""The layering contract, checked over the import graph of ``src/orderflow`` (README, docs).

Every ``import`` statement counts, wherever it stands: at the top, inside a function, or under
``if TYPE_CHECKING``. Three rules:

1. ``domain`` is at the bottom and pure: it imports nothing else of orderflow, and of the world
   only the standard library, ``attrs`` (``attr``) and ``transitions``.
2. Nothing imports upwards: each top-level part of orderflow sits in a layer of ``LAYERS`` and
   imports only from its own layer or those below.
3. No import cycles, between any two modules (a package's ``__init__`` counts as a module).

The domain has an order that needs no cycle, bottom first: states, limits, currencies, errors,
dates, drafts, money, guard, validators, policy, order, commands, deadlines, graph, events,
effects, decision, handlers, timers, decide, placement, guidance, catalogue (two values are typed
loosely to keep it: ``Terms.graph`` and ``Rejection.advanced``).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "src"
PACKAGE = "orderflow"

#: Bottom first; the names are orderflow's top-level modules and packages (``orderflow``: its
#: ``__init__``, the facade that re-exports the public names).
LAYERS: tuple[frozenset[str], ...] = tuple(
    frozenset(layer)
    for layer in (
        {"domain"},
        {"stats", "example"},
        {"errors"},
        {"orderflow"},
        {"ports", "edges", "inputs"},
        {"codec"},
        {"adapters"},
        {"service"},
        {"scenario"},
        {"simulation"},
        {"experiments"},
        {"explain", "diagram"},
        {"copy"},
        {"testing"},
        {"cli", "__main__"},
    )
)
DOMAIN_MAY_IMPORT = frozenset({"attrs", "attr", "transitions"})  # attr: attrs' own package


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted((SOURCE / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SOURCE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(module: str, path: Path) -> Iterator[str]:
    """Every module ``module`` imports, by absolute name (outside orderflow: the top name)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:  # ``from pkg import submodule`` imports the submodule
                name = f"{target}.{alias.name}"
                yield name if name in MODULES else target


def _graph() -> dict[str, set[str]]:
    return {
        module: {name for name in _imports(module, path) if name in MODULES and name != module}
        for module, path in MODULES.items()
    }


def _part(module: str) -> str:
    return module.split(".")[1] if "." in module else module


def _layer(module: str) -> int:
    part = _part(module)
    for rank, layer in enumerate(LAYERS):
        if part in layer:
            return rank
    raise AssertionError(f"{module}: put {part!r} in a layer of LAYERS")


def test_the_import_graph_has_no_cycle() -> None:
    try:
        order = list(TopologicalSorter(_graph()).static_order())
    except CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")
    assert set(order) == set(MODULES)


def test_nothing_imports_upwards() -> None:
    upwards = [
        f"{module} imports {name}"
        for module, names in _graph().items()
        for name in sorted(names)
        if _layer(name) > _layer(module)
    ]
    assert upwards == []


def test_the_domain_is_pure() -> None:
    allowed = DOMAIN_MAY_IMPORT | set(sys.stdlib_module_names) | {"__future__"}
    outside = [
        f"{module} imports {name}"
        for module, path in MODULES.items()
        if _part(module) == "domain"
        for name in _imports(module, path)
        if not (name.startswith(f"{PACKAGE}.domain") or name.split(".")[0] in allowed)
    ]
    assert outside == []


def test_the_checks_see_every_kind_of_import(tmp_path: Path) -> None:
    """An import under TYPE_CHECKING, inside a function or relative counts like any other."""
    source = tmp_path / "order.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from .graph import Graph\n"
        "def later():\n    from ..cli import simulate\n"
        "from . import events\n",
        encoding="utf-8",
    )
    seen = set(_imports("orderflow.domain.order", source))
    assert {"orderflow.domain.graph", "orderflow.cli.simulate", "orderflow.domain.events"} <= seen
    assert (
        _layer("orderflow.cli.simulate") > _layer("orderflow.simulation.engine") > _layer("orderflow.domain")
    )
    with pytest.raises(CycleError):
        list(TopologicalSorter({"a": {"b"}, "b": {"a"}}).static_order())


def test_the_domain_order_in_the_docstring_needs_no_cycle() -> None:
    """The order this module's docstring gives: each domain module imports only those before it."""
    written = (__doc__ or "").split("bottom first:")[1].split("(")[0]
    order = [f"{PACKAGE}.domain.{name.strip()}" for name in written.replace("\n", " ").split(",")]
    graph = _graph()
    domain = {m for m in MODULES if _part(m) == "domain" and m != f"{PACKAGE}.domain"}
    assert set(order) == domain
    for rank, module in enumerate(order):
        assert graph[module] - {f"{PACKAGE}.domain"} <= set(order[:rank]), module
