"""A small fake host platform: a wallet ledger and a notification outbox fed from orderflow's effects.

It stands for a QA team's own code: it never reads the order, only the effects each decision
returns, and keeps its own books. ``Host.apply`` is what the platform runs after persisting a
decision; ``forget_refunds`` simulates a bug (refunds not paid back) for the example to catch.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import attrs

from orderflow import Decision, EscrowDeposit, Notification, PlatformRevenue, Refund, Role, WalletCredit


@attrs.define
class Host:
    """Balances by account (``escrow``, ``buyer``, ``seller``, ``platform``) and an outbox."""

    forget_refunds: bool = False
    balances: Counter[str] = attrs.field(factory=Counter)
    outbox: list[tuple[Role, str]] = attrs.field(factory=list)

    def apply(self, decision: Decision) -> None:
        """Carry out a decision's effects: move money between accounts, queue notifications."""
        for effect in decision.effects:
            if isinstance(effect, EscrowDeposit):
                self.move(None, "escrow", effect.amount.amount)
            elif isinstance(effect, Refund) and not self.forget_refunds:
                self.move("escrow", "buyer", effect.amount.amount)
            elif isinstance(effect, WalletCredit):
                self.move("escrow", "seller", effect.amount.amount)
            elif isinstance(effect, PlatformRevenue):
                self.move("escrow", "platform", effect.amount.amount)
            elif isinstance(effect, Notification):
                self.outbox.append((effect.party, effect.topic))

    def move(self, source: str | None, target: str, amount: Decimal) -> None:
        """Move ``amount`` from ``source`` (None: paid in from outside) to ``target``."""
        if source is not None:
            self.balances[source] -= amount  # type: ignore[assignment]
        self.balances[target] += amount  # type: ignore[assignment]
