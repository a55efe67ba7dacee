"""``OutboxRelay``: delivers the outbox's messages to the host's systems, at least once.

A round leases up to ``batch`` ready messages in one short unit of work, publishes each outside
any transaction (a slow wallet or broker holds no database lock), then marks the delivered ones
published and schedules the failed ones again with exponential backoff, in a second unit of
work. A relay that dies between publishing and marking leaves its messages leased; once the
lease runs out another relay delivers them again. Delivery is therefore at least once and, after
a failure, not necessarily in order: consumers deduplicate on ``Message.message_id`` (stable:
order, version, index) and may order an order's messages by ``(version, index)``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from ..ports import Clock, Message, Storage
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
    ) -> None:
        if batch < 1:
            raise ValueError("batch must be at least 1")
        self.storage = storage
        self.clock = clock
        self.publish = publish
        self.batch = batch
        self.lease = lease
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.poll = poll

    def run_once(self) -> int:
        """Deliver up to ``batch`` ready messages; return how many were published."""
        with self.storage.unit_of_work() as uow:
            messages = uow.outbox.claim(self.clock.now(), self.batch, self.lease)
            uow.commit()
        delivered: list[str] = []
        failed: list[tuple[Message, Exception]] = []
        for message in messages:
            try:
                self.publish(message)
            except Exception as error:
                log.warning("publishing %s failed: %r", message.message_id, error)
                failed.append((message, error))
            else:
                delivered.append(message.message_id)
        if messages:
            now = self.clock.now()
            with self.storage.unit_of_work() as uow:
                uow.outbox.published(delivered)
                for message, problem in failed:
                    delay = backoff(self.backoff, self.max_backoff, message.attempts)
                    uow.outbox.retry(message.message_id, now + delay, f"{type(problem).__name__}: {problem}")
                uow.commit()
        return len(delivered)

    def run_forever(self, stop: threading.Event) -> None:
        """Run rounds until ``stop`` is set, pausing ``poll`` whenever a round was not full."""
        while not stop.is_set():
            try:
                if self.run_once() == self.batch:
                    continue
            except Exception:
                log.exception("outbox round failed; trying again in %s", self.poll)
            stop.wait(self.poll.total_seconds())
