"""The prototypes that docs/performance.md measures against orderflow keep their contract: a life
per benchmark path ends where it should, and the frozen one's values refuse to be changed."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def bench_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))


def test_the_frozen_prototype_ends_every_life_and_refuses_every_change(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bench import core_prototype_frozen

    core_prototype_frozen._self_check()
    assert capsys.readouterr().out.startswith("ok: a life per path (6)")


def test_a_frozen_prototype_money_refuses_its_own_fields() -> None:
    from bench.core_prototype_frozen import Money

    money = Money("40.00", "EUR")
    for field in ("amount", "currency"):
        with pytest.raises(AttributeError):
            setattr(money, field, 1)
    assert (str(money.amount), money.currency) == ("40.00", "EUR")


def test_the_plain_prototype_ends_every_life_where_the_baselines_do() -> None:
    from bench.baselines import PATH_END_STATES, PATHS
    from bench.bench_core import ARGUMENTS, PAID_AT, STEP, host_placement, life
    from bench.core_prototype import Prototype

    subject = Prototype(ARGUMENTS, PAID_AT, STEP, host_placement)
    ends = {name: subject.state(life(subject, subject.plan(path), 0)) for name, path in PATHS.items()}
    assert ends == PATH_END_STATES
