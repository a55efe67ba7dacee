"""``orderflow demo``: the seed page's story told step by step with its money, from an embedded
scenario run by the scenario machinery; in revision_refused it says what the seller may do."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from importlib import resources

from ..domain.guidance import available_actions, if_nobody_acts
from ..domain.states import Role, State
from ..scenario import ScenarioResult, StepOutcome, loads, run
from ..scenario.trace import INDENT, footer, header, step_lines, when

#: The embedded scenario: delivery, revision requested and refused, the seller's close rejected,
#: the buyer silent, the order completing by itself (R-REF-3).
STORY = "demo.json"


def _guidance(outcome: StepOutcome) -> Iterator[str]:
    """What the seller may do now, and what happens if nobody acts."""
    order, now = outcome.order, outcome.clock
    yield INDENT + "what the seller may do now:"
    for choice in available_actions(order, Role.SELLER, now):
        yield f"{INDENT}   {choice.action} -> {choice.reaches.value}"
    upcoming = if_nobody_acts(order)
    if upcoming is not None:
        due, future = upcoming
        yield f"{INDENT}if nobody acts: at {when(due.at)} {due.name} fires -> {future.order.state.value}"


def tell(write: Callable[[str], None] = print) -> ScenarioResult:
    """Tell the demonstration order's life; return the run's result."""
    text = resources.files("orderflow.scenario").joinpath(STORY).read_text(encoding="utf-8")
    result = run(loads(text, f"orderflow demo ({STORY})"))
    for line in header(result):
        write(line)
    for outcome in result.steps:
        for line in step_lines(outcome):
            write(line)
        refused = State.REVISION_REFUSED
        if outcome.order.state is refused and outcome.before.state is not refused:
            for line in _guidance(outcome):
                write(line)
    write(footer(result))
    return result


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``demo`` to the command line."""
    command = subparsers.add_parser(
        "demo",
        help="tell one order's life step by step, with its money",
        description="Tell the life of one example order, step by step: the buyer pays 57.50 EUR into\n"
        "escrow, the seller accepts and delivers, the buyer asks for a revision, the seller refuses\n"
        "it, the seller's attempt to close the order is rejected, the buyer stays silent and after\n"
        "7 days the order completes by itself and the seller is paid. Each step shows the order's\n"
        "state, where the money is, the deadlines set and, once the revision is refused, what the\n"
        "seller may do. (This is the situation of the help-centre page the project started from.)\n\n"
        "example:\n  orderflow demo",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.set_defaults(run=_command)


def _command(arguments: argparse.Namespace) -> int:
    return 0 if tell().ok else 1
