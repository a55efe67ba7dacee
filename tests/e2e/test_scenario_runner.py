"""The scenario engine through its Python API: parsing (every malformed case), deadline firing,
``advance_to``, ``expect`` and ``expect_error``, runs that go on after failures, and the snapshot."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from orderflow import OrderflowError
from orderflow.scenario import MalformedScenario, ScenarioResult, loads, parse, run, snapshot
from orderflow.scenario.catalogue import markdown

PAID = "2026-01-03T10:00:00Z"


def t(day: int, hour: int, minute: int = 0, second: int = 0) -> str:
    return f"2026-01-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}Z"


def act(at: str, actor: str, action: str, **extra: Any) -> dict[str, Any]:
    return {"at": at, "actor": actor, "action": action, **extra}


def story(*steps: dict[str, Any], policy: object = None, **order: Any) -> dict[str, Any]:
    """40.00 EUR for 2 days plus a 2.00 fee, paid 3 January 10:00 (42.00 in escrow)."""
    placed = {
        "id": "o-1",
        "buyer": "b-1",
        "seller": "s-1",
        "currency": "EUR",
        "service": {"price": "40.00", "delivery_days": 2},
        "platform_fee": "2.00",
        "paid_at": PAID,
        **order,
    }
    data: dict[str, Any] = {"order": placed, "steps": list(steps)}
    if policy is not None:
        data["policy"] = policy
    return data


def played(*steps: dict[str, Any], **kwargs: Any) -> ScenarioResult:
    return run(parse(story(*steps, **kwargs)))


ACCEPT = act(t(3, 12), "seller", "accept")  # delivery due 5 January 12:00
DELIVER = act(t(4, 9), "seller", "deliver")  # review_decision due 11 January 09:00


def test_a_delivered_and_closed_order_pays_the_seller() -> None:
    result = played(ACCEPT, DELIVER, act(t(4, 18), "buyer", "close"))
    assert result.ok
    assert [step.as_json()["state"] for step in result.steps] == ["in_progress", "delivered", "completed"]
    order = result.snapshot()
    assert order["money"] == {
        "currency": "EUR",
        "paid": "42.00",
        "escrow": "0.00",
        "refunded": "0.00",
        "seller_credited": "40.00",
        "platform_revenue": "2.00",
    }
    assert order["version"] == 4
    assert order["events"] == ["OrderPlaced", "OrderAccepted", "OrderDelivered", "OrderCompleted"]
    assert {"kind": "wallet_credit", "party": "seller", "amount": "40.00"} in order["effects"]
    assert order["deadlines"] == {}
    assert snapshot(result.order, result.clock, result.events, result.effects) == order


MALFORMED = [
    (
        {"steps": [act("2026-01-03T12:00:00", "seller", "accept")]},
        r"step 1 \(index 0\), field 'at': .*offset",
    ),
    ({"steps": [ACCEPT, act(t(3, 11), "seller", "deliver")]}, r"step 2 \(index 1\), field 'at': .*before"),
    ({"steps": [act(t(3, 9), "seller", "accept")]}, "step 1 .*field 'at': .*paid_at"),
    ({"steps": [act(t(3, 12), "seller", "approve")]}, "step 1 .*field 'action': unknown action"),
    ({"steps": [act(t(3, 12), "mediator", "accept")]}, "step 1 .*field 'actor': unknown actor"),
    ({"steps": [ACCEPT, {"actor": "seller", "action": "deliver"}]}, "step 2 .*field 'at': missing"),
    ({"steps": [ACCEPT, {"comment": "x"}]}, "step 2 .*field 'action': missing"),
    ({"steps": [{**ACCEPT, "note": "x"}]}, "step 1 .*field 'note': unknown key"),
    ({"steps": [act(t(3, 12), "seller", "refuse_revision")]}, "step 1 .*field 'args.reason': missing"),
    (
        {"steps": [act(t(3, 12), "seller", "propose_partial_refund", args={"amount": 5, "reason": "r"})]},
        "step 1 .*field 'args.amount': amounts are decimal strings",
    ),
    ({"steps": [act(t(3, 12), "buyer", "review", args={"rating": "5"})]}, "field 'args.rating': .*whole"),
    ({"steps": [{**ACCEPT, "expect_error": "Forbidden"}]}, "step 1 .*field 'expect_error': unknown error"),
    ({"steps": [{"expect": {"money": {"escrw": "0"}}}]}, "step 1 .*field 'expect.money.escrw': unknown key"),
    ({"steps": [{"expect": {"money": {"escrow": 0}}}]}, "field 'expect.money.escrow': amounts are decimal"),
    ({"steps": [{"expect": {"events": ["OrderDone"]}}]}, r"field 'expect.events\[0\]': unknown name"),
    ({"steps": [{"advance_to": "tomorrow"}]}, "step 1 .*field 'advance_to': .*ISO 8601"),
    ({"tip": 5.0}, "field 'order.tip': amounts are decimal strings"),
    ({"service": {"price": "forty", "delivery_days": 2}}, "field 'order.service.price': .*decimal string"),
    ({"service": {"price": "40.00"}}, "field 'order.service.delivery_days': missing"),
    ({"options": [{"name": "x", "price": "1.00"}]}, r"field 'order.options\[0\].delivery_days': missing"),
    ({"paid_at": "2026-01-03T10:00:00"}, "field 'order.paid_at': .*offset"),
    ({"currency": "euro"}, "field 'order.currency'"),
    ({"tip": "8.01"}, "field 'order': invalid order: tip"),  # over 20 % of 40.00
    ({"policy": {"acceptance_windw": "PT24H"}}, "field 'policy.acceptance_windw': unknown key"),
    ({"policy": {"acceptance_window": "48h"}}, "field 'policy.acceptance_window': .*ISO 8601 duration"),
    ({"policy": {"acceptance_window": "PT0S"}}, "field 'policy': .*positive"),
    ({"policy": "etsy"}, "field 'policy': unknown policy preset"),
]


@pytest.mark.parametrize(("change", "message"), MALFORMED)
def test_a_malformed_scenario_names_the_step_and_the_field(change: dict[str, Any], message: str) -> None:
    data = story()
    for key, value in change.items():
        (data if key in ("steps", "policy") else data["order"])[key] = value
    with pytest.raises(MalformedScenario, match=message) as raised:
        parse(data, "story.json")
    assert str(raised.value).startswith("story.json: ")
    assert isinstance(raised.value, OrderflowError)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"order": {}, "steps": [}', "bad JSON at line 1, column 25"),
        ('{"order": {}, "order": {}, "steps": []}', "duplicate key 'order'"),
        ('{"steps": [], "order": {"tip": NaN}}', "NaN is not JSON"),
        ("[]", "must be an object"),
        ('{"order": {}, "steps": [], "name": "x"}', "field 'name': unknown key"),
        ('{"steps": []}', "field 'order': missing"),
    ],
)
def test_bad_json_and_bad_top_level_keys_are_malformed(text: str, message: str) -> None:
    with pytest.raises(MalformedScenario, match=message):
        loads(text, "story.json")


def test_description_and_rules_are_read() -> None:
    scenario = parse({**story(), "description": "a story", "rules": ["R-PEND-3"]})
    assert (scenario.description, scenario.rules) == ("a story", ("R-PEND-3",))


def test_deadlines_due_before_a_step_fire_first_and_stay_fired_when_it_is_rejected() -> None:
    # acceptance is due 5 January 10:00 (48 h after payment): at 11:00 the order is already canceled
    late_accept = act(t(5, 11), "seller", "accept", expect_error="InvalidTransition")
    result = played(late_accept, {"expect": {"state": "canceled", "money": {"refunded": "42.00"}}})
    assert result.ok, [step.error for step in result.steps]
    assert result.steps[0].as_json()["fired"] == ["acceptance"]
    assert result.snapshot()["events"] == ["OrderPlaced", "OrderCanceled"]


@pytest.mark.parametrize(("until", "state"), [(t(5, 9, 59, 59), "pending"), (t(5, 10), "canceled")])
def test_advance_to_fires_what_is_due_at_or_before_it(until: str, state: str) -> None:
    result = played({"advance_to": until})
    assert result.order.state.value == state
    assert result.clock.isoformat() == until.replace("Z", "+00:00")


def test_acceptance_hours_override_the_acceptance_window() -> None:
    service = {"price": "40.00", "delivery_days": 2, "acceptance_hours": 24}
    result = played({"advance_to": t(4, 10)}, service=service)
    assert (result.order.state.value, result.steps[0].decision.fired) == ("canceled", ("acceptance",))


def test_policy_overrides_take_iso_durations_and_keep_the_rest_of_the_preset() -> None:
    policy = {"preset": "comeup", "review_decision_window": "P2D", "tip_cap_rate": "0.50"}
    scenario = parse(story(policy=policy, tip="20.00"))
    assert scenario.placement.policy.seller_answer_window.total_seconds() == 48 * 3600
    result = played(
        ACCEPT,
        {**DELIVER, "expect": {"deadlines": {"review_decision": t(6, 9)}}},
        {"advance_to": t(6, 9)},
        policy=policy,
        tip="20.00",
    )
    assert result.ok, [step.error for step in result.steps]
    assert result.steps[2].decision.fired == ("review_decision",)
    assert result.snapshot()["money"]["seller_credited"] == "60.00"  # price and tip


def test_reminders_can_be_set_in_overrides() -> None:
    policy = {"reminders": [{"deadline": "review_decision", "before": "P1D"}]}
    result = played(ACCEPT, DELIVER, {"advance_to": t(10, 9)}, policy=policy)
    assert result.steps[2].decision.fired == ("reminder:review_decision",)
    assert result.snapshot()["events"][-1] == "ReminderSent"


def test_expect_compares_amounts_as_decimals_and_times_as_instants() -> None:
    expect = {
        "money": {"paid": "42", "escrow": "+42.000"},
        "deadlines": {"delivery": "2026-01-05T13:00:00+01:00"},
    }
    assert played({**ACCEPT, "expect": expect}).ok


@pytest.mark.parametrize(
    ("expect", "held"),
    [
        ({"events": ["OrderPlaced", "OrderAccepted"]}, True),
        ({"events": ["OrderAccepted", "OrderPlaced"]}, False),  # lists match in order
        ({"events": ["OrderAccepted", "OrderAccepted"]}, False),
        ({"effects": [{"kind": "notification", "topic": "OrderAccepted"}]}, True),
        ({"effects": [{"kind": "wallet_credit"}]}, False),
        ({"deadlines": {"acceptance": None}}, True),  # null: not running
        ({"deadlines": {"delivery": None}}, False),
        ({"late": False, "version": 2, "id": "o-1"}, True),
        ({"version": 3}, False),
    ],
)
def test_expect_is_a_recursive_subset_match(expect: dict[str, Any], held: bool) -> None:
    result = played(ACCEPT, {"expect": expect})
    assert result.ok is held
    assert (result.steps[1].error is None) is held


def test_a_failed_expectation_names_the_key_and_both_values() -> None:
    result = played(ACCEPT, {"expect": {"money": {"escrow": "41.00"}}})
    assert result.steps[1].error == "expect money.escrow: expected 41.00, got 42.00"


def test_late_is_computed_at_the_scenario_clock_rejected_steps_included() -> None:
    # delivery is due 5 January 12:00; the buyer's close at 13:00 is rejected but moves the clock
    rejected = act(t(5, 13), "buyer", "close", expect_error="InvalidTransition")
    result = played(ACCEPT, {"expect": {"late": False}}, rejected, {"expect": {"late": True}})
    assert result.ok, [step.error for step in result.steps]


@pytest.mark.parametrize(
    ("step", "failure"),
    [
        ({**DELIVER, "expect_error": "NotAllowed"}, "expected NotAllowed, but the step was accepted"),
        (
            act(t(4, 9), "buyer", "deliver", expect_error="InvalidTransition"),
            "expected InvalidTransition, got NotAllowed: ",
        ),
        (act(t(4, 9), "buyer", "deliver"), "rejected: NotAllowed: "),
    ],
)
def test_a_failed_step_is_recorded_and_the_run_goes_on(step: dict[str, Any], failure: str) -> None:
    result = played(ACCEPT, step, {"expect": {"version": 2}}, act(t(4, 10), "seller", "cancel"))
    assert not result.ok
    assert [s.ok for s in result.steps] == [True, False, "accepted" not in failure, True]
    assert (result.steps[1].error or "").startswith(failure)
    assert result.order.state.value == "canceled"


def test_an_expected_error_changes_nothing() -> None:
    result = played(ACCEPT, act(t(4, 9), "buyer", "close", expect_error="InvalidTransition"))
    assert result.ok
    assert result.steps[1].order == result.steps[0].order


@pytest.mark.parametrize(
    ("step", "error"),
    [
        (act(t(4, 18), "buyer", "review", args={"rating": 9}), "InvalidArgument"),
        (
            act(t(4, 18), "buyer", "propose_partial_refund", args={"amount": "-1", "reason": "r"}),
            "InvalidAmount",
        ),
        (
            act(t(4, 18), "buyer", "propose_partial_refund", args={"amount": "40.00", "reason": "r"}),
            "InvalidAmount",
        ),
        (
            act(
                t(4, 18),
                "buyer",
                "propose_partial_refund",
                args={"amount": "5.00", "reason": "r", "currency": "USD"},
            ),
            "CurrencyMismatch",
        ),
        (act(t(4, 18), "seller", "refuse_revision", args={"reason": " "}), "InvalidArgument"),
    ],
)
def test_well_formed_arguments_that_break_a_rule_are_step_errors(step: dict[str, Any], error: str) -> None:
    result = played(ACCEPT, DELIVER, {**step, "expect_error": error})
    assert result.ok, result.steps[-1].error


def test_an_amount_may_carry_its_currency() -> None:
    amount = {"amount": "5.00", "currency": "USD"}
    step = act(t(4, 18), "buyer", "propose_partial_refund", args={"amount": amount, "reason": "r"})
    assert played(ACCEPT, DELIVER, {**step, "expect_error": "CurrencyMismatch"}).ok


def test_amounts_are_written_with_the_currency_decimals() -> None:
    service = {"price": "4000", "delivery_days": 2}
    result = played(ACCEPT, service=service, currency="JPY", platform_fee="200")
    assert result.snapshot()["money"]["paid"] == "4200"


def test_the_result_is_json_with_the_documented_keys() -> None:
    result = played(ACCEPT, act(t(4, 9), "buyer", "close"))
    data = json.loads(json.dumps(result.as_json()))
    assert set(data) == {"ok", "steps", "order"}
    assert data["ok"] is False
    assert [set(step) for step in data["steps"]] == [{"index", "kind", "ok", "error", "fired", "state"}] * 2
    assert data["steps"][1]["error"].startswith("rejected: ")
    assert set(data["order"]) == {"id", "state", "late", "version", "deadlines", "money", "events", "effects"}
    assert data["order"]["deadlines"] == {
        "delivery": "2026-01-05T12:00:00Z",
        "expiry": "2026-06-03T10:00:00Z",
    }


DOCS = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"


def test_the_docs_catalogue_is_generated_from_the_code() -> None:
    block = re.search(
        r"<!-- generated: scenario-catalogue -->\n(.*?)<!-- end generated -->", DOCS.read_text(), re.S
    )
    assert block is not None
    assert block[1] == markdown(), "rewrite the block with orderflow.scenario.catalogue.markdown()"


def test_the_docs_example_file_runs() -> None:
    example = re.search(r"## The file\n\n```json\n(.*?)```", DOCS.read_text(), re.S)
    assert example is not None
    assert run(loads(example[1])).ok
