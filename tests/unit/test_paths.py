"""Model-based paths (``orderflow.testing.paths``) and their scenario files (``scenario.emit``).

Every path is replayed through ``place_order``, ``decide`` and ``advance`` and must do what it says;
the transition cover must take every row of the table but a known list, row for row, under both
presets and a strict ComeUp; the emitted files must parse back to the same order and policy.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

import attrs
import pytest

from orderflow import PRESETS, Money, Option, Policy, Role, State, advance, decide, graph_for, place_order
from orderflow.example import example_placement
from orderflow.scenario import ActionStep, AdvanceStep, parse
from orderflow.scenario.emit import duration, policy_json, scenario_json
from orderflow.testing.paths import (
    Coverage,
    Path,
    Transition,
    cover_states,
    cover_transitions,
    table_transitions,
)

S = State
BUYER, SELLER, PLATFORM = Role
COMEUP, FIVERR_LIKE = PRESETS["comeup"], PRESETS["fiverr_like"]
STRICT = attrs.evolve(COMEUP, name="comeup-strict", revision_cap=1, refusals_before_dispute=1)
POLICIES = (COMEUP, FIVERR_LIKE, STRICT)

Row = tuple[State, str, "Role | None", State]
#: Rows no order placed by the search can take, under every policy. No offer is ever open in
#: pending (offers are made in in_progress or revision_refused, and only a hold taken in pending
#: resumes it), and the default order's 48-hour acceptance always fires before its 5-month expiry.
NEVER: set[Row] = {
    # The 48-hour acceptance deadline fires long before expiry (only a per-order acceptance
    # window longer than five months would let a pending order expire).
    (S.PENDING, "expiry", None, S.EXPIRED),
}
#: The rows a policy makes dead by design (tests/unit/test_graph_agreement.py lists them too).
DEAD: dict[str, set[Row]] = {
    "comeup": set(),
    # seller_answer cancels the order before the buyer may open a dispute.
    "fiverr_like": {(S.CANCELLATION_REQUESTED, "open_dispute", BUYER, S.DISPUTED)},
    # R-CANC-5 with refusals_before_dispute=1: the first refusal is the last one.
    "comeup-strict": {(S.CANCELLATION_REQUESTED, "refuse_cancellation", SELLER, S.IN_PROGRESS)},
}


def row(transition: Transition) -> Row:
    return (transition.source, transition.trigger, transition.role, transition.reached)


@cache
def coverage(policy: Policy) -> Coverage:
    return cover_transitions(policy)


def replayed(path: Path) -> None:
    """Replay ``path`` through the core: each step is accepted, reaches the order the path recorded
    and takes the transitions it claims (a command its route, the clock its deadlines)."""
    order = place_order(path.placement).order
    graph = graph_for(path.placement.policy)
    for step in path.steps:
        if step.command is None:
            decision = advance(order, step.at)
            assert [t.trigger for t in step.takes] == [n.split(":")[0] for n in decision.fired]
            assert all(t.role is None for t in step.takes)
        else:
            (taken,) = step.takes
            route = graph.route(advance(order, step.at).order, step.command, step.at)
            assert (taken.route, taken.role) == (route, step.command.actor)
            decision = decide(order, step.command, step.at)
        assert decision.order == step.order
        if step.takes:
            assert step.takes[0].source is order.state
            assert step.takes[-1].reached is decision.order.state
        order = decision.order


def test_the_table_has_one_transition_per_route_and_role_or_deadline() -> None:
    table = graph_for(COMEUP).table
    expected = sum(len(route.actors) or 1 for routes in table.values() for route in routes)
    transitions = table_transitions(COMEUP)
    assert len(transitions) == len(set(transitions)) == expected == 118
    assert len(table_transitions(FIVERR_LIKE)) == 119  # the seller_answer timer in cancellation_requested


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_the_cover_takes_every_transition_but_the_rows_no_order_can_take(policy: Policy) -> None:
    result = coverage(policy)
    assert {row(t) for t in result.uncovered} == NEVER | DEAD[policy.name]
    assert result.covered | set(result.uncovered) == set(result.transitions)
    assert not result.covered & set(result.uncovered)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_every_path_of_the_cover_replays_through_the_core_and_ends_with_its_goal(policy: Policy) -> None:
    for path in coverage(policy).paths:
        replayed(path)
        assert isinstance(path.goal, Transition)
        assert path.goal in path.steps[-1].takes


def test_the_cover_has_a_file_name_per_path_and_no_path_redundant_with_the_others() -> None:
    paths = coverage(COMEUP).paths
    assert len({path.name for path in paths}) == len(paths)
    for path in paths:  # greedy: each path took something no path chosen before it had
        others = {t for p in paths if p is not path for t in p.takes}
        assert path.goal not in others or set(path.takes) - others


def test_a_late_cancellation_waits_for_the_delivery_deadline_and_a_release_resumes_its_state() -> None:
    paths = {path.name: path for path in coverage(COMEUP).paths}
    late = paths["cancellation-requested-cancel-by-buyer-late-to-canceled"]
    assert [s.command.action if s.command else "clock" for s in late.steps][-2:] == ["clock", "cancel"]
    assert late.steps[-2].order.is_late(late.steps[-2].at)
    release = paths["on-hold-release-hold-by-platform-resumes-revision-refused-to-revision-refused"]
    assert [s.order.state for s in release.steps][-3:] == [S.REVISION_REFUSED, S.ON_HOLD, S.REVISION_REFUSED]


def test_transitions_read_as_the_table_says() -> None:
    (late,) = [t for t in table_transitions(COMEUP) if row(t) == (S.IN_PROGRESS, "cancel", BUYER, S.CANCELED)]
    assert str(late) == "in_progress --cancel by buyer [late]--> canceled"
    assert late.slug == "in-progress-cancel-by-buyer-late-to-canceled"
    (timer,) = [t for t in table_transitions(COMEUP) if row(t)[:2] == (S.DELIVERED, "review_decision")]
    assert str(timer) == "delivered --review_decision (deadline)--> completed"


def test_the_shortest_path_to_every_state() -> None:
    paths = cover_states(COMEUP)
    assert [path.goal for path in paths] == list(State)
    for path in paths:
        replayed(path)
        assert (path.steps[-1].order.state if path.steps else S.PENDING) is path.goal
    assert {path.goal.value: len(path.steps) for path in paths if isinstance(path.goal, State)} == {
        "pending": 0,
        "in_progress": 1,
        "cancellation_requested": 2,
        "delivered": 2,
        "revision_requested": 3,
        "revision_refused": 4,
        "disputed": 1,
        "on_hold": 1,
        "completed": 2,
        "canceled": 1,
        "expired": 2,
    }


def test_paths_start_from_any_placement_in_any_currency() -> None:
    yen = attrs.evolve(
        example_placement(),
        price=Money("4000", "JPY"),
        options=(Option("express", Money("1000", "JPY"), 1),),
        tip=None,
        platform_fee=Money("250", "JPY"),
    )
    paths = cover_states(placement=yen)
    assert [path.goal for path in paths] == list(State)
    for path in paths:
        replayed(path)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_an_emitted_scenario_parses_back_to_the_paths_order_policy_and_steps(policy: Policy) -> None:
    path = max(coverage(policy).paths, key=lambda p: len(p.steps))
    data = scenario_json(path.placement, path.steps, path.description, path.rules)
    scenario = parse(data)
    assert scenario.placement == attrs.evolve(path.placement, policy=scenario.placement.policy)
    assert attrs.evolve(scenario.placement.policy, name=policy.name) == policy
    assert scenario.rules == path.rules
    for step, emitted in zip(path.steps, scenario.steps, strict=True):
        assert isinstance(emitted, AdvanceStep if step.command is None else ActionStep)
        assert emitted.at == step.at
        if isinstance(emitted, ActionStep):
            assert emitted.command() == step.command
        assert emitted.expect is not None
        assert emitted.expect["state"] == step.order.state.value
        assert emitted.expect["money"] == {"currency": "EUR", **attrs.asdict(step.order.ledger)}


def test_emitted_policies_and_durations() -> None:
    assert policy_json(COMEUP) == "comeup"
    assert policy_json(STRICT) == {"preset": "comeup", "revision_cap": 1, "refusals_before_dispute": 1}
    assert [duration(d) for d in (timedelta(days=7), timedelta(hours=36), timedelta(seconds=90))] == [
        "P7D",
        "PT36H",
        "PT90S",
    ]
