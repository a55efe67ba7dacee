"""Segments: named shares of sellers and buyers with their own behaviour, assigned by id and seed,
each with its own totals; bad segment settings are typed errors naming the key."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from orderflow.simulation import Behaviour, InvalidBehaviour, Market, Setup, config, simulate
from orderflow.simulation.behaviour import Delay, Segment, SellerBehaviour
from orderflow.simulation.report import report
from orderflow.simulation.segments import place, segment_of

SLOW = {
    "seller": {
        "segments": {
            "slow": {"share": 0.2, "on_time_probability": 0.2, "late_by": {"median_hours": 72}},
            "usual": {"share": "rest"},
        }
    }
}


def test_a_partys_place_depends_on_its_id_role_and_seed_only() -> None:
    assert place(3, "seller", "seller-00001") == place(3, "seller", "seller-00001")
    assert place(3, "seller", "seller-00001") != place(4, "seller", "seller-00001")
    assert place(3, "seller", "seller-00001") != place(3, "buyer", "seller-00001")
    assert all(0 <= place(1, "buyer", f"b{i}") < 1 for i in range(1000))


def test_segments_take_their_share_of_the_parties() -> None:
    segments = config.parse(SLOW).behaviour.seller_segments
    counted = Counter(segment_of(5, "seller", f"seller-{i:05d}", segments).name for i in range(20_000))
    assert counted["slow"] / 20_000 == pytest.approx(0.2, abs=0.01)
    assert counted["usual"] + counted["slow"] == 20_000


def test_a_larger_share_only_moves_parties_into_the_segment() -> None:
    small = config.parse(SLOW).behaviour.seller_segments
    large = config.parse(SLOW, {"seller.segments.slow.share": 0.5}).behaviour.seller_segments
    for i in range(2000):
        if segment_of(1, "seller", f"s{i}", small).name == "slow":
            assert segment_of(1, "seller", f"s{i}", large).name == "slow"


def test_a_segment_overrides_its_sections_settings_and_inherits_the_rest() -> None:
    loaded = config.parse({"seller": {"late_by": {"median_hours": 30, "spread": 0.5}, **SLOW["seller"]}})
    slow, usual = loaded.behaviour.seller_segments
    assert (slow.name, slow.share, usual.share) == ("slow", 0.2, 0.8)
    assert slow.behaviour.on_time_probability == 0.2
    assert slow.behaviour.late_by == Delay(72, 0.5)  # the unset half is the section's
    assert usual.behaviour == loaded.behaviour.seller


@pytest.mark.parametrize(
    ("segments", "key", "words"),
    [
        ({"a": {"share": 0.5}, "b": {"share": 0.4}}, "seller.segments", "add up to 1"),
        ({"a": {"share": 0}, "b": {"share": 1}}, "seller.segments.a.share", "an empty segment"),
        ({"a": {"on_time_probability": 0.5}}, "seller.segments.a.share", "missing"),
        ({"a": {"share": "rest"}, "b": {"share": "rest"}}, "seller.segments.b.share", "only one"),
        ({"a": {"share": 1, "on_time": 0.5}}, "seller.segments.a.on_time", "unknown setting"),
        (
            {"a": {"share": 1, "on_time_probability": 2}},
            "seller.segments.a.on_time_probability",
            "probability",
        ),
        ({"a": {"share": "half"}}, "seller.segments.a.share", "a number"),
        ({"a b": {"share": 1}}, "seller.segments", "a word"),
        (
            {"a": {"share": 0.9}, "b": {"share": "rest"}, "c": {"share": 0.2}},
            "seller.segments.b.share",
            "empty",
        ),
    ],
)
def test_bad_segments_are_errors_naming_the_key(segments: dict[str, object], key: str, words: str) -> None:
    with pytest.raises(InvalidBehaviour) as raised:
        config.parse({"seller": {"segments": segments}})
    assert raised.value.key == key
    assert words in str(raised.value)


def test_changes_list_every_setting_off_the_defaults_and_read_back_the_same() -> None:
    loaded = config.parse(
        SLOW, {"market.orders": 500, "buyer.decision_delay.spread": 2, "policy.revision_cap": 3}
    )
    changed = config.changes(loaded.market, loaded.behaviour)
    assert changed == {
        "market.orders": 500,
        "buyer.decision_delay.spread": 2,
        "seller.segments.slow.share": 0.2,
        "seller.segments.slow.on_time_probability": 0.2,
        "seller.segments.slow.late_by.median_hours": 72,
        "seller.segments.usual.share": 0.8,
    }
    assert config.parse({}, changed).behaviour == loaded.behaviour
    assert config.changes(Market(), Behaviour()) == {}


def test_each_segment_has_its_own_totals_which_add_up_to_the_whole() -> None:
    run = simulate(Setup(seed=2, market=Market(orders=1500), behaviour=config.parse(SLOW).behaviour))
    whole = report(run)
    slow, usual = whole["segments"]["seller:slow"], whole["segments"]["seller:usual"]
    assert slow["orders"]["placed"] + usual["orders"]["placed"] == 1500
    for state in ("completed", "canceled", "expired"):
        assert (
            slow["outcomes"][state]["count"] + usual["outcomes"][state]["count"]
            == whole["outcomes"][state]["count"]
        )
    assert slow["money"]["conserved"]
    assert usual["money"]["conserved"]
    assert slow["rates"]["late_delivery_percent"] > 3 * usual["rates"]["late_delivery_percent"]
    assert (
        slow["seller_statistics"]["sellers"] + usual["seller_statistics"]["sellers"]
        == whole["seller_statistics"]["sellers"]
    )
    assert Counter(p.segment for p in run.population.sellers.values())["slow"] == slow["setup"]["sellers"]


def test_one_segment_of_the_average_party_changes_nothing() -> None:
    """A segment draws nothing from the parties' or orders' streams: the same run, bit for bit."""
    plain = simulate(Setup(seed=3, market=Market(orders=800)))
    whole = Behaviour(seller_segments=(Segment("all", 1.0, SellerBehaviour()),))
    segmented = simulate(Setup(seed=3, market=Market(orders=800), behaviour=whole))
    expected, found = report(plain), report(segmented)
    assert found.pop("segments")["seller:all"]["outcomes"] == expected["outcomes"]
    found["setup"].pop("settings_changed"), expected["setup"].pop("settings_changed")
    assert found == expected


def test_the_report_setup_records_every_setting_changed() -> None:
    settings = config.parse({}, {"seller.on_time_probability": 0.5, "policy.review_decision_window": 3})
    setup = Setup(
        seed=1, market=Market(orders=50), behaviour=settings.behaviour, policy=settings.policy(Setup().policy)
    )
    assert report(simulate(setup))["setup"]["settings_changed"] == {
        "market.orders": 50,
        "seller.on_time_probability": 0.5,
        "policy.review_decision_window": 3,
    }


def test_buyer_segments_have_their_own_behaviour_and_report() -> None:
    settings = config.parse(
        {
            "buyer": {
                "segments": {"picky": {"share": 0.3, "revision_probability": 0.9}, "easy": {"share": "rest"}}
            }
        }
    )
    run = simulate(Setup(seed=4, market=Market(orders=1200), behaviour=settings.behaviour))
    parts = report(run)["segments"]
    assert list(parts) == ["buyer:picky", "buyer:easy"]
    picky, easy = parts["buyer:picky"], parts["buyer:easy"]
    assert picky["orders"]["placed"] + easy["orders"]["placed"] == 1200
    assert picky["rates"]["revision_percent"] > 3 * easy["rates"]["revision_percent"]
    assert picky["setup"]["buyers"] + easy["setup"]["buyers"] == len(run.population.buyers)


def test_a_run_cut_in_shards_reports_each_segment_as_the_whole_run_does() -> None:
    from orderflow.simulation import shards

    setup = Setup(
        seed=5,
        market=Market(orders=1200, rate_per_day=50),
        behaviour=config.parse(SLOW).behaviour,
        horizon_days=10,
    )
    whole = report(simulate(setup))
    merged = report(shards.merge([shards.run_shard(shard) for shard in shards.shards_of(setup, 3)]))
    assert whole["segments"]["seller:slow"]["orders"]["unfinished"] > 0  # the horizon cuts some lives
    assert json.dumps(merged) == json.dumps(whole)
