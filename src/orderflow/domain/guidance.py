"""Guidance: what each role may do now, by when, and what each choice would cost.

Everything here is derived from the graph and from dry runs of ``decide``; no prose per state.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from . import commands as c
from .deadlines import STATE_DEADLINES, Due, running
from .decide import preview
from .decision import Decision
from .graph import Graph
from .money import Money, quantize
from .order import Order
from .states import Role, State
from .timers import NextDue, advance, next_due

#: Stand-ins for arguments that do not change a command's consequences (reasons, a rating).
_TEXT_ONLY = {"reason": "(reason)", "rating": 5, "text": ""}


@attrs.frozen
class Choice:
    """One thing ``role`` may do now.

    ``needs`` lists the arguments the caller must still supply, ``args`` those already fixed (an
    open offer, a mediator's outcome). ``preview`` is the exact decision when the consequences do
    not depend on what the caller supplies (a reason or a rating does not change them), else None,
    and only ``reaches`` is known in advance.
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


def _argument_sets(order: Order, command: type[c.Command]) -> list[tuple[dict[str, object], tuple[str, ...]]]:
    """The argument sets to offer for a command (one per open offer, per dispute outcome...), each
    with the arguments the caller must still supply."""
    if command is c.ResolveDispute:
        return [({"outcome": o}, ("buyer_amount",) if o is c.Outcome.SPLIT else ()) for o in c.Outcome]
    names = tuple(a.name for a in attrs.fields(command) if a.name != "actor" and a.default is attrs.NOTHING)
    if names == ("offer_id",) and command is not c.OfferCustom:
        return [({"offer_id": o.offer_id}, ()) for o in order.offers]
    return [({}, names)]


def _sample(order: Order, name: str) -> object:
    """A stand-in for an argument the caller supplies, to preview or route a command."""
    if name in _TEXT_ONLY:
        return _TEXT_ONLY[name]
    if name in ("price", "amount", "buyer_amount"):
        return Money(quantize(Decimal(1), order.currency), order.currency)
    return 0 if name == "delivery_days" else f"({name})"


def available_actions(order: Order, role: Role, now: datetime) -> tuple[Choice, ...]:
    """What ``role`` may do at ``now``, each with its deadline and a preview of its consequences.

    ``needs`` names the arguments the caller must still supply. The preview is exact unless the
    consequences depend on them (an amount, an option; a reason or a rating does not change them):
    then it is None and only the state reached is given.
    """
    current = advance(order, now).order
    graph: Graph = current.terms.graph
    deadline = _state_deadline(current)
    choices: list[Choice] = []
    for action in graph.allowed(current, now)[role.value]:
        command_type = c.COMMANDS[action]
        for args, needs in _argument_sets(current, command_type):
            command = command_type(role, **args, **{n: _sample(current, n) for n in needs})
            if any(n not in _TEXT_ONLY for n in needs):  # consequences depend on the caller's values
                route = graph.route(current, command, now)
                reaches = route.dest or current.state
                choices.append(Choice(action, role, reaches, deadline, route.rules, None, needs, args))
                continue
            result = preview(current, command, now)
            if result.decision is not None:
                route = graph.route(current, command, now)
                decision = result.decision
                reached = decision.order.state
                choices.append(Choice(action, role, reached, deadline, route.rules, decision, needs, args))
    return tuple(choices)


def if_nobody_acts(order: Order) -> tuple[NextDue, Decision] | None:
    """The next deadline that fires by itself and what it would do, or None."""
    due = next_due(order)
    return None if due is None else (due, advance(order, due.at))
