"""The domain's errors: every rejection is a ``Rejection`` named after what went wrong.

The hierarchy has one root and three branches, so that a host catches what it means::

    OrderflowError              anything orderflow raises on purpose
    ├── Rejection               the rules refused a command or an argument; nothing changed
    ├── StorageError            (orderflow.errors) the storage could not do it: conflicts, unknown ids, down
    └── IntegrityError          (orderflow.errors) data that cannot be trusted or read: corrupt history

The class names are public (scenario files match them by name). ``decide`` checks them in the
order of R-ERR-1: InvalidArgument, InvalidTransition, NotAllowed, DeadlinePassed,
UnknownReference, InvalidAmount / CurrencyMismatch. InvalidTime is checked before all of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class OrderflowError(Exception):
    """Base class of every error orderflow raises on purpose (see the three branches above)."""


class Rejection(OrderflowError):
    """A command or an argument the rules refuse (R-ERR-1): the order and everything else are
    unchanged. Catching it means "rejected", never "conflict" or "corrupt data"."""

    #: When timers were due before a rejected command, they fired anyway (R-TIME-2): this is
    #: the ``Decision`` that fired them, for the host to persist; ``None`` when nothing was due.
    #: Typed ``Any``: this module sits below ``decision`` in the layering, which has no cycle.
    advanced: Any = None


class InvalidArgument(Rejection):
    """A malformed argument: wrong type, empty reason, rating outside 1-5, duplicate offer id."""


class InvalidTime(Rejection):
    """A naive datetime, or a time earlier than the order's last event (R-TIME-1)."""


class InvalidAmount(Rejection):
    """A bad amount: not positive, too many decimals, over a cap or over what is in escrow."""


class CurrencyMismatch(InvalidAmount):
    """An amount in another currency than the order's (R-MONEY-6)."""


class DeadlinePassed(Rejection):
    """The window for this action closed without a transition (review, restart after expiry)."""


class UnknownReference(Rejection):
    """An offer or partial-refund proposal that does not exist or is no longer open."""


class Refusal(Rejection):
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


class StorageError(OrderflowError):
    """The storage could not do what was asked (a conflict, an unknown id, a server down); the
    concrete classes live in ``orderflow.errors``."""


class IntegrityError(OrderflowError):
    """Stored or received data that breaks the model or cannot be read; the concrete classes live
    in ``orderflow.errors``."""
