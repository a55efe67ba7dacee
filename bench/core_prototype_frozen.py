"""The prototype of ``bench/core_prototype.py`` with every value frozen: can the same contract be
immutable and still run a life twice as fast as ``transitions`` used as its FAQ advises?

Every class the host or the caller sees (``Money``, ``Option``, ``Placement``, ``Command``,
``Order``, ``Event``, ``Effect``, ``Decision``) refuses ``value.field = x`` and ``del
value.field`` with an ``AttributeError``, as attrs' frozen classes do. The checks, the
``Decimal`` money, the aware times, a new ``Order`` per event, a ``Decision`` per call and effects
derived when first read are the prototype's (its constants and ``Refused`` are imported from it).
Only the building of values changes, each class built the cheapest way found under callgrind:

* A slotted frozen class (``Frozen``: its ``__setattr__`` and ``__delattr__`` raise) shares its
  slots with a *draft* class that keeps ``object``'s ``__setattr__``: a value is made a draft
  (``_XDraft()``, type's own call in C), filled with plain stores, then frozen by
  ``value.__class__ = X``; CPython allows the swap, and does it without comparing slots, because
  one class derives from the other adding no slot (~500 instructions; the draft's ``__delattr__``
  must be ``object``'s too, or ``__setattr__`` falls back to a slow Python-level slot).
* ``Order`` and ``Decision``, built only here, are the base of their drafts.
* ``Money``, ``Option``, ``Placement`` and ``Command``, called by the host, derive from their
  drafts (so that calling the draft does not go through the frozen class's metaclass), and their
  metaclass's ``__call__`` checks the arguments then builds the draft: one Python call instead of
  ``type.__call__``'s ``__new__`` then ``__init__``, where ``__init__`` would have to store
  through slot descriptors (~575 instructions a field) or swap ``self``'s class twice.
* ``Event`` and ``Effect``, never read on the benchmark's lives, are ``NamedTuple``s (immutable in
  C), built by ``tuple.__new__(Event, fields)`` in one call: cheaper than a draft here.

Run ``python bench/core_prototype_frozen.py`` for a self-check: a life per path ends where it
should, every value refuses to be changed, the constructors still check.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any, NamedTuple

if __package__ in (None, ""):  # run as a script: make the ``bench`` package importable
    sys.path.insert(0, str(FilePath(__file__).resolve().parents[1]))

from bench import core_prototype as plain
from bench.baselines import Path
from bench.core_prototype import _BOTH, _ROLES, ROUTES, Refused

_tuple = tuple.__new__


class Frozen:
    """Any assignment or deletion of an attribute raises, as attrs' frozen classes do."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any, /) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot set {name}")

    def __delattr__(self, name: str, /) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot delete {name}")


class _MoneyDraft:
    __slots__ = ("amount", "currency")
    amount: Decimal
    currency: str


class _MoneyType(type):
    def __call__(cls, amount: object, currency: object) -> Money:
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
        money = _MoneyDraft()
        money.amount, money.currency = amount, currency
        money.__class__ = Money
        return money  # type: ignore[return-value]


class Money(Frozen, _MoneyDraft, metaclass=_MoneyType):
    __slots__ = ()

    if TYPE_CHECKING:  # what the metaclass's __call__ takes

        def __init__(self, amount: object, currency: object) -> None: ...


class _OptionDraft:
    __slots__ = ("delivery_days", "name", "price")
    name: str
    price: Money
    delivery_days: int


class _OptionType(type):
    def __call__(cls, name: str, price: Money, delivery_days: int) -> Option:
        if (
            not (type(name) is str and name.strip())
            or type(price) is not Money
            or type(delivery_days) is not int
        ):
            raise Refused("bad option")
        option = _OptionDraft()
        option.name, option.price, option.delivery_days = name, price, delivery_days
        option.__class__ = Option
        return option  # type: ignore[return-value]


class Option(Frozen, _OptionDraft, metaclass=_OptionType):
    __slots__ = ()

    if TYPE_CHECKING:

        def __init__(self, name: str, price: Money, delivery_days: int) -> None: ...


class _PlacementDraft:
    __slots__ = ("buyer", "delivery_days", "fee", "options", "order_id", "paid_at", "price", "seller", "tip")
    order_id: str
    buyer: str
    seller: str
    price: Money
    delivery_days: int
    paid_at: datetime
    options: tuple[Option, ...]
    tip: Money | None
    fee: Money | None


class _PlacementType(type):
    def __call__(
        cls,
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
    ) -> Placement:
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
        p = _PlacementDraft()
        p.order_id, p.buyer, p.seller, p.price = order_id, buyer, seller, price
        p.delivery_days, p.paid_at, p.options, p.tip, p.fee = (
            delivery_days,
            paid_at,
            options,
            tip,
            platform_fee,
        )
        p.__class__ = Placement
        return p  # type: ignore[return-value]


class Placement(Frozen, _PlacementDraft, metaclass=_PlacementType):
    __slots__ = ()


class _CommandDraft:
    __slots__ = ("action", "actor", "outcome", "reason")
    action: str
    actor: str
    reason: str
    outcome: str


class _CommandType(type):
    def __call__(cls, action: str, actor: str, reason: str = "", outcome: str = "") -> Command:
        if actor not in _ROLES:
            raise Refused(f"unknown actor {actor!r}")
        command = _CommandDraft()
        command.action, command.actor, command.reason, command.outcome = action, actor, reason, outcome
        command.__class__ = Command
        return command  # type: ignore[return-value]


class Command(Frozen, _CommandDraft, metaclass=_CommandType):
    __slots__ = ()

    if TYPE_CHECKING:

        def __init__(self, action: str, actor: str, reason: str = "", outcome: str = "") -> None: ...


class Order(Frozen, plain.Order):
    """One version of an order: the prototype's slots, frozen (built only by ``place`` and ``decide``)."""

    __slots__ = ()


class Event(NamedTuple):
    name: str
    at: datetime
    data: tuple[Any, ...] = ()


class Effect(NamedTuple):
    kind: str
    party: str | None
    value: object


_NOTIFY = {name: (Effect("notification", party, name),) for name, party in (
    ("OrderPlaced", "seller"), ("OrderAccepted", "buyer"), ("OrderDelivered", "buyer"),
    ("RevisionRequested", "seller"), ("RevisionAccepted", "buyer"), ("RevisionRefused", "buyer"),
    ("CancellationRequested", "seller"),
)}  # fmt: skip


class Decision(Frozen):
    """The new order, its events and, derived when first read, its effects (built only here)."""

    __slots__ = ("_before", "_effects", "events", "order")
    order: plain.Order  # a frozen Order once built (typed as its base: the steps fill drafts of it)
    events: tuple[Event, ...]
    _before: plain.Order | None
    _effects: tuple[Effect, ...] | None

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
            _set_effects(self, found)  # the cache, written once through its slot's descriptor
        return self._effects  # type: ignore[return-value]


_set_effects = Decision.__dict__["_effects"].__set__


class _OrderDraft(Order):
    __slots__ = ()
    __setattr__ = object.__setattr__
    __delattr__ = object.__delattr__


class _DecisionDraft(Decision):
    __slots__ = ()
    __setattr__ = object.__setattr__
    __delattr__ = object.__delattr__


def place(p: Placement) -> Decision:
    order, fields = plain._opened(p, _OrderDraft())
    order.__class__ = Order
    decision: Decision = _DecisionDraft()
    decision.order, decision.events, decision._before, decision._effects = (
        order,
        (_tuple(Event, fields),),
        None,
        None,
    )
    decision.__class__ = Decision
    return decision


def decide(order: plain.Order, command: Command, now: datetime) -> Decision:
    if type(now) is not datetime or now.tzinfo is not timezone.utc or now < order.updated_at:
        raise Refused("bad time")
    timer = order.timer_due
    if now >= order.expires_at or (timer is not None and now >= timer):
        raise Refused("a deadline is due: the prototype does not fire them")
    step = ROUTES.get((order.state, command.action), {}).get(command.actor)
    if step is None:
        raise Refused(f"{command.actor} may not {command.action} while {order.state}")
    new = plain._copy(order, now, _OrderDraft)
    event = _tuple(Event, step(order, new, now, command))
    new.__class__ = Order
    decision: Decision = _DecisionDraft()  # inline: a helper's call would cost more than the swap
    decision.order, decision.events, decision._before, decision._effects = new, (event,), order, None
    decision.__class__ = Decision
    return decision


class FrozenPrototype:
    """A subject of ``bench_core``: the frozen prototype on the same lives (as ``Prototype``)."""

    label = "prototype, values frozen (bench/core_prototype_frozen.py)"

    def __init__(
        self,
        arguments: dict[str, dict[str, str]],
        paid_at: datetime,
        step: timedelta,
        placement: Callable[[int, Any, Any, Any], Any],
    ) -> None:
        self.arguments, self.paid_at, self.step, self.placement = arguments, paid_at, step, placement

    def new(self, serial: int) -> plain.Order:
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

    def fire(self, order: plain.Order, command: tuple[Command, datetime]) -> plain.Order:
        return decide(order, *command).order

    def state(self, order: plain.Order) -> str:
        return str(order.state)


def _self_check() -> None:
    """A life per path ends where it should; every value a life shows refuses to be changed; the
    constructors still check their arguments."""
    from bench.baselines import PATH_END_STATES, PATHS
    from bench.bench_core import ARGUMENTS, PAID_AT, STEP, host_placement, life

    subject = FrozenPrototype(ARGUMENTS, PAID_AT, STEP, host_placement)
    for name, path in PATHS.items():
        order = life(subject, subject.plan(path), 0)
        assert subject.state(order) == PATH_END_STATES[name], (name, subject.state(order))
    placement = host_placement(0, Placement, Money, Option)
    placed = place(placement)
    accepted = decide(placed.order, Command("accept", "seller"), PAID_AT + STEP)
    canceled = decide(placed.order, Command("cancel", "buyer"), PAID_AT + STEP)
    values: list[Any] = [placement, placement.price, placement.options[0], Command("close", "buyer")]
    for decision in (placed, accepted, canceled):
        values += [decision, decision.order, *decision.events, *decision.effects]
    for value in values:
        fields = getattr(value, "_fields", None) or [
            name for kind in type(value).__mro__ for name in getattr(kind, "__slots__", ())
        ]
        for field in (*fields, "other"):
            for change in (partial(setattr, value, field, 1), partial(delattr, value, field)):
                try:
                    change()
                except AttributeError:
                    continue
                raise AssertionError(f"{type(value).__name__}.{field} could be changed")
    for bad in (partial(Money, "4O", "EUR"), partial(Money, 1, "eur"), partial(Command, "close", "x")):
        try:
            bad()
        except Refused:
            continue
        raise AssertionError(f"{bad} was accepted")
    print(f"ok: a life per path ({len(PATHS)}); {len(values)} values, none could be changed")


if __name__ == "__main__":
    _self_check()
