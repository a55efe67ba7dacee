"""The human-readable trace of a run: per step its time, actor and action, the deadlines that fired
first, the state reached, the money moved, the deadlines set, other effects, and every failure."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

import attrs

from ..domain.deadlines import running_deadlines
from ..domain.decision import Decision
from ..domain.effects import Effect, EscrowDeposit, Notification, PlatformRevenue, Refund, WalletCredit
from ..domain.money import Money
from ..domain.order import Order
from .format import ActionStep, AdvanceStep
from .runner import ScenarioResult, StepOutcome

INDENT = " " * 23
_MOVES = (WalletCredit, Refund, PlatformRevenue, EscrowDeposit)
#: How the trace words each effect that moves money.
_MONEY_WORDS: dict[type[Effect], str] = {
    WalletCredit: "to the seller's wallet",
    Refund: "refunded to the buyer",
    PlatformRevenue: "to the platform",
    EscrowDeposit: "paid into escrow",
}


def when(instant: datetime) -> str:
    """A UTC instant, short: ``2026-01-03 10:00`` (seconds only when there are some)."""
    return f"{instant:%Y-%m-%d %H:%M}" + (f":{instant:%S}" if instant.second else "")


def _ledger(order: Order) -> str:
    ledger = order.ledger
    return (
        f"escrow {ledger.escrow}, refunded {ledger.refunded}, seller {ledger.seller_credited}, "
        f"platform {ledger.platform_revenue} {ledger.currency}"
    )


def _value(value: object) -> str:
    if isinstance(value, datetime):
        return when(value)
    return str(value.amount) if isinstance(value, Money) else str(value)


def _effect(effect: Effect) -> str:
    fields = ", ".join(f"{a.name}={_value(getattr(effect, a.name))}" for a in attrs.fields(type(effect)))
    return f"{effect.kind}({fields})"


def _consequences(before: Order | None, decision: Decision) -> Iterator[str]:
    """What a decision did to the order (None before a placement): its state, money, deadlines, effects."""
    after = decision.order
    if before is not None and after.version == before.version:
        return
    yield f"-> {after.state.value} | {_ledger(after)}"
    moved = [
        f"{effect.amount.amount} {_MONEY_WORDS[type(effect)]}"
        for effect in decision.effects
        if isinstance(effect, _MOVES)
    ]
    if moved:
        yield "money moved: " + "; ".join(moved)
    was = running_deadlines(before).items() if before is not None else ()
    new = [f"{name} {when(at)}" for name, at in running_deadlines(after).items() if (name, at) not in was]
    if new:
        yield "deadlines set: " + ", ".join(new)
    others = [_effect(e) for e in decision.effects if not isinstance(e, (*_MOVES, Notification))]
    if others:
        yield "effects: " + ", ".join(others)


def header(result: ScenarioResult) -> Iterator[str]:
    """The scenario, the order placed and its payment."""
    scenario, placed = result.scenario, result.placed
    order, p = placed.order, scenario.placement
    yield f"scenario {scenario.source}" + (f": {scenario.description}" if scenario.description else "")
    yield (f"order {order.id}: buyer {p.buyer}, seller {p.seller}, policy {order.policy.name}; times in UTC")
    yield f"     {when(order.updated_at)}  buyer pays {order.ledger.paid} {order.currency}"
    yield from (INDENT + line for line in _consequences(None, placed))


def _title(outcome: StepOutcome) -> str:
    step = outcome.step
    if isinstance(step, ActionStep):
        args = ", ".join(f"{name}: {_value(value)}" for name, value in step.args.items())
        return f"{step.actor.value} {step.action}" + (f" ({args})" if args else "")
    if isinstance(step, AdvanceStep):
        return "the clock advances"
    return "expect " + ", ".join(step.expect)


def step_lines(outcome: StepOutcome) -> Iterator[str]:
    """One step of the trace."""
    time = when(outcome.clock) if isinstance(outcome.step, (ActionStep, AdvanceStep)) else " " * 16
    yield f"{outcome.index + 1:>3}. {time}  {_title(outcome)}"
    details: list[str] = []
    if outcome.decision.fired:
        details.append("fired by itself: " + ", ".join(outcome.decision.fired))
    rejection = outcome.rejection
    if rejection is not None and outcome.ok:
        details.append(f"rejected as expected: {type(rejection).__name__}: {rejection}")
    details += _consequences(outcome.before, outcome.decision)
    details += [f"FAILED: {failure}" for failure in outcome.failures]
    if outcome.step.expect is not None and outcome.ok:
        details.append("expectation held")
    yield from (INDENT + line for line in details)


def footer(result: ScenarioResult) -> str:
    """The verdict."""
    failed = [str(step.index + 1) for step in result.steps if not step.ok]
    count = len(result.steps)
    end = f"{count} step{'' if count == 1 else 's'}; the order is {result.order.state.value}"
    return (
        f"FAILED: step {', '.join(failed)} of {end}"
        if failed
        else f"ok: every step and expectation held, {end}"
    )


def lines(result: ScenarioResult, steps: Iterable[StepOutcome] | None = None) -> Iterator[str]:
    """The whole trace."""
    yield from header(result)
    for outcome in result.steps if steps is None else steps:
        yield from step_lines(outcome)
    yield footer(result)
