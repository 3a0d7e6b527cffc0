"""The archive's shape and its migrations, on small archives written through ArchiveWriter."""

from __future__ import annotations

import zlib

from sqlite_utils import Database

from archive.connect import open_archive
from archive.migrations import migrate
from archive.schema import fts_triggers
from archive.store import ArchiveWriter
from bench.synth import synthetic_items
from indonesian.similarity import SCHEME, shingles, sketch


def triggers(db: Database, table: str) -> dict[str, str]:
    return dict(db.execute("select name, sql from sqlite_master where type = 'trigger' and tbl_name = ?",
                           [table]).fetchall())


def matches(db: Database, words: str) -> list[int]:
    return [r[0] for r in db.execute("select rowid from articles_fts where articles_fts match ?", [words])]


def as_before(db: Database, step: str) -> None:
    """The archive as it was before a migration step was recorded."""
    db.execute("delete from _sqlite_migrations where name like ?", [step + "%"])


def test_new_rows_are_indexed_by_the_writer_and_edits_by_triggers(tmp_path):
    db = open_archive(str(tmp_path / "archive.db"), migrate=True)
    assert set(triggers(db, "articles")) == {"articles_ad", "articles_au"}
    items = list(synthetic_items(30))
    ArchiveWriter(db).write(items)
    first = db.execute("select id, title from articles order by id limit 1").fetchone()
    assert first[0] in matches(db, f'"{first[1].split()[0]}"')
    db.execute("update articles set title = 'Zyxwv tertulis' where id = ?", [first[0]])
    db.execute("update articles set last_seen_at = 'x', cluster_id = 7 where id = ?", [first[0]])
    assert matches(db, "zyxwv") == [first[0]]
    db.execute("delete from articles where id = ?", [first[0]])
    assert matches(db, "zyxwv") == []
    for fts in ("articles_fts", "article_stems_fts"):
        db.execute(f"insert into {fts}({fts}) values ('integrity-check')")


def test_old_insert_triggers_are_replaced_once(tmp_path):
    """Archives made by sqlite-utils' enable_fts(create_triggers=True) get the current triggers."""
    path = str(tmp_path / "archive.db")
    db = open_archive(path, migrate=True)
    for name in triggers(db, "articles"):
        db.execute(f"drop trigger [{name}]")
    db.execute("create trigger [articles_ai] after insert on [articles] begin "
               "insert into [articles_fts] (rowid, [title], [body]) values (new.rowid, new.[title], new.[body]); end")
    db.execute("create trigger [articles_au] after update on [articles] begin select 1; end")
    as_before(db, "m003")
    assert migrate(db) == ["m003_fts_triggers_for_deletes_and_text_edits_only"]
    assert migrate(db) == []  # recorded: never again
    assert triggers(db, "articles") == fts_triggers("articles")
    ArchiveWriter(db).write(list(synthetic_items(5)))
    # Indexed exactly once: a second index entry would fail the integrity check.
    db.execute("insert into articles_fts(articles_fts) values ('integrity-check')")
    assert db.execute("select count(*) from articles_fts where articles_fts match 'pemerintah'").fetchone()[0] > 0


def test_sketches_of_an_older_hashing_scheme_are_recomputed(tmp_path):
    path = str(tmp_path / "archive.db")
    db = open_archive(path, migrate=True)
    ArchiveWriter(db).write(list(synthetic_items(12)))
    expected = sorted(db.execute("select article_id, hash from article_sketches").fetchall())
    assert db.execute("select value from archive_meta where key = 'sketch_scheme'").fetchone()[0] == SCHEME
    with db.conn:
        db.execute("update article_sketches set hash = hash + 1")
        db.execute("update archive_meta set value = 'crc32-words-5' where key = 'sketch_scheme'")
        as_before(db, "m005")
    reopened = open_archive(path, migrate=True)
    assert sorted(reopened.execute("select article_id, hash from article_sketches").fetchall()) == expected
    body = reopened.execute("select body from articles where id = 1").fetchone()[0]
    assert sorted(h for a, h in expected if a == 1) == sketch(shingles(body))


def test_shingles_hash_five_word_windows_stably():
    text = "Komisi Pemilihan Umum menetapkan daftar pemilih tetap untuk pilkada serentak"
    assert len(shingles(text)) == len(text.split()) - 4
    assert shingles(text) == shingles(text.upper())
    assert shingles("terlalu pendek") == set()
    # Stored in archives, so defined by arithmetic (no per-process str hashing): Horner's rule
    # over the words' CRC32s with FNV's 64-bit prime, upper 32 bits.
    value = 0
    for word in ["satu", "dua", "tiga", "empat", "lima"]:
        value = (value * 0x100000001B3 + zlib.crc32(word.encode())) % 2**64
    assert shingles("Satu dua, tiga empat lima.") == {value // 2**32}


def test_facet_groups_add_up_per_column_and_per_array_value():
    from archive.facets import add_up, top

    specs = [("column", "source"), ("array", "types")]
    rows = [("mmc", '["pilkada", "pemilu"]', 3), ("mmc", '["pilkada", "pilkada"]', 2),
            ("kemendagri", "[]", 4), (None, "not json", 1), ("kemendagri", '{"a": 1}', 1)]
    counts = add_up(rows, specs)
    assert counts[specs[0]] == {"mmc": 5, "kemendagri": 5}
    assert counts[specs[1]] == {"pilkada": 5, "pemilu": 3}  # once per row, like Datasette's
    assert top(counts[specs[0]], 5) == [("kemendagri", 5), ("mmc", 5)]
    assert top({1: 2, "a": 2, 0: 1}, 2) == [(1, 2), ("a", 2)]  # numbers before text on ties


def test_an_archive_made_before_the_facet_index_gets_it_once(tmp_path):
    """An archive at main's shape (steps up to m013, no facet index, with statistics) is brought
    to the new one by m014, and the counts read through the index are the rows' counts."""
    from archive.search_plan import FACET_INDEX, counted_sql

    db = open_archive(str(tmp_path / "archive.db"), migrate=True)
    ArchiveWriter(db).write(list(synthetic_items(60)))
    db.execute(f"drop index [{FACET_INDEX}]")
    db.execute("analyze")
    as_before(db, "m014")
    assert migrate(db) == ["m014_index_of_the_facet_columns"]
    assert migrate(db) == []
    assert db.execute("select 1 from sqlite_stat1 where idx = ?", [FACET_INDEX]).fetchone()
    where = "election_types in (:a)"
    params = {"a": '["pilkada"]'}
    assert (db.execute(counted_sql(where), params).fetchone()[0]
            == db.execute(f"select count(*) from articles where {where}", params).fetchone()[0] > 0)
