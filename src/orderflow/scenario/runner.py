"""Running a scenario: place the order, then each step at its time, recording every outcome.

Before a step at time t every deadline due by t fires (``advance``); an action is then decided at
t. A rejected action changes nothing, but the deadlines fired before it stay fired. A failed step
or expectation does not stop the run: the order goes on as it is and the result says what failed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ..domain.decide import decide
from ..domain.decision import Decision
from ..domain.effects import Effect
from ..domain.errors import OrderflowError
from ..domain.events import Event
from ..domain.order import Order
from ..domain.placement import place_order
from ..domain.timers import advance
from .expect import mismatches
from .format import ActionStep, AdvanceStep, Scenario, Step
from .snapshot import snapshot, typed_snapshot


@attrs.frozen
class StepOutcome:
    """What one step did: ``before`` and ``order`` are the order around it (deadlines fired first)."""

    index: int
    step: Step
    before: Order
    decision: Decision  # the step's own: deadlines fired first, then the action if accepted
    clock: datetime
    rejection: OrderflowError | None  # the action's error, expected or not
    failures: tuple[str, ...]  # why the step failed; empty when it held

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def order(self) -> Order:
        return self.decision.order

    @property
    def error(self) -> str | None:
        """Why the step failed, as one message; None when it held."""
        return "; ".join(self.failures) or None

    def as_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "kind": self.step.kind,
            "ok": self.ok,
            "error": self.error,
            "fired": list(self.decision.fired),
            "state": self.order.state.value,
        }


@attrs.frozen
class ScenarioResult:
    """A whole run: the placement, every step's outcome, and the order at the scenario clock."""

    scenario: Scenario
    placed: Decision
    steps: tuple[StepOutcome, ...]

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    @property
    def order(self) -> Order:
        return self.steps[-1].order if self.steps else self.placed.order

    @property
    def clock(self) -> datetime:
        return self.steps[-1].clock if self.steps else self.placed.order.updated_at

    @property
    def events(self) -> tuple[Event, ...]:
        return self.placed.events + tuple(e for step in self.steps for e in step.decision.events)

    @property
    def effects(self) -> tuple[Effect, ...]:
        return self.placed.effects + tuple(e for step in self.steps for e in step.decision.effects)

    def snapshot(self) -> dict[str, Any]:
        return snapshot(self.order, self.clock, self.events, self.effects)

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` result: ``{"ok", "steps", "order"}``."""
        return {"ok": self.ok, "steps": [step.as_json() for step in self.steps], "order": self.snapshot()}


def _rejection_failures(expected: str | None, rejection: OrderflowError | None) -> list[str]:
    got = None if rejection is None else f"{type(rejection).__name__}: {rejection}"
    if expected is None:
        return [] if got is None else [f"rejected: {got}"]
    if got is None:
        return [f"expected {expected}, but the step was accepted"]
    return [] if type(rejection).__name__ == expected else [f"expected {expected}, got {got}"]


def run(scenario: Scenario) -> ScenarioResult:
    """Run every step of ``scenario`` (already checked by ``parse``) and record each outcome."""
    placed = place_order(scenario.placement)
    order, clock = placed.order, placed.order.updated_at
    events, effects = list(placed.events), list(placed.effects)
    outcomes: list[StepOutcome] = []
    for index, step in enumerate(scenario.steps):
        decision, rejection, failures = Decision(order), None, []
        if isinstance(step, (ActionStep, AdvanceStep)):
            clock = step.at
            decision = advance(order, clock)
        if isinstance(step, ActionStep):
            try:
                decision = decision.then(decide(decision.order, step.command(), clock))
            except OrderflowError as error:
                rejection = error
            failures += _rejection_failures(step.expect_error, rejection)
        events += decision.events
        effects += decision.effects
        if step.expect is not None:
            found = typed_snapshot(decision.order, clock, events, effects)
            failures += [f"expect {problem}" for problem in mismatches(step.expect, found)]
        outcomes.append(StepOutcome(index, step, order, decision, clock, rejection, tuple(failures)))
        order = decision.order
    return ScenarioResult(scenario, placed, tuple(outcomes))
