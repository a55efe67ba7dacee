"""Regenerate the generated blocks of docs/model.md and docs/rules.md from the code, in place.

A generated block sits between ``<!-- generated: NAME -->`` and ``<!-- end generated -->``; the
prose around it is written by hand and left alone. ``python docs/generate.py`` rewrites the blocks;
``python docs/generate.py --check`` changes nothing and exits 1 naming every stale block.

Generated here: the state diagram (``orderflow.diagram``), the presets' settings, one table per
state (who may do what, from ``ROUTES``, and which deadlines run, from ``STATE_DEADLINES``), and
the rule map: every rule id listed by hand in docs/rules.md, with the routes, the source files and
the ``test_r_<id>`` test functions that cite it.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import partial
from pathlib import Path

import attrs

from orderflow import COMEUP, PRESETS, ROUTES, Deadline, Policy, Role, State, graph_for
from orderflow.diagram import mermaid
from orderflow.domain.deadlines import STATE_DEADLINES
from orderflow.domain.graph import NON_TERMINAL, STARTED, Route
from orderflow.domain.states import ACTIVE, FROZEN

ROOT = Path(__file__).resolve().parent.parent
MODEL, RULES = "docs/model.md", "docs/rules.md"
BLOCK = re.compile(r"<!-- generated: (?P<name>[\w-]+) -->\n(?P<body>.*?)<!-- end generated -->", re.S)
RULE_LINE = re.compile(r"^- \*\*(R-[A-Z]+-\d+)\*\*", re.M)
RULE_ID = re.compile(r"\bR-[A-Z]+-\d+\b")
TEST_DEF = re.compile(r"^\s*(?:async\s+)?def (test_r_([a-z]+)_(\d+)(?:_\w*)?)\s*\(", re.M)

#: What a route does to the money (handlers.py), by trigger, then guard, then the state reached.
COSTS = {
    "buy_option": "the option's price paid into escrow (R-PROG-2)",
    "accept_offer": "the offer's price paid into escrow (R-PROG-2)",
    "accept_partial_refund": "the amount leaves escrow for the buyer (R-PART-2)",
    "outcome=split": "buyer_amount to the buyer, the rest of the share to the seller, fee to the platform",
    State.CANCELED.value: "all of escrow back to the buyer, fee included (R-MONEY-4)",
    State.COMPLETED.value: "the seller's share to the wallet, the fee to the platform (R-MONEY-3)",
    State.EXPIRED.value: "all of escrow to the platform, a voucher for the buyer (R-EXP-1, R-EXP-2)",
}
#: Names for the sets of states that several routes leave.
STATE_SETS = {
    ACTIVE: "any active state",
    STARTED: "any active state but pending",
    NON_TERMINAL - {State.ON_HOLD}: "any non-terminal state but on_hold",
}


def _who(route: Route) -> str:
    return "⏱ timer" if route.is_timer else ", ".join(r.value for r in Role if r in route.actors)


def _conditions(route: Route) -> str:
    found = [guard.name for guard in route.when]
    if route.after is not None:
        found.append(f"after {route.after}")
    if route.refers_to is not None:
        found.append(f"an open {route.refers_to}")
    if route.only_if is not None:
        found.append(f"only if policy.{route.only_if}")
    return ", ".join(found) or "—"


def _cost(route: Route) -> str:
    keys = [route.trigger, *(guard.name for guard in route.when), route.dest and route.dest.value]
    return next((COSTS[key] for key in keys if key in COSTS), "—")


def _duration(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return f"{hours // 24} days" if hours % 24 == 0 and hours > 48 else f"{hours} h"


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _passes(policy: Policy, state: State, deadline: Deadline) -> str:
    """How long the deadline runs under ``policy`` and what its passing does in ``state``."""
    if deadline is Deadline.DELIVERY:
        length = "the order's delivery days"
    elif deadline is Deadline.EXPIRY:
        length = f"{policy.expiry_months} calendar months from payment"
    else:
        length = _duration(policy.window(deadline))
    fired = [r for r in graph_for(policy).table.get((state, deadline.value), ()) if r.is_timer]
    waiting = [r for r in ROUTES if r.after is deadline and state in r.sources]
    if fired:
        dest = fired[0].dest
        then = f"→ {dest}" if dest is not None else "it lapses: the offer closes"
    elif waiting:
        then = "nothing fires; " + "; ".join(f"{_who(r)} may {r.trigger}" for r in waiting)
    elif deadline is Deadline.DELIVERY:
        then = "nothing fires; the order is late"
    else:
        then = "nothing fires"
    return f"{length}, then {then}"


def state_block(state: State) -> str:
    """Who may do what in ``state`` (every route, all presets) and the deadlines that run there."""
    rows = [
        (f"`{r.trigger}`", _who(r), str(r.dest or "stays"), _conditions(r), _cost(r), ", ".join(r.rules))
        for r in ROUTES
        if state in r.sources
    ]
    header = ("action", "who", "reaches", "conditions", "money", "rules")
    text = _table(header, rows) if rows else "Nothing changes a terminal order's state or money (R-END-3).\n"
    if state not in ACTIVE:
        why = "frozen" if state in FROZEN else "terminal"
        return text + f"\nNo deadline runs while the order is {state} ({why}; R-TIME-3).\n"
    deadlines = [*STATE_DEADLINES[state], Deadline.OFFER, Deadline.EXPIRY]
    timed = [
        ["`offer:<id>` (each open offer)" if d is Deadline.OFFER else f"`{d}`"]
        + [_passes(policy, state, d) for policy in PRESETS.values()]
        for d in deadlines
    ]
    return text + "\nDeadlines running here (R-TIME-3):\n\n" + _table(("deadline", *PRESETS), timed)


def _setting(value: object) -> str:
    if isinstance(value, timedelta):
        return _duration(value)
    if isinstance(value, tuple):
        return ", ".join(f"{_duration(r.before)} before {r.deadline}" for r in value) or "none"
    return "none" if value is None else str(value)


def policies_block() -> str:
    rows = [
        (f"`{field.name}`", *(_setting(getattr(p, field.name)) for p in PRESETS.values()))
        for field in attrs.fields(Policy)
    ]
    return _table(("setting", *PRESETS), rows)


def _sources(states: frozenset[State]) -> str:
    return STATE_SETS.get(states) or ", ".join(s.value for s in State if s in states)


def rule_ids(rules_md: str) -> list[str]:
    """The rule ids listed by hand in docs/rules.md (outside generated blocks), in their order."""
    return RULE_LINE.findall(BLOCK.sub("", rules_md))


def rule_map(root: Path, ids: list[str]) -> str:
    """The rule-id table, then the rules without a test and any id cited but not listed."""
    routes: dict[str, list[str]] = defaultdict(list)
    for r in ROUTES:
        for rule in r.rules:
            when = "" if _conditions(r) == "—" else f" [{_conditions(r)}]"
            routes[rule].append(
                f"`{r.trigger}` ({_who(r)}{when}): {_sources(r.sources)} → {r.dest or 'stays'}"
            )
    files: dict[str, set[str]] = defaultdict(set)
    for path in sorted((root / "src").rglob("*.py")):
        for rule in RULE_ID.findall(path.read_text(encoding="utf-8")):
            files[rule].add(path.relative_to(root / "src" / "orderflow").as_posix())
    tests: dict[str, set[str]] = defaultdict(set)
    for path in sorted((root / "tests").rglob("test_*.py")):
        for name, family, number in TEST_DEF.findall(path.read_text(encoding="utf-8")):
            tests[f"R-{family.upper()}-{number}"].add(f"{path.relative_to(root).as_posix()}::{name}")
    rows = [
        (
            rule,
            "<br>".join(routes[rule]) or "—",
            ", ".join(f"`{f}`" for f in sorted(files[rule])) or "—",
            "<br>".join(f"`{t}`" for t in sorted(tests[rule])) or "—",
        )
        for rule in ids
    ]
    text = _table(("rule", "routes (graph.py)", "source files (src/orderflow/)", "tests"), rows)
    untested = [rule for rule in ids if not tests[rule]]
    text += f"\nRules without a test ({len(untested)} of {len(ids)}): {', '.join(untested) or 'none'}.\n"
    unlisted = sorted((set(routes) | set(files) | set(tests)) - set(ids))
    return text + f"\nIds cited in the code or tests but not listed above: {', '.join(unlisted) or 'none'}.\n"


def expected(root: Path = ROOT) -> dict[str, dict[str, Callable[[], str]]]:
    """For each docs file, its generated blocks by name (bodies built on demand)."""
    model: dict[str, Callable[[], str]] = {
        "state-diagram": lambda: f"```mermaid\n{mermaid(COMEUP)}```\n",
        "policies": policies_block,
    }
    for state in State:
        model[f"state-{state}"] = partial(state_block, state)
    ids = rule_ids((root / RULES).read_text(encoding="utf-8"))
    return {MODEL: model, RULES: {"rule-map": lambda: rule_map(root, ids)}}


def refreshed(text: str, blocks: dict[str, Callable[[], str]]) -> tuple[str, list[str], list[str]]:
    """``text`` with its blocks regenerated, the stale block names, and problems (missing, unknown)."""
    stale: list[str] = []
    names = [match["name"] for match in BLOCK.finditer(text)]
    problems = [f"unknown block {name}" for name in names if name not in blocks]
    problems += [f"missing block {name}" for name in blocks if f"<!-- generated: {name} -->" not in text]

    def replace(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in blocks:
            return match[0]
        body = blocks[name]()
        if body != match["body"]:
            stale.append(name)
        return f"<!-- generated: {name} -->\n{body}<!-- end generated -->"

    return BLOCK.sub(replace, text), stale, problems


def check(root: Path = ROOT) -> list[str]:
    """Every stale, missing or unknown block, as ``file: what``; empty when the docs are current."""
    found = []
    for name, blocks in expected(root).items():
        _, stale, problems = refreshed((root / name).read_text(encoding="utf-8"), blocks)
        found += [f"{name}: stale block {block}" for block in stale] + [f"{name}: {p}" for p in problems]
    return found


def write(root: Path = ROOT) -> list[str]:
    """Regenerate every block in place; the problems that need a hand edit (missing, unknown)."""
    found = []
    for name, blocks in expected(root).items():
        path = root / name
        text, _, problems = refreshed(path.read_text(encoding="utf-8"), blocks)
        path.write_text(text, encoding="utf-8")
        found += [f"{name}: {p}" for p in problems]
    return found


def main(argv: list[str]) -> int:
    problems = check() if "--check" in argv else write()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems and "--check" in argv:
        print("run `python docs/generate.py` to regenerate", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
