"""A decision's effects are derived when first read (decision.py): the same effects, equality,
hash and repr as if they had been derived at once."""

from __future__ import annotations

import decimal

from orderflow import BuyOption, Close, Decision, EscrowDeposit, Role, State, decide
from orderflow.domain.effects import effects_of

from support import HOUR, eur, reach


def test_lazily_derived_effects_are_the_eager_ones_and_compare_alike() -> None:
    story = reach(State.DELIVERED)
    before, now = story.order, story.order.updated_at + HOUR
    lazy = decide(before, Close(Role.BUYER), now)
    (event,) = lazy.events
    eager = Decision(lazy.order, lazy.events, effects_of(event, before, lazy.order), lazy.fired)
    fresh = decide(before, Close(Role.BUYER), now)
    assert fresh == eager  # compared before either read its effects
    assert hash(fresh) == hash(eager)
    assert repr(fresh) == repr(eager)
    assert lazy.effects == eager.effects
    assert lazy.effects is lazy.effects  # derived once, then kept
    assert len(lazy.effects) > 3  # money, windows and statistics, not only notifications


def test_a_chain_of_decisions_keeps_every_effect_in_order() -> None:
    story = reach(State.DELIVERED)
    first = decide(story.order, Close(Role.BUYER), story.order.updated_at + HOUR)
    chained = Decision(story.order, (), (), ()).then(first).then(Decision(first.order))
    assert chained.effects == first.effects
    assert chained.events == first.events


def test_effects_read_later_under_a_host_context_of_six_digits_are_exact() -> None:
    """Effects are derived when first read, maybe outside the core's decimal context (guard.py):
    their amounts are ones the events and orders hold, never computed then (issue 13 item 6)."""
    story = reach(State.IN_PROGRESS, price=eur("900000.00"), options=(), tip=None, platform_fee=None)
    bought = decide(
        story.order,
        BuyOption(Role.BUYER, name="rush", price=eur("99999.99"), delivery_days=1),
        story.order.updated_at + HOUR,
    )
    with decimal.localcontext(decimal.Context(prec=6)):
        (deposit,) = [e for e in bought.effects if isinstance(e, EscrowDeposit)]
    assert str(deposit.amount.amount) == "99999.99"
