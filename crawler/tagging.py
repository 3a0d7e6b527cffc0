"""Election tags from a lexicon (``data/election.toml``): cheap regexes, compiled once."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files


@dataclass(frozen=True)
class Tags:
    election_related: bool
    election_score: float
    election_terms: list[str]
    election_types: list[str]
    election_stages: list[str]
    institutions: list[str]


def _alternation(patterns: list[str]) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\b", re.I)


@cache
def lexicon() -> dict:
    data = tomllib.loads(files("crawler").joinpath("data/election.toml").read_text("utf-8"))
    return {
        "threshold": data["threshold"],
        "title_bonus": data["title_bonus"],
        "strong": _alternation(data["terms"]["strong"]),
        "weak": _alternation(data["terms"]["weak"]),
        "not_election": _alternation(data["terms"]["not_election"]),
        "types": {k: _alternation(v) for k, v in data["types"].items()},
        "stages": {k: _alternation(v) for k, v in data["stages"].items()},
        "institutions": {k: _alternation(v) for k, v in data["institutions"].items()},
    }


def tag(title: str, body: str) -> Tags:
    lex = lexicon()
    title = lex["not_election"].sub(" ", title or "")
    body = lex["not_election"].sub(" ", body or "")
    score, terms = 0.0, {}
    for text, weight in ((title, lex["title_bonus"]), (body, 1.0)):
        for match in lex["strong"].finditer(text):
            term = match[0].lower()
            terms[term] = terms.get(term, 0) + 1
            score += weight * (1.0 if terms[term] <= 3 else 0.2)
        for match in lex["weak"].finditer(text):
            term = match[0].lower()
            terms[term] = terms.get(term, 0) + 1
            score += weight * (0.3 if terms[term] <= 3 else 0.05)
    related = score >= lex["threshold"]
    text = f"{title}\n{body}"
    labels = {
        name: sorted(k for k, pattern in lex[name].items() if pattern.search(text)) if related else []
        for name in ("types", "stages")
    }
    institutions = sorted(k for k, pattern in lex["institutions"].items() if pattern.search(text))
    return Tags(related, round(score, 2), sorted(terms), labels["types"], labels["stages"], institutions)
