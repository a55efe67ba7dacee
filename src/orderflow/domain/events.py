"""Domain events: past-tense facts from which ``replay`` rebuilds an order, version included.

Each event knows how it changes an order (``apply``); nothing else changes an order. The class
names are a public, stable catalogue (scenario snapshots list them; every one is exported from
``orderflow``); ``SCHEMA_VERSION``, which the codec writes beside each event and order, is bumped
when an event's fields change meaning.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from .drafts import PLAIN, builder, compile_function, copy_lines, family, fast_init
from .money import ZEROS, new_ledger
from .order import Extra, Offer, Order, OrderHold, Proposal, Terms, draft, finish, new_order
from .states import (
    CANCELED,
    CANCELLATION_REQUESTED,
    COMPLETED,
    DELIVERED,
    DISPUTED,
    EXPIRED,
    IN_PROGRESS,
    ON_HOLD,
    PENDING,
    REVISION_REFUSED,
    REVISION_REQUESTED,
    Role,
    State,
)

SCHEMA_VERSION = 1

#: A mutable copy of an order (``order.draft``), on which an event sets the fields it changes.
Draft = Any


@attrs.frozen(kw_only=True)
class Event:
    """Base of every event: when it happened. Subclasses say what changed."""

    at: datetime

    @property
    def name(self) -> str:
        return type(self).__name__

    def apply(self, order: Order) -> Order:
        """The order after this event: one version more, stamped with the event's time.

        Each kind of event runs its own copy of this method, compiled when first applied
        (``_own_apply``: the same steps, faster on Python 3.11)."""
        new = draft(order)
        new.version = order.version + 1
        new.updated_at = self.at
        self._update(order, new)
        if PLAIN:  # built through attrs' own __init__ (see drafts.py)
            return finish(new)
        new.__class__ = Order  # the draft becomes the new, frozen order (see drafts.py)
        return new  # type: ignore[no-any-return]

    def _update(self, order: Order, new: Draft) -> None:
        """Set on ``new``, a copy of ``order``, what this event changes."""


@attrs.frozen(kw_only=True)
class OrderPlaced(Event):
    """Paid and in escrow, waiting for the seller (R-MONEY-1, R-PEND-3, R-EXP-1)."""

    terms: Terms
    price: Decimal
    delivery_days: int
    options: tuple[Extra, ...]
    tip: Decimal
    acceptance_due: datetime
    expires_at: datetime

    @property
    def paid(self) -> Decimal:
        """Everything paid at placement: price, options, tip and the platform's fee (R-MONEY-1)."""
        paid = self.price + self.tip + self.terms.platform_fee
        for option in self.options:
            paid += option.price
        return paid

    def create(self) -> Order:
        delivery_days = self.delivery_days
        for option in self.options:
            delivery_days += option.delivery_days
        return self.opened(self.paid, delivery_days)

    def opened(self, paid: Decimal, delivery_days: int) -> Order:
        """The order this placement creates, given what ``create`` derives from the event:
        everything ``paid`` and the ``delivery_days`` with the options' (``place_order`` has
        just computed both)."""
        terms = self.terms
        nothing = ZEROS[terms.currency]
        # terms, state, version, ledger, updated_at, expires_at, delivery_days, delivery_due and
        # timer_due, positionally: keywords cost a name lookup each
        return new_order(
            terms,
            PENDING,
            1,
            new_ledger(terms.currency, paid, paid, nothing, nothing, nothing),  # R-MONEY-1
            self.at,
            self.expires_at,
            delivery_days,
            None,
            self.acceptance_due,
        )


@attrs.frozen(kw_only=True)
class OrderAccepted(Event):
    delivery_due: datetime

    def _update(self, order: Order, new: Draft) -> None:
        new.state = IN_PROGRESS
        new.accepted_at = self.at
        new.delivery_due = self.delivery_due
        new.timer_due = None


@attrs.frozen(kw_only=True)
class OrderDelivered(Event):
    late: bool
    review_due: datetime

    def _update(self, order: Order, new: Draft) -> None:
        new.state = DELIVERED
        new.delivery_due = None
        new.timer_due = self.review_due
        new.late_delivery = bool(order.late_delivery) or self.late


@attrs.frozen(kw_only=True)
class CancellationRequested(Event):
    answer_due: datetime

    def _update(self, order: Order, new: Draft) -> None:
        new.state = CANCELLATION_REQUESTED
        new.timer_due = self.answer_due


@attrs.frozen(kw_only=True)
class CancellationRefused(Event):
    reason: str

    def _update(self, order: Order, new: Draft) -> None:
        new.state = IN_PROGRESS
        new.timer_due = None
        new.cancellation_refusals = order.cancellation_refusals + 1


@attrs.frozen(kw_only=True)
class RevisionRequested(Event):
    answer_due: datetime

    def _update(self, order: Order, new: Draft) -> None:
        new.state = REVISION_REQUESTED
        new.timer_due = self.answer_due
        new.revision_requested_at = self.at
        new.revisions = order.revisions + 1


@attrs.frozen(kw_only=True)
class RevisionAccepted(Event):
    delivery_due: datetime

    def _update(self, order: Order, new: Draft) -> None:
        new.state = IN_PROGRESS
        new.delivery_due = self.delivery_due
        new.timer_due = None


@attrs.frozen(kw_only=True)
class RevisionRefused(Event):
    reason: str
    decision_due: datetime

    def _update(self, order: Order, new: Draft) -> None:
        new.state = REVISION_REFUSED
        new.timer_due = self.decision_due


@attrs.frozen(kw_only=True)
class DisputeOpened(Event):
    """``by`` is None when the dispute opened by itself (R-CANC-5)."""

    by: Role | None

    def _update(self, order: Order, new: Draft) -> None:
        new.state = DISPUTED
        new.timer_due = None


@attrs.frozen(kw_only=True)
class OrderRestarted(Event):
    """A mediator sent the order back to work (R-DISP-2)."""

    delivery_due: datetime

    def _update(self, order: Order, new: Draft) -> None:
        new.state = IN_PROGRESS
        new.delivery_due = self.delivery_due


@attrs.frozen(kw_only=True)
class OrderHeld(Event):
    def _update(self, order: Order, new: Draft) -> None:
        new.state = ON_HOLD
        new.hold = OrderHold(self.at, order.state)


@attrs.frozen(kw_only=True)
class HoldReleased(Event):
    """Back to the state before the hold, every running deadline shifted (R-HOLD-1)."""

    resumed: State
    shift: timedelta

    def _update(self, order: Order, new: Draft) -> None:
        shift = self.shift

        def moved(instant: datetime | None) -> datetime | None:
            return None if instant is None else instant + shift

        new.state = self.resumed
        new.hold = None
        new.expires_at = order.expires_at + shift
        new.delivery_due = moved(order.delivery_due)
        new.timer_due = moved(order.timer_due)
        new.revision_requested_at = moved(order.revision_requested_at)  # R-REV-2 counts from it
        new.offers = tuple(
            Offer(o.offer_id, o.price, o.delivery_days, o.lapses_at + shift) for o in order.offers
        )


@attrs.frozen(kw_only=True)
class OrderCompleted(Event):
    """Closed: the seller's share to the wallet, the fee to the platform (R-MONEY-3).

    ``cause`` is the trigger that closed it (``close``, ``review_decision``, ``buyer_decision``,
    ``resolve_dispute``); ``refund`` is the buyer's part of a mediator's split.
    """

    cause: str
    seller_credit: Decimal
    platform_revenue: Decimal
    refund: Decimal
    review_until: datetime

    def _update(self, order: Order, new: Draft) -> None:
        new.state = COMPLETED  # the order ends: its state, its ledger settled, no timer left
        new.ledger = order.ledger.settle(
            refund=self.refund, seller=self.seller_credit, platform=self.platform_revenue
        )
        new.timer_due = None
        new.review_until = self.review_until


@attrs.frozen(kw_only=True)
class OrderCanceled(Event):
    """The buyer refunded everything still in escrow, fee included (R-MONEY-4).

    ``cause`` is the trigger (``cancel``, ``accept_cancellation``, ``acceptance``,
    ``seller_answer``, ``resolve_dispute``); ``late`` whether the order was late then (R-STAT-3).
    """

    cause: str
    by: Role | None
    refund: Decimal
    late: bool

    def _update(self, order: Order, new: Draft) -> None:
        new.state = CANCELED
        new.ledger = order.ledger.settle(refund=self.refund)
        new.timer_due = None


@attrs.frozen(kw_only=True)
class OrderExpired(Event):
    """Too old: escrow to the platform; the buyer may get a voucher (R-EXP-1, R-EXP-2)."""

    platform_revenue: Decimal
    voucher: Decimal
    late: bool

    def _update(self, order: Order, new: Draft) -> None:
        new.state = EXPIRED
        new.ledger = order.ledger.settle(platform=self.platform_revenue)
        new.timer_due = None


@attrs.frozen(kw_only=True)
class OptionBought(Event):
    """An extra option paid into escrow; ``delivery_due`` is the new deadline (R-PROG-2, R-REF-5)."""

    option: Extra
    delivery_due: datetime

    def _update(self, order: Order, new: Draft) -> None:
        _pay_extra(order, new, self.option, self.delivery_due)


@attrs.frozen(kw_only=True)
class CustomOfferMade(Event):
    offer: Offer

    def _update(self, order: Order, new: Draft) -> None:
        new.offers = (*order.offers, self.offer)
        new.offer_ids = order.offer_ids | {self.offer.offer_id}


@attrs.frozen(kw_only=True)
class CustomOfferAccepted(Event):
    """The buyer paid the offer; ``delivery_due`` is the new deadline (R-PROG-2, R-REF-5)."""

    offer_id: str
    delivery_due: datetime

    def _update(self, order: Order, new: Draft) -> None:
        offer = order.offer(self.offer_id)
        assert offer is not None  # checked by decide; replayed events are trusted
        extra = Extra(f"offer:{offer.offer_id}", offer.price, offer.delivery_days)
        _pay_extra(order, new, extra, self.delivery_due)
        _drop_offer(order, new, self.offer_id)


def _pay_extra(order: Order, new: Draft, extra: Extra, delivery_due: datetime) -> None:
    new.state = IN_PROGRESS
    new.ledger = order.ledger.pay_in(extra.price)
    new.delivery_days = order.delivery_days + extra.delivery_days
    new.delivery_due = delivery_due
    new.timer_due = None


def _drop_offer(order: Order, new: Draft, offer_id: str) -> None:
    new.offers = tuple(o for o in order.offers if o.offer_id != offer_id)


@attrs.frozen(kw_only=True)
class _OfferClosed(Event):
    offer_id: str

    def _update(self, order: Order, new: Draft) -> None:
        _drop_offer(order, new, self.offer_id)


@attrs.frozen(kw_only=True)
class CustomOfferRefused(_OfferClosed):
    pass


@attrs.frozen(kw_only=True)
class CustomOfferWithdrawn(_OfferClosed):
    pass


@attrs.frozen(kw_only=True)
class CustomOfferLapsed(_OfferClosed):
    """Unanswered for the policy's lapse time (R-PROG-3)."""


@attrs.frozen(kw_only=True)
class CustomOfferClosed(_OfferClosed):
    """Closed by itself because a dispute opened or the order ended (R-PART-3)."""


@attrs.frozen(kw_only=True)
class PartialRefundProposed(Event):
    proposal: Proposal

    def _update(self, order: Order, new: Draft) -> None:
        new.proposal = self.proposal


@attrs.frozen(kw_only=True)
class PartialRefundAccepted(Event):
    """The amount leaves escrow for the buyer at once (R-PART-2)."""

    amount: Decimal

    def _update(self, order: Order, new: Draft) -> None:
        new.proposal = None
        new.ledger = order.ledger.settle(refund=self.amount)


@attrs.frozen(kw_only=True)
class _ProposalClosed(Event):
    def _update(self, order: Order, new: Draft) -> None:
        new.proposal = None


@attrs.frozen(kw_only=True)
class PartialRefundDeclined(_ProposalClosed):
    pass


@attrs.frozen(kw_only=True)
class PartialRefundWithdrawn(_ProposalClosed):
    pass


@attrs.frozen(kw_only=True)
class PartialRefundClosed(_ProposalClosed):
    """Closed by itself because a dispute opened or the order ended (R-PART-3)."""


@attrs.frozen(kw_only=True)
class ReviewLeft(Event):
    rating: int
    text: str

    def _update(self, order: Order, new: Draft) -> None:
        new.reviewed = True


@attrs.frozen(kw_only=True)
class ReminderSent(Event):
    """A policy reminder before ``deadline`` (due at ``due``) was sent to ``party``."""

    deadline: str
    due: datetime
    party: Role

    def _update(self, order: Order, new: Draft) -> None:
        new.reminded = (*order.reminded, (self.deadline, self.due))


for _kind in family(Event):
    fast_init(_kind)


def _own_apply(kind: type[Event]) -> Callable[[Event, Order], Order]:
    """``kind``'s own ``apply``: ``Event.apply`` with the copy of the order written out.

    Python 3.11 specializes each attribute load and call for one type and one function: in the
    one ``Event.apply`` that every kind of event shares, ``self.at``, ``self._update`` and its
    call miss whenever the kind changes, as it does on every command. A copy per kind has one
    type at each of them, and copies the order's fields in its own frame (about 700
    instructions an event, callgrind). Compiled when the kind is first applied (import stays
    fast), then the kind's ``apply``. Under ``ORDERFLOW_PLAIN_ATTRS`` every kind keeps
    ``Event.apply``.
    """
    copy, draft_class = copy_lines(Order, "order", "new", skip=("version", "updated_at"))
    source = "\n".join(
        [
            "def apply(self, order):",
            "    new = _draft()",
            *(f"    {line}" for line in copy),
            "    new.version = order.version + 1",
            "    new.updated_at = self.at",
            "    self._update(order, new)",
            "    new.__class__ = Order",
            "    return new\n",
        ]
    )
    apply = compile_function(kind, "apply", source, {"_draft": draft_class, "Order": Order})
    apply.__doc__ = Event.apply.__doc__
    kind.apply = apply  # type: ignore[method-assign]
    return apply


def _stand_in_apply(kind: type[Event]) -> None:
    def apply(self: Event, order: Order) -> Order:
        return _own_apply(kind)(self, order)

    apply.__doc__ = Event.apply.__doc__
    kind.apply = apply  # type: ignore[method-assign]


if not PLAIN:
    for _kind in family(Event):
        if _kind is not OrderPlaced:  # it creates an order: ``create``
            _stand_in_apply(_kind)


#: ``made.OrderAccepted(at=..., delivery_due=...)`` builds the event as calling its class does, at
#: about half the cost (``drafts.builder``): the core builds its events with it. A module using it
#: shows type checkers this module instead (``if TYPE_CHECKING: from . import events as made``),
#: so its calls are checked as the classes' own.
#:
#: ``made`` is a plain module, so that reading a builder from it is one specialized load. Each
#: name starts as a stand-in that compiles the builder when first called (import stays fast) and
#: puts it in its place. (Not a module ``__getattr__``: CPython 3.11 does not specialize loads from
#: a module that has one, nor from an object whose class has one, and then every read costs about
#: 400 instructions.)
made = types.ModuleType(f"{__name__}.made", "Each event's builder, compiled when first called.")


def _stand_in(kind: type[Event]) -> Callable[..., Any]:
    def first(*args: Any, **kwargs: Any) -> Any:
        build = builder(kind)
        setattr(made, kind.__name__, build)
        return build(*args, **kwargs)

    first.__qualname__ = first.__name__ = kind.__name__
    return first


for _kind in family(Event):
    setattr(made, _kind.__name__, _stand_in(_kind))
