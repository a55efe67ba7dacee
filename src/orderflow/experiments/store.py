"""An experiment's output directory: one Parquet file per finished cell, and a manifest.

Layout::

    DIR/manifest.json                      inputs, arms (settings and hash), seeds, runs with versions
    DIR/cells/<settings hash>/<seed>.parquet   one finished cell: columns figure, value
    DIR/cells/<settings hash>/<seed>.rows.parquet  its rows, if it has any (one per seller ...)

A cell's *settings hash* is the SHA-256 of the canonical JSON of the experiment's shared inputs
and its arm's settings: the file of a cell can only be found again by the same inputs. Each file
is written to a temporary name and renamed once complete (an atomic step on POSIX), so a run
killed at any instant leaves finished cells whole and nothing half-written under a cell's name;
its schema metadata repeats the arm, seed, settings hash, CPU seconds and the orderflow version
that computed it.

``Store.open`` accepts a directory that does not exist or is empty (and creates it), or one
whose manifest has the same shared inputs and gives every arm of the same name the same
settings: then the finished cells are reused and arms or seeds may be added (enlarging an
experiment). Anything else is ``ForeignDirectory``, raised before a byte is written. The
manifest lists every run (its start, arms, seeds and the versions of orderflow, Python and the
libraries), so that a directory says how it was made.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]

from ..domain.errors import IntegrityError, InvalidArgument
from .streaming import Cell, Finished

#: The manifest's format: a directory of another format is not read.
FORMAT = "orderflow-experiment-store/1"
MANIFEST = "manifest.json"
_LIBRARIES = ("orderflow", "attrs", "numpy", "scipy", "pyarrow", "pandas", "SALib")


class ForeignDirectory(InvalidArgument):
    """The output directory holds something other than this experiment's cells: another
    experiment's (other inputs, or an arm of the same name with other settings), or files that are
    not an experiment's. Nothing in it was changed."""

    def __init__(self, directory: Path, problem: str) -> None:
        self.directory, self.problem = directory, problem
        super().__init__(f"{directory}: {problem}")


def canonical(value: Any) -> str:
    """``value`` as canonical JSON: sorted keys, no spaces (what is hashed)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def settings_hash(inputs: Mapping[str, Any], arm: Any) -> str:
    """The hash naming a cell's settings: the shared inputs and its arm's settings."""
    return hashlib.sha256(canonical({"inputs": inputs, "arm": arm}).encode()).hexdigest()


def versions() -> dict[str, str]:
    """The versions of Python, orderflow and the libraries an experiment's figures depend on."""
    found = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


class Store:
    """The finished cells of one experiment in a directory (see the module's docstring)."""

    def __init__(self, directory: Path, manifest: dict[str, Any]) -> None:
        self.directory, self.manifest = directory, manifest

    @classmethod
    def open(
        cls, directory: Path, inputs: Mapping[str, Any], arms: Mapping[str, Any], seeds: Sequence[int]
    ) -> Store:
        """The store in ``directory`` for an experiment of these shared ``inputs`` and ``arms`` (name →
        settings, JSON-ready), to run under ``seeds``; ``ForeignDirectory`` if it holds another's."""
        inputs = json.loads(canonical(inputs))
        described = {name: json.loads(canonical(settings)) for name, settings in arms.items()}
        manifest = _existing(directory)
        if manifest is None:
            manifest = {"format": FORMAT, "inputs": inputs, "arms": {}, "seeds": [], "runs": []}
        else:
            _check_same(directory, manifest, inputs, described)
        for name, settings in described.items():
            manifest["arms"][name] = {"settings": settings, "hash": settings_hash(inputs, settings)}
        manifest["seeds"] = sorted({*manifest["seeds"], *seeds})
        manifest["runs"].append(
            {
                "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "arms": sorted(described),
                "seeds": sorted(set(seeds)),
                "versions": versions(),
            }
        )
        directory.mkdir(parents=True, exist_ok=True)
        _save(directory, manifest)
        for stale in directory.glob("cells/*/.*.tmp"):  # left by a run killed mid-write
            stale.unlink()
        return cls(directory, manifest)

    def note_seeds(self, seeds: Sequence[int]) -> None:
        """Record seeds chosen as the run went (adaptive rounds) in the manifest, for this run too."""
        self.manifest["seeds"] = sorted({*self.manifest["seeds"], *seeds})
        run = self.manifest["runs"][-1]
        run["seeds"] = sorted({*run["seeds"], *seeds})
        _save(self.directory, self.manifest)

    def path(self, cell: Cell) -> Path:
        """Where the cell's file is, finished or not."""
        return self.directory / "cells" / self._hash(cell) / f"{cell.seed}.parquet"

    def _hash(self, cell: Cell) -> str:
        arm = self.manifest["arms"].get(cell.arm)
        if arm is None:
            raise InvalidArgument(f"no arm named {cell.arm!r} in {self.directory / MANIFEST}")
        return str(arm["hash"])

    def read(self, cell: Cell, rows: bool = False) -> Finished | None:
        """The cell's figures (and rows, if asked) if it finished in an earlier run; None if it
        must be run (an unreadable file, say from a damaged disk, counts as not finished)."""
        path = self.path(cell)
        if not path.exists():
            return None
        try:
            table = pq.read_table(path)
            found_rows = _rows(path) if rows and about_rows(table) else ()
        except (OSError, pa.ArrowException):
            return None
        about = json.loads((table.schema.metadata or {}).get(b"orderflow", b"{}"))
        if about.get("settings_hash") != self._hash(cell) or about.get("seed") != cell.seed:
            raise IntegrityError(f"{path}: written for other settings or another seed than its name says")
        names, values = table.column("figure").to_pylist(), table.column("value").to_pylist()
        figures = dict(zip(names, values, strict=True))
        return Finished(figures, float(about.get("cpu_seconds", 0.0)), found_rows)

    def write(self, cell: Cell, finished: Finished) -> None:
        """Keep a finished cell: written whole under a temporary name, then renamed; its rows
        first, to a file of their own, so that a cell's figures file means the whole cell is there."""
        about = {
            "rows": len(finished.rows),
            "arm": cell.arm,
            "seed": cell.seed,
            "settings_hash": self._hash(cell),
            "cpu_seconds": finished.cpu_seconds,
            "orderflow": versions().get("orderflow", "unknown"),
        }
        table = pa.table(
            {
                "figure": pa.array(list(finished.figures), pa.string()),
                "value": pa.array(list(finished.figures.values()), pa.float64()),
            }
        ).replace_schema_metadata({"orderflow": canonical(about)})
        path = self.path(cell)
        path.parent.mkdir(parents=True, exist_ok=True)
        if finished.rows:
            _write(pa.Table.from_pylist([dict(row) for row in finished.rows]), _rows_path(path))
        _write(table, path)

    def finished(self) -> Iterator[Cell]:
        """Every finished cell of the arms the manifest knows, arm by arm, seed by seed."""
        for name, arm in sorted(self.manifest["arms"].items()):
            folder = self.directory / "cells" / arm["hash"]
            found = folder.glob("*.parquet") if folder.is_dir() else ()
            seeds = sorted(int(path.stem) for path in found if path.stem.isdigit())
            yield from (Cell(name, seed) for seed in seeds)

    def table(self) -> pa.Table:
        """Every finished cell as one tidy table: arm, seed, figure, value (``.to_pandas()``)."""
        columns: dict[str, list[Any]] = {"arm": [], "seed": [], "figure": [], "value": []}
        for cell in self.finished():
            found = self.read(cell)
            if found is None:
                continue
            for figure, value in found.figures.items():
                columns["arm"].append(cell.arm)
                columns["seed"].append(cell.seed)
                columns["figure"].append(figure)
                columns["value"].append(value)
        schema = pa.schema(
            [("arm", pa.string()), ("seed", pa.int64()), ("figure", pa.string()), ("value", pa.float64())]
        )
        return pa.table(columns, schema)


def _existing(directory: Path) -> dict[str, Any] | None:
    """The manifest in ``directory``; None for a directory to create or an empty one."""
    if not directory.exists():
        return None
    if not directory.is_dir():
        raise ForeignDirectory(directory, "exists and is not a directory")
    manifest = directory / MANIFEST
    if not manifest.exists():
        if any(
            not (entry.name.startswith(".") and entry.name.endswith(".tmp")) for entry in directory.iterdir()
        ):
            raise ForeignDirectory(directory, f"not empty, and no {MANIFEST}: not an experiment's output")
        return None
    try:
        found = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ForeignDirectory(directory, f"{MANIFEST} cannot be read: {error}") from None
    if not isinstance(found, dict) or found.get("format") != FORMAT:
        raise ForeignDirectory(directory, f"{MANIFEST} is not of format {FORMAT}")
    return found


def _check_same(directory: Path, manifest: Mapping[str, Any], inputs: Any, arms: Mapping[str, Any]) -> None:
    difference = _difference(manifest["inputs"], inputs, "")
    if difference is not None:
        raise ForeignDirectory(directory, f"written by another experiment: {difference}")
    for name, settings in arms.items():
        known = manifest["arms"].get(name)
        if known is not None and (difference := _difference(known["settings"], settings, "")) is not None:
            raise ForeignDirectory(directory, f"written by another experiment: arm {name!r}, {difference}")


def _difference(before: Any, now: Any, path: str) -> str | None:
    """The first setting in which ``now`` differs from ``before``, in words; None if equal."""
    if isinstance(before, dict) and isinstance(now, dict):
        for key in sorted({*before, *now}):
            where = f"{path}.{key}" if path else str(key)
            if key not in before:
                return f"{where} is new"
            if key not in now:
                return f"{where} is missing"
            found = _difference(before[key], now[key], where)
            if found is not None:
                return found
        return None
    if before != now:
        return f"{path or 'inputs'} was {canonical(before)}, now {canonical(now)}"
    return None


def about_rows(table: pa.Table) -> int:
    """How many rows the cell of this figures table has in its rows file."""
    return int(json.loads((table.schema.metadata or {}).get(b"orderflow", b"{}")).get("rows", 0))


def _rows_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.rows.parquet")


def _rows(path: Path) -> tuple[dict[str, Any], ...]:
    return tuple(pq.read_table(_rows_path(path)).to_pylist())


def _write(table: pa.Table, path: Path) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, temporary)
    os.replace(temporary, path)


def _save(directory: Path, manifest: Mapping[str, Any]) -> None:
    _replace(directory / MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())


def _replace(path: Path, content: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(content)
    os.replace(temporary, path)
