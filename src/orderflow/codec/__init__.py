"""The JSON codec of persistence: events, effects, commands, order snapshots and errors as JSON values.

Storage adapters and hosts keep what orderflow produces as JSON (docs/persistence.md). Each tagged
family maps its public names (event type, effect kind, command action, error class) to classes
compiled by ``compiler``; ``dumps`` writes canonical JSON and ``fingerprint`` hashes a request for
idempotency checks. Decoding is strict and raises ``CodecError``; it never evaluates its input.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from ..domain.catalogue import EFFECTS, ERRORS, EVENTS
from ..domain.commands import COMMANDS, Command
from ..domain.effects import Effect
from ..domain.errors import InvalidArgument, OrderflowError, Refusal
from ..domain.events import SCHEMA_VERSION, Event
from ..domain.limits import id_problem
from ..domain.order import Order
from ..errors import CodecError
from .compiler import LEAVES, Decode, Encode, check_keys, class_codec, codec_of, decode_fields

__all__ = [
    "CodecError",
    "decode_command",
    "decode_effect",
    "decode_error",
    "decode_event",
    "decode_order",
    "dumps",
    "encode_command",
    "encode_effect",
    "encode_error",
    "encode_event",
    "encode_order",
    "fingerprint",
    "loads",
]

T = TypeVar("T")
SCHEMA = "schema"


class _Family(Generic[T]):
    """Classes told apart by a ``tag`` key naming them, e.g. ``{"kind": "refund", ...}``."""

    def __init__(
        self, what: str, registry: Mapping[str, type[T]], tag: str, *, versioned: bool = False
    ) -> None:
        self.what, self.tag = what, tag
        self.by_name = {
            name: class_codec(cls, ((tag, name), (SCHEMA, SCHEMA_VERSION)) if versioned else ((tag, name),))
            for name, cls in registry.items()
        }
        self.by_class = {cls: self.by_name[name] for name, cls in registry.items()}

    def encode(self, value: T) -> dict[str, Any]:
        codec = self.by_class.get(type(value))
        if codec is None:
            raise CodecError(f"cannot encode {type(value).__name__}: not a public {self.what} class")
        return codec[0](value)  # type: ignore[no-any-return]

    def decode(self, data: Mapping[str, Any]) -> T:
        if not isinstance(data, Mapping):
            raise CodecError(f"expected an object with a {self.tag!r}, got {data!r}")
        name = data.get(self.tag)
        codec = self.by_name.get(name) if type(name) is str else None
        if codec is None:
            problem = f"unknown {self.tag} {name!r}" if self.tag in data else f"missing field {self.tag!r}"
            raise CodecError(f"{self.what}: {problem}")
        return codec[1](data)  # type: ignore[no-any-return]


_EVENTS = _Family("event", EVENTS, "type", versioned=True)
_EFFECTS = _Family("effect", EFFECTS, "kind")
_COMMANDS = _Family("command", COMMANDS, "action")
_ORDER = class_codec(Order, ((SCHEMA, SCHEMA_VERSION),))


def encode_event(event: Event) -> dict[str, Any]:
    """``{"type": "OrderAccepted", "schema": 1, "at": ..., ...fields}``."""
    return _EVENTS.encode(event)


def decode_event(data: Mapping[str, Any]) -> Event:
    """The event ``encode_event`` wrote; another ``schema`` than ``SCHEMA_VERSION`` raises CodecError."""
    return _EVENTS.decode(data)


def encode_effect(effect: Effect) -> dict[str, Any]:
    """``{"kind": "wallet_credit", ...fields}``; money as ``{"amount": "55.00", "currency": "EUR"}``."""
    return _EFFECTS.encode(effect)


def decode_effect(data: Mapping[str, Any]) -> Effect:
    return _EFFECTS.decode(data)


def encode_command(command: Command) -> dict[str, Any]:
    """``{"action": "review", "actor": "buyer", ...arguments}``."""
    return _COMMANDS.encode(command)


def decode_command(data: Mapping[str, Any]) -> Command:
    """The command ``encode_command`` wrote, checked by its constructor (refusals as CodecError)."""
    return _COMMANDS.decode(data)


def encode_order(order: Order) -> dict[str, Any]:
    """A snapshot: every field of the order, its terms' policy in full (the graph is not stored)."""
    return _ORDER[0](order)  # type: ignore[no-any-return]


def decode_order(data: Mapping[str, Any]) -> Order:
    """The order of a snapshot, its graph rebuilt from its own policy."""
    return _ORDER[1](data)  # type: ignore[no-any-return]


#: Every error class by name: the core's, and the codec's own.
_ERRORS: dict[str, type[OrderflowError]] = {**ERRORS, CodecError.__name__: CodecError}
_REFUSAL_TYPES: dict[str, Any] = {
    "state": str,
    "action": str,
    "actor": str,
    "allowed": dict[str, tuple[str, ...]],
}
#: What a refusal carries besides its message.
_REFUSAL: dict[str, tuple[Encode, Decode]] = {name: codec_of(hint) for name, hint in _REFUSAL_TYPES.items()}
_REFUSAL_DECODERS = [(name, decode) for name, (_, decode) in _REFUSAL.items()]
_ERROR_KEYS = frozenset({"error", "message"})
_REFUSAL_KEYS = _ERROR_KEYS | set(_REFUSAL)
_MESSAGE = [("message", LEAVES[str][1])]


def encode_error(error: OrderflowError) -> dict[str, Any]:
    """``{"error": "NotAllowed", "message": str(error)}``, plus a refusal's state, action, actor, allowed."""
    name = type(error).__name__
    if _ERRORS.get(name) is not type(error):
        raise CodecError(f"cannot encode {name}: not an orderflow error class")
    data: dict[str, Any] = {"error": name, "message": str(error)}
    if isinstance(error, Refusal):
        data.update({name: encode(getattr(error, name)) for name, (encode, _) in _REFUSAL.items()})
    return data


def decode_error(data: Mapping[str, Any]) -> OrderflowError:
    """An error of the same class and message (``advanced`` is not stored: the host keeps decisions)."""
    name = data.get("error") if isinstance(data, Mapping) else None
    cls = _ERRORS.get(name) if type(name) is str else None
    if cls is None:
        raise CodecError(f"error: unknown error class {name!r}")
    refusal = issubclass(cls, Refusal)
    check_keys(cls.__name__, _REFUSAL_KEYS if refusal else _ERROR_KEYS, data)
    message = decode_fields(cls.__name__, _MESSAGE, data)["message"]
    if not refusal:
        return cls(message)
    error = cls.__new__(cls)  # Refusal.__init__ would append the allowed actions to the message again
    error.args = (message,)
    for field, value in decode_fields(cls.__name__, _REFUSAL_DECODERS, data).items():
        setattr(error, field, value)
    return error


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":"))


def dumps(data: Any) -> str:
    """Canonical JSON: keys sorted, no spaces, text kept as UTF-8; equal values give equal text."""
    try:
        return _ENCODER.encode(data)
    except (TypeError, ValueError) as error:
        raise CodecError(f"not a JSON value: {error}") from None


def _no_constant(name: str) -> Any:
    raise CodecError(f"{name} is not a JSON number")


#: The deepest nesting of arrays and objects ``loads`` reads. Integers are read up to Python's
#: ``sys.get_int_max_str_digits()`` digits (4300 by default); each decoder bounds its own.
MAX_DEPTH = 64


def _float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise CodecError(f"the number {text[:20]} is out of range")
    return number


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        keys = [key for key, _ in pairs]
        duplicate = next(key for key in keys if keys.count(key) > 1)
        raise CodecError(f"malformed JSON: the key {duplicate!r} appears twice in an object")
    return found


#: Made once: ``json.loads(text, **options)`` builds a new decoder on every call.
_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_float, object_pairs_hook=_object)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


def _depth(text: str) -> int:
    """How deep arrays and objects nest in ``text`` (brackets inside strings do not count)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def loads(text: str) -> Any:
    """The JSON value of ``text``; NaN, Infinity, integers of more digits than Python converts,
    numbers out of a float's range, duplicate keys and nesting deeper than ``MAX_DEPTH`` are
    refused with ``CodecError``."""
    if not isinstance(text, str):
        raise CodecError(f"expected JSON text as a str, not {type(text).__name__}")
    # Counting brackets is cheap; the exact depth is measured only when it could be too deep.
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        raise CodecError(f"malformed JSON: arrays and objects nest deeper than {MAX_DEPTH}")
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as error:
        raise CodecError(f"malformed JSON: {error}") from None
    except ValueError as error:  # an integer of more digits than sys.get_int_max_str_digits()
        raise CodecError(f"malformed JSON: {error}") from None
    except RecursionError:  # only if the caller's own stack is nearly full
        raise CodecError(f"malformed JSON: arrays and objects nest deeper than {MAX_DEPTH}") from None


def fingerprint(command: Command, order_id: str) -> str:
    """The SHA-256 (hex) of the canonical JSON of ``[order_id, command]``: equal for the same request.

    An ``order_id`` that ``limits`` does not admit raises ``InvalidArgument``.
    """
    problem = id_problem(order_id)
    if problem is not None:
        raise InvalidArgument(f"order_id {problem}")
    return hashlib.sha256(dumps([order_id, encode_command(command)]).encode()).hexdigest()
