"""Supported ranges of the strings that cross orderflow's edges: ids, idempotency keys and texts.

One definition, used by the constructors (``Placement``, commands), the codec and every storage,
so that the memory, SQLite and PostgreSQL storages accept and refuse exactly the same inputs:

- an **id** (order, buyer, seller, offer, proposal): 1 to ``MAX_ID_LENGTH`` characters, not only
  spaces, no control character (NUL, newline, tab, DEL ...), no lone surrogate;
- an idempotency **key**: the same rules as an id, up to ``MAX_KEY_LENGTH`` characters;
- a **text** (a reason, a review): up to ``MAX_TEXT_LENGTH`` characters, newlines and tabs
  allowed, no NUL and no lone surrogate (neither can be stored as UTF-8 text by PostgreSQL).

Each check returns what is wrong in words (``None`` when the value is fine), so that each edge
raises its own typed error with the field's name.
"""

from __future__ import annotations

import re

MAX_ID_LENGTH = 200
MAX_KEY_LENGTH = 200
MAX_TEXT_LENGTH = 10_000

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NUL = "\x00"


def _unencodable(value: str) -> bool:
    """A lone surrogate (valid in JSON as ``"\\ud800"``, invalid in UTF-8)."""
    if value.isascii():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def id_problem(value: object, max_length: int = MAX_ID_LENGTH) -> str | None:
    """What makes ``value`` unusable as an id (or key), or None."""
    if (
        type(value) is str
        and len(value) <= max_length
        and value.isascii()
        and value.isprintable()  # no control character
        and value.strip()
    ):
        return None  # the usual id, told apart in a few C calls; the rest is checked below
    if not isinstance(value, str):
        return f"must be a string, not {type(value).__name__}"
    if not value.strip():
        return "must be a non-empty string"
    if len(value) > max_length:
        return f"must be at most {max_length} characters, not {len(value)}"
    if _CONTROL.search(value):
        return "must not contain control characters"
    if _unencodable(value):
        return "must not contain lone surrogates"
    return None


def key_problem(value: object) -> str | None:
    """What makes ``value`` unusable as an idempotency key, or None."""
    return id_problem(value, MAX_KEY_LENGTH)


def text_problem(value: object, max_length: int = MAX_TEXT_LENGTH) -> str | None:
    """What makes ``value`` unusable as a free text (reason, review), or None."""
    if not isinstance(value, str):
        return f"must be a string, not {type(value).__name__}"
    if len(value) > max_length:
        return f"must be at most {max_length} characters, not {len(value)}"
    if _NUL in value:
        return "must not contain NUL characters"
    if _unencodable(value):
        return "must not contain lone surrogates"
    return None
