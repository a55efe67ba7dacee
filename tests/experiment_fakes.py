"""Cheap stand-ins for experiment cells: pure functions of (settings, seed) with known effects.

A fake run's figures are a common part drawn from the seed alone (what common random numbers
share between arms) plus an arm's own noise, so paired differences are far less noisy than the
figures. ``settings`` is a mapping: ``effect`` (added to completion), ``noise`` (the arm's own
deviation), ``salt`` (its own stream), and optionally ``log`` (a file each run appends to),
``sleep`` (seconds), ``fail_seeds`` (seeds that raise) and ``fail_once`` (a file: fail the first
attempt of each cell).
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

FIGURES = ("completed_percent", "refunded_eur", "completed_percent@slow", "hours_to_close_mean")


def fake_cell(settings: Mapping[str, Any], seed: int) -> dict[str, float]:
    """The figures of one fake run: deterministic in (settings, seed)."""
    common = random.Random(seed)
    own = random.Random(f"{settings.get('salt', '')}/{seed}")
    noise = float(settings.get("noise", 0.05))
    shared = common.gauss(0, 2.0)
    completed = 85 + shared + float(settings.get("effect", 0.0)) + own.gauss(0, noise)
    log = settings.get("log")
    if log is not None:
        with open(log, "a", encoding="utf-8") as file:
            file.write(f"{settings.get('salt', '')} {seed} {os.getpid()}\n")
    if settings.get("sleep"):
        time.sleep(float(settings["sleep"]))
    if settings.get("spin"):  # CPU time, whatever the machine's speed: a cell of known cost
        until = time.process_time() + float(settings["spin"])
        while time.process_time() < until:
            pass
    if seed in settings.get("fail_seeds", ()):
        raise RuntimeError(f"seed {seed} always fails")
    marker = settings.get("fail_once")
    if marker is not None:
        flag = Path(marker) / f"{settings.get('salt', '')}-{seed}"
        if not flag.exists():
            flag.write_text("failed once")
            raise RuntimeError(f"seed {seed} fails on its first attempt")
    return {
        "completed_percent": completed,
        "refunded_eur": 1000 - 10 * completed + own.gauss(0, 5 * noise),
        "completed_percent@slow": completed - 5 + own.gauss(0, 4 * noise),
        "hours_to_close_mean": 40 + common.gauss(0, 3) + float(settings.get("hours", 0.0)),
    }


def response_cell(settings: Mapping[str, Any], seed: int) -> dict[str, float]:
    """A known response surface for sensitivity: y = 10·a + 1·b + 0·c (+ a little seed noise)."""
    noise = random.Random(seed).gauss(0, 0.01)
    a, b, c = (float(settings[key]) for key in ("x.a", "x.b", "x.c"))
    return {"y": 10 * a + b + 0 * c + noise, "z": math.sin(b) + noise}


def wide_cell(settings: Mapping[str, Any], seed: int) -> dict[str, float]:
    """A run with many figures (``settings["figures"]`` of them), to weigh what is kept."""
    return {f"figure_{index}": float(seed * index) for index in range(int(settings["figures"]))}


def simulation_cell(settings: Mapping[str, Any], seed: int) -> dict[str, float]:
    """A real simulation run: ``settings`` holds dotted overrides (``seller.x``) of the defaults."""
    from orderflow.domain.policy import COMEUP
    from orderflow.simulation import config
    from orderflow.simulation.engine import Setup, simulate
    from orderflow.simulation.report import report

    loaded = config.parse({}, dict(settings))
    run = report(simulate(Setup(seed, loaded.market, loaded.behaviour, loaded.policy(COMEUP))))
    money = run["money"]
    return {
        "completed_percent": run["outcomes"]["completed"]["percent"],
        "late_delivery_percent": run["rates"]["late_delivery_percent"],
        "dispute_percent": run["rates"]["dispute_percent"],
        "refunded": float(money["refunded"]),
        "seller_credited": float(money["seller_credited"]),
    }
