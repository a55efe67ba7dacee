"""How buyers, sellers and mediators behave: probabilities and delays per decision.

Every figure is the average party's; each seller and buyer gets a trait drawn once (see
``population``) that shifts its probabilities on the log-odds scale, so parties differ. The
defaults are plausible for a marketplace like ComeUp: most orders go smoothly, a few are late,
revised, canceled or disputed. ``config`` loads them from a JSON or TOML file.

Segments split the sellers (or buyers) into named shares, each with its own behaviour (the
average party's with some settings overridden, e.g. a ``slow`` seller segment); ``segments``
assigns each party to one by its id and the seed.
"""

from __future__ import annotations

import math
from typing import Any, Generic, TypeVar

import attrs

from ..domain.errors import InvalidArgument


class InvalidBehaviour(InvalidArgument):
    """A bad simulation setting; ``key`` names it, e.g. ``seller.accept_probability``."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"{key}: {message}")


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check(test: Any, expectation: str) -> Any:
    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not (_number(value) and test(value)):
            raise InvalidBehaviour(attribute.name, f"must be {expectation}, not {value!r}")

    return validate


probability = _check(lambda p: 0 <= p <= 1, "a probability from 0 to 1")
ratio = _check(lambda r: 0 < r < 1, "a fraction strictly between 0 and 1")
non_negative = _check(lambda x: x >= 0, "a number >= 0")
positive = _check(lambda x: x > 0, "a number > 0")


def _delay(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Delay):
        raise InvalidBehaviour(attribute.name, f"must be a Delay, not {value!r}")


@attrs.frozen
class Delay:
    """A log-normal delay: half of the draws fall under ``median_hours``; ``spread`` is the
    deviation of its logarithm (0: always the median, 1: a tenth of draws over 3.6 times it)."""

    median_hours: float = attrs.field(validator=positive)
    spread: float = attrs.field(default=0.8, validator=non_negative)


@attrs.frozen
class SellerBehaviour:
    accept_probability: float = attrs.field(default=0.97, validator=probability)  # else never: timeout
    accept_delay: Delay = attrs.field(default=Delay(5, 0.9), validator=_delay)  # > 48 h: timeout too
    on_time_probability: float = attrs.field(default=0.88, validator=probability)  # each delivery
    late_by: Delay = attrs.field(default=Delay(24, 1.0), validator=_delay)  # past the deadline, when late
    cancel_probability: float = attrs.field(default=0.01, validator=probability)  # gives up while working
    custom_offer_probability: float = attrs.field(default=0.05, validator=probability)  # once per order
    custom_offer_price_ratio: float = attrs.field(default=0.5, validator=positive)  # of the price
    answer_delay: Delay = attrs.field(default=Delay(10, 0.8), validator=_delay)  # to any request
    silence_probability: float = attrs.field(default=0.03, validator=probability)  # never answers one
    accept_cancellation_probability: float = attrs.field(default=0.5, validator=probability)
    refuse_revision_probability: float = attrs.field(default=0.12, validator=probability)
    partial_refund_probability: float = attrs.field(default=0.3, validator=probability)  # after refusing
    partial_refund_ratio: float = attrs.field(default=0.3, validator=ratio)  # of the seller's share
    #: Deviation of each seller's log-odds shift: 0 makes every seller the average one.
    reliability_spread: float = attrs.field(default=0.8, validator=non_negative)


@attrs.frozen
class BuyerBehaviour:
    option_probability: float = attrs.field(default=0.2, validator=probability)  # with the order
    tip_probability: float = attrs.field(default=0.1, validator=probability)  # 10 % of the price
    cancel_pending_probability: float = attrs.field(default=0.02, validator=probability)
    buy_option_probability: float = attrs.field(default=0.03, validator=probability)  # once, working
    accept_offer_probability: float = attrs.field(default=0.6, validator=probability)  # else refuses
    request_cancellation_probability: float = attrs.field(default=0.03, validator=probability)
    insist_cancellation_probability: float = attrs.field(default=0.5, validator=probability)  # again
    cancel_late_probability: float = attrs.field(default=0.3, validator=probability)
    cancel_late_delay: Delay = attrs.field(default=Delay(24, 0.8), validator=_delay)  # past the deadline
    decision_delay: Delay = attrs.field(default=Delay(20, 1.0), validator=_delay)  # any decision
    revision_probability: float = attrs.field(default=0.12, validator=probability)  # first delivery
    repeat_revision_probability: float = attrs.field(default=0.3, validator=probability)  # later ones
    close_probability: float = attrs.field(default=0.7, validator=probability)  # else lets it lapse
    accept_partial_refund_probability: float = attrs.field(default=0.7, validator=probability)
    dispute_probability: float = attrs.field(default=0.3, validator=probability)  # revision refused
    dispute_unanswered_probability: float = attrs.field(default=0.7, validator=probability)
    #: Deviation of each buyer's log-odds shift towards revisions and disputes.
    demand_spread: float = attrs.field(default=0.5, validator=non_negative)


@attrs.frozen
class MediatorBehaviour:
    """Outcome weights (relative, at least one positive) and the time a mediator takes."""

    release_weight: float = attrs.field(default=0.4, validator=non_negative)
    refund_weight: float = attrs.field(default=0.3, validator=non_negative)
    split_weight: float = attrs.field(default=0.2, validator=non_negative)
    restart_weight: float = attrs.field(default=0.1, validator=non_negative)
    split_buyer_ratio: float = attrs.field(default=0.5, validator=ratio)  # of the seller's share
    decision_delay: Delay = attrs.field(default=Delay(72, 0.6), validator=_delay)

    def __attrs_post_init__(self) -> None:
        if not sum(self.weights()) > 0:
            raise InvalidBehaviour("release_weight", "at least one outcome weight must be positive")

    def weights(self) -> tuple[float, float, float, float]:
        """The weights of release, refund, split and restart, in that order."""
        return (self.release_weight, self.refund_weight, self.split_weight, self.restart_weight)


Party = TypeVar("Party", SellerBehaviour, BuyerBehaviour)


@attrs.frozen
class Segment(Generic[Party]):
    """A named share of the sellers (or buyers) that behaves by ``behaviour``."""

    name: str
    share: float
    behaviour: Party


def _segments(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Names unique, every share in (0, 1], the shares adding up to 1."""
    key = attribute.name.replace("_segments", ".segments")
    assert isinstance(value, tuple)
    names = [segment.name for segment in value]
    for segment in value:
        if not (isinstance(segment.name, str) and segment.name.isidentifier()):
            raise InvalidBehaviour(
                key, f"a segment's name is a word (letters, digits, _), not {segment.name!r}"
            )
        if names.count(segment.name) > 1:
            raise InvalidBehaviour(f"{key}.{segment.name}", "two segments have this name")
        if not (_number(segment.share) and 0 < segment.share <= 1):
            raise InvalidBehaviour(
                f"{key}.{segment.name}.share",
                f"an empty segment: a share is a number above 0 and at most 1, not {segment.share!r}",
            )
    total = math.fsum(segment.share for segment in value)
    if value and abs(total - 1) > 1e-9:
        raise InvalidBehaviour(
            key, f'the shares must add up to 1, not {total:g} (or give one share = "rest")'
        )


@attrs.frozen
class Behaviour:
    seller: SellerBehaviour = attrs.field(factory=SellerBehaviour)
    buyer: BuyerBehaviour = attrs.field(factory=BuyerBehaviour)
    mediator: MediatorBehaviour = attrs.field(factory=MediatorBehaviour)
    #: Named shares of the sellers and buyers with their own behaviour (none: everyone is average).
    seller_segments: tuple[Segment[SellerBehaviour], ...] = attrs.field(default=(), validator=_segments)
    buyer_segments: tuple[Segment[BuyerBehaviour], ...] = attrs.field(default=(), validator=_segments)
