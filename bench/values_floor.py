"""orderflow's values rebuilt: building again the values a life returns, and nothing else.

A life of orderflow must produce frozen values: the host's ``Money``, ``Option`` and
``Placement``, then per step a command, its events, the new ``Order`` (with its ``Terms`` and
``Ledger``), the effects and the ``Decision``. ``ValuesFloor`` records every such value of a real
orderflow life, with its fields, and replays only their constructors (validators included, as the
public constructors run them). No rule is checked, no deadline computed, no amount added. It was
once taken for a lower bound of any implementation of this model; it is not one: its replay loop
(``kind(*positional, **keywords)`` over recorded fields) costs more than a real implementation's
direct calls, and it rebuilds values orderflow shares (notifications) or derives only when read
(effects). ``bench/core_prototype.py``, the same contract from plain slotted classes, runs a
whole life in fewer instructions (docs/performance.md). What it tells is the share of a life that
goes to building frozen values at all.
"""

from __future__ import annotations

from typing import Any

import attrs

from orderflow import Order, Policy, decide, place_order
from orderflow.domain.graph import Graph

Build = tuple[type, tuple[Any, ...], dict[str, Any]]  # (class, positional, keyword arguments)
_SHARED = (Policy, Graph)  # built once per policy, not per order: never counted


def _record(value: object, seen: dict[int, object], builds: list[Build]) -> None:
    """Append the builds of ``value`` and the values inside it not seen yet, innermost first.

    ``seen`` keeps each value alive, so that no id is reused while it is in use.
    """
    if id(value) in seen or isinstance(value, _SHARED):
        return
    if isinstance(value, (tuple, list, frozenset)):
        for item in value:
            _record(item, seen, builds)
        return
    kind = type(value)
    if not attrs.has(kind):
        return
    seen[id(value)] = value
    fields = [field for field in attrs.fields(kind) if field.init]
    values = {field.name: _public(value, field) for field in fields}
    for field in fields:
        _record(values[field.name], seen, builds)
    positional = tuple(values[f.name] for f in fields if not f.kw_only)
    keywords = {f.alias: values[f.name] for f in fields if f.kw_only}
    builds.append((kind, positional, keywords))


def _public(value: object, field: Any) -> object:
    """A field's value as the public API reads it: a private field (``Decision._effects``, derived
    when first read) through its public name, so that the floor builds the effects eagerly."""
    return getattr(value, field.alias if field.name.startswith("_") else field.name)


def _replay(builds: list[Build]) -> Order:
    """Build every value again; the last ``Order`` built is the order after the step."""
    order: Order | None = None
    for kind, positional, keywords in builds:
        value = kind(*positional, **keywords)
        if isinstance(value, Order):
            order = value
    assert order is not None, "every step of a life builds an Order"
    return order


class ValuesFloor:
    """A subject of ``bench_core``: replays the values of ``source``'s lives (orderflow's).

    ``source`` gives ``placement(serial)``, ``plan(path)`` and ``command(move)``. The values are
    recorded once, so every replayed order has the same ids: only the building is timed.
    """

    label = "orderflow's values rebuilt"

    def __init__(self, source: Any) -> None:
        self.source = source
        self._placement: list[Build] = []
        self._place({}, self._placement)

    def _place(self, seen: dict[int, object], builds: list[Build]) -> Order:
        placement = self.source.placement(0)
        _record(placement, seen, builds)
        decision = place_order(placement)
        _record(decision, seen, builds)
        return decision.order

    def new(self, serial: int) -> Order:
        return _replay(self._placement)

    def plan(self, path: Any) -> list[list[Build]]:
        """The builds of each move of one orderflow life of ``path``."""
        seen: dict[int, object] = {}
        order = self._place(seen, [])
        moves: list[list[Build]] = []
        for move in self.source.plan(path):
            command, now = self.source.command(move)
            moves.append([])
            _record(command, seen, moves[-1])
            decision = decide(order, command, now)
            _record(decision, seen, moves[-1])
            order = decision.order
        return moves

    def command(self, move: list[Build]) -> list[Build]:
        return move

    def fire(self, order: Order, builds: list[Build]) -> Order:
        return _replay(builds)

    def state(self, order: Order) -> str:
        return order.state.value
