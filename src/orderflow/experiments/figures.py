"""The key figures of an experiment, in plain words, and how each is written.

Every report figure is kept and compared (``cells.figures``); these are the ones a headline,
a text table and a chart show first, grouped as the HTML report charts them. A figure's unit says
how to write it and its difference: ``pp`` for percentages (a difference in percentage points),
``money`` for amounts in the market's currency, ``h`` for hours, ``rate`` for a seller rate (a
share from 0 to 1, written as a percentage), ``count`` for plain numbers.
"""

from __future__ import annotations

import math

import attrs


@attrs.frozen
class Key:
    figure: str
    label: str
    unit: str


GROUPS: dict[str, tuple[Key, ...]] = {
    "Outcomes": (
        Key("outcomes.completed.percent", "completed orders", "pp"),
        Key("outcomes.canceled.percent", "canceled orders", "pp"),
        Key("outcomes.expired.percent", "expired orders", "pp"),
    ),
    "Money": (
        Key("money.refunded_percent", "refunds (share of money paid in)", "pp"),
        Key("money.seller_credited", "credited to sellers", "money"),
        Key("money.refunded", "refunded to buyers", "money"),
        Key("money.platform_revenue", "platform revenue", "money"),
    ),
    "Time from payment to end": (
        Key("hours_to_close.mean", "mean time to end", "h"),
        Key("hours_to_close.p50", "median time to end", "h"),
        Key("hours_to_close.p90", "90th percentile time to end", "h"),
    ),
    "Rates": (
        Key("rates.late_delivery_percent", "late deliveries", "pp"),
        Key("rates.revision_percent", "deliveries sent back", "pp"),
        Key("rates.dispute_percent", "disputes per 100 orders", "count"),
    ),
    "Seller rates (median seller shown)": (
        Key("seller_statistics.completion.p50", "seller completion rate", "rate"),
        Key("seller_statistics.on_time.p50", "seller on-time rate", "rate"),
        Key("seller_statistics.acceptance.p50", "seller acceptance rate", "rate"),
        Key("seller_statistics.shown", "sellers shown", "count"),
    ),
}
KEYS: tuple[Key, ...] = tuple(key for keys in GROUPS.values() for key in keys)
BY_FIGURE = {key.figure: key for key in KEYS}


def label(figure: str) -> str:
    """A figure's words: its key label, or its dotted name."""
    key = BY_FIGURE.get(figure)
    return figure if key is None else key.label


def unit(figure: str) -> str:
    key = BY_FIGURE.get(figure)
    return "count" if key is None else key.unit


def value(number: float | None, kind: str, currency: str = "", signed: bool = False) -> str:
    """``number`` written in its unit (a difference with ``signed``): 89.41 %, +0.11 pp, 401,750 EUR."""
    if number is None or math.isnan(number):
        return "-"
    sign = "+" if signed else ""
    if kind == "pp":
        return f"{number:{sign},.2f} {'pp' if signed else '%'}"
    if kind == "rate":
        return f"{100 * number:{sign},.2f} {'pp' if signed else '%'}"
    if kind == "money":
        return f"{number:{sign},.0f} {currency}".rstrip()
    if kind == "h":
        return f"{number:{sign},.1f} h"
    return f"{number:{sign},.2f}"


def interval(
    low: float | None, high: float | None, kind: str, currency: str = "", signed: bool = False
) -> str:
    """An interval in words: "+0.09 to +0.13 pp"."""
    if low is None or high is None:
        return "n/a"
    first, last = value(low, kind, currency, signed), value(high, kind, currency, signed)
    suffix = last.split(" ", 1)[1] if " " in last else ""
    return f"{first.split(' ', 1)[0]} to {last}" if suffix else f"{first} to {last}"
