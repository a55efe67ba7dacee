"""``orderflow simulate``: a marketplace's orders on a virtual clock, summed up as a report.

Runs ``orderflow.simulation`` with its embedded defaults (10,000 orders, about 500 a day) or a
behaviour file, optionally next to a second policy (``--compare-policy``: the same seeded
population, arrivals and draws), and prints the report as a table or JSON. A large run is cut
into shards by seller and run on ``--workers`` processes (default: the machine's cores) or on a
Dask cluster (``--dask``); the report is the same bytes whatever the workers. A progress bar
(``tqdm``, from the ``simulation`` extra) shows on a terminal's stderr, never with ``--json``;
tqdm, matplotlib and Dask are imported only when used, so ``--json`` starts fast.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs

from ..domain.errors import OrderflowError
from ..domain.policy import PRESETS
from ..simulation import config
from ..simulation.engine import Setup
from ..simulation.executors import MAX_WORKERS, make_executor
from ..simulation.population import MAX_ORDERS
from ..simulation.report import Report, report, text, title
from ..simulation.shards import simulate_all
from .status import UsageError

EXAMPLES = """\
examples:
  orderflow simulate                                  # 10,000 orders under comeup
  orderflow simulate --orders 2000 --seed 7 --json
  orderflow simulate --set policy.review_decision_window=3 --compare-policy comeup
  orderflow simulate --behaviour market.toml --horizon 60 --charts charts/
  orderflow simulate --orders 1000000 --workers 2 --json
  orderflow simulate --orders 1000000 --dask tcp://scheduler:8786 --json

--set KEY=VALUE changes one setting of the behaviour file's format (docs/simulation.md), e.g.
seller.refuse_revision_probability=0.3 or policy.revision_cap=2 (durations in days). Policy
settings apply to --policy only, so --compare-policy with the same preset shows their effect.
exit status: 0 done; 1 money was not conserved (a bug); 2 usage error (bad option, bad file,
--charts without matplotlib).
"""


#: The longest simulated clock: a hundred years.
_MAX_HORIZON_DAYS = 36_500


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``simulate`` to the command line."""
    command = subparsers.add_parser(
        "simulate",
        help="simulate many orders on a virtual clock and report what happened",
        description="Simulate a marketplace: orders arrive, sellers and buyers act by their behaviour, "
        "deadlines fire; report outcomes, money, times, rates and seller statistics.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument(
        "--orders", type=int, metavar="N", help=f"orders to place (default 10000, at most {MAX_ORDERS:,})"
    )
    command.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    command.add_argument(
        "--horizon",
        type=float,
        metavar="DAYS",
        help="stop the clock DAYS days after the market opens (default: run until every order has ended)",
    )
    names = ", ".join(PRESETS)
    command.add_argument(
        "--policy",
        choices=list(PRESETS),
        default="comeup",
        metavar="NAME",
        help=f"the marketplace's rules to simulate: {names} (default comeup)",
    )
    command.add_argument(
        "--compare-policy",
        choices=list(PRESETS),
        metavar="NAME",
        help=f"also run the same orders under this preset ({names}) and report both side by side",
    )
    command.add_argument("--behaviour", type=Path, metavar="FILE", help="a .json or .toml settings file")
    command.add_argument("--arrivals", type=Path, metavar="FILE", help="a CSV file of arrival instants")
    command.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="change one setting (repeatable)"
    )
    command.add_argument("--json", action="store_true", help="print the report as JSON")
    command.add_argument("--output", type=Path, metavar="FILE", help="write the report to FILE")
    command.add_argument("--charts", type=Path, metavar="DIR", help="write PNG charts to DIR (matplotlib)")
    command.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="processes to run a large run's shards on (default: this machine's cores; the report is "
        "the same for any N)",
    )
    command.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run the shards on the Dask scheduler at ADDRESS, or on a local cluster of --workers "
        "processes with 'local' (the distributed extra)",
    )
    command.set_defaults(run=_command)


def _setting(text: str) -> tuple[str, object]:
    key, equals, value = text.partition("=")
    if not equals or not key:
        raise UsageError(f"--set {text!r}: expected KEY=VALUE")

    def not_finite(word: str) -> object:
        raise UsageError(f"--set {key}: {word} is not a finite number")

    try:
        parsed = json.loads(value, parse_constant=not_finite)
    except json.JSONDecodeError:
        return key, value  # a bare word: a string
    except RecursionError:
        raise UsageError(f"--set {key}: the value nests too deeply") from None
    if isinstance(parsed, float) and not math.isfinite(parsed):  # 1e400
        raise UsageError(f"--set {key}: {value} is not a finite number")
    return key, parsed


def _setups(arguments: argparse.Namespace) -> list[Setup]:
    if arguments.orders is not None and not 1 <= arguments.orders <= MAX_ORDERS:
        raise UsageError(f"--orders must be from 1 to {MAX_ORDERS}, not {arguments.orders}")
    if arguments.horizon is not None and not 0 < arguments.horizon <= _MAX_HORIZON_DAYS:
        raise UsageError(
            f"--horizon must be a positive number of days, at most {_MAX_HORIZON_DAYS}, "
            f"not {arguments.horizon}"
        )
    if arguments.workers is not None and not 1 <= arguments.workers <= MAX_WORKERS:
        raise UsageError(f"--workers must be from 1 to {MAX_WORKERS}, not {arguments.workers}")
    overrides = dict(_setting(item) for item in arguments.set)
    if arguments.orders is not None:
        overrides["market.orders"] = arguments.orders
    settings = (
        config.load(arguments.behaviour, overrides)
        if arguments.behaviour is not None
        else config.parse({}, overrides)
    )
    setup = Setup(
        seed=arguments.seed,
        market=settings.market,
        behaviour=settings.behaviour,
        policy=settings.policy(PRESETS[arguments.policy]),
        horizon_days=arguments.horizon,
        arrivals=arguments.arrivals,
    )
    if arguments.compare_policy is None:
        return [setup]
    return [setup, attrs.evolve(setup, policy=PRESETS[arguments.compare_policy])]


@contextmanager
def _progress(total: int, show: bool) -> Iterator[Callable[[int], None] | None]:
    """A tqdm bar on stderr when asked for and tqdm is installed; else no bar (and no import)."""
    if show:
        try:
            from tqdm import tqdm
        except ImportError:
            show = False
    if not show:
        yield None
        return
    with tqdm(total=total, unit="order", file=sys.stderr, unit_scale=True) as bar:
        yield bar.update


def _command(arguments: argparse.Namespace) -> int:
    try:
        setups = _setups(arguments)
        if arguments.charts is not None:
            from ..simulation.charts import check_available

            check_available()
        show = sys.stderr.isatty() and not arguments.json
        with (
            make_executor(arguments.workers, arguments.dask) as executor,
            _progress(sum(s.market.orders for s in setups), show) as progress,
        ):
            reports = [report(run) for run in simulate_all(setups, executor, progress)]
        if arguments.charts is not None:
            from ..simulation.charts import write_charts

            write_charts(reports, [title(r) for r in reports], arguments.charts)
    except (UsageError, OrderflowError, ImportError) as error:
        print(f"orderflow simulate: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"orderflow simulate: error: {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    output = _render(reports, arguments.json)
    if arguments.output is not None:
        try:
            arguments.output.write_text(output + "\n", encoding="utf-8")
        except OSError as error:  # the file is named here: a full disk's error names no file
            print(f"orderflow simulate: error: {arguments.output}: {error.strerror}", file=sys.stderr)
            return 2
    else:
        print(output)
    broken = [title(r) for r in reports if not r["money"]["conserved"]]
    if broken:
        print(f"orderflow simulate: money was not conserved under {', '.join(broken)}", file=sys.stderr)
    return 1 if broken else 0


def _render(reports: list[Report], as_json: bool) -> str:
    if as_json:
        data = reports[0] if len(reports) == 1 else {"compared": reports}
        return json.dumps(data, indent=2)
    titles = [title(r) for r in reports] if len(reports) > 1 else []
    if len(reports) == 1 and "segments" in reports[0]:  # a column per segment, next to the whole run
        segments = reports[0]["segments"]
        return text([reports[0], *segments.values()], ["all orders", *(f"{k} segment" for k in segments)])
    return text(reports, titles)
