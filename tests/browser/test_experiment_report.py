"""The experiment's HTML report in a real browser: charts and tables render offline, no error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from browser.conftest import screenshot
from orderflow.cli import main

SEGMENTS = [
    "--set", "seller.segments.slow.share=0.2",
    "--set", "seller.segments.slow.on_time_probability=0.4",
    "--set", 'seller.segments.usual.share="rest"',
]  # fmt: skip


def test_the_report_renders_its_charts_and_tables_offline(page: Any, tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    status = main(
        ["experiment", "--vary", "seller.on_time_probability=0.7,0.8,0.9", "--set", "market.orders=400",
         *SEGMENTS, "--seeds", "3", "--html", str(html), "--json"]
    )  # fmt: skip
    assert status == 0
    page.goto(html.as_uri())
    assert "Experiment: on_time_probability=0.7" in page.locator("h1").inner_text()
    assert page.locator(".headline li").count() == 2  # one line per variant
    charts = page.locator("svg.chart")
    assert charts.count() >= 16 + 2  # a chart per key figure, a difference chart per variant
    assert page.locator("svg.sweep").count() >= 10  # a sweep over numbers: lines with their bands
    box = charts.first.bounding_box()
    assert box is not None
    assert box["width"] > 300
    assert box["height"] > 50
    tables = page.locator("table.figures")
    assert tables.count() == 3  # all orders, then each seller segment
    assert (
        page.locator('table[data-segment="seller:slow"] tr:not(.group) td').first.inner_text()
        == "completed orders"
    )
    assert "seller.segments.slow.share" in page.locator("table.settings").inner_text()  # the inputs
    assert '"sweep": "seller.on_time_probability"' in page.locator("pre").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1200  # wide tables scroll inside
    assert page.console_errors == []
    assert screenshot(page, "experiment-report").stat().st_size > 10_000
