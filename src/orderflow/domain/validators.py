"""Validators at the edges: attrs validators that reject bad input with ``InvalidArgument``.

Each names the class, the field and what was expected, e.g. ``Review.rating must be an int
from 1 to 5, not 9``. Each is one function with its test written inline: they run for every
field of every command and placement, so a second call per field would double their cost.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any, NoReturn

import attrs

from .errors import InvalidArgument

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]
_ZERO = timedelta(0)


def _reject(instance: object, attribute: attrs.Attribute[Any], expectation: str, value: object) -> NoReturn:
    raise InvalidArgument(f"{type(instance).__name__}.{attribute.name} must be {expectation}, not {value!r}")


def instance_of(kind: type) -> Validator:
    expectation = f"a {kind.__name__}"

    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind):
            _reject(instance, attribute, expectation, value)

    return validate


def optional(kind: type) -> Validator:
    expectation = f"None or a {kind.__name__}"

    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and not isinstance(value, kind):
            _reject(instance, attribute, expectation, value)

    return validate


def tuple_of(kind: type) -> Validator:
    expectation = f"a tuple of {kind.__name__}"

    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not (isinstance(value, tuple) and all(isinstance(item, kind) for item in value)):
            _reject(instance, attribute, expectation, value)

    return validate


def int_in(low: int, high: int, what: str = "an int") -> Validator:
    expectation = f"{what} from {low} to {high}"

    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not (isinstance(value, int) and not isinstance(value, bool) and low <= value <= high):
            _reject(instance, attribute, expectation, value)

    return validate


def non_empty_text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, str) and value.strip()):
        _reject(instance, attribute, "a non-empty string", value)


def text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        _reject(instance, attribute, "a string", value)


whole_days = int_in(0, 3650, "a whole number of days")


def positive_int(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        _reject(instance, attribute, "a positive int", value)


def optional_positive_int(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        _reject(instance, attribute, "None or a positive int", value)


def positive_duration(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, timedelta) and value > _ZERO):
        _reject(instance, attribute, "a positive timedelta", value)


def positive_decimal(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, Decimal) and value.is_finite() and value > 0):
        _reject(instance, attribute, "a positive Decimal", value)


def rate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, Decimal) and 0 <= value <= 1):
        _reject(instance, attribute, "a Decimal from 0 to 1", value)
