"""Effects: what the host must carry out after a decision, as frozen values (never done here).

``effects_of`` derives them from each event: money to move (R-MONEY-*), the seller-statistics
impact (R-STAT-*), chat and review windows (R-END-*), voucher eligibility (R-EXP-2) and who to
notify. ``kind`` is each effect's stable public name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any, ClassVar

import attrs

from . import events as ev
from .drafts import family, fast_init
from .money import Money
from .order import Order
from .states import BUYER, COMPLETED, SELLER, TERMINAL, Role


@attrs.frozen
class Effect:
    kind: ClassVar[str]


@attrs.frozen
class WalletCredit(Effect):
    """Credit the seller's wallet (R-MONEY-3, R-DISP-2)."""

    kind = "wallet_credit"
    party: Role
    amount: Money


@attrs.frozen
class Refund(Effect):
    """Pay money back to the buyer (R-MONEY-4, R-PART-2, R-DISP-2)."""

    kind = "refund"
    party: Role
    amount: Money


@attrs.frozen
class PlatformRevenue(Effect):
    """Book money as the platform's (its fee on completion; escrow on expiry)."""

    kind = "platform_revenue"
    amount: Money


@attrs.frozen
class EscrowDeposit(Effect):
    """An extra the buyer paid during the order, now held in escrow (R-PROG-2)."""

    kind = "escrow_deposit"
    party: Role
    amount: Money


@attrs.frozen
class SellerStatistics(Effect):
    """How the ended order counts for the seller's rates (R-STAT-2, R-STAT-3, R-PEND-5).

    ``on_time`` is None when the order was never delivered and never late.
    """

    kind = "seller_statistics"
    seller: str
    completed: bool
    on_time: bool | None
    accepted: bool


@attrs.frozen
class ChatWindow(Effect):
    """The order's chat is open until ``until`` (None: open with no end set) (R-DELIV-3, R-END-*)."""

    kind = "chat_window"
    until: datetime | None


@attrs.frozen
class ReviewWindow(Effect):
    """The buyer may review the completed order until ``until`` (R-END-1)."""

    kind = "review_window"
    until: datetime


@attrs.frozen
class VoucherEligibility(Effect):
    """The buyer may get a voucher of ``amount`` after an expiry (R-EXP-2)."""

    kind = "voucher_eligibility"
    party: Role
    amount: Money


@attrs.frozen
class Notification(Effect):
    """Tell ``party`` that ``topic`` (an event name) happened."""

    kind = "notification"
    party: Role
    topic: str


def _to_the_other_party(event: ev.PartialRefundProposed, before: Order | None) -> tuple[Role, ...]:
    return (SELLER if event.proposal.proposer is BUYER else BUYER,)


def _to_the_proposer(event: ev.Event, before: Order | None) -> tuple[Role, ...]:
    return (before.proposal.proposer,) if before and before.proposal else _BOTH


def _to_the_reminded(event: ev.ReminderSent, before: Order | None) -> tuple[Role, ...]:
    return (event.party,)


_BOTH = (BUYER, SELLER)
#: Who hears of each event (besides the actor, who already knows): the roles, or a function of
#: the event and the order before it that names them. An event not listed is told to both parties.
AUDIENCE: dict[type[ev.Event], tuple[Role, ...] | Callable[[Any, Order | None], tuple[Role, ...]]] = {
    ev.OrderPlaced: (SELLER,),
    ev.OrderAccepted: (BUYER,),
    ev.OrderDelivered: (BUYER,),
    ev.CancellationRequested: (SELLER,),
    ev.CancellationRefused: (BUYER,),
    ev.RevisionRequested: (SELLER,),
    ev.RevisionAccepted: (BUYER,),
    ev.RevisionRefused: (BUYER,),
    ev.OptionBought: (SELLER,),
    ev.CustomOfferMade: (BUYER,),
    ev.CustomOfferAccepted: (SELLER,),
    ev.CustomOfferRefused: (SELLER,),
    ev.CustomOfferWithdrawn: (BUYER,),
    ev.ReviewLeft: (SELLER,),
    ev.ReminderSent: _to_the_reminded,
    ev.PartialRefundProposed: _to_the_other_party,
    ev.PartialRefundAccepted: _to_the_proposer,
    ev.PartialRefundDeclined: _to_the_proposer,
}


@cache
def _notices(parties: tuple[Role, ...], topic: str) -> tuple[Notification, ...]:
    """Effects are immutable values: each set of notifications is made once and shared."""
    return tuple(Notification(party, topic) for party in parties)


def _notifications(event: ev.Event, before: Order | None) -> tuple[Notification, ...]:
    audience = AUDIENCE.get(type(event), _BOTH)
    parties = audience(event, before) if callable(audience) else audience
    return _notices(parties, event.name)


#: The notifications of every event whose audience is fixed, derived from ``AUDIENCE``.
_FIXED_NOTICES = {
    kind: _notices(audience, kind.__name__)
    for kind in family(ev.Event)
    if not callable(audience := AUDIENCE.get(kind, _BOTH))
}
#: The effects of every placement, its fixed notices: ``effects_of(placed, None, order)`` for any
#: ``OrderPlaced``, which ``place_order`` gives without the call.
PLACED: tuple[Effect, ...] = _FIXED_NOTICES[ev.OrderPlaced]


def _completed(event: ev.OrderCompleted, before: Order, after: Order) -> list[Effect]:
    terms, money = after.terms, Money._of_order
    found: list[Effect] = [
        WalletCredit(SELLER, money(event.seller_credit, terms.currency)),
        PlatformRevenue(money(event.platform_revenue, terms.currency)),
    ]
    if event.refund:
        found.append(Refund(BUYER, money(event.refund, terms.currency)))
    found.append(ChatWindow(event.at + terms.policy.chat_window))
    found.append(ReviewWindow(event.review_until))
    return found


def _canceled(event: ev.OrderCanceled, before: Order, after: Order) -> list[Effect]:
    terms = after.terms
    return [
        Refund(BUYER, Money._of_order(event.refund, terms.currency)),
        ChatWindow(event.at + terms.policy.chat_window),
    ]


def _expired(event: ev.OrderExpired, before: Order, after: Order) -> list[Effect]:
    currency = after.terms.currency
    return [
        PlatformRevenue(Money._of_order(event.platform_revenue, currency)),
        VoucherEligibility(BUYER, Money._of_order(event.voucher, currency)),
    ]


def _partly_refunded(event: ev.PartialRefundAccepted, before: Order, after: Order) -> list[Effect]:
    return [Refund(BUYER, Money._of_order(event.amount, after.terms.currency))]


def _option_paid(event: ev.OptionBought, before: Order, after: Order) -> list[Effect]:
    return [EscrowDeposit(BUYER, Money._of_order(event.option.price, after.terms.currency))]


def _offer_paid(event: ev.CustomOfferAccepted, before: Order, after: Order) -> list[Effect]:
    offer = before.offer(event.offer_id)
    assert offer is not None  # the event was decided from ``before``
    return [EscrowDeposit(BUYER, Money._of_order(offer.price, after.terms.currency))]


def _chat_reopened(event: ev.Event, before: Order, after: Order) -> list[Effect]:
    return [ChatWindow(None)]


#: The effects besides notifications, by event type.
_CONSEQUENCES: dict[type[ev.Event], Callable[[Any, Order, Order], list[Effect]]] = {
    ev.OrderCompleted: _completed,
    ev.OrderCanceled: _canceled,
    ev.OrderExpired: _expired,
    ev.PartialRefundAccepted: _partly_refunded,
    ev.OptionBought: _option_paid,
    ev.CustomOfferAccepted: _offer_paid,
    ev.RevisionRequested: _chat_reopened,
}


#: The events whose effects may move money (``WalletCredit``, ``Refund``, ``PlatformRevenue``,
#: ``EscrowDeposit``); every other event's effects are notices, windows and statistics. A reader
#: that only sums money (the simulation's tally) skips the effects of decisions without one, so
#: they are never derived (decision.py).
MOVING_MONEY: frozenset[type[ev.Event]] = frozenset(_CONSEQUENCES) - {ev.RevisionRequested}


def effects_of(event: ev.Event, before: Order | None, after: Order) -> tuple[Effect, ...]:
    """The effects of one event applied to ``before`` (None for a placement), giving ``after``.

    No arithmetic on amounts here: ``Decision`` derives effects when they are first read, maybe
    outside the core's decimal context (guard.py), so every amount is one the event or the
    orders already hold."""
    notices = _FIXED_NOTICES.get(type(event)) or _notifications(event, before)
    if before is None:
        return notices
    consequences = _CONSEQUENCES.get(type(event))
    ends = after.state is not before.state and after.state in TERMINAL
    if consequences is None and not ends:
        return notices
    found: list[Effect] = [*notices]
    if consequences is not None:
        found += consequences(event, before, after)
    if ends:
        found.append(_statistics(event, before, after))
    return tuple(found)


def _statistics(event: ev.Event, before: Order, after: Order) -> SellerStatistics:
    late_now = isinstance(event, (ev.OrderCanceled, ev.OrderExpired)) and event.late
    late = bool(before.late_delivery) or late_now
    on_time = None if before.late_delivery is None and not late else not late
    completed, accepted = after.state is COMPLETED, before.accepted_at is not None
    return SellerStatistics(after.terms.seller, completed, on_time, accepted)


for _kind in family(Effect):
    fast_init(_kind)
