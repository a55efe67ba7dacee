"""PostgreSQL adapter: what only a real server shows (row locks skipped by other workers, NOTIFY,
snapshots, JSON exactness in the tables, concurrent schema creation, session settings).

Needs ``ORDERFLOW_PG_DSN`` (see ``tests/pg.py``: skipped without it, failed in CI without it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta

import psycopg
import pytest

from orderflow import Accept, Decision, Deliver, advance, decide, next_due, place_order, replay
from orderflow.adapters.postgres import DUE_CHANNEL, PostgresStorage
from orderflow.ports import ConcurrencyConflict, Recorded, UnknownOrder

from support import DAY, PAID_AT, at, placement

pytest_plugins = ["pg"]


@pytest.fixture
def storage(pg_dsn: str) -> Iterator[PostgresStorage]:
    storage = PostgresStorage(pg_dsn, snapshot_every=2)
    storage.create_schema()
    yield storage
    storage.close()


def placed(order_id: str) -> Decision:
    return place_order(placement(order_id=order_id))


def store(storage: PostgresStorage, *decisions: tuple[str, int, Decision]) -> None:
    """Append each (order id, expected version, decision) with its effects, in one unit of work."""
    with storage.unit_of_work() as uow:
        for order_id, expected, decision in decisions:
            uow.orders.append(order_id, expected, decision)
            uow.outbox.put(order_id, expected + len(decision.events), decision.effects)
        uow.commit()


def rows(storage: PostgresStorage, query: bytes) -> list[tuple[object, ...]]:
    with psycopg.connect(storage.dsn) as connection:
        return connection.execute(query).fetchall()


def test_an_order_comes_back_exactly_through_snapshots_and_later_events(storage: PostgresStorage) -> None:
    first = placed("o-1")
    accepted = decide(first.order, Accept("seller"), at("2026-01-03T12:00"))
    delivered = decide(accepted.order, Deliver("seller"), at("2026-01-04T09:00"))
    store(storage, ("o-1", 0, first))
    store(storage, ("o-1", 1, accepted))  # version 2: a snapshot (every 2 events)
    store(storage, ("o-1", 2, delivered))
    with storage.unit_of_work() as uow:
        assert uow.orders.load("o-1") == delivered.order
        events = uow.orders.events("o-1")
    assert replay(events) == delivered.order
    assert rows(storage, b"SELECT snapshot_version FROM orderflow_orders") == [(2,)]
    # Money stays decimal text in the JSON: trailing zeros included, never a float.
    assert rows(
        storage, b"SELECT body #>> '{terms,platform_fee}' FROM orderflow_events WHERE version = 1"
    ) == [("2.50",)]


def test_a_stale_append_writes_nothing_and_the_unit_of_work_goes_on(storage: PostgresStorage) -> None:
    first = placed("o-1")
    store(storage, ("o-1", 0, first))
    accepted = decide(first.order, Accept("seller"), at("2026-01-03T12:00"))
    with storage.unit_of_work() as uow:
        with pytest.raises(ConcurrencyConflict) as caught:
            uow.orders.append("o-1", 0, accepted)
        assert (caught.value.expected, caught.value.actual) == (0, 1)
        uow.orders.append("o-1", 1, accepted)  # no aborted transaction: the right version still works
        uow.commit()
    assert rows(storage, b"SELECT version FROM orderflow_events ORDER BY version") == [(1,), (2,)]


def test_unknown_orders(storage: PostgresStorage) -> None:
    with storage.unit_of_work() as uow:
        with pytest.raises(UnknownOrder):
            uow.orders.load("nobody")
        with pytest.raises(UnknownOrder):
            uow.orders.postpone("nobody", PAID_AT, "boom")
        assert uow.orders.events("nobody") == []


def run_together(count: int, work: Callable[[int], object]) -> list[object]:
    """``work(i)`` in ``count`` threads started together; each one's result or exception."""
    start = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = work(index)
        except Exception as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_of_concurrent_creates_exactly_one_wins(storage: PostgresStorage) -> None:
    results = run_together(4, lambda _: store(storage, ("o-1", 0, placed("o-1"))))
    assert sum(isinstance(result, ConcurrencyConflict) for result in results) == 3
    assert results.count(None) == 1
    assert rows(storage, b"SELECT count(*) FROM orderflow_events") == [(1,)]


def test_of_concurrent_uses_of_one_idempotency_key_one_binds_it(storage: PostgresStorage) -> None:
    def bind(index: int) -> None:
        with storage.unit_of_work() as uow:
            uow.idempotency.put("k-1", Recorded(f"print-{index}", {"to_version": index}))
            uow.commit()

    results = run_together(4, bind)
    assert results.count(None) == 1
    with storage.unit_of_work() as uow:
        recorded = uow.idempotency.get("k-1")
    assert recorded == Recorded(f"print-{results.index(None)}", {"to_version": results.index(None)})


def test_runners_skip_the_orders_another_runner_holds(storage: PostgresStorage) -> None:
    store(storage, *((f"o-{n}", 0, placed(f"o-{n}")) for n in range(4)))
    later = PAID_AT + 3 * DAY  # after every acceptance deadline
    with storage.unit_of_work() as first, storage.unit_of_work() as second:
        held = first.orders.due(later, 3)
        rest = second.orders.due(later, 3)
    assert held == ["o-0", "o-1", "o-2"]  # same due instant: by id
    assert rest == ["o-3"]


def test_postponed_orders_wait_and_an_append_clears_the_postponement(storage: PostgresStorage) -> None:
    first = placed("o-1")
    store(storage, ("o-1", 0, first))
    due_at = PAID_AT + 2 * DAY
    with storage.unit_of_work() as uow:
        uow.orders.postpone("o-1", due_at + DAY, "wallet down")
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.orders.due(due_at, 10) == []
        assert uow.orders.due(due_at + DAY, 10) == ["o-1"]
    store(storage, ("o-1", 1, advance(first.order, due_at)))  # the acceptance deadline cancels it
    assert rows(storage, b"SELECT next_due, postponed_until, last_error FROM orderflow_orders") == [
        (None, None, None)
    ]


def test_two_relays_never_claim_the_same_message(storage: PostgresStorage) -> None:
    first = placed("o-1")
    accepted = decide(first.order, Accept("seller"), at("2026-01-03T12:00"))
    store(storage, ("o-1", 0, first), ("o-1", 1, accepted))
    lease = timedelta(minutes=1)
    with storage.unit_of_work() as one, storage.unit_of_work() as two:
        claimed = one.outbox.claim(PAID_AT, 1, lease) + two.outbox.claim(PAID_AT, 10, lease)
        one.commit()
        two.commit()
    ids = [message.message_id for message in claimed]
    expected = [f"o-1:1:{i}" for i in range(len(first.effects))] + ["o-1:2:0"]
    assert ids == expected  # disjoint, and oldest first within each claim
    with storage.unit_of_work() as uow:
        assert uow.outbox.claim(PAID_AT + lease / 2, 10, lease) == []  # leased
        uow.outbox.retry("o-1:2:0", PAID_AT, "no answer")
        uow.outbox.published(ids[:-1])
        uow.commit()
    with storage.unit_of_work() as uow:
        (again,) = uow.outbox.claim(PAID_AT, 10, lease)
    assert (again.message_id, again.attempts) == ("o-1:2:0", 1)


def test_creating_the_schema_from_many_processes_at_once_is_harmless(pg_dsn: str) -> None:
    storages = [PostgresStorage(pg_dsn) for _ in range(4)]
    results = run_together(4, lambda index: storages[index].create_schema())
    storages[0].create_schema()
    assert results == [None] * 4
    store(storages[0], ("o-1", 0, placed("o-1")))


def test_an_append_wakes_the_runner_that_waits_for_due_orders(storage: PostgresStorage) -> None:
    assert storage.wait_for_due(0) is True  # starts listening: check due before sleeping
    assert storage.wait_for_due(0) is False
    first = placed("o-1")
    store(storage, ("o-1", 0, first))
    assert storage.wait_for_due(5) is True
    assert storage.wait_for_due(0) is False  # one wake-up per burst
    canceled = advance(first.order, PAID_AT + 2 * DAY)
    assert next_due(canceled.order) is None
    store(storage, ("o-1", 1, canceled))
    assert storage.wait_for_due(0) is False  # nothing left to fire: nobody to wake
    with psycopg.connect(storage.dsn, autocommit=True) as other:  # the documented channel
        other.execute(f"NOTIFY {DUE_CHANNEL}".encode())
    assert storage.wait_for_due(5) is True


def test_sessions_read_instants_in_utc_under_the_configured_settings(pg_dsn: str) -> None:
    storage = PostgresStorage(
        pg_dsn, statement_timeout=timedelta(seconds=2), lock_timeout=None, synchronous_commit=False
    )
    with storage.connect() as connection:
        settings = connection.execute(
            b"SELECT current_setting('statement_timeout'), current_setting('lock_timeout'),"
            b" current_setting('synchronous_commit'), current_setting('transaction_isolation'), now()"
        ).fetchone()
    assert settings is not None
    assert settings[:4] == ("2s", "0", "off", "read committed")
    assert settings[4].utcoffset() == timedelta(0)
    with pytest.raises(ValueError, match="snapshot_every"):
        PostgresStorage(pg_dsn, snapshot_every=0)


def test_a_runner_that_lost_its_listening_connection_checks_and_listens_again(
    storage: PostgresStorage,
) -> None:
    storage.wait_for_due(0)
    with psycopg.connect(storage.dsn, autocommit=True) as other:
        other.execute(b"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'")
    assert storage.wait_for_due(5) is True
    assert storage.wait_for_due(0) is True  # listening again: check once more
    store(storage, ("o-1", 0, placed("o-1")))
    assert storage.wait_for_due(5) is True
