"""Indonesian stemming for search: the same function at index time and at query time."""

from __future__ import annotations

import re
from functools import cache

import Stemmer

WORD = re.compile(r"\w+", re.UNICODE)


@cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("indonesian")


def stem_text(text: str) -> str:
    """Every word of ``text`` reduced to its stem (pemilihan, memilih, dipilih -> pilih)."""
    words = WORD.findall((text or "").lower())
    return " ".join(_stemmer().stemWords(words))


def stem_query(query: str) -> str:
    """A safe FTS5 expression from what a researcher typed: stems, each quoted, all required.

    A trailing ``*`` keeps prefix search; hyphenated words become phrases; FTS5 operators
    typed by accident cannot break the query.
    """
    terms = []
    for token in re.findall(r"[\w-]+\*?", (query or "").lower()):
        prefix = token.endswith("*")
        parts = [p for p in token.rstrip("*").split("-") if p]
        if not parts:
            continue
        stems = _stemmer().stemWords(parts)
        phrase = '"' + " ".join(stems) + '"'
        terms.append(phrase + ("*" if prefix else ""))
    return " ".join(terms) or '""'
