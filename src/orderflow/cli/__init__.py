"""The ``orderflow`` command line: one module per subcommand, each registering its parser.

A subcommand module exposes ``register(subparsers)``, which adds its parser and sets ``run`` (a
function of the parsed arguments returning the exit status) as the parser's default.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import demo, diagram, explain, page, scenario, simulate

SUBCOMMANDS = (simulate, demo, scenario, explain, page, diagram)


def parser() -> argparse.ArgumentParser:
    """The whole command line's parser."""
    root = argparse.ArgumentParser(
        prog="orderflow",
        description="The order process of a services marketplace, as a state machine.",
    )
    root.add_argument("--version", action=_Version, nargs=0, help="print orderflow's version and exit")
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


class _Version(argparse.Action):
    """``--version``: the installed distribution's version, looked up only when asked (importing
    ``importlib.metadata`` costs every other command line about 15 ms)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("orderflow")
        except PackageNotFoundError:  # a source tree that was never installed
            found = "unknown (not installed)"
        print(f"orderflow {found}")
        parser.exit()
