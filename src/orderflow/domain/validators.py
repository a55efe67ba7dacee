"""Validators at the edges: attrs validators that reject bad input with ``InvalidArgument``.

Each names the class, the field and what was expected, e.g. ``Review.rating must be an int
from 1 to 5, not 9``. Each is one function with its test written inline: they run for every
field of every command and placement, so a second call per field would double their cost.
Ids and texts follow ``limits`` (the one definition shared with the storages); durations and
counts follow the supported ranges of ``dates`` and ``money`` (docs/model.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any, NoReturn, TypeVar

import attrs

from .dates import MAX_MONTHS, MAX_WINDOW_DAYS
from .drafts import Inline
from .errors import InvalidArgument
from .limits import MAX_ID_LENGTH, MAX_TEXT_LENGTH, id_problem, text_problem
from .money import MAX_AMOUNT

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]
V = TypeVar("V", bound=Validator)
_ZERO = timedelta(0)
_LONGEST = timedelta(days=MAX_WINDOW_DAYS)
_SHOWN = 60  # characters of a refused value shown in a message


def proven(template: str, **names: object) -> Callable[[V], V]:
    """Give the decorated validator an inline proof (``drafts.Inline``): an expression that, when
    true, shows the validator passes, so that ``fast_init``'s ``__init__`` can skip the call."""

    def attach(validator: V) -> V:
        validator.inline = Inline(template, **names)  # type: ignore[attr-defined]
        return validator

    return attach


def shown(value: object) -> str:
    """``repr(value)``, cut short: a refused megabyte id must not make a megabyte message."""
    text = repr(value)
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}... ({len(text)} characters)"


def _reject(instance: object, attribute: attrs.Attribute[Any], expectation: str, value: object) -> NoReturn:
    raise InvalidArgument(
        f"{type(instance).__name__}.{attribute.name} must be {expectation}, not {shown(value)}"
    )


def instance_of(kind: type) -> Validator:
    expectation = f"a {kind.__name__}"

    @proven("type({v}) is {kind}", kind=kind)
    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind):
            _reject(instance, attribute, expectation, value)

    return validate


def optional(kind: type) -> Validator:
    expectation = f"None or a {kind.__name__}"

    @proven("{v} is None or type({v}) is {kind}", kind=kind)
    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and not isinstance(value, kind):
            _reject(instance, attribute, expectation, value)

    return validate


def tuple_of(kind: type) -> Validator:
    expectation = f"a tuple of {kind.__name__}"

    # proven for the usual tuples, of no item or one: no generator
    @proven("type({v}) is tuple and (not {v} or (len({v}) == 1 and type({v}[0]) is {kind}))", kind=kind)
    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not (isinstance(value, tuple) and all(isinstance(item, kind) for item in value)):
            _reject(instance, attribute, expectation, value)

    return validate


def int_in(low: int, high: int, what: str = "an int") -> Validator:
    expectation = f"{what} from {low} to {high}"

    @proven("type({v}) is int and {low} <= {v} <= {high}", low=low, high=high)
    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not (isinstance(value, int) and not isinstance(value, bool) and low <= value <= high):
            _reject(instance, attribute, expectation, value)

    return validate


@proven(
    "type({v}) is str and len({v}) <= {most} and {v}.isascii() and {v}.isprintable() and {v}.strip()",
    most=MAX_ID_LENGTH,
)
def identifier(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An id (order, party, offer): ``limits.id_problem``."""
    problem = id_problem(value)
    if problem is not None:
        _reject(instance, attribute, f"an id ({problem})", value)


@proven(
    "type({v}) is str and len({v}) <= {most} and {v}.isascii() and '\\x00' not in {v} and {v}.strip()",
    most=MAX_TEXT_LENGTH,
)
def non_empty_text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A free text that says something (a reason, a name): ``limits.text_problem``, not blank."""
    problem = text_problem(value)
    if problem is not None or not str(value).strip():
        _reject(instance, attribute, f"a non-empty text ({problem or 'blank'})", value)


def text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A free text, maybe empty (a review): ``limits.text_problem``."""
    problem = text_problem(value)
    if problem is not None:
        _reject(instance, attribute, f"a text ({problem})", value)


whole_days = int_in(0, MAX_WINDOW_DAYS, "a whole number of days")
months = int_in(1, MAX_MONTHS, "a number of calendar months")
version = int_in(1, 10**9, "a version")
count = int_in(1, 10**6, "a count")


def optional_count(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not (
        isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 10**6
    ):
        _reject(instance, attribute, "None or a count from 1 to 1000000", value)


@proven("type({v}) is {kind} and {zero} < {v} <= {longest}", kind=timedelta, zero=_ZERO, longest=_LONGEST)
def window(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A duration of a policy or a service: positive, at most ``dates.MAX_WINDOW_DAYS``."""
    if not (isinstance(value, timedelta) and _ZERO < value <= _LONGEST):
        _reject(instance, attribute, f"a positive timedelta of at most {MAX_WINDOW_DAYS} days", value)


@proven("{v} is None")
def optional_window(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        window(instance, attribute, value)


def positive_amount(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A positive ``Decimal`` below ``money.MAX_AMOUNT`` (a cap on amounts)."""
    if not (isinstance(value, Decimal) and value.is_finite() and 0 < value < MAX_AMOUNT):
        _reject(instance, attribute, "a positive Decimal below 10**15", value)


def rate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A ``Decimal`` from 0 to 1 with at most 12 decimals (so that a rate of an amount is exact)."""
    if not (
        isinstance(value, Decimal)
        and value.is_finite()
        and 0 <= value <= 1
        and value.as_tuple().exponent >= -12  # type: ignore[operator]
    ):
        _reject(instance, attribute, "a Decimal from 0 to 1 with at most 12 decimals", value)
