"""The store's faster paths give the same values and the same archive as the plain ones."""

from __future__ import annotations

import zlib

from indonesian.similarity import SKETCH_SIZE, shingle_array, shingles, sketch, sketch_of
from replica.corpus import generate


def python_shingles(text: str) -> set[int]:
    """The hashing as it was written in Python before numpy (kept here as the reference)."""
    import re

    words = re.findall(r"\w+", (text or "").lower())
    powers = [pow(0x100000001B3, 4 - k, 1 << 64) for k in range(5)]
    h = [zlib.crc32(word.encode()) for word in words]
    return {(sum(h[i + k] * powers[k] for k in range(5)) & (2**64 - 1)) >> 32 for i in range(len(h) - 4)}


def test_numpy_shingles_equal_the_python_ones_on_every_replica_text():
    stories = generate(650, 2024)
    texts = [s.body for s in stories] + [s.title for s in stories]
    texts += ["", None, "satu dua tiga empat", "satu dua tiga empat lima", "Ñandú ĳssel — café 2024_05 x"]
    for text in texts:
        expected = python_shingles(text)
        assert shingles(text) == expected, text
        assert sketch_of(text) == sorted(expected)[:SKETCH_SIZE] == sketch(expected)
        assert shingle_array(text).tolist() == sorted(expected)


def test_word_hash_cache_is_bounded_and_gives_the_same_values(monkeypatch):
    import indonesian.similarity as similarity

    monkeypatch.setattr(similarity, "_WORD_CACHE_LIMIT", 3)
    similarity._word_hashes.clear()
    text = "kpu menetapkan daftar pemilih tetap untuk pilkada serentak di kotawaringin barat"
    assert shingles(text) == python_shingles(text)
    assert len(similarity._word_hashes) <= 3
