"""Inline SVG charts for the HTML report: intervals per row, and a line with its band.

Plain SVG strings, no script and no library: a page that holds them works offline. Every chart
is an ``<svg class="chart">`` with a ``<title>`` saying what it shows; numbers are written by the
caller (``labels``), so the charts know nothing of units.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

import attrs

WIDTH = 560
ROW = 26
LEFT = 200
RIGHT = 150
COLOURS = ("#1f6feb", "#d9480f", "#2f9e44", "#9c36b5", "#e8590c", "#0c8599", "#5c940d", "#c2255c")


@attrs.frozen
class Row:
    """One row of an interval chart: a name, a mean with its interval, and the words beside it."""

    name: str
    mean: float
    low: float | None
    high: float | None
    words: str


def _scale(values: Sequence[float], zero: bool) -> tuple[float, float]:
    low, high = min(values), max(values)
    if zero:
        low, high = min(low, 0.0), max(high, 0.0)
    if high - low < 1e-12:
        pad = abs(high) * 0.05 or 1.0
        return low - pad, high + pad
    pad = (high - low) * 0.08
    return low - pad, high + pad


def intervals(title: str, rows: Sequence[Row], zero: bool = False, axis: str = "") -> str:
    """Each row's mean as a dot and its interval as a bar; ``zero`` draws and includes 0; an
    ``axis`` (a unit, e.g. "%") writes the scale's ends and 0 under the rows."""
    height = 34 + ROW * len(rows) + (26 if axis else 10)
    values = [v for row in rows for v in (row.mean, row.low, row.high) if v is not None and math.isfinite(v)]
    if not values:
        values = [0.0]
    low, high = _scale(values, zero)
    span = WIDTH - LEFT - RIGHT

    def x(value: float) -> float:
        return LEFT + (value - low) / (high - low) * span

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}">',
        f"<title>{escape(title)}</title>",
        f'<text x="4" y="18" class="chart-title">{escape(title)}</text>',
    ]
    bottom = 34 + ROW * len(rows)
    if zero:
        parts.append(f'<line x1="{x(0):.1f}" y1="26" x2="{x(0):.1f}" y2="{bottom}" class="zero"/>')
    if axis:
        ticks = [(low, "start"), (high, "end")]
        if min(abs(x(0.0) - x(low)), abs(x(high) - x(0.0))) > 50:  # 0 apart from both ends
            ticks.append((0.0, "middle"))
        for tick, anchor in ticks:
            parts.append(
                f'<text x="{x(tick):.1f}" y="{bottom + 16}" text-anchor="{anchor}" class="tick">'
                f"{tick:+.3g} {escape(axis)}</text>"
            )
    for index, row in enumerate(rows):
        y = 34 + ROW * index + ROW / 2
        colour = COLOURS[index % len(COLOURS)]
        parts.append(f'<text x="4" y="{y + 4:.1f}" class="row-name">{escape(_short(row.name, 30))}</text>')
        if row.low is not None and row.high is not None:
            parts.append(
                f'<line x1="{x(row.low):.1f}" y1="{y:.1f}" x2="{x(row.high):.1f}" y2="{y:.1f}" '
                f'stroke="{colour}" stroke-width="3" class="interval"/>'
            )
        parts.append(f'<circle cx="{x(row.mean):.1f}" cy="{y:.1f}" r="4.5" fill="{colour}" class="mean"/>')
        parts.append(
            f'<text x="{WIDTH - RIGHT + 8}" y="{y + 4:.1f}" class="row-value">{escape(row.words)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def band(
    title: str,
    axis: str,
    xs: Sequence[float],
    means: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
) -> str:
    """A line of ``means`` against ``xs`` with the band between ``lows`` and ``highs``."""
    width, height, left, bottom, top = WIDTH, 240, 60, 36, 30
    ys = [v for v in (*means, *lows, *highs) if math.isfinite(v)] or [0.0]
    y_low, y_high = _scale(ys, zero=False)
    x_low, x_high = _scale(list(xs), zero=False)

    def px(value: float) -> float:
        return left + (value - x_low) / (x_high - x_low) * (width - left - 20)

    def py(value: float) -> float:
        return height - bottom - (value - y_low) / (y_high - y_low) * (height - bottom - top)

    outline = [(px(x), py(h)) for x, h in zip(xs, highs, strict=True)]
    outline += [(px(x), py(lo)) for x, lo in reversed(list(zip(xs, lows, strict=True)))]
    parts = [
        f'<svg class="chart sweep" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>",
        f'<text x="4" y="18" class="chart-title">{escape(title)}</text>',
        '<polygon class="band" points="' + " ".join(f"{a:.1f},{b:.1f}" for a, b in outline) + '"/>',
        '<polyline class="line" points="'
        + " ".join(f"{px(x):.1f},{py(m):.1f}" for x, m in zip(xs, means, strict=True))
        + '"/>',
        f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width - 20}" y2="{height - bottom}"/>',
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}"/>',
        f'<text x="{(left + width) / 2:.0f}" y="{height - 6}" class="axis-name">{escape(axis)}</text>',
        f'<text x="4" y="{py(y_high) + 10:.1f}" class="tick">{y_high:.4g}</text>',
        f'<text x="4" y="{py(y_low):.1f}" class="tick">{y_low:.4g}</text>',
    ]
    for x, m in zip(xs, means, strict=True):
        parts.append(f'<circle class="mean" cx="{px(x):.1f}" cy="{py(m):.1f}" r="3.5"/>')
        parts.append(f'<text class="tick" x="{px(x) - 8:.1f}" y="{height - bottom + 14}">{x:g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
