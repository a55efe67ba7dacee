"""Guidance: what each role may do now, by when, and what each choice would cost.

Everything here is derived from the graph and from dry runs of ``decide``; no prose per state.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from . import commands as c
from .deadlines import STATE_DEADLINES, Due, running
from .decide import preview
from .decision import Decision
from .order import Order
from .states import Role, State
from .timers import NextDue, advance, next_due

#: Stand-ins for arguments that do not change a command's consequences (reasons, a rating).
_TEXT_ONLY = {"reason": "(reason)", "rating": 5, "text": ""}


@attrs.frozen
class Choice:
    """One thing ``role`` may do now.

    ``preview`` is the exact decision when the consequences do not depend on amounts the caller
    must choose (listed in ``needs``); then only ``reaches`` is known in advance.
    """

    action: str
    role: Role
    reaches: State
    deadline: Due | None
    rules: tuple[str, ...]
    preview: Decision | None
    needs: tuple[str, ...] = ()
    args: dict[str, object] = attrs.field(factory=dict)


def _state_deadline(order: Order) -> Due | None:
    own = STATE_DEADLINES.get(order.state, ())
    dues = sorted(d for d in running(order) if d.deadline in own)
    return dues[0] if dues else None


def _argument_sets(order: Order, command: type[c.Command]) -> list[dict[str, object]]:
    """The argument sets to offer for a command: one per open offer, per dispute outcome..."""
    names = [a.name for a in attrs.fields(command) if a.name != "actor"]
    if names == ["offer_id"]:
        return [{"offer_id": o.offer_id} for o in order.offers]
    if command is c.ResolveDispute:
        return [{"outcome": o} for o in c.Outcome]
    return [{n: _TEXT_ONLY[n] for n in names if n in _TEXT_ONLY}]


def available_actions(order: Order, role: Role, now: datetime) -> tuple[Choice, ...]:
    """What ``role`` may do at ``now``, each with its deadline and a preview of its consequences."""
    current = advance(order, now).order
    graph, deadline = current.terms.graph, _state_deadline(current)
    choices: list[Choice] = []
    for action in graph.allowed(current, now)[role.value]:
        command_type = c.COMMANDS[action]
        for args in _argument_sets(current, command_type):
            needs = tuple(
                a.name
                for a in attrs.fields(command_type)
                if a.name not in ("actor", *args) and a.default is attrs.NOTHING
            )
            needs += tuple(n for n in args if n in _TEXT_ONLY and n != "text") if needs else ()
            if needs:
                route = next(r for r in graph.table[current.state, action] if role in r.actors)
                fixed = {k: v for k, v in args.items() if k not in _TEXT_ONLY}
                choices.append(
                    Choice(
                        action, role, route.dest or current.state, deadline, route.rules, None, needs, fixed
                    )
                )
                continue
            command = command_type(role, **args)
            result = preview(current, command, now)
            if result.decision is not None:
                route = graph.route(current, command, now)
                choices.append(
                    Choice(
                        action,
                        role,
                        result.decision.order.state,
                        deadline,
                        route.rules,
                        result.decision,
                        (),
                        args,
                    )
                )
    return tuple(choices)


def if_nobody_acts(order: Order) -> tuple[NextDue, Decision] | None:
    """The next deadline that fires by itself and what it would do, or None."""
    due = next_due(order)
    return None if due is None else (due, advance(order, due.at))
