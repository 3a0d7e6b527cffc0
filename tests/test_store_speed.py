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


KILLED_LOAD = """
import os, signal, sys
from archive.connect import open_archive
from archive.store import ArchiveWriter
from bench.synth import synthetic_items
db = open_archive(sys.argv[1], migrate=True)
writer = ArchiveWriter(db, "bulk")
items = list(synthetic_items(90))
with writer.bulk():
    for start in range(0, 60, 20):
        writer.write(items[start:start + 20])
    os.kill(os.getpid(), signal.SIGKILL)  # half-way: three batches committed, nothing finished
"""


def _shape(db) -> list:
    return db.execute("select type, name, sql from sqlite_master where type in ('index', 'trigger') "
                      "order by name").fetchall()


def test_a_bulk_load_killed_half_way_is_finished_by_the_next_writer(tmp_path):
    import subprocess
    import sys

    from archive.connect import open_archive
    from archive.store import ArchiveWriter
    from bench.synth import synthetic_items

    path = tmp_path / "archive.db"
    shape = _shape(open_archive(path, migrate=True))
    killed = subprocess.run([sys.executable, "-c", KILLED_LOAD, str(path)], capture_output=True, text=True)
    assert killed.returncode == -9, killed.stderr
    db = open_archive(path)
    assert db.execute("select count(*) from articles").fetchone()[0] == 60
    assert len(_shape(db)) < len(shape)  # indexes and full-text triggers still dropped
    assert db.execute("select count(*) from archive_meta where key = 'bulk_load'").fetchone()[0] == 1
    assert db.execute("select count(*) from articles_fts where articles_fts match 'pemerintah'").fetchone()[0] == 0
    writer = ArchiveWriter(db, "next run")  # finishes the load before it writes
    assert _shape(db) == shape
    assert db.execute("select count(*) from archive_meta where key = 'bulk_load'").fetchone()[0] == 0
    for table in ("articles", "article_stems"):
        db.execute(f"insert into {table}_fts({table}_fts) values ('integrity-check')")
    matching = "select count(*) from articles where id in (select rowid from articles_fts where articles_fts match ?)"
    everything = db.execute("select count(*) from articles where body like '%pemerintah%'").fetchone()[0]
    assert db.execute(matching, ["pemerintah"]).fetchone()[0] == everything > 0
    stemmed = db.execute("select count(*) from article_stems where ' ' || stem || ' ' like '% perintah %'").fetchone()[0]
    assert db.execute("select count(*) from article_stems_fts where article_stems_fts match 'perintah'"
                      ).fetchone()[0] == stemmed > 0
    # The next run writes normally: indexed at once, and an update re-indexed by the triggers.
    items = list(synthetic_items(90))
    assert writer.write(items[60:]) == ["new"] * 30
    changed = {**items[0], "body": items[0]["body"] + " Kalimat baru tentang zyxkata.", "content_hash": "x"}
    assert writer.write([changed]) == ["updated"]
    db.execute("insert into articles_fts(articles_fts) values ('integrity-check')")
    assert db.execute(matching, ["zyxkata"]).fetchone()[0] == 1


def test_a_bulk_load_gives_the_archive_of_a_plain_load(tmp_path):
    """Also with the items prepared beforehand in another process (``prepared``, pickled as
    bench/synth.py's producer hands them over), the new articles, a copy and an update."""
    import pickle

    from archive.connect import open_archive
    from archive.store import ArchiveWriter, prepared
    from bench.synth import synthetic_items

    items = list(synthetic_items(120))
    copy = {**items[7], "url": items[7]["url"] + "-copy"}  # same release: an alias
    changed = {**items[3], "body": items[3]["body"] + " Tambahan.", "content_hash": "changed"}
    dumps = []
    for bulk, prepare in ((False, False), (True, False), (True, True)):
        db = open_archive(tmp_path / f"{bulk}-{prepare}.db", migrate=True)
        writer = ArchiveWriter(db, "test")

        def handed(batch, prepare=prepare):
            return pickle.loads(pickle.dumps([prepared(i) for i in batch])) if prepare else batch

        with writer.bulk() if bulk else _nothing():
            for start in range(0, 120, 40):
                writer.write(handed(items[start:start + 40]))
            writer.write(handed([copy, changed]))
        # Everything but the clock's times (first and last seen).
        columns = ", ".join(c for c in db["articles"].columns_dict if not c.endswith("_seen_at"))
        dumps.append([
            _shape(db),
            db.execute(f"select {columns} from articles order by id").fetchall(),
            db.execute("select * from article_versions order by id").fetchall(),
            db.execute("select url, article_id, host from article_aliases order by url").fetchall(),
            db.execute("select * from article_stems order by id").fetchall(),
            db.execute("select * from article_sketches order by rowid").fetchall(),
            db.execute("select * from article_regions order by 1, 2").fetchall(),
            db.execute("select rowid, * from articles_fts where articles_fts match 'tambahan OR pemerintah' "
                       "order by rowid").fetchall(),
            db.execute("select rowid from article_stems_fts where article_stems_fts match 'perintah' "
                       "order by rowid").fetchall(),
        ])
    assert dumps[0] == dumps[1] == dumps[2]
    assert dumps[0][3] and dumps[0][2]  # the copy and the version were written


def test_a_prepared_batch_written_again_item_by_item_gives_the_plain_outcomes(tmp_path):
    """A refused item makes the writer write its batch again, item by item: prepared rows are
    not used up by the first attempt (an update takes the URL out of its row)."""
    from archive.connect import open_archive
    from archive.store import ArchiveWriter, prepared
    from bench.synth import synthetic_items

    outcomes, bodies = [], []
    for prepare in (False, True):
        db = open_archive(tmp_path / f"{prepare}.db", migrate=True)
        writer = ArchiveWriter(db, "test")
        items = list(synthetic_items(5))
        writer.write(items[:2])
        batch = [{**items[0], "body": items[0]["body"] + " Ubah.", "content_hash": "changed"}, *items[2:]]
        batch[2] = {**batch[2], "body": batch[2]["body"] + "\ud800"}  # refused: a lone surrogate
        outcomes.append(writer.write([prepared(i) for i in batch] if prepare else batch))
        bodies.append(db.execute("select url, body, version from articles order by id").fetchall())
    assert outcomes[0] == outcomes[1] == ["updated", "new", "rejected", "new"]
    assert bodies[0] == bodies[1]


def _nothing():
    from contextlib import nullcontext

    return nullcontext()


def test_a_build_that_stores_fewer_articles_than_asked_fails_loudly(tmp_path, monkeypatch):
    """The 1M build's figure is only a figure of 1M articles: an article the writer refused
    (or took for a copy) stops the build with the writer's counts."""
    import pytest

    from bench import synth

    made = synth.synthetic_items

    def one_broken(count, seed=7):
        for number, item in enumerate(made(count, seed)):
            yield {**item, "body": item["body"] + "\ud800"} if number == 3 else item

    monkeypatch.setattr(synth, "synthetic_items", one_broken)
    with pytest.raises(RuntimeError, match="9 of 10 synthetic articles stored as new"):
        synth.build(str(tmp_path / "archive.db"), 10, batch=4)
