"""The ``orderflow`` command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from . import demo


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="orderflow", description="The order process of a services marketplace."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "demo",
        help="tell one order's life step by step, with its money",
        description="Tell one order's life step by step with its money and deadlines.\n\n"
        "example: orderflow demo",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    arguments = _parser().parse_args(argv)
    if arguments.command == "demo":
        demo.run()
    return 0
