"""Who trades and when: the market's settings, each party's traits, and the arrival of orders.

Arrivals come from a Poisson process at ``Market.rate_per_day`` or from a CSV file of instants
(``at``, optionally ``price``, ``seller``, ``buyer``, ``delivery_days``), read lazily. Sellers are
picked with Zipf-like popularity. Each party's trait is drawn once, on first appearance, from a
stream of its own (``draws.party_seed``: the seed, its role and its name), so traits do not depend
on the policy, on the orders' draws, nor on which orders meet the party first: every shard of a
run (``shards``) sees the same party alike. Its segment (if any are set) depends on its id and the
seed too (``segments``), so every arm of an experiment sees the same.
"""

from __future__ import annotations

import bisect
import csv
import io
import itertools
import math
import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple

import attrs

from ..domain.currencies import MINOR_UNITS
from ..domain.dates import require_aware
from ..domain.errors import InvalidTime
from ..errors import UnreadableInput
from ..inputs import read_text
from .behaviour import BuyerBehaviour, InvalidBehaviour, Segment, SellerBehaviour, positive
from .draws import Draws, party_seed
from .segments import segment_of

DAY_SECONDS = 86_400.0

#: The most orders one run places: a hundred million take about three hours of a core (at about
#: 10,000 orders per CPU second) and far fewer with ``--workers`` or Dask; more is surely a typo.
MAX_ORDERS = 100_000_000


def _at_least_one(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        raise InvalidBehaviour(attribute.name, f"must be a whole number >= 1, not {value!r}")


def _orders(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ORDERS):
        raise InvalidBehaviour(
            attribute.name, f"must be a whole number from 1 to {MAX_ORDERS}, not {value!r}"
        )


def _days(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    ok = isinstance(value, tuple) and value and all(isinstance(d, int) and 1 <= d <= 365 for d in value)
    if not ok:
        raise InvalidBehaviour(attribute.name, f"must be a list of whole days from 1 to 365, not {value!r}")


def _currency(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, str) and value in MINOR_UNITS):
        raise InvalidBehaviour(
            attribute.name, f"must be an ISO 4217 currency code such as 'EUR', not {value!r}"
        )


def _start(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, datetime) and value.tzinfo is not None):
        raise InvalidBehaviour(attribute.name, f"must be an aware instant, not {value!r}")
    try:
        require_aware(value, "start")
    except InvalidTime as error:
        raise InvalidBehaviour(attribute.name, str(error)) from None


def _price_median(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 1e9):
        raise InvalidBehaviour(attribute.name, f"must be a price from 0 to 1e9, not {value!r}")


def _price_spread(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 3):
        raise InvalidBehaviour(attribute.name, f"must be a spread from 0 to 3, not {value!r}")


@attrs.frozen
class Market:
    """How many orders arrive, how fast, between how many parties, at what prices."""

    orders: int = attrs.field(default=10_000, validator=_orders)  # at most MAX_ORDERS
    rate_per_day: float = attrs.field(default=500.0, validator=positive)  # Poisson arrivals
    sellers: int = attrs.field(default=500, validator=_at_least_one)
    buyers: int = attrs.field(default=5_000, validator=_at_least_one)
    popularity: float = attrs.field(default=0.8, validator=positive)  # Zipf exponent of sellers' shares
    currency: str = attrs.field(default="EUR", validator=_currency)
    price_median: float = attrs.field(default=30.0, validator=_price_median)  # whole units, log-normal
    price_spread: float = attrs.field(default=0.8, validator=_price_spread)
    delivery_days: tuple[int, ...] = attrs.field(default=(1, 2, 3, 5, 7), validator=_days)
    start: datetime = attrs.field(default=datetime(2026, 1, 5, tzinfo=timezone.utc), validator=_start)


def shifted(probability: float, shift: float) -> float:
    """``probability`` moved by ``shift`` on the log-odds scale (0 and 1 stay put)."""
    if probability <= 0 or probability >= 1 or not shift:
        return probability
    return 1 / (1 + math.exp(-(math.log(probability / (1 - probability)) + shift)))


@attrs.frozen
class SellerProfile:
    """One seller's probabilities: its segment's (or the average seller's) shifted by its
    reliability; ``behaviour`` holds the segment's other settings (delays, ratios)."""

    name: str
    accept: float
    on_time: float
    cancel: float
    silence: float
    refuse_revision: float
    behaviour: SellerBehaviour = attrs.field(factory=SellerBehaviour, repr=False)
    segment: str = ""

    @classmethod
    def drawn(
        cls, name: str, seller: SellerBehaviour, reliability: float, segment: str = ""
    ) -> SellerProfile:
        return cls(
            name,
            accept=shifted(seller.accept_probability, reliability),
            on_time=shifted(seller.on_time_probability, reliability),
            cancel=shifted(seller.cancel_probability, -reliability),
            silence=shifted(seller.silence_probability, -reliability),
            refuse_revision=shifted(seller.refuse_revision_probability, -reliability),
            behaviour=seller,
            segment=segment,
        )


@attrs.frozen
class BuyerProfile:
    """One buyer's probabilities: its segment's (or the average buyer's) shifted by how demanding
    it is; ``behaviour`` holds the segment's other settings."""

    name: str
    revision: float
    repeat_revision: float
    dispute: float
    cancel_late: float
    behaviour: BuyerBehaviour = attrs.field(factory=BuyerBehaviour, repr=False)
    segment: str = ""

    @classmethod
    def drawn(cls, name: str, buyer: BuyerBehaviour, demand: float, segment: str = "") -> BuyerProfile:
        return cls(
            name,
            revision=shifted(buyer.revision_probability, demand),
            repeat_revision=shifted(buyer.repeat_revision_probability, demand),
            dispute=shifted(buyer.dispute_probability, demand),
            cancel_late=shifted(buyer.cancel_late_probability, demand),
            behaviour=buyer,
            segment=segment,
        )


class Population:
    """The parties met so far, each with its profile drawn on first appearance."""

    def __init__(
        self,
        seed: int,
        seller: SellerBehaviour,
        buyer: BuyerBehaviour,
        seller_segments: tuple[Segment[SellerBehaviour], ...] = (),
        buyer_segments: tuple[Segment[BuyerBehaviour], ...] = (),
    ) -> None:
        self.seed = seed
        self._seller, self._buyer = seller, buyer
        self._seller_segments, self._buyer_segments = seller_segments, buyer_segments
        self.sellers: dict[str, SellerProfile] = {}
        self.buyers: dict[str, BuyerProfile] = {}

    def seller(self, name: str) -> SellerProfile:
        profile = self.sellers.get(name)
        if profile is None:
            behaviour, segment = self._seller, ""
            if self._seller_segments:
                found = segment_of(self.seed, "seller", name, self._seller_segments)
                behaviour, segment = found.behaviour, found.name
            trait = Draws(party_seed(self.seed, "seller", name)).normal() * behaviour.reliability_spread
            profile = self.sellers[name] = SellerProfile.drawn(name, behaviour, trait, segment)
        return profile

    def buyer(self, name: str) -> BuyerProfile:
        profile = self.buyers.get(name)
        if profile is None:
            behaviour, segment = self._buyer, ""
            if self._buyer_segments:
                found = segment_of(self.seed, "buyer", name, self._buyer_segments)
                behaviour, segment = found.behaviour, found.name
            trait = Draws(party_seed(self.seed, "buyer", name)).normal() * behaviour.demand_spread
            profile = self.buyers[name] = BuyerProfile.drawn(name, behaviour, trait, segment)
        return profile

    def merge(self, other: Population) -> None:
        """Add the parties ``other`` met (a shard of the same run: the same party, the same profile)."""
        self.sellers.update(other.sellers)
        self.buyers.update(other.buyers)


class Arrival(NamedTuple):
    """An order to place: when, between whom, its price (whole units) and delivery time."""

    at: datetime
    seller: str
    buyer: str
    price: Decimal
    delivery_days: int


#: ``random.normalvariate``'s constant (its ``NV_MAGICCONST``), made the same way.
_NORMAL_MAGIC = 4 * math.exp(-0.5) / math.sqrt(2.0)


def poisson_arrivals(market: Market, seed: int) -> Iterator[Arrival]:
    """``market.orders`` arrivals at ``market.rate_per_day`` on average, sellers by popularity.

    The hot loop (about 30,000 instructions an arrival before it was written this way) makes each
    name and price once, and writes ``random.Random``'s ``expovariate``, ``randrange`` and
    ``lognormvariate`` out on its ``random()`` and ``getrandbits()`` as CPython does (Kinderman
    and Monahan's normal; ``randrange(n)`` as ``getrandbits`` until below ``n``): the same draws,
    in the same order, without five Python calls an arrival. ``tests/unit/test_simulation_arrivals``
    proves them equal to the methods themselves.
    """
    draw = random.Random(f"{seed}:arrivals")
    shares = (1 / (rank + 1) ** market.popularity for rank in range(market.sellers))
    cumulative = list(itertools.accumulate(shares))
    rate, seconds, days = market.rate_per_day / DAY_SECONDS, 0.0, market.delivery_days
    sellers = [f"seller-{rank + 1:05d}" for rank in range(market.sellers)]
    buyers: dict[int, str] = {}
    prices: dict[int, Decimal] = {}
    uniform, bits, log, exp, after = draw.random, draw.getrandbits, math.log, math.exp, bisect.bisect_right
    start, last_seller, total = market.start, market.sellers - 1, cumulative[-1]
    log_median, spread, kinds = math.log(market.price_median), market.price_spread, len(days)
    buyer_count, buyer_bits, kind_bits = market.buyers, market.buyers.bit_length(), kinds.bit_length()
    for _ in range(market.orders):
        seconds += -log(1.0 - uniform()) / rate  # expovariate(rate)
        seller = after(cumulative, uniform() * total)
        buyer = bits(buyer_bits)  # randrange(buyer_count)
        while buyer >= buyer_count:
            buyer = bits(buyer_bits)
        while True:  # normalvariate(log_median, spread)
            first, second = uniform(), 1.0 - uniform()
            normal = _NORMAL_MAGIC * (first - 0.5) / second
            if normal * normal / 4.0 <= -log(second):
                break
        price = max(5, round(exp(log_median + normal * spread)))  # lognormvariate(log_median, spread)
        kind = bits(kind_bits)  # randrange(kinds)
        while kind >= kinds:
            kind = bits(kind_bits)
        yield Arrival(
            start + timedelta(0, round(seconds)),
            sellers[min(seller, last_seller)],
            buyers.get(buyer) or buyers.setdefault(buyer, f"buyer-{buyer + 1:05d}"),
            prices.get(price) or prices.setdefault(price, Decimal(price)),
            days[kind],
        )


_COLUMNS = ("at", "price", "seller", "buyer", "delivery_days")


def file_arrivals(path: Path, market: Market, seed: int) -> Iterator[Arrival]:
    """Arrivals read lazily from a CSV file with an ``at`` column (ISO 8601, with an offset),
    in time order; missing prices, parties and delivery times are drawn as for Poisson ones."""
    drawn = poisson_arrivals(market, seed)  # a default for each of at most market.orders rows
    try:  # a regular file of at most inputs.MAX_INPUT_BYTES of UTF-8 (issue 14)
        text = read_text(path)
    except UnreadableInput as error:
        raise InvalidBehaviour("arrivals", str(error)) from None
    with io.StringIO(text, newline="") as lines:
        reader = csv.DictReader(lines)
        unknown = [name for name in reader.fieldnames or () if name not in _COLUMNS]
        if unknown or "at" not in (reader.fieldnames or ()):
            raise InvalidBehaviour("arrivals", f"{path}: columns must be 'at' and any of {_COLUMNS[1:]}")
        last: datetime | None = None
        for count, row in enumerate(reader):
            if count >= market.orders:
                return
            where = f"{path}, line {reader.line_num}"
            at = _instant(row["at"], where)
            if last is not None and at < last:
                raise InvalidBehaviour("arrivals", f"{where}: {row['at']} is before the line above")
            last, default = at, next(drawn)
            yield Arrival(
                at,
                row.get("seller") or default.seller,
                row.get("buyer") or default.buyer,
                _price(row.get("price"), where) or default.price,
                _whole(row.get("delivery_days"), where) or default.delivery_days,
            )


def _instant(text: str | None, where: str) -> datetime:
    try:
        return require_aware(datetime.fromisoformat((text or "").replace("Z", "+00:00")), "at")
    except (ValueError, InvalidTime) as error:
        raise InvalidBehaviour("arrivals", f"{where}: bad instant {text!r} ({error})") from None


def _price(text: str | None, where: str) -> Decimal | None:
    if not text:
        return None
    try:
        price = Decimal(text)
    except InvalidOperation:
        price = Decimal(-1)
    if not (price.is_finite() and price > 0):
        raise InvalidBehaviour("arrivals", f"{where}: bad price {text!r}")
    return price


def _whole(text: str | None, where: str) -> int | None:
    if not text:
        return None
    if not (text.isdigit() and 1 <= int(text) <= 365):
        raise InvalidBehaviour("arrivals", f"{where}: bad delivery_days {text!r}")
    return int(text)
