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

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

import attrs

from .domain.decision import Decision
from .domain.effects import Effect
from .domain.events import Event
from .domain.order import Order
from .errors import (  # re-exported: the ports raise them
    ConcurrencyConflict as ConcurrencyConflict,
)
from .errors import (
    IdempotencyConflict as IdempotencyConflict,
)
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

    def append(self, order_id: str, expected_version: int, decision: Decision) -> None:
        """Add ``decision.events`` after version ``expected_version`` (0 creates the order).

        Also records the order's state and next due instant (``next_due``) for ``due``, and clears
        a postponement. Raises ``ConcurrencyConflict`` if the order is not at ``expected_version``.
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


class Outbox(Protocol):
    """Effects to deliver, written with the events that caused them, and the relay's queue."""

    def put(self, order_id: str, version: int, effects: Sequence[Effect]) -> None:
        """Store ``effects`` (a decision's, ``version`` being the order's after it)."""
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
    """An adapter's entry point: hands out units of work over one database."""

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
