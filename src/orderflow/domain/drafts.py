"""Fast construction and copying of frozen slotted attrs classes, through a mutable draft.

A frozen attrs class refuses attribute stores, so its ``__init__`` sets each slot through
``object.__setattr__`` (about 1.2k instructions a field). Here an instance is filled as a draft,
a plain class with the same slots whose stores are the interpreter's fastest, then made an
instance of the frozen class by ``__class__`` assignment, which CPython allows between classes of
one layout: both based on ``object``, neither with a ``__weakref__`` slot (``weakref_slot=False``).
The hot value classes construct in about half the instructions; an event copies ``Order`` into a
draft, sets what it changes and makes the draft an ``Order`` again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

T = TypeVar("T")

_set_class = object.__dict__["__class__"].__set__  # passes by the frozen class's __setattr__


def _draft_of(cls: type) -> type:
    slots = vars(cls)["__slots__"]
    assert cls.__bases__ == (object,), f"{cls.__name__}: only a class based on object has a draft"
    assert "__weakref__" not in slots, f"{cls.__name__}: a __weakref__ slot breaks the layout's match"
    return type(f"{cls.__name__}Draft", (), {"__slots__": slots})


def _compile(name: str, source: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    exec(source, namespace)
    function: Callable[..., Any] = namespace[name]
    return function


def fast_init(cls: type[T]) -> type[T]:
    """Give ``cls`` a faster ``__init__``: the attrs one's parameters, defaults, converters (plain
    functions), validators (run once every field is set) and ``__attrs_post_init__``.

    A class based on ``object`` and made with ``attrs.frozen(weakref_slot=False)`` is filled as a
    draft; any other, whose layout no draft can match, through each slot's descriptor (a fifth
    cheaper than ``object.__setattr__``).
    """
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    assert not any(isinstance(f.converter, attrs.Converter) for f in fields)
    assert not hasattr(cls, "__attrs_pre_init__")
    drafted = cls.__bases__ == (object,) and "__weakref__" not in vars(cls)["__slots__"]
    namespace: dict[str, Any] = {"_set_class": _set_class, "NOTHING": attrs.NOTHING}
    if drafted:
        namespace["_draft"] = _draft_of(cls)
    positional: list[str] = []
    keyword: list[str] = []
    stores: list[str] = []
    checks: list[str] = []
    for field in fields:
        if not field.init:
            assert field.default is attrs.NOTHING, f"{cls.__name__}.{field.name}: set by __attrs_post_init__"
            continue
        parameter = field.alias
        if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            assert not field.default.takes_self
            namespace[f"_factory_{field.name}"] = field.default.factory
            parameter += "=NOTHING"
            stores.append(
                f"    if {field.alias} is NOTHING:\n        {field.alias} = _factory_{field.name}()"
            )
        elif field.default is not attrs.NOTHING:
            namespace[f"_default_{field.name}"] = field.default
            parameter += f"=_default_{field.name}"
        (keyword if field.kw_only else positional).append(parameter)
        value = field.alias
        if field.converter is not None:
            namespace[f"_convert_{field.name}"] = field.converter
            value = f"_convert_{field.name}({value})"
        if drafted:
            stores.append(f"    self.{field.name} = {value}")
        else:
            namespace[f"_set_{field.name}"] = getattr(cls, field.name).__set__
            stores.append(f"    _set_{field.name}(self, {value})")
        if field.validator is not None:
            namespace[f"_validate_{field.name}"], namespace[f"_field_{field.name}"] = field.validator, field
            checks.append(f"    _validate_{field.name}(self, _field_{field.name}, self.{field.name})")
    if hasattr(cls, "__attrs_post_init__"):
        checks.append("    self.__attrs_post_init__()")
    parameters = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    # Into the draft past the frozen class's __setattr__; back by a plain store (the draft's own).
    swaps = ("    kind = self.__class__\n    _set_class(self, _draft)\n", "    self.__class__ = kind\n")
    enter, leave = swaps if drafted else ("", "")
    body = "".join(f"{line}\n" for line in stores)
    source = f"def __init__({parameters}):\n{enter}{body}{leave}" + "".join(f"{check}\n" for check in checks)
    source += "    pass\n" if not (body or checks) else ""
    init = _compile("__init__", source, namespace)
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


def copier(cls: type[T]) -> Callable[[T], Any]:
    """A function making a mutable copy of a ``cls`` value: its draft, every field copied. Set
    fields on the copy, then make it a ``cls`` by ``copy.__class__ = cls``. ``cls`` must have no
    validator or converter, which the stores skip."""
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    assert not any(f.validator or f.converter for f in fields)
    body = "".join(f"    new.{field.name} = value.{field.name}\n" for field in fields)
    source = f"def copy(value):\n    new = draft()\n{body}    return new"
    copy = _compile("copy", source, {"draft": _draft_of(cls)})
    copy.__doc__ = f"A mutable copy of a {cls.__name__}: its draft."
    return copy


def family(base: type[T]) -> list[type[T]]:
    """``base`` and every subclass of it defined so far."""
    return [base, *(kind for sub in base.__subclasses__() for kind in family(sub))]
