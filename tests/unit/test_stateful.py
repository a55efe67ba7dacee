"""Invariants of every order's life, over random command sequences at random, non-decreasing times.

A Hypothesis state machine places an order (random policy, currency and amounts), then sends any
of the 24 commands, from any actor, with generated arguments (valid or not: blank reasons, ratings
out of range, amounts negative, zero, with too many decimals, in another currency, over escrow or
over the cap, unknown offer ids), and lets the clock jump, up to past expiry. After every step:
money is conserved to the minor unit and no account is negative (R-MONEY-5), terminal states are
absorbing (R-END-3), rejections change nothing (R-TIME-2 aside), ``replay`` rebuilds the order,
the version counts the events, the running deadlines are those R-TIME-3 lists, nothing due is left
unfired, and the effects move exactly the money the ledger moved.

``HYPOTHESIS_PROFILE=thorough`` runs many more examples.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from orderflow import (
    COMMANDS,
    PRESETS,
    Accept,
    Cancel,
    Deadline,
    Decision,
    InvalidArgument,
    InvalidTime,
    Ledger,
    Money,
    Option,
    Order,
    OrderflowError,
    Outcome,
    Placement,
    Reminder,
    ResolveDispute,
    Review,
    Role,
    State,
    advance,
    decide,
    graph_for,
    place_order,
    preview,
    replay,
    running_deadlines,
)
from orderflow.domain.effects import Effect, EscrowDeposit, PlatformRevenue, Refund, WalletCredit
from orderflow.domain.events import Event

MINOR_UNITS = {"EUR": 2, "JPY": 0, "KWD": 3}
TERMINAL = {State.COMPLETED, State.CANCELED, State.EXPIRED}
#: R-TIME-3, written out from the rule book: the deadlines of each state besides expiry and offers.
RUNNING: dict[State, set[str]] = {
    State.PENDING: {"acceptance"},
    State.IN_PROGRESS: {"delivery"},
    State.CANCELLATION_REQUESTED: {"delivery", "seller_answer"},
    State.DELIVERED: {"review_decision"},
    State.REVISION_REQUESTED: {"seller_answer"},
    State.REVISION_REFUSED: {"buyer_decision"},
}
#: How far the clock moves before a command: mostly not at all or a little, sometimes past 48 h,
#: the 3-day delivery or a 7-day window.
JUMPS = st.sampled_from(
    [timedelta(0)] * 4
    + [timedelta(minutes=1)] * 4
    + [timedelta(hours=1)] * 6
    + [timedelta(hours=20)] * 2
    + [timedelta(days=d) for d in (2, 3, 8)]
)
#: How far the clock moves when the host only advances it: up to past expiry and a review window.
WAITS = st.sampled_from([timedelta(hours=1)] + [timedelta(days=d) for d in (1, 2, 3, 8, 40, 160, 200)])
#: Actions that end or freeze an order, picked last and less often so that lives last longer.
ENDINGS = {"cancel", "accept_cancellation", "hold", "open_dispute"}
#: How a generated amount relates to the order: mostly valid, else each way of being wrong.
AMOUNT_KINDS = st.sampled_from(
    ["valid"] * 6 + ["negative", "zero", "decimals", "currency", "share", "over_escrow", "over_cap"]
)
REASONS = st.sampled_from(["out of scope"] * 5 + ["", "  "])


def unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS[currency])


@st.composite
def placements(draw: st.DrawFn) -> Placement:
    """A placement under a random variant of a preset, in a currency with 0, 2 or 3 decimals."""
    currency = draw(st.sampled_from(sorted(MINOR_UNITS)))

    def money(low: int, high: int) -> Money:
        return Money(draw(st.integers(low, high)) * unit(currency), currency)

    price = money(1, 50_000)
    options = tuple(
        Option(f"option-{i}", money(1, 20_000), draw(st.integers(0, 3)))
        for i in range(draw(st.integers(0, 2)))
    )
    tippable = price.amount + sum((o.price.amount for o in options), Decimal(0))
    tip_cap = int(tippable * Decimal("0.20") / unit(currency))  # R-MONEY-2
    policy = attrs.evolve(
        draw(st.sampled_from(list(PRESETS.values()))),
        revision_cap=draw(st.sampled_from([None, 1, 2])),
        refusals_before_dispute=draw(st.integers(1, 3)),
        reminders=draw(st.sampled_from([(), (Reminder(Deadline.DELIVERY, timedelta(days=1)),)])),
    )
    paid_at = draw(
        st.datetimes(
            min_value=datetime(2025, 1, 1),
            max_value=datetime(2027, 12, 31),
            timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=-5))]),
        )
    )
    return Placement(
        order_id="o-1",
        buyer="b-1",
        seller="s-1",
        price=price,
        delivery_days=draw(st.integers(0, 5)),
        options=options,
        tip=money(0, tip_cap),
        platform_fee=money(0, 1_000),
        tax=Money(min(price.amount, draw(st.integers(0, 100)) * unit(currency)), currency),  # within paid
        paid_at=paid_at,
        policy=policy,
    )


def error_of(make: Callable[[], object]) -> Exception | None:
    try:
        make()
    except Exception as error:
        return error
    return None


#: The ledger account each money effect moves (EscrowDeposit: paid in, and held in escrow).
ACCOUNT_OF: dict[type[Effect], str] = {
    EscrowDeposit: "paid",
    Refund: "refunded",
    WalletCredit: "seller_credited",
    PlatformRevenue: "platform_revenue",
}


def money_moved(decision: Decision) -> dict[str, Decimal]:
    """What the decision's effects say moved, by ledger account."""
    moved = dict.fromkeys(("paid", "refunded", "seller_credited", "platform_revenue"), Decimal(0))
    for effect in decision.effects:
        if isinstance(effect, (EscrowDeposit, Refund, WalletCredit, PlatformRevenue)):
            moved[ACCOUNT_OF[type(effect)]] += effect.amount.amount
    return moved


def ledger_moves(before: Ledger, after: Ledger) -> dict[str, Decimal]:
    return {
        account: getattr(after, account) - getattr(before, account)
        for account in ("paid", "refunded", "seller_credited", "platform_revenue")
    }


class OrderLives(RuleBasedStateMachine):
    """One order's life: ``order`` and ``events`` are what a host would have persisted."""

    order: Order
    events: list[Event]
    now: datetime
    #: The state and ledger the order ended with, once terminal.
    ended: tuple[State, Ledger] | None

    @initialize(placement=placements())
    def place(self, placement: Placement) -> None:
        decision = place_order(placement)
        order = decision.order
        paid = placement.price.amount + sum((o.price.amount for o in placement.options), Decimal(0))
        assert placement.tip is not None
        assert placement.platform_fee is not None
        paid += placement.tip.amount + placement.platform_fee.amount  # R-MONEY-1
        assert (order.state, order.ledger.paid, order.ledger.escrow) == (State.PENDING, paid, paid)
        self.order, self.events, self.now, self.ended = order, list(decision.events), order.updated_at, None

    def amount(self, kind: str, units: int) -> Money:
        order, currency = self.order, self.order.currency
        step = unit(currency)
        value = {
            "valid": units * step,
            "negative": -units * step,
            "zero": Decimal(0),
            "decimals": units * step + step / 10,
            "currency": units * step,
            "share": order.seller_share,
            "over_escrow": order.ledger.escrow + step,
            "over_cap": order.policy.max_amount + step,
        }[kind]
        return Money(value, "CHF" if kind == "currency" else currency)

    @rule(
        data=st.data(),
        pick=st.sampled_from(["allowed"] * 4 + ["any"] * 2 + ["wait"]),
        naive=st.booleans(),
        wait_for=WAITS,
        action=st.sampled_from(sorted(COMMANDS)),
        actor=st.sampled_from(Role),
        kind=AMOUNT_KINDS,
        units=st.integers(1, 5_000),
        reason=REASONS,
        rating=st.sampled_from([5, 1, 3, 0, 6]),
        outcome=st.sampled_from(Outcome),
        mismatched=st.sampled_from([False] * 9 + [True]),
        offer_id=st.sampled_from(["a", "b", "c"]),
        days=st.integers(0, 4),
        jump=JUMPS,
    )
    def step(
        self,
        data: st.DataObject,
        pick: str,
        naive: bool,
        wait_for: timedelta,
        action: str,
        actor: Role,
        kind: str,
        units: int,
        reason: str,
        rating: int,
        outcome: Outcome,
        mismatched: bool,
        offer_id: str,
        days: int,
        jump: timedelta,
    ) -> None:
        """One step of the host: the clock advancing (one time in seven), any action from anyone
        (mostly rejected, which is the point), or an action the graph lists as allowed for its
        role then, on an open offer when there is one. (One rule, so that the mix is weighted.)"""
        if pick == "wait":
            self.wait(wait_for, naive)
            return
        if pick == "allowed":
            now = self.now + jump
            current = advance(self.order, now).order
            allowed = graph_for(current.policy).allowed(current, now)
            choices = sorted(
                ((Role(role), name) for role, names in allowed.items() for name in names),
                key=lambda choice: choice[1] in ENDINGS,  # Hypothesis starts from the first
            )
            choices = [c for c in choices for _ in range(1 if c[1] in ENDINGS else 10)]
            if choices:
                actor, action = data.draw(st.sampled_from(choices))
            offer_id = data.draw(st.sampled_from([*(o.offer_id for o in current.offers), offer_id]))
        amount = self.amount(kind, units)
        # buyer_amount belongs to a split only; ``mismatched`` breaks that on purpose.
        split_amount = amount if (outcome is Outcome.SPLIT) != mismatched else None
        args: dict[str, Any] = {
            "reason": reason,
            "name": "extra",
            "price": amount,
            "amount": amount,
            "delivery_days": days,
            "offer_id": offer_id,
            "outcome": outcome,
            "buyer_amount": split_amount,
            "rating": rating,
            "text": "",
        }
        self.attempt(action, actor, args, jump)

    def wait(self, jump: timedelta, naive: bool) -> None:
        """The host's clock calls ``advance``: only deadlines fire. A naive time, or one before
        the last event, is refused first and changes nothing (R-TIME-1)."""
        last, before = self.order.updated_at, repr(self.order)
        earlier = last.replace(tzinfo=None) if naive else last - timedelta(seconds=1)
        assert type(error_of(lambda: advance(self.order, earlier))) is InvalidTime
        assert type(error_of(lambda: decide(self.order, Cancel(Role.SELLER), earlier))) is InvalidTime
        assert repr(self.order) == before
        now = self.now + jump
        self.keep(advance(self.order, now), now)
        self.now = now

    def attempt(self, action: str, actor: Role, args: dict[str, Any], jump: timedelta) -> None:
        cls = COMMANDS[action]
        kwargs = {f.name: args[f.name] for f in attrs.fields(cls) if f.name != "actor"}
        malformed = (
            ("reason" in kwargs and not kwargs["reason"].strip())
            or ("rating" in kwargs and not 1 <= kwargs["rating"] <= 5)
            or (
                cls is ResolveDispute
                and (kwargs["outcome"] is Outcome.SPLIT) != (kwargs["buyer_amount"] is not None)
            )
        )
        if malformed:  # R-ERR-2: refused when the command is built, before any order is read
            assert type(error_of(lambda: cls(actor, **kwargs))) is InvalidArgument
            return
        command = cls(actor, **kwargs)
        now, before, snapshot = self.now + jump, self.order, repr(self.order)
        result = preview(before, command, now)  # decide, with the error returned, not raised
        assert repr(before) == snapshot  # never changes its input
        error, decision = result.error, result.decision
        if error is not None:
            assert type(error) is not OrderflowError  # always a named subclass
            event(f"refused {type(error).__name__}")
            timers = advance(before, now)
            if error.advanced is None:
                assert timers.events == ()
            else:  # R-TIME-2: the timers due fired anyway, and only them
                assert error.advanced == timers
                assert timers.fired
                self.keep(error.advanced, now)
        else:
            assert decision is not None
            assert len(decision.events) > len(advance(before, now).events)
            event(f"accepted {action}")
            if before.is_terminal:  # R-END-3: the one action after the end
                assert isinstance(command, Review)
                assert (before.state, command.actor) == (State.COMPLETED, Role.BUYER)
            self.keep(decision, now)
        self.now = now

    def keep(self, decision: Decision, now: datetime) -> None:
        """Persist a decision taken at ``now`` as a host would, checking it event by event: one
        version each, in time order (R-TIME-1), never after ``now``."""
        order = self.order
        for happened in decision.events:
            assert order.updated_at <= happened.at <= now, happened
            after = happened.apply(order)
            assert after.version == order.version + 1
            order = after
        assert order == decision.order
        assert money_moved(decision) == ledger_moves(self.order.ledger, order.ledger)
        for name in decision.fired:
            event(f"fired {name.partition(':')[0]}")
        event(f"reached {order.state}")
        self.order = order
        self.events.extend(decision.events)

    @invariant()
    def money_is_conserved(self) -> None:
        """R-MONEY-5, R-MONEY-6: every amount exact to the minor unit, none negative."""
        ledger = self.order.ledger
        accounts = (ledger.escrow, ledger.refunded, ledger.seller_credited, ledger.platform_revenue)
        assert ledger.paid == sum(accounts, Decimal(0))
        step = unit(self.order.currency)
        for amount in (ledger.paid, *accounts):
            assert amount >= 0
            assert amount == amount.quantize(step)

    @invariant()
    def terminal_states_are_absorbing(self) -> None:
        """R-END-3: once ended, neither the state nor any money moves again."""
        if self.ended is not None:
            assert (self.order.state, self.order.ledger) == self.ended
        elif self.order.state in TERMINAL:
            assert self.order.ledger.escrow == 0
            self.ended = (self.order.state, self.order.ledger)

    @invariant()
    def replay_rebuilds_the_order(self) -> None:
        assert self.order.version == len(self.events)
        assert replay(self.events) == self.order

    @invariant()
    def the_running_deadlines_are_those_of_the_state(self) -> None:
        """R-TIME-3, and R-TIME-2: no deadline due by now is left unfired."""
        order = self.order
        expected = set()
        if order.state in RUNNING:
            expected = RUNNING[order.state] | {"expiry"} | {f"offer:{o.offer_id}" for o in order.offers}
        assert set(running_deadlines(order)) == expected
        assert [name for name in advance(order, self.now).fired if not name.startswith("reminder:")] == []


TestOrderLives = OrderLives.TestCase
TestOrderLives.settings = settings(max_examples=max(40, settings().max_examples // 2), stateful_step_count=30)


def test_a_reminder_due_before_it_was_scheduled_does_not_send_time_backwards() -> None:
    """R-TIME-1: events are in time order. A same-day delivery (0 days) with a reminder one day
    before it: accepted at 12:00, the reminder's instant is 12:00 the day before, before the order
    even existed. Sending it must not stamp an event earlier than the acceptance."""
    policy = attrs.evolve(PRESETS["comeup"], reminders=(Reminder(Deadline.DELIVERY, timedelta(days=1)),))
    paid_at = datetime(2026, 1, 3, 10, tzinfo=timezone.utc)
    placed = place_order(
        Placement(
            order_id="o-1",
            buyer="b-1",
            seller="s-1",
            price=Money("40.00", "EUR"),
            delivery_days=0,
            paid_at=paid_at,
            policy=policy,
        )
    ).order
    accepted = decide(placed, Accept(Role.SELLER), paid_at + timedelta(hours=2))
    later = advance(accepted.order, paid_at + timedelta(hours=3))
    assert all(e.at >= accepted.order.updated_at for e in later.events)
    assert later.order.updated_at >= accepted.order.updated_at
