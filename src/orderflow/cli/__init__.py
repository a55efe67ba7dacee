"""The ``orderflow`` command line: one module per subcommand, each registering its parser.

A subcommand module exposes ``register(subparsers)``, which adds its parser and sets ``run`` (a
function of the parsed arguments returning the exit status) as the parser's default.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import demo, diagram, experiment, explain, scenario, simulate

SUBCOMMANDS = (simulate, experiment, demo, scenario, explain, diagram)


def parser() -> argparse.ArgumentParser:
    """The whole command line's parser."""
    root = argparse.ArgumentParser(
        prog="orderflow",
        description="The order process of a services marketplace, as a state machine.",
    )
    subparsers = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.register(subparsers)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    arguments = parser().parse_args(argv)
    try:
        status: int = arguments.run(arguments)
    except BrokenPipeError:  # the reader stopped early (``orderflow explain ... | head``)
        sys.stderr.close()  # nothing more can be said, not even about the closed pipe
        return 0
    return status
