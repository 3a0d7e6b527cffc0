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


def test_a_refused_item_is_rejected_alone_and_the_rest_of_its_batch_is_stored(tmp_path):
    from archive.connect import open_archive
    from archive.store import ArchiveWriter
    from bench.synth import synthetic_items

    db = open_archive(tmp_path / "archive.db", migrate=True)
    items = list(synthetic_items(6))
    db.execute("insert into failed_pages (url, source, reason) values (?, ?, 'timeout')",
               [items[4]["url"], items[4]["source"]])
    db.conn.commit()
    writer = ArchiveWriter(db, "test")
    items[2]["body"] += "\ud800"  # a lone surrogate: SQLite cannot store it
    # The fifth resolves a failed page: that happens once, and is remembered, although the
    # batch is written twice (whole, refused, then item by item).
    assert writer.write(items) == ["new", "new", "rejected", "new", "new", "new"]
    assert writer.counts["new"] == 5 and writer.counts["rejected"] == 1
    assert [r["url"] for r in writer.rejected] == [items[2]["url"]]
    assert "UnicodeEncodeError" in writer.rejected[0]["reason"]
    stored = [r[0] for r in db.execute("select url from articles order by id")]
    assert stored == [item["url"] for i, item in enumerate(items) if i != 2]
    assert db.execute("select count(*) from article_stems").fetchone()[0] == 5
    assert db.execute("select count(distinct article_id) from article_sketches").fetchone()[0] == 5
    assert db.execute("select resolved_at is not null from failed_pages").fetchone()[0] == 1
    assert items[4]["url"] not in writer.unresolved
    db.execute("insert into articles_fts(articles_fts) values ('integrity-check')")
    db.execute("insert into article_stems_fts(article_stems_fts) values ('integrity-check')")


def test_cached_stems_equal_pystemmer_on_every_replica_text():
    import Stemmer

    from indonesian.stemming import PUNCTUATION, stem_text

    stemmer = Stemmer.Stemmer("indonesian")
    for story in generate(650, 2024):
        text = f"{story.title} {story.body}"
        words = dict.fromkeys(text.lower().translate(PUNCTUATION).split())
        assert stem_text(text) == " ".join(dict.fromkeys(stemmer.stemWords(list(words))))
