"""The deadline runner on PostgreSQL: asleep for a long poll, it wakes on the NOTIFY of another
writer's append (LISTEN/NOTIFY) and fires the deadline at once; ``stop`` still ends it promptly.

Needs ``ORDERFLOW_PG_DSN`` (see ``tests/pg.py``: skipped without it, failed in CI without it).
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from orderflow import State
from orderflow.adapters.postgres import PostgresStorage
from orderflow.service import DeadlineRunner, OrderService
from orderflow.testing import FakeClock

from support import DAY, PAID_AT, placement

pytest_plugins = ["pg"]

WAIT = 10.0  # seconds: far below the runner's poll, far above a notification's delivery


def test_a_sleeping_runner_wakes_on_another_writers_deadline_and_fires_it(pg_dsn: str) -> None:
    runner_storage, writer_storage = PostgresStorage(pg_dsn), PostgresStorage(pg_dsn)
    runner_storage.create_schema()
    clock = FakeClock(PAID_AT + 30 * DAY)  # every acceptance deadline placed below is long due
    runner = DeadlineRunner(runner_storage, clock, poll=timedelta(hours=1))
    stop = threading.Event()
    thread = threading.Thread(target=runner.run_forever, args=(stop,))
    thread.start()
    try:
        time.sleep(0.5)  # let it find nothing due and fall asleep for its hour-long poll
        service = OrderService(writer_storage, clock)
        service.place(placement(order_id="o-1"))
        end = time.monotonic() + WAIT
        while service.order("o-1").state is State.PENDING and time.monotonic() < end:
            time.sleep(0.05)
        assert service.order("o-1").state is State.CANCELED  # R-PEND-3, fired by the woken runner
    finally:
        stop.set()
        thread.join(WAIT)
        alive = thread.is_alive()
        runner_storage.close()
        writer_storage.close()
    assert not alive
