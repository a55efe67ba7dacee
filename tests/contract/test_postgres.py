"""The storage contract for ``PostgresStorage`` (a fresh schema per test, snapshots every 3 events),
and what only a real server shows: rows that other workers skip while a transaction holds them,
NOTIFY, snapshots, money as decimal text in the tables, concurrent schema creation, settings.

Needs ``ORDERFLOW_PG_DSN`` (see ``tests/pg.py``: skipped without it, failed in CI without it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from orderflow import Decision, advance, next_due, place_order
from orderflow.adapters._postgres_sql import SCHEMA
from orderflow.adapters.postgres import DUE_CHANNEL, PostgresStorage
from orderflow.ports import ConcurrencyConflict
from orderflow.testing.contract import StorageContract
from orderflow.testing.contract.support import (
    LEASE,
    THREADS,
    append,
    life,
    load_then_close,
    messages_of,
    together,
    write,
)

from support import DAY, PAID_AT, placement

pytest_plugins = ["pg"]


@pytest.fixture
def storage(pg_dsn: str) -> Iterator[PostgresStorage]:
    storage = PostgresStorage(pg_dsn, snapshot_every=3)
    storage.create_schema()
    yield storage
    storage.close()


class TestPostgresStorage(StorageContract):
    examples = 10

    @pytest.fixture
    def storage(self, storage: PostgresStorage) -> PostgresStorage:
        return storage

    @pytest.fixture
    def peers(self, storage: PostgresStorage) -> Iterator[list[PostgresStorage]]:
        """Half the threads share the storage (and its pool), half have their own, as other
        processes would: each thread's unit of work is a connection of its own either way."""
        others = [PostgresStorage(storage.dsn) for _ in range(THREADS // 2)]
        yield [s for other in others for s in (storage, other)]
        for other in others:
            other.close()


def placed(order_id: str) -> Decision:
    return place_order(placement(order_id=order_id))


def rows(storage: PostgresStorage, query: bytes) -> list[tuple[object, ...]]:
    with psycopg.connect(storage.dsn) as connection:
        return connection.execute(query).fetchall()


def test_loads_start_from_the_latest_snapshot_and_money_stays_decimal_text(storage: PostgresStorage) -> None:
    decisions = life()
    for decision in decisions:
        write(storage, "order-1", decision)
    assert rows(storage, b"SELECT version, snapshot_version FROM orderflow_orders") == [(7, 6)]
    # Exact decimal strings in the JSON, trailing zeros included: never a float.
    fee = b"SELECT body #>> '{terms,platform_fee}' FROM orderflow_events WHERE version = 1"
    assert rows(storage, fee) == [("2.50",)]
    with psycopg.connect(storage.dsn) as connection:  # only the snapshot knows them now
        connection.execute(b"DELETE FROM orderflow_events WHERE version <= 6")
    uncached = PostgresStorage(storage.dsn, snapshot_every=3, cache_size=0)
    assert load_then_close(uncached, "order-1") == decisions[-1].order
    with storage.unit_of_work() as uow:
        assert uow.orders.events("order-1") == list(decisions[-1].events)


def test_an_unreadable_snapshot_is_ignored_and_the_order_replayed(storage: PostgresStorage) -> None:
    decisions = life()
    for decision in decisions:
        write(storage, "order-1", decision)
    with psycopg.connect(storage.dsn) as connection:  # as an older codec would have written it
        connection.execute(b"""UPDATE orderflow_orders SET snapshot = snapshot->'order'""")  # no digest
        connection.execute(b"""UPDATE orderflow_orders SET snapshot = jsonb_set(snapshot, '{schema}', '0')""")
    assert rows(storage, b"SELECT snapshot->'schema' FROM orderflow_orders") == [(0,)]
    uncached = PostgresStorage(storage.dsn, snapshot_every=3, cache_size=0)
    assert load_then_close(uncached, "order-1") == decisions[-1].order


def test_a_stale_append_writes_nothing_and_the_unit_of_work_goes_on(storage: PostgresStorage) -> None:
    first, accepted = life()[:2]
    write(storage, "order-1", first)
    with storage.unit_of_work() as uow:
        with pytest.raises(ConcurrencyConflict):
            append(uow, "order-1", 0, accepted)
        append(uow, "order-1", 1, accepted)  # the transaction is not aborted: this still works
        uow.commit()
    assert rows(storage, b"SELECT version FROM orderflow_events ORDER BY version") == [(1,), (2,)]


def test_runners_skip_the_orders_another_runner_holds(storage: PostgresStorage) -> None:
    for n in range(4):
        write(storage, f"o-{n}", placed(f"o-{n}"))
    later = PAID_AT + 3 * DAY  # after every acceptance deadline
    with storage.unit_of_work() as first, storage.unit_of_work() as second:
        held = first.orders.due(later, 3)
        rest = second.orders.due(later, 3)
    assert held == ["o-0", "o-1", "o-2"]  # same due instant: by id
    assert rest == ["o-3"]


def test_relays_in_open_transactions_skip_each_others_messages(storage: PostgresStorage) -> None:
    first, accepted = life()[:2]
    write(storage, "order-1", first)
    write(storage, "order-1", accepted)
    every = messages_of("order-1", first) + messages_of("order-1", accepted)
    with storage.unit_of_work() as one, storage.unit_of_work() as two:
        held = one.outbox.claim(PAID_AT, 1, LEASE)
        rest = two.outbox.claim(PAID_AT, 10, LEASE)  # does not wait for one's transaction
    assert [m.message_id for m in held + rest] == every


def test_creating_the_schema_from_many_processes_at_once_is_harmless(pg_dsn: str) -> None:
    storages = [PostgresStorage(pg_dsn) for _ in range(4)]
    assert together([storage.create_schema for storage in storages]) == [None] * 4
    write(storages[0], "o-1", placed("o-1"))
    for storage in storages:
        storage.close()


def test_an_append_wakes_the_runner_that_waits_for_due_orders(storage: PostgresStorage) -> None:
    assert storage.wait_for_due(0) is True  # starts listening: check due before sleeping
    assert storage.wait_for_due(0) is False
    first = placed("o-1")
    write(storage, "o-1", first)
    assert storage.wait_for_due(5) is True
    assert storage.wait_for_due(0) is False  # one wake-up per burst
    canceled = advance(first.order, PAID_AT + 2 * DAY)
    assert next_due(canceled.order) is None
    write(storage, "o-1", canceled)
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
    storage.close()


def test_a_runner_that_lost_its_listening_connection_checks_and_listens_again(
    storage: PostgresStorage,
) -> None:
    storage.wait_for_due(0)
    with psycopg.connect(storage.dsn, autocommit=True) as other:
        other.execute(b"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'")
    assert storage.wait_for_due(5) is True
    assert storage.wait_for_due(0) is True  # listening again: check once more
    write(storage, "o-1", placed("o-1"))
    assert storage.wait_for_due(5) is True


def test_a_connection_the_server_dropped_is_replaced_before_any_unit_of_work_meets_it(
    storage: PostgresStorage,
) -> None:
    marked = PostgresStorage(make_conninfo(storage.dsn, application_name="doomed"), pool_size=2)
    together([partial(write, marked, f"o-{n}", placed(f"o-{n}")) for n in range(2)])  # two pooled connections
    with psycopg.connect(storage.dsn, autocommit=True) as admin:
        killed = admin.execute(
            b"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'doomed'"
        ).fetchall()
    assert len(killed) >= 1
    for n in range(2, 6):  # before psycopg_pool, the first pool_size of these raised OperationalError
        write(marked, f"o-{n}", placed(f"o-{n}"))
    marked.close()


def test_the_documented_schema_is_the_one_created() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    (block,) = re.findall(r"```sql\n(CREATE TABLE.*?)```", text, re.S)
    assert block.strip() == SCHEMA.decode().strip()
