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
from .domain.timers import next_due
from .edges import check_decision as check_decision
from .edges import check_id as check_id
from .edges import check_key as check_key
from .edges import clean_error as clean_error
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
    ``orderflow.domain.limits`` with ``InvalidArgument`` (``check_id``, ``check_key`` and
    ``check_decision``, from ``orderflow.edges``, re-exported here).
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
