"""``orderflow explain``: the seed page's facts in text and JSON, every state and role, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orderflow import Role, State
from orderflow.cli import main

STORY = {
    "policy": "comeup",
    "order": {
        "id": "o-1",
        "buyer": "b-1",
        "seller": "s-1",
        "currency": "EUR",
        "service": {"price": "40.00", "delivery_days": 2},
        "options": [{"name": "express", "price": "10.00", "delivery_days": 1}],
        "tip": "5.00",
        "platform_fee": "2.50",
        "paid_at": "2026-01-03T10:00:00Z",
    },
    "steps": [
        {"at": "2026-01-03T12:00:00Z", "actor": "seller", "action": "accept"},
        {"at": "2026-01-05T09:00:00Z", "actor": "seller", "action": "deliver"},
        {"at": "2026-01-06T10:00:00Z", "actor": "buyer", "action": "request_revision"},
        {
            "at": "2026-01-06T11:00:00Z",
            "actor": "seller",
            "action": "refuse_revision",
            "args": {"reason": "out of scope"},
        },
    ],
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["explain", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def as_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    status, out, _ = run(capsys, *argv, "--json")
    assert status == 0
    found: dict[str, Any] = json.loads(out)
    return found


def block(text: str, head: str) -> str:
    """The lines of ``text`` from the line starting with ``head`` to the next line as indented."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(head))
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = next(
        (i for i in range(start + 1, len(lines)) if len(lines[i]) - len(lines[i].lstrip()) <= indent),
        len(lines),
    )
    return "\n".join(lines[start:end])


def section(text: str, title: str) -> str:
    return text.split(title, 1)[1].split("\n\n", 1)[0]


# The seed page, as text ------------------------------------------------------------------------


@pytest.fixture
def seed_text(capsys: pytest.CaptureFixture[str]) -> str:
    status, out, err = run(capsys, "revision_refused", "--as", "seller")
    assert (status, err) == (0, "")
    return out


def test_r_ref_1_text_the_buyers_two_choices_and_their_7_days(seed_text: str) -> None:
    buyer = section(seed_text, "What the buyer can do now:")
    close, dispute = block(buyer, "* close"), block(buyer, "* open_dispute")
    for choice in (close, dispute):
        assert "by: buyer_decision, 2026-01-13 11:00 UTC (in 7 days)" in choice
    assert "-> completed" in close
    assert "paid to the seller's wallet: 55.00 EUR" in close
    assert "-> disputed" in dispute
    assert "mediator" in dispute


def test_r_ref_2_text_a_cancellation_costs_a_full_refund_no_pay_and_the_completion_rate(
    seed_text: str,
) -> None:
    cancel = block(section(seed_text, "What you (seller) can do now:"), "* cancel")
    assert "-> canceled" in cancel
    assert "refunded to the buyer: 57.50 EUR" in cancel
    assert "money out of escrow: buyer 57.50 EUR, seller 0.00 EUR, platform 0.00 EUR" in cancel
    assert "completion rate hurt" in cancel


def test_r_ref_4_text_a_partial_refund_by_agreement(seed_text: str) -> None:
    propose = block(section(seed_text, "What you (seller) can do now:"), "* propose_partial_refund")
    assert "by agreement" in propose
    accept = block(propose, "* accept_partial_refund")
    assert "refunded to the buyer: the amount chosen" in accept


def test_r_ref_5_text_an_option_or_a_custom_offer_lets_the_work_continue(seed_text: str) -> None:
    offer = block(section(seed_text, "What you (seller) can do now:"), "* offer_custom")
    assert "the buyer may ask for one in the chat" in offer
    assert "-> in_progress" in block(offer, "* accept_offer")
    option = block(section(seed_text, "What the buyer can do now:"), "* buy_option")
    assert "-> in_progress" in option
    assert "paid by the buyer into escrow: the price chosen" in option


def test_r_ref_3_text_if_nobody_acts_the_seller_is_paid_after_7_days(seed_text: str) -> None:
    nobody = seed_text.split("If nobody acts:", 1)[1]
    assert nobody.startswith(" at 2026-01-13 11:00 UTC (in 7 days) buyer_decision fires:")
    assert "-> completed" in nobody
    assert "paid to the seller's wallet: 55.00 EUR" in nobody


# The seed page, as JSON ------------------------------------------------------------------------


@pytest.fixture
def seed(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    return as_json(capsys, "revision_refused", "--as", "seller")


def moved(moves: list[dict[str, Any]], action: str) -> dict[str, Any]:
    (found,) = [m for m in moves if m["action"] == action]
    return found


def test_r_ref_1_json_the_buyers_two_choices_and_their_7_days(seed: dict[str, Any]) -> None:
    assert seed["role"] == "seller"
    assert seed["order"]["state"] == "revision_refused"
    buyer = seed["moves"]["buyer"]
    close, dispute = moved(buyer, "close"), moved(buyer, "open_dispute")
    for choice in (close, dispute):
        assert choice["deadline"] == {
            "name": "buyer_decision",
            "at": "2026-01-13T11:00:00Z",
            "passed": False,
            "remaining": "P7D",
        }
    assert close["result"]["state"] == "completed"
    assert {"kind": "wallet_credit", "party": "seller", "amount": "55.00"}.items() <= next(
        e for e in close["result"]["effects"] if e["kind"] == "wallet_credit"
    ).items()
    assert close["result"]["paid_out"] == {"buyer": "0.00", "seller": "55.00", "platform": "2.50"}
    assert dispute["result"]["state"] == "disputed"


def test_r_ref_2_json_a_cancellation_costs_a_full_refund_no_pay_and_the_completion_rate(
    seed: dict[str, Any],
) -> None:
    cancel = moved(seed["moves"]["seller"], "cancel")["result"]
    assert cancel["state"] == "canceled"
    assert cancel["exact"]
    assert cancel["paid_out"] == {"buyer": "57.50", "seller": "0.00", "platform": "0.00"}
    (stats,) = [e for e in cancel["effects"] if e["kind"] == "seller_statistics"]
    assert stats["hurts"] == ["completion rate"]


def test_r_ref_4_json_a_partial_refund_by_agreement(seed: dict[str, Any]) -> None:
    propose = moved(seed["moves"]["seller"], "propose_partial_refund")
    assert propose["needs"] == ["amount", "reason"]
    accept = moved(propose["then"], "accept_partial_refund")
    assert accept["role"] == "buyer"
    (refund,) = accept["result"]["effects"]
    assert refund["kind"] == "refund"
    assert refund["party"] == "buyer"
    assert (refund["amount"], refund["amount_is"]) == (None, "amount")


def test_r_ref_5_json_an_option_or_a_custom_offer_lets_the_work_continue(seed: dict[str, Any]) -> None:
    offer = moved(seed["moves"]["seller"], "offer_custom")
    assert "chat" in offer["about"]
    assert moved(offer["then"], "accept_offer")["result"]["state"] == "in_progress"
    option = moved(seed["moves"]["buyer"], "buy_option")
    assert option["result"]["state"] == "in_progress"
    assert not option["result"]["exact"]


def test_r_ref_3_json_if_nobody_acts(seed: dict[str, Any]) -> None:
    nobody = seed["if_nobody_acts"]
    assert (nobody["name"], nobody["at"], nobody["remaining"]) == (
        "buyer_decision",
        "2026-01-13T11:00:00Z",
        "P7D",
    )
    assert nobody["result"]["state"] == "completed"
    assert nobody["result"]["paid_out"]["seller"] == "55.00"


# Every state and role --------------------------------------------------------------------------

TOP = {"order", "role", "now", "fired", "moves", "deadlines", "if_nobody_acts"}
MOVE = {"action", "role", "about", "rules", "args", "needs", "deadline", "result", "then"}
RESULT = {"state", "exact", "effects", "notified", "deadlines", "fired", "paid_out"}


def shapes(moves: list[dict[str, Any]]) -> None:
    for m in moves:
        assert set(m) == MOVE
        assert m["result"] is None or set(m["result"]) == RESULT
        shapes(m["then"])


@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize("state", [s.value for s in State])
def test_every_state_and_role_is_explained_in_the_documented_shape(
    capsys: pytest.CaptureFixture[str], state: str, role: str
) -> None:
    found = as_json(capsys, state, "--as", role)
    assert set(found) == TOP
    assert (found["order"]["state"], found["role"]) == (state, role)
    assert set(found["moves"]) == {"buyer", "seller", "platform"}
    for moves in found["moves"].values():
        shapes(moves)
    status, out, _ = run(capsys, state, "--as", role)
    assert status == 0
    assert f"Order o-1 is {state}" in out
    assert f"explained to the {role}" in out


@pytest.mark.parametrize("state", ["completed", "canceled", "expired"])
def test_r_end_3_terminal_states_say_nothing_can_change(
    capsys: pytest.CaptureFixture[str], state: str
) -> None:
    _, out, _ = run(capsys, state, "--as", "seller")
    assert "a terminal state: nothing changes its state or its money any more" in out
    found = as_json(capsys, state, "--as", "seller")
    actions = [(m["role"], m["action"]) for moves in found["moves"].values() for m in moves]
    assert actions == ([("buyer", "review")] if state == "completed" else [])
    assert found["deadlines"] == []
    assert found["if_nobody_acts"] is None


def test_a_policy_preset_changes_the_windows(capsys: pytest.CaptureFixture[str]) -> None:
    found = as_json(capsys, "delivered", "--as", "buyer", "--policy", "fiverr_like")
    assert found["order"]["policy"]["name"] == "fiverr_like"
    assert moved(found["moves"]["buyer"], "close")["deadline"]["remaining"] == "P3D"


# A scenario file -------------------------------------------------------------------------------


@pytest.fixture
def story(tmp_path: Path) -> Path:
    path = tmp_path / "story.json"
    path.write_text(json.dumps(STORY), encoding="utf-8")
    return path


def test_a_scenario_file_is_replayed_and_explained_at_the_given_time(
    capsys: pytest.CaptureFixture[str], story: Path
) -> None:
    found = as_json(capsys, str(story), "--as", "buyer", "--now", "2026-01-10T11:00:00+00:00")
    assert found["order"]["state"] == "revision_refused"
    assert moved(found["moves"]["buyer"], "close")["deadline"]["remaining"] == "P3D"
    later = as_json(capsys, str(story), "--as", "buyer", "--now", "2026-01-14T00:00:00Z")
    assert later["fired"] == ["buyer_decision"]
    assert later["order"]["state"] == "completed"


# Usage errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nowhere", "--as", "buyer"], "'nowhere' is neither a state"),
        (["pending", "--as", "buyer", "--now", "soon"], "--now 'soon' is not an ISO 8601 time"),
        (["pending", "--as", "buyer", "--now", "2026-01-04T10:00:00"], "is naive"),
        (["delivered", "--as", "buyer", "--now", "2026-01-04T10:00:00Z"], "before the order's last event"),
    ],
)
def test_usage_errors_exit_2_with_one_message(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "")
    assert err.startswith("orderflow explain: error: ")
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "needs --now TIME"),
        (["--now", "2026-01-10T00:00:00Z", "--policy", "comeup"], "names its own policy"),
        (["--now", "2026-01-01T00:00:00Z"], "before the order's last event"),
    ],
)
def test_scenario_file_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], story: Path, extra: list[str], message: str
) -> None:
    status, _, err = run(capsys, str(story), "--as", "buyer", *extra)
    assert status == 2
    assert message in err


def test_a_malformed_scenario_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"steps": []}', encoding="utf-8")
    status, _, err = run(capsys, str(path), "--as", "buyer", "--now", "2026-01-10T00:00:00Z")
    assert status == 2
    assert "order" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["pending", "--as", "god"], "argument --as: invalid choice: 'god'"),
        (["pending", "--as", "buyer", "--policy", "etsy"], "argument --policy: invalid choice: 'etsy'"),
    ],
)
def test_unknown_role_or_policy_exits_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["explain", *argv])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_help_explains_itself_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["explain", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "orderflow explain revision_refused --as seller" in out
    assert "exit status" in out


def test_explain_for_users_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["explain", "revision_refused", "--as", "seller", "--audience", "user", "--lang", "fr"])
    out = capsys.readouterr().out.replace("\u00a0", " ").replace("\u202f", " ")
    assert status == 0
    assert out.startswith("Commande o-1 : Retouche refusée\n")
    assert "Votre acheteur a maintenant 2 possibilités et 7 jours pour prendre une décision" in out
    assert "R-REF" not in out  # no rule ids for users


def test_explain_for_users_as_markdown_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ["explain", "delivered", "--as", "buyer", "--audience", "user"]
    assert main([*arguments, "--markdown"]) == 0
    assert capsys.readouterr().out.startswith("# Order o-1: Delivered\n")
    assert main([*arguments, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["role"], data["lang"]) == ("buyer", "en")
    assert "close" in [item["action"] for s in data["sections"] for item in s["items"]]


@pytest.mark.parametrize(
    ("role", "lang", "message"),
    [
        ("seller", "de", "no catalog for language 'de'"),
        ("platform", "en", "guidance is written for the buyer or the seller"),
    ],
)
def test_explain_for_users_refuses_in_one_line(
    capsys: pytest.CaptureFixture[str], role: str, lang: str, message: str
) -> None:
    status = main(["explain", "delivered", "--as", role, "--audience", "user", "--lang", lang])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1
    assert message in err


def test_lang_is_for_the_user_audience(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "delivered", "--as", "buyer", "--lang", "fr"]) == 2
    expected = "orderflow explain: error: --lang and --markdown are for --audience user\n"
    assert capsys.readouterr().err == expected
