"""The public catalogue: every event class is importable from ``orderflow``, every command has
one handler looked up by its class, and who hears of each event comes from one table."""

from __future__ import annotations

import orderflow
from orderflow import COMMANDS, Event, Notification, Role
from orderflow.domain import effects
from orderflow.domain.drafts import family
from orderflow.domain.handlers import HANDLERS

EVENTS = [kind for kind in family(Event) if not kind.__name__.startswith("_")]


def test_every_event_class_is_exported_from_orderflow() -> None:
    assert len(EVENTS) == 30
    for kind in EVENTS:
        assert getattr(orderflow, kind.__name__) is kind
        assert kind.__name__ in orderflow.__all__


def test_every_command_class_has_its_handler_and_nothing_else_does() -> None:
    assert set(HANDLERS) == set(COMMANDS.values())


def test_the_fixed_notifications_are_derived_from_the_audience_table() -> None:
    """An event's audience is written once: in ``AUDIENCE``, as roles or as a function. The
    notifications of the fixed ones are made from it; the others are addressed each time."""
    for kind in family(Event):
        audience = effects.AUDIENCE.get(kind, (Role.BUYER, Role.SELLER))
        if callable(audience):
            assert kind not in effects._FIXED_NOTICES
        else:
            assert effects._FIXED_NOTICES[kind] == tuple(Notification(r, kind.__name__) for r in audience)
