"""``orderflow scenario run FILE [--json]``: replay a scenario file and report every step;
``orderflow scenario generate --cover transitions|states OUT_DIR``: write model-based scenarios.

``run`` exits 0 when every step and expectation held, 1 otherwise, 2 for a malformed file (one
message on stderr naming the step and the field). ``generate`` exits 0, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..domain.policy import PRESETS
from ..domain.states import State
from ..errors import UnreadableInput
from ..scenario import MalformedScenario, load, run
from ..scenario.emit import scenario_json, write
from ..scenario.trace import lines
from .status import say

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
    runner.add_argument("file", metavar="FILE", help="the scenario file (JSON; - for standard input)")
    runner.add_argument(
        "--json", action="store_true", help='print {"ok", "steps", "order"} as JSON instead of the trace'
    )
    runner.set_defaults(run=_run)
    generate = actions.add_parser(
        "generate",
        help="write scenario files that cover every transition (or reach every state) of the model",
        description="Search the order graph of a policy with the real core and write one scenario\n"
        "file per path into OUT_DIR (created if missing): with --cover transitions, paths that take\n"
        "every (state, trigger, role) row of the table at least once; with --cover states, the\n"
        "shortest path to every state. Every step expects the state and the money the model\n"
        "produced, so the files document the model and catch regressions. Prints a summary,\n"
        "including any row no order can take.\n\n"
        "examples:\n  orderflow scenario generate --cover transitions generated/\n"
        "  orderflow scenario generate --cover states --policy fiverr_like generated/\n"
        '  for f in generated/*.json; do orderflow scenario run "$f" >/dev/null || echo "$f"; done\n\n'
        "exit status: 0 written, 2 usage error.",
        formatter_class=formatter,
    )
    generate.add_argument(
        "--cover", required=True, choices=("transitions", "states"), help="what the paths must cover"
    )
    generate.add_argument(
        "--policy", choices=sorted(PRESETS), default="comeup", help="the preset to search (default: comeup)"
    )
    generate.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="the directory to write into")
    generate.set_defaults(run=_generate)


def _run(arguments: argparse.Namespace) -> int:
    try:
        scenario = load(arguments.file)
    except (MalformedScenario, UnreadableInput) as error:
        say(f"orderflow scenario run: {error}")
        return 2
    result = run(scenario)
    if arguments.json:
        print(json.dumps(result.as_json(), indent=2))
    else:
        print("\n".join(lines(result)))
    return 0 if result.ok else 1


def _generate(arguments: argparse.Namespace) -> int:
    from ..testing import paths  # the search is part of the testing toolkit

    directory: Path = arguments.out_dir
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"orderflow scenario generate: {directory}: {error.strerror}", file=sys.stderr)
        return 2
    policy = PRESETS[arguments.policy]
    coverage = paths.cover_transitions(policy) if arguments.cover == "transitions" else None
    chosen = coverage.paths if coverage is not None else paths.cover_states(policy)
    for number, path in enumerate(chosen, 1):
        data = scenario_json(path.placement, path.steps, path.description, path.rules)
        write(directory, f"{number:02d}-{path.name}", data)
    steps = sum(len(path.steps) for path in chosen)
    print(f"wrote {len(chosen)} scenario files ({steps} steps) to {directory}")
    if coverage is None:
        print(f"states reached: {len(chosen)} / {len(State)} ({policy.name})")
        return 0
    print(f"transitions covered: {len(coverage.covered)} / {len(coverage.transitions)} ({policy.name})")
    if coverage.uncovered:
        print("no order placed by the search takes these rows (see docs/testing.md):")
        print("\n".join(f"  {transition}" for transition in coverage.uncovered))
    return 0
