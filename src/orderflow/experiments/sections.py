"""The HTML report's sections for precision, the best arm, sensitivity and the output manifest.

Each function turns one outcome (``adaptive.Precision``, ``selection.Selection``,
``sensitivity.Sensitivity``, a store's manifest) into an HTML fragment: a heading, a sentence in
plain words and a table or an inline SVG chart, every text escaped, no script and no network.
The experiment page (``html.page``) places them before its inputs; they use its CSS classes
(``note``, ``charts``, ``chart``) and stand alone too.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from html import escape
from typing import Any

from .adaptive import Precision
from .selection import Selection
from .sensitivity import Sensitivity, chart


def _number(value: float, signed: bool = False) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{value:+.4g}" if signed else f"{value:.4g}"


def precision(outcome: Precision) -> str:
    """Each target: the half-width asked and reached, the difference with its interval, the seeds."""
    met = sum(item.met for item in outcome.reached)
    rows = "".join(
        f"<tr><td>{escape(item.arm)}</td><td>{escape(item.target.key)}</td>"
        f"<td>± {_number(item.target.half_width)}</td><td>± {_number(item.interval.half_width)}</td>"
        f"<td>{_number(item.interval.mean, True)} ({_number(item.interval.low, True)} to "
        f"{_number(item.interval.high, True)})</td><td>{item.interval.seeds}</td>"
        f'<td class="{"met" if item.met else "unmet"}">{"met" if item.met else "not met"}</td></tr>'
        for item in outcome.reached
    )
    spent = (
        f"{outcome.cells_run} cells run, {outcome.cells_reused} reused, "
        f"{outcome.cpu_seconds:.1f} CPU seconds, {outcome.rounds} rounds"
    )
    failed = f"; {len(outcome.failures)} cells failed every attempt" if outcome.failures else ""
    return (
        '<section id="precision"><h2>Precision reached</h2>'
        f'<p class="note">{met} of {len(outcome.reached)} targets met: {escape(outcome.stopped)} '
        f"({escape(spent + failed)}). Seeds were added in rounds until each paired difference from "
        f"{escape(outcome.baseline)} had a 95 % interval as narrow as asked (Law &amp; Kelton's "
        "sequential procedure).</p>"
        '<table class="precision"><thead><tr><th>arm</th><th>figure</th><th>asked</th><th>reached</th>'
        "<th>difference (95 % CI)</th><th>seeds</th><th>target</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></section>"
    )


def selection(outcome: Selection) -> str:
    """The arm selected, its guarantee, and when each other arm was screened out."""
    rows = "".join(
        f"<tr><td>{escape(arm)}</td><td>{_number(mean)}</td><td>{outcome.seeds[arm]}</td>"
        f"<td>{'selected' if arm == outcome.best else _screened(outcome, arm)}</td></tr>"
        for arm, mean in outcome.means.items()
    )
    return (
        '<section id="selection"><h2>Best arm</h2>'
        f'<p class="note">{escape(outcome.statement())}. Procedure KN (Kim &amp; Nelson 2001) under '
        "common random numbers: arms are screened out as soon as they are behind by more than the "
        "data's margin.</p>"
        '<table class="selection"><thead><tr><th>arm</th><th>mean</th><th>seeds</th><th>outcome</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _screened(outcome: Selection, arm: str) -> str:
    after = outcome.eliminated_after.get(arm)
    return f"screened out after {after} seeds" if after is not None else "still in contention"


def sensitivity(outcome: Sensitivity) -> str:
    """A chart of the indices per figure and the three settings that matter most for each."""
    first = outcome.measures[0]
    tops = "".join(
        f"<li>{escape(figure)}: "
        + ", ".join(f"{escape(i.key)} ({first} {_number(i.value)} ± {_number(i.confidence)})" for i in top)
        + "</li>"
        for figure in outcome.indices
        if (top := outcome.top(figure))
    )
    charts = "".join(f'<div class="chart">{chart(outcome, figure)}</div>' for figure in outcome.indices)
    method = (
        "Morris elementary effects (mu*: mean absolute effect of a step; sigma: how much it depends on the "
        "other settings)"
        if outcome.method == "morris"
        else "Sobol' indices (ST: share of the variance due to the setting with its interactions; S1: alone)"
    )
    return (
        '<section id="sensitivity"><h2>What matters most</h2>'
        f'<p class="note">{escape(method)}, over {outcome.points} points of the design, each under '
        f"{outcome.seeds} common seeds; bars show {first} with its 95 % bootstrap interval.</p>"
        f'<ul class="sensitivity-top">{tops}</ul><div class="charts">{charts}</div></section>'
    )


def manifest(content: Mapping[str, Any]) -> str:
    """Where the cells are kept and how they were made: the store's manifest, runs first."""
    runs = "".join(
        f"<tr><td>{escape(str(run.get('started', '')))}</td><td>{len(run.get('arms', []))}</td>"
        f"<td>{len(run.get('seeds', []))}</td><td>{escape(_versions(run.get('versions', {})))}</td></tr>"
        for run in content.get("runs", [])
    )
    return (
        '<section id="manifest"><h2>Output directory</h2>'
        '<p class="note">Each finished cell is a Parquet file named by the hash of its settings; a rerun of '
        "the same command skips them.</p>"
        '<table class="runs"><thead><tr><th>run started</th><th>arms</th><th>seeds</th><th>versions</th>'
        f"</tr></thead><tbody>{runs}</tbody></table>"
        f"<pre>{escape(json.dumps(content, indent=2, ensure_ascii=False))}</pre></section>"
    )


def _versions(found: Mapping[str, str]) -> str:
    return ", ".join(f"{name} {version}" for name, version in found.items())
