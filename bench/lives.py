"""Replay N lives of every benchmark path through orderflow: a steady load to count instructions.

Wall-clock figures on a shared virtual machine drift; instruction counts do not, once string
hashes and addresses are fixed (``PYTHONHASHSEED=0``, ``setarch -R``). Compare two versions of
orderflow with::

    export PYTHONHASHSEED=0
    setarch -R valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python bench/lives.py 0
    setarch -R valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python bench/lives.py 200

(the difference of the two "Collected" totals, divided by 1,200 lives, is the cost of a life).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the ``bench`` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.baselines import PATHS
from bench.bench_core import Orderflow, life


def main(lives: int) -> None:
    subject = Orderflow()
    plans = [subject.plan(path) for path in PATHS.values()]
    for serial in range(lives):
        for plan in plans:
            life(subject, plan, serial)


if __name__ == "__main__":
    main(int(sys.argv[1]))
