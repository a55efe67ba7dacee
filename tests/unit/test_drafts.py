"""drafts.py: the faster ``__init__`` and copy behave as attrs' own (same values, same errors)."""

from __future__ import annotations

import inspect
from typing import Any

import attrs
import pytest

from orderflow import Order, Placement, State
from orderflow.domain.commands import RefuseRevision
from orderflow.domain.drafts import copier, fast_init
from orderflow.domain.events import OrderDelivered
from orderflow.domain.money import Ledger

from support import reach


def _positive(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be positive")


def _at_least_low(instance: Sample, attribute: attrs.Attribute[int], value: int) -> None:
    if value < instance.low:  # reads a field set after this one: validators run once all are set
        raise ValueError("high below low")


@fast_init
@attrs.frozen(weakref_slot=False)
class Sample:
    high: int = attrs.field(validator=_at_least_low)
    low: int = attrs.field(default=1, validator=_positive, converter=int)
    tags: list[str] = attrs.field(factory=list)
    label: str = attrs.field(default="x", kw_only=True)
    total: int = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "total", self.high + self.low)


@fast_init
@attrs.frozen  # a __weakref__ slot: no draft matches its layout, the descriptors fill it
class WithWeakref:
    value: int


def test_fast_init_keeps_defaults_factories_converters_and_post_init() -> None:
    sample = Sample(5, "2", label="y")
    assert (sample.high, sample.low, sample.tags, sample.label, sample.total) == (5, 2, [], "y", 7)
    assert type(sample) is Sample
    assert Sample(3).tags is not Sample(3).tags
    assert WithWeakref(4).value == 4


@pytest.mark.parametrize(("args", "message"), [((5, 0), "low must be positive"), ((1, 3), "high below low")])
def test_fast_init_runs_validators_after_every_field_is_set(args: tuple[int, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Sample(*args)


def test_a_fast_init_value_stays_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        Sample(5).high = 6  # type: ignore[misc]


@pytest.mark.parametrize("cls", [Placement, Ledger, OrderDelivered, RefuseRevision, Sample])
def test_fast_init_keeps_the_attrs_signature(cls: type) -> None:
    parameters = list(inspect.signature(cls).parameters.values())
    fields = [f for f in attrs.fields(cls) if f.init]
    assert [p.name for p in parameters] == [f.alias for f in fields]
    assert [p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters] == [f.kw_only for f in fields]


def test_a_copy_changed_and_made_an_order_again_matches_attrs_evolve() -> None:
    order = reach(State.IN_PROGRESS).order
    changed: Any = copier(Order)(order)
    changed.version, changed.state = 9, State.DELIVERED
    changed.__class__ = Order
    assert changed == attrs.evolve(order, version=9, state=State.DELIVERED)
    assert type(changed) is Order
    assert order.version != 9  # the original is untouched
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        changed.version = 10  # type: ignore[misc]
