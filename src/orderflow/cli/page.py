"""``orderflow page``: one order's story as a self-contained HTML page for support staff.

The order comes from a scenario file (replayed) or from a SQLite database written by
``SQLiteStorage`` (``--sqlite PATH --order ID``, read in one transaction). The page is
``orderflow.copy.page.page_html``; exit 0 written, 2 usage error (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from ..domain.errors import OrderflowError
from ..domain.events import Event
from ..domain.states import Role
from .status import say

EXAMPLES = """\
examples:
  orderflow page examples/seed-revision-refused.json --as seller -o page.html
  orderflow page examples/dispute-split.json --as buyer --lang fr --now 2026-01-20T00:00:00Z -o page.html
  orderflow page --sqlite orders.db --order o-1042 --as seller -o page.html

The page shows the order's timeline (when, who, what), its deadlines past and coming relative to
--now (default: the order's last event), where its money was after each event (paid in, escrow,
refunded, the seller's wallet, the platform) and the guidance ROLE reads at --now. It needs no
network: the style is inline and there is no script.
exit status: 0 written; 2 usage error (bad file, unknown order, bad time, role or language).
"""


class UsageError(Exception):
    """A bad command line: reported in one line on stderr, exit status 2."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``page`` to the command line."""
    command = subparsers.add_parser(
        "page",
        help="write one order's story as an HTML page for support staff",
        description="Write one order's story as a self-contained HTML page: timeline, deadlines, "
        "money at each step, and what the buyer or seller reads now.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("scenario", nargs="?", metavar="SCENARIO_FILE", help="a scenario file to replay")
    command.add_argument("--sqlite", metavar="PATH", help="a SQLite database of SQLiteStorage")
    command.add_argument("--order", metavar="ID", help="the order to show, with --sqlite")
    command.add_argument(
        "--as",
        dest="role",
        required=True,
        choices=[Role.BUYER.value, Role.SELLER.value],
        help="whose guidance",
    )
    command.add_argument("--now", metavar="TIME", help="ISO 8601 time with an offset or Z")
    command.add_argument("--lang", default="en", help="the page's language: en (default) or fr")
    command.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE (default: stdout)")
    command.set_defaults(run=_command)


def _command(arguments: argparse.Namespace) -> int:
    from ..copy.page import page_html  # Babel and the catalogs, only for this command

    try:
        events = _events(arguments)
        now = None if arguments.now is None else _instant(arguments.now)
        html = page_html(events, arguments.role, now, arguments.lang)
        if arguments.output is None:
            sys.stdout.write(html)
        else:
            arguments.output.write_text(html, encoding="utf-8")
    except (UsageError, OrderflowError, OSError, ImportError) as error:
        message = f"{error.filename}: {error.strerror}" if isinstance(error, OSError) else error
        say(f"orderflow page: error: {message}")
        return 2
    return 0


def _events(arguments: argparse.Namespace) -> Sequence[Event]:
    if (arguments.scenario is None) == (arguments.sqlite is None):
        raise UsageError("give either a SCENARIO_FILE or --sqlite PATH --order ID")
    if arguments.sqlite is None:
        if arguments.order is not None:
            raise UsageError("--order is for --sqlite: a scenario file holds one order")
        from .. import scenario

        try:
            return scenario.run(scenario.load(arguments.scenario)).events
        except scenario.MalformedScenario as error:
            raise UsageError(str(error)) from None
    if arguments.order is None:
        raise UsageError("--sqlite needs --order ID")
    return _stored(Path(arguments.sqlite), arguments.order)


def _stored(path: Path, order_id: str) -> list[Event]:
    """The order's events, read from a SQLiteStorage database (which must exist: never created here)."""
    import sqlite3

    from ..adapters.sqlite import SQLiteStorage

    if not path.is_file():
        raise UsageError(f"{path}: no such database file")
    storage = SQLiteStorage(path)
    try:
        with storage.unit_of_work() as unit:
            unit.orders.load(order_id)  # UnknownOrder if it is not there
            return unit.orders.events(order_id)
    except sqlite3.DatabaseError as error:
        raise UsageError(f"{path}: not an orderflow database ({error})") from None
    finally:
        storage.close()


def _instant(text: str) -> datetime:
    """An ISO 8601 time; a naive one is kept naive for the core to reject (InvalidTime)."""
    try:
        return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise UsageError(f"--now {text!r} is not an ISO 8601 time such as 2026-01-10T12:00:00Z") from None
