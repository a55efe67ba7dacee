"""Placing an order: the validated ``Placement`` and ``place_order`` (R-MONEY-1, R-MONEY-2)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from . import events as ev
from . import validators as v
from .dates import add_months, require_aware
from .decision import Decision
from .drafts import fast_init
from .effects import effects_of
from .errors import InvalidAmount, InvalidArgument
from .graph import graph_for
from .guard import entry_point
from .money import CONTEXT, Money, checked_amount, zero
from .order import Extra, Terms
from .policy import COMEUP, Policy

_NO_TIME = timedelta(0)


@fast_init
@attrs.frozen(weakref_slot=False)
class Option:
    """An option of the service bought with the order."""

    name: str = attrs.field(validator=v.non_empty_text)
    price: Money = attrs.field(validator=v.instance_of(Money))
    delivery_days: int = attrs.field(validator=v.whole_days)


@fast_init
@attrs.frozen(kw_only=True, weakref_slot=False)
class Placement:
    """What the buyer paid for, as the host gives it. Amounts are checked by ``place_order``."""

    order_id: str = attrs.field(validator=v.identifier)
    buyer: str = attrs.field(validator=v.identifier)
    seller: str = attrs.field(validator=v.identifier)
    price: Money = attrs.field(validator=v.instance_of(Money))
    delivery_days: int = attrs.field(validator=v.whole_days)
    paid_at: datetime = attrs.field(validator=v.instance_of(datetime))
    options: tuple[Option, ...] = attrs.field(default=(), validator=v.tuple_of(Option))
    tip: Money | None = attrs.field(default=None, validator=v.optional(Money))
    platform_fee: Money | None = attrs.field(default=None, validator=v.optional(Money))
    tax: Money | None = attrs.field(default=None, validator=v.optional(Money))
    bank_fee: Money | None = attrs.field(default=None, validator=v.optional(Money))
    #: Per-service override of the policy's acceptance window (R-PEND-3).
    acceptance_window: timedelta | None = attrs.field(default=None, validator=v.optional_window)
    policy: Policy = attrs.field(default=COMEUP, validator=v.instance_of(Policy))


@entry_point
def place_order(placement: Placement) -> Decision:
    """The new order, pending with all of its payment in escrow (R-MONEY-1, R-PEND-3, R-EXP-1)."""
    p, policy = placement, placement.policy
    paid_at = require_aware(p.paid_at, "paid_at")
    currency, cap = p.price.currency, policy.max_amount

    def amount(money: Money | None, what: str) -> Decimal:
        return (
            zero(currency)
            if money is None
            else checked_amount(money, currency, cap=cap, allow_zero=True, what=what)
        )

    price = checked_amount(p.price, currency, cap=cap, what="price")
    options = tuple(
        Extra(o.name, checked_amount(o.price, currency, cap=cap, what="an option's price"), o.delivery_days)
        for o in p.options
    )
    tip = amount(p.tip, "tip")
    tippable = price
    for option in options:
        tippable += option.price
    # R-MONEY-2, compared exactly: the product has up to 32 digits, beyond the host's 28.
    if tip > CONTEXT.multiply(tippable, policy.tip_cap_rate):
        raise InvalidAmount(f"tip {tip} is over {policy.tip_cap_rate:%} of {tippable}")
    window = policy.acceptance_window if p.acceptance_window is None else p.acceptance_window
    if window <= _NO_TIME:
        raise InvalidArgument("acceptance_window must be positive")
    terms = Terms(
        order_id=p.order_id,
        buyer=p.buyer,
        seller=p.seller,
        currency=currency,
        platform_fee=amount(p.platform_fee, "platform_fee"),
        tax=amount(p.tax, "tax"),
        bank_fee=amount(p.bank_fee, "bank_fee"),
        paid_at=paid_at,
        policy=policy,
        graph=graph_for(policy),
    )
    placed = ev.OrderPlaced(
        at=paid_at,
        terms=terms,
        price=price,
        delivery_days=p.delivery_days,
        options=options,
        tip=tip,
        acceptance_due=paid_at + window,
        expires_at=add_months(paid_at, policy.expiry_months),
    )
    order = placed.create()
    paid = order.ledger.paid
    if paid > policy.max_amount:
        raise InvalidAmount(f"the order's total {paid} is over the cap of {policy.max_amount}")
    if terms.tax + terms.bank_fee > paid:
        raise InvalidAmount("tax and bank_fee are parts of the payment: they cannot exceed it")
    return Decision(order, (placed,), effects_of(placed, None, order))
