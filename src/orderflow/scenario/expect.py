"""``expect``: a recursive subset match of a pattern against the typed snapshot.

Objects match when every key the pattern names matches (``null`` matches an absent key too); lists
match when the pattern's items match, in order, some of the snapshot's items (a subsequence);
leaves match when equal, so amounts compare as decimals and times as instants.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from .durations import format_instant


def _show(value: object) -> str:
    if isinstance(value, datetime):
        return format_instant(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {_show(item)}" for key, item in value.items()) + "}"
    return "null" if value is None else str(value)


def mismatches(pattern: object, actual: object, path: str = "") -> list[str]:
    """Why ``actual`` does not match ``pattern``, one line per difference; empty when it matches."""
    if isinstance(pattern, Mapping):
        if not isinstance(actual, Mapping):
            return [f"{path}: expected an object, got {_show(actual)}"]
        found: list[str] = []
        for key, expected in pattern.items():
            where = f"{path}.{key}" if path else key
            if key in actual:
                found += mismatches(expected, actual[key], where)
            elif expected is not None:
                found.append(f"{where}: expected {_show(expected)}, but it is absent")
        return found
    if isinstance(pattern, list):
        if not isinstance(actual, Sequence):
            return [f"{path}: expected a list, got {_show(actual)}"]
        return _subsequence(pattern, actual, path)
    if pattern == actual:
        return []
    return [f"{path}: expected {_show(pattern)}, got {_show(actual)}"]


def _subsequence(pattern: list[object], actual: Sequence[object], path: str) -> list[str]:
    """Each expected item matched to the first item after the previous match (greedy is exact)."""
    position = 0
    for number, expected in enumerate(pattern):
        position = next(
            (i + 1 for i in range(position, len(actual)) if not mismatches(expected, actual[i])), -1
        )
        if position < 0:
            return [
                f"{path}[{number}]: nothing matches {_show(expected)} (in order) among {len(actual)} items"
            ]
    return []
