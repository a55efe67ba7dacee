"""The storage contract for ``SQLiteStorage`` (a file in ``tmp_path``, snapshots every 3 events so
that loads cross snapshot boundaries), and what only SQLite has: processes sharing the file,
per-thread connections, snapshots, the schema's version mark."""

from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlite_worker

from orderflow.adapters._sql import SchemaMismatch
from orderflow.adapters.sqlite import SQLiteStorage, micros
from orderflow.testing.contract import StorageContract
from orderflow.testing.contract.support import THREADS, life, load_then_close, pending, write

from support import HOUR


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[SQLiteStorage]:
    storage = SQLiteStorage(tmp_path / "orders.db", snapshot_every=3)
    storage.create_schema()
    yield storage
    storage.close()


class TestSQLiteStorage(StorageContract):
    examples = 10

    @pytest.fixture
    def storage(self, storage: SQLiteStorage) -> SQLiteStorage:
        return storage

    @pytest.fixture
    def peers(self, storage: SQLiteStorage) -> Iterator[list[SQLiteStorage]]:
        """Half the threads share the storage (one connection each), half open the file apart
        (as other processes would), so that both queue for the write lock."""
        others = [SQLiteStorage(storage.path) for _ in range(THREADS // 2)]
        yield [s for other in others for s in (storage, other)]
        for other in others:
            other.close()


def test_processes_sharing_the_file_create_once_and_extend_without_gaps(storage: SQLiteStorage) -> None:
    placed, accepted = life("offered")[:2]
    write(storage, "offered", placed)
    write(storage, "offered", accepted)
    spawn = multiprocessing.get_context("spawn")
    workers, offers = 3, 3
    start = spawn.Barrier(workers)
    now = accepted.order.updated_at + HOUR
    processes = [
        spawn.Process(target=sqlite_worker.work, args=(storage.path, n, offers, now, start))
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=20)
    codes = [process.exitcode for process in processes]
    assert (codes.count(sqlite_worker.CREATED), codes.count(sqlite_worker.LOST)) == (1, workers - 1)
    with storage.unit_of_work() as uow:
        assert len(uow.orders.events("created")) == 1
        offered = uow.orders.load("offered")
    assert offered.version == 2 + workers * offers
    assert len(offered.offers) == workers * offers
    versions = sorted(m.version for m in pending(storage) if m.order_id == "offered")
    assert versions == list(range(1, offered.version + 1))


def test_each_thread_uses_its_own_connection(storage: SQLiteStorage) -> None:
    seen: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: seen.append(storage.connection()))
    thread.start()
    thread.join()
    assert storage.connection() is storage.connection()
    assert seen[0] is not storage.connection()


def test_a_thread_cannot_open_a_unit_of_work_inside_another(storage: SQLiteStorage) -> None:
    with storage.unit_of_work(), pytest.raises(RuntimeError, match="already has a unit of work"):
        storage.unit_of_work().__enter__()
    with storage.unit_of_work() as uow:  # the storage is still usable
        assert uow.orders.due(datetime.now(timezone.utc), 1) == []


def test_loads_start_from_the_latest_snapshot(storage: SQLiteStorage) -> None:
    decisions = life()
    for decision in decisions:
        write(storage, "order-1", decision)
    db = storage.connection()
    assert db.execute("SELECT version, snapshot_version FROM orders").fetchone() == (7, 6)
    db.execute("DELETE FROM events WHERE version <= 6")  # only the snapshot knows them now
    uncached = SQLiteStorage(storage.path, snapshot_every=3, cache_size=0)
    assert load_then_close(uncached, "order-1") == decisions[-1].order
    with storage.unit_of_work() as uow:
        assert uow.orders.events("order-1") == list(decisions[-1].events)


def test_an_unreadable_snapshot_is_ignored_and_the_order_replayed(storage: SQLiteStorage) -> None:
    decisions = life()
    for decision in decisions:
        write(storage, "order-1", decision)
    db = storage.connection()
    db.execute("""UPDATE orders SET snapshot = json_extract(snapshot, '$.order')""")  # as schema 1 wrote it
    db.execute("""UPDATE orders SET snapshot = replace(snapshot, '"schema":1', '"schema":0')""")
    assert '"schema":0' in db.execute("SELECT snapshot FROM orders").fetchone()[0]  # an older codec's
    uncached = SQLiteStorage(storage.path, snapshot_every=3, cache_size=0)
    assert load_then_close(uncached, "order-1") == decisions[-1].order


def test_a_new_storage_on_the_file_finds_the_data(storage: SQLiteStorage) -> None:
    decisions = life()
    write(storage, "order-1", decisions[0])
    storage.close()
    again = SQLiteStorage(storage.path)
    again.create_schema()
    with again.unit_of_work() as uow:
        assert uow.orders.load("order-1") == decisions[0].order
    again.close()


def test_a_database_from_a_later_schema_is_refused(storage: SQLiteStorage) -> None:
    storage.connection().execute("PRAGMA user_version = 3")
    with pytest.raises(SchemaMismatch, match="version 3"):
        storage.create_schema()


def test_the_journal_is_wal_and_synchronous_as_asked(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "orders.db", synchronous="normal")
    db = storage.connection()
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert db.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
    storage.close()
    with pytest.raises(ValueError, match="synchronous must be one of"):
        SQLiteStorage(tmp_path / "orders.db", synchronous="fast")


def test_instants_are_stored_as_utc_microseconds() -> None:
    paris = timezone(timedelta(hours=1))
    assert micros(datetime(1970, 1, 1, 1, 0, 0, 1, tzinfo=paris)) == 1
    assert micros(datetime(2026, 1, 3, 10, tzinfo=timezone.utc)) == 1_767_434_400 * 10**6


CLOSE_WHILE_IN_USE = """
import sys, threading
from orderflow.adapters.sqlite import SQLiteStorage
from orderflow.errors import StorageUnavailable
from orderflow.example import example_placement
from orderflow.service import OrderService
from orderflow.testing import FakeClock

storage = SQLiteStorage(sys.argv[1])
storage.create_schema()
service = OrderService(storage, FakeClock(example_placement().paid_at))
service.place(example_placement())
refused, other = [], []
started = threading.Barrier(5)

def read():
    started.wait()
    while True:
        try:
            service.order("o-1")
        except StorageUnavailable:
            refused.append(1)
            return
        except BaseException as error:
            other.append(repr(error))
            return

threads = [threading.Thread(target=read) for _ in range(4)]
for thread in threads:
    thread.start()
started.wait()
storage.close()
for thread in threads:
    thread.join(10)
print(len(refused), other)
"""


@pytest.mark.parametrize("run", range(3))
def test_closing_while_other_threads_use_the_storage_is_safe(tmp_path: Path, run: int) -> None:
    """Issue 13 item 3: before, this crashed the process (segfault, exit 139) or hung."""
    done = subprocess.run(
        [sys.executable, "-c", CLOSE_WHILE_IN_USE, str(tmp_path / f"o-{run}.db")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split(maxsplit=1) == ["4", "[]\n"]


def test_a_schema_1_file_is_migrated_and_keeps_its_messages(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(
        """CREATE TABLE outbox (seq INTEGER PRIMARY KEY, message_id TEXT NOT NULL UNIQUE,
            order_id TEXT NOT NULL, version INTEGER NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL,
            payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, ready_at INTEGER,
            published_at INTEGER, last_error TEXT);
        INSERT INTO outbox (message_id, order_id, version, idx, kind, payload)
            VALUES ('o-1:1:0', 'o-1', 1, 0, 'notification', '{}');
        PRAGMA user_version = 1;"""
    )
    db.close()
    storage = SQLiteStorage(path)
    storage.create_schema()
    assert [m.message_id for m in pending(storage)] == ["o-1:1:0"]
    assert storage.connection().execute("PRAGMA user_version").fetchone() == (2,)
    storage.close()
