"""The core's fast paths (issue 12) agree with the plain ways they stand in for.

- each validator's inline proof (``drafts.Inline``) implies the validator passes, on hostile values;
- ``builder(cls)`` builds what calling ``cls`` builds, and refuses what it refuses;
- ``Graph.direct`` returns the route the full scan of the table returns, and ``Graph.judges``
  judges the routes the full scan would judge, choosing the route ``Route.takes`` would choose;
- a command that moves money skips the guarded path when the host's decimal context is wide;
- a one-event ``Decision`` keeping only the order before compares equal to one with its effects;
- ``Ledger.settle``, which skips additions of zero, gives what every addition gives;
- a command of ``decide.AMOUNT_FREE``, which skips the decimal context guard, computes no amount;
- the order ``place_order`` builds from its own sums is the one its ``OrderPlaced`` creates;
- only the events of ``effects.MOVING_MONEY`` have effects that move money;
- a price string parsed once (``money._KNOWN``) gives what ``Decimal`` gives, and refuses what the
  slow path refuses, with a typed error, whatever the host's decimal context; the table of known
  strings stops growing at its bound.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta, timezone
from decimal import Context, Decimal, Inexact, InvalidOperation, Rounded, localcontext
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderflow import (
    COMMANDS,
    Command,
    Deadline,
    InvalidAmount,
    InvalidArgument,
    InvalidTransition,
    Money,
    NotAllowed,
    Option,
    Order,
    Placement,
    Role,
    State,
    advance,
    place_order,
)
from orderflow.domain import commands, events, money, states
from orderflow.domain import decide as decide_module
from orderflow.domain import validators as v
from orderflow.domain.commands import Close, Outcome, ProposePartialRefund
from orderflow.domain.decide import AMOUNT_FREE, decide
from orderflow.domain.decision import Decision
from orderflow.domain.drafts import PLAIN, Shared, builder, family
from orderflow.domain.effects import (
    _CONSEQUENCES,
    MOVING_MONEY,
    EscrowDeposit,
    PlatformRevenue,
    Refund,
    WalletCredit,
    effects_of,
)
from orderflow.domain.events import Event, OrderDelivered, OrderHeld, OrderPlaced
from orderflow.domain.graph import Graph, Route, graph_for
from orderflow.domain.handlers import HANDLERS, completed
from orderflow.domain.money import Ledger, _currency_code
from orderflow.domain.policy import COMEUP, PRESETS, Policy
from orderflow.domain.states import WORKING
from orderflow.testing.strategies import Life, lives, placements

from support import PAID_AT, eur, placement, reach

_HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="ascii"), max_size=250),
    st.sampled_from(["", " ", "\x00", "a\x00", "\ud800", "é", "x" * 201, "x" * 10_001, "o-1", "\t", "EUR"]),
    st.timedeltas(min_value=timedelta(days=-5), max_value=timedelta(days=4000)),
    st.datetimes(timezones=st.just(timezone.utc)),
    st.tuples(),
    st.tuples(st.integers()),
    st.just((Option("x", Money("1.00", "EUR"), 1),)),
    st.just(Money("1.00", "EUR")),
    st.just(COMEUP),
)

#: Every validator carrying an inline proof, with a name for the test ids.
PROVEN: dict[str, Any] = {
    "instance_of(Money)": v.instance_of(Money),
    "instance_of(datetime)": v.instance_of(datetime),
    "instance_of(Policy)": v.instance_of(Policy),
    "optional(Money)": v.optional(Money),
    "tuple_of(Option)": v.tuple_of(Option),
    "whole_days": v.whole_days,
    "months": v.months,
    "count": v.count,
    "identifier": v.identifier,
    "non_empty_text": v.non_empty_text,
    "window": v.window,
    "optional_window": v.optional_window,
}


def _holds(inline: Any, value: object) -> bool:
    namespace: dict[str, Any] = {}
    expression = inline.expression("value", "_", namespace)
    return bool(eval(expression, namespace, {"value": value}))


@pytest.mark.parametrize("name", PROVEN)
@given(value=_HOSTILE)
def test_an_inline_proof_implies_its_validator_passes(name: str, value: object) -> None:
    validator = PROVEN[name]
    field = attrs.fields(Placement).order_id  # any field: the validators only read its name
    if _holds(validator.inline, value):
        validator(None, field, value)  # must not raise


def test_the_proofs_hold_for_the_usual_values() -> None:
    """Proofs that never held would be correct but useless: the usual values take the fast way."""
    usual = {
        "instance_of(Money)": Money("1.00", "EUR"),
        "instance_of(datetime)": PAID_AT,
        "instance_of(Policy)": COMEUP,
        "optional(Money)": None,
        "tuple_of(Option)": (Option("x", Money("1.00", "EUR"), 1),),
        "whole_days": 3,
        "months": 5,
        "count": 2,
        "identifier": "o-1",
        "non_empty_text": "the delivery matches the brief",
        "window": timedelta(days=7),
        "optional_window": None,
    }
    assert usual.keys() == PROVEN.keys()
    for name, value in usual.items():
        assert _holds(PROVEN[name].inline, value), name


@given(value=_HOSTILE)
def test_the_currency_proof_implies_the_code_is_kept(value: object) -> None:
    if _holds(_currency_code.inline, value):  # type: ignore[attr-defined]
        assert _currency_code(value) is value


@pytest.mark.skipif(PLAIN, reason="plain attrs classes have no builders: builder(cls) is cls")
def test_every_event_builder_builds_what_its_class_builds() -> None:
    for kind in family(Event):
        assert builder(kind) is not kind, kind
    arguments: dict[str, Any] = {"at": PAID_AT, "late": False, "review_due": PAID_AT + timedelta(days=7)}
    built, called = builder(OrderDelivered)(**arguments), OrderDelivered(**arguments)
    assert built == called
    assert type(built) is OrderDelivered
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        built.late = True  # type: ignore[misc]


def test_made_has_a_builder_of_every_event_and_keeps_the_one_it_compiled() -> None:
    arguments: dict[str, Any] = {"at": PAID_AT, "late": True, "review_due": PAID_AT + timedelta(days=7)}
    for kind in family(Event):
        assert callable(getattr(events.made, kind.__name__)), kind
    first = events._stand_in(OrderDelivered)  # what ``made.OrderDelivered`` is until first called
    assert first(**arguments) == OrderDelivered(**arguments)
    assert events.made.OrderDelivered is builder(OrderDelivered)  # put in the stand-in's place
    assert events.made.OrderDelivered(**arguments) == OrderDelivered(**arguments)
    with pytest.raises(AttributeError):
        events.made.NotAnEvent  # noqa: B018


@pytest.mark.parametrize(("module", "kinds"), [(states, (State, Role, Deadline)), (commands, (Outcome,))])
def test_each_member_constant_is_its_enum_member(module: object, kinds: tuple[type[enum.Enum], ...]) -> None:
    """``states.PENDING`` and the like stand for ``State.PENDING`` in the hot paths (Python 3.11
    reads a member from its class through a Python-level hook)."""
    for kind in kinds:
        for member in kind:
            assert getattr(module, member.name) is member, member


def test_builders_refuse_what_the_classes_refuse() -> None:
    make = builder(Placement)
    good = placement()
    same: dict[str, Any] = {str(f.alias): getattr(good, f.name) for f in attrs.fields(Placement)}
    assert make(**same) == good
    bads: list[dict[str, Any]] = [
        {"order_id": ""},
        {"delivery_days": -1},
        {"price": "40.00"},
        {"options": [1]},
    ]
    for bad in bads:
        fields = same | bad
        with pytest.raises(InvalidArgument) as by_class:
            Placement(**fields)
        with pytest.raises(InvalidArgument) as by_builder:
            make(**fields)
        assert str(by_builder.value) == str(by_class.value)


def test_graph_for_gives_each_policy_its_one_graph_whatever_was_asked_before() -> None:
    other = attrs.evolve(COMEUP, name="other")
    comeup, others = graph_for(COMEUP), graph_for(other)  # the second replaces the last one kept
    assert comeup is not others
    assert comeup.policy is COMEUP
    assert others.policy is other
    assert graph_for(COMEUP) is comeup
    assert graph_for(other) is others
    assert graph_for(attrs.evolve(COMEUP)) is comeup  # an equal policy, not the same object


def test_the_direct_lookup_returns_what_the_full_scan_returns() -> None:
    graph = graph_for(COMEUP)
    assert graph.direct  # the usual moves: accept, deliver, close ...
    for (state, kind, actor), route in graph.direct.items():
        routes = graph.table[state, kind.action]
        first = next(r for r in routes if actor in r.actors)
        assert first is route, (state, kind, actor)
        assert not route.when
        assert route.after is None


def test_the_judges_are_the_routes_the_full_scan_judges_in_turn() -> None:
    for policy in (COMEUP, *PRESETS.values()):
        graph = graph_for(policy)
        assert graph.judges  # request_revision, request_cancellation, resolve_dispute ...
        assert not graph.judges.keys() & graph.direct.keys()
        for (state, kind, actor), judges in graph.judges.items():
            mine = tuple(r for r in graph.table[state, kind.action] if actor in r.actors)
            assert tuple(route for route, _ in judges) == mine, (state, kind, actor)
            assert all(tests == tuple(g.test for g in r.when) for r, tests in judges)


@settings(max_examples=100)
@given(life=lives(max_steps=16))
def test_a_judged_route_is_the_one_the_full_scan_chooses(life: Life) -> None:
    # every command of the life, taken by every role, judged on the order it met
    order = place_order(life.placement).order
    for step in life.steps:
        if step.command is not None:
            for actor in Role:
                now = max(step.at, order.updated_at)
                _judge_both_ways(order, attrs.evolve(step.command, actor=actor), now)
        order = step.take(order).order


def _judge_both_ways(order: Order, command: Command, now: datetime) -> None:
    """``judged``, which asks ``judges`` first, against the full scan of the table with ``takes``:
    the same route, found without one call of ``takes``, or the same refusal."""
    graph = order.terms.graph
    routes = graph.table.get((order.state, command.action), ())
    scanned = next((r for r in routes if r.takes(command.actor, order, command, now)), None)
    calls: list[Route] = []
    takes = Route.takes

    def counted(route: Route, *args: Any) -> bool:
        calls.append(route)
        return takes(route, *args)

    setattr(Route, "takes", counted)  # noqa: B010 (restored below)
    try:
        judged: Route | type[Exception] = graph.judged(order, command, now)
    except (InvalidTransition, NotAllowed) as error:
        judged = type(error)
    finally:
        setattr(Route, "takes", takes)  # noqa: B010
    if scanned is None:
        assert judged in (InvalidTransition, NotAllowed)
    else:
        assert judged is scanned
        known = (order.state, type(command), command.actor) in graph.judges
        assert not (known and calls), "judged called Route.takes for a command its judges know"


def test_a_command_moving_money_skips_the_guarded_path_in_a_wide_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = reach(State.DELIVERED).order
    now = order.updated_at + timedelta(hours=1)
    expected = decide(order, COMMANDS["close"](Role.BUYER), now)
    with monkeypatch.context() as patch:
        patch.setattr(decide_module, "_decide_in_context", _not_guarded)
        assert decide(order, COMMANDS["close"](Role.BUYER), now) == expected
        with localcontext(Context(prec=6)), pytest.raises(AssertionError, match="guarded"):
            decide(order, COMMANDS["close"](Role.BUYER), now)  # narrow: the guard must swap it
    with localcontext(Context(prec=6)):
        assert decide(order, COMMANDS["close"](Role.BUYER), now) == expected


def test_closing_with_only_a_proposal_open_closes_it_on_the_fast_path() -> None:
    # R-PART-3: no offer is open, so ``decide`` takes its fast path; the proposal still closes
    order = reach(State.DELIVERED).order
    now = order.updated_at + timedelta(hours=1)
    proposed = decide(order, ProposePartialRefund(Role.BUYER, amount=eur("15.00"), reason="agreed"), now)
    closed = decide(proposed.order, COMMANDS["close"](Role.BUYER), now + timedelta(hours=1))
    assert [type(e).__name__ for e in closed.events] == ["OrderCompleted", "PartialRefundClosed"]
    assert closed.order.proposal is None


def test_the_functions_on_every_command_make_no_cell() -> None:
    # a closure's cells are made on each call (judged's refusal lives in ``_scanned``; Shared names
    # ``type.__call__`` instead of ``super()``, whose ``__class__`` cell is copied on each call)
    for function in (Graph.judged, Shared.__call__, decide):
        assert not function.__code__.co_cellvars, function
        assert not function.__code__.co_freevars, function


def test_delivering_leaves_only_states_where_lateness_is_the_deadline_alone() -> None:
    # ``handlers._deliver`` tests the delivery deadline without ``Order.is_late``'s state test
    for policy in (COMEUP, *PRESETS.values()):
        for state, trigger in graph_for(policy).table:
            if trigger == "deliver":
                assert state in WORKING, state


def test_a_one_event_decision_keeps_the_tuple_its_handler_returned(monkeypatch: pytest.MonkeyPatch) -> None:
    # handlers return tuples, so a decision of one event needs no tuple of its own
    returned: list[tuple[Event, ...]] = []
    handler = HANDLERS[Close]

    def recorded(*args: Any) -> tuple[Event, ...]:
        returned.append(handler(*args))
        return returned[-1]

    monkeypatch.setitem(HANDLERS, Close, recorded)  # type: ignore[misc]
    order = reach(State.DELIVERED).order
    decision = decide(order, COMMANDS["close"](Role.BUYER), order.updated_at + timedelta(hours=1))
    assert type(returned[0]) is tuple
    assert decision.events is returned[0]


def _not_guarded(*_: object) -> Decision:
    raise AssertionError("took the guarded path")


def test_a_one_event_decision_equals_the_same_decision_with_its_effects() -> None:
    order = reach(State.DELIVERED).order
    decision = decide(order, COMMANDS["close"](Role.BUYER), order.updated_at + timedelta(hours=1))
    assert type(decision._effects) is not tuple  # lazy: only the order before is kept
    eager = Decision(decision.order, decision.events, decision.effects, decision.fired)
    assert eager == decision
    assert hash(eager) == hash(decision)
    assert decision.effects
    assert decision.effects == eager.effects


@pytest.mark.parametrize("trap", [True, False])
@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("1e99999999999999999999", InvalidAmount),  # was a raw decimal.InvalidOperation
        ("1e400", InvalidAmount),
        ("NaN", InvalidAmount),
        (" 40.00", InvalidArgument),
        ("4_0.00", InvalidArgument),
        ("٤٠", InvalidArgument),
    ],
)
def test_a_refused_price_string_raises_a_typed_error_in_any_context(
    text: str, error: type[Exception], trap: bool
) -> None:
    with localcontext() as context:
        context.traps[InvalidOperation] = trap
        context.clear_flags()  # a copy of this thread's context: an earlier test may have set them
        with pytest.raises(error):
            Money(text, "EUR")
        assert not context.flags[InvalidOperation]  # nothing signalled into the host's context


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**14), max_value=10**14))
def test_a_price_string_parses_to_its_decimal(amount: Decimal) -> None:
    text = str(amount)
    assert Money(text, "EUR").amount == Decimal(text)
    assert Money(text, "EUR").amount.as_tuple() == Decimal(text).as_tuple()


@given(st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**14), max_value=10**14))
def test_every_known_amount_string_holds_the_decimal_it_writes(amount: Decimal) -> None:
    Money(str(amount), "EUR")
    Money(str(amount), "EUR")  # the second one is looked up
    assert 0 < len(money._KNOWN) <= money._KNOWN_MOST
    for text, known in list(money._KNOWN.items()):
        assert known.as_tuple() == Decimal(text).as_tuple()


def test_the_known_amount_strings_stop_growing_at_their_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(money, "_KNOWN", {})  # the table _to_decimal fills (Money's own stays)
    monkeypatch.setattr(money, "_KNOWN_MOST", 2)
    texts = [f"{n}.000007" for n in range(1, 6)]  # never known before: more decimals than any test
    assert [Money(text, "EUR").amount for text in texts] == [Decimal(text) for text in texts]
    assert list(money._KNOWN) == texts[:2]


@given(placements())
def test_the_placed_order_is_the_one_its_event_creates(placement: Placement) -> None:
    # place_order hands OrderPlaced the total and the days it has just computed (``opened``);
    # replay derives them from the event (``create``): R-MONEY-1's escrow must be the same.
    decision = place_order(placement)
    (placed,) = decision.events
    assert isinstance(placed, OrderPlaced)
    assert placed.create() == decision.order
    assert decision.order.ledger.paid == placed.paid
    assert decision.effects == effects_of(placed, None, decision.order)  # ``effects.PLACED``


@settings(max_examples=200)
@given(life=lives(max_steps=16))
def test_each_kind_of_event_applies_as_the_shared_apply_does(life: Life) -> None:
    # Each kind of event has its own ``apply`` (``events._own_apply``, the order's copy written
    # out): the order it makes is the one ``Event.apply``, which every kind shared, makes.
    placed, *decisions = life.play()
    order = placed.order
    for decision in decisions:
        for event in decision.events:
            own = type(event).apply(event, order)
            assert own == Event.apply(event, order)
            assert type(own) is Order
            order = own
        assert order == decision.order


@pytest.mark.skipif(PLAIN, reason="under plain attrs classes every kind keeps Event.apply")
def test_a_kind_applies_with_its_own_compiled_apply_after_the_first_time() -> None:
    order = reach(State.IN_PROGRESS).order
    held = OrderHeld(at=order.updated_at)
    held.apply(order)
    own = vars(OrderHeld)["apply"]
    assert own.__code__.co_filename.startswith("<orderflow drafts apply orderflow.domain.events.OrderHeld")
    assert held.apply(order) == Event.apply(held, order)


def test_a_subclass_of_an_event_applies_with_its_own_update() -> None:
    @attrs.frozen(kw_only=True)
    class Marked(OrderHeld):
        def _update(self, order: Order, new: Any) -> None:
            super()._update(order, new)
            new.reviewed = True

    order = reach(State.IN_PROGRESS).order
    marked = Marked(at=order.updated_at).apply(order)
    assert marked.state is State.ON_HOLD
    assert marked.reviewed


#: A host's context in which any amount computed rounds, and rounding raises: only comparisons pass.
_ONE_DIGIT = Context(prec=1, traps=[Inexact, Rounded, InvalidOperation])


@settings(max_examples=200)
@given(life=lives(max_steps=16))
def test_commands_free_of_amounts_decide_the_same_in_any_decimal_context(life: Life) -> None:
    # decide skips the context guard for AMOUNT_FREE commands when nothing is due: were one of
    # them to compute an amount, the one-digit context would round it and raise here.
    order = place_order(life.placement).order
    for step in life.steps:
        decision = step.take(order)
        if type(step.command) in AMOUNT_FREE:
            with localcontext(_ONE_DIGIT):
                assert step.take(order) == decision
        order = decision.order


def test_a_command_that_computes_amounts_would_round_in_a_one_digit_context() -> None:
    # The control of the test above: closing computes the seller's share and settles the ledger.
    order = reach(State.DELIVERED).order
    with localcontext(_ONE_DIGIT), pytest.raises((Inexact, Rounded)):
        completed(order, order.updated_at, "close").apply(order)
    assert Close not in AMOUNT_FREE


_CENTS = st.integers(0, 3).map(
    lambda n: [Decimal("0.00"), Decimal("0.01"), Decimal("12.34"), Decimal("50.00")][n]
)


@given(refund=_CENTS, seller=_CENTS, platform=_CENTS, held=_CENTS)
def test_settling_skips_only_additions_of_zero(
    refund: Decimal, seller: Decimal, platform: Decimal, held: Decimal
) -> None:
    ledger = Ledger("EUR", Decimal("400.00"), Decimal("200.00"), held, held, held)
    out = refund + seller + platform
    settled = ledger.settle(refund=refund, seller=seller, platform=platform)
    plain = (ledger.escrow - out, held + refund, held + seller, held + platform)
    found = (settled.escrow, settled.refunded, settled.seller_credited, settled.platform_revenue)
    assert [a.as_tuple() for a in found] == [b.as_tuple() for b in plain]  # exponents too
    assert (settled.currency, settled.paid) == ("EUR", ledger.paid)
    with pytest.raises(InvalidAmount):
        ledger.settle(refund=refund, seller=seller, platform=platform + Decimal("200.01"))


_MONEY_EFFECTS = (WalletCredit, Refund, PlatformRevenue, EscrowDeposit)


@settings(max_examples=200)
@given(life=lives(max_steps=16))
def test_only_events_moving_money_have_effects_that_move_money(life: Life) -> None:
    """``effects.MOVING_MONEY`` lets the simulation's tally skip a decision's effects: a decision
    with money among its effects always has an event of that set."""
    for decision in life.play()[1:]:
        if any(isinstance(effect, _MONEY_EFFECTS) for effect in decision.effects):
            assert any(type(event) in MOVING_MONEY for event in decision.events), decision.events


def test_each_event_with_consequences_moves_money_exactly_when_the_table_says() -> None:
    """One decision per event class with consequences (the lives above rarely reach some): its
    effects hold money if and only if its class is in ``MOVING_MONEY``."""
    from orderflow.domain.commands import (
        AcceptOffer,
        AcceptPartialRefund,
        BuyOption,
        Close,
        OfferCustom,
        ProposePartialRefund,
        RequestRevision,
    )

    def moves(decision: Decision) -> bool:
        return any(isinstance(effect, _MONEY_EFFECTS) for effect in decision.effects)

    later = timedelta(hours=1)
    decisions: list[Decision] = []
    story = reach(State.IN_PROGRESS)
    now = story.order.updated_at + later
    decisions.append(story.do(BuyOption(Role.BUYER, name="logo", price=eur("8.00"), delivery_days=2), now))
    decisions.append(
        story.do(OfferCustom(Role.SELLER, offer_id="c-1", price=eur("8.00"), delivery_days=2), now)
    )
    decisions.append(story.do(AcceptOffer(Role.BUYER, offer_id="c-1"), now))
    story = reach(State.DELIVERED)
    now = story.order.updated_at + later
    story.do(ProposePartialRefund(Role.SELLER, amount=eur("15.00"), reason="a late start"), now)
    decisions.append(story.do(AcceptPartialRefund(Role.BUYER), now))
    decisions.append(story.do(RequestRevision(Role.BUYER), now))
    story = reach(State.DELIVERED)
    decisions.append(story.do(Close(Role.BUYER), story.order.updated_at + later))
    story = reach(State.PENDING)
    decisions.append(story.do(COMMANDS["cancel"](Role.BUYER), story.order.updated_at + later))
    story = reach(State.IN_PROGRESS)
    decisions.append(advance(story.order, story.order.expires_at))
    seen = {type(event) for decision in decisions for event in decision.events}
    assert seen >= set(_CONSEQUENCES)  # every event with consequences is covered
    for decision in decisions:
        assert moves(decision) == any(type(e) in MOVING_MONEY for e in decision.events), decision.events
