"""The codec's events and snapshots through cattrs, for ``bench_codec.py``'s comparison (issue 14).

The same JSON shape as ``orderflow.codec`` (tags, decimal strings, ISO instants, durations in
microseconds, enums as values, frozensets as sorted lists, an order's graph rebuilt from its
policy) and the same leaf decoders, so that the figures compare the two ways of walking the
classes: cattrs' generated structure functions (``detailed_validation``, ``forbid_extra_keys``)
against the codec's compiled closures. The model's checks (``codec/checks.py``) are left out of
the cattrs side: they would cost the same on top of either.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from orderflow.codec.compiler import LEAVES
from orderflow.domain.events import SCHEMA_VERSION, Event
from orderflow.domain.graph import Graph, graph_for
from orderflow.domain.order import Order, Terms
from orderflow.domain.policy import Policy

_MICROSECOND = timedelta(microseconds=1)


def _exactly(kind: type) -> Callable[[Any], bool]:
    return lambda hint: hint is kind


def _structure_with(decode: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    return lambda value, _: decode(value)


def _is_enum(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, enum.Enum)


def _is_set(kind: Any) -> bool:
    return typing.get_origin(kind) is frozenset


def converter() -> cattrs.Converter:
    """A cattrs converter writing and reading the codec's JSON shape."""
    attrs.resolve_types(Terms, localns={"Graph": Graph})  # its graph's type is a TYPE_CHECKING name
    convert = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    for kind in (Decimal, datetime, timedelta, str, int, bool):
        encode, decode = LEAVES[kind]
        exactly = _exactly(kind)  # not its subclasses (a State is a str)
        convert.register_unstructure_hook_func(exactly, encode)
        convert.register_structure_hook_func(exactly, _structure_with(decode))
    convert.register_unstructure_hook_func(_is_enum, lambda member: member.value)
    convert.register_structure_hook_func(_is_enum, lambda value, kind: kind(value))
    convert.register_unstructure_hook_func(_is_set, sorted)
    convert.register_structure_hook_func(_is_set, lambda value, _: frozenset(value))
    without_graph = make_dict_unstructure_fn(Terms, convert, graph=override(omit=True))
    convert.register_unstructure_hook(Terms, without_graph)
    terms_fields = make_dict_structure_fn(
        _TermsFields, convert, _cattrs_forbid_extra_keys=True, _cattrs_detailed_validation=True
    )

    def structure_terms(value: Any, _: Any) -> Terms:
        fields = attrs.asdict(terms_fields(value, _TermsFields), recurse=False)
        return Terms(**fields, graph=graph_for(fields["policy"]))

    convert.register_structure_hook(Terms, structure_terms)
    return convert


@attrs.frozen
class _TermsFields:
    """``Terms`` without its derived graph: what a snapshot stores of them."""

    order_id: str
    buyer: str
    seller: str
    currency: str
    platform_fee: Decimal
    tax: Decimal
    bank_fee: Decimal
    paid_at: datetime
    policy: Policy


CONVERT = converter()


def codec_of(kind: type) -> tuple[Callable[[Any], dict[str, Any]], Callable[[Any], Any]]:
    """Encode and decode of ``kind`` (an event class or ``Order``) through ``CONVERT``."""
    head: dict[str, Any] = (
        {"type": kind.__name__, "schema": SCHEMA_VERSION}
        if issubclass(kind, Event)
        else {"schema": SCHEMA_VERSION}
    )
    unstructure = CONVERT.get_unstructure_hook(kind)
    structure = CONVERT.get_structure_hook(kind)

    def encode(value: Any) -> dict[str, Any]:
        return {**head, **unstructure(value)}

    def decode(data: dict[str, Any]) -> Any:
        body = dict(data)
        for key, tag in head.items():
            if body.pop(key, None) != tag:
                raise ValueError(f"expected {key} {tag!r}")
        return structure(body, kind)

    return encode, decode


__all__ = ["CONVERT", "Order", "codec_of"]
