"""The harness itself: a self-contained page renders, and one that reaches the network fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from browser.conftest import screenshot


def test_a_self_contained_page_renders_with_no_console_error(page: Any, tmp_path: Path) -> None:
    html = tmp_path / "page.html"
    html.write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head>'
        "<body><h1>Hello</h1><svg width='40' height='40'><rect width='40' height='40'/></svg></body></html>",
        encoding="utf-8",
    )
    page.goto(html.as_uri())
    assert page.locator("h1").inner_text() == "Hello"
    assert page.console_errors == []
    assert screenshot(page, "harness").stat().st_size > 0


def test_a_page_that_needs_the_network_shows_a_console_error(page: Any, tmp_path: Path) -> None:
    html = tmp_path / "cdn.html"
    html.write_text(
        '<!doctype html><html lang="en"><head><script src="https://cdn.example.org/x.js"></script>'
        "</head><body></body></html>",
        encoding="utf-8",
    )
    page.goto(html.as_uri())
    assert page.console_errors  # the blocked script is reported, so a CDN cannot slip in
