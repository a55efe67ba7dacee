"""What matters most: a sensitivity design over ranges of settings, its cells, and its indices.

``design(factors, method)`` draws the points of a design with SALib (the ``sensitivity`` extra):

- ``morris``: the elementary-effects screening of Morris (1991, Technometrics 33:161-174), with
  the mu* measure of Campolongo, Cariboni & Saltelli (2007, Environ. Model. Softw. 22:1509-1518):
  ``samples`` trajectories of k+1 points each over a 4-level grid. mu* ranks the settings by the
  mean absolute change a step in them makes; sigma says how much that change depends on the
  other settings (interactions, curvature). Cheap: (k+1)·samples points.
- ``sobol``: Sobol' variance-based indices (Sobol' 2001) with the estimators of Saltelli et al.
  (2010, Comput. Phys. Commun. 181:259-270) on a Sobol' sequence: S1, the share of the figure's
  variance due to the setting alone; ST, its share including its interactions. Costlier:
  samples·(k+2) points, ``samples`` a power of 2.

Each point of the design is an arm (``point-0000`` ...) whose settings are the base settings with
the point's values; every arm runs under the same seeds (common random numbers), so the figure
of a point is the mean over those seeds and the differences between points are not drowned in
seed noise. The cells run through ``streaming.Cells``, on any executor, with a store if given
(a design is reproducible from its seed, so a rerun resumes). ``analyse`` computes the indices
(SALib, with bootstrap confidence intervals) and ``chart`` draws them as an inline SVG.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from ..domain.errors import InvalidArgument, OrderflowError
from .streaming import Cell, Cells

METHODS = ("morris", "sobol")


class InvalidRange(InvalidArgument):
    """A sensitivity range that cannot be used: ``key`` names the setting."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"{key}: {message}")


class DesignIncomplete(OrderflowError):
    """Some points of a design have no finished cell (every attempt failed): no index can be
    computed. The cells that finished are kept in the store; a rerun completes the rest."""


@attrs.frozen
class Factor:
    """A setting varied over [low, high]; ``integer`` settings take whole values."""

    key: str
    low: float
    high: float
    integer: bool = False


def factor(text: str, settings: Mapping[str, object]) -> Factor:
    """``KEY=LOW:HIGH`` checked against ``settings`` (dotted key → current value): the key must
    exist and hold a number."""
    key, equals, bounds = text.partition("=")
    key = key.strip()
    low_text, colon, high_text = bounds.partition(":")
    if not equals or not colon or not key:
        raise InvalidRange(text, "expected KEY=LOW:HIGH, e.g. seller.on_time_probability=0.6:0.95")
    if key not in settings:
        raise InvalidRange(key, "no such setting")
    value = settings[key]
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise InvalidRange(key, f"is not a number (it is {value!r}): only numeric settings have ranges")
    try:
        low, high = float(low_text), float(high_text)
    except ValueError:
        raise InvalidRange(key, f"the range must be two numbers, not {bounds!r}") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise InvalidRange(key, f"the range must go from a lower to a higher number, not {bounds!r}")
    return Factor(key, low, high, isinstance(value, int))


@attrs.frozen
class Design:
    """The points of a sensitivity design (values of the factors, one mapping per point)."""

    method: str
    factors: tuple[Factor, ...]
    samples: int
    seed: int
    matrix: Any = attrs.field(eq=False, repr=False)  # SALib's sample, one row per point

    @property
    def points(self) -> list[dict[str, float]]:
        return [
            {f.key: (round(v) if f.integer else float(v)) for f, v in zip(self.factors, row, strict=True)}
            for row in self.matrix
        ]

    def arms(self, base: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        """One arm per point: the ``base`` settings with the point's values."""
        return {f"point-{index:04d}": {**base, **point} for index, point in enumerate(self.points)}

    def inputs(self) -> dict[str, Any]:
        """What identifies the design (for a store's manifest)."""
        return {
            "method": self.method,
            "samples": self.samples,
            "seed": self.seed,
            "factors": [attrs.asdict(f) for f in self.factors],
        }


def simulation_settings() -> dict[str, object]:
    """Every setting of ``orderflow simulate``'s format, dotted key → default value (durations in
    days): the keys a range may name, and which of them hold numbers."""
    from datetime import timedelta

    from ..domain.policy import COMEUP
    from ..simulation import config
    from ..simulation.behaviour import Delay

    loaded = config.parse({})
    sections: dict[str, Any] = {
        "market": loaded.market,
        "seller": loaded.behaviour.seller,
        "buyer": loaded.behaviour.buyer,
        "mediator": loaded.behaviour.mediator,
        "policy": COMEUP,
    }
    found: dict[str, object] = {}
    for section, value in sections.items():
        for name, setting in attrs.asdict(value, recurse=False).items():
            if section == "policy" and name in ("name", "version", "reminders"):
                continue
            if isinstance(setting, Delay):
                found.update({f"{section}.{name}.{k}": v for k, v in attrs.asdict(setting).items()})
            else:
                days = isinstance(setting, timedelta)
                found[f"{section}.{name}"] = setting / timedelta(days=1) if days else setting
    return found


def _problem(factors: Sequence[Factor]) -> dict[str, Any]:
    return {
        "num_vars": len(factors),
        "names": [f.key for f in factors],
        "bounds": [[f.low, f.high] for f in factors],
    }


def _salib(module: str) -> Any:
    try:
        import importlib

        return importlib.import_module(f"SALib.{module}")
    except ImportError as error:
        raise ImportError(
            "sensitivity analysis needs the sensitivity extra "
            f"(pip install 'orderflow[sensitivity]'): {error}"
        ) from None


def design(factors: Sequence[Factor], method: str = "morris", samples: int = 10, seed: int = 1) -> Design:
    """The points of a ``method`` design over ``factors`` (``samples``: Morris trajectories, or
    Sobol's base sample, a power of 2)."""
    if method not in METHODS:
        raise InvalidRange("method", f"one of {list(METHODS)}, not {method!r}")
    if not factors:
        raise InvalidRange("factors", "give at least one range, e.g. seller.on_time_probability=0.6:0.95")
    keys = [f.key for f in factors]
    if len(set(keys)) != len(keys):
        raise InvalidRange(next(k for k in keys if keys.count(k) > 1), "has two ranges")
    if samples < 2:
        raise InvalidRange("samples", f"at least 2, not {samples}")
    if method == "sobol" and samples & (samples - 1):
        raise InvalidRange("samples", f"Sobol' samples must be a power of 2, not {samples}")
    problem = _problem(factors)
    if method == "morris":
        matrix = _salib("sample.morris").sample(problem, samples, num_levels=4, seed=seed)
    else:
        matrix = _salib("sample.sobol").sample(problem, samples, calc_second_order=False, seed=seed)
    return Design(method, tuple(factors), samples, seed, matrix)


@attrs.frozen
class Index:
    """One setting's sensitivity for one figure: the ranking measure (mu* or ST) with its
    confidence half-width, and the second measure (sigma or S1)."""

    key: str
    value: float
    confidence: float
    second: float


@attrs.frozen
class Sensitivity:
    """Indices per figure, each list sorted from the setting that matters most."""

    method: str
    indices: Mapping[str, tuple[Index, ...]]
    points: int
    seeds: int
    cells_run: int
    cells_reused: int

    @property
    def measures(self) -> tuple[str, str]:
        return ("mu*", "sigma") if self.method == "morris" else ("ST", "S1")

    def top(self, figure: str, count: int = 3) -> tuple[Index, ...]:
        return self.indices[figure][:count]

    def data(self) -> dict[str, Any]:
        """JSON-ready: the method, its measures, and each figure's indices, largest first."""
        first, second = self.measures
        return {
            "method": self.method,
            "points": self.points,
            "seeds": self.seeds,
            "cells_run": self.cells_run,
            "cells_reused": self.cells_reused,
            "indices": {
                figure: [
                    {
                        "setting": index.key,
                        first: _plain(index.value),
                        f"{first}_confidence": _plain(index.confidence),
                        second: _plain(index.second),
                    }
                    for index in indices
                ]
                for figure, indices in self.indices.items()
            },
        }


def _plain(value: float) -> float | None:
    return round(value, 6) if math.isfinite(value) else None


def run_design(cells: Cells, design: Design, figures: Sequence[str], seeds: Sequence[int]) -> Sensitivity:
    """Run every point of ``design`` (the arms of ``cells``, from ``design.arms``) under ``seeds``
    and compute the indices of ``figures``."""
    names = list(design.arms({}))
    if list(cells.arms) != names:
        raise InvalidRange("arms", "the cells' arms are not the design's points (use design.arms(base))")
    totals = {name: dict.fromkeys(figures, 0.0) for name in names}
    counts = dict.fromkeys(names, 0)
    for cell, found in cells.run([Cell(name, seed) for name in names for seed in seeds]):
        missing = [figure for figure in figures if figure not in found]
        if missing:
            from .adaptive import unknown_figure

            raise unknown_figure(missing[0], found)
        counts[cell.arm] += 1
        for figure in figures:
            totals[cell.arm][figure] += found[figure]
    empty = [name for name in names if counts[name] == 0]
    if empty:
        reason = cells.failures[0].error if cells.failures else "no cell"
        raise DesignIncomplete(f"{len(empty)} points have no finished cell, e.g. {empty[0]}: {reason}")
    outputs = {f: [totals[name][f] / counts[name] for name in names] for f in figures}
    return Sensitivity(
        design.method, analyse(design, outputs), len(names), len(seeds), cells.ran, cells.reused
    )


def analyse(design: Design, outputs: Mapping[str, Sequence[float]]) -> dict[str, tuple[Index, ...]]:
    """The indices of each figure in ``outputs`` (one value per point of ``design``)."""
    import numpy

    problem = _problem(design.factors)
    found: dict[str, tuple[Index, ...]] = {}
    for figure, values in outputs.items():
        y = numpy.asarray(values, dtype=float)
        if design.method == "morris":
            result = _salib("analyze.morris").analyze(
                problem, design.matrix, y, num_levels=4, seed=design.seed
            )
            rows = zip(result["mu_star"], result["mu_star_conf"], result["sigma"], strict=True)
        else:
            result = _salib("analyze.sobol").analyze(problem, y, calc_second_order=False, seed=design.seed)
            rows = zip(result["ST"], result["ST_conf"], result["S1"], strict=True)
        indices = [
            Index(f.key, _number(value), _number(confidence), _number(second))
            for f, (value, confidence, second) in zip(design.factors, rows, strict=True)
        ]
        found[figure] = tuple(sorted(indices, key=_rank))
    return found


def _rank(index: Index) -> float:
    """Largest first; an index SALib could not compute (NaN) last."""
    return -index.value if math.isfinite(index.value) else math.inf


def _number(value: Any) -> float:
    number = float(value)
    return number if math.isfinite(number) else math.nan


def chart(sensitivity: Sensitivity, figure: str, width: int = 560) -> str:
    """The indices of ``figure`` as horizontal bars with confidence whiskers: an inline SVG."""
    indices = sensitivity.indices[figure]
    measure = sensitivity.measures[0]
    label_width, bar_height, gap, top = 220, 18, 8, 28
    height = top + len(indices) * (bar_height + gap) + 10
    finite = [i.value + (i.confidence if math.isfinite(i.confidence) else 0) for i in indices]
    largest = max([v for v in finite if math.isfinite(v)] + [1e-12])
    scale = (width - label_width - 50) / largest  # room for the value after the longest bar
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="sensitivity">',
        f"<title>{html.escape(f'{measure} of each setting for {figure}')}</title>",
        f'<text x="4" y="16" font-size="13" font-weight="bold">{html.escape(figure)}: {measure}</text>',
    ]
    for row, index in enumerate(indices):
        y = top + row * (bar_height + gap)
        value = index.value if math.isfinite(index.value) else 0.0
        length = max(value * scale, 0.0)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 13}" font-size="12" text-anchor="end">'
            f"{html.escape(index.key)}</text>"
        )
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="#4c78a8">'
            f"<title>{html.escape(index.key)}: {measure} {value:.4g} ± {index.confidence:.3g}</title></rect>"
        )
        end = label_width + length
        if math.isfinite(index.confidence):
            low = label_width + max(value - index.confidence, 0) * scale
            high = end = label_width + (value + index.confidence) * scale
            middle = y + bar_height / 2
            parts.append(f'<line x1="{low:.1f}" y1="{middle}" x2="{high:.1f}" y2="{middle}" stroke="#222"/>')
        parts.append(
            f'<text x="{max(end, label_width + length) + 4:.1f}" y="{y + 13}" font-size="11">'
            f"{value:.3g}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
