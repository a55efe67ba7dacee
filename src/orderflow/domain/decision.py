"""``Decision``: what deciding produced — the new order, its events, their effects.

Effects are derived when first read. Deriving the effects of an order's end (money moved, the
seller's statistics, chat and review windows) costs about as much as deciding the command that
ended it, and many callers only keep the order. So ``commit`` records each event with the orders
before and after it, and ``Decision.effects`` derives the effects from them on first read, then
keeps them. A decision of one event (most of them) records only the order before it: the event
and the order after it are the decision's own. The orders are immutable, so the effects are the
same whenever they are read; equality, hashing and ``repr`` read them too, so a decision compares
as if they were eager.
"""

from __future__ import annotations

from typing import Any

import attrs

from .drafts import builder, fast_init
from .effects import Effect, effects_of
from .events import Event
from .order import Order

#: One step of a decision: an event with the orders before and after it (``before`` is None for a
#: placement), or ``(effects, None, None)``: effects given already.
_Step = tuple[Any, Any, Any]


class _Later(tuple[_Step, ...]):
    """The effects of a decision, not derived yet: its steps, in order (a tuple, which builds
    without a Python-level ``__init__``)."""

    __slots__ = ()

    def derive(self) -> tuple[Effect, ...]:
        found: tuple[Effect, ...] = ()
        for event, before, after in self:
            found += event if after is None else effects_of(event, before, after)
        return found


#: What a decision holds in place of its effects until they are read: the effects themselves, the
#: steps that derive them, or (one event) the order before it.
_Pending = tuple[Effect, ...] | _Later | Order


@fast_init
@attrs.frozen(weakref_slot=False, repr=False, eq=False)
class Decision:
    """The order after a decision, the events that led there and the effects the host must do.

    ``fired`` names the deadlines that fired by themselves, in order (R-TIME-2).
    """

    order: Order
    events: tuple[Event, ...] = ()
    #: The effects, or what derives them (see ``_Pending``): read ``effects``.
    _effects: _Pending = attrs.field(default=(), alias="effects")
    fired: tuple[str, ...] = ()

    @property
    def effects(self) -> tuple[Effect, ...]:
        """The effects the host must carry out, in the order of the events that caused them."""
        effects = self._effects
        if type(effects) is Order:  # the order before the decision's one event
            derived = effects_of(self.events[0], effects, self.order)
        elif type(effects) is _Later:
            derived = effects.derive()
        else:
            return effects  # type: ignore[return-value]
        _keep_effects(self, derived)
        return derived

    def _steps(self) -> tuple[_Step, ...]:
        effects = self._effects
        if type(effects) is Order:
            return ((self.events[0], effects, self.order),)
        if type(effects) is _Later:
            return effects
        return ((effects, None, None),) if effects else ()

    def _compared(self) -> tuple[object, ...]:
        return (self.order, self.events, self.effects, self.fired)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Decision:
            return NotImplemented
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def __repr__(self) -> str:
        return (
            f"Decision(order={self.order!r}, events={self.events!r}, effects={self.effects!r}, "
            f"fired={self.fired!r})"
        )

    def then(self, later: Decision) -> Decision:
        """This decision followed by ``later`` (which must start from this one's order)."""
        first, second = self._effects, later._effects
        if type(first) in _LAZY or type(second) in _LAZY:
            effects: _Pending = _Later(self._steps() + later._steps())
        else:
            effects = first + second  # type: ignore[operator,assignment]
        return new_decision(later.order, self.events + later.events, effects, self.fired + later.fired)


_LAZY = (Order, _Later)

#: ``Decision(...)`` without the class call (``drafts.builder``), for the core's hot paths.
new_decision = builder(Decision)

#: Stores the derived effects in the slot (the value stays immutable: this only caches).
_keep_effects = vars(Decision)["_effects"].__set__


def commit(order: Order, events: tuple[Event, ...], fired: tuple[str, ...] = ()) -> Decision:
    """Apply ``events`` to ``order`` in turn; their effects are derived when first read."""
    if len(events) == 1:  # the common case, without the loop: the order before derives the effects
        return new_decision(events[0].apply(order), events, order, fired)
    steps = []
    for event in events:
        after = event.apply(order)
        steps.append((event, order, after))
        order = after
    return new_decision(order, events, _Later(tuple(steps)) if steps else (), fired)
