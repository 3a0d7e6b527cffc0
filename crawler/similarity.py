"""Near-duplicate stories: bottom-k MinHash sketches of word 5-shingles.

A sketch is the 64 smallest CRC32 values of an article's shingles. Texts whose sketches share
values share shingles, so candidates are found by looking a new article's values up in an index
of everyone else's; the decision is then made on the exact shingle sets: one text must be
mostly contained in the other (a Kemendagri release that a regency re-publishes under a new
first paragraph is wholly contained in the re-publication).
"""

from __future__ import annotations

import heapq
import re
import zlib

SHINGLE = 5
SKETCH_SIZE = 64
WORD = re.compile(r"\w+")


def shingles(text: str) -> set[int]:
    words = WORD.findall((text or "").lower())
    return {zlib.crc32(" ".join(words[i:i + SHINGLE]).encode()) for i in range(len(words) - SHINGLE + 1)}


def sketch(text: str) -> list[int]:
    return sorted(heapq.nsmallest(SKETCH_SIZE, shingles(text)))


def containment(a: str, b: str) -> float:
    """How much of the shorter text stands in the longer one (0..1), on exact shingles."""
    first, second = shingles(a), shingles(b)
    if not first or not second:
        return 0.0
    return len(first & second) / min(len(first), len(second))
