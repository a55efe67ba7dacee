"""``orderflow experiment``: every arm of the simulation under every seed, summed up with intervals.

Reads an experiment file (TOML or JSON; a results JSON reruns from its inputs) or builds one from
``--vary`` (one arm per value; several make a grid) and ``--set`` (every arm), runs every arm
under the same ``--seeds`` seeds, and prints a headline and tables (or ``--json``); ``--csv DIR``
and ``--html FILE`` write tidy tables and a self-contained page. Every input is checked before
anything runs, and every file is written whole or not at all: a bad input exits 2 with one line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..simulation.executors import MAX_WORKERS
from . import experiment_advanced as advanced
from .status import UsageError, say

EXAMPLES = """\
examples:
  orderflow experiment --vary policy.review_decision_window=7,3
  orderflow experiment slow-sellers.toml --seeds 20 --html report.html --csv tables/
  orderflow experiment --vary seller.on_time_probability=0.6,0.7,0.8,0.9 --set market.orders=2000
  orderflow experiment results.json --json       # rerun a saved experiment from its inputs

The first arm is the baseline; each variant is compared with it seed by seed (docs/experiments.md).
exit status: 0 done; 1 money was not conserved in some cell (a bug); 2 bad input (nothing written).
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``experiment`` to the command line."""
    command = subparsers.add_parser(
        "experiment",
        help="compare arms of the simulation over many seeds, with confidence intervals",
        description="Run a baseline and variants of the simulation under the same seeds and report "
        "each figure's mean with its 95 % interval and each variant's paired difference.",
        epilog=EXAMPLES + "\n" + advanced.EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument(
        "file", nargs="?", type=Path, metavar="FILE", help="an experiment file (.toml or .json)"
    )
    command.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="KEY=V1,V2,...",
        help="one arm per value (repeatable: a grid)",
    )
    command.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="change one setting in every arm"
    )
    command.add_argument("--seeds", type=int, metavar="N", help="run every arm under seeds 1..N (default 10)")
    command.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="processes to run cells in (default: this machine's cores; the results are the same for any N)",
    )
    command.add_argument(
        "--dask", metavar="ADDRESS", help='run cells on a Dask cluster ("local" to start one)'
    )
    command.add_argument("--json", action="store_true", help="print the results as JSON")
    command.add_argument(
        "--csv", type=Path, metavar="DIR", help="write tidy tables (CSV, and Parquet) into DIR"
    )
    command.add_argument("--html", type=Path, metavar="FILE", help="write a self-contained HTML report")
    advanced.add_arguments(command)
    command.set_defaults(run=_command)


def _experiment(arguments: argparse.Namespace) -> Any:
    from ..experiments import arms

    sets = {}
    for item in arguments.set:
        key, equals, value = item.partition("=")
        if not equals or not key:
            raise UsageError(f"--set {item!r}: expected KEY=VALUE")
        sets[key] = arms.parse_value(value)
    table = arms.read(arguments.file) if arguments.file is not None else None
    varies = [arms.parse_vary(item) for item in arguments.vary]
    return arms.build(table, sets, varies, arguments.seeds)


def _check_outputs(arguments: argparse.Namespace) -> None:
    if arguments.workers is not None and not 1 <= arguments.workers <= MAX_WORKERS:
        raise UsageError(f"--workers must be from 1 to {MAX_WORKERS}, not {arguments.workers}")
    if arguments.csv is not None:
        directory: Path = arguments.csv
        if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
            raise UsageError(f"--csv {directory}: exists and is not an empty directory")
        if not directory.parent.is_dir():
            raise UsageError(f"--csv {directory}: no directory {directory.parent}")
    if arguments.html is not None:
        page: Path = arguments.html
        if page.is_dir() or not page.parent.is_dir():
            raise UsageError(f"--html {page}: not a file in an existing directory")


@contextmanager
def _progress(total: int, show: bool) -> Iterator[Callable[[Any], None] | None]:
    """A tqdm bar of cells on stderr when asked for and tqdm is installed; else no bar."""
    try:
        from tqdm import tqdm
    except ImportError:
        show = False
    if not show:
        yield None
        return
    with tqdm(total=total, unit="cell", file=sys.stderr) as bar:
        yield lambda _: bar.update(1)


def _command(arguments: argparse.Namespace) -> int:
    """Check every input, run, make every output in memory, then write the files (``status.run``
    turns a bad input into exit 2 and one line)."""
    experiment = _experiment(arguments)
    advanced.check(arguments)
    _check_outputs(arguments)
    try:
        from ..experiments import outputs, running
        from ..experiments.html import page
    except ImportError as error:  # the experiments extra (SciPy) is missing
        raise UsageError(f"{error}: pip install 'orderflow[experiments]'") from None
    from ..simulation.executors import make_executor

    executor = make_executor(arguments.workers, arguments.dask)  # default: the machine's cores
    if arguments.sensitivity:  # points of a design, not arms to compare: an output of its own
        printed, sensitivity_page = advanced.sensitivity(arguments, experiment, executor)
        if sensitivity_page is not None:
            outputs.write_file(arguments.html, sensitivity_page)
        print(printed)
        return 0
    extra = advanced.Extra()
    if advanced.asked(arguments):
        results, extra = advanced.run(arguments, experiment, executor)
    else:
        total = len(experiment.arms) * len(experiment.seeds)
        with _progress(total, sys.stderr.isatty() and not arguments.json) as progress:
            results = running.run(experiment, executor, progress)
    if arguments.json:
        printed = outputs.json_text(results, extra.data)
    else:
        printed = "\n".join(extra.lines) + ("\n" if extra.lines else "") + outputs.text(results)
    html = page(results, extra.html, extra.provenance) if arguments.html is not None else None
    if html is not None:
        outputs.write_file(arguments.html, html)
    if arguments.csv is not None:
        try:
            outputs.write_tables(results, arguments.csv)
        except BaseException:  # all or nothing: no page without its tables
            if html is not None:
                arguments.html.unlink(missing_ok=True)
            raise
    print(printed)
    broken = sorted({f"{c.arm} (seed {c.seed})" for c in results.cells if c.figures.get("money.discrepancy")})
    if broken:
        say(f"orderflow experiment: money was not conserved in {', '.join(broken)}")
    return 1 if broken else 0
