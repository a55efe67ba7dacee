"""pytest fixtures for a host's test suite, registered through the ``pytest11`` entry point.

Installing orderflow gives every test ``fake_clock``, ``policy``, ``placement_factory``,
``order_factory`` and ``decide_now``. A suite overrides any of them by defining a fixture of the
same name (e.g. ``policy`` to test under its own rules). Nothing here imports Hypothesis.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import attrs
import pytest

from orderflow import COMEUP, Command, Decision, Money, Order, Placement, Policy, decide, place_order

from .clock import FakeClock

#: Where ``fake_clock`` starts: a Monday, 10:00 UTC.
START = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)

PlacementFactory = Callable[..., Placement]
OrderFactory = Callable[..., Order]
DecideNow = Callable[[Order, Command], Decision]


@pytest.fixture
def fake_clock() -> FakeClock:
    """A ``FakeClock`` at ``START``; move it with ``set`` or ``advance``."""
    return FakeClock(START)


@pytest.fixture
def policy() -> Policy:
    """The policy orders are placed under: ComeUp's. Override the fixture to use your own."""
    return COMEUP


@pytest.fixture
def placement_factory(fake_clock: FakeClock, policy: Policy) -> PlacementFactory:
    """Build a ``Placement``: 40.00 EUR, 3 days, paid now on ``fake_clock``, under ``policy``,
    order ids ``order-1``, ``order-2``...; keyword arguments override any field."""
    numbers = itertools.count(1)

    def make(**overrides: Any) -> Placement:
        base = Placement(
            order_id=f"order-{next(numbers)}",
            buyer="buyer-1",
            seller="seller-1",
            price=Money("40.00", "EUR"),
            delivery_days=3,
            paid_at=fake_clock.now(),
            policy=policy,
        )
        return attrs.evolve(base, **overrides)

    return make


@pytest.fixture
def order_factory(placement_factory: PlacementFactory) -> OrderFactory:
    """Place an order (pending, paid in escrow) from ``placement_factory(**overrides)``."""

    def make(**overrides: Any) -> Order:
        return place_order(placement_factory(**overrides)).order

    return make


@pytest.fixture
def decide_now(fake_clock: FakeClock) -> DecideNow:
    """``decide(order, command)`` at ``fake_clock``'s current time."""

    def act(order: Order, command: Command) -> Decision:
        return decide(order, command, fake_clock.now())

    return act
