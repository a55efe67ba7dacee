"""Commands: one frozen class per action of scenario-format.md, carrying its actor and arguments.

Constructors validate the shape of arguments (InvalidArgument, R-ERR-1's first check); whether an
amount is acceptable for a given order is decided later, by ``decide``, in R-ERR-1 order.
"""

from __future__ import annotations

import enum
from typing import ClassVar

import attrs

from . import validators as v
from .drafts import Inline, Shared, family, fast_init, share
from .errors import InvalidArgument
from .money import Money
from .states import Role

_ROLES = {role.value: role for role in Role}


def _role(value: object) -> Role:
    role = _ROLES.get(value) if isinstance(value, str) else None  # a Role is a str too
    if role is None:
        raise InvalidArgument(f"unknown actor {value!r}; one of {list(_ROLES)}")
    return role


#: Read by ``drafts.fast_init``: a role's name gives its member without the call, a member itself.
_role.known = _ROLES  # type: ignore[attr-defined]
_role.inline = Inline("type({v}) is {kind}", kind=Role)  # type: ignore[attr-defined]


@attrs.frozen
class Command:
    """Base of every command: who acts. ``action`` is the public command name."""

    action: ClassVar[str]
    actor: Role = attrs.field(converter=_role)


@attrs.frozen
class Accept(Command, metaclass=Shared):
    action = "accept"


@attrs.frozen
class Cancel(Command, metaclass=Shared):
    action = "cancel"


@attrs.frozen
class Deliver(Command, metaclass=Shared):
    action = "deliver"


@attrs.frozen
class RequestCancellation(Command, metaclass=Shared):
    action = "request_cancellation"


@attrs.frozen
class AcceptCancellation(Command, metaclass=Shared):
    action = "accept_cancellation"


@attrs.frozen
class RefuseCancellation(Command):
    action = "refuse_cancellation"
    reason: str = attrs.field(validator=v.non_empty_text)


@attrs.frozen
class Close(Command, metaclass=Shared):
    action = "close"


@attrs.frozen
class RequestRevision(Command, metaclass=Shared):
    action = "request_revision"


@attrs.frozen
class AcceptRevision(Command, metaclass=Shared):
    action = "accept_revision"


@attrs.frozen
class RefuseRevision(Command):
    action = "refuse_revision"
    reason: str = attrs.field(validator=v.non_empty_text)


@attrs.frozen
class OpenDispute(Command, metaclass=Shared):
    action = "open_dispute"


class Outcome(str, enum.Enum):
    """A mediator's final decision on a dispute (R-DISP-2)."""

    REFUND = "refund"
    SPLIT = "split"
    RESTART = "restart"
    RELEASE = "release"

    def __str__(self) -> str:
        return self.value


# The members as module constants (see ``states.PENDING``: a member read from its class costs a
# Python-level hook on Python 3.11).
REFUND = Outcome.REFUND
SPLIT = Outcome.SPLIT
RESTART = Outcome.RESTART
RELEASE = Outcome.RELEASE

_OUTCOMES = {outcome.value: outcome for outcome in Outcome}


def _outcome(value: object) -> Outcome:
    # A lookup, as for roles: calling the Enum costs four times as much.
    outcome = _OUTCOMES.get(value) if isinstance(value, str) else None  # an Outcome is a str too
    if outcome is None:
        raise InvalidArgument(f"unknown outcome {value!r}; one of {list(_OUTCOMES)}")
    return outcome


_outcome.known = _OUTCOMES  # type: ignore[attr-defined]
_outcome.inline = Inline("type({v}) is {kind}", kind=Outcome)  # type: ignore[attr-defined]


def _buyer_amount(instance: ResolveDispute, _: object, value: Money | None) -> None:
    if (value is not None) != (instance.outcome is SPLIT):
        raise InvalidArgument("buyer_amount is required for a split, and only for a split")
    if value is not None and not isinstance(value, Money):
        raise InvalidArgument(f"buyer_amount must be Money, not {value!r}")


@attrs.frozen
class ResolveDispute(Command):
    action = "resolve_dispute"
    outcome: Outcome = attrs.field(converter=_outcome)
    buyer_amount: Money | None = attrs.field(default=None, validator=_buyer_amount)


@attrs.frozen
class Hold(Command, metaclass=Shared):
    action = "hold"


@attrs.frozen
class ReleaseHold(Command, metaclass=Shared):
    action = "release_hold"


@attrs.frozen
class BuyOption(Command):
    action = "buy_option"
    name: str = attrs.field(validator=v.non_empty_text)
    price: Money = attrs.field(validator=v.instance_of(Money))
    delivery_days: int = attrs.field(validator=v.whole_days)


@attrs.frozen
class OfferCustom(Command):
    action = "offer_custom"
    offer_id: str = attrs.field(validator=v.identifier)
    price: Money = attrs.field(validator=v.instance_of(Money))
    delivery_days: int = attrs.field(validator=v.whole_days)


@attrs.frozen
class AcceptOffer(Command):
    action = "accept_offer"
    offer_id: str = attrs.field(validator=v.identifier)


@attrs.frozen
class RefuseOffer(Command):
    action = "refuse_offer"
    offer_id: str = attrs.field(validator=v.identifier)


@attrs.frozen
class WithdrawOffer(Command):
    action = "withdraw_offer"
    offer_id: str = attrs.field(validator=v.identifier)


@attrs.frozen
class ProposePartialRefund(Command):
    action = "propose_partial_refund"
    amount: Money = attrs.field(validator=v.instance_of(Money))
    reason: str = attrs.field(validator=v.non_empty_text)


@attrs.frozen
class AcceptPartialRefund(Command, metaclass=Shared):
    action = "accept_partial_refund"


@attrs.frozen
class DeclinePartialRefund(Command, metaclass=Shared):
    action = "decline_partial_refund"


@attrs.frozen
class WithdrawPartialRefund(Command, metaclass=Shared):
    action = "withdraw_partial_refund"


@attrs.frozen
class Review(Command):
    action = "review"
    rating: int = attrs.field(validator=v.int_in(1, 5))
    text: str = attrs.field(default="", validator=v.text)


#: Every command class by its public action name.
COMMANDS: dict[str, type[Command]] = {
    cls.action: cls
    for cls in (
        Accept,
        Cancel,
        Deliver,
        RequestCancellation,
        AcceptCancellation,
        RefuseCancellation,
        Close,
        RequestRevision,
        AcceptRevision,
        RefuseRevision,
        OpenDispute,
        ResolveDispute,
        Hold,
        ReleaseHold,
        BuyOption,
        OfferCustom,
        AcceptOffer,
        RefuseOffer,
        WithdrawOffer,
        ProposePartialRefund,
        AcceptPartialRefund,
        DeclinePartialRefund,
        WithdrawPartialRefund,
        Review,
    )
}


for _kind in family(Command):
    fast_init(_kind)
    if isinstance(_kind, Shared):  # an argument-less command: one shared value per actor
        share(_kind, [*Role, *(role.value for role in Role)])
