"""Scenario files: ``parse`` a JSON value (``load`` a file) into a checked, typed ``Scenario``.

Everything the format calls malformed is found here, before anything runs, and raised as one
``MalformedScenario`` naming the step and the field. What is left to the run are well-formed
arguments that break a rule (a rating of 9, an amount over what escrow holds): step errors.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import attrs

from ..domain.catalogue import ACTORS, ERRORS
from ..domain.commands import COMMANDS, Command, Outcome
from ..domain.dates import MAX_WINDOW_DAYS
from ..domain.errors import OrderflowError
from ..domain.money import Money
from ..domain.placement import Option, Placement, place_order
from ..domain.policy import COMEUP, PRESETS, Policy, Reminder
from ..domain.states import Deadline, Role
from ..inputs import read_text
from . import fields as f
from .durations import format_instant
from .errors import FieldError, MalformedScenario
from .snapshot import SHAPE, Shape


@attrs.frozen
class ActionStep:
    """An actor's action at ``at``; ``args`` are the command's arguments, already typed."""

    kind: ClassVar[str] = "action"
    at: datetime
    actor: Role
    action: str
    args: Mapping[str, object]
    expect_error: str | None = None
    expect: Mapping[str, object] | None = None

    def command(self) -> Command:
        """The command (raises ``InvalidArgument`` for a well-formed argument breaking a rule)."""
        return COMMANDS[self.action](self.actor, **self.args)


@attrs.frozen
class AdvanceStep:
    """The clock moves to ``at``: deadlines due by then fire, nothing else happens."""

    kind: ClassVar[str] = "advance_to"
    at: datetime
    expect: Mapping[str, object] | None = None


@attrs.frozen
class ExpectStep:
    """A check of the order snapshot at the scenario clock."""

    kind: ClassVar[str] = "expect"
    expect: Mapping[str, object]


Step = ActionStep | AdvanceStep | ExpectStep


@attrs.frozen
class Scenario:
    """A checked scenario: the order to place (with its policy) and the steps to run."""

    source: str
    placement: Placement
    steps: tuple[Step, ...]
    description: str = ""
    rules: tuple[str, ...] = ()


# --- policy -------------------------------------------------------------------------------------

_preset = f.one_of(PRESETS, "policy preset")


def _reminder(value: object) -> Reminder:
    fields = f.Fields(value)
    deadline = fields.get("deadline", f.one_of([d.value for d in Deadline], "deadline"))
    reminder = Reminder(Deadline(deadline), fields.get("before", f.duration))
    fields.done()
    return reminder


_SETTING_TYPES: dict[object, f.Converter[Any]] = {
    timedelta: f.duration,
    Decimal: f.decimal,
    int: f.integer,
    bool: f.boolean,
    int | None: lambda value: None if value is None else f.integer(value),
    tuple[Reminder, ...]: lambda value: tuple(f.list_of(_reminder)(value)),
}
#: Every setting a scenario may override, with its converter (the name and version are the preset's).
SETTINGS: dict[str, f.Converter[Any]] = {
    name: _SETTING_TYPES[hint]
    for name, hint in typing.get_type_hints(Policy).items()
    if name not in ("name", "version")
}


def _policy(value: object) -> Policy:
    if isinstance(value, str):
        return PRESETS[_preset(value)]
    fields = f.Fields(value)
    preset = PRESETS[fields.get("preset", _preset, COMEUP.name)]
    overrides = {name: fields.get(name, convert, f.ABSENT) for name, convert in SETTINGS.items()}
    fields.done()
    try:
        return attrs.evolve(preset, **{name: v for name, v in overrides.items() if v is not f.ABSENT})
    except OrderflowError as error:
        raise FieldError("", str(error)) from None


# --- order --------------------------------------------------------------------------------------


def _currency(value: object) -> str:
    try:
        return Money("0", f.text(value)).currency
    except OrderflowError as error:
        raise FieldError("", str(error)) from None


def _money(currency: str) -> f.Converter[Money]:
    """An amount: a decimal string in ``currency``, or ``{"amount": ..., "currency": ...}``."""

    def convert(value: object) -> Money:
        if not isinstance(value, dict):
            return Money(f.decimal(value), currency)
        fields = f.Fields(value)
        money = Money(fields.get("amount", f.decimal), fields.get("currency", _currency, currency))
        fields.done()
        return money

    return convert


def _option(money: f.Converter[Money], value: object) -> Option:
    fields = f.Fields(value)
    name, price = fields.get("name", f.text), fields.get("price", money)
    option = Option(name, price, fields.get("delivery_days", f.integer))
    fields.done()
    return option


def _hours(value: object) -> timedelta:
    hours = f.integer(value)
    if not 0 < hours <= MAX_WINDOW_DAYS * 24:
        raise FieldError("", f"must be a whole number of hours from 1 to {MAX_WINDOW_DAYS * 24}, not {hours}")
    return timedelta(hours=hours)


def _placement(value: object, policy: Policy) -> Placement:
    fields = f.Fields(value)
    identity = {key: fields.get(key, f.text) for key in ("id", "buyer", "seller")}
    money = _money(fields.get("currency", _currency))
    service = fields.get("service", f.Fields)
    try:
        price, days = service.get("price", money), service.get("delivery_days", f.integer)
        acceptance = service.get("acceptance_hours", _hours, None)
        service.done()
    except FieldError as error:
        raise error.within("service") from None
    optional = {key: fields.get(key, money, None) for key in ("tip", "platform_fee", "tax", "bank_fee")}
    options = fields.get("options", f.list_of(partial(_option, money)), [])
    paid_at = fields.get("paid_at", f.instant)
    fields.done()
    try:
        placement = Placement(
            order_id=identity["id"],
            buyer=identity["buyer"],
            seller=identity["seller"],
            price=price,
            delivery_days=days,
            paid_at=paid_at,
            options=tuple(options),
            acceptance_window=acceptance,
            policy=policy,
            **optional,
        )
        place_order(placement)
    except OrderflowError as error:
        raise FieldError("", f"invalid order: {error}") from None
    return placement


# --- steps --------------------------------------------------------------------------------------


def pattern(value: object, shape: Shape = SHAPE) -> Any:
    """An ``expect`` value checked against the snapshot's shape, its leaves typed like the snapshot's."""
    if value is None:
        return None
    if isinstance(shape, dict):
        fields = f.Fields(value)
        keys = fields.data if "*" in shape else shape
        found = {
            key: fields.get(key, partial(pattern, shape=shape.get(key, shape.get("*"))), f.ABSENT)
            for key in keys
        }
        fields.done()
        return {key: item for key, item in found.items() if item is not f.ABSENT}
    if isinstance(shape, list):
        return f.list_of(partial(pattern, shape=shape[0]))(value)
    if isinstance(shape, tuple):
        return f.one_of(shape, "name")(value)
    leaves: dict[str, f.Converter[Any]] = {
        "text": f.text,
        "bool": f.boolean,
        "int": f.integer,
        "amount": f.decimal,
        "time": f.instant,
    }
    return leaves[shape](value)


def _argument(hint: object, currency: str) -> f.Converter[Any]:
    """The converter of a command argument of type ``hint``; an outcome is text until the run."""
    if hint in (Money, Money | None):
        return _money(currency)
    converters: dict[object, f.Converter[Any]] = {str: f.text, int: f.integer, Outcome: f.text}
    return converters[hint]


def _args(value: object, action: str, currency: str) -> dict[str, object]:
    """The arguments of ``action``, typed; ``currency`` (default: the order's) for its amounts."""
    command = COMMANDS[action]
    hints = typing.get_type_hints(command)
    wanted = [a for a in attrs.fields(command) if a.name != "actor"]
    fields = f.Fields(value)
    if any(hints[a.name] in (Money, Money | None) for a in wanted):
        currency = fields.get("currency", _currency, currency)
    found = {
        a.name: fields.get(
            a.name,
            _argument(hints[a.name], currency),
            f.REQUIRED if a.default is attrs.NOTHING else f.ABSENT,
        )
        for a in wanted
    }
    fields.done()
    return {name: item for name, item in found.items() if item is not f.ABSENT}


def _step(value: object, previous: datetime, currency: str) -> Step:
    """One step; its time must not be before ``previous`` (the last step's time, or paid_at)."""
    fields = f.Fields(value)
    data = fields.data

    def time(key: str) -> datetime:
        at = fields.get(key, f.instant)
        if at < previous:
            raise FieldError(
                key, f"{data[key]} is before the previous step's time or paid_at ({format_instant(previous)})"
            )
        return at

    step: Step
    if "advance_to" in data:
        step = AdvanceStep(time("advance_to"), fields.get("expect", pattern, None))
    elif data.keys() & {"at", "actor", "action"}:
        at, actor = time("at"), Role(fields.get("actor", f.one_of(ACTORS, "actor")))
        action = fields.get("action", f.one_of(COMMANDS, "action"))
        fields.data.setdefault("args", {})  # a command's required arguments are missing then
        args = fields.get("args", partial(_args, action=action, currency=currency))
        expect_error = fields.get("expect_error", f.one_of(ERRORS, "error"), None)
        step = ActionStep(at, actor, action, args, expect_error, fields.get("expect", pattern, None))
    elif "expect" in data:
        step = ExpectStep(fields.get("expect", pattern))
    else:
        raise FieldError(
            "action", "missing: a step has an 'action' (with 'at' and 'actor'), 'advance_to' or 'expect'"
        )
    fields.done()
    return step


# --- the file -----------------------------------------------------------------------------------


def _rule_id(value: object) -> str:
    rule = f.text(value)
    if not rule.startswith("R-"):
        raise FieldError("", f'a rule id looks like "R-<AREA>-<number>", not {f.shown(value)}')
    return rule


def parse(data: object, source: str = "<scenario>") -> Scenario:
    """The checked scenario of a JSON value; ``MalformedScenario`` naming the step and the field."""
    try:
        top = f.Fields(data)
        top.only(("description", "rules", "policy", "order", "steps"))
        policy = top.get("policy", _policy, COMEUP)
        placement = top.get("order", partial(_placement, policy=policy))
        description = top.get("description", f.text, "")
        rules = tuple(top.get("rules", f.list_of(_rule_id), []))
        raw_steps = top.get("steps", f.list_of(lambda step: step))
        top.done()
    except FieldError as error:
        raise MalformedScenario(f"{source}: {error}") from None
    steps: list[Step] = []
    previous = placement.paid_at
    for index, raw in enumerate(raw_steps):
        try:
            step = _step(raw, previous, placement.price.currency)
        except FieldError as error:
            raise MalformedScenario(f"{source}: step {index + 1} (index {index}), {error}") from None
        previous = step.at if isinstance(step, (ActionStep, AdvanceStep)) else previous
        steps.append(step)
    return Scenario(source, placement, tuple(steps), description, rules)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    duplicate = next((key for key in keys if keys.count(key) > 1), None)
    if duplicate is not None:
        raise ValueError(f"duplicate key {duplicate!r}")
    return dict(pairs)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def loads(text: str, source: str = "<scenario>") -> Scenario:
    """The scenario of a JSON text."""
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise MalformedScenario(
            f"{source}: bad JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except ValueError as error:
        raise MalformedScenario(f"{source}: bad JSON: {error}") from None
    except RecursionError:
        raise MalformedScenario(f"{source}: bad JSON: arrays and objects nest too deeply") from None
    return parse(data, source)


def load(path: str | Path) -> Scenario:
    """The scenario of a JSON file, ``-`` for standard input (``UnreadableInput`` if it cannot be
    read: missing, not a regular file, over ``inputs.MAX_INPUT_BYTES``, not UTF-8)."""
    return loads(read_text(path), str(path))
