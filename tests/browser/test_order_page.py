"""The order page (``orderflow page``) in a real Chromium: every example scenario in English and
French shows its timeline, its money table and the current guidance, with no console error, in
heading order, with a lang attribute; a screenshot of each is kept under build/screenshots/."""

from __future__ import annotations

from datetime import datetime, timezone
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from browser.conftest import screenshot
from orderflow.copy.page import page_html
from orderflow.scenario import load, run

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.json"))
#: The seed page's moment: just after the seller refused the revision.
SEED_MOMENT = datetime(2026, 1, 6, 11, tzinfo=timezone.utc)


def _pages() -> list[Any]:
    cases = [pytest.param(path, None, "seller", id=path.stem) for path in EXAMPLES]
    cases.append(pytest.param(EXAMPLES[-1], SEED_MOMENT, "seller", id="seed-at-refusal"))
    return cases


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize(("path", "now", "role"), _pages())
def test_the_order_page_renders_its_story(
    page: Any, tmp_path: Path, path: Path, now: datetime | None, role: str, lang: str
) -> None:
    result = run(load(path))
    html = tmp_path / "page.html"
    html.write_text(page_html(result.events, role, now, lang), encoding="utf-8")
    page.goto(html.as_uri())

    assert page.locator("html").get_attribute("lang") == lang
    events = [e for e in result.events if now is None or e.at <= now]
    assert page.locator("#timeline tbody tr").count() == len(events)
    assert page.locator("#money tbody tr").count() == len(events)
    assert page.locator("#money tbody td.amount").first.inner_text().strip()
    assert page.locator("#guidance h3").count() >= 1
    assert page.locator("#deadlines").inner_text().strip()
    levels = [
        int(tag[1]) for tag in page.eval_on_selector_all("h1, h2, h3", "els => els.map(e => e.tagName)")
    ]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in pairwise(levels))  # no level skipped
    assert page.console_errors == []
    name = f"order-page-{path.stem}{'-at-refusal' if now else ''}-{lang}"
    assert screenshot(page, name).stat().st_size > 0


def test_the_seed_moment_shows_the_buyers_two_possibilities_in_french(page: Any, tmp_path: Path) -> None:
    result = run(load(EXAMPLES[-1]))
    html = tmp_path / "page.html"
    html.write_text(page_html(result.events, "seller", SEED_MOMENT, "fr"), encoding="utf-8")
    page.goto(html.as_uri())
    told = page.locator("#guidance").inner_text().replace("\u00a0", " ").replace("\u202f", " ")
    assert "Votre acheteur a maintenant 2 possibilités et 7 jours pour prendre une décision" in told
    status = page.locator("#deadlines td.status-coming").first.inner_text()
    assert status.startswith("À venir, dans 7 jours")  # said in words, not only in colour
