"""The catalogue block of docs/scenarios.md: every public name a scenario speaks, with its fields
and meaning, written from ``orderflow.domain.catalogue`` so that it stays true to the code.
"""

from __future__ import annotations

import inspect

import attrs

from ..domain.catalogue import DEADLINES, EFFECTS, ERRORS, EVENTS, STATES
from ..domain.commands import COMMANDS


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
