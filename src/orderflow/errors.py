"""Every public error of orderflow, in one place: ``from orderflow.errors import ...`` (or from
``orderflow``).

Three branches under ``OrderflowError``, each meaning one thing to a host (docs/integration.md
maps each to an HTTP status):

- ``Rejection``: the rules refused a command or an argument (R-ERR-1); nothing changed. Its
  classes (``InvalidArgument``, ``NotAllowed`` ...) live with the rules, in ``domain.errors``.
- ``StorageError``: the storage could not do what was asked: another writer came first, an id is
  unknown or taken, an idempotency key was reused, the server is unavailable.
- ``IntegrityError``: data that cannot be trusted or read: a payload the codec refuses, a
  database of a later schema, a stored history that breaks the model.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from .domain.errors import (
    CurrencyMismatch,
    DeadlinePassed,
    IntegrityError,
    InvalidAmount,
    InvalidArgument,
    InvalidTime,
    InvalidTransition,
    NotAllowed,
    OrderflowError,
    Refusal,
    Rejection,
    StorageError,
    UnknownReference,
)

__all__ = [
    "CodecError",
    "ConcurrencyConflict",
    "CorruptHistory",
    "CurrencyMismatch",
    "DeadlinePassed",
    "IdempotencyConflict",
    "IntegrityError",
    "InvalidAmount",
    "InvalidArgument",
    "InvalidTime",
    "InvalidTransition",
    "NotAllowed",
    "OrderExists",
    "OrderflowError",
    "Refusal",
    "Rejection",
    "SchemaMismatch",
    "StorageError",
    "StorageUnavailable",
    "UnknownMessage",
    "UnknownOrder",
    "UnknownReference",
    "UnreadableInput",
]


# --- StorageError -------------------------------------------------------------------------------


class ConcurrencyConflict(StorageError):
    """Another transaction wrote first; retrying against the new state is safe.

    ``stale`` builds the usual case: an order extended past the version a write expected.
    """

    order_id: str | None = None
    expected: int | None = None
    actual: int | None = None

    @classmethod
    def stale(cls, order_id: str, expected: int, actual: int) -> ConcurrencyConflict:
        conflict = cls(f"order {order_id!r} is at version {actual}, not {expected}")
        conflict.order_id, conflict.expected, conflict.actual = order_id, expected, actual
        return conflict


class IdempotencyConflict(StorageError):
    """An idempotency key was reused for a different command; ``differing`` names the fields of
    the request that differ from the first one (``order_id``, ``action``, ``amount``...; empty when
    the first request was recorded without them)."""

    def __init__(self, key: str, differing: Sequence[str] = ()) -> None:
        self.key, self.differing = key, tuple(differing)
        fields = f" (it differs in {', '.join(self.differing)})" if self.differing else ""
        super().__init__(f"idempotency key {key!r} was already used for another command{fields}")


class UnknownOrder(StorageError):
    """No order has this id in the store."""

    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        super().__init__(f"no order {order_id!r}")


class OrderExists(StorageError):
    """``place`` was given an order id that is already taken (by another placement)."""

    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        super().__init__(f"order {order_id!r} already exists")


class UnknownMessage(StorageError):
    """No message has these ids in the outbox."""

    def __init__(self, message_ids: Sequence[str]) -> None:
        self.message_ids = tuple(message_ids)
        super().__init__(f"no message {', '.join(map(repr, self.message_ids))} in the outbox")

    @classmethod
    def check(cls, asked: Sequence[str], known: Collection[str]) -> None:
        """Raise if any of ``asked`` is not in ``known``."""
        if unknown := [message_id for message_id in asked if message_id not in known]:
            raise cls(unknown)


class StorageUnavailable(StorageError):
    """The storage cannot be reached now (its server is down, or it was closed). Nothing was
    written and retrying later is safe, unless ``outcome_unknown``: the connection was lost while
    committing, so the work may or may not have been written (a retry with the same idempotency
    key is still safe: it finds the first outcome if there was one)."""

    outcome_unknown: bool = False

    @classmethod
    def while_committing(cls, message: str) -> StorageUnavailable:
        lost = cls(message)
        lost.outcome_unknown = True
        return lost


# --- IntegrityError -----------------------------------------------------------------------------


class UnreadableInput(IntegrityError):
    """An input file orderflow will not read: missing, not a regular file (a FIFO, ``/dev/zero``),
    larger than ``inputs.MAX_INPUT_BYTES``, or not UTF-8 text. The message names the file."""


class CodecError(IntegrityError):
    """A payload that cannot be decoded, or a value of no known class; names the type and the field.

    Unknown type, kind, action or error; a missing or unexpected field; another schema version; a
    malformed value (a float for a decimal, "12" for an int, a naive datetime).
    """


class SchemaMismatch(IntegrityError):
    """The database was created by a later orderflow, with a schema this code does not know."""

    def __init__(self, found: int, known: int) -> None:
        self.found, self.known = found, known
        super().__init__(f"the database's schema is version {found}; this orderflow knows up to {known}")


class CorruptHistory(IntegrityError):
    """A stored history that breaks the model (a gap in versions, an impossible event, money not
    conserved, time running backwards, a snapshot that differs from its events)."""

    def __init__(self, order_id: str, version: int | None, problem: str) -> None:
        self.order_id, self.version, self.problem = order_id, version, problem
        at = "" if version is None else f" at version {version}"
        super().__init__(f"order {order_id!r}{at}: {problem}")
