"""Model-based paths: the shortest path to every state, and a path set taking every transition.

A *transition* is one row of the compiled table (``graph_for(policy).table``) for one role: a
command route for each role it allows, or a deadline firing. Routes have guards and set-up (a late
order needs time to pass, ``accept_offer`` an open offer, ``release_hold`` a given resume state), so
the search runs the real core, not the bare graph: breadth first from a placement over ``decide``
(every trigger of the state, for every role the table names, with a few concrete argument sets)
and ``advance`` (to each running deadline and an hour before it), keeping one order per abstract
configuration. Every step of every path was accepted by the core; rows no order reaches are
reported as ``uncovered``. ``orderflow scenario generate`` writes the paths as scenario files.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache, lru_cache

import attrs

from ..domain.commands import COMMANDS, Command, Outcome, ResolveDispute
from ..domain.deadlines import deadline_instant, running_deadlines
from ..domain.decide import decide
from ..domain.errors import OrderflowError
from ..domain.graph import Graph, Route, graph_for
from ..domain.money import Money, quantize
from ..domain.order import Order
from ..domain.placement import Placement, place_order
from ..domain.policy import COMEUP, Policy
from ..domain.states import Deadline, Role, State
from ..domain.timers import advance
from ..example import example_placement

HOUR = timedelta(hours=1)
_STATES = list(State)
_TEXT: dict[str, object] = {"reason": "generated", "name": "extra", "delivery_days": 1, "rating": 5}
_OFFER_ACTIONS = ("accept_offer", "refuse_offer", "withdraw_offer")
_EARLY = ("delivery", "expiry", "offer")  # the deadlines some set-up must come just before
_WINDOWS = (Deadline.ACCEPTANCE, Deadline.REVIEW_DECISION, Deadline.SELLER_ANSWER, Deadline.BUYER_DECISION)


@attrs.frozen
class Transition:
    """One row of the table for one role (``None``: a deadline fires it), from one state."""

    source: State
    route: Route
    role: Role | None

    @property
    def trigger(self) -> str:
        return self.route.trigger

    @property
    def reached(self) -> State:
        return self.route.dest or self.source

    @property
    def sort_key(self) -> tuple[int, str, str, int, str]:
        guards = ",".join(g.name for g in self.route.when)
        role = "" if self.role is None else self.role.value
        return (_STATES.index(self.source), self.trigger, role, _STATES.index(self.reached), guards)

    @property
    def slug(self) -> str:
        """A file-name-friendly label: ``in-progress-cancel-by-buyer-late-to-canceled``."""
        who = "fires" if self.role is None else f"by-{self.role.value}"
        words = [self.source.value, self.trigger, who, *(g.name for g in self.route.when), "to"]
        return "-".join(
            "".join(c if c.isalnum() else "-" for c in w) for w in (*words, self.reached.value)
        ).replace("_", "-")

    def __str__(self) -> str:
        who = "(deadline)" if self.role is None else f"by {self.role.value}"
        guards = f" [{', '.join(g.name for g in self.route.when)}]" if self.route.when else ""
        return f"{self.source.value} --{self.trigger} {who}{guards}--> {self.reached.value}"


def _roles(route: Route) -> tuple[Role | None, ...]:
    """The roles a route allows, or ``None`` alone for a deadline's route."""
    return tuple(sorted(route.actors)) or (None,)


def table_transitions(policy: Policy) -> tuple[Transition, ...]:
    """Every transition of ``policy``'s table, in a stable order."""
    found = {
        Transition(state, route, role)
        for (state, _), routes in graph_for(policy).table.items()
        for route in routes
        for role in _roles(route)
    }
    return tuple(sorted(found, key=lambda t: t.sort_key))


@attrs.frozen
class PathStep:
    """One step of a path: a command (``None``: the clock moves) at ``at``, and the order after it."""

    at: datetime
    command: Command | None
    order: Order
    takes: tuple[Transition, ...]


@attrs.frozen
class Path:
    """Steps from ``placement``'s order to ``goal``: a state, or a transition its last step takes."""

    placement: Placement
    steps: tuple[PathStep, ...]
    goal: State | Transition

    @property
    def takes(self) -> tuple[Transition, ...]:
        """Every transition along the path, first time each, in order."""
        return tuple(dict.fromkeys(t for step in self.steps for t in step.takes))

    @property
    def name(self) -> str:
        """What the path covers, as a file-name stem."""
        return (
            f"state-{self.goal.value.replace('_', '-')}" if isinstance(self.goal, State) else self.goal.slug
        )

    @property
    def rules(self) -> tuple[str, ...]:
        """The rule ids of the routes taken, in order."""
        return tuple(dict.fromkeys(rule for t in self.takes for rule in t.route.rules))

    @property
    def description(self) -> str:
        """What the path shows, for a scenario file."""
        policy = self.placement.policy.name
        if isinstance(self.goal, State):
            return (
                f"The shortest path found to {self.goal.value} ({policy}), every step accepted by the model."
            )
        also = [str(t) for t in self.takes if t != self.goal]
        return f"Takes {self.goal} ({policy})." + (f" On the way: {'; '.join(also)}." if also else "")


@attrs.frozen
class Coverage:
    """A path set over a policy's table: what it takes, what no path found could take."""

    policy: Policy
    transitions: tuple[Transition, ...]
    paths: tuple[Path, ...]
    uncovered: tuple[Transition, ...]
    explored: int  # abstract configurations the search kept

    @property
    def covered(self) -> frozenset[Transition]:
        return frozenset(t for path in self.paths for t in path.takes)

    @property
    def steps(self) -> int:
        return sum(len(path.steps) for path in self.paths)


@attrs.frozen(eq=False)
class _Node:
    order: Order
    now: datetime
    parent: _Node | None
    step: PathStep | None

    def path(self, placement: Placement, goal: State | Transition) -> Path:
        steps: list[PathStep] = []
        node: _Node | None = self
        while node is not None and node.step is not None:
            steps.append(node.step)
            node = node.parent
        return Path(placement, tuple(reversed(steps)), goal)


def _key(order: Order, now: datetime) -> tuple[object, ...]:
    """The abstract configuration: what the guards, set-ups and handlers of the routes read, and
    which running deadlines come first and which come soon (within the policy's shortest window)."""
    policy = order.policy
    shortest = min(policy.window(d) for d in _WINDOWS)
    answer = deadline_instant(order, Deadline.SELLER_ANSWER)
    deadlines = [(at, name.split(":")[0]) for name, at in running_deadlines(order).items() if at > now]
    return (
        order.state,
        order.is_late(now),
        answer is not None and answer <= now,
        frozenset(name for at, name in deadlines if at - now < shortest),
        None if order.proposal is None else order.proposal.proposer,
        bool(order.offers),
        min(order.cancellation_refusals, policy.refusals_before_dispute),
        min(order.revisions, policy.revision_cap or 1),
        None if order.hold is None else order.hold.resume,
        order.reviewed,
    )


def _commands(order: Order, action: str, role: Role) -> list[Command]:
    """A few concrete commands of ``action`` for ``role``: each dispute outcome, the first open
    offer, a fresh offer id, amounts of 5 (10 for a split) in the order's currency."""
    currency = order.currency

    def money(amount: int) -> Money:
        return Money(quantize(Decimal(amount), currency), currency)

    cls = COMMANDS[action]
    if cls is ResolveDispute:
        return [ResolveDispute(role, o, money(10) if o is Outcome.SPLIT else None) for o in Outcome]
    if action in _OFFER_ACTIONS:
        return [cls(role, offer_id=offer.offer_id) for offer in order.offers[:1]]  # type: ignore[call-arg]
    fixed = {**_TEXT, "offer_id": f"offer-{len(order.offer_ids) + 1}", "price": money(5), "amount": money(5)}
    names = [f.name for f in attrs.fields(cls) if f.name not in ("actor", "text")]
    return [cls(role, **{name: fixed[name] for name in names})]


@cache
def _triggers(graph: Graph) -> dict[State, tuple[tuple[str, Role], ...]]:
    """For each state, every (action, role) the table names there."""
    found: dict[State, dict[tuple[str, Role], None]] = {state: {} for state in State}
    for (state, trigger), routes in graph.table.items():
        for route in routes:
            found[state].update(dict.fromkeys((trigger, role) for role in sorted(route.actors)))
    return {state: tuple(pairs) for state, pairs in found.items()}


def _fired(graph: Graph, state: State, fired: tuple[str, ...]) -> tuple[Transition, ...]:
    """The timer transitions ``advance`` took from ``state``, firing ``fired`` in turn."""
    taken = []
    for name in fired:
        if name.startswith("reminder:"):
            continue
        (route,) = (r for r in graph.table[state, name.split(":")[0]] if not r.when)
        taken.append(Transition(state, route, None))
        state = route.dest or state
    return tuple(taken)


def _steps(graph: Graph, order: Order, now: datetime) -> Iterator[PathStep]:
    """Every accepted command at ``now``, then the clock moved to each running deadline and an hour
    before it."""
    for action, role in _triggers(graph)[order.state]:
        for command in _commands(order, action, role):
            try:
                decision = decide(order, command, now)
            except OrderflowError:
                continue
            taken = Transition(order.state, graph.route(order, command, now), role)
            assert decision.order.state is taken.reached, taken  # the core and its table agree
            assert not decision.fired  # the order was advanced to ``now`` already
            yield PathStep(now, command, decision.order, (taken,))
    deadlines = {name: at for name, at in running_deadlines(order).items() if at > now}
    early = {at - HOUR for name, at in deadlines.items() if name.startswith(_EARLY) and at - HOUR > now}
    for at in sorted(set(deadlines.values()) | early):
        decision = advance(order, at)
        yield PathStep(at, None, decision.order, _fired(graph, order.state, decision.fired))


@attrs.frozen
class _Search:
    placement: Placement
    first: dict[Transition, _Node]  # the node after the first step found taking each transition
    states: dict[State, _Node]  # the first node found in each state
    explored: int


@lru_cache(maxsize=4)
def _search(placement: Placement) -> _Search:
    """Breadth first from the placement, one order kept per abstract configuration (deterministic,
    so the last few searches are kept)."""
    graph = graph_for(placement.policy)
    start = place_order(placement).order
    root = _Node(start, start.updated_at, None, None)
    seen, queue = {_key(start, root.now)}, deque([root])
    first: dict[Transition, _Node] = {}
    states = {start.state: root}
    while queue:
        node = queue.popleft()
        for step in _steps(graph, node.order, node.now):
            child = _Node(step.order, step.at, node, step)
            for taken in step.takes:
                first.setdefault(taken, child)
            states.setdefault(step.order.state, child)
            if (key := _key(step.order, step.at)) not in seen:
                seen.add(key)
                queue.append(child)
    return _Search(placement, first, states, len(seen))


def cover_states(policy: Policy = COMEUP, placement: Placement | None = None) -> tuple[Path, ...]:
    """The shortest path found to every state the search reaches, in ``State`` order."""
    search = _search(placement or example_placement(policy))
    return tuple(search.states[s].path(search.placement, s) for s in State if s in search.states)


def cover_transitions(policy: Policy = COMEUP, placement: Placement | None = None) -> Coverage:
    """Paths taking every transition the search reaches, chosen greedily among the shortest path to
    each (most new transitions first, then fewest steps)."""
    search = _search(placement or example_placement(policy))
    policy = search.placement.policy
    transitions = table_transitions(policy)
    candidates = [search.first[t].path(search.placement, t) for t in transitions if t in search.first]
    left, chosen = {t for t in transitions if t in search.first}, []
    while left:
        best = max(candidates, key=lambda p: (len(left.intersection(p.takes)), -len(p.steps)))
        chosen.append(best)
        left -= set(best.takes)
    chosen.sort(key=lambda path: path.goal.sort_key if isinstance(path.goal, Transition) else ())
    uncovered = tuple(t for t in transitions if t not in search.first)
    return Coverage(policy, transitions, tuple(chosen), uncovered, search.explored)
