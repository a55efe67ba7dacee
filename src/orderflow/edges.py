"""The checks every storage applies at its edge, so that memory, SQLite, PostgreSQL and a host's
own adapter refuse exactly the same inputs with the same error: ids and idempotency keys as
``orderflow.domain.limits`` defines them, and the texts inside events (no NUL, no lone surrogate:
what PostgreSQL cannot store and SQLite cannot encode). A refused input raises ``InvalidArgument``
(a ``Rejection``: the input is wrong; nothing was written). ``orderflow.ports`` re-exports them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from .domain.decision import Decision
from .domain.limits import (
    MAX_ID_LENGTH,
    MAX_KEY_LENGTH,
    MAX_TEXT_LENGTH,
    id_problem,
    key_problem,
    text_problem,
)
from .errors import InvalidArgument

__all__ = ["check_decision", "check_id", "check_key", "clean_error"]


def check_id(order_id: object, what: str = "order id") -> str:
    """``order_id`` if ``orderflow.domain.limits`` accepts it, else ``InvalidArgument``: every
    store calls it first, so that all storages refuse the same ids with the same error."""
    if _plain(order_id, MAX_ID_LENGTH):
        return order_id  # type: ignore[return-value]
    if (problem := id_problem(order_id)) is not None:
        raise InvalidArgument(f"{what} {_shown(order_id)} {problem}")
    return order_id  # type: ignore[return-value]


def check_key(key: object) -> str:
    """``key`` if it is a usable idempotency key, else ``InvalidArgument``."""
    if _plain(key, MAX_KEY_LENGTH):
        return key  # type: ignore[return-value]
    if (problem := key_problem(key)) is not None:
        raise InvalidArgument(f"idempotency key {_shown(key)} {problem}")
    return key  # type: ignore[return-value]


def _plain(value: object, max_length: int) -> bool:
    """The common case, decided fast: printable ASCII, not blank, short enough (then
    ``id_problem`` finds nothing wrong; anything else goes through it)."""
    return (
        type(value) is str
        and len(value) <= max_length
        and value.isascii()
        and value.isprintable()
        and bool(value.strip())
    )


def check_decision(order_id: object, decision: Decision) -> str:
    """``order_id`` checked as by ``check_id``, and every string inside the decision's events
    checked as a text (no NUL, no lone surrogate: what PostgreSQL cannot store and SQLite cannot
    encode), else ``InvalidArgument`` naming the event and field. Every ``append`` calls it."""
    checked = check_id(order_id)
    for event in decision.events:
        if (problem := _text_problem_in(event)) is not None:
            raise InvalidArgument(problem)
    return checked


def clean_error(error: str) -> str:
    """An error text an operator will read, made storable everywhere: NULs dropped, lone
    surrogates replaced, at most ``MAX_TEXT_LENGTH`` characters."""
    text = error.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return text[:MAX_TEXT_LENGTH]


#: Values that hold no string: skipped at once.
_ATOMS = frozenset({int, bool, float, Decimal, datetime, timedelta, type(None)})


def _text_problem_in(event: object) -> str | None:
    """What is wrong with the first unstorable string inside ``event`` (its fields, tuples and
    attrs values within), named by its path; None when every string is fine. A fast pass finds
    whether any string is wrong; only then a second one builds the path."""
    if not _holds_bad_text(event):
        return None
    for path, text in _strings(event, type(event).__name__):
        if (problem := text_problem(text)) is not None:
            return f"{path} {problem}"
    return None  # pragma: no cover - the fast pass found one


def _holds_bad_text(value: object) -> bool:
    kind = type(value)
    if kind is str:
        text: str = value  # type: ignore[assignment]
        if len(text) <= MAX_TEXT_LENGTH and text.isascii() and "\x00" not in text:
            return False
        return text_problem(text) is not None
    if kind in _ATOMS:
        return False
    # Explicit loops, not any(): this runs on every append and a generator costs twice as much.
    if kind is tuple:
        for item in value:  # type: ignore[attr-defined]  # noqa: SIM110
            if _holds_bad_text(item):
                return True
        return False
    for name in _text_fields(kind):  # noqa: SIM110
        if _holds_bad_text(getattr(value, name)):
            return True
    return False


def _strings(value: object, path: str) -> Iterator[tuple[str, str]]:
    """Every string reachable in ``value`` (fields, tuples of values), with its path."""
    if type(value) is str:
        yield path, value
    elif type(value) is tuple:
        for n, item in enumerate(value):
            yield from _strings(item, f"{path}[{n}]")
    else:
        for name in _field_names(type(value)):
            yield from _strings(getattr(value, name), f"{path}.{name}")


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_TEXT_FIELDS: dict[type, tuple[str, ...]] = {}
#: Field annotations that can hold no string (attrs keeps them as written: strings here).
_NO_TEXT = frozenset(
    f"{name}{optional}"
    for name in ("datetime", "Decimal", "int", "bool", "float", "timedelta")
    for optional in ("", " | None")
)


def _text_fields(cls: type) -> tuple[str, ...]:
    """The attrs fields of ``cls`` that may hold a string, or a value holding one."""
    names = _TEXT_FIELDS.get(cls)
    if names is None:
        kept = set(_field_names(cls))
        if kept:
            kept -= {field.name for field in attrs.fields(cls) if str(field.type) in _NO_TEXT}
        names = _TEXT_FIELDS[cls] = tuple(name for name in _field_names(cls) if name in kept)
    return names


def _field_names(cls: type) -> tuple[str, ...]:
    """The attrs fields of ``cls`` (none for anything else: enums, other values)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        plain = issubclass(cls, enum.Enum) or not attrs.has(cls)
        names = _FIELD_NAMES[cls] = () if plain else tuple(field.name for field in attrs.fields(cls))
    return names


def _shown(value: object) -> str:
    """A short repr for an error message (a 1 MB id is not repeated in full)."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:50]}...({len(text)} characters)"
