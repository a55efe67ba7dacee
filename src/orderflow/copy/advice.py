"""The platform's advice, by policy: what a marketplace recommends, next to what its rules allow.

Advice is the platform's voice, not a rule: the choices and their consequences come from the
model, and a policy that carries no advice here gets none. Keys are (state or None for any state,
the reader's role, the action the advice is about or None for the situation as a whole).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..domain.states import Role, State
from .catalog import N_

Key = tuple[State | None, Role, str | None]

COMEUP: Mapping[Key, tuple[str, ...]] = {
    (State.REVISION_REFUSED, Role.SELLER, None): (
        N_(
            "Be careful: even if your refusal is justified, your buyer may feel at a dead end, and the "
            "relationship can get harder. Be patient and understanding, and explain your choices."
        ),
        N_("Make sure your buyer understands why you refused the revision."),
        N_(
            "Be clear, calm and respectful in your messages, especially if your buyer does not understand "
            "your position."
        ),
    ),
    (State.REVISION_REFUSED, Role.SELLER, "cancel"): (
        N_(
            "Cancelling is not recommended, especially if you have already done the work and followed "
            "every step of the order."
        ),
    ),
    (None, Role.SELLER, "cancel"): (
        N_(
            "Only cancel if it is really necessary: if your buyer agrees, or if the situation cannot be "
            "resolved otherwise. A lower completion rate makes your services less visible on ComeUp."
        ),
    ),
    (None, Role.SELLER, "offer_custom"): (
        N_(
            "Before sending a custom offer, make sure your buyer understands what it costs and what they "
            "get for it, to avoid any confusion."
        ),
    ),
    (State.REVISION_REFUSED, Role.BUYER, None): (
        N_(
            "Before opening a dispute, talk with your seller in the chat: an option, a custom offer or a "
            "partial refund may settle things."
        ),
    ),
}

#: The advice of each policy, by policy name.
BY_POLICY: Mapping[str, Mapping[Key, tuple[str, ...]]] = {"comeup": COMEUP}


def advice(policy: str, state: State, role: Role, action: str | None = None) -> tuple[str, ...]:
    """The untranslated advice for ``role`` in ``state`` (about ``action``, if given)."""
    table = BY_POLICY.get(policy, {})
    return table.get((state, role, action), ()) + table.get((None, role, action), ())
