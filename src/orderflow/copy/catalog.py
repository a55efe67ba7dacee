"""The message catalogs and the locale formats: every word a buyer or a seller reads passes here.

Messages are marked in the source with ``N_`` (one message) and ``NP_`` (a singular and its plural)
so that Babel extracts them (``scripts/i18n``); they are looked up at run time in the gettext
catalogs shipped in ``locales/<lang>/LC_MESSAGES/orderflow.mo``, English included, so a platform
may reword English too. Placeholders are ``str.format`` names (``{amount}``), the same in every
language. Amounts, dates and times are formatted per locale by Babel (the ``i18n`` extra), which
is imported only when a message is formatted, never by ``import orderflow``.
"""

from __future__ import annotations

import gettext
import io
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import attrs

from ..domain.errors import InvalidArgument
from ..domain.money import Money

DOMAIN = "orderflow"
LOCALES = resources.files(__package__) / "locales"


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated where it is shown."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message with a plural form for extraction."""
    return singular, plural


def languages() -> tuple[str, ...]:
    """The languages with a compiled catalog, in name order."""
    return tuple(sorted(d.name for d in LOCALES.iterdir() if (d / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file()))


@cache
def _translations(lang: str) -> gettext.GNUTranslations:
    if lang not in languages():
        shipped = ", ".join(languages())
        raise InvalidArgument(f"no catalog for language {lang!r}: the languages shipped are {shipped}")
    compiled = (LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.mo").read_bytes()
    return gettext.GNUTranslations(io.BytesIO(compiled))


def _babel() -> Any:
    try:
        import babel.dates
        import babel.numbers
    except ImportError:  # pragma: no cover - the i18n extra is part of dev
        raise ImportError("end-user guidance needs Babel: pip install 'orderflow[i18n]'") from None
    return babel


@attrs.frozen
class Words:
    """The words of one language: messages, amounts, instants and durations, as its readers write them.

    Instants are shown in ``zone`` (UTC unless the host says otherwise), with the zone's name.
    """

    lang: str
    zone: tzinfo = timezone.utc
    _catalog: gettext.GNUTranslations = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_catalog", _translations(self.lang))

    def __call__(self, message: str, **values: object) -> str:
        """``message`` in this language, its placeholders filled."""
        return self._catalog.gettext(message).format(**values)

    def plural(self, message: tuple[str, str], n: int, **values: object) -> str:
        """The form of ``message`` for ``n`` (``{n}`` is filled with ``n`` too)."""
        return self._catalog.ngettext(*message, n).format(n=n, **values)

    def money(self, money: Money) -> str:
        """``57,50 €`` in French, ``€57.50`` in English: Babel's currency format of the locale."""
        amount: Decimal = money.amount
        found: str = _babel().numbers.format_currency(amount, money.currency, locale=self.lang)
        return found

    def when(self, at: datetime) -> str:
        """``13 janvier 2026 à 11:00 (UTC)``: Babel's long date and short time, in ``zone``."""
        dates = _babel().dates
        local = at.astimezone(self.zone)
        date = dates.format_date(local, "long", locale=self.lang)
        time = dates.format_time(local, "short", tzinfo=self.zone, locale=self.lang)
        return self(AT_TIME, date=date, time=time, zone=local.tzname() or "")

    def span(self, delta: timedelta) -> str:
        """A duration in whole days, hours and minutes, the two largest units only: ``7 days``."""
        minutes = max(int(delta.total_seconds() // 60), 0)
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        parts = [(days, DAYS), (hours, HOURS), (minutes, MINUTES)]
        shown = [self.plural(unit, n) for n, unit in parts if n][:2]
        return " ".join(shown) or self.plural(MINUTES, 0)


AT_TIME = N_("{date} at {time} ({zone})")
DAYS = NP_("{n} day", "{n} days")
HOURS = NP_("{n} hour", "{n} hours")
MINUTES = NP_("{n} minute", "{n} minutes")
