"""The one definition of ids, keys and texts (domain/limits.py) that every edge and storage shares."""

from __future__ import annotations

import pytest

from orderflow.domain.limits import MAX_ID_LENGTH, MAX_TEXT_LENGTH, id_problem, key_problem, text_problem


@pytest.mark.parametrize("value", ["o-1", "commande n°7", "x" * MAX_ID_LENGTH, "ünïcödé"])
def test_good_ids_pass(value: str) -> None:
    assert id_problem(value) is None
    assert key_problem(value) is None


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("", "non-empty"),
        ("   ", "non-empty"),
        ("x" * (MAX_ID_LENGTH + 1), "at most"),
        ("a\x00b", "control"),
        ("a\nb", "control"),
        ("a\ud800", "surrogate"),
        (7, "string"),
        (b"o-1", "string"),
    ],
)
def test_bad_ids_say_what_is_wrong(value: object, words: str) -> None:
    problem = id_problem(value)
    assert problem is not None
    assert words in problem


def test_texts_allow_lines_but_not_nul_or_surrogates() -> None:
    assert text_problem("") is None
    assert text_problem("line one\nline two\twith a tab") is None
    assert "NUL" in (text_problem("a\x00") or "")
    assert "surrogate" in (text_problem("\udfff") or "")
    assert "at most" in (text_problem("x" * (MAX_TEXT_LENGTH + 1)) or "")
