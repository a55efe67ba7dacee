"""``orderflow diagram``: the state diagram of a policy's graph, as Mermaid or Graphviz DOT."""

from __future__ import annotations

import argparse
import sys

from .. import diagram
from ..domain.policy import PRESETS

#: The drawings by ``--format`` name.
FORMATS = {"mermaid": diagram.mermaid, "dot": diagram.dot}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``diagram`` to the command line."""
    command = subparsers.add_parser(
        "diagram",
        help="print the state diagram of a policy's order graph",
        description="Print the state diagram generated from a policy's order graph: one edge per "
        "transition, labelled with who may take it and its conditions; deadlines firing by "
        "themselves are marked with a stopwatch. docs/model.md shows the comeup diagram.",
        epilog="examples:\n"
        "  orderflow diagram                      # Mermaid, comeup policy\n"
        "  orderflow diagram --format dot --policy fiverr_like | dot -Tsvg > graph.svg\n\n"
        "exit status: 0 printed; 2 unknown format or policy.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("--format", default="mermaid", choices=list(FORMATS), help="default: mermaid")
    command.add_argument("--policy", default="comeup", choices=list(PRESETS), help="default: comeup")
    command.set_defaults(run=_command)


def _command(arguments: argparse.Namespace) -> int:
    sys.stdout.write(FORMATS[arguments.format](PRESETS[arguments.policy]))
    return 0
