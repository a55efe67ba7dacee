"""The message templates of end-user guidance: one per state, action, effect and deadline.

Nothing here says what the rules are: which choices exist, their deadlines and what they lead to
come from ``orderflow.explain`` (the graph and dry runs of ``decide``). These tables only say how
each piece is worded, in English source text that the catalogs translate. Placeholders:
``{party}``/``{Party}`` the other party (object/subject), ``{amount}``, ``{date}``, ``{span}``, ``{n}``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..domain.states import Role, State
from .catalog import N_, NP_

#: The order's state as a title.
STATE_NAME: Mapping[State, str] = {
    State.PENDING: N_("Waiting for the seller to accept"),
    State.IN_PROGRESS: N_("In progress"),
    State.CANCELLATION_REQUESTED: N_("Cancellation requested"),
    State.DELIVERED: N_("Delivered"),
    State.REVISION_REQUESTED: N_("Revision requested"),
    State.REVISION_REFUSED: N_("Revision refused"),
    State.DISPUTED: N_("In dispute"),
    State.ON_HOLD: N_("On hold"),
    State.COMPLETED: N_("Completed"),
    State.CANCELED: N_("Canceled"),
    State.EXPIRED: N_("Expired"),
}
TITLE = N_("Order {order}: {state}")

#: What the order's state means to each party: what just happened.
SITUATION: Mapping[tuple[State, Role], str] = {
    (State.PENDING, Role.BUYER): N_("You have paid for the order. Your seller now has to accept it."),
    (State.PENDING, Role.SELLER): N_("You have a new order: your buyer has paid, and you have to accept it."),
    (State.IN_PROGRESS, Role.BUYER): N_("Your seller is working on your order."),
    (State.IN_PROGRESS, Role.SELLER): N_("You are working on the order."),
    (State.CANCELLATION_REQUESTED, Role.BUYER): N_("You have asked your seller to cancel the order."),
    (State.CANCELLATION_REQUESTED, Role.SELLER): N_("Your buyer has asked you to cancel the order."),
    (State.DELIVERED, Role.BUYER): N_("Your seller has delivered the order."),
    (State.DELIVERED, Role.SELLER): N_("You have delivered the order."),
    (State.REVISION_REQUESTED, Role.BUYER): N_("You have asked your seller for a revision."),
    (State.REVISION_REQUESTED, Role.SELLER): N_("Your buyer has asked you for a revision."),
    (State.REVISION_REFUSED, Role.BUYER): N_("Your seller has refused your revision request."),
    (State.REVISION_REFUSED, Role.SELLER): N_("You have refused your buyer's revision request."),
    (State.DISPUTED, Role.BUYER): N_(
        "A dispute is open: a mediator will decide. The order is frozen until then."
    ),
    (State.DISPUTED, Role.SELLER): N_(
        "A dispute is open: a mediator will decide. The order is frozen until then."
    ),
    (State.ON_HOLD, Role.BUYER): N_(
        "The platform has paused the order for checks: every deadline is stopped."
    ),
    (State.ON_HOLD, Role.SELLER): N_(
        "The platform has paused the order for checks: every deadline is stopped."
    ),
    (State.COMPLETED, Role.BUYER): N_("The order is completed."),
    (State.COMPLETED, Role.SELLER): N_("The order is completed."),
    (State.CANCELED, Role.BUYER): N_("The order is canceled."),
    (State.CANCELED, Role.SELLER): N_("The order is canceled."),
    (State.EXPIRED, Role.BUYER): N_("The order has expired."),
    (State.EXPIRED, Role.SELLER): N_("The order has expired."),
}
LATE = N_("The order is late: its delivery deadline has passed.")
HELD = N_("{amount} is held by the platform until the order ends.")
PASSED = N_("This deadline has passed: {deadline}.")

#: What reaching a state after a choice means.
REACHES: Mapping[State, str] = {
    State.PENDING: N_("The order then waits for the seller to accept it."),
    State.IN_PROGRESS: N_("The order is then in progress: the seller works on it."),
    State.CANCELLATION_REQUESTED: N_("The seller then has to answer the request."),
    State.DELIVERED: N_("The buyer then checks the delivery."),
    State.REVISION_REQUESTED: N_("The seller then answers the revision request."),
    State.REVISION_REFUSED: N_("The buyer then decides what to do."),
    State.DISPUTED: N_("A mediator then decides; the order is frozen until then."),
    State.ON_HOLD: N_("The order is then paused."),
    State.COMPLETED: N_("The order is then completed."),
    State.CANCELED: N_("The order is then canceled."),
    State.EXPIRED: N_("The order then expires."),
}

#: The other party, as the object and as the subject of a sentence.
PARTY: Mapping[Role, str] = {Role.BUYER: N_("your buyer"), Role.SELLER: N_("your seller")}
PARTY_SUBJECT: Mapping[Role, str] = {Role.BUYER: N_("Your buyer"), Role.SELLER: N_("Your seller")}

#: Each action, said to the one who may take it and about the other party.
ACTION_YOU: Mapping[str, str] = {
    "accept": N_("You can accept the order: the delivery countdown then starts."),
    "cancel": N_("You can cancel the order."),
    "deliver": N_("You can deliver your work."),
    "request_cancellation": N_("You can ask {party} to cancel the order; {party} accepts or refuses."),
    "accept_cancellation": N_("You can accept the cancellation."),
    "refuse_cancellation": N_("You can refuse the cancellation, giving a reason."),
    "close": N_("You can accept the work and close the order."),
    "request_revision": N_("You can ask for a revision."),
    "accept_revision": N_("You can accept the revision, against a new delivery deadline."),
    "refuse_revision": N_("You can refuse the revision, giving a reason."),
    "open_dispute": N_("You can open a dispute: a mediator then decides."),
    "buy_option": N_("You can buy an additional option of the service so the work continues."),
    "offer_custom": N_(
        "You can send {party} a custom offer (a price and a delivery time), for instance when {party} asks "
        "for one in the chat; {party} accepts and pays it, or refuses it."
    ),
    "accept_offer": N_("You can accept the custom offer and pay it."),
    "refuse_offer": N_("You can refuse the custom offer."),
    "withdraw_offer": N_("You can withdraw your custom offer."),
    "propose_partial_refund": N_(
        "You can propose a partial refund by agreement; {party} accepts or declines it."
    ),
    "accept_partial_refund": N_("You can accept the partial refund proposed."),
    "decline_partial_refund": N_("You can decline the partial refund proposed."),
    "withdraw_partial_refund": N_("You can withdraw your partial refund proposal."),
    "review": N_("You can rate the order and leave a review."),
}
ACTION_THEY: Mapping[str, str] = {
    "accept": N_("{Party} can accept the order: the delivery countdown then starts."),
    "cancel": N_("{Party} can cancel the order."),
    "deliver": N_("{Party} can deliver the work."),
    "request_cancellation": N_("{Party} can ask you to cancel the order; you then accept or refuse."),
    "accept_cancellation": N_("{Party} can accept the cancellation."),
    "refuse_cancellation": N_("{Party} can refuse the cancellation."),
    "close": N_("{Party} can accept the work and close the order."),
    "request_revision": N_("{Party} can ask you for a revision."),
    "accept_revision": N_("{Party} can accept the revision."),
    "refuse_revision": N_("{Party} can refuse the revision."),
    "open_dispute": N_("{Party} can open a dispute if they disagree with you: a mediator then decides."),
    "buy_option": N_("{Party} can buy an additional option of your service so the work continues."),
    "offer_custom": N_(
        "{Party} can send you a custom offer; you accept and pay it, or refuse it. You can ask for one in "
        "the chat."
    ),
    "accept_offer": N_("{Party} can accept your custom offer and pay it."),
    "refuse_offer": N_("{Party} can refuse your custom offer."),
    "withdraw_offer": N_("{Party} can withdraw the custom offer."),
    "propose_partial_refund": N_(
        "{Party} can propose a partial refund by agreement; you accept or decline it."
    ),
    "accept_partial_refund": N_("{Party} can accept your partial refund proposal."),
    "decline_partial_refund": N_("{Party} can decline your partial refund proposal."),
    "withdraw_partial_refund": N_("{Party} can withdraw their partial refund proposal."),
    "review": N_("{Party} can rate the order and leave a review."),
}

#: Actions that start or withdraw an arrangement (an extra, a partial refund) rather than decide
#: the order's course: guidance lists them apart, "if you agree on something else".
ARRANGEMENTS = frozenset(
    {"buy_option", "offer_custom", "withdraw_offer", "propose_partial_refund", "withdraw_partial_refund"}
)

#: Each deadline, named.
DEADLINE: Mapping[str, str] = {
    "acceptance": N_("the seller's time to accept the order"),
    "delivery": N_("the delivery deadline"),
    "review_decision": N_("the buyer's time to check the delivery"),
    "seller_answer": N_("the seller's time to answer"),
    "buyer_decision": N_("the buyer's time to decide"),
    "offer": N_("the custom offer's time to be answered"),
    "expiry": N_("the order's expiry date"),
    "review_window": N_("the time to leave a review"),
}

#: Whose decision each deadline waits for (the others, expiry included, wait for nobody).
DECIDES: Mapping[str, Role] = {
    "acceptance": Role.SELLER,
    "seller_answer": Role.SELLER,
    "delivery": Role.SELLER,
    "review_decision": Role.BUYER,
    "buyer_decision": Role.BUYER,
    "offer": Role.BUYER,
}

#: Where an ended order's money went, by (whose money, said to that party).
PAID_OUT: Mapping[tuple[Role, bool], str] = {
    (Role.SELLER, True): N_("You were paid {amount}."),
    (Role.SELLER, False): N_("{Party} was paid {amount}."),
    (Role.BUYER, True): N_("You were refunded {amount}."),
    (Role.BUYER, False): N_("{Party} was refunded {amount}."),
}

#: Each effect, for the party it concerns (``YOU``) and for the other one (``THEY``).
EFFECT_YOU: Mapping[str, str] = {
    "wallet_credit": N_("You are paid: {amount} goes to your wallet."),
    "refund": N_("You are refunded {amount}."),
    "refund_in_full": N_("You are refunded in full: {amount}."),
    "escrow_deposit": N_("You pay {amount}, held by the platform until the order ends."),
    "review_window": N_("You can review the order until {date}."),
    "voucher_eligibility": N_("You may get a voucher of {amount}."),
    "not_paid": N_("You are not paid."),
}
EFFECT_THEY: Mapping[str, str] = {
    "wallet_credit": N_("{Party} is paid {amount}."),
    "refund": N_("{Party} is refunded {amount}."),
    "refund_in_full": N_("{Party} is refunded in full: {amount}."),
    "escrow_deposit": N_("{Party} pays {amount}, held by the platform until the order ends."),
    "review_window": N_("{Party} can review the order until {date}."),
}
PLATFORM_KEEPS = N_("The platform keeps {amount}.")
CHAT_UNTIL = N_("The order's chat stays open until {date}.")
CHAT_OPEN = N_("The order's chat is open.")
RATES_HURT = N_("It counts against your {rates}.")
RATES_KEPT = N_("It does not lower your rates.")
RATE: Mapping[str, str] = {
    "completed": N_("completion rate"),
    "on_time": N_("on-time rate"),
    "accepted": N_("acceptance rate"),
}
CHOSEN_AMOUNT = N_("the amount chosen")

#: Section headings and the sentences that open them.
HAPPENED = N_("What happened")
THEIRS = N_("What {party} can do")
YOURS = N_("What you can do")
ARRANGED = N_("If you agree on something else")
NOBODY = N_("If nobody acts")
ADVICE = N_("Our advice")
THEY_DECIDE = NP_(
    "{Party} now has {n} possibility and has {span} to make a decision, until {date}:",
    "{Party} now has {n} possibilities and has {span} to make a decision, until {date}:",
)
THEY_MAY = NP_("{Party} now has {n} possibility:", "{Party} now has {n} possibilities:")
YOU_DECIDE = NP_(
    "You have {n} possibility and {span} to make a decision, until {date}:",
    "You have {n} possibilities and {span} to make a decision, until {date}:",
)
YOU_MAY = NP_("You have {n} possibility:", "You have {n} possibilities:")
NOTHING_TO_DO = N_("Nothing for now.")
UNTIL = N_("Until {date} ({span} left).")
BY_ITSELF = N_("If nobody acts by {date} ({span} from now), {deadline} ends:")
REMINDED = N_("On {date}, a reminder is sent about {deadline}.")
NOTHING_BY_ITSELF = N_("Nothing happens by itself until the platform acts.")
WAIT = N_("Wait until {party} makes a decision.")
