"""The vocabulary of the order process: states, roles and deadline names (rules.md "States")."""

from __future__ import annotations

import enum


class State(str, enum.Enum):
    """Where an order stands. The values are the public, stable state names."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    CANCELLATION_REQUESTED = "cancellation_requested"
    DELIVERED = "delivered"
    REVISION_REQUESTED = "revision_requested"
    REVISION_REFUSED = "revision_refused"
    DISPUTED = "disputed"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CANCELED = "canceled"
    EXPIRED = "expired"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL

    @property
    def is_frozen(self) -> bool:
        return self in FROZEN

    def __str__(self) -> str:
        return self.value


# Every member as a module constant, for the core's hot paths. On Python 3.11, reading a member
# from its class (``State.PENDING``) passes through ``EnumType.__getattr__``, a Python-level hook:
# about 1,000 instructions (callgrind), where a module global is one specialized load (Python 3.12
# removed the hook). ``tests/unit/test_fast_paths.py`` checks each constant is its member.
PENDING = State.PENDING
IN_PROGRESS = State.IN_PROGRESS
CANCELLATION_REQUESTED = State.CANCELLATION_REQUESTED
DELIVERED = State.DELIVERED
REVISION_REQUESTED = State.REVISION_REQUESTED
REVISION_REFUSED = State.REVISION_REFUSED
DISPUTED = State.DISPUTED
ON_HOLD = State.ON_HOLD
COMPLETED = State.COMPLETED
CANCELED = State.CANCELED
EXPIRED = State.EXPIRED

TERMINAL = frozenset({State.COMPLETED, State.CANCELED, State.EXPIRED})
FROZEN = frozenset({State.DISPUTED, State.ON_HOLD})
#: Non-terminal, non-frozen: the states in which the parties act and timers run.
ACTIVE = frozenset(State) - TERMINAL - FROZEN
#: States in which the seller is working against a delivery deadline (R-TIME-4).
WORKING = frozenset({State.IN_PROGRESS, State.CANCELLATION_REQUESTED})


class Role(str, enum.Enum):
    """Who issues a command. Timers are not a role: they fire deadlines (see ``Deadline``)."""

    BUYER = "buyer"
    SELLER = "seller"
    PLATFORM = "platform"

    def __str__(self) -> str:
        return self.value


class Deadline(str, enum.Enum):
    """Stable deadline names (the keys of an order's running deadlines, scenario-format.md).

    The order of the members is the firing order of deadlines due at the same instant (R-TIME-2).
    Each custom offer's lapse is listed as ``offer:<offer_id>``.
    """

    OFFER = "offer"
    SELLER_ANSWER = "seller_answer"
    DELIVERY = "delivery"
    REVIEW_DECISION = "review_decision"
    BUYER_DECISION = "buyer_decision"
    ACCEPTANCE = "acceptance"
    EXPIRY = "expiry"

    def __str__(self) -> str:
        return self.value


# The members of ``Role`` and ``Deadline`` as module constants (see ``PENDING`` above).
BUYER = Role.BUYER
SELLER = Role.SELLER
PLATFORM = Role.PLATFORM
OFFER = Deadline.OFFER
SELLER_ANSWER = Deadline.SELLER_ANSWER
DELIVERY = Deadline.DELIVERY
REVIEW_DECISION = Deadline.REVIEW_DECISION
BUYER_DECISION = Deadline.BUYER_DECISION
ACCEPTANCE = Deadline.ACCEPTANCE
EXPIRY = Deadline.EXPIRY
