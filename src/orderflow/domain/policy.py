"""Every duration, rate and cap of the rule book as one frozen, validated ``Policy``.

``COMEUP`` is the default preset (rules.md). An order records the policy it was placed under and
is always decided and replayed under it, so changing a platform's rules never changes orders
already in flight.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from types import MappingProxyType

import attrs

from . import validators as v
from .dates import DAY
from .states import Deadline


@attrs.frozen
class Reminder:
    """A notification sent ``before`` a deadline, dropped if the order moves on first."""

    deadline: Deadline = attrs.field(validator=v.instance_of(Deadline))
    before: timedelta = attrs.field(validator=v.window)


HOUR = timedelta(hours=1)


@attrs.frozen(cache_hash=True)
class Policy:
    """The settings of an order process. Field comments name the rule each one parameterises."""

    name: str = attrs.field(validator=v.non_empty_text)
    version: int = attrs.field(validator=v.version)
    acceptance_window: timedelta = attrs.field(default=48 * HOUR, validator=v.window)  # R-PEND-3
    # R-DELIV-1:
    review_decision_window: timedelta = attrs.field(default=7 * DAY, validator=v.window)
    # R-CANC-4, R-REV-1:
    seller_answer_window: timedelta = attrs.field(default=48 * HOUR, validator=v.window)
    buyer_decision_window: timedelta = attrs.field(default=7 * DAY, validator=v.window)  # R-REF-1
    offer_lapse: timedelta = attrs.field(default=7 * DAY, validator=v.window)  # R-PROG-3
    chat_window: timedelta = attrs.field(default=7 * DAY, validator=v.window)  # R-END-1, R-END-2
    expiry_months: int = attrs.field(default=5, validator=v.months)  # R-EXP-1
    review_months: int = attrs.field(default=6, validator=v.months)  # R-END-1
    tip_cap_rate: Decimal = attrs.field(default=Decimal("0.20"), validator=v.rate)  # R-MONEY-2
    fee_rate: Decimal = attrs.field(default=Decimal("0.05"), validator=v.rate)  # R-MONEY-1 (demos)
    max_amount: Decimal = attrs.field(default=Decimal("1000000"), validator=v.positive_amount)
    revision_cap: int | None = attrs.field(default=None, validator=v.optional_count)  # R-REV-5
    refusals_before_dispute: int = attrs.field(default=2, validator=v.count)  # R-CANC-5
    #: Fiverr-style: an unanswered cancellation request cancels the order at seller_answer.
    unanswered_cancellation_cancels: bool = attrs.field(default=False, validator=v.instance_of(bool))
    reminders: tuple[Reminder, ...] = attrs.field(default=(), validator=v.tuple_of(Reminder))
    stats_window_months: int = attrs.field(default=6, validator=v.months)  # R-STAT-1
    stats_min_completed: int = attrs.field(default=5, validator=v.count)  # R-STAT-1

    def __repr__(self) -> str:
        """Name and version, and the names of the settings changed from the preset of that name:
        a failing test prints a policy inside every placement, and twenty lines each hide the
        failure. Equality and hashing still compare every field."""
        preset = PRESETS.get(self.name)
        changed = [
            f.name
            for f in attrs.fields(Policy)
            if preset is not None and getattr(self, f.name) != getattr(preset, f.name)
        ]
        return f"Policy({self.name!r} v{self.version}{''.join(f', {n} changed' for n in changed)})"

    def window(self, deadline: Deadline) -> timedelta:
        """The duration of a state deadline that the policy sets."""
        return {
            Deadline.ACCEPTANCE: self.acceptance_window,
            Deadline.REVIEW_DECISION: self.review_decision_window,
            Deadline.SELLER_ANSWER: self.seller_answer_window,
            Deadline.BUYER_DECISION: self.buyer_decision_window,
            Deadline.OFFER: self.offer_lapse,
        }[deadline]


COMEUP = Policy(name="comeup", version=1)

#: A Fiverr-like variant (rules.md "What other marketplaces do differently"): 3 days to review a
#: delivery and an unanswered cancellation request cancels the order.
FIVERR_LIKE = attrs.evolve(
    COMEUP, name="fiverr_like", review_decision_window=3 * DAY, unanswered_cancellation_cancels=True
)

#: The named presets, for scenario files and the command line.
PRESETS: Mapping[str, Policy] = MappingProxyType({p.name: p for p in (COMEUP, FIVERR_LIKE)})
