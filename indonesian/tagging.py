"""Election tags from a lexicon (``data/election.toml``): cheap regexes, compiled once.

Only the labels listed as offered in the lexicon are emitted as facts: those whose measured
precision on the hand-labelled set (``tests/labels/written_cases.toml``) is at least 0.8
(``docs/labels.md`` has the figures; ``make eval`` measures them).
"""

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
    focus_stage: str | None = None  # the one stage the title and lead are about


WORD = re.compile(r"\w+")


class Words(list):
    """The word matches of one text, with an index of where each word stands (built once, on
    first use): a matcher then looks only at the words its patterns start with.

    The index holds only words some matcher's patterns start with (``Matcher.first_words``; a
    matcher made later rebuilds it): a body's other words are never looked up, and leaving them
    out halves the cost of building it."""

    _index: dict[str, list[int]] | None = None
    _index_of: int = -1  # the number of first words the index was built for

    @classmethod
    def of(cls, text: str) -> Words:
        return cls(WORD.finditer(text))

    @property
    def index(self) -> dict[str, list[int]]:
        firsts = Matcher.first_words
        if self._index is None or self._index_of != len(firsts):
            index: dict[str, list[int]] = {}
            for position, match in enumerate(self):
                word = match[0]
                if word in firsts:
                    index.setdefault(word, []).append(position)
            self._index, self._index_of = index, len(firsts)
        return self._index


class Matcher:
    """Finds lexicon patterns by their first word: one pass over the words of the text, and a
    regex tried only where a pattern's first word stands (10x cheaper than big alternations)."""

    first_words: set[str] = set()  # of every matcher made: what ``Words.index`` keeps (it only grows)

    def __init__(self, entries: list[tuple[str, str]]):
        self.by_first: dict[str, list[tuple[re.Pattern, str]]] = {}
        self.anywhere: list[tuple[re.Pattern, str]] = []  # searched for from a word boundary
        self.labels = [label for _, label in entries]
        for pattern, label in entries:
            compiled = re.compile(f"(?:{pattern})\\b")
            first = re.match(r"[a-z0-9]+", pattern)
            if first and pattern[first.end():first.end() + 1] in ("?", "*", "+", "{"):
                first = None  # its last letter is optional: no whole first word to look for
            if first:
                self.by_first.setdefault(first[0], []).append((compiled, label))
            else:
                self.anywhere.append((re.compile(f"\\b{compiled.pattern}"), label))
        Matcher.first_words |= self.by_first.keys()

    def find(self, lowered: str, words: list[re.Match] | None = None) -> list[tuple[str, str]]:
        """(label, matched text) for every match in a lower-cased text, in order."""
        if isinstance(words, Words):
            # The same matches as the loop below, in the same order (word position, then the
            # pattern's place in its list), looking only where a pattern's first word stands.
            hits, index = [], words.index
            for first in index.keys() & self.by_first.keys():
                patterns = self.by_first[first]
                for position in index[first]:
                    start = words[position].start()
                    for order, (compiled, label) in enumerate(patterns):
                        if match := compiled.match(lowered, start):
                            hits.append((position, order, label, match[0]))
            hits.sort(key=lambda hit: (hit[0], hit[1]))
            found = [(label, text) for _, _, label, text in hits]
        else:
            found = []
            for word in words if words is not None else WORD.finditer(lowered):
                for compiled, label in self.by_first.get(word[0], ()):
                    if match := compiled.match(lowered, word.start()):
                        found.append((label, match[0]))
        for search, label in self.anywhere:
            found.extend((label, m[0]) for m in search.finditer(lowered))
        return found


@cache
def lexicon() -> dict:
    data = tomllib.loads(files("indonesian").joinpath("data/election.toml").read_text("utf-8"))

    def family(groups: dict[str, list[str]]) -> Matcher:
        return Matcher([(p, label) for label, patterns in groups.items() for p in patterns])

    return {
        "threshold": data["threshold"],
        "title_bonus": data["title_bonus"],
        "terms": family({"strong": data["terms"]["strong"], "weak": data["terms"]["weak"]}),
        "not_election": family({"not": data["terms"]["not_election"]}),
        "not_a_type_or_stage": family({"not": data["terms"]["not_a_type_or_stage"]}),
        "type_parents": data["type_parents"],
        "offered": {name: set(labels) for name, labels in data["offered"].items()},
        **{name: family(data[name]) for name in ("types", "stages", "institutions")},
    }


def _blank_out(lowered: str, matcher: Matcher, words: Words | None = None) -> str:
    for _, text in matcher.find(lowered, words):
        lowered = lowered.replace(text, " " * len(text))
    return lowered


def tag(title: str, body: str, offered_only: bool = True) -> Tags:
    """Election tags of one article. ``offered_only=False`` keeps the labels that are not
    offered too, for measuring them (bench/evaluate.py)."""
    lex = lexicon()
    offered = lex["offered"] if offered_only else {
        "types": set(lex["types"].labels), "stages": set(lex["stages"].labels),
        "focus_stage": set(lex["stages"].labels), "institutions": set(lex["institutions"].labels)}
    as_written = [(title or "").lower(), (body or "").lower()]
    written_words = [Words.of(text) for text in as_written]
    texts = [_blank_out(text, lex["not_election"], tokens) for text, tokens in zip(as_written, written_words, strict=True)]
    words = _words_of(texts, as_written, written_words)
    score, terms = 0.0, {}
    for text, tokens, weight in zip(texts, words, (lex["title_bonus"], 1.0), strict=True):
        for kind, term in lex["terms"].find(text, tokens):
            terms[term] = terms.get(term, 0) + 1
            strong = kind == "strong"
            if terms[term] <= 3:
                score += weight * (1.0 if strong else 0.3)
            else:
                score += weight * (0.2 if strong else 0.05)
    related = score >= lex["threshold"]

    def labels(family: str, texts: list[str], words: list[list[re.Match]]) -> set[str]:
        return {label for text, tokens in zip(texts, words, strict=True)
                for label, _ in lex[family].find(text, tokens)}

    # Institutions from the text as written: a flood story that names the KPU office names the KPU.
    institutions = labels("institutions", as_written, written_words)
    institutions &= offered["institutions"]
    if not related:
        return Tags(related, round(score, 2), sorted(terms), [], [], sorted(institutions))
    # Organisers' names are not elections nor stages: "Komisi Pemilihan Umum" names no pemilu.
    blanked = [_blank_out(text, lex["not_a_type_or_stage"], tokens) for text, tokens in zip(texts, words, strict=True)]
    texts, words = blanked, _words_of(blanked, texts, words)
    types = labels("types", texts, words)
    types |= {lex["type_parents"][t] for t in types if t in lex["type_parents"]}
    stages = labels("stages", texts, words)
    focus = focus_stage(texts[0], lead(texts[1]), lex)
    return Tags(related, round(score, 2), sorted(terms),
                sorted(types & offered["types"]), sorted(stages & offered["stages"]),
                sorted(institutions), focus if focus in offered["focus_stage"] else None)


def _words_of(texts: list[str], before: list[str], before_words: list[Words]) -> list[Words]:
    """The word matches of each text; a text that blanking left unchanged keeps the matches it
    had (most articles: tokenising a body costs as much as all the look-ups in it)."""
    return [words if text == old else Words.of(text)
            for text, old, words in zip(texts, before, before_words, strict=True)]


def lead(body: str) -> str:
    """The first sentence of a body: where a news story says what it is about."""
    return re.split(r"(?<=[.!?])\s+|\n", body.strip(), maxsplit=1)[0]


def focus_stage(title: str, lead_text: str, lex: dict) -> str | None:
    """The first stage the title names, else the first the lead names."""
    for text in (title, lead_text):
        if found := lex["stages"].find(text):
            return min(found, key=lambda match: text.index(match[1]))[0]
    return None
