"""The report of a run: JSON-ready data (``report``) and a terminal table (``text``).

Everything in the report comes from the run's counters and histograms: outcomes by final state,
money by account with the conservation check (R-MONEY-5 over the whole run, to the cent),
time-to-close percentiles, dispute, cancellation, lateness and revision figures, the actions
taken and the deadlines that fired. ``text`` puts one or more reports side by side, one column
each (``--compare-policy``), under a headline in plain words, with plain names for the JSON's
stable keys (``PLAIN``) and without the sections that have nothing to show. Key order is fixed, so
the JSON of a run is reproducible byte for byte.
The setup records every input: the seed, the policy, and each setting changed from the defaults
(by a file or ``--set``). With segments, ``segments`` holds one report per seller and buyer segment,
of that segment's orders (its sellers' statistics, for a seller segment).
"""

from __future__ import annotations

import json
import math
import textwrap
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

import attrs

from ..domain.dates import DAY
from ..domain.policy import PRESETS, Policy
from ..domain.states import TERMINAL, State
from .config import changes
from .engine import Run
from .tally import Tally

Report = dict[str, Any]
_ENDS = [state.value for state in State if state in TERMINAL]


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 2) if whole else 0.0


def _sorted(counter: Mapping[Any, int]) -> dict[str, int]:
    return {str(key): counter[key] for key in sorted(counter, key=str)}


def policy_changes(policy: Policy) -> dict[str, str]:
    """The settings in which ``policy`` differs from the preset of its name."""
    preset = PRESETS.get(policy.name)
    if preset is None:
        return {}
    return {
        field.name: _setting(getattr(policy, field.name))
        for field in attrs.fields(Policy)
        if getattr(policy, field.name) != getattr(preset, field.name)
    }


def _setting(value: object) -> str:
    return f"{value / DAY:g} days" if isinstance(value, timedelta) else str(value)


def title(data: Report) -> str:
    """A report's name: its policy and the settings changed in it."""
    changes = ", ".join(f"{key}={value}" for key, value in data["setup"]["policy_changes"].items())
    policy: str = data["setup"]["policy"]
    return policy + (f" ({changes})" if changes else "")


def _part(run: Run, segment: str | None) -> tuple[Tally, int, int, set[str] | None]:
    """The totals, sellers and buyers (and the sellers to rate) of ``segment``, or of the run."""
    if segment is None:
        return run.tally, len(run.population.sellers), len(run.population.buyers), None
    role, _, name = segment.partition(":")
    if role == "seller":
        sellers = {seller for seller, p in run.population.sellers.items() if p.segment == name}
        return run.segments[segment], len(sellers), len(run.population.buyers), sellers
    buyers = sum(p.segment == name for p in run.population.buyers.values())
    return run.segments[segment], len(run.population.sellers), buyers, None


def report(run: Run, segment: str | None = None) -> Report:
    """The run summed up, as JSON-ready data (amounts as decimal strings); with ``segment``
    (``seller:slow``), the orders of that segment's parties only."""
    setup = run.setup
    tally, sellers, buyers, rated = _part(run, segment)
    ended, unfinished, escrow = sum(tally.ended.values()), tally.unfinished, tally.escrow_held
    accounted = escrow + tally.refunded + tally.credited + tally.revenue
    outcomes = {state: tally.ended[state] for state in _ENDS}
    outcomes["unfinished"] = unfinished
    deliveries = tally.events["OrderDelivered"]
    hours = tally.hours_to_close
    return {
        "setup": {
            "seed": setup.seed,
            "orders": setup.market.orders,
            "arrivals": str(setup.arrivals)
            if setup.arrivals
            else f"poisson, {setup.market.rate_per_day}/day",
            "sellers": sellers,
            "buyers": buyers,
            "horizon_days": setup.horizon_days,
            "policy": setup.policy.name,
            "policy_version": setup.policy.version,
            "policy_changes": policy_changes(setup.policy),
            "settings_changed": changes(setup.market, setup.behaviour, setup.policy),
            "clock": run.clock.isoformat(),
            **({} if segment is None else {"segment": segment}),
        },
        "orders": {
            "placed": tally.placed,
            "ended": ended,
            "unfinished": unfinished,
            "peak_alive_hourly": tally.peak_alive_hourly,
        },
        "outcomes": {
            state: {"count": count, "percent": _percent(count, tally.placed)}
            for state, count in outcomes.items()
        },
        "completed_by": _sorted(tally.completed_by),
        "canceled_by": _sorted(tally.canceled_by),
        "money": {
            "currency": setup.market.currency,
            "paid_in": str(tally.paid_in),
            "escrow_held": str(escrow),
            "refunded": str(tally.refunded),
            "seller_credited": str(tally.credited),
            "platform_revenue": str(tally.revenue),
            "conserved": tally.paid_in == accounted,
            "discrepancy": str(tally.paid_in - accounted),
        },
        "hours_to_close": {
            **{f"p{q}": hours.percentile(q / 100) for q in (50, 90, 99)},
            "mean": hours.mean,
        },
        "ended_by_days_to_close": _by_day(hours.counts),
        "rates": {
            "cancellation_percent": _percent(tally.ended["canceled"], ended),
            "dispute_percent": _percent(tally.events["DisputeOpened"], tally.placed),
            "late_delivery_percent": _percent(tally.late["delivery"], deliveries),
            "late_cancellation_percent": _percent(tally.late["cancellation"], tally.ended["canceled"]),
            "revision_percent": _percent(tally.events["RevisionRequested"], deliveries),
        },
        "revisions": {
            "requested": tally.events["RevisionRequested"],
            "accepted": tally.events["RevisionAccepted"],
            "refused": tally.events["RevisionRefused"],
            "ended_orders_by_count": {("5+" if n == 5 else str(n)): tally.revisions[n] for n in range(6)},
        },
        "seller_statistics": seller_statistics(run, rated),
        "disputes": {"opened_by": _sorted(tally.disputes_by), "outcomes": _outcomes(tally.actions)},
        "actions": _sorted(tally.actions),
        "rejected_actions": _sorted(tally.rejected),
        "deadlines_fired": _sorted(tally.fired),
        "events": _sorted(tally.events),
        **(
            {"segments": {key: report(run, key) for key in run.segments}}
            if segment is None and run.segments
            else {}
        ),
    }


def _percentiles(values: list[Decimal]) -> dict[str, str | None]:
    """Nearest-rank p10, p50 and p90 of ``values``."""
    ranked = sorted(values)
    return {
        f"p{q}": str(ranked[max(math.ceil(q / 100 * len(ranked)) - 1, 0)]) if ranked else None
        for q in (10, 50, 90)
    }


def seller_statistics(run: Run, only: set[str] | None = None) -> Report:
    """The sellers' rates at the end of the run (R-STAT-1): how they spread over the sellers shown
    (of ``only``, if given), and how many are hidden for want of completed orders."""
    sellers = [seller for seller in run.stats.sellers() if only is None or seller in only]
    rates = [run.stats.rates(seller, run.clock) for seller in sellers]
    shown = [r for r in rates if r.shown]
    return {
        "sellers": len(rates),
        "shown": len(shown),
        "hidden": len(rates) - len(shown),
        "completion": _percentiles([r.completion for r in shown if r.completion is not None]),
        "on_time": _percentiles([r.on_time for r in shown if r.on_time is not None]),
        "acceptance": _percentiles([r.acceptance for r in shown if r.acceptance is not None]),
    }


def _by_day(hourly: list[int]) -> list[int]:
    """Orders ended per day since payment (the last bin: 200 days or more), trailing zeros cut."""
    days = [sum(hourly[day : day + 24]) for day in range(0, len(hourly) - 1, 24)] + [hourly[-1]]
    while days and not days[-1]:
        days.pop()
    return days


def _outcomes(actions: Counter[str]) -> dict[str, int]:
    prefix = "platform:resolve_dispute:"
    return {key.removeprefix(prefix): n for key, n in sorted(actions.items()) if key.startswith(prefix)}


# The terminal table -------------------------------------------------------------------------

Rows = list[tuple[str, str]]

#: Plain words for the JSON's stable keys, by section (a key missing here is shown with its
#: underscores as spaces).
PLAIN: Mapping[str, Mapping[str, str]] = {
    "completed_by": {
        "close": "buyer closed it",
        "review_decision": "buyer silent after a delivery",
        "buyer_decision": "buyer silent after a refusal",
        "resolve_dispute": "mediator's decision",
    },
    "canceled_by": {
        "acceptance": "seller never accepted",
        "cancel (buyer)": "buyer canceled",
        "cancel (seller)": "seller canceled",
        "accept_cancellation (seller)": "seller agreed to the buyer's request",
        "seller_answer": "seller silent on the buyer's request",
        "resolve_dispute (platform)": "mediator refunded the buyer",
    },
    "opened_by": {"automatic": "by itself (2nd refused cancellation)"},
    "outcomes": {
        "refund": "full refund to the buyer",
        "release": "paid to the seller",
        "restart": "work restarted",
        "split": "split between both",
    },
    "deadlines": {
        "acceptance": "seller's time to accept",
        "buyer_decision": "buyer's time to decide after a refusal",
        "review_decision": "buyer's time to review a delivery",
        "seller_answer": "seller's time to answer a request",
        "delivery": "delivery deadline",
        "offer": "custom offer's time to be answered",
        "expiry": "order's expiry",
    },
}
_WITHIN = {
    "p50": "half of them within",
    "p90": "9 in 10 within",
    "p99": "99 in 100 within",
    "mean": "on average",
}


def _plain(section: str, key: str) -> str:
    return PLAIN.get(section, {}).get(key, key.replace("_", " ").replace(":", ": "))


def headline(data: Report) -> list[str]:
    """What happened, in three plain sentences wrapped at 100 columns."""
    orders, money, rates = data["orders"], data["money"], data["rates"]
    shares = ", ".join(
        f"{o['percent']:.1f} % {state}"
        for state, o in data["outcomes"].items()
        if o["count"] or state != "unfinished"
    )
    balanced = (
        "every cent is accounted for" if money["conserved"] else f"MONEY IS MISSING: {money['discrepancy']}"
    )
    median = data["hours_to_close"]["p50"]
    ended = "" if median is None else f"half of them ended within {median / 24:.1f} days of payment; "
    return textwrap.wrap(
        f"{orders['placed']:,} orders under {title(data)}: {shares}. "
        f"Buyers paid {_money(data, 'paid_in')}; sellers were credited {_money(data, 'seller_credited')}, "
        f"buyers refunded {_money(data, 'refunded')}, the platform kept {_money(data, 'platform_revenue')}: "
        f"{balanced}. "
        f"{ended.capitalize()}{rates['dispute_percent']:.1f} disputes per 100 orders, "
        f"{rates['late_delivery_percent']:.1f} % of deliveries late.",
        width=100,
    )


def _hours(value: float | None) -> str:
    if value is None:
        return "-"
    return "over 200 days" if value == float("inf") else f"{value:.0f} h ({value / 24:.1f} d)"


def _money(data: Report, key: str) -> str:
    return f"{Decimal(data['money'][key]):,.2f} {data['money']['currency']}"


def _counts(mapping: Mapping[str, int], section: str = "") -> Rows:
    return [(_plain(section, key), f"{value:,}") for key, value in mapping.items()]


def _seller_rows(data: Report) -> Rows:
    rows = [("sellers shown / hidden", f"{data['shown']:,} / {data['hidden']:,}")]
    for rate in ("completion", "on_time", "acceptance"):
        spread = data[rate]
        rows.append(
            (f"{rate.replace('_', '-')} rate p10 / p50 / p90", " / ".join(str(spread[p]) for p in spread))
        )
    return rows


def _sections(data: Report) -> list[tuple[str, Rows]]:
    setup, orders, money = data["setup"], data["orders"], data["money"]
    conserved = "yes, to the cent" if money["conserved"] else f"NO: {money['discrepancy']} missing"
    return [
        ("setup", [
            ("policy", title(data)),
            ("seed", str(setup["seed"])),
            ("arrivals", setup["arrivals"]),
            ("sellers / buyers", f"{setup['sellers']:,} / {setup['buyers']:,}"),
            ("clock stopped at", setup["clock"]),
            *([("segment", setup["segment"])] if "segment" in setup else []),
        ]),
        ("settings changed from the defaults", [
            (key, json.dumps(value)) for key, value in setup.get("settings_changed", {}).items()
        ]),
        ("orders", [
            ("placed", f"{orders['placed']:,}"),
            ("ended", f"{orders['ended']:,}"),
            ("unfinished at the horizon", f"{orders['unfinished']:,}"),
            ("most alive at once (hourly)", f"{orders['peak_alive_hourly']:,}"),
        ]),
        ("outcomes (final state)", [
            (state, f"{o['count']:,} ({o['percent']:.2f} %)") for state, o in data["outcomes"].items()
        ]),
        ("how orders were completed", _counts(data["completed_by"], "completed_by")),
        ("how orders were canceled", _counts(data["canceled_by"], "canceled_by")),
        ("money", [
            ("paid in", _money(data, "paid_in")),
            ("escrow still held", _money(data, "escrow_held")),
            ("refunded to buyers", _money(data, "refunded")),
            ("credited to sellers", _money(data, "seller_credited")),
            ("platform revenue", _money(data, "platform_revenue")),
            ("every cent accounted for", conserved),
        ]),
        ("time from payment to end", [
            (_WITHIN.get(p, p), _hours(v)) for p, v in data["hours_to_close"].items()
        ]),
        ("rates", [
            ("orders canceled", f"{data['rates']['cancellation_percent']:.2f} %"),
            ("disputes per 100 orders", f"{data['rates']['dispute_percent']:.2f}"),
            ("deliveries late", f"{data['rates']['late_delivery_percent']:.2f} %"),
            ("cancellations of late orders", f"{data['rates']['late_cancellation_percent']:.2f} %"),
            ("deliveries sent back for revision", f"{data['rates']['revision_percent']:.2f} %"),
        ]),
        ("revisions", [
            *_counts({k: v for k, v in data["revisions"].items() if k != "ended_orders_by_count"}),
            *((f"orders with {n}", f"{v:,}") for n, v in data["revisions"]["ended_orders_by_count"].items()),
        ]),
        ("disputes opened by", _counts(data["disputes"]["opened_by"], "opened_by")),
        ("mediators' decisions", _counts(data["disputes"]["outcomes"], "outcomes")),
        ("seller statistics", _seller_rows(data["seller_statistics"])),
        ("actions taken", _counts(data["actions"])),
        ("actions the rules refused (then chosen again)", _counts(data["rejected_actions"])),
        ("deadlines that passed with nobody acting", _counts(data["deadlines_fired"], "deadlines")),
    ]  # fmt: skip


def text(reports: Sequence[Report], titles: Sequence[str] = ()) -> str:
    """A headline per report, then one column per report and one row per figure (a figure a report
    lacks shows as "-"); a section no report has rows for is left out."""
    merged: dict[str, dict[str, list[str]]] = {}
    for column, data in enumerate(reports):
        for section, rows in _sections(data):
            table = merged.setdefault(section, {})
            for label, value in rows:
                table.setdefault(label, ["-"] * len(reports))[column] = value
    merged = {section: table for section, table in merged.items() if table}
    label_width = max(len(label) for table in merged.values() for label in table) + 4
    widths = [
        max([len(titles[i]) if i < len(titles) else 0]
            + [len(cells[i]) for table in merged.values() for cells in table.values()])
        for i in range(len(reports))
    ]  # fmt: skip
    lines = [line for data in reports for line in [*headline(data), ""]]
    if titles:
        lines.append(" " * label_width + "  ".join(t.ljust(w) for t, w in zip(titles, widths, strict=True)))
    for section, table in merged.items():
        lines.append(section)
        for label, cells in table.items():
            row = "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
            lines.append(f"  {label.ljust(label_width - 2)}{row}".rstrip())
    return "\n".join(lines)
