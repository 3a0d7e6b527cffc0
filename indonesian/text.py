"""Article text: whitespace, Unicode, and boilerplate kept out of the body.

Pure functions over strings and lists of paragraphs (HTML is read in ``crawler.extract``). The phrase lists live in ``data/boilerplate.toml``.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# Characters that are not text: lone surrogates (cannot be encoded as UTF-8 at all), C0/C1
# controls other than tab and line breaks (NUL makes the Atom writer refuse the feed), and
# Unicode's non-characters.
NOT_TEXT = re.compile(r"[\ud800-\udfff\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufdd0-\ufdef\ufffe\uffff]")
# Invisible formatting a web editor leaves inside words: soft hyphen, zero-width space, ZWNJ,
# ZWJ, word joiner, BOM, Mongolian vowel separator, and the bidirectional marks and overrides
# (which can also make a title read differently from what it is). Dropped, never turned into a
# space: "pil\u200bkada" is the word "pilkada".
INVISIBLE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Line breaks other than \n: vertical tab, form feed, NEL, line and paragraph separators.
LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")


@cache
def rules() -> dict:
    return tomllib.loads(files("indonesian").joinpath("data/boilerplate.toml").read_text("utf-8"))


@cache
def _patterns() -> dict[str, re.Pattern | list[re.Pattern]]:
    data = rules()
    related = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in data["related"]["lead_words"])
    outlets = "|".join(re.escape(o).replace(r"\ ", r"\s+") for o in data["dateline"]["outlets"])
    words = data["dateline"]["max_words"]
    return {
        "related": re.compile(rf"^\(?\s*(?:{related})\s*:?\s*(?P<title>.*?)\s*\)?\s*$", re.I | re.S),
        "dateline": re.compile(
            rf"^(?P<dateline>(?:(?:{outlets})(?:\s*,\s*(?:{outlets}))*"
            rf"|[A-Z][\w.'’]*(?:\s+[\w.'’]+){{0,{words - 1}}}?)"
            rf"(?:\s*,\s*\d{{1,2}}\s+\w+\s+\d{{4}})?)\s+[–—-]{{1,2}}\s+(?=\S)",
            re.I,
        ),
        "closing": re.compile(r"\s*\((?P<tag>[^()]{2,60})\)\s*$"),
        "standalone": [re.compile(p, re.I) for p in data["closing_tag"]["standalone"]],
        "meta": [re.compile(p, re.I) for p in data["meta_lines"]["patterns"]],
    }


def clean_text(text: str) -> str:
    """Valid text: no control characters, lone surrogates or invisible characters, line
    breaks as \\n, NFC. Spacing is left as it is (see :func:`clean_whitespace`)."""
    text = NOT_TEXT.sub("", text)
    text = INVISIBLE.sub("", text)
    return unicodedata.normalize("NFC", LINE_BREAKS.sub("\n", text))


# Anything but printable ASCII, tab and \n: text without it needs no cleaning but of spaces.
NOT_PLAIN = re.compile(r"[^\t\n\x20-\x7e]")
BLANK_LINES = re.compile(r"\n{3,}")


# Texts clean_whitespace returned. Cleaning is idempotent (a clean text comes back unchanged;
# tests/test_crawl_speed.py checks it on every fixture paragraph and on random text), and a
# paragraph is cleaned three times on its way (the spider, the clean pipeline,
# strip_boilerplate): the second and third time are a dictionary look-up, by identity. Bounded.
_CLEANED: dict[str, None] = {}
_CLEANED_MAX = 16384


def clean_whitespace(text: str) -> str:
    """Valid text (:func:`clean_text`), one space between words, no space at line ends, at
    most one blank line."""
    if text in _CLEANED:
        return text
    cleaned = _clean_whitespace(text)
    if len(_CLEANED) >= _CLEANED_MAX:
        _CLEANED.clear()
    _CLEANED[cleaned] = None
    return cleaned


def _clean_whitespace(text: str) -> str:
    if NOT_PLAIN.search(text):
        text = clean_text(text)
        lines = [SPACES.sub(" ", line).strip() for line in text.split("\n")]
    else:
        # Printable ASCII, tabs and \n only: clean_text would change nothing, and the only
        # spaces are " " and tab, which str.split() takes exactly as SPACES and strip() do.
        lines = [" ".join(line.split()) for line in text.split("\n")]
    joined = "\n".join(lines)
    return (BLANK_LINES.sub("\n\n", joined) if "\n\n\n" in joined else joined).strip()


@dataclass
class Stripped:
    paragraphs: list[str]
    dateline: str | None = None
    source_unit: str | None = None
    related: list[dict] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def strip_boilerplate(paragraphs: list[str], title: str | None = None,
                      related_links: dict[str, str] | None = None) -> Stripped:
    """Split a page's paragraphs into the article text and the boilerplate around it.

    Everything before the dateline paragraph (when it is among the first four) is a photo
    caption or page furniture; inserts, meta lines and the closing sign-off are taken out and
    kept in their own fields.
    """
    pats = _patterns()
    related_links = related_links or {}
    out = Stripped(paragraphs=[])
    title_key = match_key(title) if title else None
    kept: list[str] = []
    for paragraph in paragraphs:
        text = clean_whitespace(paragraph)
        if not text or (title_key and match_key(text) == title_key):
            continue
        if any(p.match(text) for p in pats["meta"]):
            out.removed.append(text)
            continue
        if (match := pats["related"].match(text)) and len(text) < 300:
            ref = match["title"].strip()
            out.related.append({"title": ref, "url": related_links.get(match_key(ref))})
            continue
        kept.append(text)

    for index, text in enumerate(kept[:4]):
        match = pats["dateline"].match(text)
        if match and not _looks_like_sentence(match["dateline"]):
            out.captions.extend(kept[:index])
            out.dateline = match["dateline"].strip()
            kept = [text[match.end():].strip(), *kept[index + 1:]]
            break

    if kept:
        last = kept[-1]
        if any(p.match(last) for p in pats["standalone"]):
            out.source_unit = last.strip("*() ")
            kept = kept[:-1]
        elif (match := pats["closing"].search(last)) and _is_sign_off(match["tag"]):
            out.source_unit = match["tag"].strip()
            rest = last[: match.start()].rstrip()
            kept[-1:] = [rest] if rest else []
    out.paragraphs = kept
    return out


def _looks_like_sentence(candidate: str) -> bool:
    """A dateline is a name, not the start of a sentence that happens to contain a dash."""
    words = candidate.split()
    lowers = [w for w in words if w[:1].islower() and w.lower() not in ("dan", "di")]
    return len(lowers) > 1


def _is_sign_off(tag: str) -> bool:
    data = rules()["closing_tag"]
    words = tag.split()
    if not words or len(words) > data["max_words"] or not re.search(r"[^\W\d_]", tag):
        return False  # too long, or no letters at all: a bracketed date "(2/10/2024)" is text
    lowered = tag.lower()
    return tag == lowered or any(w in lowered for w in data["unit_words"])


NOT_WORD = re.compile(r"\W+")


def match_key(text: str) -> str:
    """Lower case, punctuation folded to spaces: for comparing titles and phrases."""
    return NOT_WORD.sub(" ", text.lower()).strip()


def release_key(title: str | None, body: str | None) -> str | None:
    """Identity of one press release, whichever host published it: title and lead, normalised."""
    if not title or not body:
        return None
    basis = match_key(title) + "|" + match_key(body)[:200]
    return hashlib.sha1(basis.encode()).hexdigest()[:20]


def content_hash(title: str | None, body: str | None) -> str:
    return hashlib.sha1(f"{title or ''}\n{body or ''}".encode()).hexdigest()


def leaked_phrases(body: str) -> list[str]:
    """Listed boilerplate phrases found in a body, each at the start of a word."""
    lowered = body.lower()
    return [p for p in rules()["phrases"]["leak"] if re.search(r"(?<!\w)" + re.escape(p), lowered)]
