"""Answers kept per version of the archive (archive/query_cache.py): served again only while
nothing has committed to the file, so every answer stays exact."""

import asyncio
import sqlite3
import subprocess
import sys

import pytest

from archive import query_cache
from archive.query_cache import ArchiveVersion, VersionedCache, cacheable
from tests.synthetic_site import answers_of, started_site


def test_the_version_changes_with_every_commit_from_any_connection(tmp_path):
    path = tmp_path / "a.db"
    writer = sqlite3.connect(path)
    writer.execute("pragma journal_mode=wal")
    writer.execute("create table t (x)")
    writer.commit()
    version = ArchiveVersion(path)
    first = version.current()
    assert version.current() == first  # nothing committed: same version
    writer.execute("insert into t values (1)")
    writer.commit()
    second = version.current()
    assert second != first
    subprocess.run([sys.executable, "-c", f"import sqlite3; c = sqlite3.connect({str(path)!r}); "
                    "c.execute('insert into t values (2)'); c.commit()"], check=True)
    assert version.current() not in (first, second)
    writer.execute("insert into t values (3)")  # not committed yet: nothing a reader sees changed
    assert version.current() == version.current()


def test_an_answer_is_served_only_for_its_version():
    cache = VersionedCache()
    calls = []

    async def compute():
        calls.append(1)
        return len(calls)

    async def run():
        assert await cache.get_or_compute(("q",), 1, compute, min_ms=0) == 1
        assert await cache.get_or_compute(("q",), 1, compute, min_ms=0) == 1
        assert await cache.get_or_compute(("q",), 2, compute, min_ms=0) == 2
        assert await cache.get_or_compute(("q",), None, compute, min_ms=0) == 3  # unknown version: never kept

    asyncio.run(run())
    assert len(calls) == 3


def test_concurrent_requests_for_one_missing_answer_compute_it_once():
    cache = VersionedCache()
    calls = []

    async def compute():
        calls.append(1)
        await asyncio.sleep(0.01)
        return "answer"

    async def run():
        return await asyncio.gather(*(cache.get_or_compute(("q",), 1, compute, min_ms=0) for _ in range(4)))

    assert asyncio.run(run()) == ["answer"] * 4 and len(calls) == 1


def test_a_failed_computation_is_not_kept_and_reaches_every_waiter():
    cache = VersionedCache()

    async def fails():
        await asyncio.sleep(0.01)
        raise RuntimeError("interrupted")

    async def run():
        return await asyncio.gather(*(cache.get_or_compute(("q",), 1, fails, min_ms=0) for _ in range(3)),
                                    return_exceptions=True)

    assert all(isinstance(r, RuntimeError) for r in asyncio.run(run()))
    assert cache.get(("q",), 1) is None


def test_the_cache_stays_within_its_bounds():
    cache = VersionedCache(max_entries=3, max_bytes=1000)
    for n in range(5):
        cache.put((n,), 1, n, 100)
    assert [cache.get((n,), 1) for n in range(5)] == [None, None, 2, 3, 4]
    cache.put(("big",), 1, "x", 400)  # more than a quarter of the bytes: not kept
    assert cache.get(("big",), 1) is None and cache.bytes <= 1000


@pytest.mark.parametrize("sql", ["select random()", "select date('now')", "select current_timestamp",
                                 "PRAGMA table_info(articles)", "select * from _internal.tables"])
def test_sql_that_is_not_a_function_of_the_archive_is_never_kept(sql):
    assert not cacheable(sql)
    assert cacheable("select count(*) from articles where rowid in (select rowid from articles_fts)")


PAGES = [
    "/archive/articles.json?_search=pilkada&_size=5",
    "/archive/articles.json?_search=pilkada&_facet=source&_facet=published_month&_size=5",
    "/archive/articles.json?_tag=election_types:pilkada&_size=5",
    "/archive/coverage_over_time.json?source=&region=&type=&stage=&_shape=array",
    "/-/cari.json?q=pilkada&size=5",
    "/-/cari/bulan.json?q=pilkada",
]


def _answer(data):
    """What a researcher reads on the page (not its timing)."""
    if isinstance(data, list):
        return data
    keep = ("filtered_table_rows_count", "rows", "total", "next")
    facets = {name: [(v["value"], v["count"]) for v in facet["results"]]
              for name, facet in (data.get("facet_results") or {}).items()}
    return {**{k: data.get(k) for k in keep}, "facets": facets}


@pytest.mark.slow
async def test_cached_pages_follow_every_write_and_equal_uncached_answers(tmp_path, monkeypatch):
    from archive.site import app
    from archive.store import ArchiveWriter

    monkeypatch.setattr(query_cache, "MIN_CACHED_MS", 0)  # keep every answer, however cheap
    path = tmp_path / "archive.db"
    items, db, site = await started_site(path, count=460, stored=400)
    cache = site.get_database("archive").execute.versioned_cache

    async def answers(datasette):
        return await answers_of(datasette, PAGES, _answer)

    before = await answers(site)
    hits = cache.hits
    assert await answers(site) == before and cache.hits > hits  # served again, unchanged

    election = [i for i in items[400:] if "pilkada" in i["election_types"]]
    assert len(election) >= 3
    ArchiveWriter(db).write(election)  # another connection commits: every kept answer is outdated
    db.close()
    after = await answers(site)
    assert after[PAGES[0]]["filtered_table_rows_count"] > before[PAGES[0]]["filtered_table_rows_count"]
    assert after[PAGES[4]]["total"] > before[PAGES[4]]["total"]

    monkeypatch.setenv("PILKADA_QUERY_CACHE", "0")
    fresh = app(path)
    await fresh.invoke_startup()
    fresh_cache = fresh.get_database("archive").execute.versioned_cache
    kept = (fresh_cache.hits, fresh_cache.bytes)
    assert await answers(fresh) == after and await answers(fresh) == after
    assert (fresh_cache.hits, fresh_cache.bytes) == kept  # turned off: nothing kept or served


def test_two_archive_files_never_share_a_version(tmp_path):
    versions = []
    for name in ("a.db", "b.db"):
        sqlite3.connect(tmp_path / name).execute("create table t (x)")
        versions.append(ArchiveVersion(tmp_path / name).current())
    assert versions[0] != versions[1]
