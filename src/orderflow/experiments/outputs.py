"""An experiment's results as a terminal table, JSON, and tidy CSV (and Parquet) files.

Every output is made whole in memory first and then written atomically (a temporary file or
directory beside the target, renamed into place), so a failure leaves nothing half written.
The tables are tidy, one value per row, and load straight into pandas or polars:
``figures`` (arm, seed, segment, figure, value), ``sellers`` (arm, seed, seller, segment, orders
and rates), ``summary`` and ``differences`` (arm, segment, figure, mean, low, high, n,
excludes_zero).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import figures as words
from .results import SELLER_COLUMNS, STATISTIC_COLUMNS, Results
from .statistics import Interval


def json_text(results: Results, extra: dict[str, Any] | None = None) -> str:
    """The results as JSON, keys in a fixed order: the same inputs give the same bytes; ``extra``
    keys (precision reached, best arm: ``cli.experiment_advanced``) after them."""
    return json.dumps({**results.data(), **(extra or {})}, indent=2, ensure_ascii=False, allow_nan=False)


def text(results: Results) -> str:
    """The headline, then each key figure per arm (mean and interval) and each variant's
    difference, for all orders and for each segment; then the inputs."""
    experiment, currency = results.experiment, results.currency
    baseline = experiment.baseline.name
    header = [
        "",
        *(arm.name for arm in results.arms),
        *(f"{arm.name} - {baseline}" for arm in results.variants),
    ]
    lines = [*results.headline(), ""]
    seeds = experiment.seeds
    lines.append(
        f"mean over {len(seeds)} seeds with its 95 % interval; differences paired seed by seed "
        "(* : the interval excludes 0)"
    )
    for segment in [None, *results.segments]:
        rows: list[list[str]] = [header]
        for group, keys in words.GROUPS.items():
            rows.append([group if segment is None else f"{group} ({segment} segment)"])
            for key in keys:
                row = [f"  {key.label}"]
                for arm in results.arms:
                    found = results.summary(arm.name, key.figure, segment)
                    row.append(_cell(found, key.unit, currency, signed=False))
                for arm in results.variants:
                    found = results.difference(arm.name, key.figure, segment)
                    mark = " *" if found is not None and found.excludes_zero else ""
                    row.append(_cell(found, key.unit, currency, signed=True) + mark)
                rows.append(row)
        lines.extend(["", *_table(rows)])
    inputs = experiment.inputs()
    lines.extend(
        [
            "",
            "inputs",
            f"  policy {inputs['policy']} (version {inputs['policy_version']})",
            f"  orderflow {inputs['orderflow']}",
            f"  seeds {_seeds(seeds)}",
            f"  settings {json.dumps(inputs['settings'], ensure_ascii=False)}",
            *(f"  arm {arm['name']}: {json.dumps(arm['set'], ensure_ascii=False)}" for arm in inputs["arms"]),
        ]
    )
    return "\n".join(lines)


def _cell(found: Interval | None, unit: str, currency: str, signed: bool) -> str:
    if found is None:
        return "-"
    mean = words.value(found.mean, unit, currency, signed)
    return f"{mean} ({words.interval(found.low, found.high, unit, currency, signed)})"


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    columns = max(len(row) for row in rows)
    widths = [max(len(row[i]) for row in rows if i < len(row) and len(row) > 1) for i in range(columns)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip()
        for row in rows
    ]


def _seeds(seeds: Sequence[int]) -> str:
    if list(seeds) == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]} to {seeds[-1]}"
    return ", ".join(map(str, seeds))


# Files ------------------------------------------------------------------------------------------


def tables(results: Results) -> dict[str, tuple[Sequence[str], list[tuple[Any, ...]]]]:
    """The tidy tables by name: columns and rows."""
    return {
        "figures": (("arm", "seed", "segment", "figure", "value"), list(results.figure_rows())),
        "sellers": (SELLER_COLUMNS, results.seller_rows()),
        "summary": (STATISTIC_COLUMNS, results.statistic_rows("summary")),
        "differences": (STATISTIC_COLUMNS, results.statistic_rows("differences")),
    }


def parquet_available() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def write_tables(results: Results, directory: Path) -> list[Path]:
    """Write each table as ``NAME.csv`` (and ``NAME.parquet`` with pyarrow) into ``directory``,
    which must not exist or be empty; all or nothing."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise FileExistsError(17, "exists and is not an empty directory", str(directory))
    made = tables(results)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        for name, (columns, rows) in made.items():
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(["" if value is None else value for value in row] for row in rows)
            (staging / f"{name}.csv").write_text(buffer.getvalue(), encoding="utf-8")
            if parquet_available():
                _parquet(staging / f"{name}.parquet", columns, rows)
        if directory.exists():
            directory.rmdir()
        os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(directory.iterdir())


def _parquet(path: Path, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    import pyarrow
    import pyarrow.parquet

    table = pyarrow.Table.from_pydict({name: [row[i] for row in rows] for i, name in enumerate(columns)})
    pyarrow.parquet.write_table(table, path)


def write_file(path: Path, content: str) -> None:
    """Write ``content`` to ``path`` atomically: a temporary file beside it, renamed into place."""
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(content)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
