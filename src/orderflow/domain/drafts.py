"""Fast construction and copying of frozen slotted attrs classes, through a mutable draft.

A frozen attrs class refuses attribute stores, so its ``__init__`` sets each slot through
``object.__setattr__`` (about 1.2k instructions a field). Here an instance is filled as a draft,
a plain class with the same slots whose stores are the interpreter's fastest, then made an
instance of the frozen class by ``__class__`` assignment, which CPython allows between classes of
one layout: both based on ``object``, neither with a ``__weakref__`` slot (``weakref_slot=False``).
The hot value classes construct in about half the instructions; ``Order`` copies in half.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

T = TypeVar("T")

_set_class = object.__dict__["__class__"].__set__  # passes by the frozen class's __setattr__
_KEEP: Any = object()


def _draft_of(cls: type) -> type:
    slots = vars(cls)["__slots__"]
    assert cls.__bases__ == (object,), f"{cls.__name__}: a draft has the layout of a class based on object"
    assert "__weakref__" not in slots, f"{cls.__name__}: a __weakref__ slot breaks the layout's match"
    return type(f"{cls.__name__}Draft", (), {"__slots__": slots})


def _compile(name: str, source: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    exec(source, namespace)
    function: Callable[..., Any] = namespace[name]
    return function


def fast_init(cls: type[T]) -> type[T]:
    """Give ``cls`` an ``__init__`` that fills a draft: the attrs ``__init__``'s parameters,
    defaults, converters (plain functions), validators (run once every field is set) and
    ``__attrs_post_init__``. Applied on top of ``attrs.frozen(weakref_slot=False)``."""
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    assert not any(isinstance(f.converter, attrs.Converter) for f in fields)
    assert not hasattr(cls, "__attrs_pre_init__")
    namespace: dict[str, Any] = {"_draft": _draft_of(cls), "_set_class": _set_class, "NOTHING": attrs.NOTHING}
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
        stores.append(f"    self.{field.name} = {value}")
        if field.validator is not None:
            namespace[f"_validate_{field.name}"], namespace[f"_field_{field.name}"] = field.validator, field
            checks.append(f"    _validate_{field.name}(self, _field_{field.name}, self.{field.name})")
    if hasattr(cls, "__attrs_post_init__"):
        checks.append("    self.__attrs_post_init__()")
    parameters = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    body = "\n".join(["    kind = self.__class__", "    _set_class(self, _draft)", *stores])
    source = f"def __init__({parameters}):\n{body}\n    _set_class(self, kind)\n" + "".join(
        c + "\n" for c in checks
    )
    init = _compile("__init__", source, namespace)
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


def evolver(cls: type[T]) -> Callable[..., T]:
    """``attrs.evolve`` for ``cls``, filling a draft: ``evolve(value, field=...)``. ``cls`` must
    have no validator or converter, which this copy would skip."""
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    assert not any(f.validator or f.converter for f in fields)
    names = [field.name for field in fields]
    namespace: dict[str, Any] = {"_KEEP": _KEEP, "_new": object.__new__, "cls": cls, "draft": _draft_of(cls)}
    parameters = ", ".join(f"{name}=_KEEP" for name in names)
    body = "".join(f"    new.{name} = value.{name} if {name} is _KEEP else {name}\n" for name in names)
    head = f"def evolve(value, *, {parameters}):\n    new = _new(draft)\n"
    evolve = _compile("evolve", f"{head}{body}    new.__class__ = cls\n    return new", namespace)
    evolve.__doc__ = f"A copy of a {cls.__name__} with the given fields changed."
    return evolve
