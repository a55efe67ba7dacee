"""The state diagram of a policy's order graph, as Mermaid or Graphviz DOT text (pure, no I/O).

Drawn from ``graph_for(policy).table``, the routes the policy's Machine compiled: one edge per
(source, reached state, trigger), labelled with who may take it and, in brackets, its conditions
and the deadline it waits for. Deadlines firing by themselves are drawn ``⏱ <deadline>``.
Routes that leave the order where it is (extras, offers, partial refunds, reviews) are not drawn:
``docs/model.md`` lists them per state. The ``release_hold`` routes (one per state a hold may
resume) are drawn as one note on ``on_hold`` naming those states, to keep the picture readable.
"""

from __future__ import annotations

from typing import NamedTuple

from .domain.graph import Route, graph_for
from .domain.policy import COMEUP, Policy
from .domain.states import FROZEN, TERMINAL, Role, State

#: The trigger drawn as a note rather than as edges (one edge per state it may resume).
RELEASE = "release_hold"
_RANK = {state: rank for rank, state in enumerate(State)}


class Edge(NamedTuple):
    """One drawn transition."""

    source: State
    dest: State
    trigger: str
    label: str
    timer: bool


def _who(route: Route) -> str:
    """``seller``, ``buyer/seller`` or ``⏱``, then ``[conditions, after deadline]`` if any."""
    who = "/".join(role.value for role in Role if role in route.actors)
    conditions = [guard.name for guard in route.when]
    if route.after is not None:
        conditions.append(f"after {route.after}")
    return f"{who} [{', '.join(conditions)}]" if conditions else who


def edges(policy: Policy = COMEUP) -> list[Edge]:
    """Every drawn edge of the policy's graph, in state order then trigger order."""
    grouped: dict[tuple[State, State, str], list[Route]] = {}
    for (source, trigger), compiled in graph_for(policy).table.items():
        for route in compiled:
            if route.dest is not None and trigger != RELEASE:
                grouped.setdefault((source, route.dest, trigger), []).append(route)
    found = []
    for (source, dest, trigger), routes in grouped.items():
        timer = all(route.is_timer for route in routes)
        parts = [] if timer else list(dict.fromkeys(_who(route) for route in routes))
        label = f"⏱ {trigger}" if timer else f"{trigger} ({' or '.join(parts)})"
        found.append(Edge(source, dest, trigger, label, timer))
    return sorted(found, key=lambda e: (_RANK[e.source], _RANK[e.dest], e.trigger))


def release_note(policy: Policy = COMEUP) -> str:
    """The note standing for the ``release_hold`` routes: who releases, and to which states."""
    routes = graph_for(policy).table.get((State.ON_HOLD, RELEASE), ())
    states = sorted({route.dest for route in routes if route.dest is not None}, key=_RANK.__getitem__)
    who = sorted({role.value for route in routes for role in route.actors})
    return f"{RELEASE} ({'/'.join(who)}) back to the state it left, one of {', '.join(states)}"


def mermaid(policy: Policy = COMEUP) -> str:
    """The graph as a Mermaid ``stateDiagram-v2``; terminal states end in ``[*]``."""
    lines = ["stateDiagram-v2", f"    %% orderflow policy {policy.name} v{policy.version}"]
    lines.append(f"    [*] --> {State.PENDING}")
    lines += [f"    {e.source} --> {e.dest} : {e.label}" for e in edges(policy)]
    lines += [f"    {state} --> [*]" for state in State if state in TERMINAL]
    lines.append(f"    note right of {State.ON_HOLD} : {release_note(policy)}")
    lines += [
        "    classDef terminal font-weight:bold,stroke-width:3px",
        "    classDef frozen fill:#eee,stroke-dasharray:4 2",
        f"    class {','.join(s for s in State if s in TERMINAL)} terminal",
        f"    class {','.join(s for s in State if s in FROZEN)} frozen",
    ]
    return "\n".join(lines) + "\n"


def dot(policy: Policy = COMEUP) -> str:
    """The graph as Graphviz DOT: terminal states double-circled, timers dashed, frozen grey."""
    lines = [
        f'digraph "orderflow {policy.name} v{policy.version}" {{',
        "  rankdir=LR;",
        '  node [shape=box, style=rounded, fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for state in State:
        if state in TERMINAL:
            lines.append(f"  {state} [shape=doublecircle];")
        elif state in FROZEN:
            lines.append(f'  {state} [style="rounded,filled", fillcolor="#eeeeee"];')
        else:
            lines.append(f"  {state};")
    for e in edges(policy):
        style = ", style=dashed" if e.timer else ""
        lines.append(f'  {e.source} -> {e.dest} [label="{e.label}"{style}];')
    lines.append(f'  release_note [shape=note, label="{release_note(policy)}"];')
    lines.append(f"  {State.ON_HOLD} -> release_note [style=dotted, arrowhead=none];")
    lines.append("}")
    return "\n".join(lines) + "\n"
