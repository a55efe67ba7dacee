"""The scenario file's own error: ``MalformedScenario``, and ``FieldError`` for the parser's helpers."""

from __future__ import annotations

from ..domain.errors import OrderflowError


class MalformedScenario(OrderflowError):
    """A scenario file that cannot be run; the message names the step and the field."""


class FieldError(Exception):
    """A bad field, raised by a converter that does not know where it is (the parser adds that)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"field '{field}': {problem}")
        self.field = field
        self.problem = problem

    def within(self, parent: str) -> FieldError:
        """The same error with its field named from ``parent``: ``args`` + ``amount`` -> ``args.amount``."""
        if not self.field:
            return FieldError(parent, self.problem)
        return FieldError(parent + ("" if self.field.startswith("[") else ".") + self.field, self.problem)
