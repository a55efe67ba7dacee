"""orderflow's pytest plugin reaches a host's suite through the ``pytest11`` entry point alone:
the host's tests use its fixtures without any conftest or import of the plugin."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orderflow import Accept, InvalidTime, Role, State
from orderflow.testing import FakeClock
from orderflow.testing.plugin import START

pytest_plugins = ["pytester"]

HOST_TESTS = """
from datetime import timedelta
from decimal import Decimal

from orderflow import Accept, Money, Role, State


def test_fixtures(fake_clock, policy, order_factory, decide_now):
    first, second = order_factory(), order_factory(price=Money("99.00", "EUR"))
    assert (first.id, second.id) == ("order-1", "order-2")
    assert second.ledger.paid == Decimal("99.00") and first.policy is policy
    fake_clock.advance(timedelta(hours=2))
    assert decide_now(first, Accept(Role.SELLER)).order.accepted_at == fake_clock.now()
"""


def test_a_host_suite_gets_the_fixtures_from_the_entry_point(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_host=HOST_TESTS)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_host_suite_can_override_the_policy(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        "import attrs, pytest\nfrom orderflow import COMEUP\n"
        "@pytest.fixture\ndef policy():\n    return attrs.evolve(COMEUP, name='mine')\n"
    )
    pytester.makepyfile("def test_mine(order_factory):\n    assert order_factory().policy.name == 'mine'\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_fixtures_in_our_own_suite(fake_clock: FakeClock, order_factory, decide_now) -> None:  # type: ignore[no-untyped-def]
    assert fake_clock.now() == START
    order = order_factory(delivery_days=1)
    assert order.state is State.PENDING
    fake_clock.advance(hours=3)
    accepted = decide_now(order, Accept(Role.SELLER)).order
    assert accepted.accepted_at == START + timedelta(hours=3)


def test_the_fake_clock_refuses_naive_times_and_going_back() -> None:
    clock = FakeClock(START)
    with pytest.raises(InvalidTime):
        FakeClock(START.replace(tzinfo=None))
    with pytest.raises(InvalidTime):
        clock.set(START.replace(tzinfo=None))
    with pytest.raises(InvalidTime):
        clock.advance(timedelta(seconds=-1))
    assert clock.set(START + timedelta(days=1)) == clock.now() == START + timedelta(days=1)
    with pytest.raises(InvalidTime):
        clock.set(START)
    assert clock.now() == START + timedelta(days=1)
