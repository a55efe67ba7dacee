"""Comparison baselines for the orderflow benchmark.

This module owns the order graph the baselines declare (``TRANSITIONS_TABLE``: every trigger
and source of orderflow's own graph, without its guards), the named order lives the benchmark
replays (``PATHS``) and three baselines built from that one table:

* ``NaiveTransitions``: ``transitions`` used the common way, one ``Machine`` per order;
* ``PythonStateMachine``: python-statemachine 3.x, one ``StateMachine`` per order;
* ``DictTable``: a hand-written ``{(state, action): {actor: dest}}`` lookup, the floor.

Each exposes ``new_order() / fire(order, actor, action) / state_of(order)``; ``fire``
raises ``IllegalMove`` when the graph or the actor check forbids the move.
Run ``python bench/baselines.py`` for a self-check.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import transitions
from statemachine import State, StateMachine
from statemachine.exceptions import TransitionNotAllowed

from orderflow import COMEUP, graph_for

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

Row = tuple[str, str, str, tuple[str, ...]]  # (action, source, dest, allowed actors)
Path = tuple[tuple[str, str], ...]  # ((actor, action), ...)

# fmt: off
STATES = (
    "pending", "in_progress", "cancellation_requested", "delivered", "revision_requested",
    "revision_refused", "disputed", "on_hold", "completed", "canceled", "expired",
)
INITIAL = "pending"
FINAL_STATES = frozenset({"completed", "canceled", "expired"})
_OPEN = STATES[:6]  # pending .. revision_refused: where a platform can open a dispute

# The rows the benchmark's paths take; one row per (action, source), actors sharing it.
_PATH_ROWS: tuple[Row, ...] = (
    ("accept", "pending", "in_progress", ("seller",)),
    ("cancel", "pending", "canceled", ("buyer", "seller")),
    *(("cancel", source, "canceled", ("seller",)) for source in _OPEN[1:]),
    ("deliver", "in_progress", "delivered", ("seller",)),
    ("request_cancellation", "in_progress", "cancellation_requested", ("buyer",)),
    ("accept_cancellation", "cancellation_requested", "canceled", ("seller",)),
    ("refuse_cancellation", "cancellation_requested", "in_progress", ("seller",)),
    ("close", "delivered", "completed", ("buyer",)),
    ("close", "revision_refused", "completed", ("buyer",)),
    ("request_revision", "delivered", "revision_requested", ("buyer",)),
    ("accept_revision", "revision_requested", "in_progress", ("seller",)),
    ("refuse_revision", "revision_requested", "revision_refused", ("seller",)),
    *(("open_dispute", source, "disputed", ("platform",)) for source in _OPEN[:-1]),
    ("open_dispute", "revision_refused", "disputed", ("buyer", "platform")),
    ("resolve_dispute", "disputed", "completed", ("platform",)),
)



def _full_graph() -> tuple[Row, ...]:
    """The whole graph a naive user declares: every (trigger, source) pair of orderflow's graph.

    The baselines have no guards, so where orderflow chooses between routes by a situation (a
    refusal that opens a dispute, a mediator's outcome, the state a hold resumes) they take the
    path's row, or orderflow's first route; a route that stays put is a self-transition.
    """
    listed = {(action, source) for action, source, _, _ in _PATH_ROWS}
    rows = list(_PATH_ROWS)
    for (state, trigger), routes in sorted(graph_for(COMEUP).table.items()):
        if (trigger, state.value) in listed:
            continue
        actors = sorted({role.value for route in routes for role in route.actors}) or ["timer"]
        rows.append((trigger, state.value, (routes[0].dest or state).value, tuple(actors)))
    return tuple(rows)


TRANSITIONS_TABLE = _full_graph()

_ACCEPT, _DELIVER, _CLOSE = ("seller", "accept"), ("seller", "deliver"), ("buyer", "close")
_REVISE, _REFUSE = ("buyer", "request_revision"), ("seller", "refuse_revision")
PATHS: dict[str, Path] = {
    "happy": (_ACCEPT, _DELIVER, _CLOSE),
    "revision_then_close": (
        _ACCEPT, _DELIVER, _REVISE, ("seller", "accept_revision"), _DELIVER, _CLOSE,
    ),
    "revision_refused_close": (_ACCEPT, _DELIVER, _REVISE, _REFUSE, _CLOSE),
    "cancel_pending": (("buyer", "cancel"),),
    "cancellation_accepted": (
        _ACCEPT, ("buyer", "request_cancellation"), ("seller", "accept_cancellation"),
    ),
    "dispute": (
        _ACCEPT, _DELIVER, _REVISE, _REFUSE, ("buyer", "open_dispute"),
        ("platform", "resolve_dispute"),
    ),
}
# fmt: on

# Every path ends completed except the two cancellations.
PATH_END_STATES: dict[str, str] = {
    **dict.fromkeys(PATHS, "completed"),
    "cancel_pending": "canceled",
    "cancellation_accepted": "canceled",
}


class IllegalMove(Exception):
    """The action is not allowed for this actor in the order's current state."""


def _illegal(state: str, actor: str, action: str) -> IllegalMove:
    return IllegalMove(f"{actor} cannot {action} an order in {state}")


def _actor_guard(actors: tuple[str, ...]) -> Callable[[str], bool]:
    """A condition both libraries call with the event's ``actor=`` keyword."""
    allowed = frozenset(actors)

    def actor_allowed(actor: str) -> bool:
        return actor in allowed

    return actor_allowed


OrderT = TypeVar("OrderT")


class Baseline(Protocol[OrderT]):
    def new_order(self) -> OrderT: ...
    def fire(self, order: OrderT, actor: str, action: str) -> None: ...
    def state_of(self, order: OrderT) -> str: ...


class TransitionsOrder:
    """Plain model object: ``transitions`` binds ``state`` and trigger methods onto it."""

    state: str


class NaiveTransitions:
    """One ``transitions.Machine`` per order, the model being the order itself."""

    def __init__(self) -> None:
        self._transitions: list[TransitionConfigDict] = [
            {"trigger": action, "source": source, "dest": dest, "conditions": _actor_guard(actors)}
            for action, source, dest, actors in TRANSITIONS_TABLE
        ]

    def new_order(self) -> TransitionsOrder:
        order = TransitionsOrder()
        transitions.Machine(
            model=order,
            states=list(STATES),
            transitions=self._transitions,
            initial=INITIAL,
            auto_transitions=False,
        )
        return order

    def fire(self, order: TransitionsOrder, actor: str, action: str) -> None:
        trigger = getattr(order, action, None)
        if trigger is None:
            raise _illegal(order.state, actor, action)
        try:
            moved = trigger(actor=actor)
        except transitions.MachineError as exc:  # no transition for action from this state
            raise _illegal(order.state, actor, action) from exc
        if not moved:  # a failing condition makes the trigger return False, not raise
            raise _illegal(order.state, actor, action)

    def state_of(self, order: TransitionsOrder) -> str:
        return order.state


def _build_order_machine() -> type[StateMachine]:
    """Build the ``StateMachine`` subclass from ``TRANSITIONS_TABLE``."""
    # python-statemachine refuses transitions out of a final state, and a completed order still
    # takes the buyer's review: only states with no outgoing row are declared final.
    leaving = {source for _, source, _, _ in TRANSITIONS_TABLE}
    states = {name: State(initial=name == INITIAL, final=name in FINAL_STATES - leaving) for name in STATES}
    events: dict[str, Any] = {}  # action -> TransitionList
    for action, source, dest, actors in TRANSITIONS_TABLE:
        move = states[source].to(states[dest], cond=_actor_guard(actors))
        events[action] = events[action] | move if action in events else move
    # Skip the metaclass checks that reject dead-end and final-less states (completed is not
    # declared final, see above).
    checks = ("disconnected_states", "trap_states", "final_reachability")
    namespace = {**states, **events, **{f"validate_{check}": False for check in checks}}
    machine: type[StateMachine] = types.new_class(
        "OrderMachine", (StateMachine,), exec_body=lambda ns: ns.update(namespace)
    )
    return machine


class PythonStateMachine:
    """One python-statemachine ``StateMachine`` instance per order."""

    def __init__(self) -> None:
        self._machine = _build_order_machine()

    def new_order(self) -> StateMachine:
        return self._machine()

    def fire(self, order: StateMachine, actor: str, action: str) -> None:
        try:
            order.send(action, actor=actor)
        except TransitionNotAllowed as exc:  # unknown event, wrong state or failed guard
            raise _illegal(self.state_of(order), actor, action) from exc

    def state_of(self, order: StateMachine) -> str:
        return str(order.current_state_value)


class DictOrder:
    __slots__ = ("state",)

    def __init__(self) -> None:
        self.state = INITIAL


class DictTable:
    """The floor: one dict lookup per move, no library."""

    def __init__(self) -> None:
        self._moves: dict[tuple[str, str], dict[str, str]] = {}
        for action, source, dest, actors in TRANSITIONS_TABLE:
            self._moves.setdefault((source, action), {}).update(dict.fromkeys(actors, dest))

    def new_order(self) -> DictOrder:
        return DictOrder()

    def fire(self, order: DictOrder, actor: str, action: str) -> None:
        try:
            order.state = self._moves[order.state, action][actor]
        except KeyError:
            raise _illegal(order.state, actor, action) from None

    def state_of(self, order: DictOrder) -> str:
        return order.state


# (path replayed first, actor, action): each move must raise and leave the state as is.
_ILLEGAL_MOVES: tuple[tuple[Path, str, str], ...] = (
    ((), "buyer", "accept"),  # wrong actor
    ((), "seller", "deliver"),  # wrong state
    ((), "seller", "teleport"),  # unknown action
    (PATHS["revision_refused_close"][:-1], "seller", "close"),  # wrong actor on a shared row
    (PATHS["happy"], "seller", "cancel"),  # from a final state
)


def _replay(baseline: Baseline[Any], path: Path) -> Any:
    order = baseline.new_order()
    for actor, action in path:
        baseline.fire(order, actor, action)
    return order


def _self_check() -> None:
    assert len({(action, source) for action, source, *_ in TRANSITIONS_TABLE}) == len(TRANSITIONS_TABLE), (
        "TRANSITIONS_TABLE has two rows for one (action, source)"
    )
    baselines: tuple[Baseline[Any], ...] = (NaiveTransitions(), PythonStateMachine(), DictTable())
    for baseline in baselines:
        label = type(baseline).__name__
        for name, path in PATHS.items():
            end = baseline.state_of(_replay(baseline, path))
            assert end == PATH_END_STATES[name], f"{label}: {name} ended in {end}"
        for prefix, actor, action in _ILLEGAL_MOVES:
            order = _replay(baseline, prefix)
            before = baseline.state_of(order)
            try:
                baseline.fire(order, actor, action)
            except IllegalMove:
                assert baseline.state_of(order) == before, f"{label}: {action} moved the order"
            else:
                raise AssertionError(f"{label}: {actor} {action} in {before} did not raise")
        print(f"{label}: {len(PATHS)} paths and {len(_ILLEGAL_MOVES)} illegal moves OK")


if __name__ == "__main__":
    _self_check()
