"""Exact money: ``Money`` values and the order's ``Ledger`` (R-MONEY-1 .. R-MONEY-7).

Amounts are ``Decimal`` in one ISO 4217 currency (``currencies.py``), never floats. ``Money``
accepts any finite decimal of the supported range so that a bad amount can be reported in R-ERR-1
order; ``checked_amount`` applies the rules (positive, at most the currency's minor-unit decimals,
same currency, under a cap). The core computes in its own decimal ``CONTEXT``.
"""

from __future__ import annotations

import re
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)

import attrs

from .currencies import MINOR_UNITS
from .drafts import Inline, builder, fast_init
from .errors import CurrencyMismatch, InvalidAmount, InvalidArgument

#: The supported amounts (docs/model.md, supported ranges): below 10**15 in absolute value. Every
#: amount is checked against its currency's minor unit (at most 4 decimals) before any sum, so
#: sums of supported amounts fit in ``CONTEXT``'s 50 digits exactly.
MAX_AMOUNT = Decimal(10**15)
_MIN_AMOUNT = Decimal(-(10**15))  # made here: ``-MAX_AMOUNT`` would round in a host's 6-digit context

#: The decimal context of every computation of the core, whatever the host's thread uses: enough
#: digits for any sum of supported amounts, so no result of the core is ever rounded, and the
#: usual traps. ``domain/guard.py`` makes it current around each entry point.
CONTEXT = Context(
    prec=50,
    rounding=ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    capitals=1,
    clamp=0,
    flags=[],
    traps=[InvalidOperation, DivisionByZero, Overflow],
)

#: An amount as a string: ASCII digits, an optional sign, point and exponent (as ``str(Decimal)``
#: writes them); no spaces, no "_", no other digits (Arabic-Indic or fullwidth digits are not 0-9).
_AMOUNT_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NOT_FINITE = re.compile(r"[+-]?(?:s?nan[0-9]*|inf|infinity)", re.IGNORECASE)


def minor_units(currency: str) -> int:
    """How many decimals the currency's smallest unit has (ISO 4217: JPY 0, EUR 2, KWD 3)."""
    return MINOR_UNITS[currency]


def _to_decimal(value: object) -> Decimal:
    if type(value) is Decimal:
        if value.is_finite() and _MIN_AMOUNT < value < MAX_AMOUNT:
            return value
    elif type(value) is str:
        amount = _KNOWN.get(value)
        if amount is None:
            amount = _parsed(value)
            if amount is not None and len(_KNOWN) < _KNOWN_MOST:
                _KNOWN[value] = amount
        if amount is not None:
            return amount
    return _checked_decimal(value)


#: Amount strings already parsed, with their amounts. A host builds ``Money`` from the same few
#: price strings again and again, and a ``Decimal`` is immutable, so one parse serves them all.
#: ``_to_decimal`` fills it up to ``_KNOWN_MOST`` strings, then stops (hostile input cannot grow
#: it; later strings are parsed each time); ``Money``'s generated ``__init__`` looks amounts up in
#: it without a call (``drafts``: a converter's ``known`` table).
_KNOWN: dict[str, Decimal] = {}
_KNOWN_MOST = 4096


def _parsed(text: str) -> Decimal | None:
    """``text`` as a supported amount, or None (then ``_checked_decimal`` says what is wrong).

    ``Decimal()`` parses exactly, in any context, and only text that ``_AMOUNT_TEXT`` matches
    reaches it, so it never signals into the host's context.
    """
    if not _AMOUNT_TEXT.fullmatch(text):
        return None
    try:
        amount = _exactly(text)
    except InvalidOperation:  # an exponent beyond any context's
        return None
    return amount if amount.is_finite() and _MIN_AMOUNT < amount < MAX_AMOUNT else None


#: Read by ``drafts.fast_init``: the strings whose amount ``_to_decimal`` already knows.
_to_decimal.known = _KNOWN  # type: ignore[attr-defined]


def _exactly(value: int | str) -> Decimal:
    """``Decimal(value)``, exact in any context (the constructor never rounds), its signals (an
    exponent beyond any context's) raised in a copy of ``CONTEXT``, never set on the host's."""
    with localcontext(CONTEXT):
        return Decimal(value)


def _checked_decimal(value: object) -> Decimal:
    """``value`` as a supported amount, or the typed error that says why it is not one."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise InvalidArgument(f"an amount must be a Decimal, an int or a decimal string, not {value!r}")
    if isinstance(value, str) and not _AMOUNT_TEXT.fullmatch(value):
        if _NOT_FINITE.fullmatch(value):
            raise InvalidAmount(f"{value!r} is not a finite amount")
        raise InvalidArgument(f"{value!r} is not a decimal amount written in ASCII digits, such as '40.00'")
    try:
        amount = value if isinstance(value, Decimal) else _exactly(value)
    except InvalidOperation:  # Decimal("1e99999999999999999999"): an exponent beyond any context's
        raise InvalidAmount(
            "an amount's exponent is outside the supported range of amounts (under 10**15)"
        ) from None
    if not amount.is_finite():
        raise InvalidAmount(f"{value!r} is not a finite amount")
    if not _MIN_AMOUNT < amount < MAX_AMOUNT:
        raise InvalidAmount(f"{value!r} is outside the supported range of amounts (under 10**15)")
    return amount


def _currency_code(value: object) -> str:
    if not (isinstance(value, str) and value in MINOR_UNITS):
        raise InvalidArgument(f"a currency is a three-letter ISO 4217 code such as 'EUR', not {value!r}")
    return value


#: A proof, read by ``drafts.fast_init``, that ``_currency_code`` returns its value as it is.
_currency_code.inline = Inline("type({v}) is str and {v} in {codes}", codes=MINOR_UNITS)  # type: ignore[attr-defined]


#: ``object.__new__`` and ``object.__setattr__`` as module globals for ``Money._of_order`` (a
#: method read from a class is not a specialized load in Python 3.11).
_new_object = object.__new__
_set_attribute = object.__setattr__


@fast_init
@attrs.frozen(weakref_slot=False)
class Money:
    """An exact amount in a currency, e.g. ``Money("40.00", "EUR")``."""

    amount: Decimal = attrs.field(converter=_to_decimal)
    currency: str = attrs.field(converter=_currency_code)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    @classmethod
    def _of_order(cls, amount: Decimal, currency: str) -> Money:
        """Money from an order's own, already checked amount and currency: skips the checks, so it
        is private to the core (hosts build ``Money(...)``, which checks).

        Money's own checks only compare and parse: they give the same answer in any decimal
        context, so ``Money`` can be built outside the core's entry points.
        """
        money = _new_object(cls)
        _set_attribute(money, "amount", amount)
        _set_attribute(money, "currency", currency)
        return money


def checked_amount(
    money: Money, currency: str, cap: Decimal, what: str = "amount", allow_zero: bool = False
) -> Decimal:
    """The amount of ``money`` if it is a valid amount of this order (R-MONEY-6), else raise."""
    amount = money.amount
    if NOTHING < amount <= cap and money.currency == currency and amount.same_quantum(QUANTA[currency]):
        return amount  # the common case, already quantized: the checks below would all pass
    if money.currency != currency:
        raise CurrencyMismatch(f"{what} is in {money.currency}, the order is in {currency}")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise InvalidAmount(f"{what} must be {'zero or ' if allow_zero else ''}positive, got {amount}")
    if amount > cap:
        raise InvalidAmount(f"{what} {amount} is over the cap of {cap} {currency}")
    quantized = quantize(amount, currency)
    if quantized != amount:
        raise InvalidAmount(f"{what} {amount} has more decimals than {currency} allows")
    return quantized


#: Each currency's minor unit as a ``Decimal`` (EUR: 0.01) and zero written with it (0.00), one
#: shared object per currency; made at import, in the default context, exactly.
QUANTA = {code: Decimal(1).scaleb(-units) for code, units in MINOR_UNITS.items()}
#: ``zero(code)`` of each currency, read without the call on the core's hot paths.
ZEROS = {code: quantum * 0 for code, quantum in QUANTA.items()}
NOTHING = Decimal(0)  # compared with an amount: an int would be converted on every comparison


def _quantum(currency: str) -> Decimal:
    return QUANTA[currency]


def zero(currency: str) -> Decimal:
    """Zero in the currency's minor unit (one shared object per currency)."""
    return ZEROS[currency]


def quantize(amount: Decimal, currency: str) -> Decimal:
    """``amount`` written with exactly the currency's minor-unit decimals (never rounds away money).

    An amount already written so is returned as it is, so that orders share their amounts' objects.
    """
    if not amount:
        return zero(currency)
    quantum = _quantum(currency)
    return amount if amount.same_quantum(quantum) else amount.quantize(quantum)


@fast_init
@attrs.frozen(weakref_slot=False)
class Ledger:
    """Where every unit paid in is now (R-MONEY-5): paid = escrow + refunded + credited + revenue."""

    currency: str
    paid: Decimal
    escrow: Decimal
    refunded: Decimal
    seller_credited: Decimal
    platform_revenue: Decimal

    def pay_in(self, amount: Decimal) -> Ledger:
        """An extra bought during the order: paid and held in escrow (R-PROG-2)."""
        return new_ledger(
            self.currency,
            self.paid + amount,
            self.escrow + amount,
            self.refunded,
            self.seller_credited,
            self.platform_revenue,
        )

    def settle(
        self,
        *,
        refund: Decimal = Decimal(0),
        seller: Decimal = Decimal(0),
        platform: Decimal = Decimal(0),
    ) -> Ledger:
        """Move money out of escrow to the buyer, the seller's wallet and the platform."""
        # A part that is zero is not added (an addition costs about four times its truth test):
        # a completion refunds nothing, a cancellation credits nothing.
        if not refund:
            out = seller + platform  # a completion, an expiry
        elif not (seller or platform):
            out = refund  # a cancellation
        else:
            out = refund + seller + platform  # a mediator's split
        if out > self.escrow:
            raise InvalidAmount(f"cannot move {out} out of an escrow of {self.escrow}")
        return new_ledger(
            self.currency,
            self.paid,
            self.escrow - out,
            self.refunded + refund if refund else self.refunded,
            self.seller_credited + seller if seller else self.seller_credited,
            self.platform_revenue + platform if platform else self.platform_revenue,
        )

    @property
    def balanced(self) -> bool:
        """Whether R-MONEY-5 holds to the cent."""
        return self.paid == self.escrow + self.refunded + self.seller_credited + self.platform_revenue


#: ``Ledger(...)`` without the class call (``drafts.builder``), for the core's hot paths.
new_ledger = builder(Ledger)
