"""The exhaustive model check: both presets explored without a violation, with the counts measured
when it was written, and proof that the checker fails, with the shortest path, when the core or an
invariant is broken (by monkeypatching)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import attrs
import pytest

from orderflow import (
    COMEUP,
    COMMANDS,
    FIVERR_LIKE,
    Accept,
    Command,
    DeadlinePassed,
    Hold,
    Ledger,
    Order,
    Role,
    State,
    advance,
    decide,
    place_order,
)
from orderflow.domain import events as ev
from orderflow.domain.handlers import HANDLERS
from orderflow.testing.modelcheck import (
    DEFAULT_PLACEMENT,
    Bounds,
    Exploration,
    Invariant,
    ModelCheckFailure,
    Violation,
    config_of,
    explore,
    model_check,
)

#: Measured with the default bounds. Fiverr-like has no "cancellation_requested, seller_answer
#: passed" configuration (an unanswered request cancels), hence fewer, and fewer held ones.
MEASURED = {
    "comeup": {"configurations": 560, "on_hold": 275, "cancellation_requested": 108, "longest": 12},
    "fiverr_like": {"configurations": 416, "on_hold": 203, "cancellation_requested": 36, "longest": 11},
}
#: Neither open offers nor revisions told apart: small explorations, for the tests that must
#: finish to find a fault.
SMALL = Bounds(offers=0, revisions=0)


@pytest.fixture(scope="module")
def explorations() -> dict[str, Exploration]:
    return {policy.name: explore(policy) for policy in (COMEUP, FIVERR_LIKE)}


@pytest.mark.parametrize("name", ["comeup", "fiverr_like"])
def test_every_configuration_of_a_preset_keeps_every_invariant(
    explorations: dict[str, Exploration], name: str
) -> None:
    result, measured = explorations[name], MEASURED[name]
    assert result.violations == ()
    assert set(result.by_state) == set(State)
    assert result.configurations == measured["configurations"]
    assert result.by_state[State.ON_HOLD] == measured["on_hold"]
    assert result.by_state[State.CANCELLATION_REQUESTED] == measured["cancellation_requested"]
    assert len(result.longest_shortest_path) == measured["longest"]
    # No revision cap: some revisions or none; a dispute at the second refusal: 0 or 1 before.
    assert {(c.revisions, c.refusals) for c in result.reached} == {(0, 0), (0, 1), (1, 0), (1, 1)}
    # Every command of every role (24 actions x 3 roles) was tried on every configuration.
    assert result.transitions > 72 * result.configurations
    assert result.configurations <= result.edges <= result.accepted < result.transitions


def test_counters_are_told_apart_up_to_the_policy_limits() -> None:
    """With a revision cap of 2, the exploration tells 0, 1 and 2 revisions apart (whatever the
    bound); with a dispute at the first refusal, refusals are not told apart. No violation."""
    policy = attrs.evolve(COMEUP, name="capped", revision_cap=2, refusals_before_dispute=1)
    result = explore(policy, SMALL)
    assert result.violations == ()
    assert {(c.revisions, c.refusals) for c in result.reached} == {(0, 0), (1, 0), (2, 0)}


def test_the_longest_shortest_path_is_a_real_life(explorations: dict[str, Exploration]) -> None:
    """Walked again by hand from the placement, the path reaches the configuration it names."""
    path = explorations["comeup"].longest_shortest_path
    order = place_order(DEFAULT_PLACEMENT).order
    for step in path.steps:
        command = step.command
        order = (advance(order, step.at) if command is None else decide(order, command, step.at)).order
    assert str(config_of(order, path.steps[-1].at)) == (
        "on_hold, resuming cancellation_requested, seller_answer passed, proposal by buyer, "
        "2 open offer(s), 1 revision(s), 1 refusal(s)"
    )
    lines = str(path).splitlines()
    assert (lines[0], len(lines)) == ("placed 2026-01-03 10:00", 1 + len(path))


def failure(invariants: Sequence[Invariant] = ()) -> Violation:
    """The first violation ``model_check`` fails with; its message shows it, path included."""
    with pytest.raises(ModelCheckFailure) as caught:
        model_check(bounds=Bounds(max_violations=1), invariants=invariants)
    assert str(caught.value.violation.path) in str(caught.value)
    return caught.value.violation


def test_a_ledger_that_loses_a_cent_fails_at_the_first_settlement(monkeypatch: pytest.MonkeyPatch) -> None:
    settle = Ledger.settle

    def leaky(self: Ledger, **amounts: Decimal) -> Ledger:
        settled = settle(self, **amounts)
        return attrs.evolve(settled, platform_revenue=settled.platform_revenue + Decimal("0.01"))

    monkeypatch.setattr(Ledger, "settle", leaky)
    violation = failure()
    assert violation.invariant == "money conservation"
    assert [str(s) for s in violation.path.steps] == ["2026-01-03 10:00 buyer cancel()"]


def test_an_extra_invariant_fails_with_the_shortest_path() -> None:
    def never_held_after_a_refused_revision(order: Order, now: datetime) -> str | None:
        held = order.hold is not None and order.hold.resume is State.REVISION_REFUSED
        return "held after a refused revision" if held else None

    violation = failure([never_held_after_a_refused_revision])
    assert violation.invariant == "extra invariant never_held_after_a_refused_revision"
    actions = [(s.command.actor, s.command.action) for s in violation.path.steps if s.command]
    assert actions == [
        (Role.SELLER, "accept"),
        (Role.SELLER, "deliver"),
        (Role.BUYER, "request_revision"),
        (Role.SELLER, "refuse_revision"),
        (Role.PLATFORM, "hold"),
    ]


def test_a_handler_that_crashes_is_a_rejection_violation(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*_: object) -> tuple[ev.Event, ...]:
        raise KeyError("offer")

    monkeypatch.setitem(HANDLERS, COMMANDS["withdraw_offer"], crash)
    violation = failure()
    assert violation.invariant == "rejection"
    assert "KeyError" in violation.detail
    # The handler is reached as soon as the seller may withdraw an offer (an unknown one, here):
    # once the order is accepted.
    assert [str(s)[17:] for s in violation.path.steps] == [
        "seller accept()",
        "seller withdraw_offer(offer_id=unknown)",
    ]


def test_a_review_that_reopens_an_order_breaks_absorption(monkeypatch: pytest.MonkeyPatch) -> None:
    def reopen(order: Order, command: Command, now: datetime, route: object) -> tuple[ev.Event, ...]:
        return (ev.OrderRestarted(at=now, delivery_due=now),)

    monkeypatch.setitem(HANDLERS, COMMANDS["review"], reopen)
    violation = failure()
    assert violation.invariant == "terminal states absorbing"
    # The shortest way to a completion is the platform's: a dispute released to the seller.
    assert [str(s)[17:] for s in violation.path.steps] == [
        "platform open_dispute()",
        "platform resolve_dispute(outcome=release, buyer_amount=None)",
        "buyer review(rating=5, text=)",
    ]


def test_a_hold_that_cannot_be_released_is_a_stuck_order(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> tuple[ev.Event, ...]:
        raise DeadlinePassed("never released")

    monkeypatch.setitem(HANDLERS, COMMANDS["release_hold"], refuse)
    result = explore(bounds=SMALL)
    assert {v.invariant for v in result.violations} == {"no stuck order"}
    assert {v.config.state for v in result.violations} == {State.ON_HOLD}
    first = result.violations[0]
    assert [str(s) for s in first.path.steps] == ["2026-01-03 10:00 platform hold()"]


def test_a_release_that_keeps_the_hold_cannot_end(monkeypatch: pytest.MonkeyPatch) -> None:
    def stay(order: Order, command: Command, now: datetime, route: object) -> tuple[ev.Event, ...]:
        return (ev.PartialRefundClosed(at=now),)  # accepted, but the order stays on hold

    monkeypatch.setitem(HANDLERS, COMMANDS["release_hold"], stay)
    result = explore(bounds=SMALL)
    assert {v.invariant for v in result.violations} == {"can end"}
    assert all(v.config.state is State.ON_HOLD for v in result.violations)
    assert str(result.violations[0].config) == "on_hold, resuming pending"


def test_a_configuration_abstracts_lateness_and_the_hold() -> None:
    order = place_order(DEFAULT_PLACEMENT).order
    start = order.updated_at
    assert str(config_of(order, start)) == "pending"
    working = decide(order, Accept(Role.SELLER), start).order
    assert working.delivery_due is not None
    late = working.delivery_due
    assert str(config_of(working, late)) == "in_progress, late"
    held = decide(working, Hold(Role.PLATFORM), start).order
    # On hold, the resumed state's clock stands still: still on time, however late it is now.
    assert str(config_of(held, late)) == "on_hold, resuming in_progress"
