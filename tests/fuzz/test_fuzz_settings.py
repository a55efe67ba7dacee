"""Fuzz: hostile settings through ``simulate``'s settings loader and ``--set`` (issue 14).

A valid settings mapping with up to three values replaced by hostile ones, and hostile ``--set``
overrides, must give a ``Config`` (and a ``Policy``) that simulates a few orders, or raise an
``OrderflowError`` naming the key (``InvalidBehaviour``); nothing else.
"""

from __future__ import annotations

from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from orderflow import COMEUP, OrderflowError
from orderflow.simulation import config
from orderflow.simulation.engine import Setup, simulate

from .hostile import bounded, mutations, values

EXAMPLES = 100

SETTINGS: dict[str, Any] = {
    "market": {"orders": 100, "rate_per_day": 500.0, "currency": "EUR", "start": "2026-01-01T00:00:00Z"},
    "seller": {"accept_probability": 0.9, "accept_delay": {"median_hours": 5, "spread": 0.9}},
    "buyer": {"tip_probability": 0.1},
    "mediator": {"release_weight": 0.4},
    "policy": {"review_decision_window": 7, "fee_rate": 0.05, "revision_cap": "none", "expiry_months": 5},
}
KEYS = [f"{section}.{key}" for section, body in SETTINGS.items() for key in body] + [
    "market.orders.x",
    "nope",
]


def _load(raw: Any, overrides: dict[str, Any]) -> None:
    """Load the settings and, when they load, simulate 5 orders under them: typed errors only."""
    try:
        loaded = config.parse(raw, overrides)
        setup = Setup(
            seed=1,
            market=attrs.evolve(loaded.market, orders=min(loaded.market.orders, 5)),
            behaviour=loaded.behaviour,
            policy=loaded.policy(COMEUP),
        )
        simulate(setup)
    except OrderflowError:
        pass


def test_the_unmutated_settings_load() -> None:
    config.parse(SETTINGS).policy(COMEUP)


@bounded(EXAMPLES)
@given(raw=mutations(SETTINGS))
def test_hostile_settings_are_loaded_or_refused_by_key(raw: dict[str, Any]) -> None:
    _load(raw, {})


@bounded(EXAMPLES)
@given(overrides=st.dictionaries(st.sampled_from(KEYS), values(), min_size=1, max_size=3))
def test_hostile_overrides_are_loaded_or_refused_by_key(overrides: dict[str, Any]) -> None:
    _load(SETTINGS, overrides)
