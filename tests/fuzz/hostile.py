"""Hostile values for the fuzz suite: what an attacker puts where a field is expected.

Each strategy mixes the kinds the issue found crashing or silently accepted (huge and negative
numbers, non-finite numbers, other scripts' digits, lone surrogates, NUL and control characters,
long strings, instants at the ends of the calendar, durations past ``timedelta.max``, deep
nesting, wrong types) with ordinary values, so that a mutation also lands near valid input.
"""

from __future__ import annotations

import copy
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: ``ORDERFLOW_FUZZ_SCALE=20`` multiplies every fuzz test's examples (a long hunt, not CI's run).
SCALE = int(os.environ.get("ORDERFLOW_FUZZ_SCALE", "1"))


def bounded(examples: int) -> settings:
    """The fuzz suite's settings: ``examples`` per test in CI (times ``SCALE``), no deadline."""
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


_STRINGS = [
    "",
    " ",
    "\x00",
    "o\x00",
    "\ud800",
    "a\udfff",
    "\n",
    "\u202e",
    "x" * 10_001,
    "٤٠.٠٠",  # noqa: RUF001 - the point: Arabic-Indic digits
    "４０.00",  # noqa: RUF001 - the point: fullwidth digits
    "40.001",
    "-40.00",
    "1E+30",
    "NaN",
    "Infinity",
    "1" + "0" * 40,
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:30:00+01:00",
    "9999-12-31T00:00:00Z",
    "2026-01-03T10:00:00.123456789Z",
    "2026-01-03T10:00:00",
    "P9999999999D",
    "P999999999D",
    "PT99999999999H",
    "XYZ",
    "euro",
    "JPY",
    "KWD",
]
_NUMBERS: list[Any] = [0, -1, -5, 1, 5, 99, 3651, 10**12, 10**100, -(10**100), 1e400, -1e400, 0.5, 1e300]


def scalars() -> st.SearchStrategy[Any]:
    """One hostile leaf."""
    return st.one_of(
        st.sampled_from(_STRINGS),
        st.sampled_from(_NUMBERS),
        st.none(),
        st.booleans(),
        st.text(max_size=12),
        st.integers(),
        st.floats(),
    )


def values() -> st.SearchStrategy[Any]:
    """A hostile JSON-like value: a leaf, or a small list or object of them, or a deep nesting."""
    deep = st.integers(100, 600).map(_nested)  # json.dumps itself stops near 1000
    return st.one_of(
        scalars(),
        st.lists(scalars(), max_size=3),
        st.dictionaries(st.sampled_from(["a", "amount", "currency", "at", "\x00"]), scalars(), max_size=3),
        deep,
    )


def _nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``data`` (keys of objects, indexes of lists), 8 levels deep."""
    found = [prefix] if prefix else []
    if len(prefix) >= 8:
        return found
    if isinstance(data, dict):
        for key, item in data.items():
            found += paths(item, (*prefix, key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            found += paths(item, (*prefix, index))
    return found


@st.composite
def mutations(draw: st.DrawFn, data: Any, most: int = 3) -> Any:
    """``data`` with 1 to ``most`` values replaced (or keys added) by hostile ones."""
    changed = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, most))):
        where = draw(st.sampled_from(paths(changed)))
        *parents, last = where
        target = changed
        for key in parents:
            target = target[key]
        if draw(st.booleans()) or not isinstance(target, dict):
            target[last] = draw(values())
        else:
            target[draw(st.sampled_from(["extra", "\ud800", ""]))] = draw(values())
    return changed
