"""The cost of the service layer's checks, for instruction counts: ``bench_checks.py commands N``
runs N commands through ``OrderService`` (the ``bench_service.py`` mix, orders kept decoded) and
``bench_checks.py loads N`` N loads that decode 32 events each (``cache_size=0``), on SQLite with
``synchronous=OFF``; each prints its CPU time per operation in microseconds. For a stable figure,
run it under ``valgrind --tool=callgrind`` with N and with 0 and subtract (docs/persistence.md).
"""

import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

from orderflow import Accept, Money, Placement, ProposePartialRefund, Role, WithdrawPartialRefund
from orderflow.adapters.sqlite import SQLiteStorage
from orderflow.service import OrderService
from orderflow.testing import FakeClock

PAID = datetime(2026, 1, 3, 10, 0, tzinfo=timezone.utc)
PROPOSE = ProposePartialRefund(Role.BUYER, amount=Money("5.00", "EUR"), reason="a part is missing")
WITHDRAW = WithdrawPartialRefund(Role.BUYER)
IDS = [f"o-{n}" for n in range(20)]


def command(service: OrderService, n: int) -> None:
    """The n-th command of the mix: on each order in turn, propose a partial refund or withdraw it."""
    service.handle(IDS[n % 20], WITHDRAW if (n // 20) % 2 else PROPOSE)


def prepared(path: str, clock: FakeClock) -> OrderService:
    """Twenty orders in progress."""
    storage = SQLiteStorage(path, synchronous="OFF")
    storage.create_schema()
    service = OrderService(storage, clock)
    for order_id in IDS:
        price, fee = Money("50.00", "EUR"), Money("2.50", "EUR")
        placement = Placement(
            order_id=order_id,
            buyer="b",
            seller="s",
            price=price,
            delivery_days=3,
            paid_at=PAID,
            platform_fee=fee,
        )
        service.place(placement)
        service.handle(order_id, Accept(Role.SELLER))
    return service


def main() -> None:
    which, count = sys.argv[1], int(sys.argv[2])
    path = os.path.join(tempfile.mkdtemp(), "o.db")
    clock = FakeClock(PAID + timedelta(hours=1))
    service = prepared(path, clock)
    if which == "loads":
        for n in range(20 * 30):  # 30 more events per order (a snapshot every 50: all decoded)
            command(service, n)
        service = OrderService(SQLiteStorage(path, cache_size=0), clock)
    began = time.process_time()
    for n in range(count):
        if which == "loads":
            service.order(IDS[n % 20])
        else:
            command(service, n)
    if count:
        print(f"{(time.process_time() - began) / count * 1e6:.1f} µs of CPU per {which[:-1]}")


if __name__ == "__main__":
    main()
