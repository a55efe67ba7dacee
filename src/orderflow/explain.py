"""Explanations: what each party may do to an order now, by when, and what each choice would do.

Built only from the model: the choices are ``available_actions`` (the graph's open routes, each
previewed with ``decide``), the deadlines are ``running_deadlines`` with the graph's timer routes and
the actions a deadline's passing opens or closes, and ``if_nobody_acts`` says what the clock does
next. The only hand-written text is one line per action (``ACTIONS``) and per effect kind
(``EFFECTS``); nothing is written per state.

A choice whose consequences depend on values the role picks (an option's price, a refund's amount)
is previewed twice, with two sample arguments: an amount equal to the sample is reported as that
argument (``Amount.argument``), an amount that differs between the two runs as depending on the
arguments, and any other amount exactly. Such a result is not ``exact``, and its deadlines are
reported by name only. When a choice keeps the order where it is but opens new actions (a custom
offer the buyer may accept, a proposal the other party may accept), those are its ``then``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal

import attrs

from .domain import commands as c
from .domain.deadlines import running_deadlines
from .domain.decide import decide, preview
from .domain.decision import Decision
from .domain.effects import Effect, Notification, SellerStatistics
from .domain.guidance import Choice, available_actions, if_nobody_acts
from .domain.money import Money, minor_units
from .domain.order import Order
from .domain.placement import place_order
from .domain.policy import COMEUP, Policy
from .domain.states import Deadline, Role, State
from .domain.timers import advance
from .example import example_placement

#: What each action is, in one line (its consequences come from previews, not from here).
ACTIONS: Mapping[str, str] = {
    "accept": "the seller starts the work; the delivery countdown starts",
    "cancel": "cancel the order now",
    "deliver": "the seller declares the work delivered; the buyer then closes it or asks for a revision",
    "request_cancellation": "the buyer asks the seller to cancel; the seller accepts or refuses",
    "accept_cancellation": "the seller agrees to the buyer's cancellation request",
    "refuse_cancellation": "the seller refuses the cancellation request, giving a reason",
    "close": "the buyer accepts the work and closes the order",
    "request_revision": "the buyer rejects the delivery and asks for changes",
    "accept_revision": "the seller agrees to revise the work, against a new delivery deadline",
    "refuse_revision": "the seller refuses the revision, giving a reason",
    "open_dispute": "open a dispute: a mediator decides (refund in full, split, restart or release "
    "to the seller) and the order is frozen meanwhile",
    "resolve_dispute": "the mediator's final decision on the dispute",
    "hold": "staff pause the order for checks; every deadline stops",
    "release_hold": "staff resume the order where it was, its deadlines shifted by the pause",
    "buy_option": "the buyer buys one more option of the service (name, price, delivery days) so the "
    "work can continue",
    "offer_custom": "the seller proposes a priced extra with its own delivery days (the buyer may ask "
    "for one in the chat); the buyer accepts and pays it, or refuses it",
    "accept_offer": "the buyer accepts the seller's custom offer and pays its price",
    "refuse_offer": "the buyer refuses the seller's custom offer",
    "withdraw_offer": "the seller withdraws a custom offer the buyer has not answered",
    "propose_partial_refund": "propose to give part of the payment back to the buyer by agreement "
    "(amount, reason); the other party accepts or declines",
    "accept_partial_refund": "accept the other party's partial-refund proposal",
    "decline_partial_refund": "decline the other party's partial-refund proposal",
    "withdraw_partial_refund": "withdraw your partial-refund proposal before it is accepted",
    "review": "the buyer rates the completed order (1 to 5) with an optional text",
}

#: What each effect kind means, in one line.
EFFECTS: Mapping[str, str] = {
    "wallet_credit": "paid to the seller's wallet",
    "refund": "refunded to the buyer",
    "platform_revenue": "kept by the platform",
    "escrow_deposit": "paid by the buyer into escrow",
    "seller_statistics": "counts in the seller's statistics",
    "chat_window": "the order's chat is open",
    "review_window": "the buyer may review the order",
    "voucher_eligibility": "the buyer may get a voucher",
}

#: The seller's rates an ended order hurts, by the ``SellerStatistics`` field that is false.
_HURTS = {"completed": "completion rate", "on_time": "on-time rate", "accepted": "acceptance rate"}


@attrs.frozen
class Amount:
    """An amount of an effect: exact (``money``), the argument the role picks, or depending on it."""

    money: Money | None
    argument: str | None = None
    depends_on: tuple[str, ...] = ()


@attrs.frozen
class Consequence:
    """One effect of a choice, made readable: money moved and to whom, a window, statistics."""

    kind: str
    about: str
    party: Role | None = None
    amount: Amount | None = None
    until: datetime | None = None
    hurts: tuple[str, ...] = ()


@attrs.frozen
class Result:
    """What a choice (or the clock) would do: the state reached and its consequences.

    ``paid_out`` is set when the order ends: what the buyer (refund), the seller (wallet) and the
    platform get out of escrow. ``deadlines`` are those running afterwards (times unknown when
    the result is not ``exact``).
    """

    state: State
    exact: bool
    consequences: tuple[Consequence, ...]
    notified: tuple[Role, ...]
    deadlines: Mapping[str, datetime | None]
    fired: tuple[str, ...] = ()
    paid_out: Mapping[Role, Money] | None = None


@attrs.frozen
class Timing:
    """A named instant: the deadline a choice must be made by."""

    name: str
    at: datetime


@attrs.frozen
class Move:
    """One thing ``role`` may do now; ``needs`` are the arguments it must pick."""

    action: str
    role: Role
    about: str
    rules: tuple[str, ...]
    args: Mapping[str, object]
    needs: tuple[str, ...]
    deadline: Timing | None
    result: Result | None
    then: tuple[Move, ...] = ()


@attrs.frozen
class DeadlineNote:
    """A running deadline and what its passing does: fire a route, or open and close actions."""

    name: str
    at: datetime
    fires: bool
    reaches: State | None
    rules: tuple[str, ...]
    opens: Mapping[Role, tuple[str, ...]]
    closes: Mapping[Role, tuple[str, ...]]


@attrs.frozen
class Explanation:
    """An order explained to ``role`` at ``now`` (after the deadlines due by then, ``fired``)."""

    order: Order
    role: Role
    now: datetime
    fired: tuple[str, ...]
    moves: Mapping[Role, tuple[Move, ...]]
    deadlines: tuple[DeadlineNote, ...]
    if_nobody_acts: tuple[Timing, Result] | None

    @property
    def yours(self) -> tuple[Move, ...]:
        return self.moves[self.role]


def explain(order: Order, role: Role, now: datetime) -> Explanation:
    """Explain ``order`` to ``role`` at ``now`` (InvalidTime if naive or before its last event)."""
    advanced = advance(order, now)
    current = advanced.order
    moves = {who: tuple(_moves(current, who, now)) for who in Role}
    upcoming = if_nobody_acts(current)
    nobody = None
    if upcoming is not None:
        due, decision = upcoming
        nobody = (Timing(due.name, due.at), _result(current, decision, {}))
    return Explanation(current, role, now, advanced.fired, moves, tuple(_deadlines(current, now)), nobody)


def _moves(
    order: Order, role: Role, now: datetime, samples: Mapping[Decimal, str] | None = None
) -> list[Move]:
    """The role's moves; ``samples`` is set for the follow-ups of a sampled choice (never nested)."""
    found = []
    for choice in available_actions(order, role, now):
        deadline = None if choice.deadline is None else Timing(choice.deadline.name, choice.deadline.at)
        if choice.action == "review" and order.review_until is not None:
            deadline = Timing("review_window", order.review_until)
        decision, used = choice.preview, samples or {}
        result = None if decision is None else _result(order, decision, used)
        if decision is None and (sampled := _sampled(order, choice, now)) is not None:
            decision, used, result = sampled
        then = () if samples is not None or decision is None else _then(order, decision.order, now, used)
        args = {k: f"<{k}>" if samples is not None and k == "offer_id" else v for k, v in choice.args.items()}
        about = ACTIONS[choice.action]
        found.append(
            Move(choice.action, role, about, choice.rules, args, choice.needs, deadline, result, then)
        )
    return found


def _then(before: Order, after: Order, now: datetime, samples: Mapping[Decimal, str]) -> tuple[Move, ...]:
    """The actions a choice that keeps the order where it is opens for anyone (offers, proposals)."""
    if after.state is not before.state:
        return ()
    graph = after.terms.graph
    was, now_open = graph.allowed(before, now), graph.allowed(after, now)
    found: list[Move] = []
    for role in Role:
        opened = set(now_open[role.value]) - set(was[role.value])
        found += [m for m in _moves(after, role, now, samples) if m.action in opened]
    return tuple(found)


#: Sample arguments for previewing a choice whose arguments the role picks; ``k`` is 1 or 2.
_SAMPLE: Mapping[str, Callable[[Order, int], object]] = {
    "price": lambda order, k: _unit(order, k),
    "amount": lambda order, k: _unit(order, k),
    "buyer_amount": lambda order, k: _unit(order, k),
    "delivery_days": lambda order, k: k,
    "name": lambda order, k: "option",
    "reason": lambda order, k: "(reason)",
    "offer_id": lambda order, k: next(
        f"offer-{n}" for n in range(1, 1000) if f"offer-{n}" not in order.offer_ids
    ),
}


def _unit(order: Order, k: int) -> Money:
    return Money(Decimal(k).scaleb(-minor_units(order.currency)), order.currency)


def _sampled(
    order: Order, choice: Choice, now: datetime
) -> tuple[Decision, Mapping[Decimal, str], Result] | None:
    """Preview ``choice`` with two sample argument sets (see the module docstring): the first run's
    decision, its sample amounts by argument name, and the result; None if a sample is refused."""
    runs: list[tuple[Decision, dict[Decimal, str]]] = []
    for k in (1, 2):
        kind = c.COMMANDS[choice.action]
        missing = [
            a.name
            for a in attrs.fields(kind)
            if a.default is attrs.NOTHING and a.name not in ("actor", *choice.args)
        ]
        args = {**choice.args, **{name: _SAMPLE[name](order, k) for name in (*choice.needs, *missing)}}
        command = kind(choice.role, **args)
        decided = preview(order, command, now).decision
        if decided is None:
            return None
        runs.append((decided, {v.amount: n for n, v in args.items() if isinstance(v, Money)}))
    (first, samples), (second, _) = runs
    return first, samples, _result(order, first, samples, second.effects, choice.needs)


def _result(
    before: Order,
    decision: Decision,
    samples: Mapping[Decimal, str],
    other: tuple[Effect, ...] | None = None,
    needs: tuple[str, ...] = (),
) -> Result:
    """The readable result of ``decision``; ``other`` is the second sample run's effects, if any."""
    after, exact = decision.order, other is None and not samples
    effects = [e for e in decision.effects if not isinstance(e, Notification)]
    second = [e for e in other or () if not isinstance(e, Notification)]
    aligned = [e.kind for e in effects] == [e.kind for e in second]
    consequences = tuple(
        _consequence(effect, samples, second[i] if aligned else None, needs)
        for i, effect in enumerate(effects)
    )
    notified = tuple(dict.fromkeys(e.party for e in decision.effects if isinstance(e, Notification)))
    deadlines = {n: at if exact else None for n, at in running_deadlines(after).items()}
    paid_out = None
    if after.is_terminal and not before.is_terminal and exact:
        b, a, money = before.ledger, after.ledger, after.terms.money
        paid_out = {
            Role.BUYER: money(a.refunded - b.refunded),
            Role.SELLER: money(a.seller_credited - b.seller_credited),
            Role.PLATFORM: money(a.platform_revenue - b.platform_revenue),
        }
    return Result(after.state, exact, consequences, notified, deadlines, decision.fired, paid_out)


def _consequence(
    effect: Effect, samples: Mapping[Decimal, str], twin: Effect | None, needs: tuple[str, ...]
) -> Consequence:
    fields = {f.name: getattr(effect, f.name) for f in attrs.fields(type(effect))}
    amount = None
    money = fields.get("amount")
    if isinstance(money, Money):
        if money.amount in samples:
            amount = Amount(None, argument=samples[money.amount])
        elif samples and (twin is None or getattr(twin, "amount", None) != money):
            amount = Amount(None, depends_on=needs)
        else:
            amount = Amount(money)
    hurts: tuple[str, ...] = ()
    if isinstance(effect, SellerStatistics):
        hurts = tuple(label for name, label in _HURTS.items() if fields[name] is False)
    party = fields.get("party")
    return Consequence(
        effect.kind,
        EFFECTS[effect.kind],
        party if isinstance(party, Role) else None,
        amount,
        fields.get("until"),
        hurts,
    )


def _deadlines(order: Order, now: datetime) -> list[DeadlineNote]:
    """Each running deadline: the route it fires, or the actions its passing opens and closes."""
    graph, found = order.terms.graph, []
    before = graph.allowed(order, now)
    for name, at in running_deadlines(order).items():
        trigger = Deadline(name.partition(":")[0]).value
        route = next((r for r in graph.table.get((order.state, trigger), ()) if r.is_timer), None)
        if route is not None:
            found.append(DeadlineNote(name, at, True, route.dest or order.state, route.rules, {}, {}))
            continue
        after = graph.allowed(order, max(at, now))
        opens = {r: d for r in Role if (d := _minus(after[r.value], before[r.value]))}
        closes = {r: d for r in Role if (d := _minus(before[r.value], after[r.value]))}
        if at <= now:  # already passed: what it opened is open now, nothing more changes
            opens, closes = {}, {}
        changed = {(r, a) for m in (opens, closes) for r, actions in m.items() for a in actions}
        rules = tuple(
            dict.fromkeys(
                rule
                for role, action in sorted(changed)
                for route in graph.table[order.state, action]
                if role in route.actors
                for rule in route.rules
            )
        )
        found.append(DeadlineNote(name, at, False, None, rules, opens, closes))
    return found


def _minus(these: tuple[str, ...], those: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(a for a in these if a not in those)


#: How ``representative`` reaches each state: from which state, by which command (None: the clock
#: runs to the order's expiry), at what time (UTC). One canonical path per state.
PATH: Mapping[State, tuple[State, c.Command | None, str]] = {
    State.IN_PROGRESS: (State.PENDING, c.Accept(Role.SELLER), "2026-01-03T12:00"),
    State.CANCELLATION_REQUESTED: (State.IN_PROGRESS, c.RequestCancellation(Role.BUYER), "2026-01-04T10:00"),
    State.DELIVERED: (State.IN_PROGRESS, c.Deliver(Role.SELLER), "2026-01-05T09:00"),
    State.REVISION_REQUESTED: (State.DELIVERED, c.RequestRevision(Role.BUYER), "2026-01-06T10:00"),
    State.REVISION_REFUSED: (
        State.REVISION_REQUESTED,
        c.RefuseRevision(Role.SELLER, reason="out of scope"),
        "2026-01-06T11:00",
    ),
    State.DISPUTED: (State.REVISION_REFUSED, c.OpenDispute(Role.BUYER), "2026-01-06T12:00"),
    State.ON_HOLD: (State.IN_PROGRESS, c.Hold(Role.PLATFORM), "2026-01-04T10:00"),
    State.COMPLETED: (State.DELIVERED, c.Close(Role.BUYER), "2026-01-06T10:00"),
    State.CANCELED: (State.PENDING, c.Cancel(Role.BUYER), "2026-01-03T11:00"),
    State.EXPIRED: (State.IN_PROGRESS, None, ""),
}


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}+00:00")


def representative(state: State, policy: Policy = COMEUP) -> Order:
    """The example order walked along ``PATH`` to ``state``; explain it at its ``updated_at``."""
    if state is State.PENDING:
        return place_order(example_placement(policy)).order
    source, command, when = PATH[state]
    order = representative(source, policy)
    if command is None:
        return advance(order, order.expires_at).order
    return decide(order, command, _utc(when)).order
