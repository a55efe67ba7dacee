"""``orderflow experiment``'s options beyond a fixed number of seeds (docs/experiments-advanced.md).

``--precision FIGURE=HALF_WIDTH`` (with ``--budget``) adds seeds until each variant's difference
from the baseline is as precise as asked; ``--best FIGURE[:min]`` (with ``--indifference``)
selects the best arm by procedure KN; ``--sensitivity KEY=LOW:HIGH`` runs a Morris or Sobol'
design over ranges of settings; ``--out DIR`` keeps every finished cell there, so that the same
command run again skips what is done. ``run`` returns the results and the extra text, JSON and
HTML the experiment command adds to its outputs; ``sensitivity`` makes a whole output of its own.
Every option is checked before a cell runs or a file is written.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from ..domain.errors import InvalidArgument

EPILOG = """\
beyond a fixed number of seeds (docs/experiments-advanced.md):
  orderflow experiment --vary policy.review_decision_window=7,3 \\
      --precision outcomes.completed.percent=0.05 --precision money.refunded=300 --budget 400 \
      --out runs/window
  orderflow experiment --vary policy.review_decision_window=2,3,5,7 \
      --best money.refunded:min --indifference 100
  orderflow experiment --sensitivity seller.on_time_probability=0.6:0.95 \\
      --sensitivity policy.review_decision_window=2:10 --design morris --samples 10 --html sensitivity.html
"""


def add_arguments(command: argparse.ArgumentParser) -> None:
    """Add the options to ``orderflow experiment``."""
    group = command.add_argument_group("precision, best arm, sensitivity, resumable output")
    group.add_argument(
        "--precision",
        action="append",
        default=[],
        metavar="FIGURE=HALF_WIDTH",
        help="add seeds until each variant's 95%% interval on its difference from the baseline is "
        "this narrow (FIGURE@SEGMENT for a segment; repeatable)",
    )
    group.add_argument("--budget", metavar="N|TIME", help="most cells (N), or CPU time (90s, 5m, 1h)")
    group.add_argument(
        "--look-ahead", type=int, default=0, metavar="K", help="confirm a met precision over K more seeds"
    )
    group.add_argument(
        "--best", metavar="FIGURE[:min]", help="select the arm with the highest (or :min lowest)"
    )
    group.add_argument(
        "--indifference", type=float, metavar="D", help="with --best: the difference worth telling"
    )
    group.add_argument(
        "--sensitivity", action="append", default=[], metavar="KEY=LOW:HIGH", help="a range (repeatable)"
    )
    group.add_argument("--design", choices=["morris", "sobol"], default="morris", help="sensitivity design")
    group.add_argument(
        "--samples", type=int, metavar="N", help="Morris trajectories (10) or Sobol' base (64)"
    )
    group.add_argument(
        "--of", action="append", default=[], metavar="FIGURE", help="a figure for --sensitivity (repeatable)"
    )
    group.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="keep every finished cell in DIR; the same command again resumes",
    )


def asked(arguments: argparse.Namespace) -> bool:
    """Whether any option of this module was given (else the experiment runs as before)."""
    return bool(arguments.precision or arguments.best or arguments.sensitivity or arguments.out)


def check(arguments: argparse.Namespace) -> None:
    """Raise ``InvalidArgument`` for options that do not go together."""
    modes = [name for name in ("precision", "best", "sensitivity") if getattr(arguments, name)]
    if len(modes) > 1:
        raise InvalidArgument(f"--{modes[0]} and --{modes[1]} answer different questions: give one")
    if (arguments.budget is not None or arguments.look_ahead) and not arguments.precision:
        raise InvalidArgument("--budget and --look-ahead go with --precision")
    if arguments.look_ahead < 0:
        raise InvalidArgument(f"--look-ahead must be 0 or more seeds, not {arguments.look_ahead}")
    if arguments.best and arguments.indifference is None:
        raise InvalidArgument("--best needs --indifference D: the smallest difference worth telling apart")
    if arguments.indifference is not None and not arguments.best:
        raise InvalidArgument("--indifference goes with --best")
    if (arguments.samples is not None or arguments.of) and not arguments.sensitivity:
        raise InvalidArgument("--samples and --of go with --sensitivity")
    if arguments.sensitivity and (arguments.csv is not None or arguments.vary):
        raise InvalidArgument(
            "--sensitivity takes ranges, not arms: no --vary, no --csv (its figures are in --json)"
        )


@attrs.frozen
class Extra:
    """What the options add to the experiment's outputs."""

    lines: tuple[str, ...] = ()
    data: dict[str, Any] = attrs.field(factory=dict)
    html: str = ""  # after the page's headline
    provenance: str = ""  # before the page's inputs


@contextmanager
def _bar(show: bool) -> Iterator[Any]:
    if not show:
        yield None
        return
    try:
        from ..experiments.streaming import ProgressBar

        bar = ProgressBar()
    except ImportError:
        yield None
        return
    try:
        yield bar
    finally:
        bar.close()


def run(arguments: argparse.Namespace, experiment: Any, executor: Any) -> tuple[Any, Extra]:
    """The results of ``experiment`` by precision, best arm or all seeds, resumable with ``--out``."""
    from ..experiments import advanced, sections
    from ..experiments.adaptive import Budget, Target

    show = sys.stderr.isatty() and not arguments.json
    with executor, _bar(show) as progress:
        common = {"out": arguments.out, "executor": executor, "progress": progress}
        if arguments.precision:
            targets = [Target.parse(text) for text in arguments.precision]
            budget = Budget.parse(arguments.budget) if arguments.budget else Budget()
            initial = len(experiment.seeds) if arguments.seeds is not None else 5
            outcome, results = advanced.run_precision(
                experiment, targets, budget, initial=initial, look_ahead=arguments.look_ahead, **common
            )
            extra = Extra(
                _precision_lines(outcome), {"precision": outcome.data()}, sections.precision(outcome)
            )
        elif arguments.best:
            figure, _, direction = arguments.best.partition(":")
            chosen, results = advanced.run_selection(
                experiment,
                figure,
                indifference=arguments.indifference,
                direction=direction or "max",
                **common,
            )
            extra = Extra((chosen.statement(), ""), {"best_arm": chosen.data()}, sections.selection(chosen))
        else:
            results, spent = advanced.run_fixed(experiment, **common)
            extra = Extra(data={"cells_run": spent.cells_run, "cells_reused": spent.cells_reused})
    if arguments.out is not None:
        manifest = json.loads((arguments.out / "manifest.json").read_text(encoding="utf-8"))
        extra = attrs.evolve(
            extra,
            data={**extra.data, "output_directory": str(arguments.out)},
            provenance=sections.manifest(manifest),
        )
    return results, extra


def _precision_lines(outcome: Any) -> tuple[str, ...]:
    lines = [f"precision: {outcome.stopped} ({outcome.cells_run} cells run, {outcome.cells_reused} reused)"]
    for item in outcome.reached:
        state = "met" if item.met else "not met"
        lines.append(
            f"  {item.arm} - {outcome.baseline}: {item.target.key} {item.interval.mean:+.4g} "
            f"± {item.interval.half_width:.3g} (asked ± {item.target.half_width:g}) over "
            f"{item.interval.seeds} seeds: {state}"
        )
    return (*lines, "")


def sensitivity(arguments: argparse.Namespace, experiment: Any, executor: Any) -> tuple[str, str | None]:
    """The sensitivity analysis's text (or JSON) and HTML page."""
    from ..experiments import advanced, sections

    seeds = experiment.seeds if arguments.seeds is not None else (1, 2)
    samples = arguments.samples or (10 if arguments.design == "morris" else 64)
    figures = arguments.of or list(advanced.SENSITIVITY_FIGURES)
    show = sys.stderr.isatty() and not arguments.json
    with executor, _bar(show) as progress:
        found = advanced.run_sensitivity(
            attrs.evolve(experiment, seeds=tuple(seeds)),
            arguments.sensitivity,
            method=arguments.design,
            samples=samples,
            figures=figures,
            out=arguments.out,
            executor=executor,
            progress=progress,
        )
    first, second = found.measures
    if arguments.json:
        printed = json.dumps(found.data(), indent=2, ensure_ascii=False)
    else:
        lines = [f"{found.method}: {found.points} points x {found.seeds} seeds; settings that matter most"]
        for figure in found.indices:
            lines.append(f"{figure}:")
            lines += [
                f"  {index.key}: {first} {index.value:.4g} ± {index.confidence:.3g}, "
                f"{second} {index.second:.4g}"
                for index in found.indices[figure]
            ]
        printed = "\n".join(lines)
    page = None
    if arguments.html is not None:
        page = _page("Sensitivity", sections.sensitivity(found))
    return printed, page


def _page(title: str, body: str) -> str:
    """A small self-contained page around one section (inline CSS, no script)."""
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        "<style>body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1180px;padding:0 1rem}"
        ".note{color:#57606a}.charts{display:flex;flex-wrap:wrap;gap:1rem}"
        ".chart{border:1px solid #e1e4e8;border-radius:6px}</style></head>"
        f"<body><h1>{title}</h1>{body}</body></html>\n"
    )
