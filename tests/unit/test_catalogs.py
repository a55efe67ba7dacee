"""The gettext catalogs of end-user guidance: complete in every shipped language, the same
placeholders in every language, in step with the source's messages, and compiled.

A marketplace adding its language (docs/guidance.md) gets these checks for free: a missing
translation, a placeholder lost or renamed, a stale ``.mo`` or a message not yet extracted fails here.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import orderflow.copy
from orderflow.copy import languages

COPY = Path(orderflow.copy.__file__).parent
LOCALES = COPY / "locales"
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def catalog(lang: str) -> Catalog:
    with (LOCALES / lang / "LC_MESSAGES" / "orderflow.po").open("rb") as source:
        return read_po(source, locale=lang)


def forms(text: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (text,) if isinstance(text, str) else tuple(text)


def problems(found: Catalog) -> Iterator[str]:
    """Each message without a translation, or whose translation's placeholders differ."""
    for message in found:
        if not message.id:
            continue
        ids, strings = forms(message.id), forms(message.string or "")
        if not all(strings) or len(strings) != (1 if isinstance(message.id, str) else found.num_plurals):
            yield f"untranslated: {ids[0]!r}"
            continue
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != wanted:
                yield f"placeholders differ: {ids[0]!r} -> {string!r}"


def extracted() -> set[str]:
    """The singular text of every message marked in the source, as Babel extracts it."""
    keywords = {"N_": None, "NP_": (1, 2)}
    found = extract_from_dir(str(COPY), method_map=[("**.py", "python")], keywords=keywords)
    return {forms(message)[0] for _, _, message, _, _ in found}


def test_english_and_french_are_shipped() -> None:
    assert languages() == ("en", "fr")


@pytest.mark.parametrize("lang", languages())
def test_every_message_is_translated_with_the_same_placeholders(lang: str) -> None:
    assert list(problems(catalog(lang))) == []


def test_the_check_finds_a_missing_translation_and_a_lost_placeholder() -> None:
    broken = Catalog(locale="fr")
    broken.add("You are paid {amount}.", "Vous êtes payé.")
    broken.add("Until {date}.", "")
    broken.add(("{n} day", "{n} days"), ("{n} jour", "jours", "{n} jours"))
    assert sorted(problems(broken)) == [
        "placeholders differ: 'You are paid {amount}.' -> 'Vous êtes payé.'",
        "placeholders differ: '{n} day' -> 'jours'",
        "untranslated: 'Until {date}.'",
    ]


@pytest.mark.parametrize("lang", languages())
def test_the_catalog_holds_exactly_the_messages_of_the_source(lang: str) -> None:
    held = {forms(m.id)[0] for m in catalog(lang) if m.id}
    assert extracted() - held == set(), "run scripts/i18n update, then translate"
    assert held - extracted() == set(), "obsolete messages: run scripts/i18n update"


@pytest.mark.parametrize("lang", languages())
def test_the_shipped_mo_is_compiled_from_the_po(lang: str) -> None:
    with (LOCALES / lang / "LC_MESSAGES" / "orderflow.mo").open("rb") as compiled:
        shipped = gettext.GNUTranslations(compiled)
    for message in catalog(lang):
        if not message.id:
            continue
        if isinstance(message.id, str):
            assert shipped.gettext(message.id) == message.string, "run scripts/i18n compile"
        else:
            singular, plural = message.id
            assert shipped.ngettext(singular, plural, 1) == forms(message.string or "")[0], (
                "run scripts/i18n compile"
            )
