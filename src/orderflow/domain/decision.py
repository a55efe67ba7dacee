"""``Decision``: what deciding produced — the new order, its events, their effects."""

from __future__ import annotations

import attrs

from .drafts import fast_init
from .effects import Effect, effects_of
from .events import Event
from .order import Order


@fast_init
@attrs.frozen(weakref_slot=False)
class Decision:
    """The order after a decision, the events that led there and the effects the host must do.

    ``fired`` names the deadlines that fired by themselves, in order (R-TIME-2).
    """

    order: Order
    events: tuple[Event, ...] = ()
    effects: tuple[Effect, ...] = ()
    fired: tuple[str, ...] = ()

    def then(self, later: Decision) -> Decision:
        """This decision followed by ``later`` (which must start from this one's order)."""
        return Decision(
            later.order, self.events + later.events, self.effects + later.effects, self.fired + later.fired
        )


def commit(order: Order, events: list[Event], fired: tuple[str, ...] = ()) -> Decision:
    """Apply ``events`` to ``order`` in turn, collecting the effects of each."""
    effects: tuple[Effect, ...] = ()
    for event in events:
        after = event.apply(order)
        effects += effects_of(event, order, after)
        order = after
    return Decision(order, tuple(events), effects, fired)
