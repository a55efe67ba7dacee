"""The ``orderflow`` command line: one module per subcommand, each registering its parser, and the
exit-status framework every subcommand shares.

A subcommand module exposes ``register(subparsers)``, which adds its parser and sets ``run`` (a
function of the parsed arguments returning the exit status) as the parser's default. A
subcommand's module is imported only when its parser is needed, so ``orderflow simulate --json``
does not import the scenario runner (start-up).

Every subcommand runs through ``status.run``, the one exit-status framework (0 done, 1 the
command's documented failure, 2 usage or input error in one line, 70 internal error): a
subcommand raises ``UsageError`` or an ``OrderflowError`` and reads files with ``read_input``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .status import EXIT_INTERNAL, EXIT_USAGE, Parser, UsageError, read_input, run

__all__ = ["EXIT_INTERNAL", "EXIT_USAGE", "UsageError", "main", "parser", "read_input"]

#: The subcommands' modules, in the order ``--help`` lists them. Each is imported only when its
#: parser is needed, so ``orderflow simulate --json`` does not import the scenario runner (start-up).
SUBCOMMANDS = ("simulate", "experiment", "demo", "scenario", "explain", "page", "diagram")


def parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line's parser (with ``only``: that subcommand's alone)."""
    root = Parser(
        prog="orderflow",
        description="The order process of a services marketplace, as a state machine.",
    )
    root.add_argument("--version", action=_Version, nargs=0, help="print orderflow's version and exit")
    subparsers = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        if only is None or name == only:
            importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (``status.run``: 0, 1, 2 or 70)."""
    words = sys.argv[1:] if argv is None else list(argv)
    arguments = parser(words[0] if words and words[0] in SUBCOMMANDS else None).parse_args(words)
    action = getattr(arguments, f"{arguments.command}_command", None)  # ``scenario run``
    name = " ".join(part for part in ("orderflow", arguments.command, action) if part)
    return run(name, arguments.run, arguments)


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
