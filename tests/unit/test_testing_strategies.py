"""The public strategies of ``orderflow.testing``: what they generate is what they promise, and
they shrink to small, readable examples."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from orderflow import (
    COMEUP,
    COMMANDS,
    Accept,
    Command,
    CurrencyMismatch,
    InvalidAmount,
    InvalidArgument,
    ProposePartialRefund,
    Role,
    decide,
    place_order,
    preview,
)
from orderflow.testing import (
    AMOUNT_KINDS,
    Life,
    MalformedCommand,
    amounts_for,
    commands,
    lives,
    malformed_commands,
    placements,
    policies,
)
from orderflow.testing.strategies import unit

#: A fixed, reproducible run, for tests that check what a strategy covers.
DETERMINISTIC = settings(max_examples=600, derandomize=True, database=None, phases=[Phase.generate])


@given(placements())
def test_placements_are_valid_with_tips_within_the_cap(placement):  # type: ignore[no-untyped-def]
    order = place_order(placement).order
    tippable = placement.price.amount + sum((o.price.amount for o in placement.options), Decimal(0))
    assert placement.tip.amount <= tippable * placement.policy.tip_cap_rate
    assert order.ledger.paid.as_tuple().exponent == -{"JPY": 0, "KWD": 3}.get(order.currency, 2)


def test_placements_shrink_to_the_smallest_order() -> None:
    smallest = find(placements(), lambda p: True)
    assert (smallest.price.amount, smallest.price.currency, smallest.options) == (Decimal("0.01"), "EUR", ())
    assert find(policies(), lambda p: True) is COMEUP


def test_commands_cover_every_action_and_role() -> None:
    seen: set[tuple[str, Role]] = set()

    @DETERMINISTIC
    @given(commands())
    def collect(command: Command) -> None:
        seen.add((command.action, command.actor))

    collect()
    assert seen == {(action, role) for action in COMMANDS for role in Role}


@given(placements(), st.data())
def test_amounts_for_an_order_are_refused_as_their_kind_says(placement, data):  # type: ignore[no-untyped-def]
    order = place_order(placement).order
    kind = data.draw(st.sampled_from(AMOUNT_KINDS))
    amount = data.draw(amounts_for(order, [kind]))
    step = unit(order.currency)
    if kind == "valid":
        assert amount.amount > 0
        assert amount.amount % step == 0
    elif kind == "currency":
        assert amount.currency != order.currency
    elif kind in ("negative", "zero"):
        assert amount.amount <= 0
    elif kind == "decimals":
        assert amount.amount % step != 0
    else:  # the share, over escrow, over the cap: refused as a partial refund (R-PART-2)
        assert amount.amount >= order.seller_share
    if kind != "valid":  # each way of being wrong is refused as an amount
        working = decide(order, Accept(Role.SELLER), order.updated_at).order
        error = preview(working, ProposePartialRefund(Role.BUYER, amount, "x"), working.updated_at).error
        assert isinstance(error, InvalidAmount)
        assert isinstance(error, CurrencyMismatch) is (kind == "currency")


@given(malformed_commands())
def test_malformed_commands_never_build(malformed: MalformedCommand) -> None:
    with pytest.raises(InvalidArgument):
        malformed.build()


@given(lives())
def test_lives_replay_with_times_that_never_go_back(life: Life) -> None:
    decisions = life.play()
    times = [step.at for step in life.steps]
    assert times == sorted(times)
    assert all(d.order.ledger.balanced for d in decisions)


def test_lives_reach_deadlines_and_the_ends() -> None:
    seen: set[str] = set()

    @settings(DETERMINISTIC, max_examples=300)
    @given(lives())
    def collect(life: Life) -> None:
        for decision in life.play():
            seen.update(name.partition(":")[0] for name in decision.fired)
            seen.add(decision.order.state.value)

    collect()
    assert {"acceptance", "expiry", "seller_answer"} <= seen
    assert {"completed", "canceled", "expired", "disputed"} <= seen
