"""orderflow.testing: the toolkit QA teams use to property-test orderflow and their own platform.

Install it with the ``testing`` extra (it adds Hypothesis). It holds Hypothesis strategies
(``placements``, ``commands``, ``lives``...), ``OrderMachine`` (a stateful test to subclass),
``FakeClock``, the pytest fixtures of ``orderflow.testing.plugin``, model-based paths
(``cover_transitions``, ``cover_states``) and the exhaustive model check (``explore``). Names are
imported lazily so that the pytest plugin loads without Hypothesis installed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .clock import FakeClock
    from .modelcheck import Bounds, Exploration, ModelCheckFailure, Violation, explore, model_check
    from .paths import Coverage, cover_states, cover_transitions
    from .stateful import OrderMachine, machine_settings
    from .strategies import (
        AMOUNT_KINDS,
        CURRENCIES,
        Life,
        MalformedCommand,
        Step,
        allowed_commands,
        amounts,
        amounts_for,
        commands,
        currencies,
        lives,
        malformed_commands,
        placements,
        policies,
        steps,
        times,
        valid_amounts_for,
    )

__all__ = [
    "AMOUNT_KINDS",
    "CURRENCIES",
    "Bounds",
    "Coverage",
    "Exploration",
    "FakeClock",
    "Life",
    "MalformedCommand",
    "ModelCheckFailure",
    "OrderMachine",
    "Step",
    "Violation",
    "allowed_commands",
    "amounts",
    "amounts_for",
    "commands",
    "cover_states",
    "cover_transitions",
    "currencies",
    "explore",
    "lives",
    "machine_settings",
    "malformed_commands",
    "model_check",
    "placements",
    "policies",
    "steps",
    "times",
    "valid_amounts_for",
]
#: Where each public name lives: its own module, else ``strategies``.
_HOMES = {
    "FakeClock": "clock",
    "OrderMachine": "stateful",
    "machine_settings": "stateful",
    **dict.fromkeys(
        ("Bounds", "Exploration", "ModelCheckFailure", "Violation", "explore", "model_check"), "modelcheck"
    ),
    **dict.fromkeys(("Coverage", "cover_states", "cover_transitions"), "paths"),
}


def __getattr__(name: str) -> object:
    """Import a public name from its module on first use."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOMES.get(name, 'strategies')}", __name__), name)
