"""The FastAPI example (examples/web_app.py, the app of docs/integration.md) through FastAPI's test
client: a placement, commands with idempotency keys, and each kind of orderflow error as the HTTP
status the docs' table gives it."""

from __future__ import annotations

import runpy
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orderflow import (
    CorruptHistory,
    IdempotencyConflict,
    InvalidArgument,
    NotAllowed,
    OrderflowError,
    StorageUnavailable,
)
from orderflow.adapters.memory import MemoryStorage
from orderflow.testing import FakeClock

from support import PAID_AT

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
with warnings.catch_warnings():  # starlette deprecates its own httpx-based client: not ours to fix
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

EXAMPLE = runpy.run_path(str(Path(__file__).parents[2] / "examples" / "web_app.py"))
ORDER = {"order_id": "o-1", "buyer": "ann", "seller": "sam", "price": "40.00", "delivery_days": 3}
BUYER, SELLER = {"X-User": "ann"}, {"X-User": "sam"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(PAID_AT)


@pytest.fixture
def client(clock: FakeClock) -> Iterator[TestClient]:
    with TestClient(EXAMPLE["create_app"](MemoryStorage(), clock)) as client:
        yield client


def command(client: TestClient, body: dict[str, Any], user: dict[str, str], key: str | None = None) -> Any:
    headers = {**user, **({"Idempotency-Key": key} if key else {})}
    return client.post("/orders/o-1/commands", json=body, headers=headers)


def test_an_order_is_placed_accepted_and_read_with_what_each_party_may_do(
    client: TestClient, clock: FakeClock
) -> None:
    placed = client.post("/orders", json=ORDER)
    assert placed.status_code == 201
    assert placed.json() == {
        "id": "o-1",
        "state": "pending",
        "version": 1,
        "escrow": "40.00",
        "currency": "EUR",
    }
    clock.advance(hours=1)
    accepted = command(client, {"action": "accept"}, SELLER, key="req-1")
    assert (accepted.status_code, accepted.json()["state"]) == (200, "in_progress")
    assert command(client, {"action": "accept"}, SELLER, key="req-1").json() == accepted.json()  # replayed
    assert "deliver" in client.get("/orders/o-1", headers=SELLER).json()["actions"]


@pytest.mark.parametrize(
    ("request_", "status", "error"),
    [
        (lambda c: c.get("/orders/o-9", headers=BUYER), 404, "UnknownOrder"),
        (lambda c: c.post("/orders", json=ORDER), 409, "OrderExists"),
        (lambda c: c.post("/orders", json={**ORDER, "order_id": "o-\x00"}), 422, "InvalidArgument"),
        (lambda c: command(c, {"action": "deliver"}, BUYER), 403, "NotAllowed"),
        (lambda c: command(c, {"action": "close"}, BUYER), 409, "InvalidTransition"),
        (lambda c: command(c, {"action": "accept_offer", "offer_id": "x"}, BUYER), 404, "UnknownReference"),
        (lambda c: command(c, {"action": "fly"}, BUYER), 422, None),
        (lambda c: c.get("/orders/o-1", headers={"X-User": "eve"}), 403, None),
    ],
    ids=[
        "unknown order",
        "taken id",
        "bad id",
        "not allowed",
        "invalid transition",
        "unknown offer",
        "bad body",
        "stranger",
    ],
)
def test_each_error_gets_its_status(
    client: TestClient, clock: FakeClock, request_: Any, status: int, error: str | None
) -> None:
    assert client.post("/orders", json=ORDER).status_code == 201
    clock.advance(hours=1)
    assert command(client, {"action": "accept"}, SELLER).status_code == 200
    response = request_(client)
    assert response.status_code == status, response.json()
    if error is not None:
        assert response.json()["error"] == error


def test_a_reused_key_says_which_fields_differ(client: TestClient, clock: FakeClock) -> None:
    client.post("/orders", json=ORDER)
    clock.advance(hours=1)
    command(client, {"action": "accept"}, SELLER)
    propose = {
        "action": "propose_partial_refund",
        "amount": {"amount": "5.00", "currency": "EUR"},
        "reason": "x",
    }
    assert command(client, propose, BUYER, key="k").status_code == 200
    again = command(client, {**propose, "amount": {"amount": "6.00", "currency": "EUR"}}, BUYER, key="k")
    assert (again.status_code, again.json()["error"]) == (422, "IdempotencyConflict")
    assert "amount" in again.json()["message"]


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidArgument("x"), 422),
        (NotAllowed.__new__(NotAllowed), 403),
        (IdempotencyConflict("k"), 422),
        (StorageUnavailable("down"), 503),
        (CorruptHistory("o-1", 3, "gap"), 500),
    ],
)
def test_every_error_base_and_class_has_a_status(error: OrderflowError, status: int) -> None:
    assert EXAMPLE["status_of"](error) == status


def test_every_public_error_class_is_mapped() -> None:
    import orderflow.errors as errors

    classes = [getattr(errors, name) for name in errors.__all__]
    assert all(EXAMPLE["status_of"](cls.__new__(cls)) in {403, 404, 409, 422, 500, 503} for cls in classes)
