"""Reading JSON values into typed ones: strings, whole numbers, decimal amounts, instants, durations.

Every converter raises ``FieldError`` without a field name; ``Fields.get`` adds the key, and the
enclosing readers add their own, so a message names the whole path (``order.options[0].price``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from ..domain.limits import text_problem
from .durations import parse_duration, parse_instant
from .errors import FieldError

T = TypeVar("T")
Converter = Callable[[Any], T]
REQUIRED: Any = object()  # ``Fields.get``'s default: the key must be there
ABSENT: Any = object()  # ``Fields.get``'s default: tell an absent key apart from any value

_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")  # ASCII: "\d" matches any script's digits


def shown(value: object) -> str:
    """A JSON value as the file wrote it, for messages (cut short: a message stays one short line)."""
    if not isinstance(value, (str, int, float, bool, type(None))):
        return type(value).__name__
    written = json.dumps(value)
    return written if len(written) <= _SHOWN else f"{written[:_SHOWN]}... ({len(written)} characters)"


_SHOWN = 60


def text(value: object) -> str:
    """A string that ``limits`` admits as a text (no NUL, no lone surrogate, not too long)."""
    if not isinstance(value, str):
        raise FieldError("", f"must be a string, not {shown(value)}")
    problem = text_problem(value)
    if problem is not None:
        raise FieldError("", f"the string {problem}")
    return value


def boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise FieldError("", f"must be true or false, not {shown(value)}")
    return value


def integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError("", f"must be a whole number, not {shown(value)}")
    return value


def decimal(value: object) -> Decimal:
    """An amount: a decimal string such as ``"40.00"`` (a JSON number could have lost precision)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise FieldError("", f'amounts are decimal strings such as "40.00", not the number {shown(value)}')
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
        raise FieldError("", f'must be a decimal string such as "40.00", not {shown(value)}')
    return Decimal(value)


def instant(value: object) -> datetime:
    try:
        return parse_instant(text(value))
    except ValueError as error:
        raise FieldError("", str(error)) from None


def duration(value: object) -> timedelta:
    try:
        return parse_duration(text(value))
    except ValueError as error:
        raise FieldError("", str(error)) from None


def one_of(names: Iterable[str], what: str) -> Converter[str]:
    """A converter accepting one of ``names`` only."""
    allowed = tuple(names)

    def convert(value: object) -> str:
        if text(value) not in allowed:
            raise FieldError("", f"unknown {what} {shown(value)}; one of {', '.join(allowed)}")
        return str(value)

    return convert


def list_of(convert: Converter[T]) -> Converter[list[T]]:
    """A converter of a JSON list whose items ``convert`` reads; errors name the item's index."""

    def convert_all(value: object) -> list[T]:
        if not isinstance(value, list):
            raise FieldError("", f"must be a list, not {shown(value)}")
        items = []
        for index, item in enumerate(value):
            try:
                items.append(convert(item))
            except FieldError as error:
                raise error.within(f"[{index}]") from None
        return items

    return convert_all


class Fields:
    """A JSON object read key by key; ``done`` rejects the keys nobody read."""

    def __init__(self, value: object) -> None:
        if not isinstance(value, dict):
            raise FieldError("", f"must be an object, not {shown(value)}")
        self.data: dict[str, Any] = dict(value)
        self.read: list[str] = []

    def get(self, key: str, convert: Converter[T], default: Any = REQUIRED) -> T:
        """``convert`` of the value at ``key``; ``default`` if absent (REQUIRED: it must be there)."""
        self.read.append(key)
        if key not in self.data:
            if default is REQUIRED:
                raise FieldError(key, "missing")
            result: T = default
            return result
        try:
            return convert(self.data[key])
        except FieldError as error:
            raise error.within(key) from None

    def done(self) -> None:
        """Reject the keys nobody read."""
        self.only(self.read)

    def only(self, keys: Iterable[str]) -> None:
        """Reject every key but ``keys``."""
        known = list(keys)
        unknown = [key for key in self.data if key not in known]
        if unknown:
            raise FieldError(unknown[0], f"unknown key; expected one of {', '.join(known)}")
