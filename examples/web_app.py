"""A web API over orderflow with FastAPI: place an order, send commands with an
``Idempotency-Key``, read an order; every orderflow error becomes an HTTP status (docs/integration.md
has the table, ``STATUS`` below is it). ``tests/integration/test_web_app.py`` runs it through
FastAPI's test client.

Needs the ``web`` extra (``pip install 'orderflow[web]'``). Run it with
``uvicorn examples.web_app:app`` (an SQLite file ``orders.db`` in the working directory and the
system clock); ``create_app(storage, clock)`` builds it on any storage and clock.

Who the caller is stays the host's business: here an ``X-User`` header names a buyer, a seller or
``platform`` (a real app takes it from its session or token), and the app maps it to the order's
``Role``. The core then checks what that role may do.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse

from orderflow import (
    CodecError,
    ConcurrencyConflict,
    CurrencyMismatch,
    DeadlinePassed,
    IdempotencyConflict,
    IntegrityError,
    InvalidAmount,
    InvalidArgument,
    InvalidTime,
    InvalidTransition,
    Money,
    NotAllowed,
    Order,
    OrderExists,
    OrderflowError,
    Placement,
    Rejection,
    Role,
    StorageError,
    StorageUnavailable,
    UnknownMessage,
    UnknownOrder,
    UnknownReference,
    available_actions,
)
from orderflow.codec import decode_command
from orderflow.ports import Clock, Storage
from orderflow.service import OrderService

#: Each orderflow error class to its HTTP status; an error takes the entry of its nearest class.
STATUS: dict[type[OrderflowError], int] = {
    OrderflowError: 500,  # the root: a class of a later orderflow not listed here
    # Rejection: the rules refused the command or an argument; nothing changed (R-ERR-1).
    Rejection: 422,
    InvalidArgument: 422,
    InvalidAmount: 422,
    InvalidTime: 422,
    CurrencyMismatch: 422,
    UnknownReference: 404,  # an offer or a proposal the order does not have
    NotAllowed: 403,  # this role may not do that in this state
    InvalidTransition: 409,  # nobody may do that in this state
    DeadlinePassed: 409,
    # StorageError: the storage could not do it; nothing changed.
    StorageError: 503,
    UnknownOrder: 404,
    OrderExists: 409,
    IdempotencyConflict: 422,  # the key was used for another request
    ConcurrencyConflict: 409,  # still contended after the service's retries: retry later
    UnknownMessage: 404,
    StorageUnavailable: 503,  # the database is down: retry later
    # IntegrityError: stored data that cannot be trusted; an operator must look.
    IntegrityError: 500,
}


def status_of(error: OrderflowError) -> int:
    """The HTTP status of ``error``: the entry of the nearest class in its MRO."""
    return next(STATUS[cls] for cls in type(error).__mro__ if cls in STATUS)


def view(order: Order) -> dict[str, Any]:
    """What the API shows of an order."""
    ledger = order.ledger
    return {
        "id": order.id,
        "state": order.state.value,
        "version": order.version,
        "escrow": str(ledger.escrow),
        "currency": ledger.currency,
    }


def role_of(order: Order, user: str) -> Role:
    """The caller's role in this order (403 for a stranger)."""
    if user == "platform":
        return Role.PLATFORM
    roles = {order.terms.buyer: Role.BUYER, order.terms.seller: Role.SELLER}
    if user not in roles:
        raise HTTPException(403, f"{user!r} is neither the buyer nor the seller of this order")
    return roles[user]


def create_app(storage: Storage, clock: Clock) -> FastAPI:
    """The API over ``storage`` and ``clock`` (one ``OrderService`` for every request thread)."""
    service = OrderService(storage, clock)
    app = FastAPI(title="orders")

    @app.exception_handler(OrderflowError)
    def failed(request: Request, error: OrderflowError) -> JSONResponse:
        status = status_of(error)
        headers = {"Retry-After": "1"} if status == 503 else None
        body = {"error": type(error).__name__, "message": str(error)}
        return JSONResponse(body, status_code=status, headers=headers)

    @app.post("/orders", status_code=201)
    def place(
        body: dict[str, Any], key: str | None = Header(None, alias="Idempotency-Key")
    ) -> dict[str, Any]:
        currency = str(body.get("currency", "EUR"))
        placement = Placement(
            order_id=body.get("order_id"),  # type: ignore[arg-type]  # the validators check it
            buyer=body.get("buyer"),  # type: ignore[arg-type]
            seller=body.get("seller"),  # type: ignore[arg-type]
            price=Money(Decimal(str(body.get("price"))), currency),
            delivery_days=body.get("delivery_days"),  # type: ignore[arg-type]
            paid_at=clock.now(),
            platform_fee=Money(Decimal(str(body.get("platform_fee", "0"))), currency),
        )
        return view(service.place(placement, key=key).order)

    @app.get("/orders/{order_id}")
    def read(order_id: str, user: str = Header(alias="X-User")) -> dict[str, Any]:
        order = service.order(order_id)
        role = role_of(order, user)
        choices = available_actions(order, role, service.now(order.updated_at))
        return {**view(order), "actions": [choice.action for choice in choices]}

    @app.post("/orders/{order_id}/commands")
    def command(
        order_id: str,
        body: dict[str, Any],
        user: str = Header(alias="X-User"),
        key: str | None = Header(None, alias="Idempotency-Key"),
    ) -> dict[str, Any]:
        role = role_of(service.order(order_id), user)
        try:
            cmd = decode_command({**body, "actor": role.value})
        except CodecError as error:  # the client's body, not stored data: a 422, not a 500
            raise HTTPException(422, str(error)) from error
        decision = service.handle(order_id, cmd, key=key)
        return {**view(decision.order), "fired": list(decision.fired)}

    return app


def _default_app() -> FastAPI:
    from orderflow.adapters.clocks import SystemClock
    from orderflow.adapters.sqlite import SQLiteStorage

    storage = SQLiteStorage("orders.db")
    storage.create_schema()
    return create_app(storage, SystemClock())


def __getattr__(name: str) -> FastAPI:
    """``app`` for ``uvicorn examples.web_app:app``, built on first use (importing this module
    opens no database)."""
    if name == "app":
        return _default_app()
    raise AttributeError(name)
