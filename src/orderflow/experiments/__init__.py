"""``orderflow.experiments``: what-if questions answered over many seeds, with intervals.

An ``Experiment`` is settings, arms (a baseline and variants: changes to policy, behaviour and
segments) and seeds; ``run(experiment)`` runs every arm under every seed (common random
numbers: a seed gives every arm the same arrivals, parties, segments and per-order draws) and
returns ``Results``: each figure's mean and 95 % interval per arm, each variant's paired
difference from the baseline, a headline, and tables for pandas. ``orderflow experiment`` is the
same from the command line. See docs/experiments.md.

    >>> from orderflow.experiments import Arm, Experiment, run
    >>> experiment = Experiment(
    ...     settings={"market": {"orders": 300}},
    ...     arms=(Arm("7 days"), Arm("3 days", (("policy.review_decision_window", 3),))),
    ...     seeds=(1, 2, 3),
    ... )
    >>> results = run(experiment)
    >>> results.difference("3 days", "outcomes.completed.percent").n
    3
"""

from .arms import Arm, Experiment, InvalidExperiment, build, from_table, read
from .cells import Cell, CellResult, SellerRow, run_cell
from .results import Results
from .running import cells_of, run
from .statistics import Interval, interval, paired

__all__ = [
    "Arm",
    "Cell",
    "CellResult",
    "Experiment",
    "Interval",
    "InvalidExperiment",
    "Results",
    "SellerRow",
    "build",
    "cells_of",
    "from_table",
    "interval",
    "paired",
    "read",
    "run",
    "run_cell",
]
