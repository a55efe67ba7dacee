"""Validators at the edges: attrs validators that reject bad input with ``InvalidArgument``.

Each names the class, the field and what was expected, e.g. ``Review.rating must be an int
from 1 to 5, not 9``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import attrs

from .errors import InvalidArgument

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def must(test: Callable[[Any], bool], expectation: str) -> Validator:
    """A validator that raises InvalidArgument unless ``test(value)``."""

    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not test(value):
            raise InvalidArgument(
                f"{type(instance).__name__}.{attribute.name} must be {expectation}, not {value!r}"
            )

    return validate


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def instance_of(kind: type) -> Validator:
    return must(lambda value: isinstance(value, kind), f"a {kind.__name__}")


def optional(kind: type) -> Validator:
    return must(lambda value: value is None or isinstance(value, kind), f"None or a {kind.__name__}")


def tuple_of(kind: type) -> Validator:
    return must(
        lambda value: isinstance(value, tuple) and all(isinstance(item, kind) for item in value),
        f"a tuple of {kind.__name__}",
    )


def int_in(low: int, high: int, what: str = "an int") -> Validator:
    return must(lambda value: _is_int(value) and low <= value <= high, f"{what} from {low} to {high}")


non_empty_text = must(lambda value: isinstance(value, str) and bool(value.strip()), "a non-empty string")
text = must(lambda value: isinstance(value, str), "a string")
whole_days = int_in(0, 3650, "a whole number of days")
positive_int = must(lambda value: _is_int(value) and value >= 1, "a positive int")
optional_positive_int = must(
    lambda value: value is None or (_is_int(value) and value >= 1), "None or a positive int"
)
positive_duration = must(
    lambda value: isinstance(value, timedelta) and value > timedelta(0), "a positive timedelta"
)
positive_decimal = must(
    lambda value: isinstance(value, Decimal) and value.is_finite() and value > 0, "a positive Decimal"
)
rate = must(lambda value: isinstance(value, Decimal) and 0 <= value <= 1, "a Decimal from 0 to 1")
