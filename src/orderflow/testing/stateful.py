"""``OrderMachine``: a Hypothesis state machine over one order's life, with orderflow's invariants,
made to be subclassed by a host that mirrors each decision into its own system.

Each step is an allowed action with valid arguments (mostly), any command from anyone (mostly
rejected), a malformed command, or the clock advancing (up to past expiry). After every step:
money is conserved to the minor unit and no account is negative (R-MONEY-5), terminal states are
absorbing (R-END-3), a rejection changes nothing but the timers that fired first (R-TIME-2),
``replay`` rebuilds the order, the version counts the events, the running deadlines are those
R-TIME-3 lists and none due is left unfired, and no order is stuck.

Subclass it, override ``on_placement``, ``on_decision`` and ``on_rejection`` to feed your system,
add your own ``@invariant()`` methods, and run ``MyMachine.TestCase`` with ``machine_settings()``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ..domain.commands import Command, Review
from ..domain.deadlines import running_deadlines
from ..domain.decide import preview, replay
from ..domain.decision import Decision
from ..domain.effects import EscrowDeposit, PlatformRevenue, Refund, WalletCredit
from ..domain.errors import InvalidArgument, InvalidTime, Rejection
from ..domain.events import Event
from ..domain.guidance import available_actions
from ..domain.money import Ledger
from ..domain.order import Order
from ..domain.placement import Placement, place_order
from ..domain.states import Role, State
from ..domain.timers import advance, next_due
from .strategies import commands, malformed_commands, placements, steps, times, unit

#: R-TIME-3, written out from the rule book: each state's deadlines besides expiry and offers.
RUNNING: dict[State, set[str]] = {
    State.PENDING: {"acceptance"},
    State.IN_PROGRESS: {"delivery"},
    State.CANCELLATION_REQUESTED: {"delivery", "seller_answer"},
    State.DELIVERED: {"review_decision"},
    State.REVISION_REQUESTED: {"seller_answer"},
    State.REVISION_REFUSED: {"buyer_decision"},
}
ACCOUNTS = ("paid", "refunded", "seller_credited", "platform_revenue")
#: The ledger account each money effect moves (EscrowDeposit: paid in, and held in escrow).
ACCOUNT_OF = {
    EscrowDeposit: "paid",
    Refund: "refunded",
    WalletCredit: "seller_credited",
    PlatformRevenue: "platform_revenue",
}
#: What a step does, weighted: mostly an allowed action; shrinks to one.
PICKS = st.sampled_from(["allowed"] * 4 + ["any"] * 2 + ["malformed", "wait"])


def machine_settings(**changes: object) -> settings:
    """Modest settings for ``OrderMachine.TestCase`` that scale with the loaded profile: half
    of its ``max_examples`` (at least 20), 30 steps; call it after the profile is loaded."""
    base = settings.default
    assert base is not None
    defaults: dict[str, object] = {
        "max_examples": max(20, base.max_examples // 2),
        "stateful_step_count": 30,
        "deadline": None,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
    }
    return settings(base, **{**defaults, **changes})  # type: ignore[arg-type]


def money_moved(decision: Decision) -> dict[str, Decimal]:
    """What the decision's effects say moved, by ledger account."""
    moved = dict.fromkeys(ACCOUNTS, Decimal(0))
    for effect in decision.effects:
        if isinstance(effect, (EscrowDeposit, Refund, WalletCredit, PlatformRevenue)):
            moved[ACCOUNT_OF[type(effect)]] += effect.amount.amount
    return moved


def ledger_moves(before: Ledger, after: Ledger) -> dict[str, Decimal]:
    """How much each account of the ledger moved."""
    return {account: getattr(after, account) - getattr(before, account) for account in ACCOUNTS}


class OrderMachine(RuleBasedStateMachine):
    """One order's life. ``order``, ``events`` and ``now`` are what a host would have persisted."""

    placement: Placement
    order: Order
    events: list[Event]
    now: datetime
    #: The state and ledger the order ended with, once terminal.
    ended: tuple[State, Ledger] | None

    # Hooks for subclasses -------------------------------------------------------------------

    def placements(self) -> st.SearchStrategy[Placement]:
        """The placements the machine starts from; override to narrow them."""
        return placements()

    def on_placement(self, decision: Decision) -> None:
        """Called once with the placement's decision (the new order, its OrderPlaced event, notifications)."""

    def on_decision(self, decision: Decision) -> None:
        """Called with every decision that changed the order: an accepted command, deadlines that
        fired when the clock advanced, or those that fired before a rejected command (R-TIME-2)."""

    def on_rejection(self, command: Command, error: Rejection) -> None:
        """Called with every command ``decide`` refused (after ``on_decision`` for any timers that
        fired first, ``error.advanced``)."""

    # Rules ------------------------------------------------------------------------------------

    @initialize(data=st.data())
    def place(self, data: st.DataObject) -> None:
        """Place an order; all of its payment is held in escrow (R-MONEY-1)."""
        self.placement = placement = data.draw(self.placements(), label="placement")
        decision = place_order(placement)
        order = decision.order
        paid = placement.price.amount + sum((o.price.amount for o in placement.options), Decimal(0))
        paid += sum((m.amount for m in (placement.tip, placement.platform_fee) if m is not None), Decimal(0))
        assert (order.state, order.ledger.paid, order.ledger.escrow) == (State.PENDING, paid, paid)
        self.order, self.events, self.now, self.ended = order, list(decision.events), order.updated_at, None
        self.on_placement(decision)

    @rule(data=st.data(), pick=PICKS)
    def step(self, data: st.DataObject, pick: str) -> None:
        """One step of the host (one rule, so that the mix is weighted)."""
        if pick == "allowed":
            taken = data.draw(steps(self.order, self.now), label="step")
            if taken.command is None:
                self.wait(taken.at)
            else:
                self.attempt(taken.command, taken.at)
        elif pick == "any":
            at = data.draw(times(self.order, self.now), label="at")
            self.attempt(data.draw(commands(self.order), label="command"), at)
        elif pick == "malformed":  # R-ERR-2: refused when built, before any order is read
            malformed = data.draw(malformed_commands(), label="malformed")
            try:
                malformed.build()
            except InvalidArgument:
                event("refused malformed")
            else:
                raise AssertionError(f"{malformed} was built")
        else:
            self.wait(data.draw(times(self.order, self.now), label="at"))

    def wait(self, now: datetime) -> None:
        """The host's clock calls ``advance``: only deadlines fire. A naive time, or one before the
        last event, is refused first and changes nothing (R-TIME-1)."""
        last, before = self.order.updated_at, repr(self.order)
        for wrong in (last.replace(tzinfo=None), last - timedelta(seconds=1)):
            assert type(preview(self.order, Review(Role.BUYER, rating=5), wrong).error) is InvalidTime
            try:
                advance(self.order, wrong)
            except InvalidTime:
                pass
            else:
                raise AssertionError(f"advance accepted {wrong!r}")
        assert repr(self.order) == before
        self.keep(advance(self.order, now), now)

    def attempt(self, command: Command, now: datetime) -> None:
        """``decide`` the command at ``now``, checking what a rejection leaves behind."""
        before, snapshot = self.order, repr(self.order)
        result = preview(before, command, now)  # decide, with the error returned, not raised
        assert repr(before) == snapshot  # never changes its input
        timers = advance(before, now)
        if result.error is not None:
            error = result.error
            assert type(error) is not Rejection  # always a named subclass
            event(f"refused {type(error).__name__}")
            if error.advanced is None:
                assert timers.events == ()
                self.now = now
            else:  # R-TIME-2: the timers due fired anyway, and only them
                assert error.advanced == timers
                assert timers.fired
                self.keep(error.advanced, now)
            self.on_rejection(command, error)
            return
        decision = result.decision
        assert decision is not None
        assert len(decision.events) > len(timers.events)
        event(f"accepted {command.action}")
        if before.is_terminal:  # R-END-3: the one action after the end
            assert isinstance(command, Review)
            assert (before.state, command.actor) == (State.COMPLETED, Role.BUYER)
        self.keep(decision, now)

    def keep(self, decision: Decision, now: datetime) -> None:
        """Persist a decision taken at ``now`` as a host would, checking it event by event: one
        version each, in time order (R-TIME-1), never after ``now``; its effects move exactly the
        money its ledger moved."""
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
        self.order, self.now = order, now
        self.events.extend(decision.events)
        if decision.events:
            self.on_decision(decision)

    # Invariants -------------------------------------------------------------------------------

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
        elif self.order.is_terminal:
            assert self.order.ledger.escrow == 0
            self.ended = (self.order.state, self.order.ledger)

    @invariant()
    def replay_rebuilds_the_order(self) -> None:
        """The version counts the events, and replaying them gives the live order."""
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

    @invariant()
    def no_order_is_stuck(self) -> None:
        """A non-terminal order has a deadline ahead or something some role may do now."""
        order = self.order
        if order.is_terminal or next_due(order) is not None:
            return
        assert any(available_actions(order, role, self.now) for role in Role), order.state
