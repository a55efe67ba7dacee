"""Exhaustive model check: every reachable abstract configuration of an order, breadth first.

A ``Configuration`` abstracts an order at an instant: its state, whether it is late, the open
proposal (and who made it), how many offers are open, the state a hold resumes, bounded counters
(revisions, refused cancellation requests) and the passed deadlines that change what may happen
(seller_answer, expiry in a dispute, the review window). ``explore`` starts from a placement and,
from the first concrete order reaching each configuration (its representative), applies every
command of every role (the 24 actions, with representative valid arguments and a few invalid ones)
and moves the clock just past each running deadline and to the expiry, all through the real
``decide`` and ``advance``. It checks, on every transition: money conservation to the cent, no
negative account, nothing left in escrow once ended; terminal states absorbing (but for the buyer's
one review); a rejection is a named ``OrderflowError`` that changes nothing; ``replay`` rebuilds the
order; the running deadlines are those of R-TIME-3 and none due is left unfired; and on the explored
graph: no stuck order, and every configuration can still end. A violation comes with the shortest
path from placement; ``model_check`` raises ``ModelCheckFailure`` on the first one.
"""

from __future__ import annotations

import operator
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache

import attrs

from ..domain.commands import COMMANDS, Command, Outcome, Review
from ..domain.deadlines import running_deadlines
from ..domain.decide import decide, replay
from ..domain.decision import Decision
from ..domain.errors import Rejection
from ..domain.events import Event
from ..domain.money import Money, minor_units
from ..domain.order import Order
from ..domain.placement import Placement, place_order
from ..domain.policy import COMEUP, Policy
from ..domain.states import TERMINAL, WORKING, Role, State
from ..domain.timers import advance, next_due
from ..example import example_placement

#: R-TIME-3, written out from the rule book (not read from the core): each state's deadlines
#: besides expiry (every one of these states) and each open offer's lapse.
RUNNING: dict[State, frozenset[str]] = {
    State.PENDING: frozenset({"acceptance"}),
    State.IN_PROGRESS: frozenset({"delivery"}),
    State.CANCELLATION_REQUESTED: frozenset({"delivery", "seller_answer"}),
    State.DELIVERED: frozenset({"review_decision"}),
    State.REVISION_REQUESTED: frozenset({"seller_answer"}),
    State.REVISION_REFUSED: frozenset({"buyer_decision"}),
}
ANSWERING = frozenset({State.CANCELLATION_REQUESTED, State.REVISION_REQUESTED})
#: How far past a deadline the clock is moved to see what it does.
JUST_AFTER = timedelta(minutes=1)
#: An extra invariant: given an order and the current instant, a description of what is wrong, or None.
Invariant = Callable[[Order, datetime], "str | None"]

DEFAULT_PLACEMENT = example_placement()


@attrs.frozen
class Bounds:
    """How far counts are told apart where the policy sets no limit, and when to give up.

    Counters with a limit are told apart exactly as far as their guard can tell them apart:
    revisions up to the policy's ``revision_cap``, refused cancellation requests up to
    ``refusals_before_dispute - 1`` (from there on, every refusal is the last one).
    """

    offers: int = 2  # open offers: 0 .. offers
    revisions: int = 1  # without a revision cap the count changes nothing: 0 or some
    max_violations: int = 20  # exploration stops once this many are found


@attrs.frozen(order=True)
class Configuration:
    """The abstract configuration of an order at an instant (see the module docstring)."""

    state: State
    resumes: State | None = None  # on hold: the state a release resumes
    late: bool = False  # of the state worked in (the resumed one while on hold)
    answer_passed: bool = False  # seller_answer has passed (without firing)
    expiry_passed: bool = False  # only matters while disputed: no restart (R-EXP-3)
    proposal: Role | None = None  # who proposed the open partial refund
    offers: int = 0
    revisions: int = 0
    refusals: int = 0
    reviewed: bool = False
    review_closed: bool = False

    def __str__(self) -> str:
        flags = [
            f"resuming {self.resumes}" if self.resumes else "",
            "late" if self.late else "",
            "seller_answer passed" if self.answer_passed else "",
            "expiry passed" if self.expiry_passed else "",
            f"proposal by {self.proposal}" if self.proposal else "",
            f"{self.offers} open offer(s)" if self.offers else "",
            f"{self.revisions} revision(s)" if self.revisions else "",
            f"{self.refusals} refusal(s)" if self.refusals else "",
            "reviewed" if self.reviewed else "",
            "review window closed" if self.review_closed else "",
        ]
        return ", ".join([self.state.value, *filter(None, flags)])


def config_of(order: Order, now: datetime, bounds: Bounds = Bounds()) -> Configuration:
    """The abstract configuration of ``order`` at ``now``."""
    state = order.state
    if state in TERMINAL:
        closed = state is State.COMPLETED and order.review_until is not None and now > order.review_until
        return Configuration(state, reviewed=order.reviewed, review_closed=closed)
    policy = order.policy
    # While on hold the clock of the resumed state is stopped at the hold's start (R-HOLD-1).
    worked, at = (order.hold.resume, order.hold.since) if order.hold else (state, now)
    answer_due = order.timer_due if worked in ANSWERING else None
    return Configuration(
        state,
        resumes=order.hold.resume if order.hold else None,
        late=worked in WORKING and order.is_overdue(at),
        answer_passed=answer_due is not None and at >= answer_due,
        expiry_passed=state is State.DISPUTED and now >= order.expires_at,
        proposal=order.proposal.proposer if order.proposal else None,
        offers=min(len(order.offers), bounds.offers),
        revisions=min(
            order.revisions, bounds.revisions if policy.revision_cap is None else policy.revision_cap
        ),
        refusals=min(order.cancellation_refusals, policy.refusals_before_dispute - 1),
    )


@attrs.frozen
class Move:
    """One transition of a path: a command at an instant, or the clock moved to it."""

    at: datetime
    command: Command | None = None
    target: str = ""  # for a clock move: the deadline aimed at

    def __str__(self) -> str:
        when = self.at.strftime("%Y-%m-%d %H:%M")
        if self.command is None:
            return f"{when} clock past {self.target}"
        args = ", ".join(
            f"{f.name}={getattr(self.command, f.name)}" for f in attrs.fields(type(self.command))[1:]
        )
        return f"{when} {self.command.actor} {self.command.action}({args})"


@attrs.frozen
class Walk:
    """A placement and the steps that follow it."""

    placed_at: datetime
    steps: tuple[Move, ...]

    def __len__(self) -> int:
        return len(self.steps)

    def __str__(self) -> str:
        lines = [f"placed {self.placed_at:%Y-%m-%d %H:%M}"]
        lines += [f"{i:>3}. {step}" for i, step in enumerate(self.steps, 1)]
        return "\n".join(lines)


@attrs.frozen
class Violation:
    """A broken invariant, where (``config``) and how to get there (``path``)."""

    invariant: str
    detail: str
    config: Configuration
    path: Walk

    def __str__(self) -> str:
        return f"{self.invariant}: {self.detail}\nin [{self.config}], reached by:\n{self.path}"


class ModelCheckFailure(AssertionError):
    """The model check found a violation; its message names the path to it."""

    def __init__(self, violation: Violation, more: int = 0) -> None:
        self.violation = violation
        extra = f"\n(and {more} more violation(s))" if more else ""
        super().__init__(f"model check failed: {violation}{extra}")


@attrs.frozen
class Exploration:
    """What ``explore`` found: counts, the deepest configuration's path and any violations."""

    policy: Policy
    bounds: Bounds
    reached: tuple[Configuration, ...]  # in breadth-first order
    transitions: int  # decide / advance calls executed
    accepted: int  # of them, those that were accepted (a command) or fired something (the clock)
    edges: int  # distinct (configuration, configuration) pairs joined by a transition
    longest_shortest_path: Walk
    violations: tuple[Violation, ...]

    @property
    def configurations(self) -> int:
        return len(self.reached)

    @property
    def by_state(self) -> dict[State, int]:
        """How many configurations of each state were reached."""
        return dict(Counter(c.state for c in self.reached))

    def check(self) -> Exploration:
        """This exploration if it found nothing wrong, else ``ModelCheckFailure`` on the first
        violation (BFS order: one with a shortest path)."""
        if self.violations:
            first, *rest = self.violations
            raise ModelCheckFailure(first, len(rest))
        return self


@attrs.define
class _Node:
    order: Order
    now: datetime
    events: tuple[Event, ...]
    parent: Configuration | None
    step: Move | None
    depth: int


#: Every field of an order, read in one call: an input left unchanged keeps the very same objects.
_fingerprint = operator.attrgetter(*(field.name for field in attrs.fields(Order)))


def _unchanged(order: Order, fingerprint: tuple[object, ...]) -> bool:
    return all(map(operator.is_, _fingerprint(order), fingerprint))


@cache
def _command_table(
    currency: str, share: Decimal, open_offer: str | None, used: str | None, made: int
) -> tuple[tuple[str, Role, tuple[Command, ...]], ...]:
    """Each action and role with its argument variants, the first one valid (see ``_commands``)."""
    unit = Decimal(1).scaleb(-minor_units(currency))
    one = Money(Decimal(1).quantize(unit), currency)
    amounts = [one, *(Money(a, currency) for a in dict.fromkeys((share - unit, share)) if a != one.amount)]
    reason: dict[str, object] = {"reason": "(reason)"}
    resolve: list[dict[str, object]] = [{"outcome": o} for o in Outcome if o is not Outcome.SPLIT]
    offer_ids = [i for i in (open_offer, "unknown") if i is not None]
    arguments: dict[str, list[dict[str, object]]] = {
        "refuse_cancellation": [reason],
        "refuse_revision": [reason],
        "resolve_dispute": resolve + [{"outcome": Outcome.SPLIT, "buyer_amount": a} for a in amounts],
        "buy_option": [{"name": "extra", "price": one, "delivery_days": 1}],
        "offer_custom": [
            {"offer_id": i, "price": one, "delivery_days": 1}
            for i in (f"offer-{made + 1}", used)
            if i is not None
        ],
        "propose_partial_refund": [{"amount": a, **reason} for a in amounts],
        "review": [{"rating": 5}],
        **{
            a: [{"offer_id": i} for i in offer_ids]
            for a in ("accept_offer", "refuse_offer", "withdraw_offer")
        },
    }
    return tuple(
        (action, role, tuple(command(role, **args) for args in arguments.get(action, [{}])))
        for action, command in COMMANDS.items()
        for role in Role
    )


def _commands(order: Order, now: datetime) -> Iterator[Command]:
    """Every command of every role to try on ``order`` at ``now``: each action with representative
    valid arguments; for the roles the graph lets act, also other amounts (1, just below and equal
    to the seller's share), an unknown offer id and a reused one."""
    table = _command_table(
        order.currency,
        order.seller_share,
        order.offers[0].offer_id if order.offers else None,
        min(order.offer_ids, default=None),
        len(order.offer_ids),
    )
    allowed = order.terms.graph.allowed(order, now)
    for action, role, variants in table:
        yield from variants if action in allowed[role.value] else variants[:1]


def _clock_targets(order: Order, now: datetime) -> dict[datetime, str]:
    """Where to move the clock: just past each running deadline, to the expiry, past the review
    window of a completed order, and a year on for an ended one."""
    targets = {at + JUST_AFTER: name for name, at in running_deadlines(order).items()}
    targets[order.expires_at] = "expiry"
    if order.review_until is not None:
        targets[order.review_until + JUST_AFTER] = "review window"
    if order.is_terminal:
        targets[now + timedelta(days=365)] = "a year"
    return {at: name for at, name in sorted(targets.items()) if at > now}


def _order_violations(order: Order, now: datetime, events: Sequence[Event]) -> Iterator[tuple[str, str]]:
    """The invariants of one order at one instant, as (invariant, detail) pairs."""
    ledger = order.ledger
    accounts = (ledger.escrow, ledger.refunded, ledger.seller_credited, ledger.platform_revenue)
    cent = Decimal(1).scaleb(-minor_units(order.currency))
    if ledger.paid != sum(accounts, Decimal(0)):
        yield "money conservation", f"paid {ledger.paid} != {' + '.join(map(str, accounts))}"
    if any(a < 0 or a != a.quantize(cent) for a in (ledger.paid, *accounts)):
        yield "money conservation", f"a negative or fractional account in {ledger}"
    if order.is_terminal and ledger.escrow != 0:
        yield "money conservation", f"ended with {ledger.escrow} still in escrow"
    if order.version != len(events) or replay(events) != order:
        yield "replay", f"replaying the {len(events)} events does not rebuild version {order.version}"
    expected: frozenset[str] = frozenset()
    if order.state in RUNNING:
        expected = RUNNING[order.state] | {"expiry"} | {f"offer:{o.offer_id}" for o in order.offers}
    if (running := set(running_deadlines(order))) != expected:
        yield "running deadlines", f"{sorted(running)}, expected {sorted(expected)}"
    due = next_due(order)
    if due is not None and due.at <= now:
        yield "deadlines fire", f"{due.name} was due at {due.at.isoformat()} and did not fire"


def _bad_rejection(error: Rejection, *, changed: bool) -> str | None:
    """What is wrong with a rejection, if anything (commands are tried when nothing is due)."""
    if type(error) is Rejection:
        return "is the bare Rejection, not a named subclass"
    if error.advanced is not None:
        return "fired deadlines on the way"
    return "changed the order" if changed else None


class _Explorer:
    """The breadth-first search; ``run`` returns its ``Exploration``."""

    def __init__(self, policy: Policy, bounds: Bounds, placement: Placement, invariants: Sequence[Invariant]):
        self.policy, self.bounds, self.invariants = policy, bounds, invariants
        placed = place_order(attrs.evolve(placement, policy=policy))
        self.start = placed.order.updated_at
        root = config_of(placed.order, self.start, bounds)
        self.nodes = {root: _Node(placed.order, self.start, placed.events, None, None, 0)}
        self.queue = deque([root])
        self.moves: dict[Configuration, set[Configuration]] = {}
        self.live: set[Configuration] = set()  # where some command was accepted or some deadline fired
        self.violations: list[Violation] = []
        self.transitions = self.accepted = 0
        self._check_order(root, None, placed.order, self.start, placed.events)

    def path(self, config: Configuration, last: Move | None = None) -> Walk:
        steps = [] if last is None else [last]
        node = self.nodes[config]
        while node.step is not None and node.parent is not None:
            steps.append(node.step)
            node = self.nodes[node.parent]
        return Walk(self.start, tuple(reversed(steps)))

    def fail(self, invariant: str, detail: str, config: Configuration, last: Move | None = None) -> None:
        self.violations.append(Violation(invariant, detail, config, self.path(config, last)))

    def run(self) -> Exploration:
        while self.queue and len(self.violations) < self.bounds.max_violations:
            config = self.queue.popleft()
            node = self.nodes[config]
            for command in _commands(node.order, node.now):
                self._try(config, node, Move(node.now, command))
            for at, name in _clock_targets(node.order, node.now).items():
                self._try(config, node, Move(at, target=name))
        if len(self.violations) < self.bounds.max_violations:
            self._check_graph()
        deepest = max(self.nodes, key=lambda c: self.nodes[c].depth)
        return Exploration(
            policy=self.policy,
            bounds=self.bounds,
            reached=tuple(self.nodes),
            transitions=self.transitions,
            accepted=self.accepted,
            edges=sum(len(targets - {source}) for source, targets in self.moves.items()),
            longest_shortest_path=self.path(deepest),
            violations=tuple(self.violations),
        )

    def _try(self, config: Configuration, node: _Node, step: Move) -> None:
        """Take one transition from a representative and check it."""
        order, fingerprint = node.order, _fingerprint(node.order)
        self.transitions += 1
        command = step.command
        try:
            decision = advance(order, step.at) if command is None else decide(order, command, step.at)
        except Rejection as error:
            if wrong := _bad_rejection(error, changed=not _unchanged(order, fingerprint)):
                self.fail("rejection", f"{type(error).__name__} ({error}) {wrong}", config, step)
            return
        except Exception as error:  # any other exception is itself the finding
            crash = f"raised {type(error).__name__}, not a Rejection: {error}"
            self.fail("rejection", crash, config, step)
            return
        if not _unchanged(order, fingerprint):
            self.fail("purity", "decide or advance changed its input order", config, step)
        if any(not node.now <= e.at <= step.at for e in decision.events):
            self.fail("time order", "an event is stamped outside its step's interval", config, step)
        if decision.events:
            self.accepted += 1
            self.live.add(config)
            self._check_end(config, order, step, decision)
        elif command is not None:
            self.fail("accepted commands are recorded", "an accepted command produced no event", config, step)
        target = config_of(decision.order, step.at, self.bounds)
        self.moves.setdefault(config, set()).add(target)
        if target in self.nodes:
            self._check_order(config, step, decision.order, step.at, node.events + decision.events)
            return
        events = node.events + decision.events
        self.nodes[target] = _Node(decision.order, step.at, events, config, step, node.depth + 1)
        self.queue.append(target)
        self._check_order(target, None, decision.order, step.at, events)

    def _check_end(self, config: Configuration, order: Order, step: Move, decision: Decision) -> None:
        """R-END-3: an ended order moves no more, but for the buyer's one review of a completion."""
        if not order.is_terminal:
            return
        after = decision.order
        review = isinstance(step.command, Review) and step.command.actor is Role.BUYER
        still = (after.state, after.ledger) == (order.state, order.ledger)
        if not (review and order.state is State.COMPLETED and still):
            self.fail("terminal states absorbing", f"{order.state} moved to {after.state}", config, step)

    def _check_order(
        self, where: Configuration, step: Move | None, order: Order, now: datetime, events: Sequence[Event]
    ) -> None:
        """The order invariants (and the caller's) on a transition's result; reported at ``where``."""
        found = list(_order_violations(order, now, events))
        found += [(f"extra invariant {i.__name__}", d) for i in self.invariants if (d := i(order, now))]
        for invariant, detail in found:
            self.fail(invariant, detail, where, step)

    def _check_graph(self) -> None:
        """No stuck order, and every configuration can still end (on the explored graph)."""
        ended = {c for c in self.nodes if c.state in TERMINAL}
        sources: dict[Configuration, set[Configuration]] = {}
        for source, targets in self.moves.items():
            for target in targets:
                sources.setdefault(target, set()).add(source)
        can_end, frontier = set(ended), list(ended)
        while frontier:
            for source in sources.get(frontier.pop(), ()):
                if source not in can_end:
                    can_end.add(source)
                    frontier.append(source)
        for config in self.nodes:
            if config.state in TERMINAL:
                continue
            if config not in self.live:
                self.fail("no stuck order", "no command is accepted and no deadline fires", config)
            elif config not in can_end:
                self.fail("can end", "no terminal configuration is reachable from here", config)


def explore(
    policy: Policy = COMEUP,
    bounds: Bounds = Bounds(),
    placement: Placement = DEFAULT_PLACEMENT,
    invariants: Sequence[Invariant] = (),
) -> Exploration:
    """Explore every reachable configuration of an order placed under ``policy``; never raises."""
    return _Explorer(policy, bounds, placement, invariants).run()


def model_check(
    policy: Policy = COMEUP,
    bounds: Bounds = Bounds(),
    placement: Placement = DEFAULT_PLACEMENT,
    invariants: Sequence[Invariant] = (),
) -> Exploration:
    """``explore``, raising ``ModelCheckFailure`` (with the path) on the first violation found."""
    return explore(policy, bounds, placement, invariants).check()
