"""What the parties plan to do next: one action, at one instant, drawn from their behaviour.

``plan(live, now)`` looks at the order's state (a state -> planner table, no dry runs) and asks
each party that could act what it would do and when, drawing from the order's own stream; the
earliest action wins. The engine carries it out with the real ``decide``; if the order moved on
first, or the core rejects it, the engine drops it and plans again from the new order. Keys like
``seller:accept`` or ``platform:resolve_dispute:split`` name each action in the report.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from ..domain import commands as c
from ..domain.money import Money, minor_units
from ..domain.order import Order
from ..domain.states import Role, State
from .behaviour import Behaviour, Delay
from .draws import Draws
from .population import BuyerProfile, SellerProfile
from .tally import Tally

BUYER, SELLER, PLATFORM = Role
#: The actions that take no argument, made once and shared (commands are immutable values).
ACCEPT, DELIVER, SELLER_CANCEL = c.Accept(SELLER), c.Deliver(SELLER), c.Cancel(SELLER)
BUYER_CANCEL, CLOSE, REQUEST_CANCELLATION = c.Cancel(BUYER), c.Close(BUYER), c.RequestCancellation(BUYER)
REQUEST_REVISION, OPEN_DISPUTE = c.RequestRevision(BUYER), c.OpenDispute(BUYER)
ACCEPT_CANCELLATION, REFUSE_CANCELLATION = (
    c.AcceptCancellation(SELLER),
    c.RefuseCancellation(SELLER, "the work is under way"),
)
ACCEPT_REVISION, REFUSE_REVISION = c.AcceptRevision(SELLER), c.RefuseRevision(SELLER, "out of scope")
ACCEPT_REFUND, DECLINE_REFUND = c.AcceptPartialRefund(BUYER), c.DeclinePartialRefund(BUYER)
OUTCOMES = (c.Outcome.RELEASE, c.Outcome.REFUND, c.Outcome.SPLIT, c.Outcome.RESTART)

#: The action planned for an order: when, its report key, the command.
Plan = tuple[datetime, str, c.Command]
NOTHING_EXCLUDED: frozenset[str] = frozenset()  # a live order's usual ``excluded``, shared


class Live:
    """A live order and what the simulation remembers of it besides the order itself."""

    __slots__ = (
        "buyer",
        "considered",
        "draws",
        "due",
        "excluded",
        "index",
        "order",
        "plan",
        "seller",
        "tallies",
    )

    def __init__(self, index: int, order: Order, draws: Draws, seller: SellerProfile, buyer: BuyerProfile):
        self.index, self.order, self.draws, self.seller, self.buyer = index, order, draws, seller, buyer
        self.due: datetime | None = None  # next_due's instant, unless the plan comes before any
        self.plan: Plan | None = None
        self.excluded = NOTHING_EXCLUDED  # keys the core rejected at this version
        self.considered = 0  # once-per-order choices already drawn (the bits below)
        self.tallies: tuple[Tally, ...] = ()  # its seller's and buyer's segments' totals, if any


OPTION, OFFER, PROPOSAL, CANCELLATION = 1, 2, 4, 8


def _earliest(*plans: Plan | None) -> Plan | None:
    found: Plan | None = None
    for plan in plans:
        if plan is not None and (found is None or plan[0] < found[0]):
            found = plan
    return found


def _fraction(amount: Decimal, ratio: float, currency: str) -> Decimal:
    """``ratio`` of ``amount``, rounded down to the currency's minor unit."""
    return (amount * Decimal(repr(ratio))).quantize(Decimal(1).scaleb(-minor_units(currency)), ROUND_DOWN)


class Actors:
    """The parties' behaviour turned into plans: each seller's and buyer's own (its segment's,
    in its profile), the mediator's shared."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.mediator = behaviour.mediator
        #: Who may act in each state, and how they plan (``plan`` reads it; the engine too, per event).
        self.planners: dict[State, Callable[[Live, datetime], Plan | None]] = {
            State.PENDING: self._pending,
            State.IN_PROGRESS: self._in_progress,
            State.CANCELLATION_REQUESTED: self._cancellation_requested,
            State.DELIVERED: self._delivered,
            State.REVISION_REQUESTED: self._revision_requested,
            State.REVISION_REFUSED: self._revision_refused,
            State.DISPUTED: self._disputed,
        }

    def plan(self, live: Live, now: datetime) -> Plan | None:
        """The next action any party takes on this order, or None (they wait for a deadline)."""
        planner = self.planners.get(live.order.state)
        return None if planner is None else planner(live, now)

    @staticmethod
    def _after(draws: Draws, now: datetime, delay: Delay) -> datetime:
        return now + timedelta(0, round(3600 * draws.lognormal(delay.median_hours, delay.spread)))

    def _pending(self, live: Live, now: datetime) -> Plan | None:
        d = live.draws
        accept = (self._after(d, now, live.seller.behaviour.accept_delay), "seller:accept", ACCEPT)
        cancel = (self._after(d, now, live.buyer.behaviour.decision_delay), "buyer:cancel", BUYER_CANCEL)
        return _earliest(
            accept if d.chance(live.seller.accept) else None,
            cancel if d.chance(live.buyer.behaviour.cancel_pending_probability) else None,
        )

    def _in_progress(self, live: Live, now: datetime) -> Plan | None:
        d, order, excluded = live.draws, live.order, live.excluded
        due = order.delivery_due
        assert due is not None  # in_progress always has a delivery deadline (R-PEND-2)
        if now < due and d.chance(live.seller.on_time):
            deliver_at = now + (due - now) * d.between(0.3, 0.98)
        else:
            deliver_at = self._after(d, max(now, due), live.seller.behaviour.late_by)
        plans: list[Plan | None] = [(deliver_at, "seller:deliver", DELIVER)]
        before = (min(deliver_at, due) if now < due else deliver_at) - now  # time left to act before it
        if d.chance(live.seller.cancel):
            plans.append((now + (deliver_at - now) * d.uniform(), "seller:cancel", SELLER_CANCEL))
        if deliver_at > due and d.chance(live.buyer.cancel_late):
            late_cancel = self._after(d, max(now, due), live.buyer.behaviour.cancel_late_delay)
            plans.append((late_cancel, "buyer:cancel", BUYER_CANCEL))
        if now < due and not live.considered & CANCELLATION << order.cancellation_refusals:
            live.considered |= CANCELLATION << order.cancellation_refusals
            wants = (
                live.buyer.behaviour.insist_cancellation_probability if order.cancellation_refusals else None
            )
            if d.chance(live.buyer.behaviour.request_cancellation_probability if wants is None else wants):
                at = now + before * d.uniform()
                plans.append((at, "buyer:request_cancellation", REQUEST_CANCELLATION))
        plans.append(self._extras(live, now, before, excluded))
        return _earliest(*plans)

    def _extras(self, live: Live, now: datetime, before: timedelta, excluded: frozenset[str]) -> Plan | None:
        """A custom offer, the buyer's answer to one, or an option bought: each once per order."""
        d, order = live.draws, live.order
        plans: list[Plan | None] = []
        if order.offers:
            offer = order.offers[0].offer_id
            accept = d.chance(live.buyer.behaviour.accept_offer_probability)
            command: c.Command = c.AcceptOffer(BUYER, offer) if accept else c.RefuseOffer(BUYER, offer)
            plans.append(
                (self._after(d, now, live.buyer.behaviour.decision_delay), f"buyer:{command.action}", command)
            )
        elif not live.considered & OFFER:
            live.considered |= OFFER
            if d.chance(live.seller.behaviour.custom_offer_probability):
                offer_command = c.OfferCustom(
                    SELLER,
                    "extra-work",
                    self._extra_price(order, live.seller.behaviour.custom_offer_price_ratio),
                    1,
                )
                plans.append((now + before * d.between(0.1, 0.6), "seller:offer_custom", offer_command))
        if not live.considered & OPTION:
            live.considered |= OPTION
            if d.chance(live.buyer.behaviour.buy_option_probability):
                option = c.BuyOption(
                    BUYER,
                    "express review",
                    self._extra_price(order, live.seller.behaviour.custom_offer_price_ratio),
                    1,
                )
                plans.append((now + before * d.uniform(), "buyer:buy_option", option))
        if excluded:
            plans = [p for p in plans if p is None or p[1] not in excluded]
        return _earliest(*plans)

    def _extra_price(self, order: Order, ratio: float) -> Money:
        amount = _fraction(order.seller_share, ratio, order.currency)
        return Money(max(amount, Decimal(1)), order.currency)

    def _silent_seller(self, live: Live, now: datetime) -> Plan | None:
        """A seller who never answers a request; the buyer may dispute once the answer is due."""
        d, answer_due = live.draws, live.order.timer_due
        assert answer_due is not None  # seller_answer runs in both answering states (R-TIME-3)
        if d.chance(live.buyer.behaviour.dispute_unanswered_probability):
            return (
                self._after(d, max(now, answer_due), live.buyer.behaviour.decision_delay),
                "buyer:open_dispute",
                OPEN_DISPUTE,
            )
        return None

    def _cancellation_requested(self, live: Live, now: datetime) -> Plan | None:
        d, due = live.draws, live.order.delivery_due
        assert due is not None
        late_cancel = None
        if d.chance(live.buyer.cancel_late):
            late_cancel = (
                self._after(d, max(now, due), live.buyer.behaviour.cancel_late_delay),
                "buyer:cancel",
                BUYER_CANCEL,
            )
        if d.chance(live.seller.silence):
            return _earliest(self._silent_seller(live, now), late_cancel)
        at = self._after(d, now, live.seller.behaviour.answer_delay)
        if d.chance(live.seller.behaviour.accept_cancellation_probability):
            return (at, "seller:accept_cancellation", ACCEPT_CANCELLATION)
        return (at, "seller:refuse_cancellation", REFUSE_CANCELLATION)

    def _delivered(self, live: Live, now: datetime) -> Plan | None:
        d, order = live.draws, live.order
        at = self._after(d, now, live.buyer.behaviour.decision_delay)
        wants = live.buyer.repeat_revision if order.revisions else live.buyer.revision
        if d.chance(wants) and "buyer:request_revision" not in live.excluded:
            return (at, "buyer:request_revision", REQUEST_REVISION)
        return (at, "buyer:close", CLOSE) if d.chance(live.buyer.behaviour.close_probability) else None

    def _revision_requested(self, live: Live, now: datetime) -> Plan | None:
        d = live.draws
        if d.chance(live.seller.silence):
            return self._silent_seller(live, now)
        at = self._after(d, now, live.seller.behaviour.answer_delay)
        if d.chance(live.seller.refuse_revision):
            return (at, "seller:refuse_revision", REFUSE_REVISION)
        return (at, "seller:accept_revision", ACCEPT_REVISION)

    def _revision_refused(self, live: Live, now: datetime) -> Plan | None:
        d, order = live.draws, live.order
        proposal: Plan | None = None
        if order.proposal is not None:
            accept = d.chance(live.buyer.behaviour.accept_partial_refund_probability)
            answer = ACCEPT_REFUND if accept else DECLINE_REFUND
            proposal = (
                self._after(d, now, live.buyer.behaviour.decision_delay),
                f"buyer:{answer.action}",
                answer,
            )
        elif not live.considered & PROPOSAL:
            live.considered |= PROPOSAL
            amount = _fraction(order.seller_share, live.seller.behaviour.partial_refund_ratio, order.currency)
            if d.chance(live.seller.behaviour.partial_refund_probability) and amount > 0:
                command = c.ProposePartialRefund(SELLER, Money(amount, order.currency), "for the refusal")
                proposal = (
                    self._after(d, now, live.seller.behaviour.answer_delay),
                    "seller:propose_partial_refund",
                    command,
                )
        at = self._after(d, now, live.buyer.behaviour.decision_delay)
        decision: Plan | None = None
        if not order.ledger.refunded and d.chance(live.buyer.dispute):
            decision = (at, "buyer:open_dispute", OPEN_DISPUTE)
        elif d.chance(live.buyer.behaviour.close_probability):
            decision = (at, "buyer:close", CLOSE)
        return _earliest(proposal, decision)

    def _disputed(self, live: Live, now: datetime) -> Plan | None:
        d, order, excluded = live.draws, live.order, live.excluded
        weights = [
            0.0 if f"platform:resolve_dispute:{outcome}" in excluded else weight
            for outcome, weight in zip(OUTCOMES, self.mediator.weights(), strict=True)
        ]
        pick, outcome = d.uniform() * sum(weights), OUTCOMES[0]  # release: when all else was refused
        for candidate, weight in zip(OUTCOMES, weights, strict=True):
            if pick < weight:  # a zero weight is never picked
                outcome = candidate
                break
            pick -= weight
        at = self._after(d, now, self.mediator.decision_delay)
        amount = _fraction(order.seller_share, self.mediator.split_buyer_ratio, order.currency)
        if outcome is c.Outcome.SPLIT and amount <= 0:
            outcome = c.Outcome.RELEASE
        command = c.ResolveDispute(
            PLATFORM, outcome, Money(amount, order.currency) if outcome is c.Outcome.SPLIT else None
        )
        return (at, f"platform:resolve_dispute:{outcome}", command)
