"""The codec's compiler: each type compiled once into an encoder to JSON values and a strict decoder.

Driven by ``attrs.fields`` and the resolved type hints, never by a hand-written function per class.
Leaves are exact: a ``Decimal`` is its string with its exponent ("40.00"), a ``datetime`` ISO 8601
with its offset (decoded to UTC), a ``timedelta`` whole microseconds, an enum its value. A tuple is
a list, a frozenset a sorted list, an attrs class an object of its fields, ``None`` null. Decoders
accept exactly what encoders write and raise ``CodecError`` naming the class and the field.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import cache
from types import UnionType
from typing import Any, TypeVar

import attrs

from ..domain.dates import EARLIEST, LATEST
from ..domain.errors import OrderflowError
from ..domain.graph import Graph, graph_for
from ..domain.limits import MAX_TEXT_LENGTH, text_problem
from ..domain.money import MAX_AMOUNT
from ..domain.order import Terms
from ..domain.policy import Policy
from ..domain.validators import shown
from ..errors import CodecError
from .checks import check_of

_MIN_AMOUNT = -MAX_AMOUNT

T = TypeVar("T")
Encode = Callable[[Any], Any]
Decode = Callable[[Any], Any]
#: A class's constant tags written before its fields, e.g. ``(("type", "OrderAccepted"), ("schema", 1))``.
Head = tuple[tuple[str, Any], ...]


class _Bad(Exception):
    """A value decoder's complaint; the class decoder adds the class and the field."""


def _same(value: T) -> T:
    return value


def _text(value: Any) -> str:
    """A string that ``limits`` admits as a text (no NUL, no lone surrogate, not too long)."""
    if type(value) is str:
        if value.isascii() and len(value) <= MAX_TEXT_LENGTH and "\x00" not in value:
            return value
        problem = text_problem(value)
        if problem is None:
            return value
        raise _Bad(f"expected a text that {problem}")
    raise _Bad(f"expected a string, got {shown(value)}")


#: Whole numbers of the model: versions, days, counts, ratings (each field checks its own range).
MAX_INT = 10**9


def _int(value: Any) -> int:
    if type(value) is int and 0 <= value <= MAX_INT:
        return value
    raise _Bad(f"expected an integer from 0 to {MAX_INT}, got {shown(value)}")


def _exactly(kind: type, what: str) -> Decode:
    """A decoder accepting only values of exactly ``kind`` (so no bool for an int, no int for a float)."""

    def decode(value: Any) -> Any:
        if type(value) is kind:
            return value
        raise _Bad(f"expected {what}, got {value!r}")

    return decode


def _decimal(value: Any) -> Decimal:
    """A decimal string as the encoder writes it (``str(Decimal)``): "40.00", "1E+3"; no float.

    Amounts, rates and caps are below 10**15 in absolute value with at most 12 decimals; the
    classes check their own amounts' sign and decimals (``checks``).
    """
    if type(value) is str and len(value) <= _DECIMAL_LENGTH:
        try:
            number = Decimal(value)
        except InvalidOperation:
            pass
        else:
            # str(number) == value: ASCII digits only, no spaces, underscores, NaN or "+".
            if number.is_finite() and str(number) == value:
                point = value.find(".")
                decimals = 0 if point < 0 else len(value) - point - 1
                if "E" in value:  # exponent notation (rare): read the exponent itself
                    exponent = number.as_tuple().exponent
                    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
                if _MIN_AMOUNT < number < MAX_AMOUNT and decimals <= 12:
                    return number
                raise _Bad(f"expected an amount below 10**15 with at most 12 decimals, got {value!r}")
    raise _Bad(f'expected a decimal string such as "40.00", got {shown(value)}')


_DECIMAL_LENGTH = 40


def _datetime(value: Any) -> datetime:
    """An ISO 8601 instant with its offset as ``isoformat`` writes it, as UTC (the core keeps
    instants in UTC), from ``dates.EARLIEST`` on (deadlines may lie past ``dates.LATEST``)."""
    # The encoder's own UTC form, told apart by its shape: "2026-01-03T10:00:00[.123456]+00:00".
    if type(value) is str and len(value) in (25, 32) and value[10] == "T" and value.endswith("+00:00"):
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if instant.tzinfo is timezone.utc and instant >= EARLIEST:
                return instant
    if type(value) is str:
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if instant.utcoffset() is None:
                raise _Bad(f"expected a datetime with a UTC offset, got the naive {value!r}")
            if instant.isoformat() != value:  # no "Z", nanoseconds cut to microseconds, spaces
                raise _Bad(f"expected an instant as isoformat writes it, got {value!r}")
            offset = instant.utcoffset()
            assert offset is not None
            try:
                instant = (instant.replace(tzinfo=None) - offset).replace(tzinfo=timezone.utc)
            except OverflowError:  # near year 1 or 9999: outside the range in any case
                instant = datetime.min.replace(tzinfo=timezone.utc)
            if instant < EARLIEST:
                raise _Bad(f"expected an instant from {EARLIEST.isoformat()}, got {value!r}")
            return instant
    raise _Bad(f"expected an ISO 8601 datetime with offset, got {shown(value)}")


_MICROSECOND = timedelta(microseconds=1)
_LONGEST = (LATEST - EARLIEST) // _MICROSECOND


def _timedelta(value: Any) -> timedelta:
    """A duration in whole microseconds, from 0 to the span of the supported instants."""
    if type(value) is int and 0 <= value <= _LONGEST:
        return timedelta(microseconds=value)
    raise _Bad(f"expected a duration as whole microseconds from 0 to {_LONGEST}, got {shown(value)}")


#: Encoder and decoder of each leaf type.
LEAVES: dict[Any, tuple[Encode, Decode]] = {
    str: (_same, _text),
    int: (_same, _int),
    bool: (_same, _exactly(bool, "true or false")),
    Decimal: (str, _decimal),
    datetime: (datetime.isoformat, _datetime),
    timedelta: (lambda duration: duration // _MICROSECOND, _timedelta),
}


def _enumcodec_of(kind: type[enum.Enum]) -> tuple[Encode, Decode]:
    members = {member.value: member for member in kind}

    def decode(value: Any) -> enum.Enum:
        member = members.get(value) if type(value) is str else None
        if member is None:
            raise _Bad(f"expected one of {list(members)}, got {value!r}")
        return member

    return (lambda member: member.value), decode


def _optionalcodec_of(inner: tuple[Encode, Decode]) -> tuple[Encode, Decode]:
    encode, decode = inner
    optional_encode = _same if encode is _same else (lambda value: None if value is None else encode(value))
    return optional_encode, lambda value: None if value is None else decode(value)


def _items(value: Any, what: str, length: int | None = None) -> list[Any]:
    if type(value) is not list or (length is not None and len(value) != length):
        raise _Bad(f"expected {what}, got {value!r}")
    return value


def _sequencecodec_of(args: tuple[Any, ...]) -> tuple[Encode, Decode]:
    """``tuple[X, ...]`` as a list of any length, ``tuple[A, B]`` as a list of exactly two."""
    if len(args) == 2 and args[1] is Ellipsis:
        encode, decode = codec_of(args[0])
        if encode is _same:
            return list, lambda value: tuple(map(decode, _items(value, "a list")))
        return (lambda value: [encode(item) for item in value]), (
            lambda value: tuple(map(decode, _items(value, "a list")))
        )
    parts = [codec_of(arg) for arg in args]
    what = f"a list of {len(parts)}"
    return (lambda value: [encode(item) for (encode, _), item in zip(parts, value, strict=True)]), (
        lambda value: tuple(
            decode(item) for (_, decode), item in zip(parts, _items(value, what, len(parts)), strict=True)
        )
    )


def _setcodec_of(item: Any) -> tuple[Encode, Decode]:
    encode, decode = codec_of(item)

    def decode_set(value: Any) -> frozenset[Any]:
        found = frozenset(map(decode, _items(value, "a list")))
        if len(found) != len(value):
            raise _Bad(f"expected a list without duplicates, got {value!r}")
        return found

    return (lambda value: sorted(map(encode, value))), decode_set


def _mappingcodec_of(value_type: Any) -> tuple[Encode, Decode]:
    encode, decode = codec_of(value_type)

    def decode_mapping(value: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping) or not all(type(key) is str for key in value):
            raise _Bad(f"expected an object, got {value!r}")
        return {key: decode(item) for key, item in value.items()}

    return (lambda value: {key: encode(item) for key, item in value.items()}), decode_mapping


@cache
def codec_of(hint: Any) -> tuple[Encode, Decode]:
    """The encoder and decoder of values of type ``hint``, built once."""
    if hint in LEAVES:
        return LEAVES[hint]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _enumcodec_of(hint)
    if attrs.has(hint):
        return class_codec(hint)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (UnionType, typing.Union) and len(args) == 2 and type(None) in args:
        return _optionalcodec_of(codec_of(next(arg for arg in args if arg is not type(None))))
    if origin is tuple:
        return _sequencecodec_of(args)
    if origin is frozenset:
        return _setcodec_of(args[0])
    if origin is dict and args[0] is str:
        return _mappingcodec_of(args[1])
    raise TypeError(f"the codec cannot encode {hint!r}")


#: Fields not stored but rebuilt from the others: an order's graph is its policy's.
_DERIVED: dict[type, dict[str, Callable[[dict[str, Any]], Any]]] = {
    Terms: {"graph": lambda values: graph_for(values["policy"])},
}


#: Classes whose decoded values are shared: many orders and events carry the same policy, and a
#: shared ``Policy`` skips its validators and has its hash and graph already at hand.
_SHARED = frozenset({Policy})
_SHARED_MAX = 256


def _shared(decode: Decode) -> Decode:
    """``decode`` remembering its results by the payload's ``repr`` (exact: 1, True and "1" differ)."""
    known: dict[str, Any] = {}

    def decode_shared(data: Any) -> Any:
        if type(data) is not dict:
            return decode(data)
        key = repr(data)
        value = known.get(key)
        if value is None:
            if len(known) >= _SHARED_MAX:
                known.clear()
            value = known[key] = decode(data)
        return value

    return decode_shared


def check_keys(owner: str, expected: frozenset[str], data: Any) -> None:
    """Raise unless ``data`` is an object with exactly the ``expected`` keys."""
    if not isinstance(data, Mapping):
        raise CodecError(f"{owner}: expected an object, got {data!r}")
    if data.keys() != expected:
        missing, extra = sorted(expected - data.keys()), sorted(data.keys() - expected)
        problems = [f"missing field {name!r}" for name in missing]
        problems += [f"unexpected field {name!r}" for name in extra]
        raise CodecError(f"{owner}: {', '.join(problems)}")


def decode_fields(owner: str, decoders: list[tuple[str, Decode]], data: Mapping[str, Any]) -> dict[str, Any]:
    """Each named field of ``data`` decoded; a bad one raises CodecError naming ``owner.field``."""
    values: dict[str, Any] = {}
    name = ""
    try:
        for name, decode in decoders:
            values[name] = decode(data[name])
    except (_Bad, CodecError) as problem:
        raise CodecError(f"{owner}.{name}: {problem}") from None
    return values


def class_codec(cls: type, head: Head = ()) -> tuple[Encode, Decode]:
    """An attrs class as an object of its stored fields, after the constant tags of ``head``."""
    hints = typing.get_type_hints(cls, localns={"Graph": Graph})
    derived = _DERIVED.get(cls, {})
    names = [field.name for field in attrs.fields(cls) if field.name not in derived]
    encoders = [(name, codec_of(hints[name])[0]) for name in names]
    decoders = [(name, codec_of(hints[name])[1]) for name in names]
    owner = cls.__name__
    expected = frozenset(names) | {key for key, _ in head}
    check = check_of(cls)

    def encode(value: Any) -> dict[str, Any]:
        data = dict(head)
        for name, encode_field in encoders:
            data[name] = encode_field(getattr(value, name))
        return data

    def decode(data: Any) -> Any:
        check_keys(owner, expected, data)
        for key, tag in head:
            found = data[key]
            if type(found) is not type(tag) or found != tag:
                raise CodecError(f"{owner}.{key}: expected {tag!r}, got {found!r}")
        values = decode_fields(owner, decoders, data)
        if check is not None:
            problem = check(values)
            if problem is not None:
                raise CodecError(f"{owner}.{problem[0]}: {problem[1]}")
        for name, derive in derived.items():
            values[name] = derive(values)
        try:
            return cls(**values)
        except OrderflowError as invalid:  # a validator or converter of the class refused a value
            raise CodecError(f"{owner}: {invalid}") from None

    return encode, _shared(decode) if cls in _SHARED else decode
