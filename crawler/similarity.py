"""Near-duplicate stories: bottom-k MinHash sketches of word 5-shingles.

A sketch is the 16 smallest CRC32 values of an article's shingles. Texts whose sketches share
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
SKETCH_SIZE = 16
WORD = re.compile(r"\w+")


def shingles(text: str) -> set[int]:
    words = WORD.findall((text or "").lower())
    windows = zip(*(words[offset:] for offset in range(SHINGLE)), strict=False)  # ragged on purpose
    return {zlib.crc32(" ".join(window).encode()) for window in windows}


def sketch(values: set[int]) -> list[int]:
    """The SKETCH_SIZE smallest shingle hashes of a text (give it ``shingles(text)``)."""
    return sorted(heapq.nsmallest(SKETCH_SIZE, values))


def containment(first: set[int], second: set[int]) -> float:
    """How much of the shorter text stands in the longer one (0..1), on exact shingle sets."""
    if not first or not second:
        return 0.0
    return len(first & second) / min(len(first), len(second))
