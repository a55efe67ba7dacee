"""What each route does: the events a command or a firing deadline produces, money included.

``graph`` has already said the route is allowed; handlers check what remains of R-ERR-1 in its
order (DeadlinePassed, UnknownReference, InvalidAmount / CurrencyMismatch) and compute amounts
and deadlines. They never change an order: events do. They read ``order.terms`` directly: the
``Order.policy`` and ``Order.currency`` properties cost a call each, on every command.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from . import commands as c
from . import events as ev
from .dates import after_days, month_shift, whole_days
from .errors import DeadlinePassed, InvalidAmount, InvalidArgument, NotAllowed, UnknownReference
from .graph import Route
from .money import ZEROS, Money, checked_amount, quantize
from .order import Extra, Offer, Order, Proposal
from .states import ACCEPTANCE, DISPUTED, EXPIRY, IN_PROGRESS, OFFER, SELLER_ANSWER, Deadline, Role

if TYPE_CHECKING:
    from . import events as made  # the classes: their calls are type-checked
else:
    from .events import made

_C = TypeVar("_C", bound=c.Command)
Events = tuple[ev.Event, ...]
#: What a route does for one kind of command: the events it produces (a tuple: the decision of a
#: single event keeps it as its ``events``), or a rejection.
Handler = Callable[[Order, _C, datetime, Route], Events]
#: The handler of each command class (as cosmicpython looks up its handlers).
HANDLERS: dict[type[c.Command], Handler[Any]] = {}


def handles(*kinds: type[_C]) -> Callable[[Handler[_C]], Handler[_C]]:
    """Register the decorated function as the handler of the ``kinds`` of command."""

    def register(handler: Handler[_C]) -> Handler[_C]:
        for kind in kinds:
            HANDLERS[kind] = handler
        return handler

    return register


def _amount(order: Order, money: Money, what: str, below: Decimal | None = None) -> Decimal:
    amount = checked_amount(money, order.terms.currency, order.terms.policy.max_amount, what)
    if below is not None and amount >= below:
        raise InvalidAmount(
            f"{what} {amount} must be less than the seller's share in escrow, "
            f"{below} (a full refund is a cancellation)"
        )
    return amount


def completed(order: Order, now: datetime, cause: str, refund: Decimal | None = None) -> ev.Event:
    """Completion: the seller's share (less any split refund) to the wallet (R-MONEY-3, -7)."""
    terms = order.terms
    # ``order.seller_share`` written out: a completing order has not ended yet (R-MONEY-7)
    share = order.ledger.escrow - terms.platform_fee
    return made.OrderCompleted(
        at=now,
        cause=cause,
        refund=ZEROS[terms.currency] if refund is None else quantize(refund, terms.currency),
        seller_credit=share if refund is None else share - refund,
        platform_revenue=terms.platform_fee,
        # ``add_months``, written out: the core's instants are in UTC
        review_until=now + month_shift(now.toordinal(), terms.policy.review_months),
    )


def canceled(order: Order, now: datetime, cause: str, by: Role | None) -> ev.Event:
    """Cancellation: everything in escrow back to the buyer, fee included (R-MONEY-4)."""
    due = order.delivery_due  # ``order.is_overdue(now)``, written out
    return made.OrderCanceled(
        at=now, cause=cause, by=by, refund=order.ledger.escrow, late=due is not None and now >= due
    )


def expired(order: Order, now: datetime) -> ev.Event:
    """Expiry: escrow to the platform, a voucher for the buyer (R-EXP-1, R-EXP-2)."""
    ledger, terms = order.ledger, order.terms
    voucher = max(ledger.paid - ledger.refunded - terms.tax - terms.bank_fee, Decimal(0))
    return made.OrderExpired(
        at=now,
        platform_revenue=ledger.escrow,
        voucher=quantize(voucher, order.terms.currency),
        late=order.is_overdue(now),
    )


@handles(c.Accept)
def _accept(order: Order, cmd: c.Accept, now: datetime, route: Route) -> Events:
    return (made.OrderAccepted(at=now, delivery_due=now + whole_days(order.delivery_days)),)


@handles(c.Cancel, c.AcceptCancellation)
def _cancel(order: Order, cmd: c.Command, now: datetime, route: Route) -> Events:
    return (canceled(order, now, cmd.action, cmd.actor),)


@handles(c.Deliver)
def _deliver(order: Order, cmd: c.Deliver, now: datetime, route: Route) -> Events:
    due = order.delivery_due  # ``order.is_late(now)`` written out: deliver leaves in_progress only
    return (
        made.OrderDelivered(
            at=now,
            late=due is not None and now >= due,
            review_due=now + order.terms.policy.review_decision_window,
        ),
    )


@handles(c.RequestCancellation)
def _request_cancellation(order: Order, cmd: c.RequestCancellation, now: datetime, route: Route) -> Events:
    return (made.CancellationRequested(at=now, answer_due=now + order.terms.policy.seller_answer_window),)


@handles(c.RefuseCancellation)
def _refuse_cancellation(order: Order, cmd: c.RefuseCancellation, now: datetime, route: Route) -> Events:
    refused = made.CancellationRefused(at=now, reason=cmd.reason)
    if route.dest is DISPUTED:  # R-CANC-5: the last refusal opens a dispute by itself
        return (refused, made.DisputeOpened(at=now, by=None))
    return (refused,)


@handles(c.Close)
def _close(order: Order, cmd: c.Close, now: datetime, route: Route) -> Events:
    return (completed(order, now, cmd.action),)


@handles(c.RequestRevision)
def _request_revision(order: Order, cmd: c.RequestRevision, now: datetime, route: Route) -> Events:
    return (made.RevisionRequested(at=now, answer_due=now + order.terms.policy.seller_answer_window),)


@handles(c.AcceptRevision)
def _accept_revision(order: Order, cmd: c.AcceptRevision, now: datetime, route: Route) -> Events:
    requested = order.revision_requested_at
    assert requested is not None  # revision_requested is only entered by RevisionRequested
    return (made.RevisionAccepted(at=now, delivery_due=after_days(requested, order.delivery_days)),)


@handles(c.RefuseRevision)
def _refuse_revision(order: Order, cmd: c.RefuseRevision, now: datetime, route: Route) -> Events:
    return (
        made.RevisionRefused(
            at=now, reason=cmd.reason, decision_due=now + order.terms.policy.buyer_decision_window
        ),
    )


@handles(c.OpenDispute)
def _open_dispute(order: Order, cmd: c.OpenDispute, now: datetime, route: Route) -> Events:
    return (made.DisputeOpened(at=now, by=cmd.actor),)


@handles(c.ResolveDispute)
def _resolve_dispute(order: Order, cmd: c.ResolveDispute, now: datetime, route: Route) -> Events:
    if cmd.outcome is c.REFUND:
        return (canceled(order, now, cmd.action, cmd.actor),)
    if cmd.outcome is c.RESTART:
        if now >= order.expires_at:  # R-EXP-3
            raise DeadlinePassed(
                f"the order's expiry ({order.expires_at.isoformat()}) has passed: it can no longer restart"
            )
        return (made.OrderRestarted(at=now, delivery_due=after_days(now, order.delivery_days)),)
    refund = None
    if cmd.outcome is c.SPLIT:
        assert cmd.buyer_amount is not None  # the command's validator requires it
        refund = _amount(order, cmd.buyer_amount, "buyer_amount", below=order.seller_share)
    return (completed(order, now, cmd.action, refund),)


@handles(c.Hold)
def _hold(order: Order, cmd: c.Hold, now: datetime, route: Route) -> Events:
    return (made.OrderHeld(at=now),)


@handles(c.ReleaseHold)
def _release_hold(order: Order, cmd: c.ReleaseHold, now: datetime, route: Route) -> Events:
    assert order.hold is not None
    assert route.dest is not None
    return (made.HoldReleased(at=now, resumed=route.dest, shift=now - order.hold.since),)


def _extra_due(order: Order, now: datetime, days: int) -> datetime:
    """R-PROG-2: days added to the running deadline; R-REF-5: work resumes from now."""
    if order.state is IN_PROGRESS and order.delivery_due is not None:
        return after_days(order.delivery_due, days)
    return after_days(now, days)


@handles(c.BuyOption)
def _buy_option(order: Order, cmd: c.BuyOption, now: datetime, route: Route) -> Events:
    price = _amount(order, cmd.price, "price")
    return (
        made.OptionBought(
            at=now,
            option=Extra(cmd.name, price, cmd.delivery_days),
            delivery_due=_extra_due(order, now, cmd.delivery_days),
        ),
    )


@handles(c.OfferCustom)
def _offer_custom(order: Order, cmd: c.OfferCustom, now: datetime, route: Route) -> Events:
    if cmd.offer_id in order.offer_ids:  # R-ERR-2
        raise InvalidArgument(f"offer id {cmd.offer_id!r} was already used in this order")
    price = _amount(order, cmd.price, "price")
    offer = Offer(cmd.offer_id, price, cmd.delivery_days, now + order.terms.policy.offer_lapse)
    return (made.CustomOfferMade(at=now, offer=offer),)


def _open_offer(order: Order, offer_id: str) -> Offer:
    offer = order.offer(offer_id)
    if offer is None:
        raise UnknownReference(f"no open custom offer {offer_id!r}")
    return offer


@handles(c.AcceptOffer)
def _accept_offer(order: Order, cmd: c.AcceptOffer, now: datetime, route: Route) -> Events:
    offer = _open_offer(order, cmd.offer_id)
    return (
        made.CustomOfferAccepted(
            at=now, offer_id=offer.offer_id, delivery_due=_extra_due(order, now, offer.delivery_days)
        ),
    )


@handles(c.RefuseOffer)
def _refuse_offer(order: Order, cmd: c.RefuseOffer, now: datetime, route: Route) -> Events:
    return (made.CustomOfferRefused(at=now, offer_id=_open_offer(order, cmd.offer_id).offer_id),)


@handles(c.WithdrawOffer)
def _withdraw_offer(order: Order, cmd: c.WithdrawOffer, now: datetime, route: Route) -> Events:
    return (made.CustomOfferWithdrawn(at=now, offer_id=_open_offer(order, cmd.offer_id).offer_id),)


@handles(c.ProposePartialRefund)
def _propose(order: Order, cmd: c.ProposePartialRefund, now: datetime, route: Route) -> Events:
    amount = _amount(order, cmd.amount, "amount", below=order.seller_share)  # R-PART-2
    return (made.PartialRefundProposed(at=now, proposal=Proposal(cmd.actor, amount, cmd.reason)),)


def _open_proposal(order: Order, cmd: c.Command, *, by_proposer: bool) -> Proposal:
    proposal = order.proposal
    if proposal is None:
        raise UnknownReference("no partial refund proposal is open")
    if (cmd.actor is proposal.proposer) is not by_proposer:
        who = "its proposer" if by_proposer else "the other party"
        raise NotAllowed(
            f"only {who} ({'' if by_proposer else 'not '}{proposal.proposer}) may {cmd.action}",
            state=order.state.value,
            action=cmd.action,
            actor=cmd.actor.value,
            allowed={},
        )
    return proposal


@handles(c.AcceptPartialRefund)
def _accept_refund(order: Order, cmd: c.AcceptPartialRefund, now: datetime, route: Route) -> Events:
    proposal = _open_proposal(order, cmd, by_proposer=False)
    return (made.PartialRefundAccepted(at=now, amount=proposal.amount),)


@handles(c.DeclinePartialRefund)
def _decline_refund(order: Order, cmd: c.DeclinePartialRefund, now: datetime, route: Route) -> Events:
    _open_proposal(order, cmd, by_proposer=False)
    return (made.PartialRefundDeclined(at=now),)


@handles(c.WithdrawPartialRefund)
def _withdraw_refund(order: Order, cmd: c.WithdrawPartialRefund, now: datetime, route: Route) -> Events:
    _open_proposal(order, cmd, by_proposer=True)
    return (made.PartialRefundWithdrawn(at=now),)


@handles(c.Review)
def _review(order: Order, cmd: c.Review, now: datetime, route: Route) -> Events:
    until = order.review_until
    if until is None or now > until:  # R-END-1
        raise DeadlinePassed(f"the review window closed at {until}")
    return (made.ReviewLeft(at=now, rating=cmd.rating, text=cmd.text),)


def closures(order: Order, now: datetime) -> Events:
    """Open offers and proposal close by themselves when a dispute opens or the order ends
    (R-PART-3, on the routes that ``close``); holds do not close them."""
    if not (order.offers or order.proposal):
        return ()
    closed = tuple(made.CustomOfferClosed(at=now, offer_id=o.offer_id) for o in order.offers)
    return closed if order.proposal is None else (*closed, made.PartialRefundClosed(at=now))


def fired(order: Order, deadline: Deadline, offer_id: str | None, at: datetime) -> Events:
    """The events of a deadline that fires by itself (the route was found in the graph)."""
    if deadline is OFFER:
        assert offer_id is not None
        return (made.CustomOfferLapsed(at=at, offer_id=offer_id),)
    if deadline is EXPIRY:
        return (expired(order, at),)
    if deadline is ACCEPTANCE or deadline is SELLER_ANSWER:
        return (canceled(order, at, deadline.value, None),)
    return (completed(order, at, deadline.value),)
