"""``orderflow explain``: what each party may do to an order now, by when, and what follows.

Renders an ``orderflow.explain.Explanation`` as text for a buyer or seller, or as the JSON shape of
docs/cli.md. The order is either a representative order in a named state (the scenario-format
example order walked along ``explain.PATH``) or the final order of a replayed scenario file.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .. import scenario
from ..domain.dates import require_aware
from ..domain.errors import OrderflowError
from ..domain.order import Order
from ..domain.policy import PRESETS
from ..domain.states import Role, State
from ..explain import Amount, Consequence, Explanation, Move, Result, Timing, explain, representative
from .status import say

EXAMPLES = """\
examples:
  orderflow explain revision_refused --as seller
  orderflow explain delivered --as buyer --policy fiverr_like --json
  orderflow explain story.json --as buyer --now 2026-01-10T12:00:00Z
  orderflow explain revision_refused --as seller --audience user --lang fr

STATE is one of: {states}.
A STATE is explained on a representative order (40.00 service + 10.00 option + 5.00 tip + 2.50 fee,
EUR) brought there by a canonical path, at the time of its last event unless --now says otherwise.
A scenario FILE (see docs/scenarios.md) is replayed and its final order explained at --now, which
is then required and may not be before the order's last event.
exit status: 0 explained; 2 usage error (unknown state, role or policy, bad or early time, bad file).
"""


class UsageError(Exception):
    """A bad command line: reported in one line on stderr, exit status 2."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``explain`` to the command line."""
    command = subparsers.add_parser(
        "explain",
        help="say what each party may do to an order now, by when, and what follows",
        description="Say what ROLE and the other parties may do now, the deadline of each choice, what "
        "happens when it passes, and each choice's consequences (money moved and to whom, state "
        "reached, statistics hit, chat and review windows).",
        epilog=EXAMPLES.format(states=", ".join(State)),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("target", metavar="STATE|FILE", help="a state name, or a scenario file")
    command.add_argument(
        "--as", dest="role", required=True, choices=[r.value for r in Role], help="who reads the explanation"
    )
    command.add_argument("--now", metavar="TIME", help="ISO 8601 time with an offset or Z")
    command.add_argument("--policy", choices=list(PRESETS), help="policy preset for a STATE (default comeup)")
    command.add_argument("--json", action="store_true", help="print the JSON shape of docs/cli.md")
    command.add_argument(
        "--audience",
        choices=("developer", "user"),
        default="developer",
        help="developer (default): rule ids and route names; user: plain words for the buyer or seller",
    )
    command.add_argument("--lang", help="with --audience user: en (default) or fr")
    command.add_argument("--markdown", action="store_true", help="with --audience user: print Markdown")
    command.set_defaults(run=_command)


def _command(arguments: argparse.Namespace) -> int:
    if arguments.audience == "user":
        return _for_users(arguments)
    if arguments.lang is not None or arguments.markdown:
        say("orderflow explain: error: --lang and --markdown are for --audience user")
        return 2
    try:
        order, now = _order(arguments)
        explanation = explain(order, Role(arguments.role), now)
    except (UsageError, OrderflowError, OSError) as error:
        message = f"{error.filename}: {error.strerror}" if isinstance(error, OSError) else error
        say(f"orderflow explain: error: {message}")
        return 2
    if arguments.json:
        print(json.dumps(as_json(explanation), indent=2))
    else:
        print("\n".join(text(explanation)))
    return 0


def _for_users(arguments: argparse.Namespace) -> int:
    """``--audience user``: the guidance of ``orderflow.copy`` as text, Markdown or JSON."""
    try:
        from ..copy import guidance  # Babel and the catalogs, only for this audience

        order, now = _order(arguments)
        found = guidance(order, arguments.role, now, arguments.lang or "en")
    except (UsageError, OrderflowError, OSError, ImportError) as error:
        message = f"{error.filename}: {error.strerror}" if isinstance(error, OSError) else error
        say(f"orderflow explain: error: {message}")
        return 2
    if arguments.json:
        print(json.dumps(found.as_json(), indent=2, ensure_ascii=False))
    else:
        print(found.markdown() if arguments.markdown else found.text())
    return 0


def _order(arguments: argparse.Namespace) -> tuple[Order, datetime]:
    """The order to explain and when, from the command line."""
    target: str = arguments.target
    now = None if arguments.now is None else _instant(arguments.now)
    if target in {s.value for s in State}:
        order = representative(State(target), PRESETS[arguments.policy or "comeup"])
        return order, order.updated_at if now is None else now
    path = Path(target)
    if not path.is_file():
        raise UsageError(f"{target!r} is neither a state ({', '.join(State)}) nor a scenario file")
    if arguments.policy is not None:
        raise UsageError("--policy is for a STATE: a scenario file names its own policy")
    if now is None:
        raise UsageError("explaining a scenario file needs --now TIME")
    result = scenario.run(scenario.load(path))
    return result.order, now


def _instant(text: str) -> datetime:
    """An ISO 8601 time of the supported range; a naive one is kept naive for ``explain`` to
    reject (InvalidTime)."""
    try:
        instant = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise UsageError(f"--now {text!r} is not an ISO 8601 time such as 2026-01-10T12:00:00Z") from None
    return instant if instant.tzinfo is None else require_aware(instant, "--now")


# Text -------------------------------------------------------------------------------------------


def text(e: Explanation) -> Iterator[str]:
    """The explanation as lines of text for ``e.role``."""
    order, policy = e.order, e.order.policy
    yield (
        f"Order {order.id} is {order.state}{' and late' if order.is_late(e.now) else ''} "
        f"(policy {policy.name} v{policy.version}), explained to the {e.role} at {_when(e.now)}."
    )
    ledger = order.ledger
    yield (
        f"Money: paid {ledger.paid} {ledger.currency}; in escrow {ledger.escrow}; "
        f"refunded {ledger.refunded}; seller's wallet {ledger.seller_credited}; "
        f"platform {ledger.platform_revenue}."
    )
    if e.fired:
        yield f"Deadlines that fired by then: {', '.join(e.fired)}."
    if order.is_terminal:
        anything = any(e.moves.values())
        yield (
            f"The order is {order.state}, a terminal state: nothing changes its state or its money any "
            f"more{', except what follows' if anything else ''}."
        )
    elif order.state.is_frozen:
        yield f"The order is {order.state}, so it is frozen: no deadline runs and only the platform acts."
    for role in (e.role, *(r for r in Role if r is not e.role)):
        moves = e.moves[role]
        who = f"you ({role})" if role is e.role else f"the {role}"
        yield ""
        yield f"What {who} can do now:" if moves else f"What {who} can do now: nothing."
        for move in moves:
            yield from _move(move, e, "  ")
    if e.deadlines:
        yield ""
        yield "Deadlines:"
        for note in e.deadlines:
            head = f"  * {note.name}: {_when(note.at)} ({_remaining(note.at, e.now)})"
            if note.fires:
                yield f"{head}; when it passes: -> {note.reaches} by itself [{_rules(note.rules)}]"
                continue
            changes = [f"{r} may {', '.join(a)}" for r, a in note.opens.items()]
            changes += [f"{r} may no longer {', '.join(a)}" for r, a in note.closes.items()]
            then = "; ".join(changes) or "nothing changes by itself"
            yield f"{head}; when it passes: {then}" + (f" [{_rules(note.rules)}]" if note.rules else "")
    yield ""
    if e.if_nobody_acts is None:
        yield "If nobody acts: nothing happens by itself."
    else:
        due, result = e.if_nobody_acts
        yield f"If nobody acts: at {_when(due.at)} ({_remaining(due.at, e.now)}) {due.name} fires:"
        yield from _result(result, order.state, "  ")


def _move(move: Move, e: Explanation, indent: str) -> Iterator[str]:
    args = "".join(f" {k}={v}" for k, v in move.args.items())
    yield f"{indent}* {move.action}{args}: {move.about} [{_rules(move.rules)}]"
    inner = indent + "    "
    if move.needs:
        yield f"{inner}chosen by the {move.role}: {', '.join(move.needs)}"
    if move.deadline is not None:
        yield f"{inner}by: {_deadline(move.deadline, e.now)}"
    if move.result is None:
        yield f"{inner}(its consequences depend on the values chosen)"
    else:
        yield from _result(move.result, e.order.state, inner)
    if move.then:
        yield f"{inner}and then:"
        for follow in move.then:
            yield from _move(follow, e, inner + "  ")


def _result(result: Result, here: State, indent: str) -> Iterator[str]:
    yield f"{indent}-> {'stays ' if result.state is here else ''}{result.state}"
    for consequence in result.consequences:
        yield f"{indent}   {_consequence(consequence)}"
    if result.paid_out is not None:
        out = ", ".join(f"{role} {money}" for role, money in result.paid_out.items())
        yield f"{indent}   money out of escrow: {out}"
    if result.deadlines:
        names = ", ".join(result.deadlines) if not result.exact else None
        running = names or ", ".join(f"{n} {_when(at)}" for n, at in result.deadlines.items() if at)
        yield f"{indent}   deadlines then: {running}"


def _consequence(c: Consequence) -> str:
    if c.amount is not None:
        return f"{c.about}: {_amount(c.amount)}"
    if c.hurts:
        return f"{c.about}: {', '.join(c.hurts)} hurt"
    if c.kind == "seller_statistics":
        return f"{c.about}: no rate hurt"
    return c.about + (f" until {_when(c.until)}" if c.until is not None else "")


def _amount(amount: Amount) -> str:
    if amount.money is not None:
        return str(amount.money)
    if amount.argument is not None:
        return f"the {amount.argument} chosen"
    return f"an amount depending on the {', '.join(amount.depends_on)} chosen"


def _rules(rules: tuple[str, ...]) -> str:
    return ", ".join(rules)


def _deadline(timing: Timing, now: datetime) -> str:
    return f"{timing.name}, {_when(timing.at)} ({_remaining(timing.at, now)})"


def _when(at: datetime) -> str:
    return f"{at.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC"


def _days_hours_minutes(delta: timedelta) -> tuple[int, int, int]:
    """Whole days (of 24 hours, R-TIME-1), hours and minutes of ``delta``."""
    days, rest = divmod(int(delta.total_seconds() // 60), 24 * 60)
    hours, minutes = divmod(rest, 60)
    return days, hours, minutes


def _span(delta: timedelta) -> str:
    days, hours, minutes = _days_hours_minutes(delta)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    return " ".join(f"{n} {unit}{'s' if n > 1 else ''}" for n, unit in parts if n) or "0 minutes"


def _remaining(at: datetime, now: datetime) -> str:
    return f"in {_span(at - now)}" if at > now else f"passed {_span(now - at)} ago"


# JSON -------------------------------------------------------------------------------------------


def as_json(e: Explanation) -> dict[str, Any]:
    """The explanation as the JSON shape documented in docs/cli.md."""
    order, ledger = e.order, e.order.ledger
    nobody = None
    if e.if_nobody_acts is not None:
        due, result = e.if_nobody_acts
        nobody = {**_timing(due, e.now), "result": _result_json(result)}
    return {
        "order": {
            "id": order.id,
            "state": order.state.value,
            "policy": {"name": order.policy.name, "version": order.policy.version},
            "version": order.version,
            "late": order.is_late(e.now),
            "terminal": order.is_terminal,
            "frozen": order.state.is_frozen,
            "money": {
                "currency": ledger.currency,
                "paid": str(ledger.paid),
                "escrow": str(ledger.escrow),
                "refunded": str(ledger.refunded),
                "seller_credited": str(ledger.seller_credited),
                "platform_revenue": str(ledger.platform_revenue),
            },
        },
        "role": e.role.value,
        "now": _iso(e.now),
        "fired": list(e.fired),
        "moves": {role.value: [_move_json(m, e.now) for m in moves] for role, moves in e.moves.items()},
        "deadlines": [
            {
                **_timing(Timing(note.name, note.at), e.now),
                "fires": note.fires,
                "reaches": None if note.reaches is None else note.reaches.value,
                "rules": list(note.rules),
                "opens": _by_role(note.opens),
                "closes": _by_role(note.closes),
            }
            for note in e.deadlines
        ],
        "if_nobody_acts": nobody,
    }


def _move_json(move: Move, now: datetime) -> dict[str, Any]:
    return {
        "action": move.action,
        "role": move.role.value,
        "about": move.about,
        "rules": list(move.rules),
        "args": {k: str(v) for k, v in move.args.items()},
        "needs": list(move.needs),
        "deadline": None if move.deadline is None else _timing(move.deadline, now),
        "result": None if move.result is None else _result_json(move.result),
        "then": [_move_json(m, now) for m in move.then],
    }


def _result_json(result: Result) -> dict[str, Any]:
    return {
        "state": result.state.value,
        "exact": result.exact,
        "effects": [_consequence_json(c) for c in result.consequences],
        "notified": [r.value for r in result.notified],
        "deadlines": {n: None if at is None else _iso(at) for n, at in result.deadlines.items()},
        "fired": list(result.fired),
        "paid_out": None
        if result.paid_out is None
        else {r.value: str(m.amount) for r, m in result.paid_out.items()},
    }


def _consequence_json(c: Consequence) -> dict[str, Any]:
    found: dict[str, Any] = {"kind": c.kind, "about": c.about}
    if c.party is not None:
        found["party"] = c.party.value
    if c.amount is not None:
        money = c.amount.money
        found["amount"] = None if money is None else str(money.amount)
        found["amount_is"] = c.amount.argument
        found["depends_on"] = list(c.amount.depends_on)
    if c.kind in ("chat_window", "review_window"):
        found["until"] = None if c.until is None else _iso(c.until)
    if c.kind == "seller_statistics":
        found["hurts"] = list(c.hurts)
    return found


def _timing(timing: Timing, now: datetime) -> dict[str, Any]:
    passed = timing.at <= now
    return {
        "name": timing.name,
        "at": _iso(timing.at),
        "passed": passed,
        "remaining": None if passed else _duration(timing.at - now),
    }


def _by_role(actions: Mapping[Role, tuple[str, ...]]) -> dict[str, list[str]]:
    return {role.value: list(found) for role, found in actions.items()}


def _iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _duration(delta: timedelta) -> str:
    """An ISO 8601 duration of whole minutes, days being 24 hours: ``P7D``, ``PT48H``..."""
    days, hours, minutes = _days_hours_minutes(delta)
    clock = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return f"P{f'{days}D' if days else ''}{f'T{clock}' if clock else ''}" if days or clock else "PT0M"
