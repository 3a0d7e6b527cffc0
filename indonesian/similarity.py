"""Near-duplicate stories: bottom-k MinHash sketches of word 5-shingles.

A shingle's value is a polynomial hash of its five words' CRC32s (each word hashed once per
text), its upper 32 bits kept; a sketch is the 16 smallest values of an article's shingles. Texts whose sketches share
values share shingles, so candidates are found by looking a new article's values up in an index
of everyone else's; the decision is then made on the exact shingle sets: one text must be
mostly contained in the other (a Kemendagri release that a regency re-publishes under a new
first paragraph is wholly contained in the re-publication).
"""

from __future__ import annotations

import re
import zlib

SHINGLE = 5
SKETCH_SIZE = 16
# Stored in article_sketches: a different hashing needs the sketches recomputed (a migration in
# archive/schema.py does it when this name changes).
SCHEME = "poly64-crc32-words-5"
WORD = re.compile(r"\w+")
_BASE = 0x100000001B3  # FNV-1a's 64-bit prime: odd, so the polynomial mixes every word
_POWERS = [pow(_BASE, SHINGLE - 1 - k, 1 << 64) for k in range(SHINGLE)]
_MASK = (1 << 64) - 1


def shingles(text: str) -> set[int]:
    """Hashes of the text's overlapping five-word windows (lower-cased words)."""
    words = WORD.findall((text or "").lower())
    hashed = {word: zlib.crc32(word.encode()) for word in set(words)}
    h = [hashed[word] for word in words]
    p0, p1, p2, p3, p4 = _POWERS
    windows = zip(h, h[1:], h[2:], h[3:], h[4:], strict=False)  # ragged on purpose
    return {((a * p0 + b * p1 + c * p2 + d * p3 + e * p4) & _MASK) >> 32 for a, b, c, d, e in windows}


def sketch(values: set[int]) -> list[int]:
    """The SKETCH_SIZE smallest shingle hashes of a text (give it ``shingles(text)``)."""
    return sorted(values)[:SKETCH_SIZE]


def containment(first: set[int], second: set[int]) -> float:
    """How much of the shorter text stands in the longer one (0..1), on exact shingle sets."""
    if not first or not second:
        return 0.0
    return len(first & second) / min(len(first), len(second))
