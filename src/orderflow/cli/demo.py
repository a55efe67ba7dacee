"""``orderflow demo``: one order's life told step by step, with its money."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from datetime import datetime, timezone

from ..domain import commands as c
from ..domain.deadlines import running_deadlines
from ..domain.decide import decide
from ..domain.decision import Decision
from ..domain.effects import Notification
from ..domain.errors import OrderflowError
from ..domain.guidance import available_actions, if_nobody_acts
from ..domain.money import Money
from ..domain.order import Order
from ..domain.placement import Option, Placement, place_order
from ..domain.states import Role
from ..domain.timers import advance


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def _eur(amount: str) -> Money:
    return Money(amount, "EUR")


PLACEMENT = Placement(
    order_id="demo-1",
    buyer="alice",
    seller="bob",
    price=_eur("40.00"),
    delivery_days=2,
    options=(Option("express", _eur("10.00"), 1),),
    tip=_eur("5.00"),
    platform_fee=_eur("2.50"),
    paid_at=_at("2026-01-03T10:00"),
)

#: The seed page's story: a delivery, a revision refused, the buyer silent, the order closes.
STORY: tuple[tuple[str, c.Command], ...] = (
    ("2026-01-03T12:00", c.Accept(Role.SELLER)),
    ("2026-01-05T09:00", c.Deliver(Role.SELLER)),
    ("2026-01-06T10:00", c.RequestRevision(Role.BUYER)),
    ("2026-01-06T11:00", c.RefuseRevision(Role.SELLER, reason="out of scope")),
    ("2026-01-06T12:00", c.Close(Role.SELLER)),
)
END = "2026-01-14T00:00"


def _money(order: Order) -> str:
    ledger = order.ledger
    return (
        f"paid {ledger.paid} | escrow {ledger.escrow} | refunded {ledger.refunded} | "
        f"seller {ledger.seller_credited} | platform {ledger.platform_revenue} {ledger.currency}"
    )


def _describe(decision: Decision) -> Iterator[str]:
    order = decision.order
    if decision.fired:
        yield f"    fired by itself: {', '.join(decision.fired)}"
    yield f"    -> {order.state.value}, version {order.version}: {_money(order)}"
    for name, at in running_deadlines(order).items():
        yield f"       deadline {name}: {at:%Y-%m-%d %H:%M}"
    for effect in decision.effects:
        if not isinstance(effect, Notification):
            yield f"       effect {effect.kind}: {_effect_text(effect)}"


def _effect_text(effect: object) -> str:
    fields = getattr(type(effect), "__attrs_attrs__", ())
    return ", ".join(f"{f.name}={getattr(effect, f.name)}" for f in fields)


def run(write: Callable[[str], None] = print) -> Order:
    """Tell the demonstration order's life; return the final order."""
    decision = place_order(PLACEMENT)
    write(f"{PLACEMENT.paid_at:%Y-%m-%d %H:%M}  buyer pays for order {PLACEMENT.order_id}")
    for line in _describe(decision):
        write(line)
    order = decision.order
    for when, command in STORY:
        at = _at(when)
        write(f"{at:%Y-%m-%d %H:%M}  {command.actor.value} {command.action}")
        try:
            decision = decide(order, command, at)
        except OrderflowError as error:
            write(f"    rejected: {type(error).__name__}: {error}")
            continue
        order = decision.order
        for line in _describe(decision):
            write(line)
        if order.state.value == "revision_refused":
            write("    what the seller may do now:")
            for choice in available_actions(order, Role.SELLER, at):
                write(f"       {choice.action} -> {choice.reaches.value}")
            upcoming = if_nobody_acts(order)
            if upcoming is not None:
                due, outcome = upcoming
                write(
                    f"    if nobody acts: at {due.at:%Y-%m-%d %H:%M} {due.name} fires "
                    f"-> {outcome.order.state.value}"
                )
    end = _at(END)
    write(f"{end:%Y-%m-%d %H:%M}  the clock advances")
    decision = advance(order, end)
    for line in _describe(decision):
        write(line)
    return decision.order


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``demo`` to the command line."""
    command = subparsers.add_parser(
        "demo",
        help="tell one order's life step by step, with its money",
        description="Tell one order's life step by step, with its money, deadlines and effects.\n\n"
        "example:\n  orderflow demo",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.set_defaults(run=_command)


def _command(arguments: argparse.Namespace) -> int:
    run()
    return 0
