"""The order page's story (``orderflow.copy.story``): who caused each event, and each deadline's
status (coming, reached, or stopped before its time), folded from the events alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderflow import InvalidArgument, Role
from orderflow.copy.story import story
from orderflow.scenario import load, run

from support import at

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_the_seed_story_says_who_did_what() -> None:
    events = run(load(EXAMPLES / "seed-revision-refused.json")).events
    told = story(events, at("2026-01-20T00:00"))
    assert [(type(s.event).__name__, s.actor) for s in told.steps] == [
        ("OrderPlaced", Role.BUYER),
        ("OrderAccepted", Role.SELLER),
        ("OrderDelivered", Role.SELLER),
        ("RevisionRequested", Role.BUYER),
        ("RevisionRefused", Role.SELLER),
        ("OrderCompleted", None),  # the buyer's decision time ran out (R-REF-3)
        ("ReviewLeft", Role.BUYER),
    ]
    assert told.order.ledger.seller_credited == told.steps[-1].after.ledger.seller_credited


def test_each_deadline_is_coming_reached_or_stopped_before_its_time() -> None:
    events = run(load(EXAMPLES / "seed-revision-refused.json")).events
    refused = [e for e in events if e.at <= at("2026-01-06T11:00")]
    told = story(refused, at("2026-01-06T11:00"))
    status = {
        row.name: ("coming" if row.running else "reached" if row.reached else "stopped")
        for row in told.deadlines
    }
    assert status == {
        "acceptance": "stopped",  # the seller accepted in time
        "delivery": "stopped",  # delivered before it
        "review_decision": "stopped",  # the revision request ended the review window
        "seller_answer": "stopped",  # the seller answered
        "buyer_decision": "coming",
        "expiry": "coming",
    }
    later = story(events, at("2026-01-20T00:00"))
    assert {row.name: row.reached for row in later.deadlines}["buyer_decision"] is True


SCENARIOS = sorted((Path(__file__).parents[1] / "scenarios").glob("r-*.json")) + sorted(
    EXAMPLES.glob("*.json")
)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_the_actor_read_from_the_events_is_the_one_who_acted(path: Path) -> None:
    result = run(load(path))
    told = story(result.events, result.events[-1].at)
    position = len(result.placed.events)
    for outcome in result.steps:
        produced = outcome.decision.events
        actor = getattr(outcome.step, "actor", None)
        if actor is not None and produced and not outcome.decision.fired:
            assert told.steps[position].actor is actor, type(produced[0]).__name__
        position += len(produced)
    assert position == len(told.steps)


def test_a_history_must_start_with_the_placing() -> None:
    events = run(load(EXAMPLES / "seed-revision-refused.json")).events
    with pytest.raises(InvalidArgument, match="starts with OrderPlaced"):
        story(events[1:], at("2026-01-20T00:00"))
