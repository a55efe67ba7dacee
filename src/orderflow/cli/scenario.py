"""``orderflow scenario run FILE [--json]``: replay a scenario file and report every step.

Exit status: 0 when every step and expectation held, 1 otherwise, 2 for a malformed file (one
message on stderr naming the step and the field).
"""

from __future__ import annotations

import argparse
import json
import sys

from ..scenario import MalformedScenario, load, run
from ..scenario.trace import lines

EXAMPLE = """\
a scenario file (times in ISO 8601 with an offset, amounts as decimal strings):
  {"order": {"id": "o-1", "buyer": "b-1", "seller": "s-1", "currency": "EUR",
             "service": {"price": "40.00", "delivery_days": 2}, "platform_fee": "2.00",
             "paid_at": "2026-01-03T10:00:00Z"},
   "steps": [{"at": "2026-01-03T12:00:00Z", "actor": "seller", "action": "accept"},
             {"at": "2026-01-04T09:00:00Z", "actor": "seller", "action": "deliver"},
             {"at": "2026-01-04T10:00:00Z", "actor": "seller", "action": "close",
              "expect_error": "NotAllowed"},
             {"advance_to": "2026-01-12T00:00:00Z"},
             {"expect": {"state": "completed", "money": {"seller_credited": "40.00"}}}]}

exit status: 0 every step and expectation held, 1 otherwise, 2 malformed file.
The format is documented in docs/scenarios.md.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``scenario`` (and its ``run``) to the command line."""
    formatter = argparse.RawDescriptionHelpFormatter
    scenario = subparsers.add_parser(
        "scenario",
        help="replay scenario files: an order's life written as JSON, with expectations",
        description="Scenario files describe an order's life (the order, then timed steps and\n"
        "expectations) and replay it through orderflow without writing Python.\n\n"
        "example:\n  orderflow scenario run examples/seed-revision-refused.json --json",
        formatter_class=formatter,
    )
    actions = scenario.add_subparsers(dest="scenario_command", required=True, metavar="ACTION")
    runner = actions.add_parser(
        "run",
        help="replay one scenario file and report every step",
        description="Replay FILE: place its order, fire the deadlines due before each step, apply\n"
        "each step and check its expectations; print a readable trace (or, with --json, the\n"
        "result as JSON).\n\nexamples:\n  orderflow scenario run story.json\n"
        "  orderflow scenario run story.json --json\n\n" + EXAMPLE,
        formatter_class=formatter,
    )
    runner.add_argument("file", metavar="FILE", help="the scenario file (JSON)")
    runner.add_argument(
        "--json", action="store_true", help='print {"ok", "steps", "order"} as JSON instead of the trace'
    )
    runner.set_defaults(run=_run)


def _run(arguments: argparse.Namespace) -> int:
    try:
        scenario = load(arguments.file)
    except (MalformedScenario, OSError) as error:
        message = (
            str(error) if isinstance(error, MalformedScenario) else f"{arguments.file}: {error.strerror}"
        )
        print(f"orderflow scenario run: {message}", file=sys.stderr)
        return 2
    result = run(scenario)
    if arguments.json:
        print(json.dumps(result.as_json(), indent=2))
    else:
        print("\n".join(lines(result)))
    return 0 if result.ok else 1
