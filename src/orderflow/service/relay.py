"""``OutboxRelay``: delivers the outbox's messages to the host's systems, at least once.

A round leases up to ``batch`` ready messages in one short unit of work, publishes each outside
any transaction (a slow wallet or broker holds no database lock), then marks the delivered ones
published and schedules the failed ones again with exponential backoff, in a second unit of
work. A relay that dies between publishing and marking leaves its messages leased; once the
lease runs out another relay delivers them again. Delivery is therefore at least once and, after
a failure, not necessarily in order: consumers deduplicate on ``Message.message_id`` (stable:
order, version, index) and may order an order's messages by ``(version, index)``.

A message that still fails after ``max_attempts`` deliveries, or older than ``max_age`` (from
its decision's instant), becomes a **dead letter**: never claimed again until an operator
``revive``s it (or ``drop``s it); ``dead_letters`` lists them. Leases, backoff and ages follow
the injected clock; ``poll`` is real seconds. Logging (``orderflow.service.relay``): an INFO line
per round that handled messages (``extra``: ``claimed``, ``published``, ``retried``, ``dead``,
``seconds``), a WARNING per failed delivery and per dead letter (``message_id``, ``attempts``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from ..ports import Clock, DeadLetter, Message, Storage
from . import telemetry
from .backoff import backoff

log = logging.getLogger(__name__)


class OutboxRelay:
    """Hands each outbox message to ``publish``; a message whose ``publish`` raises is retried."""

    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        publish: Callable[[Message], None],
        *,
        batch: int = 100,
        lease: timedelta = timedelta(minutes=1),
        backoff: timedelta = timedelta(seconds=5),
        max_backoff: timedelta = timedelta(hours=1),
        poll: timedelta = timedelta(seconds=1),
        max_attempts: int | None = 10,
        max_age: timedelta | None = timedelta(days=7),
    ) -> None:
        if batch < 1:
            raise ValueError("batch must be at least 1")
        if max_attempts is not None and max_attempts < 1:
            raise ValueError("max_attempts must be at least 1 or None")
        self.storage = storage
        self.clock = clock
        self.publish = publish
        self.batch = batch
        self.lease = lease
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.poll = poll
        self.max_attempts = max_attempts
        self.max_age = max_age

    def run_once(self) -> int:
        """Deliver up to ``batch`` ready messages; return how many were published."""
        began = time.perf_counter()
        with self.storage.unit_of_work() as uow:
            messages = uow.outbox.claim(self.clock.now(), self.batch, self.lease)
            uow.commit()
        delivered: list[str] = []
        failed: list[tuple[Message, Exception]] = []
        for message in messages:
            try:
                self.publish(message)
            except Exception as error:
                extra = {
                    "message_id": message.message_id,
                    "attempts": message.attempts + 1,
                    "error": repr(error),
                }
                log.warning("publishing %s failed: %r", message.message_id, error, extra=extra)
                failed.append((message, error))
            else:
                delivered.append(message.message_id)
        dead = 0
        if messages:
            now = self.clock.now()
            with self.storage.unit_of_work() as uow:
                uow.outbox.published(delivered)
                for message, problem in failed:
                    why = f"{type(problem).__name__}: {problem}"
                    if self._gives_up(message, now):
                        dead += 1
                        uow.outbox.bury(message.message_id, why)
                        extra = {"message_id": message.message_id, "attempts": message.attempts + 1}
                        log.warning("message %s is a dead letter: %s", message.message_id, why, extra=extra)
                        continue
                    delay = backoff(self.backoff, self.max_backoff, message.attempts)
                    uow.outbox.retry(message.message_id, now + delay, why)
                uow.commit()
            self._report(len(messages), len(delivered), len(failed) - dead, dead, began)
        return len(delivered)

    def _gives_up(self, message: Message, now: datetime) -> bool:
        """Whether a message whose delivery just failed becomes a dead letter."""
        if self.max_attempts is not None and message.attempts + 1 >= self.max_attempts:
            return True
        created = message.created_at
        return self.max_age is not None and created is not None and now - created >= self.max_age

    def _report(self, claimed: int, published: int, retried: int, dead: int, began: float) -> None:
        seconds = time.perf_counter() - began
        telemetry.count("orderflow.relay.published", published)
        telemetry.count("orderflow.relay.retried", retried)
        telemetry.count("orderflow.relay.dead_lettered", dead)
        telemetry.record("orderflow.relay.batch_duration", seconds)
        figures = {
            "claimed": claimed,
            "published": published,
            "retried": retried,
            "dead": dead,
            "seconds": seconds,
        }
        log.info(
            "outbox round: %d of %d messages published, %d to retry, %d dead in %.3f s",
            published,
            claimed,
            retried,
            dead,
            seconds,
            extra=figures,
        )

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        """Up to ``limit`` dead letters, oldest first."""
        with self.storage.unit_of_work() as uow:
            return uow.outbox.dead_letters(limit)

    def revive(self, message_ids: Sequence[str]) -> None:
        """Deliver these dead letters again from now, attempts counted afresh (``UnknownMessage``
        if one is not a dead letter: nothing changes)."""
        with self.storage.unit_of_work() as uow:
            uow.outbox.revive(message_ids, self.clock.now())
            uow.commit()
        log.info("revived %d dead letters", len(message_ids), extra={"message_ids": list(message_ids)})

    def drop(self, message_ids: Sequence[str]) -> None:
        """Delete these dead letters for good (``UnknownMessage`` if one is not a dead letter)."""
        with self.storage.unit_of_work() as uow:
            uow.outbox.drop(message_ids)
            uow.commit()
        log.info("dropped %d dead letters", len(message_ids), extra={"message_ids": list(message_ids)})

    def run_forever(self, stop: threading.Event) -> None:
        """Run rounds until ``stop`` is set, pausing ``poll`` whenever a round was not full."""
        while not stop.is_set():
            try:
                if self.run_once() == self.batch:
                    continue
            except Exception:
                log.exception("outbox round failed; trying again in %s", self.poll)
            stop.wait(self.poll.total_seconds())
