"""``page_html(events, role, now, lang)``: one order's story as a self-contained HTML page for
support staff: its timeline (when, who, what), its deadlines past and coming, where its money was
after each event, and the guidance its buyer or seller reads now.

One template (``page.html``, CSS inline, no script, nothing fetched); the data is prepared here and
every cell is escaped. The words come from the catalogs (``page_words`` and the guidance's).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone, tzinfo
from decimal import Decimal
from html import escape
from importlib import resources
from string import Template

from ..domain.errors import InvalidArgument
from ..domain.events import Event
from ..domain.money import Ledger, Money
from ..domain.states import Role
from ..domain.timers import advance
from . import messages as m
from . import page_words as p
from .catalog import Words
from .guidance import Guidance, _reader, guidance
from .story import Story, deadline_kind, story

_LEDGER = ("paid", "escrow", "refunded", "seller_credited", "platform_revenue")


def page_html(
    events: Sequence[Event],
    role: Role | str,
    now: datetime | None = None,
    lang: str = "en",
    zone: tzinfo = timezone.utc,
) -> str:
    """The page of the order ``events`` tell, for support staff, with ``role``'s guidance at ``now``
    (default: the last event's time; an earlier ``now`` shows the order as it was then, from the
    events up to it). Errors as ``guidance``'s (InvalidTime for a naive ``now`` or one before the
    placing), and InvalidArgument for a history that does not start with the order's placing."""
    reader = _reader(role)
    words = Words(lang, zone)
    if not events:
        raise InvalidArgument("an order's history starts with OrderPlaced")
    when = events[-1].at if now is None else now
    if when.tzinfo is not None and when < events[-1].at:  # the order as it was then
        events = [event for event in events if event.at <= when] or list(events[:1])
    told = story(events, when)
    advice = guidance(told.order, reader, when, lang, zone)  # InvalidTime for a naive or early now
    state = words(m.STATE_NAME[advance(told.order, when).order.state])
    template = Template(resources.files(__package__).joinpath("page.html").read_text(encoding="utf-8"))
    return template.substitute(
        lang=escape(lang),
        title=escape(words(p.PAGE_TITLE, order=told.order.id)),
        state_now=escape(words(p.STATE_NOW, date=words.when(when), state=state)),
        timeline_heading=escape(words(p.TIMELINE)),
        deadlines_heading=escape(words(p.DEADLINES)),
        money_heading=escape(words(p.MONEY)),
        guidance_heading=escape(words(p.READER[reader])),
        when=escape(words(p.WHEN)),
        who=escape(words(p.WHO)),
        what=escape(words(p.WHAT)),
        paid=escape(words(p.PAID)),
        escrow=escape(words(p.ESCROW)),
        refunded=escape(words(p.REFUNDED)),
        wallet=escape(words(p.WALLET)),
        platform=escape(words(p.PLATFORM)),
        money_note=escape(words(p.MONEY_NOTE)),
        generated=escape(words(p.GENERATED)),
        timeline_rows="\n".join(_timeline(told, words)),
        deadlines_table=_deadlines(told, words, when),
        money_rows="\n".join(_money(told, words)),
        guidance=_guidance(advice),
    )


def _timeline(told: Story, w: Words) -> list[str]:
    rows = []
    for step in told.steps:
        who = w(p.ACTOR[step.actor])
        css = ' class="actor-none"' if step.actor is None else ""
        rows.append(
            f"<tr><td>{escape(w.when(step.at))}</td><td{css}>{escape(who)}</td>"
            f"<td>{escape(w(p.EVENT[type(step.event)]))}</td></tr>"
        )
    return rows


def _deadlines(told: Story, w: Words, now: datetime) -> str:
    if not told.deadlines:
        return f"<p>{escape(w(p.NO_DEADLINES))}</p>"
    rows = []
    for row in told.deadlines:
        if row.running:
            css, status = "coming", w(p.COMING, span=w.span(row.at - now))
        elif row.reached:
            css, status = "passed", w(p.PASSED, span=w.span(now - row.at))
        else:
            css, status = "cleared", w(p.CLEARED)
        name = w(m.DEADLINE[deadline_kind(row.name)])
        rows.append(
            f"<tr><td>{escape(name[:1].upper() + name[1:])}</td><td>{escape(w.when(row.at))}</td>"
            f'<td class="status-{css}">{escape(status)}</td></tr>'
        )
    head = (
        f'<thead><tr><th scope="col">{escape(w(p.DEADLINE))}</th><th scope="col">{escape(w(p.WHEN))}</th>'
        f'<th scope="col">{escape(w(p.STATUS))}</th></tr></thead>'
    )
    return f"<table>{head}<tbody>\n" + "\n".join(rows) + "\n</tbody></table>"


def _money(told: Story, w: Words) -> list[str]:
    rows = []
    for step in told.steps:
        ledger = step.after.ledger
        cells = "".join(f'<td class="amount">{_cell(ledger, step.before, name, w)}</td>' for name in _LEDGER)
        rows.append(
            f"<tr><td>{escape(w.when(step.at))}</td><td>{escape(w(p.EVENT[type(step.event)]))}</td>{cells}</tr>"
        )
    return rows


def _cell(ledger: Ledger, before: Ledger | None, name: str, w: Words) -> str:
    value: Decimal = getattr(ledger, name)
    shown = escape(w.money(Money(value, ledger.currency)))
    change = value - (getattr(before, name) if before is not None else 0)
    if not change or before is None:
        return shown
    sign = "+" if change > 0 else "\u2212"  # a minus sign, not a hyphen
    return (
        f'{shown} <span class="change">({sign}{escape(w.money(Money(abs(change), ledger.currency)))})</span>'
    )


def _guidance(told: Guidance) -> str:
    parts = []
    for section in told.sections:
        parts.append(f'<section class="guidance-{section.kind}"><h3>{escape(section.heading)}</h3>')
        if section.intro:
            parts.append(f"<p>{escape(section.intro)}</p>")
        if section.items:
            parts.append("<ul>")
            for item in section.items:
                details = "".join(f"<li>{escape(d)}</li>" for d in item.details)
                parts.append(
                    f"<li>{escape(item.text)}" + (f"<ul>{details}</ul>" if details else "") + "</li>"
                )
            parts.append("</ul>")
        parts.append("</section>")
    return "\n".join(parts)
