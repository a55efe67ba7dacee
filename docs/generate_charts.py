"""Regenerate the worked example of docs/simulation.md: its report and its charts in docs/img/.

Runs ``orderflow simulate`` with the embedded defaults, the comeup policy with a 3-day review
window next to comeup itself, prints the table that docs/simulation.md quotes and writes the PNG
charts (needs the ``charts`` extra: ``.venv/bin/pip install -e '.[charts]'``)::

    .venv/bin/python docs/generate_charts.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from orderflow.cli import main

EXAMPLE = ["simulate", "--set", "policy.review_decision_window=3", "--compare-policy", "comeup"]

if __name__ == "__main__":
    sys.exit(main([*EXAMPLE, "--charts", str(Path(__file__).parent / "img")]))
