"""A QA team's stateful test: orderflow's ``OrderMachine`` with hooks that mirror every decision
into the host platform (``qa_host``), and the host's own invariants beside orderflow's.

Run it with ``pytest examples/qa_mirror`` (our suite does, in tests/e2e/test_examples.py).
``QA_MIRROR_BUG=1`` makes the host forget refunds, and the host's invariant catches it.
"""

from __future__ import annotations

import os
from decimal import Decimal

from hypothesis.stateful import invariant

from orderflow import Command, Decision, OrderflowError, Role
from orderflow.testing import FakeClock, OrderMachine, machine_settings

from qa_host import Host


class MirroredOrders(OrderMachine):
    """Every decision orderflow takes is carried out by the host, as production would."""

    def on_placement(self, decision: Decision) -> None:
        self.host = Host(forget_refunds=os.environ.get("QA_MIRROR_BUG") == "1")
        self.clock = FakeClock(decision.order.updated_at)
        self.notices = 0
        self.host.move(None, "escrow", self.placement_total())  # the host's own checkout
        self.mirror(decision)

    def on_decision(self, decision: Decision) -> None:
        self.clock.set(self.now)  # the host's clock follows the machine's, never backwards
        self.mirror(decision)

    def on_rejection(self, command: Command, error: OrderflowError) -> None:
        # A refused command must not reach the host: nothing to carry out, nobody to notify.
        assert error.advanced is None or error.advanced.events

    def placement_total(self) -> Decimal:
        p = self.placement
        parts = [p.price, *(o.price for o in p.options), p.tip, p.platform_fee]
        return sum((m.amount for m in parts if m is not None), Decimal(0))

    def mirror(self, decision: Decision) -> None:
        self.host.apply(decision)
        self.notices += sum(1 for e in decision.effects if e.kind == "notification")

    @invariant()
    def host_wallets_equal_orderflows_ledger(self) -> None:
        ledger, balances = self.order.ledger, self.host.balances
        assert balances["escrow"] == ledger.escrow
        assert balances["buyer"] == ledger.refunded
        assert balances["seller"] == ledger.seller_credited
        assert balances["platform"] == ledger.platform_revenue
        assert all(amount >= Decimal(0) for amount in balances.values())

    @invariant()
    def every_notification_is_queued_for_a_party(self) -> None:
        assert len(self.host.outbox) == self.notices
        assert all(party in Role for party, _ in self.host.outbox)


TestMirroredOrders = MirroredOrders.TestCase
TestMirroredOrders.settings = machine_settings()


def test_the_plugin_fixtures_are_there(order_factory, fake_clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    """orderflow's pytest plugin gives a host's suite ready-made orders at its fake time."""
    order = order_factory()
    assert order.updated_at == fake_clock.now()
    assert order.ledger.escrow == Decimal("40.00")
