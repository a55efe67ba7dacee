"""One process of the torture test (``test_torture.py``): a command client, the deadline runner or
the outbox relay, on SQLite or PostgreSQL, until SIGKILLed. Run as a script so that the test can
kill exactly it: ``python torture_worker.py ROLE BACKEND WHERE LOGDIR INDEX WALL0``.

Every process reads one accelerated clock (``SPEED`` domain seconds per real second since
``WALL0``), so deadlines fall due while the test runs. A client logs each key it sends (before
sending it) as ``key order_id command-json`` lines; after a restart it first sends its last key
again, as a client retrying a request whose answer it never got. The relay logs each message id
it was handed (at-least-once deliveries).
"""

from __future__ import annotations

import contextlib
import json
import random
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from orderflow import (
    Accept,
    AcceptCancellation,
    AcceptOffer,
    AcceptPartialRefund,
    AcceptRevision,
    Cancel,
    Close,
    Command,
    Deliver,
    Money,
    OfferCustom,
    OpenDispute,
    OrderflowError,
    Placement,
    ProposePartialRefund,
    RefuseCancellation,
    RefuseRevision,
    RequestCancellation,
    RequestRevision,
    Review,
    Role,
    WithdrawPartialRefund,
)
from orderflow.codec import decode_command, encode_command
from orderflow.ports import Message, Storage
from orderflow.service import DeadlineRunner, OrderService, OutboxRelay

START = datetime(2026, 1, 3, 10, 0, tzinfo=timezone.utc)
#: Domain seconds per real second: an hour a second, so that acceptance windows run out.
SPEED = 3600
ORDERS_PER_CLIENT = 6
B, S = Role.BUYER, Role.SELLER


class RushedClock:
    """Wall time sped up ``SPEED`` times from ``START`` at ``wall0``: shared by every process."""

    def __init__(self, wall0: float) -> None:
        self.wall0 = wall0

    def now(self) -> datetime:
        return START + timedelta(seconds=(time.time() - self.wall0) * SPEED)


def open_storage(backend: str, where: str) -> Storage:
    if backend == "sqlite":
        from orderflow.adapters.sqlite import SQLiteStorage

        return SQLiteStorage(where, snapshot_every=5)
    from orderflow.adapters.postgres import PostgresStorage

    return PostgresStorage(where, snapshot_every=5, pool_size=2)


def menu(client: int, n: int) -> list[tuple[int, Command]]:
    """Weighted commands: most are the order's ordinary moves, endings are rarer."""

    def eur(amount: str) -> Money:
        return Money(amount, "EUR")

    return [
        (6, Accept(S)),
        (5, Deliver(S)),
        (3, Close(B)),
        (3, RequestRevision(B)),
        (2, AcceptRevision(S)),
        (2, RefuseRevision(S, "done as asked")),
        (2, RequestCancellation(B)),
        (1, AcceptCancellation(S)),
        (2, RefuseCancellation(S, "nearly there")),
        (3, OfferCustom(S, f"of-{client}-{n}", eur("5.00"), 1)),
        (2, AcceptOffer(B, f"of-{client}-{n - 1}")),
        (2, ProposePartialRefund(B, eur("1.00"), "a part is missing")),
        (2, AcceptPartialRefund(S)),
        (1, WithdrawPartialRefund(B)),
        (2, Review(B, 4, "fine")),
        (1, Cancel(B)),
        (1, OpenDispute(B)),
    ]


def client(storage: Storage, clock: RushedClock, logdir: Path, index: int) -> None:
    service = OrderService(storage, clock, clock_tolerance=timedelta(minutes=5))
    log = logdir / f"client-{index}.keys"
    sent = log.read_text().splitlines() if log.exists() else []
    if sent:  # the answer to the last request may have been lost with the process: ask again
        key, order_id, body = sent[-1].split(" ", 2)
        _send(service, order_id, decode_command(json.loads(body)), key)
    orders = [f"c{index}-{n}" for n in range(ORDERS_PER_CLIENT)]
    for order_id in orders:
        placement = Placement(
            order_id=order_id,
            buyer=f"buyer-{index}",
            seller="seller-1",
            price=Money("40.00", "EUR"),
            delivery_days=2,
            paid_at=clock.now(),
            platform_fee=Money("2.00", "EUR"),
        )
        with contextlib.suppress(OrderflowError):  # placed before the last kill (another paid_at)
            service.place(placement, key=f"place-{order_id}")
    rng = random.Random()
    n = len(sent)
    with log.open("a") as keys:
        while True:
            n += 1
            weights, commands = zip(*menu(index, n), strict=True)
            command = rng.choices(commands, weights)[0]
            order_id, key = rng.choice(orders), f"c{index}-k{n}"
            keys.write(f"{key} {order_id} {json.dumps(encode_command(command))}\n")
            keys.flush()
            _send(service, order_id, command, key)


def _send(service: OrderService, order_id: str, command: Command, key: str) -> None:
    with contextlib.suppress(OrderflowError):  # rejections are the rules' answers
        service.handle(order_id, command, key=key)


def runner(storage: Storage, clock: RushedClock) -> None:
    DeadlineRunner(storage, clock, batch=20, poll=timedelta(milliseconds=200)).run_forever(threading.Event())


def relay(storage: Storage, clock: RushedClock, logdir: Path) -> None:
    rng = random.Random()
    with (logdir / "relay.delivered").open("a") as delivered:

        def publish(message: Message) -> None:
            if rng.random() < 0.1:
                raise ConnectionError("the wallet is busy")
            delivered.write(message.message_id + "\n")
            delivered.flush()

        OutboxRelay(
            storage,
            clock,
            publish,
            batch=20,
            lease=timedelta(hours=1),  # one real second
            backoff=timedelta(minutes=30),
            max_attempts=None,
            max_age=None,
            poll=timedelta(milliseconds=200),
        ).run_forever(threading.Event())


def main() -> None:
    role, backend, where, logdir, index, wall0 = sys.argv[1:]
    storage = open_storage(backend, where)
    clock = RushedClock(float(wall0))
    print("ready", flush=True)
    if role == "client":
        client(storage, clock, Path(logdir), int(index))
    elif role == "runner":
        runner(storage, clock)
    else:
        relay(storage, clock, Path(logdir))


if __name__ == "__main__":
    main()
