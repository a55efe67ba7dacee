"""orderflow: the order process of a freelance-services marketplace as a pure state machine.

Start with ``place_order``, then ``decide`` commands and ``advance`` the clock; every call returns
a ``Decision`` (the new order, its events and the effects the host must carry out).
"""

from .domain.commands import (
    COMMANDS,
    Accept,
    AcceptCancellation,
    AcceptOffer,
    AcceptPartialRefund,
    AcceptRevision,
    BuyOption,
    Cancel,
    Close,
    Command,
    DeclinePartialRefund,
    Deliver,
    Hold,
    OfferCustom,
    OpenDispute,
    Outcome,
    ProposePartialRefund,
    RefuseCancellation,
    RefuseOffer,
    RefuseRevision,
    ReleaseHold,
    RequestCancellation,
    RequestRevision,
    ResolveDispute,
    Review,
    WithdrawOffer,
    WithdrawPartialRefund,
)
from .domain.deadlines import running_deadlines
from .domain.decide import Preview, decide, preview, replay
from .domain.decision import Decision
from .domain.errors import (
    CurrencyMismatch,
    DeadlinePassed,
    InvalidAmount,
    InvalidArgument,
    InvalidTime,
    InvalidTransition,
    NotAllowed,
    OrderflowError,
    UnknownReference,
)
from .domain.graph import ROUTES, graph_for
from .domain.guidance import Choice, available_actions, if_nobody_acts
from .domain.money import Ledger, Money
from .domain.order import Order
from .domain.placement import Option, Placement, place_order
from .domain.policy import COMEUP, FIVERR_LIKE, PRESETS, Policy, Reminder
from .domain.states import Deadline, Role, State
from .domain.timers import NextDue, advance, next_due

__all__ = [
    "COMEUP",
    "COMMANDS",
    "FIVERR_LIKE",
    "PRESETS",
    "ROUTES",
    "Accept",
    "AcceptCancellation",
    "AcceptOffer",
    "AcceptPartialRefund",
    "AcceptRevision",
    "BuyOption",
    "Cancel",
    "Choice",
    "Close",
    "Command",
    "CurrencyMismatch",
    "Deadline",
    "DeadlinePassed",
    "Decision",
    "DeclinePartialRefund",
    "Deliver",
    "Hold",
    "InvalidAmount",
    "InvalidArgument",
    "InvalidTime",
    "InvalidTransition",
    "Ledger",
    "Money",
    "NextDue",
    "NotAllowed",
    "OfferCustom",
    "OpenDispute",
    "Option",
    "Order",
    "OrderflowError",
    "Outcome",
    "Placement",
    "Policy",
    "Preview",
    "ProposePartialRefund",
    "RefuseCancellation",
    "RefuseOffer",
    "RefuseRevision",
    "ReleaseHold",
    "Reminder",
    "RequestCancellation",
    "RequestRevision",
    "ResolveDispute",
    "Review",
    "Role",
    "State",
    "UnknownReference",
    "WithdrawOffer",
    "WithdrawPartialRefund",
    "advance",
    "available_actions",
    "decide",
    "graph_for",
    "if_nobody_acts",
    "next_due",
    "place_order",
    "preview",
    "replay",
    "running_deadlines",
]
