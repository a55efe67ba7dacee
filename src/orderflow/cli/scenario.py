"""``orderflow scenario run PATH... [--json]``: replay scenario files and report every step;
``orderflow scenario generate --cover transitions|states OUT_DIR``: write model-based scenarios.

``run`` of one file prints its whole trace; of several files or a directory (its ``*.json``), one
line per file and a summary, all in one process. It exits 0 when every step and expectation held,
1 otherwise, 2 when a file is malformed or missing (one message on stderr naming the file, the step
and the field; the other files still run). ``generate`` exits 0, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..domain.policy import PRESETS
from ..domain.states import State
from ..errors import UnreadableInput
from ..scenario import MalformedScenario, ScenarioResult, load, run
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

exit status: 0 every step and expectation held, 1 otherwise, 2 a malformed or missing file.
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
        help="replay scenario files (or directories of them) and report every step",
        description="Replay each FILE: place its order, fire the deadlines due before each step, apply\n"
        "each step and check its expectations. One file: print a readable trace (or, with --json,\n"
        "the result as JSON). Several files or a directory (its *.json files, sorted): one line\n"
        "per file and a summary, all in one process.\n\n"
        "examples:\n  orderflow scenario run story.json\n"
        "  orderflow scenario run story.json --json\n"
        "  orderflow scenario run examples/ tests/scenarios/r-*.json\n\n" + EXAMPLE,
        formatter_class=formatter,
    )
    runner.add_argument(
        "files",
        nargs="+",
        metavar="PATH",
        help="a scenario file (JSON; - for standard input), or a directory of them",
    )
    runner.add_argument(
        "--json",
        action="store_true",
        help='print {"ok", "steps", "order"} as JSON instead of the trace; for several files, '
        '{"ok", "files": [{"file", "ok", "error", "steps", "failed_steps", "state"}]}',
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
    paths: list[str] = arguments.files
    if len(paths) == 1 and not Path(paths[0]).is_dir():
        return _run_one(paths[0], arguments.json)
    return _run_many(paths, arguments.json)


def _loaded(path: str | Path) -> ScenarioResult | str:
    """The file's run, or why it could not be read (one line)."""
    try:
        scenario = load(path)
    except (MalformedScenario, UnreadableInput) as error:
        return str(error)
    except OSError as error:
        return f"{path}: {error.strerror}"
    return run(scenario)


def _run_one(path: str, as_json: bool) -> int:
    result = _loaded(path)
    if isinstance(result, str):
        say(f"orderflow scenario run: {result}")
        return 2
    print(json.dumps(result.as_json(), indent=2) if as_json else "\n".join(lines(result)))
    return 0 if result.ok else 1


def _files(paths: list[str]) -> Iterator[Path]:
    """Each path given, a directory standing for its ``*.json`` files in name order."""
    for given in paths:
        path = Path(given)
        yield from sorted(path.glob("*.json")) if path.is_dir() else (path,)


def _run_many(paths: list[str], as_json: bool) -> int:
    """Every file in this process: one line each, then a summary (or one JSON document)."""
    rows: list[dict[str, Any]] = []
    for path in _files(paths):
        result = _loaded(path)
        if isinstance(result, str):
            say(f"orderflow scenario run: {result}")
            rows.append({"file": str(path), "ok": False, "error": result, "steps": None})
            continue
        failed = [step.index + 1 for step in result.steps if not step.ok]
        error = "; ".join(f"step {s.index + 1}: {s.error}" for s in result.steps if not s.ok) or None
        row = {"file": str(path), "ok": result.ok, "error": error, "steps": len(result.steps)}
        rows.append({**row, "failed_steps": failed, "state": result.order.state.value})
        if not as_json:
            print(_line(rows[-1]))
    malformed = sum(row["steps"] is None for row in rows)
    failed_files = sum(not row["ok"] for row in rows) - malformed
    if as_json:
        print(json.dumps({"ok": not failed_files and not malformed, "files": rows}, indent=2))
    else:
        print(
            f"{len(rows)} file{'' if len(rows) == 1 else 's'}: {len(rows) - failed_files - malformed} ok, "
            f"{failed_files} failed, {malformed} unreadable"
        )
    return 2 if malformed else 1 if failed_files else 0


def _line(row: dict[str, Any]) -> str:
    steps = f"{row['steps']} step{'' if row['steps'] == 1 else 's'}"
    if row["ok"]:
        return f"ok      {row['file']} ({steps}, {row['state']})"
    return f"FAILED  {row['file']} ({steps}, {row['state']}): {row['error']}"


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
