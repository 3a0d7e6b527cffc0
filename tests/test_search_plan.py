"""The faster plan of the articles table's search pages (archive/search_plan.py) returns the rows
Datasette's own SQL returns, in the same order, on every page, for broad and narrow searches."""

import sqlite3

import pytest
from datasette.utils import escape_fts

from archive.search_plan import faster_page, searched_page

pytestmark = pytest.mark.slow  # builds an archive of 1,200 articles: not in `make test-fast`

COLUMNS = "id, url, title, published_date, source, sort_key"
FTS = "rowid in (select rowid from articles_fts where articles_fts match escape_fts(:search))"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    from archive.connect import open_archive
    from archive.store import ArchiveWriter
    from bench.synth import synthetic_items

    path = tmp_path_factory.mktemp("plan") / "archive.db"
    db = open_archive(str(path), migrate=True)
    ArchiveWriter(db).write(list(synthetic_items(1200)))
    db.close()
    conn = sqlite3.connect(path)
    conn.create_function("escape_fts", 1, escape_fts)
    return conn


def datasette_page(search: str, size: int, after: tuple | None, extra: str = "") -> str:
    """The SQL Datasette 0.65 asks for a newest-first search page (first page, then keyset)."""
    where = FTS + extra
    if after is None:
        return f"select {COLUMNS} from articles where {where} order by sort_key desc limit {size + 1}"
    return (f"select {COLUMNS} from articles where {where} and (sort_key < :p2 or sort_key is null or "
            f"(sort_key = :p2 and ((id > :p1)))) order by sort_key desc, id limit {size + 1}")


@pytest.mark.parametrize("search", ["pilkada", "pemerintah", "Kotawaringin pilkada", "memilih", "zzzz"])
@pytest.mark.parametrize("size", [7, 50])
@pytest.mark.parametrize("extra", ["", " and \"source\" = :p0"])
def test_every_page_has_the_rows_of_datasettes_sql(archive, search, size, extra):
    params = {"search": search, "p0": "kemendagri"}
    expected = [r[0] for r in archive.execute(
        f"select id from articles where {FTS}{extra} order by sort_key desc", params)]
    for broad, most in ((True, True), (True, False), (False, False)):
        seen, after = [], None
        while True:
            sql = datasette_page(search, size, after, extra)
            page = searched_page(sql)
            assert page is not None
            ours = archive.execute(faster_page(page, broad, most), {**params, **_keyset(after)}).fetchall()
            theirs = archive.execute(sql, {**params, **_keyset(after)}).fetchall()
            assert ours == theirs
            seen += [r[0] for r in ours[:size]]
            if len(ours) <= size:
                break
            after = (ours[size - 1][0], ours[size - 1][5])
        assert seen == expected


def _keyset(after):
    return {"p1": str(after[0]), "p2": after[1]} if after else {}


@pytest.mark.parametrize("sql", [
    f"select {COLUMNS} from articles where {FTS} order by id limit 51",  # another order
    f"select {COLUMNS} from articles where source = :p0 order by sort_key desc limit 51",  # no search
    f"select count(*) from articles where {FTS}",
])
def test_other_sql_is_left_as_it_is(sql):
    assert searched_page(sql) is None


@pytest.mark.parametrize("where", [
    FTS,
    f"{FTS} and election_types in (:t0, :t1)",
    "election_types in (:t0, :t1)",
    f"{FTS} and \"source\" = :p0",
])
def test_counts_and_facets_from_the_facet_index_equal_those_of_the_rows(archive, where):
    from archive.facets import add_up, one_pass_sql
    from archive.search_plan import FACET_COLUMNS, counted_sql, covered_where, facets_sql

    params = {"search": "pilkada", "p0": "kemendagri", "t0": '["pilkada"]', "t1": '["pemilu", "pilkada"]'}
    sql = f"select * from articles where {where}"
    assert covered_where(sql) == where
    plain = archive.execute(f"select count(*) from articles where {where}", params).fetchone()[0]
    assert archive.execute(counted_sql(where), params).fetchone()[0] == plain > 0
    specs = [("array" if c in ("election_types", "election_stages", "institutions", "places") else "column", c)
             for c in FACET_COLUMNS]
    columns = [c for _, c in specs]
    assert (add_up(archive.execute(facets_sql(where, columns), params).fetchall(), specs)
            == add_up(archive.execute(one_pass_sql(sql, columns), params).fetchall(), specs))


@pytest.mark.parametrize("where", [
    "title like :p0",  # a column the index does not hold
    f"{FTS} or source = :p0",
    f"{FTS} and author = :p0",
])
def test_filters_the_facet_index_cannot_answer_are_left_to_the_rows(where):
    from archive.search_plan import covered_where

    assert covered_where(f"select * from articles where {where}") is None
