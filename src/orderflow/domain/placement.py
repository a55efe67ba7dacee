"""Placing an order: the validated ``Placement`` and ``place_order`` (R-MONEY-1, R-MONEY-2)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs

from . import validators as v
from .dates import EARLIEST, LATEST, UTC, month_shift, require_aware
from .decision import Decision, new_decision
from .drafts import fast_init
from .effects import PLACED
from .errors import InvalidAmount, InvalidArgument
from .graph import graph_for
from .guard import entry_point
from .money import CONTEXT, NOTHING, QUANTA, ZEROS, Money, checked_amount
from .order import Extra, new_extra, new_terms
from .policy import COMEUP, Policy

if TYPE_CHECKING:
    from . import events as made  # the classes: their calls are type-checked
else:
    from .events import made

_NO_TIME = timedelta(0)
#: ``CONTEXT.multiply``, bound once (a method call on an imported name is an unspecialized
#: attribute load in Python 3.11).
_exact_product = CONTEXT.multiply


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
    if not isinstance(placement, Placement):
        raise InvalidArgument(f"not a placement: {placement!r}"[:200])
    p, policy = placement, placement.policy
    paid_at = p.paid_at
    if type(paid_at) is not datetime or paid_at.tzinfo is not UTC or not EARLIEST <= paid_at < LATEST:
        paid_at = require_aware(paid_at, "paid_at")  # converted to UTC, or InvalidTime
    currency, cap = p.price.currency, policy.max_amount
    nothing, quantum = ZEROS[currency], QUANTA[currency]
    # The price's, each option's and the tip's common case, ``checked_amount``'s first test,
    # written out (a call less each): positive, at most the cap, in the order's currency, written
    # with its minor unit. Any other amount goes to ``checked_amount``, which says what is wrong or
    # allows a zero.
    price = p.price.amount
    if not (NOTHING < price <= cap and price.same_quantum(quantum)):
        price = checked_amount(p.price, currency, cap, "price")
    tippable = price
    options: tuple[Extra, ...] = ()
    days = p.delivery_days
    for option in p.options:  # a loop, not a generator: most orders have none or one
        money = option.price
        amount = money.amount
        if not (NOTHING < amount <= cap and money.currency == currency and amount.same_quantum(quantum)):
            amount = checked_amount(money, currency, cap, "an option's price")
        extra = new_extra(option.name, amount, option.delivery_days)
        options += (extra,)
        tippable += amount
        days += extra.delivery_days
    given = p.tip
    if given is None:
        tip = nothing
    else:
        tip = given.amount
        if not (NOTHING < tip <= cap and given.currency == currency and tip.same_quantum(quantum)):
            tip = checked_amount(given, currency, cap, "tip", True)
    # R-MONEY-2, compared exactly: the product has up to 32 digits, beyond the host's 28.
    if tip and tip > _exact_product(tippable, policy.tip_cap_rate):
        raise InvalidAmount(f"tip {tip} is over {policy.tip_cap_rate:%} of {tippable}")
    window = policy.acceptance_window if p.acceptance_window is None else p.acceptance_window
    if window <= _NO_TIME:
        raise InvalidArgument("acceptance_window must be positive")
    fee = (
        nothing
        if p.platform_fee is None
        else checked_amount(p.platform_fee, currency, cap, "platform_fee", True)
    )
    tax = nothing if p.tax is None else checked_amount(p.tax, currency, cap, "tax", True)
    bank_fee = nothing if p.bank_fee is None else checked_amount(p.bank_fee, currency, cap, "bank_fee", True)
    paid = tippable + tip + fee
    if paid > cap:
        raise InvalidAmount(f"the order's total {paid} is over the cap of {cap}")
    if (tax or bank_fee) and tax + bank_fee > paid:
        raise InvalidAmount("tax and bank_fee are parts of the payment: they cannot exceed it")
    # order_id, buyer, seller, currency, platform_fee, tax, bank_fee, paid_at, policy, graph
    terms = new_terms(
        p.order_id, p.buyer, p.seller, currency, fee, tax, bank_fee, paid_at, policy, graph_for(policy)
    )
    placed = made.OrderPlaced(
        at=paid_at,
        terms=terms,
        price=price,
        delivery_days=p.delivery_days,
        options=options,
        tip=tip,
        acceptance_due=paid_at + window,
        expires_at=paid_at + month_shift(paid_at.toordinal(), policy.expiry_months),  # ``add_months``
    )
    order = placed.opened(paid, days)  # what ``placed.create()`` derives, computed above
    return new_decision(order, (placed,), PLACED)  # ``effects_of(placed, None, order)``
