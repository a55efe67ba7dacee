"""The error hierarchy: every rejection is an ``OrderflowError`` named after what went wrong.

The class names are public (scenario files match them by name). ``decide`` checks them in the
order of R-ERR-1: InvalidArgument, InvalidTransition, NotAllowed, DeadlinePassed,
UnknownReference, InvalidAmount / CurrencyMismatch. InvalidTime is checked before all of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .decision import Decision


class OrderflowError(Exception):
    """Base class of every error orderflow raises on bad input."""

    #: When timers were due before a rejected command, they fired anyway (R-TIME-2): this is
    #: the decision that fired them, for the host to persist; ``None`` when nothing was due.
    advanced: Decision | None = None


class InvalidArgument(OrderflowError):
    """A malformed argument: wrong type, empty reason, rating outside 1-5, duplicate offer id."""


class InvalidTime(OrderflowError):
    """A naive datetime, or a time earlier than the order's last event (R-TIME-1)."""


class InvalidAmount(OrderflowError):
    """A bad amount: not positive, too many decimals, over a cap or over what is in escrow."""


class CurrencyMismatch(InvalidAmount):
    """An amount in another currency than the order's (R-MONEY-6)."""


class DeadlinePassed(OrderflowError):
    """The window for this action closed without a transition (review, restart after expiry)."""


class UnknownReference(OrderflowError):
    """An offer or partial-refund proposal that does not exist or is no longer open."""


class Refusal(OrderflowError):
    """A command refused by the state graph; carries who could act instead."""

    def __init__(
        self,
        message: str,
        *,
        state: str,
        action: str,
        actor: str,
        allowed: Mapping[str, tuple[str, ...]],
    ) -> None:
        self.state = state
        self.action = action
        self.actor = actor
        self.allowed = dict(allowed)
        super().__init__(f"{message}; {_describe(self.allowed)}")

    def __reduce__(self) -> tuple[object, ...]:
        """Unpickle without ``__init__`` (whose arguments pickle does not keep): a refusal can
        cross process boundaries, e.g. from a multiprocessing worker."""
        return (_unpickled, (type(self), self.args), self.__dict__)


class InvalidTransition(Refusal):
    """No one may do this action in the order's current state and situation."""


class NotAllowed(Refusal):
    """The action exists here, but not for this actor, or not yet."""


def _unpickled(cls: type[Refusal], args: tuple[Any, ...]) -> Refusal:
    refusal = cls.__new__(cls)
    refusal.args = args
    return refusal


def _describe(allowed: Mapping[str, tuple[str, ...]]) -> str:
    parts = [f"{role} may {', '.join(actions)}" for role, actions in allowed.items() if actions]
    return "allowed here: " + ("; ".join(parts) if parts else "nothing")
