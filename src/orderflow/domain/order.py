"""The order value: immutable terms agreed at placement plus the state that events evolve.

An ``Order`` is never mutated: ``decide`` returns a new one. Facts that can be derived (lateness,
the seller's share, running deadlines) are computed, not stored.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from .drafts import builder, copier, fast_init, finisher
from .money import Ledger, Money
from .policy import Policy
from .states import TERMINAL, WORKING, Role, State


@fast_init
@attrs.frozen(weakref_slot=False)
class Extra:
    """A priced addition to the service: an option or an accepted custom offer."""

    name: str
    price: Decimal
    delivery_days: int


@fast_init
@attrs.frozen(weakref_slot=False)
class Terms:
    """What an order must remember of its placement; shared by every version of the order.

    What the payment was made of (price, options, tip) is recorded by ``OrderPlaced``.
    """

    order_id: str
    buyer: str
    seller: str
    currency: str
    platform_fee: Decimal
    tax: Decimal  # tax and bank_fee are parts of the payment, for the voucher (R-EXP-2)
    bank_fee: Decimal
    paid_at: datetime
    policy: Policy
    #: The policy's ``graph.Graph`` (``graph_for(policy)``), kept here so that deciding needn't
    #: look it up. Typed ``Any``: the graph reads orders, so this module cannot name it without
    #: an import cycle; readers annotate it (``graph: Graph = order.terms.graph``).
    graph: Any = attrs.field(eq=False, repr=False)

    def money(self, amount: Decimal) -> Money:
        """An amount of this order as ``Money``."""
        return Money._of_order(amount, self.currency)


@attrs.frozen
class Offer:
    """An open custom offer (R-PROG-3)."""

    offer_id: str
    price: Decimal
    delivery_days: int
    lapses_at: datetime


@attrs.frozen
class Proposal:
    """The one open partial-refund proposal (R-PART-1)."""

    proposer: Role
    amount: Decimal
    reason: str


@attrs.frozen
class OrderHold:
    """Staff paused the order at ``since``; releasing resumes ``resume`` (R-HOLD-1)."""

    since: datetime
    resume: State


@fast_init
@attrs.frozen(weakref_slot=False)  # see drafts.py
class Order:
    """One order at one version. Build it with ``place_order``; evolve it with ``decide``."""

    terms: Terms
    state: State
    version: int
    ledger: Ledger
    updated_at: datetime  # time of the last event (R-TIME-1)
    expires_at: datetime  # R-EXP-1, shifted by holds only
    delivery_days: int  # service + options + accepted extras (R-REV-2, R-DISP-2)
    delivery_due: datetime | None = None  # in force from acceptance until delivered (R-PEND-2)
    timer_due: datetime | None = None  # the state's own deadline (deadlines.STATE_TIMER)
    accepted_at: datetime | None = None
    revision_requested_at: datetime | None = None
    late_delivery: bool | None = None  # None: never delivered; True: some delivery was late
    cancellation_refusals: int = 0  # R-CANC-5, never reset (R-TIME-5)
    revisions: int = 0  # R-REV-5
    offers: tuple[Offer, ...] = ()
    offer_ids: frozenset[str] = frozenset()  # every offer id ever made (R-PROG-3)
    proposal: Proposal | None = None
    hold: OrderHold | None = None
    review_until: datetime | None = None  # R-END-1
    reviewed: bool = False
    reminded: tuple[tuple[str, datetime], ...] = ()  # reminders sent: (deadline name, its instant)

    @property
    def id(self) -> str:
        return self.terms.order_id

    @property
    def policy(self) -> Policy:
        return self.terms.policy

    @property
    def currency(self) -> str:
        return self.terms.currency

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL

    def is_late(self, now: datetime) -> bool:
        """R-LATE-1, R-TIME-4: working past the delivery deadline (``is_overdue``, written out:
        deciding asks on every delivery)."""
        due = self.delivery_due
        return self.state in WORKING and due is not None and now >= due

    def is_overdue(self, now: datetime) -> bool:
        """The delivery deadline in force has passed, frozen or not: how R-STAT-3 counts lateness."""
        due = self.delivery_due
        return due is not None and now >= due

    @property
    def seller_share(self) -> Decimal:
        """What escrow still holds of the seller's part (R-MONEY-7): all of it but the fee."""
        return Decimal(0) if self.is_terminal else self.ledger.escrow - self.terms.platform_fee

    def offer(self, offer_id: str) -> Offer | None:
        return next((o for o in self.offers if o.offer_id == offer_id), None)


#: ``draft(order)``: a mutable copy of ``order`` for an event to change; ``finish(draft)`` makes
#: it an ``Order`` again (see drafts.py).
draft = copier(Order)
finish = finisher(Order)

#: ``Order(...)``, ``Terms(...)`` and ``Extra(...)`` without the class call (``drafts.builder``),
#: for the core's hot paths.
new_order = builder(Order)
new_terms = builder(Terms)
new_extra = builder(Extra)
