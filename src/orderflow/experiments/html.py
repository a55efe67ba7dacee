"""The HTML report of an experiment: one self-contained page, one template, data prepared here.

``page(results)`` fills ``report.html`` (a ``string.Template``: no logic in it) with fragments
made in Python: the headline, a difference chart per variant, an interval chart per key figure,
sweep lines with their bands, a table per segment and the inputs. The CSS and the SVG charts are
inline and there is no script, so the page works offline and needs no network.
"""

from __future__ import annotations

import json
from html import escape
from importlib import resources
from string import Template

from . import figures as words
from . import svg
from .results import Results
from .statistics import Interval


def page(results: Results, answers: str = "", provenance: str = "") -> str:
    """The whole page, as text; ``answers`` (the precision reached, the best arm) after the
    headline and ``provenance`` (the output directory's manifest) before the inputs, both made
    by ``experiments.sections``."""
    template = Template(resources.files(__package__).joinpath("report.html").read_text(encoding="utf-8"))
    experiment = results.experiment
    names = ", ".join(arm.name for arm in results.arms)
    return template.substitute(
        title=escape(f"Experiment: {names}"),
        subtitle=escape(
            f"{len(results.arms)} arms, each under the same {len(experiment.seeds)} seeds, "
            f"under the {experiment.policy} policy; "
            f"baseline: {experiment.baseline.name}; common random numbers (each seed gives every arm the "
            "same arrivals, parties, segments and draws)."
        ),
        headline="".join(f"<li>{escape(line)}</li>" for line in results.headline()),
        differences="".join(_differences(results, arm.name) for arm in results.variants)
        or '<p class="note">No variant: nothing to compare.</p>',
        sweep=_sweep(results),
        charts=_charts(results),
        tables="".join(_table(results, segment) for segment in [None, *results.segments]),
        changed=_changed(experiment.settings_changed()),
        inputs=escape(json.dumps(experiment.inputs(), indent=2, ensure_ascii=False)),
        answers=answers,
        provenance=provenance,
    )


def _changed(arms: dict[str, dict[str, object]]) -> str:
    """A table of each arm's settings changed from the defaults."""
    keys = list(dict.fromkeys(key for changes in arms.values() for key in changes))
    head = "".join(f"<th>{escape(name)}</th>" for name in arms)
    rows = "".join(
        f"<tr><td>{escape(key)}</td>"
        + "".join(f"<td>{escape(json.dumps(changes.get(key, '-')))}</td>" for changes in arms.values())
        + "</tr>"
        for key in keys
    )
    return (
        f'<table class="settings"><thead><tr><th>setting</th>{head}</tr></thead><tbody>{rows}</tbody></table>'
    )


def _differences(results: Results, arm: str) -> str:
    rows = []
    for key in words.KEYS:
        found = results.difference(arm, key.figure)
        base = results.summary(results.experiment.baseline.name, key.figure)
        if found is None or base is None or not base.mean:
            continue
        scale = 100 / abs(base.mean)
        text = words.value(found.mean, key.unit, results.currency, signed=True)
        rows.append(
            svg.Row(
                key.label,
                found.mean * scale,
                None if found.low is None else found.low * scale,
                None if found.high is None else found.high * scale,
                text + (" *" if found.excludes_zero else ""),
            )
        )
    return svg.intervals(f"{arm}: difference, % of the baseline", rows, zero=True, axis="%")


def _charts(results: Results) -> str:
    sections = []
    for group, keys in words.GROUPS.items():
        charts = []
        for key in keys:
            rows = []
            for arm in results.arms:
                found = results.summary(arm.name, key.figure)
                if found is not None:
                    rows.append(
                        svg.Row(
                            arm.name,
                            found.mean,
                            found.low,
                            found.high,
                            words.value(found.mean, key.unit, results.currency),
                        )
                    )
            if rows:
                charts.append(svg.intervals(key.label, rows))
        sections.append(f'<h3>{escape(group)}</h3><div class="charts">{"".join(charts)}</div>')
    return "".join(sections)


def _sweep(results: Results) -> str:
    key = results.experiment.sweep
    if key is None:
        return ""
    xs = [float(dict(arm.changes)[key]) for arm in results.arms]
    charts = []
    for figure in words.KEYS:
        found = [results.summary(arm.name, figure.figure) for arm in results.arms]
        if any(f is None or f.low is None or f.high is None for f in found):
            continue
        charts.append(
            svg.band(
                f"{figure.label} against {key}",
                key,
                xs,
                [f.mean for f in found if f is not None],
                [f.low for f in found if f is not None and f.low is not None],
                [f.high for f in found if f is not None and f.high is not None],
            )
        )
    return (
        f'<h2>Sweep over {escape(key)}</h2><p class="note">Each figure\'s mean against the value, '
        f'with its 95 % interval as a band.</p><div class="charts">{"".join(charts)}</div>'
    )


def _table(results: Results, segment: str | None) -> str:
    baseline = results.experiment.baseline.name
    head = "".join(f"<th>{escape(a.name)}</th>" for a in results.arms)
    head += "".join(f"<th>{escape(a.name)} &minus; {escape(baseline)}</th>" for a in results.variants)
    body = []
    for group, keys in words.GROUPS.items():
        span = 1 + len(results.arms) + len(results.variants)
        body.append(f'<tr class="group"><td colspan="{span}">{escape(group)}</td></tr>')
        for key in keys:
            cells = [f"<td>{escape(key.label)}</td>"]
            for arm in results.arms:
                found = results.summary(arm.name, key.figure, segment)
                cells.append(f"<td>{escape(_words(found, key.unit, results.currency, False))}</td>")
            for arm in results.variants:
                found = results.difference(arm.name, key.figure, segment)
                moved = ' class="moved"' if found is not None and found.excludes_zero else ""
                cells.append(f"<td{moved}>{escape(_words(found, key.unit, results.currency, True))}</td>")
            body.append(f"<tr>{''.join(cells)}</tr>")
    title = "All orders" if segment is None else f"Segment {segment}"
    return (
        f'<h3>{escape(title)}</h3><div class="scroll">'
        f'<table class="figures" data-segment="{escape(segment or "")}">'
        f"<thead><tr><th>figure</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _words(found: Interval | None, unit: str, currency: str, signed: bool) -> str:
    if found is None:
        return "-"
    mean = words.value(found.mean, unit, currency, signed)
    return f"{mean} ({words.interval(found.low, found.high, unit, currency, signed)})"
