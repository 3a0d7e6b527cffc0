"""Near-duplicate stories: bottom-k MinHash sketches of word 5-shingles.

A shingle's value is a polynomial hash of its five words' CRC32s (each word hashed once per
process), its upper 32 bits kept; a sketch is the 16 smallest values of an article's shingles. Texts whose sketches share
values share shingles, so candidates are found by looking a new article's values up in an index
of everyone else's; the decision is then made on the exact shingle sets: one text must be
mostly contained in the other (a Kemendagri release that a regency re-publishes under a new
first paragraph is wholly contained in the re-publication).
"""

from __future__ import annotations

import re
import zlib

import numpy as np

SHINGLE = 5
SKETCH_SIZE = 16
# Stored in article_sketches: a different hashing needs the sketches recomputed (a migration in
# archive/schema.py does it when this name changes).
SCHEME = "poly64-crc32-words-5"
WORD = re.compile(r"\w+")
_BASE = 0x100000001B3  # FNV-1a's 64-bit prime: odd, so the polynomial mixes every word
_POWERS = [pow(_BASE, SHINGLE - 1 - k, 1 << 64) for k in range(SHINGLE)]
_MASK = (1 << 64) - 1
# numpy's uint64 arithmetic wraps around modulo 2**64: the same values as the masked Python sum.
_POWERS_U64 = [np.uint64(p) for p in _POWERS]
_UPPER_HALF = np.uint64(32)
_WORD_CACHE_LIMIT = 500_000


class _WordHashes(dict):
    """CRC32 of each word, computed once per process (an archive's vocabulary is small beside
    its word count); cleared when it grows past _WORD_CACHE_LIMIT words."""

    def __missing__(self, word: str) -> int:
        if len(self) >= _WORD_CACHE_LIMIT:
            self.clear()
        value = self[word] = zlib.crc32(word.encode())
        return value


_word_hashes = _WordHashes()


def shingle_array(text: str) -> np.ndarray:
    """The distinct shingle hashes of ``text`` (see :func:`shingles`), sorted ascending, as a
    uint64 array: computed with numpy, 2-3 times faster than in Python (bench/profile_store.py),
    and a sketch is its first SKETCH_SIZE values."""
    words = WORD.findall((text or "").lower())
    windows = len(words) - SHINGLE + 1
    if windows <= 0:
        return np.empty(0, dtype=np.uint64)
    hashed = np.fromiter(map(_word_hashes.__getitem__, words), dtype=np.uint64, count=len(words))
    values = hashed[:windows] * _POWERS_U64[0]
    for k in range(1, SHINGLE):
        values += hashed[k:windows + k] * _POWERS_U64[k]
    values >>= _UPPER_HALF
    return np.unique(values)


def shingles(text: str) -> set[int]:
    """Hashes of the text's overlapping five-word windows (lower-cased words): the upper 32
    bits of sum(crc32(word_k) * _POWERS[k]) modulo 2**64."""
    return set(shingle_array(text).tolist())


def sketch_of(text: str) -> list[int]:
    """``sketch(shingles(text))`` without building the set."""
    return shingle_array(text)[:SKETCH_SIZE].tolist()


def sketch(values: set[int]) -> list[int]:
    """The SKETCH_SIZE smallest shingle hashes of a text (give it ``shingles(text)``)."""
    return sorted(values)[:SKETCH_SIZE]


def containment(first: set[int], second: set[int]) -> float:
    """How much of the shorter text stands in the longer one (0..1), on exact shingle sets."""
    if not first or not second:
        return 0.0
    return len(first & second) / min(len(first), len(second))
