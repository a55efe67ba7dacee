"""A PostgreSQL restart (issue 13 item 5): while the server is down every call raises the typed
``StorageUnavailable`` (never a raw driver error); once it is back the pool replaces its dead
connections by itself and no call meets one.

The test starts a server of its own with ``scripts/pg-test-server`` (``pause``/``resume``), so it
runs where the suite's PostgreSQL runs (``ORDERFLOW_PG_DSN`` set: skipped, or failed in CI, without).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from orderflow import Accept, Role, State, StorageUnavailable
from orderflow.adapters.postgres import PostgresStorage
from orderflow.service import OrderService
from orderflow.testing import FakeClock

from support import HOUR, PAID_AT, placement

pytest_plugins = ["pg"]
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pg-test-server"


def server(command: str, directory: Path) -> str:
    return subprocess.run(
        [str(SCRIPT), command, str(directory)], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def own_server(pg_server: str) -> Iterator[tuple[str, Path]]:
    """A throw-away server of this test's own (the suite's keeps running)."""
    parent = Path(tempfile.mkdtemp(prefix="orderflow-restart-"))
    os.chmod(parent, 0o755)  # the server runs as the postgres user
    directory = parent / "server"
    try:
        yield server("start", directory).strip(), directory
    finally:
        server("stop", directory)
        parent.rmdir()


def test_calls_fail_typed_while_the_server_is_down_and_succeed_once_it_is_back(
    own_server: tuple[str, Path],
) -> None:
    dsn, directory = own_server
    storage = PostgresStorage(dsn, pool_size=3, pool_timeout=1.0)
    storage.create_schema()
    clock = FakeClock(PAID_AT + HOUR)
    service = OrderService(storage, clock)
    for n in range(3):
        service.place(placement(order_id=f"o-{n}"))
    server("pause", directory)
    try:
        for n in range(3):
            with pytest.raises(StorageUnavailable):
                service.order(f"o-{n}")
    finally:
        server("resume", directory)
    failures: list[BaseException] = []
    deadline = time.monotonic() + 30
    while True:  # the pool reconnects in the background, with backoff
        try:
            service.order("o-0")
            break
        except StorageUnavailable as error:
            failures.append(error)
            assert time.monotonic() < deadline, "the pool never reconnected"
            time.sleep(0.2)
    for n in range(3):  # before psycopg_pool: pool_size calls raised psycopg.OperationalError here
        assert service.handle(f"o-{n}", Accept(Role.SELLER)).order.state is State.IN_PROGRESS
    assert all(isinstance(error, StorageUnavailable) for error in failures)
    storage.close()
