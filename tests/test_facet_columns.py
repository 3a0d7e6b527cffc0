"""The facet columns in memory (archive/facet_columns.py) give exactly the answers of the plain
SQL they stand in for: research totals and attention over time, table counts and facets, over
an archive with new versions of articles, takedowns, copies from another host and a deleted row,
and never an answer of an earlier version after a write."""

import asyncio
import json
import sqlite3
from collections import Counter

import pytest
from datasette.utils import escape_fts

from archive import query_cache
from archive.facet_columns import FacetColumns, read_snapshot, search_mask, table_mask
from archive.research import TOTALS_SQL, Search, attention_sql, count_sql
from archive.search_plan import FTS_CLAUSE
from tests.synthetic_site import answers_of, started_site

pytestmark = pytest.mark.slow  # builds an archive of 500 articles: not in `make test-fast`

SEARCHES = [
    Search(),
    Search(q="pilkada"),
    Search(q="pemilihan kampanye"),
    Search(q="pilkada OR pilgub -kampanye"),
    Search(q='"politik uang"'),
    Search(q="(pilkada OR pemilu) NOT bawaslu"),
    Search(q="zzzz"),
    Search(q="pilkada", source="mmc_kobar"),
    Search(q="pilkada", source="kemendagri", type="pilkada", region="62"),
    Search(q="pemilihan", region="62.01", date_from="2020-01", date_to="2023-06-15"),
    Search(q="", date_from="2024-02-29"),
    Search(q="pilkada", date_to="2019-12"),
    Search(q="pemilihan", stage="kampanye", stage_column="focus_stage"),
    Search(q="pemilihan", stage="kampanye"),
    Search(q="", mentions="pemungutan_suara", type="pilkada"),
    Search(q="pilkada", region="32"),
]


def _archive(path):
    """500 synthetic articles, then: 20 new versions (other text and tags), 10 takedowns, 10
    copies of known releases from another host, one article deleted outright."""
    from archive.connect import open_archive
    from archive.store import ArchiveWriter, mark_removed
    from bench.synth import synthetic_items

    items = list(synthetic_items(500))
    db = open_archive(str(path), migrate=True)
    ArchiveWriter(db).write(items)
    edited = []
    for item in items[:20]:
        types = ["pilgub"] if "pilkada" in item["election_types"] else ["pilkada"]
        edited.append({**item, "body": item["body"] + " Kampanye pilgub bawaslu.", "election_types": types,
                       "content_hash": item["content_hash"] + "-2"})
    ArchiveWriter(db).write(edited)
    for item in items[20:30]:
        mark_removed(db, item["url"])
    ArchiveWriter(db).write([{**item, "url": item["url"].replace("https://", "https://portal.")}
                             for item in items[30:40]])
    with db.conn:
        db.conn.execute("delete from articles where id = (select max(id) from articles)")
    db.close()
    return items


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("columns") / "archive.db"
    _archive(path)
    return path


def _connection(path):
    conn = sqlite3.connect(path)
    conn.create_function("escape_fts", 1, escape_fts)
    return conn


def _snapshot(path):
    snapshot = read_snapshot(path, query_cache.version_of(path))
    assert snapshot is not None
    return snapshot


def test_the_archive_has_versions_takedowns_copies_and_a_deleted_row(archive):
    conn = _connection(archive)
    assert conn.execute("select count(*) from articles where version = 2").fetchone()[0] == 20
    assert conn.execute("select count(*) from articles where removed_at is not null").fetchone()[0] == 10
    assert conn.execute("select count(*) from article_aliases").fetchone()[0] >= 10
    assert conn.execute("select count(*) from articles").fetchone()[0] == 499


@pytest.mark.parametrize("search", SEARCHES, ids=lambda s: repr({k: v for k, v in vars(s).items() if v}))
def test_research_totals_and_attention_equal_sql(archive, search):
    conn = _connection(archive)
    snapshot = _snapshot(archive)
    mask = search_mask(conn, snapshot, search)
    assert mask is not None
    assert int(mask.sum()) == conn.execute(*count_sql(search)).fetchone()[0]
    assert sorted(snapshot.month_source_counts(mask)) == sorted(conn.execute(*attention_sql(search)).fetchall())
    assert sorted(snapshot.month_source_counts(None)) == sorted(conn.execute(TOTALS_SQL).fetchall())


def test_the_searches_are_not_all_empty_or_everything(archive):
    conn = _connection(archive)
    totals = {conn.execute(*count_sql(s)).fetchone()[0] for s in SEARCHES}
    assert 0 in totals and 499 in totals and len(totals) >= 10


SPECS = [("column", c) for c in ("source", "published_month", "election_related", "focus_stage", "date_confidence")] + \
    [("array", c) for c in ("election_types", "election_stages", "institutions", "places")]


def _sql_facets(conn, where: str, params: dict) -> dict:
    """Each facet as Datasette counts it: one query per column over the rows of the page."""
    out = {}
    for kind, column in SPECS:
        if kind == "column":
            sql = f"select [{column}], count(*) from articles where {where} and [{column}] is not null group by 1"
        else:
            sql = (f"select j.value, count(distinct a.id) from (select id, [{column}] as v from articles "
                   f"where {where}) a, json_each(a.v) j group by j.value")
        out[(kind, column)] = Counter(dict(conn.execute(sql, params).fetchall()))
    return out


@pytest.mark.parametrize("where, params", [
    ("1", {}),
    (FTS_CLAUSE, {"search": "pilkada"}),
    (FTS_CLAUSE, {"search": "Kotawaringin pilkada"}),
    (FTS_CLAUSE, {"search": 'pilkada" OR "zzz'}),  # escaped: a phrase, never an operator
    (f"{FTS_CLAUSE} and \"source\" = :p0", {"search": "pemilihan", "p0": "kemendagri"}),
    ("\"election_related\" = :p0", {"p0": "1"}),
    ("[election_types] in (:t0, :t1)", {"t0": '["pilkada"]', "t1": '["pilgub"]'}),
    (f"{FTS_CLAUSE} and [places] in (:t0) and \"published_month\" = :p1",
     {"search": "pemilihan", "t0": '["62 Kalimantan Tengah", "62.01 Kabupaten Kotawaringin Barat"]', "p1": "2022-03"}),
])
def test_table_counts_and_facets_equal_sql(archive, where, params):
    conn = _connection(archive)
    snapshot = _snapshot(archive)
    mask = None if where == "1" else table_mask(conn, snapshot, where, params)
    assert where == "1" or mask is not None
    expected = conn.execute(f"select count(*) from articles where {where}", params).fetchone()[0]
    assert (snapshot.size if mask is None else int(mask.sum())) == expected
    assert snapshot.counts(mask, SPECS) == _sql_facets(conn, where, params)


@pytest.mark.parametrize("where, params", [
    ("\"election_related\" = :p0", {"p0": "1.0"}),  # SQLite's numeric text conversion: not reproduced
    ("\"source\" = :p0", {"p0": 1}),
    ("\"title\" = :p0", {"p0": "x"}),  # not a facet column
])
def test_what_it_cannot_reproduce_is_left_to_sqlite(archive, where, params):
    assert table_mask(_connection(archive), _snapshot(archive), where, params) is None


def test_after_a_write_no_earlier_answer_is_given(tmp_path):
    """A commit makes the snapshot stale at once: ``current`` answers None (SQLite answers) until
    the snapshot of the new version is read, and that one equals SQL again."""
    from archive.connect import open_archive
    from archive.store import ArchiveWriter
    from bench.synth import synthetic_items

    path = tmp_path / "archive.db"
    items = list(synthetic_items(160))
    db = open_archive(str(path), migrate=True)
    ArchiveWriter(db).write(items[:120])
    columns = FacetColumns()
    search = Search(q="pilkada")

    async def run():
        first = await columns.ready(str(path))
        conn = _connection(path)
        before = conn.execute(*count_sql(search)).fetchone()[0]
        assert int(search_mask(conn, first, search).sum()) == before
        ArchiveWriter(db).write([i for i in items[120:] if "pilkada" in i["election_types"]])
        assert columns.current(str(path)) is None  # stale: never served, a new one is being read
        second = await columns.ready(str(path))
        after = conn.execute(*count_sql(search)).fetchone()[0]
        assert after > before and int(search_mask(conn, second, search).sum()) == after
        assert columns.current(str(path)) is second

    asyncio.run(run())
    db.close()


PAGES = [
    "/archive/articles.json?_search=pilkada&_size=5",
    "/archive/articles.json?_search=pemilihan&_facet=source&_facet=published_month&_size=5",
    "/archive/articles.json?_facet=source&_facet=published_month&_facet=election_related&_size=5",
    "/archive/articles.json?_search=pilkada&source=kemendagri&_facet=published_month&_facet=date_confidence",
    "/archive/articles.json?_tag=election_types:pilkada&_size=5",
    "/archive/articles.json?_tag=election_types:pilgub&source=kemendagri&_size=5",
    "/archive/articles.json?_size=5",
    "/-/cari.json?q=pilkada&size=5",
    "/-/cari.json?q=pemilihan&source=mmc_kobar&type=pilkada&region=62&size=5",
    "/-/cari/bulan.json?q=pilkada OR pilgub",
    "/-/cari/bulan.json?q=kampanye&region=62.01&from=2021-01",
    "/archive/coverage_over_time.json?source=&region=62&type=pilkada&stage=&_shape=array",
    "/archive/coverage_over_time.json?source=kemendagri&region=&type=&stage=",
    "/archive/cari.json?q=pemilihan&source=&_shape=array",
    "/archive/cari.json?q=memilih kampanye&source=mmc_kobar",
]


def _answer(data):
    if isinstance(data, list):
        return data
    keep = ("filtered_table_rows_count", "rows", "total", "next", "columns")
    facets = {name: [(str(v["value"]), v["count"]) for v in facet["results"]]
              for name, facet in (data.get("facet_results") or {}).items()}
    return {**{k: data.get(k) for k in keep}, "facets": facets}


async def test_the_site_answers_as_without_them_and_follows_a_write(tmp_path, monkeypatch):
    """Through Datasette: the pages answered from the columns in memory equal the pages of a
    site with nothing kept (PILKADA_QUERY_CACHE=0), before a write, right after it (the stale
    snapshot is not used) and once the new snapshot is read."""
    from archive.facet_columns import COLUMNS_IN_MEMORY, USED
    from archive.site import app
    from archive.store import ArchiveWriter

    path = tmp_path / "archive.db"
    items, db, site = await started_site(path, count=300, stored=260)
    assert COLUMNS_IN_MEMORY.current(str(path.resolve())) is not None  # read at startup

    async def answers(datasette):
        return await answers_of(datasette, PAGES, _answer)

    async def plain():
        monkeypatch.setenv("PILKADA_QUERY_CACHE", "0")
        try:
            fresh = app(path)
            await fresh.invoke_startup()
            return await answers(fresh)
        finally:
            monkeypatch.delenv("PILKADA_QUERY_CACHE")

    used = USED["answered"]
    assert await answers(site) == await plain()
    assert USED["answered"] >= used + len(PAGES)  # each page's counts came from memory
    ArchiveWriter(db).write([i for i in items[260:] if i["election_types"]])
    db.close()
    expected = await plain()
    assert await answers(site) == expected  # right after the write
    await COLUMNS_IN_MEMORY.ready(str(path.resolve()))
    assert COLUMNS_IN_MEMORY.current(str(path.resolve())) is not None
    assert await answers(site) == expected  # from the new snapshot
    assert json.dumps(expected)  # plain data


@pytest.mark.parametrize("search", SEARCHES[:10], ids=lambda s: repr({k: v for k, v in vars(s).items() if v}))
def test_every_plan_of_a_research_page_gives_the_same_rows(archive, search):
    """Sorting the matches, walking by date against the list of matches, and walking by date
    looking each article up in the index (archive/research.py page_sql): the same pages."""
    from archive.research import page_sql

    conn = _connection(archive)
    conn.row_factory = sqlite3.Row
    where, params = search.where()
    expected = [r[0] for r in conn.execute(f"select a.id from articles a where {where} order by a.sort_key desc",
                                           params)]
    for broad, most in ((False, False), (True, False), (True, True)):
        seen, after = [], None
        while True:
            rows = conn.execute(*page_sql(search, 40, after, broad, most)).fetchall()
            seen += [r["id"] for r in rows[:40]]
            if len(rows) <= 40:
                break
            after = rows[39]["sort_key"]
        assert seen == expected, (broad, most)


@pytest.mark.parametrize("params", [
    {"source": "", "region": "", "type": "", "stage": ""},
    {"source": "mmc_kobar", "region": "", "type": "", "stage": ""},
    {"source": "", "region": "62", "type": "pilkada", "stage": ""},
    {"source": "kemendagri", "region": "62.01", "type": "", "stage": "kampanye"},
    {"source": "", "region": "6_", "type": "", "stage": ""},  # LIKE's wildcard, as the SQL means it
    {"source": "", "region": "32", "type": "pilgub", "stage": "pemungutan_suara"},
    {"source": "nobody", "region": "", "type": "", "stage": ""},
])
def test_coverage_over_time_equals_its_canned_query(archive, params):
    from archive.facet_columns import coverage, coverage_sql

    conn = _connection(archive)
    expected = conn.execute(coverage_sql(), params).fetchall()
    assert coverage(conn, _snapshot(archive), params) == expected


def test_a_long_list_of_matches_passes_the_sites_length_limit_which_is_then_restored(archive):
    """The site limits the strings SQL may build (archive/plugins/guard.py); the ids of a broad
    match are read past it, and the limit is back for the next statement."""
    from archive.facet_columns import answered

    conn = _connection(archive)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 200)
    snapshot = _snapshot(archive)

    class Database:
        path = str(archive)

        async def execute_fn(self, fn):
            return fn(conn)

    search = Search(q="pemilihan")
    found = asyncio.run(answered(Database(), snapshot, lambda c, s: int(search_mask(c, s, search).sum())))
    assert found == conn.execute(*count_sql(search)).fetchone()[0] > 100
    assert conn.getlimit(sqlite3.SQLITE_LIMIT_LENGTH) == 200
    with pytest.raises(sqlite3.DataError):
        conn.execute("select group_concat(id) from articles").fetchone()


@pytest.mark.parametrize("search", SEARCHES, ids=lambda s: repr({k: v for k, v in vars(s).items() if v}))
def test_research_pages_from_memory_equal_the_sql_pages(archive, search):
    """Every page (keyset, 30 at a time, and from a cut between two dates) and its total."""
    from archive.facet_columns import research_page
    from archive.research import COLUMNS, page_sql

    conn = _connection(archive)
    snapshot = _snapshot(archive)
    total = conn.execute(*count_sql(search)).fetchone()[0]
    for after in (None, "2022-06-15|999999999999", "2024-01-01"):
        pages = 0
        while True:
            cursor = conn.execute(*page_sql(search, 30, after))
            names = [d[0] for d in cursor.description]
            expected = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            found = research_page(conn, snapshot, search, 30, after, COLUMNS, "substr(a.body, 1, 280) as snippet")
            assert found == (total, expected)
            pages += 1
            if len(expected) <= 30:
                break
            after = expected[29]["sort_key"]
        assert pages >= (total > 30)


async def test_each_server_process_reads_them_when_it_starts(archive, monkeypatch):
    """uvicorn's lifespan start runs the plugins' startup: the facet columns are in memory
    before the first connection is accepted (in every worker process)."""
    from archive.facet_columns import COLUMNS_IN_MEMORY
    from archive.site import ARCHIVE_ENV, asgi_app

    monkeypatch.setenv(ARCHIVE_ENV, str(archive))
    COLUMNS_IN_MEMORY._snapshots.clear()
    application = asgi_app()
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent = []

    async def receive():
        return messages.pop(0)

    async def send(message):
        sent.append(message["type"])

    await application({"type": "lifespan"}, receive, send)
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert COLUMNS_IN_MEMORY.current(str(archive.resolve())) is not None


def test_an_archive_not_shaped_for_them_is_served_by_sqlite(tmp_path):
    """An archive without the tables or columns the snapshot reads (never migrated): no
    snapshot, no error; SQLite answers."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("create table articles (id integer primary key, source text, title text)")
    conn.execute("insert into articles (source, title) values ('mmc_kobar', 'x')")
    conn.commit()
    columns = FacetColumns()
    assert asyncio.run(columns.ready(str(path))) is None


async def test_a_repeated_research_question_is_answered_from_the_kept_answers(tmp_path, monkeypatch):
    """Answers computed from the snapshot are kept for its version like every other read: the
    second time, nothing is computed; after a write, the answer is computed again."""
    from archive.facet_columns import KEPT
    from archive.store import ArchiveWriter

    monkeypatch.setattr(query_cache, "MIN_CACHED_MS", 0)
    items, db, site = await started_site(tmp_path / "archive.db", count=200, stored=150)
    page = "/-/cari.json?q=pilkada&region=62&size=5"
    first = (await site.client.get(page)).json()
    misses, hits = KEPT.misses, KEPT.hits
    assert (await site.client.get(page)).json() == first
    assert KEPT.misses == misses and KEPT.hits > hits
    ArchiveWriter(db).write(items[150:])
    db.close()
    after = (await site.client.get(page)).json()
    assert after["total"] > first["total"]
