"""The public names a scenario speaks: actions, actors, errors, events, effect kinds and deadlines.

Everything is read from the core (no list is kept by hand), so the docs' catalogue block, written by
``markdown()``, stays true to the code.
"""

from __future__ import annotations

import inspect
from typing import TypeVar

import attrs

from ..domain import effects as effect_module
from ..domain import errors as error_module
from ..domain import events as event_module
from ..domain.commands import COMMANDS
from ..domain.states import Deadline, Role, State

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
#: The class names ``expect_error`` may name (the base class is never raised as such).
ERRORS: dict[str, type[error_module.OrderflowError]] = {
    name: cls
    for name, cls in _public_subclasses(error_module, error_module.OrderflowError).items()
    if name != "Refusal"
}
EVENTS: dict[str, type[event_module.Event]] = _public_subclasses(event_module, event_module.Event)
EFFECTS: dict[str, type[effect_module.Effect]] = {
    cls.kind: cls for cls in _public_subclasses(effect_module, effect_module.Effect).values()
}
#: Deadline names; each open custom offer runs ``offer:<offer_id>``.
DEADLINES = tuple(f"{d.value}:<offer_id>" if d is Deadline.OFFER else d.value for d in Deadline)


def _summary(cls: type) -> str:
    """The first paragraph of the class's own docstring (not an inherited one), or a dash."""
    doc = inspect.cleandoc(vars(cls).get("__doc__") or "")
    return " ".join(doc.split("\n\n", 1)[0].split()).replace("``", "`") or "—"


def _fields(cls: type, *, skip: tuple[str, ...] = ()) -> str:
    return ", ".join(f"`{f.name}`" for f in attrs.fields(cls) if f.name not in skip) or "—"


def markdown() -> str:
    """The catalogue block of docs/scenarios.md."""
    lines = ["| action | arguments |", "|---|---|"]
    lines += [f"| `{name}` | {_fields(cls, skip=('actor',))} |" for name, cls in COMMANDS.items()]
    lines += ["", "| event | records | meaning |", "|---|---|---|"]
    lines += [
        f"| `{name}` | {_fields(cls, skip=('at', 'terms'))} | {_summary(cls)} |"
        for name, cls in EVENTS.items()
    ]
    lines += ["", "| effect kind | fields | meaning |", "|---|---|---|"]
    lines += [f"| `{kind}` | {_fields(cls)} | {_summary(cls)} |" for kind, cls in EFFECTS.items()]
    lines += ["", "| error | when |", "|---|---|"]
    lines += [f"| `{name}` | {_summary(cls)} |" for name, cls in ERRORS.items()]
    lines += ["", "Deadline names, in the order they fire when due at the same instant: "]
    lines[-1] += ", ".join(f"`{name}`" for name in DEADLINES) + "."
    lines += ["", "States: " + ", ".join(f"`{name}`" for name in STATES) + "."]
    return "\n".join(lines) + "\n"
