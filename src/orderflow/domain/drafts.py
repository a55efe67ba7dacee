"""Fast construction and copying of frozen slotted attrs classes, through a mutable draft.

What it buys. A frozen attrs class refuses attribute stores, so its ``__init__`` sets each slot
through ``object.__setattr__`` (about 1.2k instructions a field). Here an instance is filled as a
draft, a subclass of the frozen class that adds no slot and puts back ``object``'s
``__setattr__``, so its stores are the interpreter's fastest, then made an instance of the frozen
class by ``__class__`` assignment. CPython allows that assignment between a class and a subclass
adding nothing to its layout, and checks it without comparing slots one by one (about 500
instructions; between sibling classes with the same slots, twice that). A builder (below) makes
a draft and swaps it once, whatever the number of fields (a small class's draft is made when its
builder is first asked for, so importing makes fewer classes). An ``__init__`` swaps twice, since the
class call made a frozen instance: worth it from ``DRAFT_FIELDS`` fields (callgrind: a 3-field
``Option`` builds in 6 % fewer instructions as a draft, a 2-field ``Money`` in 5 % more); a
smaller class sets each slot through its descriptor. An event copies ``Order`` into a draft
(``copier``, or ``copy_lines`` written into its own ``apply``), sets what it changes and makes the
draft an ``Order`` again (``finisher``).

Validators are checked in one expression first. A validator may carry ``inline``: an expression
that, when true, proves the validator passes (``validators.py`` gives each of its checks one, and
``tests/unit/test_fast_paths.py`` proves the proofs on hostile values). The generated
``__init__`` evaluates every field's inline expression at once, without a call; only when one of
them is false does it call the validators, every one in field order, so that the first failing
field raises its own message exactly as attrs' ``__init__`` would. A converter may carry
``inline`` too: an expression that, when true, proves the converter would return the value as it
is, so the call is skipped; and ``known``: a dict from strings to what the converter returns for
them (``Money``'s amounts already parsed), looked up without a call.

Beside each ``__init__``, ``fast_init`` writes a function with the same parameters that builds the
value itself (``builder(cls)``): calling a class passes through ``type.__call__``, which packs
keywords into a dict for ``__init__``, so the core's hot paths build their events, orders and
decisions through these (an event of eight fields: half the instructions). A builder is compiled
when first asked for, so importing the core stays fast.

Values built from one argument alone can be shared instead of built (``Shared``): an
argument-less command is one value per actor.

How it stays honest. The generated functions are registered in ``linecache`` under a unique file
name, as attrs registers its own, so tracebacks, debuggers and ``inspect.getsource`` show them;
their ``__annotations__`` are attrs' own; validators are skipped inside
``attrs.validators.disabled()``, as attrs skips them; a class the trick cannot serve raises
``TypeError`` when it is decorated.

How it is proven equal to the plain way. With ``ORDERFLOW_PLAIN_ATTRS=1`` in the environment at
import, ``fast_init`` leaves every class as attrs made it, ``finisher`` builds the value
through its attrs ``__init__`` and nothing is shared: CI runs the whole test suite that way too
(``.ci/run``), so the trick changes nothing but speed.
"""

from __future__ import annotations

import linecache
import os
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import attr._config  # the switch attrs' own generated __init__s read for validators.disabled()
import attrs

T = TypeVar("T")

#: Plain attrs classes everywhere, read once at import (see the module docstring).
PLAIN = os.environ.get("ORDERFLOW_PLAIN_ATTRS", "") not in ("", "0")

_set_class = object.__dict__["__class__"].__set__  # passes by the frozen class's __setattr__

#: ``builder(cls)``: the function ``fast_init`` made beside ``cls.__init__``.
#: Until first asked for: (the source filling a draft, or None if none can fit; the source setting
#: slots through descriptors, or None if a draft is sure; the names the code reads).
_BUILDS: dict[type, Callable[..., Any] | tuple[str | None, str | None, dict[str, Any]]] = {}

#: The fewest fields for which ``__init__`` filling a draft beats setting each slot through its
#: descriptor (see the module docstring).
DRAFT_FIELDS = 3


class Inline:
    """An inline proof that a validator passes: ``template`` is a Python expression in which
    ``{v}`` is the value and each other ``{name}`` a value of ``names`` (a class, a bound), e.g.
    ``Inline("type({v}) is {kind}", kind=Money)``. True must imply the validator passes; False
    proves nothing (the validator then runs and says what is wrong)."""

    __slots__ = ("names", "template")

    def __init__(self, template: str, **names: object) -> None:
        self.template, self.names = template, names

    def expression(self, value: str, prefix: str, namespace: dict[str, Any]) -> str:
        """The expression about ``value`` (a Python expression), its names put in ``namespace``."""
        for name, named in self.names.items():
            namespace[prefix + name] = named
        return "(" + self.template.format(v=value, **{name: prefix + name for name in self.names}) + ")"


def _refuse(cls: type, problem: str) -> TypeError:
    return TypeError(f"drafts cannot serve {cls.__qualname__}: {problem}")


def _draft_of(cls: type) -> type | None:
    """The draft of ``cls`` (made once: ``fast_init``, its builder and ``copier`` share it)."""
    if cls not in _DRAFTS:
        _DRAFTS[cls] = _new_draft(cls)
    return _DRAFTS[cls]


_DRAFTS: dict[type, type | None] = {}


def _new_draft(cls: type) -> type | None:
    """A mutable subclass of ``cls`` adding nothing to its layout, or None if ``__class__``
    assignment cannot swap them.

    The draft only puts back ``object``'s ``__setattr__``, ``__delattr__`` and ``__init__``, so its
    stores are the interpreter's plainest and ``draft()`` makes an empty one. Because it adds no
    slot, CPython swaps it with ``cls`` without comparing their slots one by one (a sibling class
    with the same slots costs twice as much to swap). The swap is tried once here, on an instance
    no ``__init__`` has filled, so a layout CPython refuses is found when the class is decorated,
    never when a value is built.
    """
    if vars(cls).get("__slots__") is None or cls.__dictoffset__:  # not slotted, or has a __dict__
        return None
    namespace: dict[str, Any] = {
        "__slots__": (),
        "_is_draft": True,
        "__setattr__": object.__setattr__,
        "__delattr__": object.__delattr__,
        "__init__": object.__init__,
    }
    draft = type(f"{cls.__name__}Draft", (cls,), namespace)
    probe: object = object.__new__(cls)
    try:
        _set_class(probe, draft)
        _set_class(probe, cls)
    except TypeError:
        return None
    return draft


def _draft_or_refuse(cls: type) -> type:
    draft = _draft_of(cls)
    if draft is None:
        raise _refuse(cls, "no draft matches its layout (it must be slotted, without a __dict__)")
    return draft


def _compile(cls: type, name: str, source: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    """Compile ``source`` defining ``name`` for ``cls`` (see ``compile_function``)."""
    return compile_function(cls, name, source, namespace)


def compile_function(
    owner: type | Callable[..., Any],
    what: str,
    source: str,
    namespace: dict[str, Any],
    name: str | None = None,
) -> Callable[..., Any]:
    """Compile ``source`` defining the function ``name`` (default ``what``) made for ``owner`` (a
    class or function), registered in ``linecache`` under a unique file name, as attrs registers
    its own: tracebacks, debuggers and ``inspect.getsource`` show it."""
    name = name or what
    base = f"<orderflow drafts {what} {owner.__module__}.{owner.__qualname__}>"
    filename, count = base, 0
    while (
        linecache.cache.setdefault(filename, entry := (len(source), None, source.splitlines(True), filename))
        != entry
    ):
        count += 1
        filename = f"{base[:-1]}-{count}>"
    namespace["__name__"] = owner.__module__
    exec(compile(source, filename, "exec"), namespace)
    function: Callable[..., Any] = namespace[name]
    function.__qualname__ = f"{owner.__qualname__}.{name}"
    return function


def fast_init(cls: type[T]) -> type[T]:
    """Give ``cls`` a faster ``__init__``: the attrs one's parameters, defaults, converters (plain
    functions), validators (run once every field is set) and ``__attrs_post_init__``.

    A slotted class is filled as a draft (from ``DRAFT_FIELDS`` fields in ``__init__``); any other,
    and a smaller one's ``__init__``, through each slot's descriptor (a fifth cheaper than
    ``object.__setattr__``). Under ``ORDERFLOW_PLAIN_ATTRS`` it returns ``cls`` as is.
    """
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    if any(isinstance(f.converter, attrs.Converter) for f in fields):
        raise _refuse(cls, "a Converter object (only plain converter functions are supported)")
    if hasattr(cls, "__attrs_pre_init__"):
        raise _refuse(cls, "__attrs_pre_init__ is not supported")
    if PLAIN:
        return cls
    # ``__init__``, which must first swap the instance the class call made into its draft, fills
    # one from DRAFT_FIELDS fields (see the module docstring); a builder fills a draft whenever one
    # fits, and a smaller class's draft is made when its builder is first asked for.
    many = sum(f.init for f in fields) >= DRAFT_FIELDS
    draft = _draft_of(cls) if many else None
    drafted = draft is not None
    namespace: dict[str, Any] = {"_set_class": _set_class, "NOTHING": attrs.NOTHING, "_config": attr._config}
    if drafted:
        namespace["_draft"] = draft
    positional: list[str] = []
    keyword: list[str] = []
    stores: list[str] = []  # into a draft
    set_stores: list[str] = []  # through each slot's descriptor (``__init__``, few fields)
    checks: list[str] = []  # every validator's call, in field order
    unproven: list[str] = []  # the calls of validators without an inline proof
    proofs: list[str] = []  # the inline proofs (see the module docstring)
    for field in fields:
        if not field.init:
            if field.default is not attrs.NOTHING:
                raise _refuse(cls, f"{field.name} has a default but no init (set it in __attrs_post_init__)")
            continue
        parameter = field.alias
        if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            if field.default.takes_self:
                raise _refuse(cls, f"{field.name}: a Factory taking self is not supported")
            namespace[f"_factory_{field.name}"] = field.default.factory
            parameter += "=NOTHING"
            made = f"if {field.alias} is NOTHING:\n        {field.alias} = _factory_{field.name}()"
            stores.append(made)
            set_stores.append(made)
        elif field.default is not attrs.NOTHING:
            namespace[f"_default_{field.name}"] = field.default
            parameter += f"=_default_{field.name}"
        (keyword if field.kw_only else positional).append(parameter)
        value = field.alias
        if field.converter is not None:
            namespace[f"_convert_{field.name}"] = field.converter
            kept: Inline | None = getattr(field.converter, "inline", None)  # proves convert(v) is v
            known: dict[str, Any] | None = getattr(field.converter, "known", None)  # convert(v) of strings
            value = f"_convert_{field.name}({value})"
            if kept is not None:
                proof = kept.expression(field.alias, f"_kept_{field.name}_", namespace)
                value = f"{field.alias} if {proof} else {value}"
            if known is not None:
                namespace[f"_known_{field.name}"] = known
                value = (
                    f"_hit if type({field.alias}) is str and "
                    f"(_hit := _known_{field.name}.get({field.alias})) is not None else {value}"
                )
        stores.append(f"self.{field.name} = {value}")
        if not drafted:
            namespace[f"_set_{field.name}"] = getattr(cls, field.name).__set__
            set_stores.append(f"_set_{field.name}(self, {value})")
        if field.validator is not None:
            namespace[f"_validate_{field.name}"], namespace[f"_field_{field.name}"] = field.validator, field
            call = f"_validate_{field.name}(self, _field_{field.name}, self.{field.name})"
            checks.append(call)
            inline: Inline | None = getattr(field.validator, "inline", None)
            if inline is None:
                unproven.append(call)
            else:
                # the value as stored: the parameter itself, unless a converter made it
                stored = field.alias if field.converter is None else f"self.{field.name}"
                proofs.append(inline.expression(stored, f"_inline_{field.name}_", namespace))
    filled = [f"    {store}" for store in stores]
    set_filled = [f"    {store}" for store in set_stores]
    after: list[str] = []  # once every field is set
    if checks:  # attrs' own __init__ reads the same switch (attrs.validators.disabled())
        after.append("    if _config._run_validators is True:")
        if proofs:
            after.append(f"        if {' and '.join(proofs)}:")
            after += [f"            {call}" for call in unproven] or ["            pass"]
            after.append("        else:")
        after += [f"{'    ' if proofs else ''}        {call}" for call in checks]
    if hasattr(cls, "__attrs_post_init__"):
        after.append("    self.__attrs_post_init__()")
    parameters = [*positional, *(["*", *keyword] if keyword else [])]
    namespace["_frozen"], namespace["_new"] = cls, object.__new__
    if drafted:  # into the draft past the frozen class's __setattr__; back by the draft's own store
        init_lines = [
            "    kind = self.__class__",
            "    _set_class(self, _draft)",
            *filled,
            "    self.__class__ = kind",
        ]
    else:
        init_lines = set_filled
    source = "\n".join(
        [f"def __init__({', '.join(['self', *parameters])}):", *(init_lines + after or ["    pass"])]
    )
    init = _compile(cls, "__init__", source + "\n", namespace)
    init.__annotations__ = dict(cls.__init__.__annotations__)  # attrs' own, from the field types
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[method-assign]

    def build_source(lines: list[str]) -> str:
        return "\n".join([f"def build({', '.join(parameters)}):", *lines, *after, "    return self"]) + "\n"

    by_draft = build_source(["    self = _draft()", *filled, "    self.__class__ = _frozen"])
    by_descriptors = build_source(["    self = _new(_frozen)", *set_filled])
    _BUILDS[cls] = (  # compiled by the first ``builder(cls)``: import stays fast
        None if many and not drafted else by_draft,
        None if drafted else by_descriptors,
        namespace,
    )
    return cls


def builder(cls: type[T]) -> Callable[..., T]:
    """``cls`` as a function: the same parameters, defaults, converters and validators as calling
    the class (its ``fast_init`` ``__init__``), without the class call's own work (``type.__call__``
    packs keywords into a dict for ``__init__``; a function takes them as they come), so building
    an event with keywords costs about half. The core's hot paths build their values with it.
    Under ``ORDERFLOW_PLAIN_ATTRS``, or for a class ``fast_init`` did not serve, it is ``cls``."""
    build = _BUILDS.get(cls)
    if build is None:
        return cls
    if isinstance(build, tuple):
        by_draft, by_descriptors, namespace = build
        if by_draft is not None and "_draft" not in namespace:
            draft = _draft_of(cls)
            if draft is None:
                by_draft = None
            else:
                namespace["_draft"] = draft
        source = by_draft if by_draft is not None else by_descriptors
        assert source is not None  # fast_init gives one or the other
        build = _BUILDS[cls] = _compile(cls, "build", source, namespace)
    return build


def copier(cls: type[T]) -> Callable[[T], Any]:
    """A function making a mutable copy of a ``cls`` value: its draft, every field copied. Set
    fields on the copy, then make it a ``cls`` with ``finisher(cls)``. ``cls`` must have no
    validator or converter, which the stores skip."""
    lines, draft = copy_lines(cls, "value", "new")
    source = "def copy(value):\n    new = draft()\n" + "".join(f"    {line}\n" for line in lines)
    copy = _compile(cls, "copy", source + "    return new\n", {"draft": draft})
    copy.__doc__ = f"A mutable copy of a {cls.__name__}: its draft."
    return copy


def copy_lines(cls: type, value: str, new: str, skip: Iterable[str] = ()) -> tuple[list[str], type]:
    """``copier``'s statements, for generated code that fills the copy further in the same frame:
    each field of the ``cls`` value named ``value`` stored into the draft named ``new`` (but the
    fields in ``skip``), and the draft class to make ``new`` from. Same conditions as ``copier``."""
    fields = attrs.fields(cls)
    if any(f.validator or f.converter for f in fields):
        raise _refuse(cls, "a copy skips validators and converters: the class must have none")
    skipped = set(skip)
    lines = [f"{new}.{f.name} = {value}.{f.name}" for f in fields if f.name not in skipped]
    return lines, _draft_or_refuse(cls)


def finisher(cls: type[T]) -> Callable[[Any], T]:
    """A function making a draft of ``copier(cls)`` a ``cls`` value: by ``__class__`` assignment,
    or, under ``ORDERFLOW_PLAIN_ATTRS``, by building a new one through attrs' ``__init__``."""
    if PLAIN:
        fields = [f for f in attrs.fields(cls) if f.init]  # type: ignore[arg-type]

        def build(new: Any) -> T:
            return cls(**{f.alias: getattr(new, f.name) for f in fields})

        return build
    source = "def finish(new):\n    new.__class__ = frozen\n    return new\n"
    return _compile(cls, "finish", source, {"frozen": cls})


class Shared(type):
    """A metaclass for immutable values built from one argument alone: ``share(cls, keys)``
    builds one value per key, and calling ``cls(key)`` returns it instead of building another
    (an argument-less command per actor: ``Accept("seller") is Accept(Role.SELLER)``). Any
    other call builds as usual. Under ``ORDERFLOW_PLAIN_ATTRS`` nothing is shared."""

    def __call__(cls, key: Any = attrs.NOTHING, /, *args: Any, **kwargs: Any) -> Any:
        # The key positional-only and the shared values in a module dict: packing the arguments
        # into a tuple and reading a class attribute (not a specialized load in Python 3.11)
        # cost more than the lookup.
        if not (args or kwargs):
            try:
                return _SHARED[cls][key]
            except (KeyError, TypeError):  # not shared, or unhashable: built (and checked) below
                pass
        # ``type.__call__`` named, not ``super()``: its ``__class__`` cell would be copied on each call
        return type.__call__(cls, *(() if key is attrs.NOTHING else (key,)), *args, **kwargs)


#: The shared values of each ``Shared`` class, by key (``share``).
_SHARED: dict[type, dict[object, object]] = {}


def share(cls: type, keys: Iterable[object]) -> None:
    """Build the shared value of ``cls``, a ``Shared`` class, for each key (equal keys share one)."""
    if not isinstance(cls, Shared):
        raise _refuse(cls, "only a class made with metaclass=Shared shares its values")
    _SHARED[cls] = {} if PLAIN else {key: type.__call__(cls, key) for key in keys}


def family(base: type[T]) -> list[type[T]]:
    """``base`` and every slotted subclass of it defined so far, once each, drafts aside.

    A slotted attrs class replaces the class its ``class`` statement made; until the collector
    frees that one, ``__subclasses__`` lists it too: it has no ``__slots__`` of its own.
    """
    slotted = [
        sub for sub in base.__subclasses__() if "__slots__" in vars(sub) and "_is_draft" not in vars(sub)
    ]
    return list(dict.fromkeys([base, *(kind for sub in slotted for kind in family(sub))]))
