"""The compiled lookup ``decide`` routes through agrees with the ``transitions`` Machine it came from.

``graph_for(policy).table`` is compiled from a ``transitions.Machine``; ``decide`` reads only the
table. Here orders are explored from a placement through every command and a few clock jumps,
keeping one order per situation (state, late or not, seller_answer passed or not, open proposal
and its proposer, open offers, refused cancellations, revisions against a cap, hold resume state,
reviewed, expiry and review window passed). In each, every trigger (the 24 actions, for every
role and every dispute outcome, and the 7 deadlines) is fired on the Machine with a throwaway
model and compared with what ``decide`` (or, for a deadline, the timer lookup) does. The file
also checks the structural validation the graph gets when it is built.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import cache
from types import SimpleNamespace

import attrs
import pytest
from transitions import Machine, MachineError

from orderflow import (
    COMMANDS,
    PRESETS,
    AcceptOffer,
    Command,
    Deadline,
    DeadlinePassed,
    Decision,
    Hold,
    InvalidTransition,
    Money,
    NotAllowed,
    Order,
    OrderflowError,
    Outcome,
    Policy,
    RefuseOffer,
    ResolveDispute,
    Role,
    State,
    UnknownReference,
    WithdrawOffer,
    advance,
    graph_for,
    place_order,
    preview,
    running_deadlines,
)
from orderflow.domain import graph as graph_module
from orderflow.domain.errors import Refusal
from orderflow.domain.graph import Graph, InvalidGraph, Route

from support import DAY, HOUR, PAID_AT, placement

TERMINAL = {State.COMPLETED, State.CANCELED, State.EXPIRED}
#: Both presets, and a strict ComeUp: one revision at most, the first refused cancellation
#: opens a dispute.
POLICIES = (
    *PRESETS.values(),
    attrs.evolve(PRESETS["comeup"], name="comeup-strict", revision_cap=1, refusals_before_dispute=1),
)
#: Clock jumps of the exploration: an hour, a day, past seller_answer (48 h), past the 3-day
#: delivery, past a 7-day window, past expiry (5 months) and past the 6-month review window.
JUMPS = (HOUR, DAY, 2 * DAY + HOUR, 4 * DAY, 8 * DAY, 200 * DAY)
FIXED_ARGS: dict[str, object] = {"reason": "a reason", "name": "extra", "delivery_days": 1, "rating": 4}
PROPOSAL_ACTIONS = {"accept_partial_refund", "decline_partial_refund", "withdraw_partial_refund"}


def menu(order: Order) -> list[tuple[Command, ...]]:
    """Every action with well-formed arguments (each open offer or an unknown one, each dispute
    outcome, a fresh offer id, a one-unit amount), as one command per role for each."""
    money = Money("1.00", order.currency)
    offer_ids = [o.offer_id for o in order.offers] or ["no-such-offer"]
    fixed = {**FIXED_ARGS, "offer_id": f"offer-{order.version}"}  # a fresh id for offer_custom
    commands: list[tuple[Command, ...]] = []
    for cls in COMMANDS.values():
        names = {f.name for f in attrs.fields(cls)} - {"actor", "text"}
        arg_sets: list[dict[str, object]]
        if cls is ResolveDispute:
            arg_sets = [
                {"outcome": o, "buyer_amount": money if o is Outcome.SPLIT else None} for o in Outcome
            ]
        elif names == {"offer_id"}:
            arg_sets = [{"offer_id": i} for i in offer_ids]
        else:
            arg_sets = [{n: fixed.get(n, money) for n in names}]
        commands += [tuple(cls(role, **args) for role in Role) for args in arg_sets]
    return commands


def signature(order: Order, now: datetime) -> tuple[object, ...]:
    """What distinguishes two situations for the graph and the handlers, in the order's state."""
    state, deadlines = order.state, running_deadlines(order)
    delivery, answer = deadlines.get("delivery"), deadlines.get("seller_answer")
    answer_passed = answer is not None and answer <= now
    proposer = None if order.proposal is None else order.proposal.proposer
    return {
        State.IN_PROGRESS: (
            order.is_late(now),
            # A cancellation requested now would turn late before the seller must answer.
            order.delivery_due is not None and order.delivery_due - now < order.policy.seller_answer_window,
            proposer,
            bool(order.offers),
            min(order.cancellation_refusals, 3),
        ),
        State.CANCELLATION_REQUESTED: (
            order.is_late(now),
            delivery is not None and answer is not None and delivery < answer,
            answer_passed,
            proposer,
            min(order.cancellation_refusals, 3),
        ),
        State.DELIVERED: (min(order.revisions, 2), proposer, bool(order.offers)),
        State.REVISION_REQUESTED: (answer_passed, proposer, bool(order.offers)),
        State.REVISION_REFUSED: (proposer, bool(order.offers)),
        State.DISPUTED: (now >= order.expires_at,),
        State.ON_HOLD: (None if order.hold is None else order.hold.resume,),
        State.COMPLETED: (order.reviewed, order.review_until is not None and now > order.review_until),
    }.get(state, ())


def machine_reaches(
    graph: Graph, order: Order, trigger: str, command: Command | None, now: datetime
) -> State | bool | type[MachineError]:
    """Fire ``trigger`` on the Machine with a throwaway model: the state reached, ``False`` when
    its conditions fail, ``MachineError`` when it has no transition from the state."""
    model = SimpleNamespace(state=order.state)
    event = graph.machine.events.get(trigger)
    try:
        if event is None:  # a trigger no row of this policy uses
            raise MachineError(f"no event {trigger}")
        taken = event.trigger(model, order=order, command=command, now=now)
    except MachineError:
        return MachineError
    return State(model.state) if taken else False


@attrs.frozen
class Trial:
    """One command in one situation: what the Machine said, and what ``decide`` did."""

    command: Command
    machine: State | bool | type[MachineError]
    outcome: Decision | OrderflowError


@attrs.frozen
class Situation:
    order: Order
    now: datetime
    #: The order once the deadlines due by ``now`` fired: what ``decide`` routes from.
    current: Order
    #: The trials of each command of ``menu``, one per role.
    trials: tuple[tuple[Trial, ...], ...]


def trial(policy: Policy, order: Order, current: Order, command: Command, now: datetime) -> Trial:
    result = preview(order, command, now)
    outcome = result.decision if result.error is None else result.error
    assert outcome is not None
    return Trial(command, machine_reaches(graph_for(policy), current, command.action, command, now), outcome)


@cache
def situations(policy: Policy) -> tuple[Situation, ...]:
    """One order per distinct situation reachable from a placement (breadth first), each with
    every command of ``menu`` tried on the Machine and on ``decide``."""
    found: dict[tuple[object, ...], Situation] = {}
    queue = deque([(place_order(placement(policy=policy)).order, PAID_AT)])
    while queue:
        order, now = queue.popleft()
        if (key := (order.state, *signature(order, now))) in found:
            continue
        current = advance(order, now).order
        trials = []
        for group in menu(order):
            trials.append(tuple(trial(policy, order, current, command, now) for command in group))
            queue.extend((t.outcome.order, now) for t in trials[-1] if isinstance(t.outcome, Decision))
        found[key] = Situation(order, now, current, tuple(trials))
        queue.extend((advance(order, now + jump).order, now + jump) for jump in JUMPS)
    return tuple(found.values())


def reference_error(order: Order, command: Command, now: datetime) -> type[OrderflowError] | None:
    """The error a well-formed command the graph lets through must still get, from the rules."""
    action, proposal = command.action, order.proposal
    if (
        isinstance(command, (AcceptOffer, RefuseOffer, WithdrawOffer))
        and order.offer(command.offer_id) is None
    ):
        return UnknownReference  # R-PROG-3
    if action in PROPOSAL_ACTIONS:
        if proposal is None:
            return UnknownReference  # R-PART-1
        # The other party answers a proposal; only its proposer withdraws it (R-PART-1).
        if (command.actor is proposal.proposer) != (action == "withdraw_partial_refund"):
            return NotAllowed
    if isinstance(command, ResolveDispute) and command.outcome is Outcome.RESTART and now >= order.expires_at:
        return DeadlinePassed  # R-EXP-3
    if action == "review" and order.review_until is not None and now > order.review_until:
        return DeadlinePassed  # R-END-1
    return None


def command_disagreements(situation: Situation) -> Iterator[str]:
    """Every command and role on which the Machine and ``decide`` disagree in this situation."""
    current, now = situation.current, situation.now
    for group in situation.trials:
        takers = {t.command.actor for t in group if isinstance(t.machine, State)}
        for command, machine, outcome in (attrs.astuple(t, recurse=False) for t in group):
            if isinstance(machine, State):
                expected = reference_error(current, command, now)
                ok = (
                    type(outcome) is expected
                    if expected is not None
                    else isinstance(outcome, Decision) and outcome.order.state is machine
                )
            elif machine is MachineError:
                ok = type(outcome) is InvalidTransition
            else:  # refused: NotAllowed when the Machine lets another role do it (R-ERR-1)
                ok = isinstance(outcome, Refusal) and (type(outcome) is NotAllowed or not takers)
            if not ok:
                did = outcome.order.state if isinstance(outcome, Decision) else type(outcome).__name__
                yield f"{current.state} {command} at {now}: Machine {machine}, decide {did}"


def timer_disagreements(situation: Situation) -> Iterator[str]:
    """Every deadline on which the Machine and the timer lookup ``advance`` uses disagree."""
    current, now = situation.current, situation.now
    graph = graph_for(current.policy)
    for deadline in Deadline:
        reached = machine_reaches(graph, current, deadline.value, None, now)
        route = graph.timer_route(current, deadline, now)
        looked_up = None if route is None else (route.dest or current.state)
        if (reached if isinstance(reached, State) else None) is not looked_up:
            yield f"{current.state} timer {deadline}: Machine {reached}, lookup {looked_up}"
        for role in Role:  # a deadline never fires for a role's command
            if isinstance(machine_reaches(graph, current, deadline.value, Hold(role), now), State):
                yield f"{current.state} timer {deadline} taken by {role}"


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_machine_trigger_and_decide_agree_in_every_situation(policy: Policy) -> None:
    assert [d for s in situations(policy) for d in command_disagreements(s)] == []


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_machine_trigger_and_the_timer_lookup_agree_in_every_situation(policy: Policy) -> None:
    assert [d for s in situations(policy) for d in timer_disagreements(s)] == []


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_the_exploration_takes_every_live_route_of_the_table(policy: Policy) -> None:
    """Guards the agreement test itself: the Machine took every row, for every role it names, in
    some situation, except the rows the policy itself makes dead."""
    graph = graph_for(policy)
    taken = {
        (s.current.state, t.command.action, t.command.actor, t.machine)
        for s in situations(policy)
        for group in s.trials
        for t in group
        if isinstance(t.machine, State)
    } | {
        (s.current.state, d.value, None, route.dest or s.current.state)
        for s in situations(policy)
        for d in Deadline
        if (route := graph.timer_route(s.current, d, s.now)) is not None
    }
    rows = {
        (state, trigger, role, route.dest or state)
        for (state, trigger), routes in graph.table.items()
        for route in routes
        for role in (route.actors or {None})
    }
    dead = set()
    if policy.refusals_before_dispute == 1:  # R-CANC-5: the first refusal is the last one
        dead.add((State.CANCELLATION_REQUESTED, "refuse_cancellation", Role.SELLER, State.IN_PROGRESS))
    if policy.unanswered_cancellation_cancels:  # seller_answer cancels before the buyer may dispute
        dead.add((State.CANCELLATION_REQUESTED, "open_dispute", Role.BUYER, State.DISPUTED))
    assert rows - taken == dead


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_the_table_is_the_machines_transitions(policy: Policy) -> None:
    graph = graph_for(policy)
    from_machine = {
        (State[source], trigger): tuple(t.conditions[0].func for t in transitions)
        for trigger, event in graph.machine.events.items()
        for source, transitions in event.transitions.items()
    }
    assert from_machine == graph.table
    for (state, trigger), routes in graph.table.items():
        dests = [t.dest for t in graph.machine.events[trigger].transitions[state.name]]
        assert dests == [None if r.dest is None else r.dest.name for r in routes]


def _edges(graph: Graph) -> set[tuple[State, State | None, bool]]:
    """(source, dest, whether a timer or the platform takes it) for every compiled route."""
    return {
        (state, route.dest, route.is_timer or Role.PLATFORM in route.actors)
        for (state, _), routes in graph.table.items()
        for route in routes
    }


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_every_state_is_reachable_from_pending(policy: Policy) -> None:
    edges = _edges(graph_for(policy))
    reached, frontier = {State.PENDING}, [State.PENDING]
    while frontier:
        here = frontier.pop()
        for source, dest, _ in edges:
            if source is here and dest is not None and dest not in reached:
                reached.add(dest)
                frontier.append(dest)
    assert reached == set(State)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_terminal_states_are_absorbing_and_only_a_completed_order_takes_a_review(policy: Policy) -> None:
    """R-END-3: nothing leaves a terminal state; the buyer's review of a completed order is the
    one action left, and it stays in place."""
    table = graph_for(policy).table
    after_the_end = {(state, trigger) for state, trigger in table if state in TERMINAL}
    assert after_the_end == {(State.COMPLETED, "review")}
    assert [(r.actors, r.dest) for r in table[State.COMPLETED, "review"]] == [(frozenset({Role.BUYER}), None)]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_every_open_state_is_left_by_a_timer_or_the_platform(policy: Policy) -> None:
    """No order can stay stuck because both parties stay silent."""
    left = {
        source
        for source, dest, neutral in _edges(graph_for(policy))
        if neutral and dest not in (None, source)
    }
    assert left == set(State) - TERMINAL


def _validated(monkeypatch: pytest.MonkeyPatch, routes: tuple[Route, ...]) -> Graph:
    """A graph built, as ``graph_for`` builds one, from a crafted route list."""
    monkeypatch.setattr(graph_module, "ROUTES", routes)
    return graph_module._built.__wrapped__(PRESETS["comeup"])


def _reopening(route: Route) -> Route:
    return attrs.evolve(route, sources=frozenset({State.COMPLETED}))


@pytest.mark.parametrize(
    ("craft", "problem"),
    [
        pytest.param(
            lambda rs: tuple(r for r in rs if r.trigger != "expiry"), "unreachable states", id="no-expiry"
        ),
        pytest.param(
            lambda rs: tuple(r for r in rs if r.trigger != "release_hold"),
            "nothing but the parties leaves on_hold",
            id="no-release",
        ),
        pytest.param(
            lambda rs: (*rs, *(_reopening(r) for r in rs if r.trigger == "request_revision")),
            "request_revision leaves terminal completed",
            id="reopen-completed",
        ),
        # Pending is still left by the platform (hold, dispute) and by expiry.
        pytest.param(lambda rs: tuple(r for r in rs if r.trigger != "acceptance"), None, id="no-acceptance"),
    ],
)
def test_building_a_graph_from_a_crafted_route_list(
    monkeypatch: pytest.MonkeyPatch,
    craft: Callable[[tuple[Route, ...]], tuple[Route, ...]],
    problem: str | None,
) -> None:
    routes = craft(graph_module.ROUTES)
    assert routes != graph_module.ROUTES
    if problem is None:
        assert (State.PENDING, "acceptance") not in _validated(monkeypatch, routes).table
    else:
        with pytest.raises(InvalidGraph, match=problem):
            _validated(monkeypatch, routes)


def test_validating_a_shipped_graph_with_a_route_removed_raises() -> None:
    graph = graph_for(PRESETS["comeup"])
    table = {key: routes for key, routes in graph.table.items() if key[1] != "expiry"}
    graph_module._validate(graph)
    with pytest.raises(InvalidGraph, match="unreachable states"):
        graph_module._validate(Graph(graph.policy, graph.machine, table))


def test_compiling_a_machine_whose_destination_contradicts_its_route_raises() -> None:
    (accept,) = graph_for(PRESETS["comeup"]).table[State.PENDING, "accept"]
    machine = Machine(
        model=None, states=list(State), initial=State.PENDING, auto_transitions=False, send_event=True
    )
    machine.add_transition("accept", State.PENDING, State.CANCELED, conditions=[accept])
    with pytest.raises(InvalidGraph, match="accept from"):
        graph_module._compile(machine)


def test_one_method_says_whether_a_role_may_take_a_route_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """``Route.takes`` is the only test of "may this role take this route now": with it closed,
    the Machine, the lookup ``decide`` reads, the timers and the list of allowed actions all refuse."""
    order = place_order(placement()).order
    graph, now = graph_for(order.policy), PAID_AT
    accept = COMMANDS["accept"](Role.SELLER)
    assert machine_reaches(graph, order, "accept", accept, now) is State.IN_PROGRESS
    monkeypatch.setattr(Route, "takes", lambda *_: False)
    assert machine_reaches(graph, order, "accept", accept, now) is False
    rebuilt = Graph(graph.policy, graph.machine, graph.table)  # its direct lookup asks takes too
    assert rebuilt.direct == {}
    with pytest.raises(NotAllowed):
        rebuilt.route(order, accept, now)
    assert graph.allowed(order, now) == {role.value: () for role in Role}
    assert graph.timer_route(order, Deadline.ACCEPTANCE, order.expires_at) is None
