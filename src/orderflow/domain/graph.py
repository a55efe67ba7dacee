"""The order graph: every transition of the rule book, in one table, driven by ``transitions``.

Theory of operation. ``ROUTES`` below is the only place that says who may do what in which state:
each row names a trigger (a command's action, or a deadline firing by itself), the states it
leaves, the roles allowed (none for a timer), the state reached (``None``: the order stays where
it is), the situations that must hold for anyone (``when``), the deadline that must have passed
before the role may act (``after``), the rule ids it implements, and, for policy-specific rows,
the ``Policy`` flag that enables them.

``graph_for(policy)`` builds one ``transitions.Machine`` per policy (no model, no auto
transitions) from the rows the policy enables, validates it, and compiles the Machine's own
transition objects into a ``(state, trigger) -> routes`` lookup that ``decide`` reads. A test
proves the lookup and ``Machine``'s trigger agree on every state, trigger and role.
What a route *does* (events, money) lives in ``handlers``; what a deadline is in ``deadlines``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache
from typing import Any

import attrs
from transitions import EventData, Machine

from .commands import COMMANDS, Command, Outcome, ResolveDispute
from .deadlines import deadline_instant
from .errors import InvalidTransition, NotAllowed, OrderflowError, Refusal
from .order import Order
from .policy import PRESETS, Policy
from .states import ACTIVE, TERMINAL, WORKING, Deadline, Role, State

Test = Callable[[Order, "Command | None", datetime], bool]


@attrs.frozen
class Guard:
    """A named situation a route needs, e.g. ``late``; the name shows in errors and diagrams."""

    name: str
    test: Test = attrs.field(eq=False)
    #: Whether the guard reads the command's arguments (then it cannot be judged without one).
    about_command: bool = False
    #: What a refusal says when the guard does not hold (``{order}`` is the order), or "".
    unmet: str = attrs.field(default="", eq=False)

    def __call__(self, order: Order, command: Command | None, now: datetime) -> bool:
        return self.test(order, command, now)


def _outcome_is(outcome: Outcome) -> Guard:
    def test(_: Order, command: Command | None, __: datetime) -> bool:
        return isinstance(command, ResolveDispute) and command.outcome is outcome

    return Guard(f"outcome={outcome.value}", test, about_command=True)


def _resumes(state: State) -> Guard:
    return Guard(
        f"resumes {state.value}", lambda order, _, __: order.hold is not None and order.hold.resume is state
    )


LATE = Guard("late", lambda order, _, now: order.is_late(now), unmet="the order is not late yet (R-LATE-2)")
NOT_LATE = Guard(
    "not late",
    lambda order, _, now: not order.is_late(now),
    unmet="the order is late: the buyer may cancel it at once (R-LATE-2)",
)
LAST_REFUSAL = Guard(
    "last allowed refusal",
    lambda order, _, __: order.cancellation_refusals + 1 >= order.terms.policy.refusals_before_dispute,
)
NOT_LAST_REFUSAL = Guard(
    "refusals left",
    lambda order, _, __: order.cancellation_refusals + 1 < order.terms.policy.refusals_before_dispute,
)
UNDER_REVISION_CAP = Guard(
    "under revision cap",
    lambda order, _, __: (cap := order.terms.policy.revision_cap) is None or order.revisions < cap,
    unmet="the revision cap of {order.policy.revision_cap} was reached (R-REV-5)",
)
NO_OPEN_PROPOSAL = Guard(
    "no open proposal",
    lambda order, _, __: order.proposal is None,
    unmet="a partial refund proposal is already open (R-PART-1)",
)
NOT_REVIEWED = Guard(
    "not reviewed", lambda order, _, __: not order.reviewed, unmet="the order was already reviewed (R-END-1)"
)

#: Who may take a route (sets of roles; ``BY_TIMER``: nobody, a deadline fires it by itself).
BY_BUYER, BY_SELLER, BY_PLATFORM = (frozenset({r}) for r in Role)
BY_PARTIES = BY_BUYER | BY_SELLER
BY_TIMER: frozenset[Role] = frozenset()
ANSWERING = frozenset({State.CANCELLATION_REQUESTED, State.REVISION_REQUESTED})
EXTRAS = frozenset({State.IN_PROGRESS, State.REVISION_REFUSED})  # R-PROG-2
STARTED = ACTIVE - {State.PENDING}  # where offers may be open and refunds proposed (R-PART-3)
NON_TERMINAL = frozenset(State) - TERMINAL
CLOSING = TERMINAL | {State.DISPUTED}  # reaching them closes open offers and proposal (R-PART-3)


@attrs.frozen
class Route:
    """One row of the graph (see the module docstring)."""

    trigger: str
    sources: frozenset[State]
    actors: frozenset[Role]
    dest: State | None
    rules: tuple[str, ...]
    when: tuple[Guard, ...] = ()
    after: Deadline | None = None
    only_if: str | None = None
    #: What the command acts on (``offer`` or ``proposal``): without one, the route is not listed
    #: as allowed, and the command is refused with UnknownReference.
    refers_to: str | None = None
    #: Whether the route closes open offers and proposal (R-PART-3): ``dest`` is in ``CLOSING``.
    closes: bool = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "closes", self.dest in CLOSING)

    @property
    def is_timer(self) -> bool:
        return not self.actors

    def holds(self, order: Order, command: Command | None, now: datetime) -> bool:
        """Whether the route's situations hold; without a command, those about one are skipped."""
        for guard in self.when:
            if command is not None or not guard.about_command:
                test = guard.test  # called without ``Guard.__call__``'s frame
                if not test(order, command, now):
                    return False
        return True

    def takes(
        self, actor: Role | None, order: Order | None, command: Command | None, now: datetime | None
    ) -> bool:
        """Whether ``actor`` (None: a deadline firing) may take this route now: one of its
        actors, its situations holding, the deadline it waits for passed. The one test of "may
        this role take this route now": the Machine's condition, ``Graph.route`` (and its
        ``direct`` lookup, built by asking it), ``Graph.timer_route`` and ``Graph.allowed`` all ask
        it. A route without situations or deadline reads neither ``order`` nor ``now``."""
        return (
            (actor in self.actors if self.actors else actor is None)
            and (not self.when or self.holds(order, command, now))  # type: ignore[arg-type]
            and (self.after is None or self.ready(order, now))  # type: ignore[arg-type]
        )

    def __call__(self, event: EventData) -> bool:
        """The condition ``transitions`` evaluates: ``takes``, with the command's actor."""
        kwargs: dict[str, Any] = event.kwargs
        command = kwargs["command"]
        return self.takes(None if command is None else command.actor, kwargs["order"], command, kwargs["now"])

    def unmet(self, order: Order, command: Command | None, now: datetime) -> list[str]:
        """What each of the route's situations that does not hold now says, for a refusal."""
        return [
            guard.unmet.format(order=order)
            for guard in self.when
            if guard.unmet
            and (command is not None or not guard.about_command)
            and not guard(order, command, now)
        ]

    def ready(self, order: Order, now: datetime) -> bool:
        """Whether the deadline this route waits for (``after``) has passed."""
        if self.after is None:
            return True
        due = deadline_instant(order, self.after)
        return due is not None and now >= due


def R(
    trigger: str | Deadline,
    sources: State | Iterable[State],
    actors: frozenset[Role],
    dest: State | None,
    *rules: str,
    when: tuple[Guard, ...] = (),
    after: Deadline | None = None,
    only_if: str | None = None,
    refers_to: str | None = None,
) -> Route:
    """A row of ``ROUTES``, written compactly."""
    states = frozenset({sources}) if isinstance(sources, State) else frozenset(sources)
    return Route(str(trigger), states, actors, dest, rules, when, after, only_if, refers_to)


S = State
D = Deadline
ROUTES: tuple[Route, ...] = (
    # trigger               leaves                    who          reaches              rules
    R("accept",             S.PENDING,                BY_SELLER,   S.IN_PROGRESS,       "R-PEND-2"),
    R("cancel",             S.PENDING,                BY_BUYER,    S.CANCELED,          "R-PEND-4"),
    R("cancel",             WORKING,                  BY_BUYER,    S.CANCELED,          "R-LATE-2", "R-TIME-4", when=(LATE,)),
    R("cancel",             ACTIVE,                   BY_SELLER,   S.CANCELED,          "R-SCANC-1", "R-REF-2"),
    R("deliver",            S.IN_PROGRESS,            BY_SELLER,   S.DELIVERED,         "R-PROG-1"),
    R("request_cancellation", S.IN_PROGRESS,          BY_BUYER,    S.CANCELLATION_REQUESTED, "R-CANC-1", when=(NOT_LATE,)),
    R("accept_cancellation", S.CANCELLATION_REQUESTED, BY_SELLER,  S.CANCELED,          "R-CANC-2"),
    R("refuse_cancellation", S.CANCELLATION_REQUESTED, BY_SELLER,  S.IN_PROGRESS,       "R-CANC-3", when=(NOT_LAST_REFUSAL,)),
    R("refuse_cancellation", S.CANCELLATION_REQUESTED, BY_SELLER,  S.DISPUTED,          "R-CANC-5", when=(LAST_REFUSAL,)),
    R("close",              S.DELIVERED,              BY_BUYER,    S.COMPLETED,         "R-DELIV-2"),
    R("close",              S.REVISION_REFUSED,       BY_BUYER,    S.COMPLETED,         "R-REF-1"),
    R("request_revision",   S.DELIVERED,              BY_BUYER,    S.REVISION_REQUESTED, "R-DELIV-3", "R-REV-5", when=(UNDER_REVISION_CAP,)),
    R("accept_revision",    S.REVISION_REQUESTED,     BY_SELLER,   S.IN_PROGRESS,       "R-REV-2"),
    R("refuse_revision",    S.REVISION_REQUESTED,     BY_SELLER,   S.REVISION_REFUSED,  "R-REV-3"),
    R("open_dispute",       S.REVISION_REFUSED,       BY_BUYER,    S.DISPUTED,          "R-REF-1", "R-DISP-3"),
    R("open_dispute",       ANSWERING,                BY_BUYER,    S.DISPUTED,          "R-CANC-4", "R-REV-4", "R-DISP-3", after=D.SELLER_ANSWER),
    R("open_dispute",       ACTIVE,                   BY_PLATFORM, S.DISPUTED,          "R-DISP-3"),
    *(R("resolve_dispute",  S.DISPUTED,               BY_PLATFORM, dest,                "R-DISP-2", when=(_outcome_is(outcome),))
      for outcome, dest in ((Outcome.REFUND, S.CANCELED), (Outcome.SPLIT, S.COMPLETED),
                            (Outcome.RESTART, S.IN_PROGRESS), (Outcome.RELEASE, S.COMPLETED))),
    R("hold",               NON_TERMINAL - {S.ON_HOLD}, BY_PLATFORM, S.ON_HOLD,         "R-HOLD-1"),
    *(R("release_hold",     S.ON_HOLD,                BY_PLATFORM, state,               "R-HOLD-1", when=(_resumes(state),))
      for state in sorted(NON_TERMINAL - {S.ON_HOLD})),
    R("buy_option",         S.IN_PROGRESS,            BY_BUYER,    None,                "R-PROG-2"),
    R("buy_option",         S.REVISION_REFUSED,       BY_BUYER,    S.IN_PROGRESS,       "R-PROG-2", "R-REF-5"),
    R("offer_custom",       EXTRAS,                   BY_SELLER,   None,                "R-PROG-3", "R-REF-5"),
    R("accept_offer",       S.IN_PROGRESS,            BY_BUYER,    None,                "R-PROG-2", "R-PROG-3", refers_to="offer"),
    R("accept_offer",       S.REVISION_REFUSED,       BY_BUYER,    S.IN_PROGRESS,       "R-PROG-3", "R-REF-5", refers_to="offer"),
    R("refuse_offer",       STARTED,                  BY_BUYER,    None,                "R-PROG-3", refers_to="offer"),
    R("withdraw_offer",     STARTED,                  BY_SELLER,   None,                "R-PROG-3", refers_to="offer"),
    R("propose_partial_refund", STARTED,              BY_PARTIES,  None,                "R-PART-1", "R-PART-3", "R-REF-4", when=(NO_OPEN_PROPOSAL,)),
    R("accept_partial_refund", STARTED,               BY_PARTIES,  None,                "R-PART-1", "R-PART-2", refers_to="proposal"),
    R("decline_partial_refund", STARTED,              BY_PARTIES,  None,                "R-PART-1", refers_to="proposal"),
    R("withdraw_partial_refund", STARTED,             BY_PARTIES,  None,                "R-PART-1", refers_to="proposal"),
    R("review",             S.COMPLETED,              BY_BUYER,    None,                "R-END-1", "R-END-3", when=(NOT_REVIEWED,)),
    # Timers: a deadline passing fires these by itself (R-TIME-2).
    R(D.ACCEPTANCE,         S.PENDING,                BY_TIMER,    S.CANCELED,          "R-PEND-3"),
    R(D.REVIEW_DECISION,    S.DELIVERED,              BY_TIMER,    S.COMPLETED,         "R-DELIV-4"),
    R(D.BUYER_DECISION,     S.REVISION_REFUSED,       BY_TIMER,    S.COMPLETED,         "R-REF-3"),
    R(D.SELLER_ANSWER,      S.CANCELLATION_REQUESTED, BY_TIMER,    S.CANCELED,          "R-CANC-4", only_if="unanswered_cancellation_cancels"),
    R(D.OFFER,              STARTED,                  BY_TIMER,    None,                "R-PROG-3"),
    R(D.EXPIRY,             ACTIVE,                   BY_TIMER,    S.EXPIRED,           "R-EXP-1", "R-EXP-3"),
)  # fmt: skip


class InvalidGraph(OrderflowError):
    """The graph a policy enables breaks a structural rule (checked when it is built)."""


@attrs.frozen
class Graph:
    """The order graph of one policy: its ``transitions`` Machine and the lookup compiled from it."""

    policy: Policy
    machine: Machine = attrs.field(eq=False, repr=False)
    table: dict[tuple[State, str], tuple[Route, ...]] = attrs.field(eq=False, repr=False)
    #: The command routes leaving each state, for listing what is allowed (derived from ``table``).
    commands_from: dict[State, tuple[Route, ...]] = attrs.field(init=False, eq=False, repr=False)
    #: ``(state, command class, actor) -> route`` where the first of the table's routes open to
    #: the actor needs no situation and waits for no deadline: that route always takes the
    #: command, so ``route`` returns it after one lookup (derived from ``table``). Keyed by the
    #: command's class, not its ``action``: a class attribute read through an instance is not a
    #: specialized load in Python 3.11.
    direct: dict[tuple[State, type[Command], Role], Route] = attrs.field(init=False, eq=False, repr=False)
    #: The same keys where a route must be judged on each command: the table's routes open to the
    #: actor, in order, each with its situations' tests, which ``judged`` calls without
    #: ``takes``' and ``holds``' frames (derived from ``table``).
    judges: dict[tuple[State, type[Command], Role], tuple[tuple[Route, tuple[Test, ...]], ...]] = attrs.field(
        init=False, eq=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        leaving = {
            state: tuple(
                r for (source, _), rs in self.table.items() if source is state for r in rs if not r.is_timer
            )
            for state in State
        }
        object.__setattr__(self, "commands_from", leaving)
        direct, judges = {}, {}
        for (state, trigger), routes in self.table.items():
            kind = COMMANDS.get(trigger)
            if kind is None:  # a deadline firing by itself: no actor takes it
                continue
            for actor in Role:
                for route in routes:
                    if route.when or route.after is not None:
                        if actor in route.actors:
                            # a route judged on each command comes first for this actor
                            judges[state, kind, actor] = tuple(
                                (r, tuple(guard.test for guard in r.when))
                                for r in routes
                                if actor in r.actors
                            )
                            break
                    elif route.takes(actor, None, None, None):  # reads neither order nor time
                        direct[state, kind, actor] = route
                        break
        object.__setattr__(self, "direct", direct)
        object.__setattr__(self, "judges", judges)

    def route(self, order: Order, command: Command, now: datetime) -> Route:
        """The route ``command`` takes, or the R-ERR-1 graph error (InvalidTransition, NotAllowed)."""
        return self.direct.get((order.state, type(command), command.actor)) or self.judged(
            order, command, now
        )

    def judged(self, order: Order, command: Command, now: datetime) -> Route:
        """``route`` without the ``direct`` lookup: every route of the table judged in turn (what
        ``decide`` asks when its own lookup of ``direct`` found nothing)."""
        # ``takes`` of each route open to the actor, written out: its situations, then its deadline
        for route, tests in self.judges.get((order.state, type(command), command.actor), ()):
            for test in tests:
                if not test(order, command, now):
                    break
            else:
                if route.after is None or route.ready(order, now):
                    return route
        return self._scanned(order, command, now)

    def _scanned(self, order: Order, command: Command, now: datetime) -> Route:
        """``judged`` for a command ``judges`` does not know (a subclass), or the refusal. Apart,
        so that ``judged`` has no closure: its comprehensions' cells would be made on each call."""
        actor = command.actor
        routes = self.table.get((order.state, command.action), ())
        for route in routes:
            if route.takes(actor, order, command, now):
                return route
        possible = [r for r in routes if r.holds(order, command, now)]
        mine = [r for r in routes if actor in r.actors]
        # Why the actor's own routes are closed: their situations that do not hold (R-ERR-1).
        why = list(dict.fromkeys(reason for r in mine for reason in r.unmet(order, command, now)))
        if not possible:
            raise self._refusal(InvalidTransition, order, command, now, "no one may", why)
        waiting = [r for r in possible if actor in r.actors]  # open to the actor but for ``after``
        if not waiting:
            raise self._refusal(NotAllowed, order, command, now, f"{actor} may not", why)
        after = waiting[0].after
        raise self._refusal(
            NotAllowed, order, command, now, f"not before {after} has passed: {actor} may not"
        )

    def timer_route(self, order: Order, deadline: Deadline, now: datetime) -> Route | None:
        """The route a deadline firing now takes, or None when it fires nothing here."""
        # the member itself as the trigger: a ``str`` equal to its value, whose ``value`` is a
        # Python-level property
        routes = self.table.get((order.state, deadline), ())
        return next((r for r in routes if r.takes(None, order, None, now)), None)

    def allowed(self, order: Order, now: datetime) -> dict[str, tuple[str, ...]]:
        """For each role, the actions it may take now (arguments aside)."""
        open_routes = [
            r
            for r in self.commands_from[order.state]
            if (r.refers_to != "offer" or order.offers)
            and (r.refers_to != "proposal" or order.proposal is not None)
        ]
        return {
            role.value: tuple(
                dict.fromkeys(r.trigger for r in open_routes if r.takes(role, order, None, now))
            )
            for role in Role
        }

    def _refusal(
        self,
        error: type[Refusal],
        order: Order,
        command: Command,
        now: datetime,
        what: str,
        why: list[str] | None = None,
    ) -> Refusal:
        return error(
            f"{what} {command.action} while the order is {order.state.value}"
            f"{' and late' if order.is_late(now) else ''}{': ' + '; '.join(why) if why else ''}",
            state=order.state.value,
            action=command.action,
            actor=command.actor.value,
            allowed=self.allowed(order, now),
        )


def graph_for(policy: Policy) -> Graph:
    """The one graph of ``policy``, built and validated on first use."""
    # Hosts place most orders under one policy: comparing it with the last one asked for costs
    # less than hashing it (attrs' ``__hash__``, a Python call). One tuple, replaced whole, so
    # that threads never pair a policy with another's graph.
    global _last
    last = _last
    if last[0] is policy:
        graph: Graph = last[1]
        return graph
    graph = _built(policy)
    _last = (policy, graph)
    return graph


@cache
def _built(policy: Policy) -> Graph:
    machine = Machine(
        model=None, states=list(State), initial=State.PENDING, auto_transitions=False, send_event=True
    )
    for row in ROUTES:
        if row.only_if is None or getattr(policy, row.only_if):
            for source in sorted(row.sources):
                machine.add_transition(row.trigger, source, row.dest, conditions=[row])
    graph = Graph(policy, machine, _compile(machine))
    _validate(graph)
    return graph


_last: tuple[object, Any] = (None, None)  # (policy, graph) last asked for


def _compile(machine: Machine) -> dict[tuple[State, str], tuple[Route, ...]]:
    """Read the Machine's own transition objects into a ``(state, trigger)`` lookup."""
    table: dict[tuple[State, str], tuple[Route, ...]] = {}
    for trigger, event in machine.events.items():
        for source, transitions in event.transitions.items():
            routes = []
            for transition in transitions:
                (condition,) = transition.conditions
                route = condition.func
                assert isinstance(route, Route)
                dest = None if transition.dest is None else State[transition.dest]
                if dest is not route.dest:
                    raise InvalidGraph(f"{trigger} from {source}: Machine says {dest}")
                routes.append(route)
            table[State[source], trigger] = tuple(routes)
    return table


def _validate(graph: Graph) -> None:
    """Every state reachable, terminals absorbing, no order stuck forever."""
    edges = [(state, r) for (state, _), routes in graph.table.items() for r in routes]
    reached, frontier = {State.PENDING}, [State.PENDING]
    while frontier:
        here = frontier.pop()
        for state, route in edges:
            if state is here and route.dest is not None and route.dest not in reached:
                reached.add(route.dest)
                frontier.append(route.dest)
    if unreachable := set(State) - reached:
        raise InvalidGraph(f"{graph.policy.name}: unreachable states {sorted(unreachable)}")
    for state, route in edges:
        if state in TERMINAL and route.dest is not None:
            raise InvalidGraph(f"{graph.policy.name}: {route.trigger} leaves terminal {state}")
    for state in NON_TERMINAL:
        if not any(
            s is state and r.dest not in (None, state) and (r.is_timer or r.actors >= BY_PLATFORM)
            for s, r in edges
        ):
            raise InvalidGraph(f"{graph.policy.name}: nothing but the parties leaves {state}")


for _preset in PRESETS.values():  # validate the shipped graphs at import
    graph_for(_preset)
