"""A complete backend on SQLite: orders placed and moved through ``OrderService``, deadlines fired
by a ``DeadlineRunner``, money moved by an ``OutboxRelay`` handing effects to a wallet and a
payment provider that deduplicate on the message id.

Run it: ``python examples/backend_sqlite.py [database-file]``. It uses a settable clock so that
two days can pass in a second; a real backend passes ``SystemClock()`` instead.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from orderflow import Accept, Close, Deliver, Money, Placement, Refund, Role, WalletCredit
from orderflow.adapters.sqlite import SQLiteStorage
from orderflow.codec import decode_effect
from orderflow.ports import Message
from orderflow.service import DeadlineRunner, OrderService, OutboxRelay
from orderflow.testing import FakeClock


class Payments:
    """The host's wallet and payment provider: each message is acted on once, whatever the retries."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.wallets: dict[str, Decimal] = {}
        self.refunds: dict[str, Decimal] = {}

    def publish(self, message: Message, service: OrderService) -> None:
        if message.message_id in self.seen:  # delivered before: at-least-once delivery
            return
        effect = decode_effect(message.payload)
        terms = service.order(message.order_id).terms
        if isinstance(effect, WalletCredit):
            self.wallets[terms.seller] = self.wallets.get(terms.seller, Decimal(0)) + effect.amount.amount
        elif isinstance(effect, Refund):
            self.refunds[terms.buyer] = self.refunds.get(terms.buyer, Decimal(0)) + effect.amount.amount
        self.seen.add(message.message_id)


def placement(order_id: str, paid_at: datetime) -> Placement:
    """What the checkout hands over once the buyer paid."""
    return Placement(
        order_id=order_id,
        buyer="buyer-7",
        seller="seller-3",
        price=Money("40.00", "EUR"),
        delivery_days=2,
        paid_at=paid_at,
        platform_fee=Money("2.00", "EUR"),
    )


def main(database: Path) -> Payments:
    storage = SQLiteStorage(database)
    storage.create_schema()
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    service = OrderService(storage, clock)
    payments = Payments()
    relay = OutboxRelay(storage, clock, lambda message: payments.publish(message, service))
    runner = DeadlineRunner(storage, clock)

    # Order 1 goes well: the web handlers call the service, each with the client's request key.
    service.place(placement("order-1", clock.now()), key="checkout-1")
    clock.advance(hours=1)
    service.handle("order-1", Accept(Role.SELLER), key="req-accept-1")
    clock.advance(days=1)
    service.handle("order-1", Deliver(Role.SELLER), key="req-deliver-1")
    clock.advance(hours=3)
    closed = service.handle("order-1", Close(Role.BUYER), key="req-close-1")
    again = service.handle("order-1", Close(Role.BUYER), key="req-close-1")  # the client retried
    assert again == closed, "an idempotent retry returns the first decision and acts no more"

    # Order 2: the seller never answers; the runner cancels it when the acceptance window ends.
    service.place(placement("order-2", clock.now()), key="checkout-2")
    clock.advance(days=2, minutes=1)
    fired = runner.run_once()

    while relay.run_once():  # a relay service would loop forever (OutboxRelay.run_forever)
        pass
    storage.close()
    print(f"deadline runner advanced {fired} order(s)")
    print(f"wallets: {payments.wallets}; refunds: {payments.refunds}")
    return payments


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as directory:
            main(Path(directory) / "orders.db")
