"""drafts.py: the faster ``__init__`` and copy behave as attrs' own (same values, same errors)."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import traceback
import weakref
from typing import Any

import attrs
import pytest

from orderflow import Order, Placement, State
from orderflow.domain.commands import RefuseRevision
from orderflow.domain.drafts import PLAIN as DRAFTS_PLAIN
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
@attrs.frozen  # a __weakref__ slot: its draft, a subclass adding nothing, still swaps with it
class WithWeakref:
    value: int


def test_fast_init_keeps_defaults_factories_converters_and_post_init() -> None:
    sample = Sample(5, "2", label="y")
    assert (sample.high, sample.low, sample.tags, sample.label, sample.total) == (5, 2, [], "y", 7)
    assert type(sample) is Sample
    assert Sample(3).tags is not Sample(3).tags
    assert WithWeakref(4).value == 4
    assert weakref.ref(WithWeakref(4)) is not None


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


# The generated code is as visible as attrs' own (issue 17 item 1); under ORDERFLOW_PLAIN_ATTRS
# the classes are attrs' own, so these hold in both modes.
def test_generated_init_source_is_readable_and_shows_in_tracebacks() -> None:
    source = inspect.getsource(Order.__init__)
    assert source.startswith("def __init__(self, terms, state, version")
    with pytest.raises(ValueError, match="low must be positive") as raised:
        Sample(5, 0)
    frames = [frame for frame in traceback.extract_tb(raised.value.__traceback__) if frame.name == "__init__"]
    assert frames
    assert frames[0].filename != "<string>"
    assert frames[0].line  # the line of generated code, read through linecache


def test_generated_functions_have_unique_file_names() -> None:
    names = {inspect.getsourcefile(f) for f in (Order.__init__, Ledger.__init__, OrderDelivered.__init__)}
    assert len(names) == 3


@pytest.mark.parametrize("cls", [Order, Ledger, OrderDelivered, RefuseRevision, Placement, Sample])
def test_generated_init_keeps_the_attrs_annotations(cls: type) -> None:
    annotations = cls.__init__.__annotations__  # type: ignore[misc]
    fields = [f for f in attrs.fields(cls) if f.init]
    assert annotations["return"] is None
    # attrs annotates a converted parameter with what its converter takes: compare the others
    assert {f.alias: annotations[f.alias] for f in fields if f.converter is None} == {
        f.alias: f.type for f in fields if f.converter is None
    }


def test_validators_disabled_is_honoured() -> None:
    with attrs.validators.disabled():
        sample = Sample(1, 0)  # would fail both validators
        placement_days = RefuseRevision("seller", "").reason
    assert (sample.low, placement_days) == (0, "")
    with pytest.raises(ValueError, match="low must be positive"):
        Sample(1, 0)


class _Unsupported:
    @staticmethod
    def pre_init() -> type:
        @attrs.frozen(weakref_slot=False)
        class PreInit:
            value: int

            def __attrs_pre_init__(self) -> None:
                pass

        return PreInit

    @staticmethod
    def factory_taking_self() -> type:
        @attrs.frozen(weakref_slot=False)
        class TakesSelf:
            value: int = attrs.field(default=attrs.Factory(lambda self: 1, takes_self=True))

        return TakesSelf


@pytest.mark.parametrize("build", [_Unsupported.pre_init, _Unsupported.factory_taking_self])
def test_unsupported_classes_raise_a_real_error_even_under_python_O(build: Any) -> None:
    cls = build()
    if DRAFTS_PLAIN and build is _Unsupported.factory_taking_self:
        pytest.skip("plain attrs classes are left as attrs made them")
    with pytest.raises(TypeError, match="drafts cannot serve"):
        fast_init(cls)


def test_a_copy_of_a_validated_class_is_refused() -> None:
    with pytest.raises(TypeError, match="skips validators"):
        copier(Sample)


def test_the_plain_switch_leaves_attrs_classes_as_attrs_made_them() -> None:
    probe = (
        "import inspect, orderflow;"
        "from orderflow.domain.drafts import PLAIN;"
        "from orderflow import Order;"
        "print(PLAIN, inspect.getsourcefile(Order.__init__))"
    )
    environment = {**os.environ, "ORDERFLOW_PLAIN_ATTRS": "1"}
    plain = subprocess.run([sys.executable, "-c", probe], env=environment, capture_output=True, text=True)
    environment["ORDERFLOW_PLAIN_ATTRS"] = "0"
    fast = subprocess.run([sys.executable, "-c", probe], env=environment, capture_output=True, text=True)
    assert plain.stdout.startswith("True <attrs generated methods orderflow.domain.order.Order"), plain.stderr
    assert fast.stdout.startswith("False <orderflow drafts __init__ orderflow.domain.order.Order"), (
        fast.stderr
    )


def test_an_argument_less_command_is_one_shared_value_per_actor() -> None:
    from orderflow import Accept, InvalidArgument, Role

    assert Accept("seller") == Accept(Role.SELLER) == Accept(actor="seller")
    assert (Accept("seller") is Accept(Role.SELLER)) is not DRAFTS_PLAIN
    assert Accept("seller").actor is Role.SELLER
    with pytest.raises(TypeError):  # as attrs' own __init__ refuses them
        Accept()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Accept("seller", "buyer")  # type: ignore[call-arg]
    with pytest.raises(InvalidArgument):
        Accept("nobody")


def test_only_a_shared_class_shares() -> None:
    from orderflow.domain.drafts import share

    with pytest.raises(TypeError, match="metaclass=Shared"):
        share(Sample, [1])
