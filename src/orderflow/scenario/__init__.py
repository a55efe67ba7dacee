"""Scenario files: an order's life written as JSON, replayed through orderflow without Python.

``load`` or ``parse`` a scenario (``MalformedScenario`` names the step and the field), ``run`` it,
and read the ``ScenarioResult``: every step's outcome and the final order, its ``snapshot`` included.
The format is documented in docs/scenarios.md.
"""

from .errors import MalformedScenario
from .format import ActionStep, AdvanceStep, ExpectStep, Scenario, Step, load, loads, parse
from .runner import ScenarioResult, StepOutcome, run
from .snapshot import snapshot

__all__ = [
    "ActionStep",
    "AdvanceStep",
    "ExpectStep",
    "MalformedScenario",
    "Scenario",
    "ScenarioResult",
    "Step",
    "StepOutcome",
    "load",
    "loads",
    "parse",
    "run",
    "snapshot",
]
