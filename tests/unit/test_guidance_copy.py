"""End-user guidance (``orderflow.copy``): the seed page's facts in English and French, every state
worded for both parties, words only from the catalogs, and typed errors at the edge."""

from __future__ import annotations

import gettext
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderflow import InvalidArgument, InvalidTime, Role, State
from orderflow.copy import Guidance, guidance, languages
from orderflow.copy import catalog as catalog_module
from orderflow.explain import representative
from orderflow.testing.strategies import Life, lives

from support import at

REFUSED = at("2026-01-06T11:00")  # when the representative order's revision was refused

#: Every fact of the seed page (seed-revision-request-refused.txt) for the seller, in both
#: languages. Spaces are compared after folding no-break spaces.
SEED_FACTS: dict[str, tuple[str, str]] = {
    "the seller refused the revision": (
        "You have refused your buyer's revision request.",
        "Vous avez refusé la demande de retouche de votre acheteur.",
    ),
    "the buyer has 2 possibilities and 7 days": (
        "Your buyer now has 2 possibilities and has 7 days to make a decision",
        "Votre acheteur a maintenant 2 possibilités et 7 jours pour prendre une décision",
    ),
    "the buyer may close the order": (
        "Your buyer can accept the work and close the order.",
        "Votre acheteur peut accepter le travail et clôturer la commande.",
    ),
    "closing pays the seller to the wallet": (
        "You are paid: €55.00 goes to your wallet.",
        "Vous êtes payé : 55,00 € versés sur votre portefeuille.",
    ),
    "the buyer may open a dispute": ("Your buyer can open a dispute", "Votre acheteur peut ouvrir un litige"),
    "be patient and explain": (
        "Be patient and understanding, and explain your choices.",
        "Soyez patient et compréhensif, et expliquez vos choix.",
    ),
    "wait for the buyer's decision": (
        "Wait until your buyer makes a decision.",
        "Attendez que votre acheteur prenne sa décision.",
    ),
    "make sure the buyer understands": (
        "Make sure your buyer understands why you refused the revision.",
        "Assurez-vous que votre acheteur comprend pourquoi vous avez refusé la retouche.",
    ),
    "be clear, calm and respectful": (
        "Be clear, calm and respectful in your messages",
        "Soyez clair, calme et respectueux dans vos échanges",
    ),
    "the seller may cancel": ("You can cancel the order.", "Vous pouvez annuler la commande."),
    "cancelling is not recommended": (
        "Cancelling is not recommended, especially if you have already done the work",
        "L'annulation n'est pas recommandée, surtout si vous avez déjà travaillé",
    ),
    "a partial refund by agreement": (
        "You can propose a partial refund by agreement",
        "Vous pouvez proposer un remboursement partiel à l'amiable",
    ),
    "the buyer may buy an option": (
        "Your buyer can buy an additional option of your service",
        "Votre acheteur peut acheter une option supplémentaire de votre service",
    ),
    "the seller may send a custom offer": (
        "You can send your buyer a custom offer",
        "Vous pouvez envoyer une offre personnalisée à votre acheteur",
    ),
    "the buyer may ask for a custom offer": (
        "for instance when your buyer asks for one in the chat",
        "par exemple quand votre acheteur en demande une dans la messagerie",
    ),
    "explain a custom offer's cost first": (
        "make sure your buyer understands what it costs and what they get for it",
        "assurez-vous que votre acheteur comprend ce qu'elle coûte et ce qu'il obtient en échange",
    ),
    "a cancellation refunds the buyer in full": (
        "Your buyer is refunded in full: €57.50.",
        "Votre acheteur est remboursé intégralement : 57,50 €.",
    ),
    "a cancellation leaves the seller unpaid": ("You are not paid.", "Vous n'êtes pas payé."),
    "a cancellation hurts the completion rate": (
        "It counts against your completion rate.",
        "Cela pénalise votre taux de réalisation.",
    ),
    "the completion rate makes services visible": (
        "A lower completion rate makes your services less visible on ComeUp.",
        "Un taux de réalisation plus bas rend vos services moins visibles sur ComeUp.",
    ),
    "silence completes the order after 7 days": (
        "If nobody acts by January 13, 2026 at 11:00 AM (UTC) (7 days from now)",
        "Si personne n'agit d'ici le 13 janvier 2026 à 11:00 (UTC) (dans 7 jours)",
    ),
}


def _fold(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def seed_guidance(lang: str) -> Guidance:
    order = representative(State.REVISION_REFUSED)
    assert order.updated_at == REFUSED
    return guidance(order, Role.SELLER, REFUSED, lang)


@pytest.mark.parametrize("fact", sorted(SEED_FACTS))
@pytest.mark.parametrize(("lang", "column"), [("en", 0), ("fr", 1)])
def test_the_seed_page_fact_is_told_to_the_seller(fact: str, lang: str, column: int) -> None:
    text = _fold(seed_guidance(lang).text())
    assert SEED_FACTS[fact][column] in text


def test_the_seed_guidance_is_structured_for_a_host() -> None:
    found = seed_guidance("fr")
    theirs, yours = found.section("theirs"), found.section("yours")
    assert theirs is not None
    assert yours is not None
    assert [(i.actor, i.action) for i in theirs.items] == [
        (Role.BUYER, "close"),
        (Role.BUYER, "open_dispute"),
    ]
    assert {i.deadline for i in theirs.items} == {REFUSED + timedelta(days=7)}  # R-REF-1
    assert [i.action for i in yours.items] == ["cancel"]  # R-REF-2
    arranged = found.section("arranged")
    assert arranged is not None
    assert {i.action for i in arranged.items} == {"offer_custom", "propose_partial_refund", "buy_option"}
    data = found.as_json()
    assert data["lang"] == "fr"
    assert data["sections"][1]["items"][0]["action"] == "close"


def test_french_dates_and_amounts_are_written_the_french_way() -> None:
    text = _fold(seed_guidance("fr").text())
    assert "13 janvier 2026 à 11:00" in text
    assert "57,50 €" in text


def test_markdown_has_a_title_and_a_heading_per_section() -> None:
    found = seed_guidance("en")
    markdown = found.markdown()
    assert markdown.startswith("# Order o-1: Revision refused\n")
    assert [line[3:] for line in markdown.splitlines() if line.startswith("## ")] == [
        s.heading for s in found.sections
    ]


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("role", [Role.BUYER, Role.SELLER])
def test_every_state_is_worded_for_both_parties(lang: str, state: State, role: Role) -> None:
    order = representative(state)
    found = guidance(order, role, order.updated_at, lang)
    assert found.sections[0].kind == "happened"
    assert found.text()
    if not order.is_terminal:
        assert found.section("nobody") is not None


class _Marked(gettext.NullTranslations):
    """A catalog that marks every message it returns, to see which words bypass the catalogs."""

    def gettext(self, message: str) -> str:
        return f"«{message}»"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"«{singular if n == 1 else plural}»"


@pytest.mark.parametrize("state", list(State))
def test_every_word_shown_comes_from_the_catalogs(monkeypatch: pytest.MonkeyPatch, state: State) -> None:
    monkeypatch.setattr(catalog_module, "_translations", lambda lang: _Marked())
    order = representative(state)
    for role in (Role.BUYER, Role.SELLER):
        found = guidance(order, role, order.updated_at + timedelta(hours=1))
        shown = [found.title] + [s.heading for s in found.sections]
        shown += [s.intro for s in found.sections if s.intro]
        shown += [text for s in found.sections for i in s.items for text in (i.text, *i.details)]
        assert [t for t in shown if not (t.startswith("«") and t.endswith("»"))] == []


def test_a_language_without_a_catalog_is_refused() -> None:
    order = representative(State.DELIVERED)
    with pytest.raises(
        InvalidArgument, match="no catalog for language 'de': the languages shipped are en, fr"
    ):
        guidance(order, Role.BUYER, order.updated_at, "de")
    assert languages() == ("en", "fr")


@pytest.mark.parametrize("role", ["platform", "mediator"])
def test_guidance_is_for_the_buyer_or_the_seller(role: str) -> None:
    order = representative(State.DELIVERED)
    with pytest.raises(InvalidArgument, match="buyer or"):
        guidance(order, role, order.updated_at)


def test_a_time_before_the_last_event_is_refused() -> None:
    order = representative(State.DELIVERED)
    with pytest.raises(InvalidTime):
        guidance(order, Role.BUYER, order.updated_at - timedelta(hours=1))


def test_a_passed_deadline_and_lateness_are_said() -> None:
    order = representative(State.IN_PROGRESS)
    assert order.delivery_due is not None
    later = order.delivery_due + timedelta(hours=1)
    text = guidance(order, Role.BUYER, later).text()
    assert "The order is late: its delivery deadline has passed." in text


def test_the_python_example_of_docs_guidance_runs() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "guidance.md").read_text(encoding="utf-8")
    (example,) = [block.split("```")[0] for block in doc.split("```python\n")[1:]]
    exec(compile(example, "docs/guidance.md", "exec"), {"print": lambda *_: None})


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_seed_pages_of_docs_guidance_are_current(lang: str) -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "guidance.md").read_text(encoding="utf-8")
    block = doc.split(f"```text lang={lang}\n")[1].split("```")[0]
    assert block == seed_guidance(lang).text() + "\n", "docs/guidance.md: paste the new output"


@pytest.mark.parametrize(
    ("lang", "money", "when", "spans"),
    [
        ("en", "€57.50", "January 13, 2026 at 11:00 AM (UTC)", ("1 day", "2 days 3 hours", "0 minutes")),
        ("fr", "57,50 €", "13 janvier 2026 à 11:00 (UTC)", ("1 jour", "2 jours 3 heures", "0 minute")),
    ],
)
def test_words_format_amounts_dates_and_spans_per_locale(
    lang: str, money: str, when: str, spans: tuple[str, str, str]
) -> None:
    from orderflow import Money
    from orderflow.copy import Words

    words = Words(lang)
    assert _fold(words.money(Money("57.50", "EUR"))) == money
    assert _fold(words.when(at("2026-01-13T11:00"))) == when
    found = tuple(
        words.span(t) for t in (timedelta(days=1), timedelta(days=2, hours=3, minutes=5), timedelta())
    )
    assert found == spans  # the two largest units only


def test_a_zone_shows_local_times_with_its_name() -> None:
    from zoneinfo import ZoneInfo

    from orderflow.copy import Words

    paris = Words("fr", ZoneInfo("Europe/Paris"))
    assert _fold(paris.when(at("2026-01-13T11:00"))) == "13 janvier 2026 à 12:00 (CET)"


def test_there_is_a_template_per_state_action_deadline_and_event() -> None:
    """One message per state (for each party), per action a buyer or seller may take (said to them
    and about them), per deadline and per event: a graph row or an event added to the model
    without its words fails here, not in front of a user."""
    from orderflow import ROUTES, Deadline
    from orderflow.copy import messages as m
    from orderflow.copy import page_words as p
    from orderflow.domain import events as ev

    parties = (Role.BUYER, Role.SELLER)
    assert {(s, r) for s in State for r in parties} <= set(m.SITUATION)
    assert set(State) <= set(m.STATE_NAME) & set(m.REACHES)
    actions = {route.trigger for route in ROUTES if route.actors & set(parties)}
    assert actions <= set(m.ACTION_YOU) & set(m.ACTION_THEY)
    assert {d.value for d in Deadline} <= set(m.DEADLINE)
    concrete = {c for c in vars(ev).values() if isinstance(c, type) and issubclass(c, ev.Event)}
    assert {c for c in concrete if c is not ev.Event and not c.__name__.startswith("_")} <= set(p.EVENT)


@settings(max_examples=30)
@given(
    life=lives(max_steps=8),
    role=st.sampled_from([Role.BUYER, Role.SELLER]),
    lang=st.sampled_from(["en", "fr"]),
)
def test_guidance_offers_exactly_the_models_choices_on_any_life(life: Life, role: Role, lang: str) -> None:
    from orderflow import available_actions

    order = life.play()[-1].order
    now = order.updated_at + timedelta(hours=1)
    found = guidance(order, role, now, lang)
    offered = {(i.actor, i.action) for s in found.sections for i in s.items if i.action is not None}
    expected = {(r, c.action) for r in (Role.BUYER, Role.SELLER) for c in available_actions(order, r, now)}
    assert offered == expected
    assert found.text()
    assert found.markdown()


def test_babel_is_imported_only_when_something_is_formatted() -> None:
    import subprocess
    import sys

    code = (
        "import sys, orderflow, orderflow.cli, orderflow.copy, orderflow.copy.page\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'babel'], 'babel imported'\n"
        "from orderflow import Money\n"
        "orderflow.copy.Words('fr').money(Money('1.00', 'EUR'))\n"
        "assert 'babel.numbers' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_reminder_comes_before_the_deadline_that_ends() -> None:
    import attrs

    from orderflow import COMEUP, Deadline, Reminder

    policy = attrs.evolve(COMEUP, reminders=(Reminder(Deadline.ACCEPTANCE, timedelta(hours=12)),))
    order = representative(State.PENDING, policy)
    nobody = guidance(order, Role.SELLER, order.updated_at).section("nobody")
    assert nobody is not None
    reminder, deadline = nobody.items
    assert _fold(reminder.text) == (
        "On January 4, 2026 at 10:00 PM (UTC), a reminder is sent about the seller's time to accept "
        "the order."
    )
    assert _fold(deadline.text).startswith(
        "If nobody acts by January 5, 2026 at 10:00 AM (UTC) (2 days from now)"
    )
    assert "The order is then canceled." in deadline.details
    later = guidance(order, Role.SELLER, order.updated_at + timedelta(hours=37)).text()
    assert "reminder" not in later.split("What your buyer can do")[0]  # a sent reminder is no deadline
