"""Hypothesis strategies for orderflow: money, policies, placements, commands and timed lives.

Every strategy is built from ``sampled_from``, ``builds`` and ``one_of`` with the simplest member
first, so that failures shrink to small, readable examples: EUR, the ComeUp preset, a valid amount,
no clock jump. Strategies that depend on an order (``amounts_for``, ``commands``, ``steps``) take
it as an argument; draw them with ``st.data()`` or inside ``st.composite``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import attrs
from hypothesis import assume
from hypothesis import strategies as st

from ..domain.commands import COMMANDS, Command, Outcome
from ..domain.decide import decide, preview
from ..domain.decision import Decision
from ..domain.graph import graph_for
from ..domain.money import Money, minor_units
from ..domain.order import Order
from ..domain.placement import Option, Placement, place_order
from ..domain.policy import PRESETS, Policy, Reminder
from ..domain.states import Deadline, Role
from ..domain.timers import advance, next_due

#: Currencies with 2, 0 and 3 decimals.
CURRENCIES = ("EUR", "USD", "JPY", "KWD")
#: How an amount relates to an order: valid, or each way of being wrong (R-MONEY-6, R-PART-2).
AMOUNT_KINDS = ("valid", "negative", "zero", "decimals", "currency", "share", "over_escrow", "over_cap")
#: Actions that end or freeze an order: ``allowed_commands`` picks them less often.
ENDINGS = frozenset({"cancel", "accept_cancellation", "hold", "open_dispute"})
#: Offer ids commands refer to besides the open ones (so that some are unknown).
OFFER_IDS = ("a", "b", "c")
PAID_FROM, PAID_TO = datetime(2025, 1, 1), datetime(2027, 12, 31)


def unit(currency: str) -> Decimal:
    """The currency's minor unit: 0.01 EUR, 1 JPY, 0.001 KWD."""
    return Decimal(1).scaleb(-minor_units(currency))


def currencies() -> st.SearchStrategy[str]:
    """One of ``CURRENCIES``; shrinks to EUR."""
    return st.sampled_from(CURRENCIES)


@functools.cache
def amounts(currency: str, *, min_units: int = 1, max_units: int = 50_000) -> st.SearchStrategy[Money]:
    """Valid amounts in ``currency``: a whole number of minor units in the range."""
    step = unit(currency)
    return st.integers(min_units, max_units).map(lambda units: Money(units * step, currency))


def _units(draw: st.DrawFn, currency: str, low: int, high: int) -> Money:
    """Draw a whole number of minor units (cheaper than a fresh ``amounts`` strategy)."""
    return Money(draw(st.integers(low, max(low, high))) * unit(currency), currency)


def policies() -> st.SearchStrategy[Policy]:
    """A preset, or a valid variant of one (revision cap, refusals, reminders, shorter windows)."""
    presets = st.sampled_from(list(PRESETS.values()))
    variants = st.builds(
        attrs.evolve,
        presets,
        revision_cap=st.sampled_from([None, 1, 2]),
        refusals_before_dispute=st.integers(1, 3),
        reminders=st.sampled_from([(), (Reminder(Deadline.DELIVERY, timedelta(days=1)),)]),
        acceptance_window=st.sampled_from([timedelta(hours=48), timedelta(hours=24)]),
        offer_lapse=st.sampled_from([timedelta(days=7), timedelta(days=2)]),
    )
    return st.one_of(presets, variants)


def paid_times() -> st.SearchStrategy[datetime]:
    """Aware payment instants between 2025 and 2027, in UTC or UTC-5."""
    zones = st.sampled_from([timezone.utc, timezone(timedelta(hours=-5))])
    return st.datetimes(min_value=PAID_FROM, max_value=PAID_TO, timezones=zones)


@st.composite
def placements(
    draw: st.DrawFn, policy: st.SearchStrategy[Policy] | None = None, currency: str | None = None
) -> Placement:
    """Valid placements: options, a tip within the cap (R-MONEY-2), a fee and tax within what is paid."""
    currency = currency or draw(currencies())
    step = unit(currency)
    price = _units(draw, currency, 1, 50_000)
    options = tuple(
        Option(f"option-{i}", _units(draw, currency, 1, 20_000), draw(st.integers(0, 3)))
        for i in range(draw(st.integers(0, 2)))
    )
    chosen = draw(policy if policy is not None else policies())
    tippable = price.amount + sum((o.price.amount for o in options), Decimal(0))
    return Placement(
        order_id="o-1",
        buyer="b-1",
        seller="s-1",
        price=price,
        delivery_days=draw(st.integers(0, 5)),
        options=options,
        tip=_units(draw, currency, 0, int(tippable * chosen.tip_cap_rate / step)),
        platform_fee=_units(draw, currency, 0, 1_000),
        tax=_units(draw, currency, 0, min(100, int(price.amount / step))),
        paid_at=draw(paid_times()),
        policy=chosen,
    )


def _bad_amount(order: Order, kind: str, units: int) -> Money:
    """An amount of ``kind`` (one of ``AMOUNT_KINDS``) for a command on ``order``."""
    currency, step = order.currency, unit(order.currency)
    value = {
        "zero": Decimal(0),
        "share": order.seller_share,
        "over_escrow": order.ledger.escrow + step,
        "over_cap": order.policy.max_amount + step,
    }.get(kind, units * step)
    if kind == "negative":
        value = -value
    elif kind == "decimals":
        value += step / 10
    return Money(value, "CHF" if kind == "currency" else currency)


def amounts_for(order: Order, kinds: Sequence[str] = AMOUNT_KINDS) -> st.SearchStrategy[Money]:
    """Amounts for a command on ``order``: valid, or negative, zero, with too many decimals, in
    another currency, the whole seller share, over escrow or over the policy's cap."""
    return st.builds(functools.partial(_bad_amount, order), st.sampled_from(kinds), st.integers(1, 5_000))


def valid_amounts_for(order: Order) -> st.SearchStrategy[Money]:
    """Amounts an order accepts where one is needed: below the seller's share, which a partial
    refund and a split require (R-PART-2), and so also a fine price for an extra."""
    below_share = int(order.seller_share / unit(order.currency)) - 1
    return amounts(order.currency, max_units=max(1, min(below_share, 5_000)))


@attrs.frozen
class Arguments:
    """Where generated arguments come from: amounts, offer ids to act on and ids for new offers."""

    money: st.SearchStrategy[Money]
    offer_ids: Sequence[str]
    new_offer_ids: Sequence[str]


REASONS = st.sampled_from(["out of scope", "too late"])
DAYS = st.integers(0, 4)
SPLIT_OR_NOT = st.sampled_from([o for o in Outcome if o is not Outcome.SPLIT] + [Outcome.SPLIT])


def _draw_command(draw: st.DrawFn, action: str, actor: Role, source: Arguments) -> Command:
    """``action`` by ``actor`` with well-formed arguments drawn from ``source``."""
    fields = {f.name for f in attrs.fields(COMMANDS[action])}
    args: dict[str, object] = {}
    if "outcome" in fields:
        args["outcome"] = outcome = draw(SPLIT_OR_NOT)
        if outcome is Outcome.SPLIT:
            args["buyer_amount"] = draw(source.money)
    if "offer_id" in fields:
        ids = source.new_offer_ids if action == "offer_custom" else source.offer_ids
        args["offer_id"] = draw(st.sampled_from(ids))
    for name in fields & {"price", "amount"}:
        args[name] = draw(source.money)
    if "name" in fields:
        args["name"] = "extra"
    if "delivery_days" in fields:
        args["delivery_days"] = draw(DAYS)
    if "reason" in fields:
        args["reason"] = draw(REASONS)
    if "rating" in fields:
        args["rating"] = draw(st.integers(1, 5))
    return COMMANDS[action](actor, **args)


@st.composite
def commands(
    draw: st.DrawFn,
    order: Order | None = None,
    *,
    actions: Sequence[str] | None = None,
    roles: Sequence[Role] = tuple(Role),
) -> Command:
    """Any of the 24 commands (or of ``actions``), from any role, with generated arguments: mostly
    rejected by ``order``. Amounts are valid or wrong in every way ``amounts_for`` knows (without an
    order: in any currency, negative, zero or with too many decimals); offer ids open or unknown."""
    if order is None:
        currency = draw(currencies())
        money = amounts(currency).map(lambda m: Money(-m.amount, currency))
        source = Arguments(
            st.one_of(amounts(currency), money, st.just(Money(0, currency))), OFFER_IDS, OFFER_IDS
        )
    else:
        source = Arguments(amounts_for(order), [*(o.offer_id for o in order.offers), *OFFER_IDS], OFFER_IDS)
    action = draw(st.sampled_from(sorted(COMMANDS) if actions is None else list(actions)))
    return _draw_command(draw, action, draw(st.sampled_from(roles)), source)


def _allowed(order: Order, now: datetime) -> tuple[Order, list[tuple[str, Role]]]:
    """The order at ``now`` and the (action, role) pairs the graph allows then, endings last."""
    current = advance(order, now).order
    allowed = graph_for(current.policy).allowed(current, now)
    pairs = [(name, Role(role)) for role, names in allowed.items() for name in names]
    return current, sorted(pairs, key=lambda pair: pair[0] in ENDINGS)


def _draw_allowed(draw: st.DrawFn, order: Order, now: datetime) -> Command | None:
    current, pairs = _allowed(order, now)
    if not pairs:
        return None
    weighted = [pair for pair in pairs for _ in range(1 if pair[0] in ENDINGS else 10)]
    action, role = draw(st.sampled_from(weighted))
    fresh = f"offer-{len(current.offer_ids) + 1}"
    source = Arguments(valid_amounts_for(current), [o.offer_id for o in current.offers] or [fresh], [fresh])
    return _draw_command(draw, action, role, source)


@st.composite
def allowed_commands(draw: st.DrawFn, order: Order, now: datetime) -> Command:
    """A command the graph allows some role at ``now`` (after the deadlines due fire), with valid
    arguments: an open offer, an amount below the seller's share. Endings (cancel, hold, dispute)
    come last and rarely, so that lives last. Rejects the example when no one may act."""
    command = _draw_allowed(draw, order, now)
    assume(command is not None)
    assert command is not None
    return command


#: Clock jumps before a step, weighted: mostly none or small, sometimes days.
JUMPS = (
    [timedelta(0)] * 4
    + [timedelta(minutes=1)] * 4
    + [timedelta(hours=1)] * 6
    + [timedelta(hours=20)] * 2
    + [timedelta(days=d) for d in (2, 3, 8)]
)


def times(order: Order, now: datetime) -> st.SearchStrategy[datetime]:
    """The next instant a host acts at, never before ``now``: mostly no jump or a small one, else
    just before or at the next deadline (acceptance, review, buyer decision, an offer's lapse...),
    expiry, the end of the review window, or 200 days on."""
    due = next_due(order)
    candidates = [now + jump for jump in JUMPS]
    if due is not None:
        candidates += [due.at - timedelta(minutes=1)] + [due.at] * 3
    candidates += [order.expires_at, now + timedelta(days=200)]
    if order.review_until is not None:
        candidates += [order.review_until, order.review_until + timedelta(minutes=1)]
    return st.sampled_from([c for c in candidates if c >= now])


@attrs.frozen
class Step:
    """One step of a host: at ``at``, ``command`` (``None``: the clock only advances)."""

    at: datetime
    command: Command | None = None

    def take(self, order: Order) -> Decision:
        """``decide`` the command at ``at``, or ``advance`` to it."""
        return advance(order, self.at) if self.command is None else decide(order, self.command, self.at)


ACTING = st.sampled_from([True] * 5 + [False])


@st.composite
def steps(draw: st.DrawFn, order: Order, now: datetime) -> Step:
    """A realistic next step from ``order`` at ``now``: a time from ``times`` and, mostly, a
    command some role may take then; else only the clock advancing."""
    at = draw(times(order, now))
    return Step(at, _draw_allowed(draw, order, at) if draw(ACTING) else None)


@attrs.frozen
class Life:
    """A placement and the steps of its order's life, each one accepted when it was generated."""

    placement: Placement
    steps: tuple[Step, ...]

    def play(self) -> list[Decision]:
        """Place the order and take each step: the decisions, placement first."""
        decisions = [place_order(self.placement)]
        for step in self.steps:
            decisions.append(step.take(decisions[-1].order))
        return decisions


@st.composite
def lives(
    draw: st.DrawFn, placement: st.SearchStrategy[Placement] | None = None, max_steps: int = 12
) -> Life:
    """A timed sequence of accepted steps walking one order through a realistic life: times never
    go back, deadlines fire on the way, and commands are those some role may take at the time."""
    chosen = draw(placement if placement is not None else placements())
    order = place_order(chosen).order
    now, taken = order.updated_at, []
    for _ in range(draw(st.integers(1, max_steps))):
        step = draw(steps(order, now))
        result = preview(order, step.command, step.at) if step.command is not None else None
        if result is not None and result.decision is None:  # a valid-looking command refused
            step = Step(step.at)
        order, now = step.take(order).order, step.at
        taken.append(step)
    return Life(chosen, tuple(taken))


@attrs.frozen
class MalformedCommand:
    """Arguments a command's constructor refuses with InvalidArgument (R-ERR-2): ``build()`` raises."""

    action: str
    actor: object
    args: tuple[tuple[str, object], ...] = ()

    def build(self) -> Command:
        """Construct the command (which raises InvalidArgument)."""
        return COMMANDS[self.action](self.actor, **dict(self.args))


def malformed_commands() -> st.SearchStrategy[MalformedCommand]:
    """Commands with malformed arguments: a blank reason, a rating out of 1-5, a split without its
    buyer amount (or another outcome with one), an unknown outcome or actor, a blank offer id or
    option name, negative days."""
    eur = Money("1.00", "EUR")
    blank = st.sampled_from(["", "  "])

    def made(action: str, actor: object = Role.SELLER, **args: object) -> MalformedCommand:
        return MalformedCommand(action, actor, tuple(args.items()))

    return st.one_of(
        st.builds(
            lambda a, r: made(a, reason=r), st.sampled_from(["refuse_cancellation", "refuse_revision"]), blank
        ),
        st.builds(lambda r: made("propose_partial_refund", amount=eur, reason=r), blank),
        st.builds(lambda r: made("review", Role.BUYER, rating=r), st.sampled_from([0, 6, -1])),
        st.just(made("resolve_dispute", Role.PLATFORM, outcome=Outcome.SPLIT)),
        st.builds(
            lambda o: made("resolve_dispute", Role.PLATFORM, outcome=o, buyer_amount=eur),
            st.sampled_from([o for o in Outcome if o is not Outcome.SPLIT]),
        ),
        st.just(made("resolve_dispute", Role.PLATFORM, outcome="maybe")),
        st.builds(
            lambda a: made(a, offer_id=""),
            st.sampled_from(["accept_offer", "refuse_offer", "withdraw_offer"]),
        ),
        st.just(made("offer_custom", offer_id="x", price=eur, delivery_days=-1)),
        st.just(made("buy_option", Role.BUYER, name=" ", price=eur, delivery_days=1)),
        st.builds(
            lambda a: made(a, "admin"), st.sampled_from(["accept", "cancel", "deliver", "close", "hold"])
        ),
    )
