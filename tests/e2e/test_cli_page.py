"""``orderflow page``: an order's HTML page from a scenario file or from a SQLite database, and
its usage errors in one line (exit 2)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from orderflow import Accept, Deliver, Money, Placement, RequestRevision, Role
from orderflow.adapters.sqlite import SQLiteStorage
from orderflow.cli import main
from orderflow.service import OrderService
from orderflow.testing import FakeClock

SEED = str(Path(__file__).parents[2] / "examples" / "seed-revision-refused.json")


def page(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    status = main(["page", *arguments])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_scenario_files_page_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "page.html"
    status, out, err = page(capsys, SEED, "--as", "seller", "--lang", "fr", "-o", str(target))
    assert (status, out, err) == (0, "", "")
    html = target.read_text(encoding="utf-8")
    assert html.startswith('<!doctype html>\n<html lang="fr">')
    assert "<title>Commande logo-1042</title>" in html
    assert "Retouche refusée" in html
    assert "http" not in html  # nothing to fetch


def test_an_earlier_now_shows_the_order_as_it_was(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = page(capsys, SEED, "--as", "seller", "--now", "2026-01-06T12:00:00Z")
    assert status == 0
    assert "Your buyer now has 2 possibilities and has 6 days 23 hours to make a decision" in out
    assert "Review left" not in out  # the review came later


def _database(path: Path) -> None:
    storage = SQLiteStorage(path)
    storage.create_schema()
    clock = FakeClock(datetime(2026, 3, 2, 9, tzinfo=timezone.utc))
    service = OrderService(storage, clock)
    eur = Money("40.00", "EUR")
    placed = Placement(
        order_id="o-7", buyer="b-7", seller="s-7", price=eur, delivery_days=2,
        paid_at=clock.now(), platform_fee=Money("2.00", "EUR"),
    )  # fmt: skip
    service.place(placed, key="k-1")
    for step, command in enumerate((Accept(Role.SELLER), Deliver(Role.SELLER), RequestRevision(Role.BUYER))):
        clock.advance(hours=5)
        service.handle("o-7", command, key=f"k-{step + 2}")
    storage.close()


def test_a_stored_orders_page_is_read_from_sqlite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "orders.db"
    _database(database)
    now = (datetime(2026, 3, 2, 9, tzinfo=timezone.utc) + timedelta(days=1)).isoformat()
    status, out, err = page(
        capsys, "--sqlite", str(database), "--order", "o-7", "--as", "seller", "--now", now
    )
    assert (status, err) == (0, "")
    assert out.count("<tr><td>March ") == 8  # 4 events, in the timeline and the money table
    assert "Your buyer has asked you for a revision." in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((), "give either a SCENARIO_FILE or --sqlite PATH --order ID"),
        ((SEED, "--sqlite", "x.db"), "give either a SCENARIO_FILE or --sqlite PATH --order ID"),
        ((SEED, "--order", "o-1"), "--order is for --sqlite"),
        (("--sqlite", "missing.db", "--order", "o-1"), "missing.db: no such database file"),
        ((SEED, "--lang", "de"), "no catalog for language 'de'"),
        ((SEED, "--now", "yesterday"), "is not an ISO 8601 time"),
        ((SEED, "--now", "2026-01-01T00:00:00Z"), "before the order's last event"),
        (("missing.json",), "missing.json: No such file or directory"),
    ],
)
def test_usage_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], arguments: tuple[str, ...], message: str
) -> None:
    status, out, err = page(capsys, *arguments, "--as", "buyer")
    assert (status, out) == (2, "")
    assert err.startswith("orderflow page: error: ")
    assert err.count("\n") == 1
    assert message in err


def test_an_unknown_order_and_a_file_that_is_no_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "orders.db"
    _database(database)
    status, _, err = page(capsys, "--sqlite", str(database), "--order", "o-8", "--as", "buyer")
    assert status == 2
    assert "o-8" in err
    junk = tmp_path / "junk.db"
    junk.write_text("not a database", encoding="utf-8")
    status, _, err = page(capsys, "--sqlite", str(junk), "--order", "o-1", "--as", "buyer")
    assert status == 2
    assert "not an orderflow database" in err
