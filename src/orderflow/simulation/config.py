"""Simulation settings from a JSON or TOML file (or ``--set`` options), strictly validated.

A file has up to five sections: ``market`` (``population.Market``), ``seller``, ``buyer`` and
``mediator`` (``behaviour``), and ``policy`` (overrides of the preset's settings; durations in
days, ``revision_cap = "none"`` for no cap). Delays are tables ``{median_hours, spread}``. Every
unknown key and every bad value is an ``InvalidBehaviour`` naming the key, e.g.
``seller.accept_probability: must be a probability from 0 to 1, not 1.5``.

``seller.segments`` and ``buyer.segments`` are tables of named segments, each with a ``share``
of the parties (the shares add up to 1; one segment may take ``share = "rest"``) and any of its
section's settings, which override the section's own for that segment's parties::

    [seller.segments.slow]
    share = 0.2
    on_time_probability = 0.5
    late_by = { median_hours = 72 }   # a delay's unset half is the section's

    [seller.segments.usual]
    share = "rest"

``changes`` lists the settings in which a run differs from the defaults, as ``--set`` writes them.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import attrs

from ..domain.dates import MAX_WINDOW_DAYS
from ..domain.errors import InvalidArgument
from ..domain.policy import PRESETS, Policy
from ..errors import UnreadableInput
from ..inputs import read_text
from .behaviour import (
    Behaviour,
    BuyerBehaviour,
    Delay,
    InvalidBehaviour,
    MediatorBehaviour,
    Segment,
    SellerBehaviour,
)
from .population import Market

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the simulation extra installs tomli
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

_SECTIONS: dict[str, type] = {
    "market": Market,
    "seller": SellerBehaviour,
    "buyer": BuyerBehaviour,
    "mediator": MediatorBehaviour,
}
#: Policy settings a simulation may not change: its identity, and reminders (which the
#: simulation does not model).
_FIXED_POLICY = ("name", "version", "reminders")


@attrs.frozen
class Config:
    """Loaded settings: the market, the parties' behaviour and the policy overrides."""

    market: Market = attrs.field(factory=Market)
    behaviour: Behaviour = attrs.field(factory=Behaviour)
    policy_overrides: tuple[tuple[str, Any], ...] = ()

    def policy(self, base: Policy) -> Policy:
        """``base`` with the overrides applied."""
        changes: dict[str, Any] = dict(self.policy_overrides)
        return attrs.evolve(base, **changes) if changes else base


def load(path: Path, overrides: Mapping[str, object] | None = None) -> Config:
    """The settings of a ``.json`` or ``.toml`` file, then ``overrides`` (dotted keys)."""
    if path.suffix not in (".json", ".toml"):
        raise InvalidBehaviour("file", f"{path}: a behaviour file ends in .json or .toml")
    try:
        text = read_text(path)
    except UnreadableInput as error:
        raise InvalidBehaviour("file", str(error)) from None
    try:
        if path.suffix == ".json":
            raw = json.loads(text, parse_constant=_not_finite)
        else:
            raw = tomllib.loads(text, parse_float=_finite_float)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, ValueError) as error:
        raise InvalidBehaviour("file", f"{path}: {error}") from None
    except RecursionError:
        raise InvalidBehaviour("file", f"{path}: tables nest too deeply") from None
    return parse(raw, overrides)


def _not_finite(word: str) -> object:
    raise ValueError(f"{word} is not a finite number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is not a finite number")
    return number


def apply(raw: object, overrides: Mapping[str, object] | None = None) -> dict[str, Any]:
    """A copy of the sections ``raw``, with ``overrides`` (``{"seller.x": 0.5}``) set in it."""
    try:
        sections = _copy(_table(raw, "file"), "file")
    except RecursionError:
        raise InvalidBehaviour("file", "tables nest too deeply") from None
    for dotted, value in (overrides or {}).items():
        *path, last = dotted.split(".")
        if not path:
            raise InvalidBehaviour(dotted, "name a setting as section.key, e.g. seller.accept_probability")
        target = sections
        for depth, part in enumerate(path):
            inner = target.setdefault(part, {})
            if not isinstance(inner, dict):  # market.orders=5, then market.orders.x=1
                if not depth:
                    raise InvalidBehaviour(dotted, f"{path[0]} is not a table of settings")
                where = ".".join(path[: depth + 1])
                raise InvalidBehaviour(dotted, f"{where} is a single setting, not a table of settings")
            target = inner
        target[last] = value
    return sections


def _copy(table: Mapping[str, Any], key: str) -> dict[str, Any]:
    return {
        name: _copy(value, name) if isinstance(value, Mapping) else value for name, value in table.items()
    }


def parse(raw: object, overrides: Mapping[str, object] | None = None) -> Config:
    """The settings of a mapping of sections, then ``overrides`` (``{"seller.x": 0.5}``)."""
    sections = apply(raw, overrides)
    for name, body in sections.items():
        _table(body, name)
    unknown = sorted(set(sections) - {*_SECTIONS, "policy"})
    if unknown:
        raise InvalidBehaviour(unknown[0], f"unknown section; one of {[*_SECTIONS, 'policy']}")
    segments = {role: sections.get(role, {}).pop("segments", {}) for role in ("seller", "buyer")}
    built = {name: _build(cls, sections.get(name, {}), name) for name, cls in _SECTIONS.items()}
    behaviour = Behaviour(
        built["seller"],
        built["buyer"],
        built["mediator"],
        _segments(SellerBehaviour, "seller", sections.get("seller", {}), segments["seller"]),
        _segments(BuyerBehaviour, "buyer", sections.get("buyer", {}), segments["buyer"]),
    )
    return Config(built["market"], behaviour, _policy_overrides(sections.get("policy", {})))


def _segments(cls: type, section: str, base: Mapping[str, Any], raw: object) -> tuple[Segment[Any], ...]:
    """The segments of ``section``: each its share, and the section's settings ``base`` with its own."""
    table = _table(raw, f"{section}.segments")
    bodies = {name: dict(_table(body, f"{section}.segments.{name}")) for name, body in table.items()}
    for name, body in bodies.items():
        if "share" not in body:
            raise InvalidBehaviour(f"{section}.segments.{name}.share", "missing: a segment needs a share")
    rest = [name for name, body in bodies.items() if body["share"] == "rest"]
    if len(rest) > 1:
        raise InvalidBehaviour(f"{section}.segments.{rest[1]}.share", 'only one segment may take the "rest"')
    given = [body["share"] for body in bodies.values() if body["share"] != "rest"]
    if not all(isinstance(share, (int, float)) and not isinstance(share, bool) for share in given):
        wrong = next(
            n for n, b in bodies.items() if b["share"] != "rest" and not isinstance(b["share"], (int, float))
        )
        raise InvalidBehaviour(
            f"{section}.segments.{wrong}.share", f'must be a number or "rest", not {bodies[wrong]["share"]!r}'
        )
    segments = []
    for name, body in bodies.items():
        share = body.pop("share")
        merged = dict(base)
        for key, value in body.items():  # a delay's unset half is the section's
            inner = merged.get(key)
            merged[key] = (
                {**inner, **value} if isinstance(inner, Mapping) and isinstance(value, Mapping) else value
            )
        behaviour = _build(cls, merged, f"{section}.segments.{name}")
        segments.append(Segment(name, 1 - math.fsum(given) if share == "rest" else share, behaviour))
    return tuple(segments)


def _table(value: object, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidBehaviour(key, f"must be a table of settings, not {value!r}")
    return value


def _build(cls: type, values: Mapping[str, Any], section: str) -> Any:
    fields = {field.name: field for field in attrs.fields(cls)}
    arguments: dict[str, Any] = {}
    for key, value in values.items():
        field = fields.get(key)
        if field is None:
            raise InvalidBehaviour(f"{section}.{key}", f"unknown setting; one of {sorted(fields)}")
        arguments[key] = _value(field.default, value, f"{section}.{key}")
    try:
        return cls(**arguments)
    except InvalidBehaviour as error:
        raise InvalidBehaviour(f"{section}.{error.key}", str(error).split(": ", 1)[1]) from None


#: The supported range of numeric settings: a fraction within ±1e6, a whole number within ±1e12
#: (``market.orders`` of a big run), and tighter bounds where a setting feeds an exponential or
#: a count of days, so that no draw overflows a float or a ``timedelta``.
_NUMBER_LIMIT = 1e6
_WHOLE_LIMIT = 10**12
_BOUNDS: dict[str, tuple[float, float]] = {
    "spread": (0.0, 3.0),
    "price_spread": (0.0, 3.0),
    "median_hours": (0.0, MAX_WINDOW_DAYS * 24.0),
    "popularity": (0.0, 10.0),
    "rate_per_day": (1e-3, 1e6),
}


def _bounded(key: str, value: object) -> None:
    """Refuse a number outside the supported range of the setting ``key`` names."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    limit = _WHOLE_LIMIT if isinstance(value, int) else _NUMBER_LIMIT
    low, high = _BOUNDS.get(key.rsplit(".", 1)[-1], (-limit, limit))
    if not (math.isfinite(value) and low <= value <= high):
        raise InvalidBehaviour(key, f"must be a number from {low:g} to {high:g}, not {value!r}")


def _value(default: object, value: object, key: str) -> object:
    """``value`` in the type of the setting whose default is ``default``."""
    _bounded(key, value)
    if isinstance(default, Delay):
        return _build(Delay, {**attrs.asdict(default), **_table(value, key)}, key)  # unset: as the default
    if isinstance(default, tuple):
        if not isinstance(value, list):
            raise InvalidBehaviour(key, f"must be a list, not {value!r}")
        return tuple(value)
    if isinstance(default, datetime):
        try:
            return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise InvalidBehaviour(
                key, f"must be an ISO 8601 instant with an offset, not {value!r}"
            ) from None
    return value


def _policy_overrides(values: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    fields = {f.name: f for f in attrs.fields(Policy) if f.name not in _FIXED_POLICY}
    overrides: list[tuple[str, Any]] = []
    for key, value in sorted(values.items()):
        field = fields.get(key)
        if field is None:
            raise InvalidBehaviour(f"policy.{key}", f"unknown or fixed setting; one of {sorted(fields)}")
        overrides.append((key, _policy_value(field.default, value, f"policy.{key}")))
    try:
        checked: dict[str, Any] = dict(overrides)
        attrs.evolve(Policy(name="check", version=1), **checked)
    except InvalidArgument as error:
        key = next((k for k, _ in overrides if f".{k} " in str(error)), overrides[0][0])
        raise InvalidBehaviour(f"policy.{key}", str(error)) from None
    return tuple(overrides)


def _policy_value(default: object, value: object, key: str) -> object:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, timedelta):
        if not number or not 0 < value <= MAX_WINDOW_DAYS:  # type: ignore[operator]
            raise InvalidBehaviour(
                key, f"must be a number of days from 0 to {MAX_WINDOW_DAYS}, not {value!r}"
            )
        return timedelta(days=value)  # type: ignore[arg-type]
    if isinstance(default, Decimal):
        try:
            decimal = Decimal(str(value)) if number or isinstance(value, str) else None
        except InvalidOperation:
            decimal = None
        if decimal is None or not decimal.is_finite() or (isinstance(value, str) and not value.isascii()):
            raise InvalidBehaviour(key, f"must be a finite decimal number, not {value!r}")
        return decimal
    if default is None and value == "none":  # revision_cap: no cap
        return None
    return value


def changes(market: Market, behaviour: Behaviour, policy: Policy | None = None) -> dict[str, object]:
    """The settings that differ from the defaults (segments: from their section), by dotted key,
    valued as ``--set`` reads them: ``{"seller.segments.slow.share": 0.2, ...}``."""
    found: dict[str, object] = {}
    _differences(found, "market", market, Market())
    for section in ("seller", "buyer", "mediator"):
        _differences(found, section, getattr(behaviour, section), getattr(Behaviour(), section))
    for role, segments in (("seller", behaviour.seller_segments), ("buyer", behaviour.buyer_segments)):
        for segment in segments:
            found[f"{role}.segments.{segment.name}.share"] = segment.share
            _differences(
                found, f"{role}.segments.{segment.name}", segment.behaviour, getattr(behaviour, role)
            )
    preset = None if policy is None else PRESETS.get(policy.name)
    if policy is not None and preset is not None:
        for field in attrs.fields(Policy):
            value = getattr(policy, field.name)
            if field.name not in _FIXED_POLICY and value != getattr(preset, field.name):
                found[f"policy.{field.name}"] = _plain(value)
    return found


def _differences(found: dict[str, object], prefix: str, value: Any, default: Any) -> None:
    for field in attrs.fields(type(value)):
        mine, theirs = getattr(value, field.name), getattr(default, field.name)
        if mine == theirs:
            continue
        if isinstance(mine, Delay):
            _differences(found, f"{prefix}.{field.name}", mine, theirs)
        else:
            found[f"{prefix}.{field.name}"] = _plain(mine)


def _plain(value: object) -> object:
    """A setting's value as a settings file writes it."""
    if isinstance(value, timedelta):
        days = value / timedelta(days=1)
        return int(days) if days == int(days) else days
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return "none" if value is None else value
