"""The ``pg_dsn`` fixture: a PostgreSQL DSN whose search path is a fresh, empty schema per test.

Load it with ``pytest_plugins = ["pg"]``. The server comes from ``ORDERFLOW_PG_DSN`` (``.ci/run``
starts a throw-away one with ``scripts/pg-test-server``). Without it the tests skip, except in CI
(``CI=true``), where they fail instead: CI must test PostgreSQL. A server set but unreachable fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

SERVER_VARIABLE = "ORDERFLOW_PG_DSN"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The configured server's DSN, checked once: skip without one (fail in CI)."""
    dsn = os.environ.get(SERVER_VARIABLE)
    if not dsn:
        if _in_ci():
            pytest.fail(f"CI=true but {SERVER_VARIABLE} is not set: .ci/run must start PostgreSQL")
        pytest.skip(f"no PostgreSQL server: set {SERVER_VARIABLE} (see docs/operations.md)")
    try:
        psycopg.connect(dsn, connect_timeout=5).close()
    except psycopg.OperationalError as error:
        pytest.fail(f"{SERVER_VARIABLE}={dsn!r} is unreachable: {error}")
    return dsn


@pytest.fixture
def pg_dsn(pg_server: str) -> Iterator[str]:
    """A DSN that works in a new schema of its own (dropped afterwards), so tests never meet."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield make_conninfo(pg_server, options=f"-c search_path={schema}")
    finally:
        with psycopg.connect(pg_server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
