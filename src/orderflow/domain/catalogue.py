"""The public names of the core: actions, actors, states, errors, events, effect kinds, deadlines.

Scenario files and the JSON codec speak these names. Everything is read from the modules that
define them (no list is kept by hand).
"""

from __future__ import annotations

import inspect
from typing import TypeVar

from . import effects as effect_module
from . import errors as error_module
from . import events as event_module
from .commands import COMMANDS
from .states import Deadline, Role, State

T = TypeVar("T")


def _public_subclasses(module: object, base: type[T]) -> dict[str, type[T]]:
    found = {
        name: value
        for name, value in vars(module).items()
        if inspect.isclass(value)
        and issubclass(value, base)
        and value is not base
        and not name.startswith("_")
    }
    return dict(sorted(found.items()))


ACTIONS = tuple(COMMANDS)
ACTORS = tuple(role.value for role in Role)
STATES = tuple(state.value for state in State)
#: The class names ``expect_error`` may name: the rejections (the bases are never raised as such).
ERRORS: dict[str, type[error_module.Rejection]] = {
    name: cls
    for name, cls in _public_subclasses(error_module, error_module.Rejection).items()
    if name not in ("Rejection", "Refusal")
}
EVENTS: dict[str, type[event_module.Event]] = _public_subclasses(event_module, event_module.Event)
EFFECTS: dict[str, type[effect_module.Effect]] = {
    cls.kind: cls for cls in _public_subclasses(effect_module, effect_module.Effect).values()
}
#: Deadline names; each open custom offer runs ``offer:<offer_id>``.
DEADLINES = tuple(f"{d.value}:<offer_id>" if d is Deadline.OFFER else d.value for d in Deadline)
