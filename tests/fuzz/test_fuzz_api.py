"""Fuzz: hostile values through the Python API (issue 14): the constructors of commands,
``Money``, ``Placement`` and ``Policy``, then ``place_order``, ``decide`` and ``replay``.

Each must give a value or raise an ``OrderflowError``; nothing else (no ``TypeError``,
``OverflowError`` or ``decimal.InvalidOperation``).
"""

from __future__ import annotations

import contextlib
import typing
from datetime import timedelta, timezone
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from orderflow import COMEUP, Money, OrderflowError, Placement, decide, place_order, replay
from orderflow.domain.commands import COMMANDS, Command

from .hostile import bounded, scalars
from support import Story, placement

EXAMPLES = 60

STORY = Story.placed()
INSTANTS = st.one_of(
    st.datetimes(timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=-23, minutes=59))])),
    st.datetimes(),  # naive
    scalars(),
)


def _argument(hint: Any) -> st.SearchStrategy[Any]:
    """A value of the type ``hint`` names, or a hostile one."""
    good: st.SearchStrategy[Any] = st.nothing()
    if hint in (Money, Money | None):
        good = st.builds(
            Money, st.sampled_from(["1.00", "0.001", "-5", "1E+3", "999999999999999"]), st.just("EUR")
        )
    return st.one_of(good, scalars(), st.sampled_from(["buyer", "seller", "platform"]))


@st.composite
def commands(draw: st.DrawFn) -> tuple[type[Command], dict[str, Any]]:
    cls = draw(st.sampled_from(list(COMMANDS.values())))
    hints = typing.get_type_hints(cls)
    return cls, {f.name: draw(_argument(hints[f.name])) for f in attrs.fields(cls)}


@bounded(EXAMPLES)
@given(chosen=commands(), now=INSTANTS)
def test_a_hostile_command_is_built_and_decided_or_refused_with_typed_errors(
    chosen: tuple[type[Command], dict[str, Any]], now: Any
) -> None:
    cls, arguments = chosen
    try:
        command = cls(**arguments)
    except OrderflowError:
        return
    with contextlib.suppress(OrderflowError):
        decide(STORY.order, command, now)


@bounded(EXAMPLES)
@given(
    field=st.sampled_from([f.name for f in attrs.fields(Placement)]),
    value=scalars(),
    paid_at=INSTANTS,
)
def test_a_hostile_placement_is_placed_or_refused_with_typed_errors(
    field: str, value: Any, paid_at: Any
) -> None:
    with contextlib.suppress(OrderflowError):
        place_order(placement(**{field: value, "paid_at": paid_at}))


@bounded(EXAMPLES)
@given(field=st.sampled_from([f.name for f in attrs.fields(type(COMEUP))]), value=scalars())
def test_a_hostile_policy_is_built_or_refused_with_typed_errors(field: str, value: Any) -> None:
    with contextlib.suppress(OrderflowError):
        attrs.evolve(COMEUP, **{field: value})


@bounded(EXAMPLES)
@given(history=st.lists(st.one_of(st.sampled_from(STORY.events), scalars()), max_size=4))
def test_replay_of_anything_is_an_order_or_a_typed_error(history: list[Any]) -> None:
    with contextlib.suppress(OrderflowError):
        replay(history)
