"""Replay N lives of every benchmark path through orderflow: a steady load to count instructions.

Wall-clock figures on a shared virtual machine drift; instruction counts do not, once string
hashes and addresses are fixed (``PYTHONHASHSEED=0``, ``setarch -R``). Compare two versions of
orderflow with::

    export PYTHONHASHSEED=0
    setarch -R valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python bench/lives.py 0
    setarch -R valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python bench/lives.py 200

(the difference of the two "Collected" totals, divided by 1,200 lives, is the cost of a life).
A second argument names another subject of ``bench_core`` to count the same way, side by side:
``faq`` (transitions as its FAQ advises), ``naive`` (a Machine per order), ``prototype``
(bench/core_prototype.py), ``frozen`` (the prototype with its values frozen,
bench/core_prototype_frozen.py) or ``floor`` (bench/values_floor.py); the default is ``orderflow``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the ``bench`` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.baselines import PATHS, NaiveTransitions
from bench.bench_core import (
    ARGUMENTS,
    PAID_AT,
    STEP,
    Adapted,
    Orderflow,
    SharedTransitions,
    Subject,
    host_placement,
    life,
)
from bench.core_prototype import Prototype
from bench.core_prototype_frozen import FrozenPrototype
from bench.values_floor import ValuesFloor


def _faq() -> Subject:
    return Adapted("transitions (FAQ)", SharedTransitions())


def _naive() -> Subject:
    return Adapted("transitions (naive)", NaiveTransitions())


def _prototype() -> Subject:
    return Prototype(ARGUMENTS, PAID_AT, STEP, host_placement)


def _frozen() -> Subject:
    return FrozenPrototype(ARGUMENTS, PAID_AT, STEP, host_placement)


def _floor() -> Subject:
    return ValuesFloor(Orderflow())


SUBJECTS: dict[str, Callable[[], Subject]] = {
    "orderflow": Orderflow,
    "faq": _faq,
    "naive": _naive,
    "prototype": _prototype,
    "frozen": _frozen,
    "floor": _floor,
}


def main(lives: int, name: str = "orderflow") -> None:
    subject: Subject = SUBJECTS[name]()
    plans = [subject.plan(path) for path in PATHS.values()]
    for plan in plans:  # a warm-up life per path, in every run (N=0 too): first-call costs cancel out
        life(subject, plan, -1)
    for serial in range(lives):
        for plan in plans:
            life(subject, plan, serial)


if __name__ == "__main__":
    main(int(sys.argv[1]), *sys.argv[2:3])
