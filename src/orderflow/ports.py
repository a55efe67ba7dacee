"""Ports: the small interfaces through which a host plugs its clock and its storage into orderflow.

The pure core (``orderflow.domain``) calls none of them; the service layer (``orderflow.service``)
does. Reference adapters live in ``orderflow.adapters`` (memory, SQLite, PostgreSQL) and one
contract test suite checks each of them.

Storage is event-sourced with optimistic concurrency: an order is its events; a write says which
version it expects to extend, and a stale write raises ``ConcurrencyConflict`` and writes nothing.
Everything one command changes (its events, its outbox messages, its idempotency record) is
written in one ``UnitOfWork``, all or nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

import attrs

from .domain.decision import Decision
from .domain.effects import Effect
from .domain.events import Event
from .domain.limits import (
    MAX_ID_LENGTH,
    MAX_KEY_LENGTH,
    MAX_TEXT_LENGTH,
    id_problem,
    key_problem,
    text_problem,
)
from .domain.order import Order
from .domain.timers import next_due
from .errors import (  # re-exported: the ports raise them
    ConcurrencyConflict as ConcurrencyConflict,
)
from .errors import (
    IdempotencyConflict as IdempotencyConflict,
)
from .errors import InvalidArgument
from .errors import (
    OrderExists as OrderExists,
)
from .errors import (
    UnknownMessage as UnknownMessage,
)
from .errors import (
    UnknownOrder as UnknownOrder,
)


class Clock(Protocol):
    """Where a host reads the current time from."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


@attrs.frozen
class Message:
    """One effect waiting in the outbox. ``message_id`` is stable: consumers deduplicate on it.

    ``version`` is the order's version after the decision that produced the effect and ``index``
    its position among that decision's effects. ``payload`` is ``codec.encode_effect(effect)``.
    """

    message_id: str
    order_id: str
    version: int
    index: int
    kind: str
    payload: Mapping[str, Any]
    attempts: int = 0
    #: When the decision that produced it was taken (the service's clock): the message's age.
    created_at: datetime | None = attrs.field(default=None, eq=False)

    @staticmethod
    def id_of(order_id: str, version: int, index: int) -> str:
        return f"{order_id}:{version}:{index}"


@attrs.frozen
class Recorded:
    """What an idempotency key is bound to: the command's fingerprint and the first outcome.

    ``outcome`` is JSON-ready: ``{"order_id", "from_version", "to_version", "fired"}`` for an
    accepted command, ``{"error": codec.encode_error(error), "advanced": ...}`` for a rejection.
    """

    fingerprint: str
    outcome: Mapping[str, Any]


@attrs.frozen
class Stored:
    """What the service computed for an adapter to store with a decision's events: the order's
    next due instant (None: nothing will fire) and whether to keep a snapshot of the order."""

    next_due: datetime | None
    snapshot: bool = False

    @classmethod
    def of(cls, decision: Decision, expected_version: int, snapshot_every: int | None) -> Stored:
        """The order's next due instant, and a snapshot when the write crosses a multiple of
        ``snapshot_every`` (None or 0: never)."""
        due = next_due(decision.order)
        version = decision.order.version
        every = snapshot_every or 0
        snapshot = every > 0 and version // every > expected_version // every
        return cls(None if due is None else due.at, snapshot)


class OrderStore(Protocol):
    """Orders as streams of events, written with an expected version."""

    def load(self, order_id: str) -> Order:
        """The order at its latest version (from a snapshot and the events after it).

        Raises ``UnknownOrder``.
        """
        ...

    def events(self, order_id: str, after: int = 0) -> list[Event]:
        """The order's events with a version above ``after``, oldest first (empty if unknown)."""
        ...

    def append(self, order_id: str, expected_version: int, decision: Decision, stored: Stored) -> None:
        """Add ``decision.events`` after version ``expected_version`` (0 creates the order).

        Also records the order's state and ``stored.next_due`` for ``due``, keeps a snapshot of
        ``decision.order`` if ``stored.snapshot`` (adapters that keep none may ignore it), and
        clears a postponement. The service computes ``stored`` (``Stored.of``): an adapter has no
        domain duty. Raises ``ConcurrencyConflict`` if the order is not at ``expected_version``,
        ``InvalidArgument`` for an order id outside ``orderflow.domain.limits``.
        """
        ...

    def due(self, now: datetime, limit: int) -> list[str]:
        """Ids of orders with a deadline or reminder due at or before ``now`` (not postponed), by due
        time. Inside a unit of work the adapter locks them against other runners (``SKIP LOCKED``
        on PostgreSQL, the database write lock on SQLite)."""
        ...

    def next_due_at(self) -> datetime | None:
        """The earliest instant at which ``due`` will list an order (the later of its next due
        instant and its postponement), or None when no order has anything due; for a runner's sleep."""
        ...

    def postpone(self, order_id: str, until: datetime, error: str) -> None:
        """Keep the order out of ``due`` until ``until`` (its deadlines keep failing: ``error``)."""
        ...


class IdempotencyStore(Protocol):
    """Outcomes of commands sent with a client-chosen key."""

    def get(self, key: str) -> Recorded | None: ...

    def put(self, key: str, recorded: Recorded) -> None:
        """Bind ``key``; if another transaction bound it first, raise ``ConcurrencyConflict``."""
        ...


@attrs.frozen
class DeadLetter:
    """A message the relay gave up on (too many attempts, or too old): ``error`` says the last
    failure. It stays out of ``claim`` until ``revive``d or ``drop``ped."""

    message: Message
    error: str


@attrs.frozen
class StorageStats:
    """What an operator watches (``Storage.stats``): deadlines and outbox backlog at ``now``.

    ``orders_due``: orders with a deadline due at or before ``now`` (postponed ones included);
    ``oldest_due``: the earliest of their due instants (``deadline_lag`` is how late it is);
    ``outbox_backlog``: messages neither published nor dead; ``oldest_message_at``: when the
    oldest of them was queued (``outbox_age``); ``dead_letters``: messages given up on.
    """

    now: datetime
    orders_due: int
    oldest_due: datetime | None
    outbox_backlog: int
    oldest_message_at: datetime | None
    dead_letters: int

    @property
    def deadline_lag(self) -> timedelta:
        """How long the oldest due deadline has been waiting (zero when none is)."""
        return timedelta(0) if self.oldest_due is None else max(timedelta(0), self.now - self.oldest_due)

    @property
    def outbox_age(self) -> timedelta:
        """How long the oldest undelivered message has been waiting (zero when none is)."""
        at = self.oldest_message_at
        return timedelta(0) if at is None else max(timedelta(0), self.now - at)


class Outbox(Protocol):
    """Effects to deliver, written with the events that caused them, and the relay's queue."""

    def put(self, order_id: str, version: int, effects: Sequence[Effect], at: datetime) -> None:
        """Store ``effects`` (a decision's taken at ``at``, ``version`` being the order's after it)."""
        ...

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Message]:
        """Up to ``limit`` messages ready at ``now``, oldest first, leased until ``now + lease``;
        no other relay can claim them while the lease runs."""
        ...

    def published(self, message_ids: Sequence[str]) -> None:
        """These messages were delivered: never claim them again. Raises ``UnknownMessage``, and
        changes nothing, if an id is not in the outbox."""
        ...

    def retry(self, message_id: str, at: datetime, error: str) -> None:
        """Delivery failed: count the attempt and make the message claimable again at ``at``.
        Raises ``UnknownMessage`` if no message has this id."""
        ...

    def bury(self, message_id: str, error: str) -> None:
        """Delivery failed for good: count the attempt and make the message a dead letter, never
        claimed again unless revived. Raises ``UnknownMessage``."""
        ...

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        """Up to ``limit`` dead letters, oldest first."""
        ...

    def revive(self, message_ids: Sequence[str], at: datetime) -> None:
        """Make these dead letters claimable again at ``at``, their attempts counted from 0.
        Raises ``UnknownMessage``, and changes nothing, if an id is not a dead letter."""
        ...

    def drop(self, message_ids: Sequence[str]) -> None:
        """Delete these dead letters for good. Raises ``UnknownMessage``, and changes nothing,
        if an id is not a dead letter."""
        ...


class UnitOfWork(Protocol):
    """One transaction over the three stores. Leaving the ``with`` block without ``commit()``
    (or by an exception) rolls everything back."""

    # Read-only members, so that an adapter's own store classes satisfy them (covariance).
    @property
    def orders(self) -> OrderStore: ...

    @property
    def idempotency(self) -> IdempotencyStore: ...

    @property
    def outbox(self) -> Outbox: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...


class Storage(Protocol):
    """An adapter's entry point: hands out units of work over one database.

    ``close`` must be safe while other threads use the storage: their later calls raise
    ``StorageUnavailable``. Every store refuses ids, keys and texts outside
    ``orderflow.domain.limits`` with ``InvalidArgument`` (``check_id``, ``check_key`` below).
    """

    @property
    def snapshot_every(self) -> int | None:
        """Keep a snapshot of an order every so many events (None or 0: never); the service reads
        it to compute ``Stored.snapshot``."""
        ...

    def stats(self, now: datetime) -> StorageStats:
        """The operator's figures at ``now``, read in a transaction of its own."""
        ...

    def create_schema(self) -> None:
        """Create tables and indexes if missing; harmless to call again."""
        ...

    def unit_of_work(self) -> UnitOfWork: ...

    def close(self) -> None: ...


@runtime_checkable
class DueSignal(Protocol):
    """A storage that can wake a deadline runner early (PostgreSQL: LISTEN/NOTIFY)."""

    def wait_for_due(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for another writer to leave a deadline pending; True if
        one may have (look at ``due`` again), False on timeout."""
        ...


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
