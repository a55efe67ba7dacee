"""Emitting scenario files: a placement and timed steps written as the JSON ``parse`` reads back.

Each step is an action (``at``, ``actor``, ``action``, ``args`` with amounts as decimal strings) or
the clock moving (``advance_to``), and carries an ``expect`` of the order's state, lateness and
money after it, taken from the order the model produced: a generated file documents what the model
does and fails if a later change makes it do something else.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import attrs

from ..domain.commands import Command
from ..domain.money import Money, quantize
from ..domain.order import Order
from ..domain.placement import Placement, place_order
from ..domain.policy import COMEUP, PRESETS, Policy, Reminder
from .durations import format_instant
from .format import SETTINGS
from .snapshot import jsonable


class EmittedStep(Protocol):
    """What a step must tell: when, the command (``None``: the clock moves) and the order after."""

    @property
    def at(self) -> datetime: ...

    @property
    def command(self) -> Command | None: ...

    @property
    def order(self) -> Order: ...


def duration(value: timedelta) -> str:
    """A duration in ISO 8601, in whole days, hours or seconds: ``P7D``, ``PT48H``, ``PT90S``."""
    seconds = int(value.total_seconds())
    if seconds % 86400 == 0:
        return f"P{seconds // 86400}D"
    return f"PT{seconds // 3600}H" if seconds % 3600 == 0 else f"PT{seconds}S"


def _setting(value: object) -> object:
    if isinstance(value, timedelta):
        return duration(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return [_setting(item) for item in value]
    if isinstance(value, Reminder):
        return {"deadline": value.deadline.value, "before": duration(value.before)}
    return value


def policy_json(policy: Policy) -> object:
    """A preset's name, or ``{"preset": ..., <setting>: ...}`` with the settings that differ."""
    if PRESETS.get(policy.name) == policy:
        return policy.name
    preset = PRESETS.get(policy.name, COMEUP)
    changed = {n: _setting(getattr(policy, n)) for n in SETTINGS if getattr(policy, n) != getattr(preset, n)}
    return {"preset": preset.name, **changed}


def _amount(money: Money, currency: str) -> object:
    text = str(quantize(money.amount, money.currency))
    return text if money.currency == currency else {"amount": text, "currency": money.currency}


def order_json(placement: Placement) -> dict[str, Any]:
    """The ``order`` object of a scenario file."""
    p, currency = placement, placement.price.currency
    service: dict[str, Any] = {"price": _amount(p.price, currency), "delivery_days": p.delivery_days}
    if p.acceptance_window is not None:
        service["acceptance_hours"] = int(p.acceptance_window.total_seconds()) // 3600
    data: dict[str, Any] = {"id": p.order_id, "buyer": p.buyer, "seller": p.seller, "currency": currency}
    data["service"] = service
    if p.options:
        data["options"] = [
            {"name": o.name, "price": _amount(o.price, currency), "delivery_days": o.delivery_days}
            for o in p.options
        ]
    for name in ("tip", "platform_fee", "tax", "bank_fee"):
        if (money := getattr(p, name)) is not None:
            data[name] = _amount(money, currency)
    data["paid_at"] = format_instant(p.paid_at)
    return data


def args_json(command: Command, currency: str) -> dict[str, object]:
    """A command's arguments as a scenario file writes them (defaults and ``None`` left out)."""
    args: dict[str, object] = {}
    for field in attrs.fields(type(command)):
        value = getattr(command, field.name)
        if field.name == "actor" or value is None or value == field.default:
            continue
        if isinstance(value, Money):
            args[field.name] = _amount(value, currency)
        else:  # a count or a rating stays a number; text and an outcome are text
            args[field.name] = value if isinstance(value, int) else str(value)
    return args


def expectation(order: Order, clock: datetime) -> dict[str, Any]:
    """What a generated step expects: the state, lateness and every amount of the order."""
    ledger = order.ledger
    amounts = {name: getattr(ledger, name) for name in attrs.fields_dict(type(ledger)) if name != "currency"}
    money = {"currency": ledger.currency, **jsonable(amounts, ledger.currency)}
    return {"state": order.state.value, "late": order.is_late(clock), "money": money}


def step_json(step: EmittedStep, currency: str) -> dict[str, Any]:
    """One step, with the expectation of the order after it."""
    expect = expectation(step.order, step.at)
    if step.command is None:
        return {"advance_to": format_instant(step.at), "expect": expect}
    data: dict[str, Any] = {"at": format_instant(step.at), "actor": step.command.actor.value}
    data["action"] = step.command.action
    if args := args_json(step.command, currency):
        data["args"] = args
    return {**data, "expect": expect}


def scenario_json(
    placement: Placement,
    steps: Sequence[EmittedStep],
    description: str,
    rules: Iterable[str] = (),
) -> dict[str, Any]:
    """A whole scenario file; with no steps, one ``expect`` of the order as placed."""
    currency = placement.price.currency
    body = [step_json(step, currency) for step in steps]
    if not body:
        body = [{"expect": expectation(place_order(placement).order, placement.paid_at)}]
    return {
        "description": description,
        "rules": list(dict.fromkeys(rules)),
        "policy": policy_json(placement.policy),
        "order": order_json(placement),
        "steps": body,
    }


def write(directory: Path, name: str, data: dict[str, Any]) -> Path:
    """Write ``data`` as ``directory/name.json`` (indented, one step per few lines); return the path."""
    path = directory / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path
