"""PNG charts of simulation reports (matplotlib, from the ``charts`` extra), one column per report.

``write_charts`` draws outcomes by final state, money by account and the distribution of the time
from payment to the end, each report side by side, and returns the files written.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from .report import Report

_ACCOUNTS = ("escrow_held", "refunded", "seller_credited", "platform_revenue")


def check_available() -> None:
    """Raise ImportError with what to install when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError("--charts needs matplotlib: pip install 'orderflow[charts]'") from None


def _bars(axes: Any, labels: Sequence[str], series: Sequence[Sequence[float]], titles: Sequence[str]) -> None:
    width = 0.8 / len(series)
    for index, (values, name) in enumerate(zip(series, titles, strict=True)):
        axes.bar([x + index * width for x in range(len(labels))], values, width, label=name)
    axes.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(labels))], labels)
    axes.legend()


def write_charts(reports: Sequence[Report], titles: Sequence[str], directory: Path) -> list[Path]:
    """Write ``outcomes.png``, ``money.png`` and ``time_to_close.png`` into ``directory``."""
    check_available()
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    states = list(reports[0]["outcomes"])
    figure, axes = pyplot.subplots(figsize=(8, 4.5))
    _bars(axes, states, [[r["outcomes"][s]["percent"] for s in states] for r in reports], titles)
    axes.set_ylabel("% of orders placed")
    axes.set_title("Outcomes by final state")
    written.append(_save(figure, directory / "outcomes.png"))
    figure, axes = pyplot.subplots(figsize=(8, 4.5))
    money = [[float(Decimal(r["money"][a])) for a in _ACCOUNTS] for r in reports]
    _bars(axes, [a.replace("_", " ") for a in _ACCOUNTS], money, titles)
    axes.set_ylabel(reports[0]["money"]["currency"])
    axes.set_title("Where the money paid in went")
    written.append(_save(figure, directory / "money.png"))
    figure, axes = pyplot.subplots(figsize=(8, 4.5))
    for data, name in zip(reports, titles, strict=True):
        days = data["ended_by_days_to_close"][:30]
        axes.step(range(len(days)), days, where="post", label=name)
    axes.set_xlabel("days from payment to the end (first 30)")
    axes.set_ylabel("orders ended")
    axes.set_title("Time to close")
    axes.legend()
    written.append(_save(figure, directory / "time_to_close.png"))
    return written


def _save(figure: Any, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    figure.clear()
    from matplotlib import pyplot

    pyplot.close(figure)
    return path
