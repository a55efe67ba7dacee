"""The exit-status framework of every ``orderflow`` subcommand (docs/cli.md, exit statuses).

- ``0`` done; ``1`` only the command's own documented failure (expectations failed, money not
  conserved), never a crash;
- ``2`` (``EXIT_USAGE``) a usage or input error: a bad option, a file that cannot be read or is
  malformed, a value out of the supported ranges. One line on stderr,
  ``orderflow COMMAND: error: ...``, naming the option, file, step or key;
- ``70`` (``EXIT_INTERNAL``, sysexits' EX_SOFTWARE) an unexpected internal error: a bug. One line
  asking for a report; ``ORDERFLOW_TRACEBACK=1`` lets the traceback through.

A subcommand gets all of this by raising: ``UsageError`` (or any ``OrderflowError``, such as the
``UnreadableInput`` of ``read_input``) becomes exit 2 with its message; an ``OSError`` names its
file. It need not catch anything itself: ``main`` runs every subcommand through ``run``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import NoReturn

from ..domain.errors import OrderflowError
from ..inputs import read_text as read_input

__all__ = ["EXIT_INTERNAL", "EXIT_USAGE", "Parser", "UsageError", "read_input", "run", "say"]

EXIT_USAGE = 2
EXIT_INTERNAL = 70


class UsageError(Exception):
    """A bad command line or input, raised by a subcommand: one line on stderr, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse's parser, its errors told in one line, the usage after the error."""

    def error(self, message: str) -> NoReturn:
        usage = " ".join(self.format_usage().split())
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}; {usage}\n")


def run(name: str, command: Callable[[argparse.Namespace], int], arguments: argparse.Namespace) -> int:
    """``command(arguments)``'s exit status, every error turned into its status and one line."""
    try:
        status = command(arguments)
        sys.stdout.flush()  # a full disk or a closed pipe shows here, not at the interpreter's exit
    except BrokenPipeError:  # the reader stopped early (``orderflow explain ... | head``)
        _silence_stdout()
        sys.stderr.close()  # nothing more can be said, not even about the closed pipe
        return 0
    except (UsageError, OrderflowError) as error:
        return _fail(name, str(error))
    except OSError as error:
        if error.filename is None and _is_stdout_error():
            _silence_stdout()
            return _fail(name, f"cannot write to standard output: {error.strerror}")
        where = "" if error.filename is None else f"{error.filename}: "
        return _fail(name, f"{where}{error.strerror or error}")
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a bug: its own status, never 1 (which means a documented failure)
        if os.environ.get("ORDERFLOW_TRACEBACK"):
            raise
        detail = f"{type(error).__name__}: {error}".splitlines()[0][:300]
        say(
            f"{name}: internal error ({detail}); this is a bug, please report it with the command "
            "and its input files (ORDERFLOW_TRACEBACK=1 shows where)"
        )
        return EXIT_INTERNAL
    return status


def _fail(name: str, message: str) -> int:
    """One line on stderr; the usage status."""
    say(f"{name}: error: {message}")
    return EXIT_USAGE


def say(message: str) -> None:
    """``message`` as one line on stderr, whatever it quotes: newlines become spaces, and what
    cannot be written as UTF-8 (a lone surrogate from a hostile file) is escaped."""
    line = " ".join(message.splitlines())
    print(line.encode("utf-8", "backslashreplace").decode("utf-8"), file=sys.stderr)


def _is_stdout_error() -> bool:
    try:
        sys.stdout.flush()
    except OSError:
        return True
    return False


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor (a test's captured stdout): nothing to do
        pass
