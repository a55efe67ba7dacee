"""Simulation settings files: JSON and TOML load alike; every bad key or value is a typed error
naming it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from orderflow import COMEUP, InvalidArgument
from orderflow.simulation import Behaviour, Delay, InvalidBehaviour, Market, SellerBehaviour, config

TOML = """
[market]
orders = 1200
delivery_days = [2, 4]
start = "2026-03-01T00:00:00Z"

[seller]
refuse_revision_probability = 0.4
accept_delay = { median_hours = 12, spread = 0.5 }

[mediator]
restart_weight = 0

[policy]
review_decision_window = 3
revision_cap = 2
fee_rate = "0.10"
"""

JSON = """{
  "market": {"orders": 1200, "delivery_days": [2, 4], "start": "2026-03-01T00:00:00Z"},
  "seller": {"refuse_revision_probability": 0.4, "accept_delay": {"median_hours": 12, "spread": 0.5}},
  "mediator": {"restart_weight": 0},
  "policy": {"review_decision_window": 3, "revision_cap": 2, "fee_rate": "0.10"}
}"""


@pytest.mark.parametrize(("name", "text"), [("market.toml", TOML), ("market.json", JSON)])
def test_json_and_toml_files_load_the_same_settings(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    loaded = config.load(path)
    assert loaded.market.orders == 1200
    assert loaded.market.delivery_days == (2, 4)
    assert loaded.market.start.isoformat() == "2026-03-01T00:00:00+00:00"
    assert loaded.behaviour.seller.refuse_revision_probability == 0.4
    assert loaded.behaviour.seller.accept_delay == Delay(12, 0.5)
    assert loaded.behaviour.seller.on_time_probability == SellerBehaviour().on_time_probability  # default
    assert loaded.behaviour.mediator.restart_weight == 0
    policy = loaded.policy(COMEUP)
    assert policy.review_decision_window == timedelta(days=3)
    assert policy.revision_cap == 2
    assert str(policy.fee_rate) == "0.10"
    assert policy.name == "comeup"


def test_no_settings_are_the_documented_defaults() -> None:
    loaded = config.parse({})
    assert loaded.market == Market()
    assert loaded.behaviour == Behaviour()
    assert loaded.policy(COMEUP) is COMEUP


def test_overrides_apply_after_the_file_by_dotted_key() -> None:
    loaded = config.parse(
        {"seller": {"silence_probability": 0.1}},
        {
            "seller.silence_probability": 0.2,
            "buyer.decision_delay.median_hours": 5,
            "policy.revision_cap": "none",
        },
    )
    assert loaded.behaviour.seller.silence_probability == 0.2
    assert loaded.behaviour.buyer.decision_delay == Delay(5, Behaviour().buyer.decision_delay.spread)
    assert loaded.policy(COMEUP).revision_cap is None


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"seller": {"accept_probability": 1.5}}, "seller.accept_probability"),
        ({"buyer": {"close_probability": -0.1}}, "buyer.close_probability"),
        ({"buyer": {"close_probability": "high"}}, "buyer.close_probability"),
        ({"buyer": {"close_probability": True}}, "buyer.close_probability"),
        ({"seller": {"accept_probabilty": 0.5}}, "seller.accept_probabilty"),
        ({"seller": {"accept_delay": {"median_hours": 0}}}, "seller.accept_delay.median_hours"),
        ({"seller": {"accept_delay": {"median": 3}}}, "seller.accept_delay.median"),
        ({"seller": {"accept_delay": 3}}, "seller.accept_delay"),
        ({"seller": {"partial_refund_ratio": 1}}, "seller.partial_refund_ratio"),
        ({"mediator": {"release_weight": 0, "refund_weight": 0, "split_weight": 0, "restart_weight": 0}},
         "mediator.release_weight"),
        ({"market": {"orders": 0}}, "market.orders"),
        ({"market": {"orders": 100_000_001}}, "market.orders"),
        ({"market": {"currency": "euro"}}, "market.currency"),
        ({"market": {"delivery_days": [0]}}, "market.delivery_days"),
        ({"market": {"start": "yesterday"}}, "market.start"),
        ({"policy": {"review_decision_window": -3}}, "policy.review_decision_window"),
        ({"policy": {"revision_cap": 0}}, "policy.revision_cap"),
        ({"policy": {"name": "mine"}}, "policy.name"),
        ({"policy": {"review_window": 3}}, "policy.review_window"),
        ({"sellers": {}}, "sellers"),
        ({"seller": [1]}, "seller"),
    ],
)  # fmt: skip
def test_a_bad_setting_is_a_typed_error_naming_its_key(raw: dict[str, object], key: str) -> None:
    with pytest.raises(InvalidBehaviour) as error:
        config.parse(raw)
    assert error.value.key == key
    assert str(error.value).startswith(f"{key}: ")
    assert isinstance(error.value, InvalidArgument)  # an OrderflowError, like every rejection


def test_a_bad_file_is_a_typed_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[seller\n", encoding="utf-8")
    with pytest.raises(InvalidBehaviour, match=r"broken\.toml"):
        config.load(broken)
    other = tmp_path / "market.yaml"
    other.write_text("{}", encoding="utf-8")
    with pytest.raises(InvalidBehaviour, match=r"\.json or \.toml"):
        config.load(other)


def test_behaviour_classes_validate_when_built_directly() -> None:
    with pytest.raises(InvalidBehaviour) as error:
        SellerBehaviour(on_time_probability=2)
    assert error.value.key == "on_time_probability"
