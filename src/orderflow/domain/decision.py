"""``Decision``: what deciding produced — the new order, its events, their effects.

Effects are derived when first read. Deriving the effects of an order's end (money moved, the
seller's statistics, chat and review windows) costs about as much as deciding the command that
ended it, and many callers only keep the order. So ``commit`` records each event with the orders
before and after it, and ``Decision.effects`` derives the effects from them on first read, then
keeps them. The orders are immutable, so the effects are the same whenever they are read;
equality, hashing and ``repr`` read them too, so a decision compares as if they were eager.
"""

from __future__ import annotations

from typing import Any

import attrs

from .drafts import fast_init
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


def _derived(effects: tuple[Effect, ...] | _Later) -> tuple[Effect, ...]:
    return effects.derive() if isinstance(effects, _Later) else effects


def _steps(effects: tuple[Effect, ...] | _Later) -> tuple[_Step, ...]:
    if isinstance(effects, _Later):
        return effects
    return ((effects, None, None),) if effects else ()


@fast_init
@attrs.frozen(weakref_slot=False, repr=False)
class Decision:
    """The order after a decision, the events that led there and the effects the host must do.

    ``fired`` names the deadlines that fired by themselves, in order (R-TIME-2).
    """

    order: Order
    events: tuple[Event, ...] = ()
    #: The effects, or what derives them (``_Later``): read ``effects``.
    _effects: tuple[Effect, ...] | _Later = attrs.field(default=(), alias="effects", eq=_derived)
    fired: tuple[str, ...] = ()

    @property
    def effects(self) -> tuple[Effect, ...]:
        """The effects the host must carry out, in the order of the events that caused them."""
        effects = self._effects
        if not isinstance(effects, _Later):
            return effects
        derived = effects.derive()
        _keep_effects(self, derived)
        return derived

    def __repr__(self) -> str:
        return (
            f"Decision(order={self.order!r}, events={self.events!r}, effects={self.effects!r}, "
            f"fired={self.fired!r})"
        )

    def then(self, later: Decision) -> Decision:
        """This decision followed by ``later`` (which must start from this one's order)."""
        first, second = self._effects, later._effects
        if isinstance(first, _Later) or isinstance(second, _Later):
            effects: tuple[Effect, ...] | _Later = _Later(_steps(first) + _steps(second))
        else:
            effects = first + second
        return Decision(later.order, self.events + later.events, effects, self.fired + later.fired)


#: Stores the derived effects in the slot (the value stays immutable: this only caches).
_keep_effects = vars(Decision)["_effects"].__set__


def commit(order: Order, events: list[Event], fired: tuple[str, ...] = ()) -> Decision:
    """Apply ``events`` to ``order`` in turn; their effects are derived when first read."""
    if len(events) == 1:  # the common case, without the loop
        (event,) = events
        after = event.apply(order)
        return Decision(after, (event,), _Later(((event, order, after),)), fired)
    steps = []
    for event in events:
        after = event.apply(order)
        steps.append((event, order, after))
        order = after
    return Decision(order, tuple(events), _Later(tuple(steps)) if steps else (), fired)
