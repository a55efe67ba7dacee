"""A prototype of the strongest alternative tried for issue 12's core goal: orderflow's contract
built from plain slotted classes instead of frozen attrs classes.

Same contract as ``orderflow`` on the benchmark's lives: the host builds ``Money`` amounts (exact
``Decimal``s, checked) and a ``Placement`` (checked field by field), ``place`` returns a
``Decision`` holding a new ``Order``, its events and its effects; each ``decide`` checks the time
(aware, not before the last event), that no deadline is due, the route (state, action, actor and
its situation: the buyer cancels while pending, the seller answers a revision...), computes the
money (``Decimal``), builds a new ``Order`` per event, and returns a ``Decision`` whose effects
are derived when first read (as orderflow's now are). What it drops: values frozen by attrs
(they are immutable by convention only), the ``transitions`` Machine behind the route table,
offers, proposals, holds and reminders (not on the benchmark's lives), and typed errors beyond
one ``Refused``. So it is an upper bound on what a plain rewrite could gain, not a replacement:
``bench_core.py`` times it as one more subject, side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from bench.baselines import Path

_ROLES = ("buyer", "seller", "platform")
_ZERO = Decimal("0.00")
_CENT = Decimal("0.01")
_DAY = timedelta(days=1)
_ANSWER, _REVIEW, _DECIDE, _ACCEPT = (
    timedelta(hours=48),
    timedelta(days=7),
    timedelta(days=7),
    timedelta(hours=48),
)


class Refused(Exception):
    """Any rejection (orderflow has a typed hierarchy)."""


class Money:
    __slots__ = ("amount", "currency")

    def __init__(self, amount: object, currency: object) -> None:
        if type(amount) is not Decimal:
            if isinstance(amount, bool) or not isinstance(amount, (Decimal, int, str)):
                raise Refused(f"not an amount: {amount!r}")
            try:
                amount = Decimal(amount)
            except InvalidOperation:
                raise Refused(f"not an amount: {amount!r}") from None
        if not amount.is_finite():
            raise Refused("not finite")
        if not (type(currency) is str and len(currency) == 3 and currency.isupper()):
            raise Refused(f"not a currency: {currency!r}")
        self.amount, self.currency = amount, currency


class Option:
    __slots__ = ("delivery_days", "name", "price")

    def __init__(self, name: str, price: Money, delivery_days: int) -> None:
        if (
            not (type(name) is str and name.strip())
            or type(price) is not Money
            or type(delivery_days) is not int
        ):
            raise Refused("bad option")
        self.name, self.price, self.delivery_days = name, price, delivery_days


class Placement:
    __slots__ = ("buyer", "delivery_days", "fee", "options", "order_id", "paid_at", "price", "seller", "tip")

    def __init__(
        self,
        *,
        order_id: str,
        buyer: str,
        seller: str,
        price: Money,
        delivery_days: int,
        paid_at: datetime,
        options: tuple[Option, ...] = (),
        tip: Money | None = None,
        platform_fee: Money | None = None,
    ) -> None:
        for text in (order_id, buyer, seller):
            if not (type(text) is str and text.strip() and len(text) <= 200):
                raise Refused("bad id")
        if type(price) is not Money or type(delivery_days) is not int or delivery_days < 1:
            raise Refused("bad price or days")
        if type(paid_at) is not datetime or paid_at.tzinfo is None:
            raise Refused("paid_at must be aware")
        if type(options) is not tuple or any(type(o) is not Option for o in options):
            raise Refused("bad options")
        for money in (tip, platform_fee):
            if money is not None and type(money) is not Money:
                raise Refused("bad amount")
        self.order_id, self.buyer, self.seller, self.price = order_id, buyer, seller, price
        self.delivery_days, self.paid_at, self.options, self.tip, self.fee = (
            delivery_days,
            paid_at,
            options,
            tip,
            platform_fee,
        )


class Order:
    """One version of an order (21 fields in orderflow; the ones these lives use here)."""

    __slots__ = (
        "accepted_at",
        "buyer",
        "credited",
        "currency",
        "delivery_days",
        "delivery_due",
        "escrow",
        "expires_at",
        "fee",
        "id",
        "late",
        "paid",
        "paid_at",
        "refunded",
        "requested_at",
        "revenue",
        "revisions",
        "seller",
        "state",
        "timer_due",
        "updated_at",
        "version",
    )  # fmt: skip
    id: str
    buyer: str
    seller: str
    currency: str
    fee: Decimal
    paid_at: datetime
    state: str
    version: int
    updated_at: datetime
    expires_at: datetime
    delivery_days: int
    delivery_due: datetime | None
    timer_due: datetime | None
    accepted_at: datetime | None
    requested_at: datetime | None
    late: bool | None
    paid: Decimal
    escrow: Decimal
    refunded: Decimal
    credited: Decimal
    revenue: Decimal
    revisions: int


class Event:
    __slots__ = ("at", "data", "name")

    def __init__(self, name: str, at: datetime, data: tuple[Any, ...] = ()) -> None:
        self.name, self.at, self.data = name, at, data


class Effect:
    __slots__ = ("kind", "party", "value")

    def __init__(self, kind: str, party: str | None, value: object) -> None:
        self.kind, self.party, self.value = kind, party, value


_NOTIFY = {name: (Effect("notification", party, name),) for name, party in (
    ("OrderPlaced", "seller"), ("OrderAccepted", "buyer"), ("OrderDelivered", "buyer"),
    ("RevisionRequested", "seller"), ("RevisionAccepted", "buyer"), ("RevisionRefused", "buyer"),
    ("CancellationRequested", "seller"),
)}  # fmt: skip
_BOTH = ("buyer", "seller")


class Decision:
    __slots__ = ("_before", "_effects", "events", "order")
    _effects: tuple[Effect, ...] | None

    def __init__(self, order: Order, events: tuple[Event, ...], before: Order | None) -> None:
        self.order, self.events, self._before, self._effects = order, events, before, None

    @property
    def effects(self) -> tuple[Effect, ...]:
        if self._effects is None:
            (event,) = self.events
            found = _NOTIFY.get(event.name) or tuple(Effect("notification", p, event.name) for p in _BOTH)
            order = self.order
            if order.state in ("completed", "canceled"):
                credit = order.credited - self._before.credited  # type: ignore[union-attr]
                found += (
                    Effect("wallet_credit", "seller", Money(credit, order.currency)),
                    Effect("refund", "buyer", Money(order.refunded, order.currency)),
                    Effect("chat_window", None, event.at + timedelta(days=10)),
                    Effect("seller_statistics", order.seller, order.state == "completed"),
                )
            self._effects = found
        return self._effects


#: An event's fields: its name, its instant and its data.
Fields = tuple[str, datetime, tuple[Any, ...]]


class Amount(Protocol):
    """What ``_checked`` reads of a ``Money``, this prototype's or the frozen one's."""

    @property
    def amount(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...


class Bought(Protocol):
    """What ``_opened`` reads of an ``Option``."""

    @property
    def price(self) -> Amount: ...
    @property
    def delivery_days(self) -> int: ...


class Placed(Protocol):
    """What ``_opened`` reads of a ``Placement``, this prototype's or the frozen one's."""

    @property
    def order_id(self) -> str: ...
    @property
    def buyer(self) -> str: ...
    @property
    def seller(self) -> str: ...
    @property
    def price(self) -> Amount: ...
    @property
    def delivery_days(self) -> int: ...
    @property
    def paid_at(self) -> datetime: ...
    @property
    def options(self) -> Sequence[Bought]: ...
    @property
    def tip(self) -> Amount | None: ...
    @property
    def fee(self) -> Amount | None: ...


def _copy(order: Order, at: datetime, make: Callable[[], Order] = Order) -> Order:
    """A new version of ``order`` made by ``make`` (the frozen prototype passes its draft class),
    every field copied by a plain store (no loop)."""
    new = make()
    new.accepted_at = order.accepted_at
    new.buyer = order.buyer
    new.credited = order.credited
    new.currency = order.currency
    new.delivery_days = order.delivery_days
    new.delivery_due = order.delivery_due
    new.escrow = order.escrow
    new.expires_at = order.expires_at
    new.fee = order.fee
    new.id = order.id
    new.late = order.late
    new.paid = order.paid
    new.paid_at = order.paid_at
    new.refunded = order.refunded
    new.requested_at = order.requested_at
    new.revenue = order.revenue
    new.revisions = order.revisions
    new.seller = order.seller
    new.state = order.state
    new.timer_due = order.timer_due
    new.version, new.updated_at = order.version + 1, at
    return new


def _checked(money: Amount | None, currency: str) -> Decimal:
    if money is None:
        return _ZERO
    amount = money.amount
    if money.currency != currency or amount < 0 or amount > 1_000_000 or not amount.same_quantum(_CENT):
        raise Refused("bad amount")
    return amount


def _opened(p: Placed, order: Order) -> tuple[Order, Fields]:
    """``order``, made empty by the caller, filled as the new order of ``p``; and its event's fields."""
    currency = p.price.currency
    price = _checked(p.price, currency)
    if not price:
        raise Refused("price must be positive")
    days = p.delivery_days
    paid = price + _checked(p.tip, currency) + _checked(p.fee, currency)
    for option in p.options:
        paid += _checked(option.price, currency)
        days += option.delivery_days
    order.id, order.buyer, order.seller, order.currency = p.order_id, p.buyer, p.seller, currency
    order.fee, order.paid_at, order.state, order.version = _checked(p.fee, currency), p.paid_at, "pending", 1
    at = p.paid_at
    month = at.month + 4
    order.updated_at, order.expires_at = at, at.replace(year=at.year + month // 12, month=month % 12 + 1)
    order.delivery_days, order.delivery_due, order.timer_due = days, None, at + _ACCEPT
    order.accepted_at = order.requested_at = order.late = None
    order.paid = order.escrow = paid
    order.refunded = order.credited = order.revenue = _ZERO
    order.revisions = 0
    return order, ("OrderPlaced", at, (price, p.options, p.tip))


def place(p: Placement) -> Decision:
    order, fields = _opened(p, Order())
    return Decision(order, (Event(*fields),), None)


# What each move does: (state, action) -> {actor: step}; a step checks its situation, sets the
# new order's fields and returns its event's fields (name, at, data), which ``decide`` makes an
# event of (``bench/core_prototype_frozen.py`` takes the same steps).
Step = Callable[[Order, Order, datetime, Any], Fields]


def _accept(o: Order, n: Order, now: datetime, c: Any) -> Fields:
    n.state, n.accepted_at, n.timer_due = "in_progress", now, None
    n.delivery_due = now + _DAY * o.delivery_days
    return "OrderAccepted", now, (n.delivery_due,)


def _deliver(o: Order, n: Order, now: datetime, c: Any) -> Fields:
    late = now >= o.delivery_due  # type: ignore[operator]
    n.state, n.delivery_due, n.timer_due, n.late = "delivered", None, now + _REVIEW, bool(o.late) or late
    return "OrderDelivered", now, (late,)


def _complete(o: Order, n: Order, now: datetime, c: Any) -> Fields:
    share = o.escrow - o.fee
    n.state, n.timer_due, n.escrow = "completed", None, _ZERO
    n.credited, n.revenue = o.credited + share, o.revenue + o.fee
    return "OrderCompleted", now, (share, o.fee)


def _cancel(o: Order, n: Order, now: datetime, c: Any) -> Fields:
    n.state, n.timer_due, n.escrow, n.refunded = "canceled", None, _ZERO, o.refunded + o.escrow
    return "OrderCanceled", now, (o.escrow,)


def _request_revision(o: Order, n: Order, now: datetime, c: Any) -> Fields:
    n.state, n.timer_due, n.requested_at, n.revisions = (
        "revision_requested",
        now + _ANSWER,
        now,
        o.revisions + 1,
    )
    return "RevisionRequested", now, ()


def _accept_revision(o: Order, n: Order, now: datetime, c: Any) -> Fields:
    n.state, n.timer_due = "in_progress", None
    n.delivery_due = o.requested_at + _DAY * o.delivery_days  # type: ignore[operator, assignment]
    return "RevisionAccepted", now, ()


def _refuse_revision(o: Order, n: Order, now: datetime, c: Any) -> Fields:
    n.state, n.timer_due = "revision_refused", now + _DECIDE
    return "RevisionRefused", now, (c.reason,)


def _request_cancellation(o: Order, n: Order, now: datetime, c: Any) -> Fields:
    if now >= o.delivery_due:  # type: ignore[operator]
        raise Refused("late: cancel instead")
    n.state, n.timer_due = "cancellation_requested", now + _ANSWER
    return "CancellationRequested", now, ()


def _dispute(o: Order, n: Order, now: datetime, c: Any) -> Fields:
    n.state, n.timer_due = "disputed", None
    return "DisputeOpened", now, (c.actor,)


def _resolve(o: Order, n: Order, now: datetime, c: Any) -> Fields:
    if c.outcome != "release":
        raise Refused("the prototype only releases")
    return _complete(o, n, now, c)


ROUTES: dict[tuple[str, str], dict[str, Step]] = {
    ("pending", "accept"): {"seller": _accept},
    ("pending", "cancel"): {"buyer": _cancel, "seller": _cancel},
    ("in_progress", "deliver"): {"seller": _deliver},
    ("in_progress", "request_cancellation"): {"buyer": _request_cancellation},
    ("cancellation_requested", "accept_cancellation"): {"seller": _cancel},
    ("delivered", "close"): {"buyer": _complete},
    ("delivered", "request_revision"): {"buyer": _request_revision},
    ("revision_requested", "accept_revision"): {"seller": _accept_revision},
    ("revision_requested", "refuse_revision"): {"seller": _refuse_revision},
    ("revision_refused", "close"): {"buyer": _complete},
    ("revision_refused", "open_dispute"): {"buyer": _dispute, "platform": _dispute},
    ("disputed", "resolve_dispute"): {"platform": _resolve},
}


class Command:
    __slots__ = ("action", "actor", "outcome", "reason")

    def __init__(self, action: str, actor: str, reason: str = "", outcome: str = "") -> None:
        if actor not in _ROLES:
            raise Refused(f"unknown actor {actor!r}")
        self.action, self.actor, self.reason, self.outcome = action, actor, reason, outcome


def decide(order: Order, command: Command, now: datetime) -> Decision:
    if type(now) is not datetime or now.tzinfo is not timezone.utc or now < order.updated_at:
        raise Refused("bad time")
    timer = order.timer_due
    if now >= order.expires_at or (timer is not None and now >= timer):
        raise Refused("a deadline is due: the prototype does not fire them")
    step = ROUTES.get((order.state, command.action), {}).get(command.actor)
    if step is None:
        raise Refused(f"{command.actor} may not {command.action} while {order.state}")
    new = _copy(order, now)
    return Decision(new, (Event(*step(order, new, now, command)),), order)


class Prototype:
    """A subject of ``bench_core``: the prototype on the same lives as orderflow."""

    label = "prototype: plain slotted classes (bench/core_prototype.py)"

    def __init__(
        self,
        arguments: dict[str, dict[str, str]],
        paid_at: datetime,
        step: timedelta,
        placement: Callable[[int, Any, Any, Any], Any],
    ) -> None:
        """``placement(serial, Placement, Money, Option)`` builds the host's placement of an order
        with the given classes, as ``bench_core`` builds orderflow's."""
        self.arguments, self.paid_at, self.step, self.placement = arguments, paid_at, step, placement

    def new(self, serial: int) -> Order:
        placed: Placement = self.placement(serial, Placement, Money, Option)
        return place(placed).order

    def plan(self, path: Path) -> list[tuple[tuple[str, str, dict[str, str]], datetime]]:
        return [
            ((action, actor, self.arguments.get(action, {})), self.paid_at + self.step * (n + 1))
            for n, (actor, action) in enumerate(path)
        ]

    def command(self, move: tuple[tuple[str, str, dict[str, str]], datetime]) -> tuple[Command, datetime]:
        (action, actor, arguments), now = move
        return Command(action, actor, **arguments), now

    def fire(self, order: Order, command: tuple[Command, datetime]) -> Order:
        return decide(order, *command).order

    def state(self, order: Order) -> str:
        return str(order.state)
