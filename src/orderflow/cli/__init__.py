"""The ``orderflow`` command line: one module per subcommand, each registering its parser.

A subcommand module exposes ``register(subparsers)``, which adds its parser and sets ``run`` (a
function of the parsed arguments returning the exit status) as the parser's default.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: The subcommands' modules, in the order ``--help`` lists them. Each is imported only when its
#: parser is needed, so ``orderflow simulate --json`` does not import the scenario runner (start-up).
SUBCOMMANDS = ("simulate", "experiment", "demo", "scenario", "explain", "diagram")


def parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line's parser (with ``only``: that subcommand's alone)."""
    root = argparse.ArgumentParser(
        prog="orderflow",
        description="The order process of a services marketplace, as a state machine.",
    )
    subparsers = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        if only is None or name == only:
            importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    words = sys.argv[1:] if argv is None else list(argv)
    arguments = parser(words[0] if words and words[0] in SUBCOMMANDS else None).parse_args(words)
    try:
        status: int = arguments.run(arguments)
    except BrokenPipeError:  # the reader stopped early (``orderflow explain ... | head``)
        sys.stderr.close()  # nothing more can be said, not even about the closed pipe
        return 0
    return status
