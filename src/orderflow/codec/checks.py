"""What a decoded value must satisfy besides its types: the model's own rules, so that the codec can
never make a value the API refuses (issue 14).

The leaves are checked by ``compiler`` (strings as ``limits`` texts, whole numbers and amounts in
the supported ranges, instants from ``dates.EARLIEST``); classes with validators (``Policy``,
``Money``, commands) run them when built. The classes without validators, built by the core
itself (events, terms, ledgers, snapshots), are checked here, each by one function of its
decoded field values that names the field it refuses:

- ids (order, buyer, seller, offer) follow ``limits.id_problem``;
- a currency is an ISO 4217 code, and an amount has no more decimals than the currency allows
  where the value carries its currency (``OrderPlaced``, ``Terms``, ``Ledger``, a snapshot);
  other events' amounts have at most 4 decimals (the most of any currency);
- whole days follow ``validators.whole_days``, a rating is 1 to 5, a version at least 1;
- a ledger is balanced (R-MONEY-5) and in the order's currency;
- an event happened at a supported instant (before ``dates.LATEST``).

What only a whole history can tell (events in an order the graph allows, amounts in escrow) is
checked by the storages when they load a history (``CorruptHistory``), not by the codec.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from ..domain.currencies import MINOR_UNITS
from ..domain.dates import LATEST, MAX_WINDOW_DAYS
from ..domain.effects import Effect
from ..domain.events import Event, OrderPlaced, ReviewLeft
from ..domain.limits import id_problem
from ..domain.money import CONTEXT, Ledger, Money, minor_units
from ..domain.order import Extra, Offer, Order, Terms

#: A refused field and why, or None.
Problem = tuple[str, str] | None
Check = Callable[[Mapping[str, Any]], Problem]
_MOST_DECIMALS = max(MINOR_UNITS.values())
_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(_MOST_DECIMALS + 1)}


def _ids(values: Mapping[str, Any], names: Iterable[str]) -> Problem:
    for name in names:
        problem = id_problem(values[name])
        if problem is not None:
            return name, f"an id {problem}"
    return None


def _decimals(amount: Decimal) -> int:
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)  # the leaf decoder admits finite amounts only
    return max(0, -exponent)


def _in_currency(values: Mapping[str, Any], names: Iterable[str], currency: str | None) -> Problem:
    """Each named amount not negative, with at most the currency's decimals (any currency's: 4)."""
    most = _MOST_DECIMALS if currency is None else minor_units(currency)
    exact = _QUANTA[most]
    for name in names:
        amount = values[name]
        if amount.same_quantum(exact) and not amount.is_signed():
            continue  # as the core writes amounts: exactly the currency's decimals
        if amount < 0:
            return name, f"expected an amount of at least 0, got {amount}"
        if _decimals(amount) > most:
            where = f"{currency} allows ({most})" if currency else f"any currency allows ({most})"
            return name, f"{amount} has more decimals than {where}"
    return None


def _currency(values: Mapping[str, Any]) -> Problem:
    currency = values["currency"]
    if currency not in MINOR_UNITS:
        return "currency", f"expected an ISO 4217 currency code such as 'EUR', got {currency!r}"
    return None


def _whole_days(
    values: Mapping[str, Any], name: str = "delivery_days", most: int = MAX_WINDOW_DAYS
) -> Problem:
    days = values[name]
    return (
        None if 0 <= days <= most else (name, f"expected a whole number of days from 0 to {most}, got {days}")
    )


def _terms(values: Mapping[str, Any]) -> Problem:
    return (
        _ids(values, ("order_id", "buyer", "seller"))
        or _currency(values)
        or _in_currency(values, ("platform_fee", "tax", "bank_fee"), values["currency"])
    )


_LEDGER_AMOUNTS = ("paid", "escrow", "refunded", "seller_credited", "platform_revenue")


def _ledger(values: Mapping[str, Any]) -> Problem:
    problem = _currency(values) or _in_currency(values, _LEDGER_AMOUNTS, values["currency"])
    if problem is not None:
        return problem
    paid, escrow, refunded, credited, revenue = (values[name] for name in _LEDGER_AMOUNTS)
    if CONTEXT.add(CONTEXT.add(CONTEXT.add(escrow, refunded), credited), revenue) != paid:
        return "paid", f"{paid} is not escrow + refunded + seller_credited + platform_revenue (R-MONEY-5)"
    return None


def _extra(values: Mapping[str, Any]) -> Problem:
    return _whole_days(values) or _in_currency(values, ("price",), None)


def _offer(values: Mapping[str, Any]) -> Problem:
    return _ids(values, ("offer_id",)) or _extra(values)


def _order(values: Mapping[str, Any]) -> Problem:
    terms: Terms = values["terms"]
    ledger: Ledger = values["ledger"]
    currency = terms.currency
    if values["version"] < 1:
        return "version", f"expected a version from 1, got {values['version']}"
    if ledger.currency != currency:
        return "ledger", f"in {ledger.currency}, the order is in {currency}"
    priced = {f"offers[{index}].price": offer.price for index, offer in enumerate(values["offers"])}
    if values["proposal"] is not None:
        priced["proposal.amount"] = values["proposal"].amount
    problem = _in_currency(priced, priced, currency)
    if problem is not None:
        return problem
    for offer_id in values["offer_ids"]:
        wrong = id_problem(offer_id)
        if wrong is not None:
            return "offer_ids", f"an id {wrong}"
    # Options and accepted offers add their days: a thousand of the longest still fit (docs/model.md).
    return _whole_days(values, most=MAX_WINDOW_DAYS * 1000)


def _placed(values: Mapping[str, Any]) -> Problem:
    terms: Terms = values["terms"]
    options: tuple[Extra, ...] = values["options"]
    problem = _whole_days(values) or _in_currency(values, ("price", "tip"), terms.currency)
    for index, option in enumerate(options):
        if problem is None and _decimals(option.price) > minor_units(terms.currency):
            problem = (
                f"options[{index}].price",
                f"{option.price} has more decimals than {terms.currency} allows",
            )
    return problem


def _review(values: Mapping[str, Any]) -> Problem:
    rating = values["rating"]
    return None if 1 <= rating <= 5 else ("rating", f"expected a rating from 1 to 5, got {rating}")


_AMOUNTS = ("price", "refund", "seller_credit", "platform_revenue", "voucher", "amount", "tip")

#: The checks of the classes that have some, beyond every event's own.
CHECKS: dict[type, Check] = {
    Terms: _terms,
    Ledger: _ledger,
    Extra: _extra,
    Offer: _offer,
    Order: _order,
    OrderPlaced: _placed,
    ReviewLeft: _review,
}


def _event(values: Mapping[str, Any]) -> Problem:
    at = values["at"]
    if not at < LATEST:
        return (
            "at",
            f"{at.isoformat()} is outside the supported range of instants (before {LATEST.isoformat()})",
        )
    return _in_currency(values, [name for name in _AMOUNTS if isinstance(values.get(name), Decimal)], None)


def _effect(values: Mapping[str, Any]) -> Problem:
    """An effect moves money, never a negative amount."""
    for name, value in values.items():
        if isinstance(value, Money) and value.amount < 0:
            return name, f"expected an amount of at least 0, got {value.amount}"
    return None


def check_of(cls: type) -> Check | None:
    """The check of ``cls``'s decoded values, or None if its types and validators say it all."""
    own = CHECKS.get(cls)
    if issubclass(cls, Effect):
        return _effect
    if not issubclass(cls, Event):
        return own
    if own is None:
        return _event
    return lambda values: _event(values) or own(values)
