"""``guidance(order, role, now, lang)``: an order explained to its buyer or seller in plain words.

Built from ``orderflow.explain`` (the choices are the graph's, each previewed with ``decide``; the
deadlines, ``if_nobody_acts`` and the effects are the model's) and worded with the templates of
``messages`` through the catalogs: what just happened, what the other party may do and by when,
what you may do and what each choice leads to (money, statistics, chat), the arrangements that
remain open (extras, a partial refund), what happens if nobody acts, and the platform's advice.
The result is structured (sections of items a host can lay out) and renders as text or Markdown.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone, tzinfo
from typing import Any

import attrs

from ..domain.errors import InvalidArgument
from ..domain.money import Money
from ..domain.order import Order
from ..domain.states import Role
from ..domain.timers import advance
from ..explain import Consequence, Explanation, Move, Result, explain
from . import messages as m
from .advice import advice
from .catalog import Words


@attrs.frozen
class Item:
    """One thing to tell: a sentence, the sentences that detail it, and what it is about."""

    kind: str  # situation, choice, arrangement, if_nobody_acts, advice
    text: str
    details: tuple[str, ...] = ()
    actor: Role | None = None
    action: str | None = None
    deadline: datetime | None = None


@attrs.frozen
class Section:
    """A heading, the sentence that opens it (or None) and its items."""

    kind: str  # happened, theirs, yours, arranged, nobody, advice
    heading: str
    intro: str | None
    items: tuple[Item, ...]


@attrs.frozen
class Guidance:
    """What ``role`` should know about an order at ``now``, in ``lang``."""

    order_id: str
    role: Role
    now: datetime
    lang: str
    title: str
    sections: tuple[Section, ...]

    def section(self, kind: str) -> Section | None:
        return next((s for s in self.sections if s.kind == kind), None)

    def text(self) -> str:
        """Plain text: the title, then each section's heading and its items as bullets."""
        lines = [self.title, "=" * len(self.title)]
        for section in self.sections:
            lines += ["", section.heading, "-" * len(section.heading)]
            lines += [section.intro] if section.intro else []
            for item in section.items:
                lines.append(f"* {item.text}")
                lines += [f"    - {detail}" for detail in item.details]
        return "\n".join(lines)

    def markdown(self) -> str:
        """Markdown: ``#`` title, ``##`` sections, nested lists."""
        lines = [f"# {_md(self.title)}"]
        for section in self.sections:
            lines += ["", f"## {_md(section.heading)}", ""]
            lines += [_md(section.intro), ""] if section.intro else []
            for item in section.items:
                lines.append(f"- {_md(item.text)}")
                lines += [f"  - {_md(detail)}" for detail in item.details]
        return "\n".join(lines) + "\n"

    def as_json(self) -> dict[str, Any]:
        """The structure as JSON-ready data (instants in ISO 8601)."""
        return {
            "order": self.order_id,
            "role": self.role.value,
            "now": self.now.isoformat(),
            "lang": self.lang,
            "title": self.title,
            "sections": [
                {
                    "kind": s.kind,
                    "heading": s.heading,
                    "intro": s.intro,
                    "items": [
                        {
                            "kind": i.kind,
                            "text": i.text,
                            "details": list(i.details),
                            "actor": None if i.actor is None else i.actor.value,
                            "action": i.action,
                            "deadline": None if i.deadline is None else i.deadline.isoformat(),
                        }
                        for i in s.items
                    ],
                }
                for s in self.sections
            ],
        }


def _md(text: str) -> str:
    return text.replace("*", "\\*").replace("_", "\\_")


def guidance(
    order: Order, role: Role | str, now: datetime, lang: str = "en", zone: tzinfo = timezone.utc
) -> Guidance:
    """``order`` explained to its buyer or seller at ``now`` in ``lang`` (InvalidArgument for another
    role or a language without a catalog, InvalidTime for a naive or early ``now``)."""
    reader = _reader(role)
    words = Words(lang, zone)
    return _Writer(explain(order, reader, now), words).guidance()


def _reader(role: Role | str) -> Role:
    try:
        reader = Role(role)
    except ValueError:
        raise InvalidArgument(f"role must be buyer or seller, not {role!r}") from None
    if reader is Role.PLATFORM:
        raise InvalidArgument("guidance is written for the buyer or the seller, not the platform")
    return reader


@attrs.frozen
class _Writer:
    """Words one explanation for its reader."""

    e: Explanation
    w: Words

    @property
    def other(self) -> Role:
        return Role.SELLER if self.e.role is Role.BUYER else Role.BUYER

    @property
    def party(self) -> dict[str, str]:
        return {"party": self.w(m.PARTY[self.other]), "Party": self.w(m.PARTY_SUBJECT[self.other])}

    def guidance(self) -> Guidance:
        e, w = self.e, self.w
        title = w(m.TITLE, order=e.order.id, state=w(m.STATE_NAME[e.order.state]))
        sections = [self._happened(), self._theirs(), self._yours(), self._arranged(), self._nobody()]
        sections.append(self._advice())
        found = tuple(s for s in sections if s is not None)
        return Guidance(e.order.id, e.role, e.now, w.lang, title, found)

    # Sections ----------------------------------------------------------------------------------

    def _happened(self) -> Section:
        e, w, order = self.e, self.w, self.e.order
        items = [Item("situation", w(m.SITUATION[order.state, e.role]))]
        passed = [name for name in e.fired if not name.startswith(REMINDER)]  # a reminder is no deadline
        items += [
            Item("situation", w(m.PASSED, deadline=w(m.DEADLINE[name.partition(":")[0]]))) for name in passed
        ]
        if order.is_late(e.now) and not order.is_terminal:
            items.append(Item("situation", w(m.LATE)))
        if order.is_terminal:
            items += self._paid_out()
        if order.ledger.escrow and not order.is_terminal:
            items.append(
                Item("situation", w(m.HELD, amount=w.money(Money(order.ledger.escrow, order.currency))))
            )
        return Section("happened", w(m.HAPPENED), None, tuple(items))

    def _paid_out(self) -> list[Item]:
        """Where an ended order's money went, for the reader: the seller's pay, the buyer's refund."""
        ledger, w, party = self.e.order.ledger, self.w, self.party
        found = []
        for role, amount in ((Role.SELLER, ledger.seller_credited), (Role.BUYER, ledger.refunded)):
            if amount:
                said = m.PAID_OUT[role, role is self.e.role]
                found.append(
                    Item("situation", w(said, amount=w.money(Money(amount, ledger.currency)), **party))
                )
        return found

    def _main(self, role: Role) -> tuple[Move, ...]:
        return tuple(move for move in self.e.moves[role] if move.action not in m.ARRANGEMENTS)

    def _theirs(self) -> Section | None:
        return self._choices(self.other, "theirs", self.w(m.THEIRS, **self.party))

    def _yours(self) -> Section | None:
        return self._choices(self.e.role, "yours", self.w(m.YOURS))

    def _choices(self, role: Role, kind: str, heading: str) -> Section | None:
        """``role``'s main choices; when they all end at a deadline that waits for ``role``'s
        decision, the opening sentence says how long ``role`` has, else each choice says until when."""
        moves, w, mine = self._main(role), self.w, role is self.e.role
        if self.e.order.is_terminal and not moves:
            return None
        if not moves:
            return Section(kind, heading, w(m.NOTHING_TO_DO), ())
        timed, untimed = (m.YOU_DECIDE, m.YOU_MAY) if mine else (m.THEY_DECIDE, m.THEY_MAY)
        deadlines = {(move.deadline.name, move.deadline.at) for move in moves if move.deadline is not None}
        decides = len(deadlines) == 1 and all(move.deadline is not None for move in moves)
        (name, at), *_ = deadlines if decides else {("", self.e.now)}
        if decides and m.DECIDES.get(name.partition(":")[0]) is role:
            span = w.span(at - self.e.now)
            intro = w.plural(timed, len(moves), span=span, date=w.when(at), **self.party)
            return Section(kind, heading, intro, tuple(self._choice(move) for move in moves))
        intro = w.plural(untimed, len(moves), **self.party)
        return Section(kind, heading, intro, tuple(self._choice(move, dated=True) for move in moves))

    def _arranged(self) -> Section | None:
        moves = [
            move
            for role in (self.e.role, self.other)
            for move in self.e.moves[role]
            if move.action in m.ARRANGEMENTS
        ]
        if not moves:
            return None
        items = tuple(self._choice(move, "arrangement", dated=True) for move in moves)
        return Section("arranged", self.w(m.ARRANGED), None, items)

    def _nobody(self) -> Section | None:
        """What the clock does next: the reminders it sends first, then the deadline that ends."""
        e, w = self.e, self.w
        items, explained = [], e
        while explained.if_nobody_acts is not None and explained.if_nobody_acts[0].name.startswith(REMINDER):
            due = explained.if_nobody_acts[0]
            about = w(m.DEADLINE[due.name.removeprefix(REMINDER).partition(":")[0]])
            items.append(
                Item("if_nobody_acts", w(m.REMINDED, date=w.when(due.at), deadline=about), deadline=due.at)
            )
            explained = explain(advance(explained.order, due.at).order, e.role, due.at)
        if explained.if_nobody_acts is None:
            if e.order.is_terminal:
                return None
            items.append(Item("if_nobody_acts", w(m.NOTHING_BY_ITSELF)))
            return Section("nobody", w(m.NOBODY), None, tuple(items))
        due, result = explained.if_nobody_acts
        deadline = w(m.DEADLINE[due.name.partition(":")[0]])
        text = w(m.BY_ITSELF, date=w.when(due.at), span=w.span(due.at - e.now), deadline=deadline)
        items.append(Item("if_nobody_acts", text, tuple(self._result(result)), deadline=due.at))
        return Section("nobody", w(m.NOBODY), None, tuple(items))

    def _advice(self) -> Section | None:
        e, w = self.e, self.w
        items = []
        waiting = all(move.action == "cancel" for move in self._main(e.role))
        if waiting and self._main(self.other) and self._awaited() is self.other:
            items.append(Item("advice", w(m.WAIT, **self.party)))
        items += [Item("advice", w(text)) for text in advice(e.order.policy.name, e.order.state, e.role)]
        return Section("advice", w(m.ADVICE), None, tuple(items)) if items else None

    def _awaited(self) -> Role | None:
        """The party whose decision the running choices' deadline waits for, if one."""
        names = {
            move.deadline.name.partition(":")[0]
            for moves in self.e.moves.values()
            for move in moves
            if move.deadline is not None
        }
        owners = {m.DECIDES.get(name) for name in names} - {None}
        return owners.pop() if len(owners) == 1 else None

    # Items -------------------------------------------------------------------------------------

    def _choice(self, move: Move, kind: str = "choice", dated: bool = False) -> Item:
        e, w = self.e, self.w
        mine = move.role is e.role
        text = w((m.ACTION_YOU if mine else m.ACTION_THEY)[move.action], **self.party)
        details = [] if move.result is None else list(self._result(move.result))
        if move.deadline is not None and dated:
            details.insert(
                0, w(m.UNTIL, date=w.when(move.deadline.at), span=w.span(move.deadline.at - e.now))
            )
        if mine:
            details += [w(a) for a in advice(e.order.policy.name, e.order.state, e.role, move.action)]
        at = None if move.deadline is None else move.deadline.at
        return Item(kind, text, tuple(dict.fromkeys(details)), move.role, move.action, at)

    def _result(self, result: Result) -> Iterator[str]:
        e, w = self.e, self.w
        if result.state is not e.order.state:
            yield w(m.REACHES[result.state])
        for consequence in result.consequences:
            said = self._consequence(consequence)
            if said is not None:
                yield said
        paid_out = result.paid_out or {}
        if e.role is Role.SELLER and Role.SELLER in paid_out and not paid_out[Role.SELLER].amount:
            yield w(m.EFFECT_YOU["not_paid"])

    def _consequence(self, c: Consequence) -> str | None:
        e, w = self.e, self.w
        if c.kind == "seller_statistics":
            if e.role is not Role.SELLER:
                return None
            if not c.hurts:
                return w(m.RATES_KEPT)
            rates = [w(m.RATE[name]) for name, label in _HURT_LABELS.items() if label in c.hurts]
            return w(m.RATES_HURT, rates=_listed(rates, w.lang))
        if c.kind == "chat_window":
            return w(m.CHAT_UNTIL, date=w.when(c.until)) if c.until is not None else w(m.CHAT_OPEN)
        if c.kind == "platform_revenue":
            return w(m.PLATFORM_KEEPS, amount=self._amount(c))
        kind = c.kind
        if kind == "refund" and c.amount is not None and c.amount.money == _escrow(e.order):
            kind = "refund_in_full"
        mine = (c.party or _AUDIENCE.get(c.kind)) is e.role
        table = m.EFFECT_YOU if mine else m.EFFECT_THEY
        if kind not in table:
            return None
        values: dict[str, str] = {**self.party}
        if c.amount is not None:
            values["amount"] = self._amount(c)
        if c.until is not None:
            values["date"] = w.when(c.until)
        return w(table[kind], **values)

    def _amount(self, c: Consequence) -> str:
        if c.amount is None or c.amount.money is None:
            return self.w(m.CHOSEN_AMOUNT)
        return self.w.money(c.amount.money)


#: How ``advance`` names a reminder it sends: ``reminder:<deadline name>``.
REMINDER = "reminder:"

#: Whom an effect without a party concerns: only the buyer reviews an order.
_AUDIENCE = {"review_window": Role.BUYER}

#: ``explain``'s labels of the rates a ``SellerStatistics`` hurts, by its field name.
_HURT_LABELS = {"completed": "completion rate", "on_time": "on-time rate", "accepted": "acceptance rate"}


def _escrow(order: Order) -> Money:
    return Money(order.ledger.escrow, order.currency)


def _listed(items: list[str], lang: str) -> str:
    from babel.lists import format_list  # the i18n extra, as for every locale format

    joined: str = format_list(items, locale=lang)
    return joined
