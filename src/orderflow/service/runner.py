"""``DeadlineRunner``: the worker loop that fires due deadlines, safely from many processes.

Each round claims up to ``batch`` due orders in one unit of work (``due`` locks them: the write
lock on SQLite, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), advances each to the clock's now,
appends with the version it loaded, queues the effects and commits once: one commit per batch,
not per order. An order whose loading or advancing raises (corrupt data, a bug) is postponed
with exponential backoff in the same unit of work and the others go on. If a write fails, the
batch rolls back and each of its orders is fired in a unit of work of its own, so one bad order
never holds the others back. An expected version guards every append: nothing fires twice.

Logging (``orderflow.service.runner``): one INFO line per round that fired or postponed anything,
with the figures as ``extra`` fields (``fired``, ``postponed``, ``claimed``, ``seconds``); a
WARNING per postponement (``order_id``, ``delay_seconds``, ``error``) and for a rolled-back batch
(with the exception). Metrics: ``orderflow.service.telemetry``. Backoff and postponements follow
the injected clock; ``poll`` and the sleeps are real seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from ..domain.timers import advance
from ..ports import Clock, ConcurrencyConflict, DueSignal, Storage, UnitOfWork
from . import telemetry
from .backoff import backoff
from .handling import CLOCK_TOLERANCE, persist

log = logging.getLogger(__name__)

#: How long one wait for a signal lasts at most, so that ``stop`` is seen within it (seconds).
_SIGNAL_SLICE = 1.0


class DeadlineRunner:
    """Fires every deadline and reminder due at the clock's now, ``batch`` orders per commit."""

    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        *,
        batch: int = 100,
        backoff: timedelta = timedelta(seconds=10),
        max_backoff: timedelta = timedelta(hours=1),
        poll: timedelta = timedelta(seconds=5),
        clock_tolerance: timedelta = CLOCK_TOLERANCE,
    ) -> None:
        if batch < 1:
            raise ValueError("batch must be at least 1")
        self.clock_tolerance = clock_tolerance
        self.storage = storage
        self.clock = clock
        self.batch = batch
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.poll = poll
        self._failures: dict[str, int] = {}  # consecutive failures by order, for the backoff

    def run_once(self) -> int:
        """Fire what is due now in up to ``batch`` orders; return how many orders advanced."""
        began = time.perf_counter()
        with self.storage.unit_of_work() as uow:
            now = self.clock.now()  # read inside the transaction (after the lock, on SQLite)
            order_ids = uow.orders.due(now, self.batch)
            try:
                fired = sum(self._fire(uow, order_id, now) for order_id in order_ids)
                uow.commit()
            except Exception:
                log.warning(
                    "a batch of %d orders rolled back; firing them one by one",
                    len(order_ids),
                    exc_info=True,
                    extra={"claimed": len(order_ids)},
                )
            else:
                self._report(len(order_ids), fired, began)
                return fired
        fired = sum(self._fire_alone(order_id, now) for order_id in order_ids)
        self._report(len(order_ids), fired, began)
        return fired

    def _report(self, claimed: int, fired: int, began: float) -> None:
        seconds = time.perf_counter() - began
        telemetry.count("orderflow.runner.fired", fired)
        telemetry.count("orderflow.runner.postponed", claimed - fired)
        telemetry.record("orderflow.runner.batch_duration", seconds)
        if claimed:
            figures = {"claimed": claimed, "fired": fired, "postponed": claimed - fired, "seconds": seconds}
            log.info(
                "deadline round: %d of %d due orders advanced in %.3f s",
                fired,
                claimed,
                seconds,
                extra=figures,
            )

    def run_forever(self, stop: threading.Event) -> None:
        """Run rounds until ``stop`` is set, sleeping until the next due instant (``poll`` at most).

        On a storage that signals new deadlines (``DueSignal``: PostgreSQL's LISTEN/NOTIFY) the
        sleep also ends when another process leaves one pending. Polling stays the fallback: a
        deadline that simply comes due sends no signal.
        """
        while not stop.is_set():
            try:
                if self.run_once() == self.batch:
                    continue  # maybe more is due already
                pause = self._until_next_due()
            except Exception:
                log.exception("deadline round failed; trying again in %s", self.poll)
                pause = self.poll
            self._sleep(stop, pause.total_seconds())

    def _sleep(self, stop: threading.Event, seconds: float) -> None:
        """Sleep ``seconds``, or less if ``stop`` is set or the storage signals a new deadline."""
        signal = self.storage
        if not isinstance(signal, DueSignal):
            stop.wait(seconds)
            return
        end = time.monotonic() + seconds
        while not stop.is_set() and (left := end - time.monotonic()) > 0:
            if signal.wait_for_due(min(left, _SIGNAL_SLICE)):
                return

    def _until_next_due(self) -> timedelta:
        with self.storage.unit_of_work() as uow:
            at = uow.orders.next_due_at()
        if at is None:
            return self.poll
        return max(timedelta(0), min(self.poll, at - self.clock.now()))

    def _fire(self, uow: UnitOfWork, order_id: str, now: datetime) -> int:
        """Advance one claimed order in ``uow``: 1 if it advanced, 0 if it was postponed."""
        try:
            order = uow.orders.load(order_id)
            behind = order.updated_at - now  # another host, its clock ahead, wrote it last
            at = order.updated_at if timedelta(0) < behind <= self.clock_tolerance else now
            decision = advance(order, at)
            if not decision.events:
                raise RuntimeError(f"order {order_id!r} is listed as due but nothing fires at {now}")
        except Exception as error:
            self._postpone(uow, order_id, now, error)
            return 0
        persist(uow, order.version, decision, self.storage.snapshot_every)
        self._failures.pop(order_id, None)
        return 1

    def _fire_alone(self, order_id: str, now: datetime) -> int:
        """``_fire`` in a unit of work of its own, if the order is still due; a failed write
        postpones the order in another one."""
        try:
            with self.storage.unit_of_work() as uow:
                if order_id not in uow.orders.due(now, self.batch):
                    return 0  # another runner, or a command, moved it on
                fired = self._fire(uow, order_id, now)
                uow.commit()
                return fired
        except ConcurrencyConflict:
            return 0
        except Exception as error:
            with self.storage.unit_of_work() as uow:
                self._postpone(uow, order_id, now, error)
                uow.commit()
            return 0

    def _postpone(self, uow: UnitOfWork, order_id: str, now: datetime, error: Exception) -> None:
        failures = self._failures[order_id] = self._failures.get(order_id, 0) + 1
        delay = backoff(self.backoff, self.max_backoff, failures - 1)
        log.warning(
            "order %s failed to advance (%r); postponed %s",
            order_id,
            error,
            delay,
            extra={"order_id": order_id, "delay_seconds": delay.total_seconds(), "error": repr(error)},
        )
        uow.orders.postpone(order_id, now + delay, f"{type(error).__name__}: {error}")
