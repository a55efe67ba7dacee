"""Regenerate the answers of docs/experiments.md: both experiments, their text, and their charts.

Runs the two questions with the embedded defaults (10,000 orders, 10 seeds) and a sweep, writes
each one's text and HTML report under ``build/docs/``, and keeps a PNG of each report's difference
chart (the sweep's first line) in ``docs/img/`` (a screenshot by Debian's ``chromium`` through
Playwright, the ``browser`` extra)::

    .venv/bin/python docs/generate_experiments.py [--workers 2]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path

from orderflow.cli import main

ROOT = Path(__file__).parents[1]
QUESTIONS = {
    "slow-sellers": ["experiment", str(ROOT / "examples" / "slow-sellers.toml")],
    "review-window": ["experiment", "--vary", "policy.review_decision_window=7,3"],
    "on-time-sweep": [
        "experiment",
        "--vary",
        "seller.on_time_probability=0.6,0.7,0.8,0.9",
        "--set",
        "market.orders=2000",
    ],
}
#: The chart each page's screenshot keeps: the first difference chart, or the first sweep line.
CHARTS = {"on-time-sweep": "svg.sweep"}
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def run(name: str, command: list[str], workers: int, out: Path) -> Path:
    page = out / f"{name}.html"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = main([*command, "--workers", str(workers), "--html", str(page)])
    if status:
        sys.exit(f"{name}: exit status {status}")
    (out / f"{name}.txt").write_text(printed.getvalue(), encoding="utf-8")
    print(printed.getvalue().splitlines()[0])
    return page


def screenshot(page: Path, target: Path, chart: str = "svg.chart") -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        try:
            opened = browser.new_page(viewport={"width": 1200, "height": 900}, device_scale_factor=1.5)
            opened.goto(page.resolve().as_uri())
            opened.locator(chart).first.screenshot(path=str(target))
        finally:
            browser.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    arguments = parser.parse_args()
    out = ROOT / "build" / "docs"
    out.mkdir(parents=True, exist_ok=True)
    for name, command in QUESTIONS.items():
        page = run(name, command, arguments.workers, out)
        screenshot(page, ROOT / "docs" / "img" / f"experiment-{name}.png", CHARTS.get(name, "svg.chart"))
