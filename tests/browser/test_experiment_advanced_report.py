"""The report's precision, best-arm, manifest and sensitivity sections in a real browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from browser.conftest import screenshot
from orderflow.cli import main

WINDOW = [
    "experiment",
    "--set",
    "market.orders=200",
    "--seeds",
    "3",
    "--vary",
    "policy.review_decision_window=7,3",
]


def test_the_precision_and_manifest_sections_render(page: Any, tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    precision = ["--precision", "outcomes.completed.percent=0.8", "--precision", "money.refunded=80"]
    assert main([*WINDOW, *precision, "--out", str(tmp_path / "out"), "--html", str(html), "--json"]) == 0
    page.goto(html.as_uri())
    rows = page.locator("table.precision tbody tr")
    assert rows.count() == 2
    assert rows.first.locator("td").last.inner_text() in ("met", "not met")
    assert "targets met" in page.locator("#precision .note").inner_text()
    assert page.locator("table.runs tbody tr").count() == 1
    assert "orderflow" in page.locator("#manifest pre").inner_text()
    assert page.console_errors == []
    assert screenshot(page, "experiment-precision").stat().st_size > 10_000


def test_the_best_arm_section_renders(page: Any, tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    best = ["--best", "hours_to_close.mean:min", "--indifference", "2"]
    assert main([*WINDOW, *best, "--html", str(html), "--json"]) == 0
    page.goto(html.as_uri())
    assert "has the lowest hours_to_close.mean" in page.locator("#selection .note").inner_text()
    assert page.locator("table.selection tbody tr").count() == 2
    assert page.console_errors == []


def test_the_sensitivity_page_charts_each_figure(page: Any, tmp_path: Path) -> None:
    html = tmp_path / "sensitivity.html"
    ranges = [
        "--sensitivity",
        "seller.on_time_probability=0.5:0.95",
        "--sensitivity",
        "buyer.dispute_probability=0.1:0.5",
    ]
    assert (
        main(
            [
                "experiment",
                "--set",
                "market.orders=150",
                *ranges,
                "--samples",
                "2",
                "--html",
                str(html),
                "--json",
            ]
        )
        == 0
    )
    page.goto(html.as_uri())
    charts = page.locator("svg.sensitivity")
    assert charts.count() == 3  # completion, refunds, seller income
    box = charts.first.bounding_box()
    assert box is not None
    assert box["width"] > 300
    assert charts.first.locator("rect").count() == 2
    assert page.locator(".sensitivity-top li").count() == 3
    assert page.console_errors == []
    assert screenshot(page, "experiment-sensitivity").stat().st_size > 5_000
