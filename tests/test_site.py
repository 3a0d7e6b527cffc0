"""Cite, follow, the home page, the dashboard's numbers and a server that stays up, through
Datasette's test client on real crawls of the replica."""

from __future__ import annotations

import asyncio
import html
import json
import re
import shutil
import time
import urllib.parse
from collections import Counter
from datetime import date

import bibtexparser
import feedparser
import pytest
from datasette.utils import PrefixedUrlString
from sqlite_utils import Database

from archive.atom import parse_moment
from archive.site import app
from tests.conftest import run_crawl, start_replica

pytestmark = pytest.mark.slow  # crawls, browsers or benchmarks: not in `make test-fast`


async def started(path, **settings):
    datasette = app(path)
    for key, value in settings.items():
        datasette._settings[key] = value
    await datasette.invoke_startup()
    return datasette


@pytest.fixture
async def site(crawled):
    return await started(crawled[0])


@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    """An archive crawled twice; between the crawls the newest Kemendagri article was edited."""
    replica = start_replica()
    try:
        path = tmp_path_factory.mktemp("edited") / "archive.db"
        assert run_crawl(path, replica).returncode == 0
        newest = max((a for a in replica.manifest()["articles"] if a["source"] == "kemendagri"),
                     key=lambda a: a["published_date"])
        replica.control(action="edit", url=newest["url"], title="Judul Setelah Diralat",
                        text="Kalimat tambahan setelah ralat.")
        result = run_crawl(path, replica, "--since", "2000-01-01")
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        replica.server.shutdown()
    return path, newest


def meta_tags(page: str) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = {}
    for name, content in re.findall(r'<meta (?:name|property)="([^"]+)" content="([^"]*)">', page):
        tags.setdefault(name, []).append(html.unescape(content))
    return tags


def links(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', page)]


# --- Cite --------------------------------------------------------------------------------------

async def test_an_article_page_cites_the_article(site, crawled):
    article = next(Database(crawled[0]).query(
        "select * from articles where source = 'mmc_kobar' and captions != '[]' order by id limit 1"))
    response = await site.client.get(f"/archive/articles/{article['id']}")
    assert response.status_code == 200
    page = response.text
    title = html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1))
    assert title.startswith(article["title"]) and "archive: articles" not in title
    day = date.fromisoformat(article["published_date"])
    indonesian = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"][day.weekday()]
    published = re.search(r'<dd class="published">(.*?)</dd>', page, re.S).group(1)
    assert f">{indonesian}, {day.day} " in published and article["published_date"] in published
    visible = re.sub(r"<[^>]+>", "", published)
    assert visible.count(str(day.year)) == 2  # the Indonesian date and the ISO one, once each
    # Captions in their own block, not in the body.
    body = re.search(r'<div class="article-body">(.*?)</div>', page, re.S).group(1)
    for caption in json.loads(article["captions"]):
        assert html.escape(caption, quote=False) not in body
        assert html.escape(caption, quote=False) in re.search(r'<aside class="article-captions".*?</aside>', page, re.S).group(0)
    # Zotero's connector reads the Highwire tags.
    tags = meta_tags(page)
    assert tags["citation_title"] == [article["title"]]
    assert tags["citation_publication_date"] == [day.strftime("%Y/%m/%d")]
    assert tags["citation_public_url"] == [article["url"]]
    assert tags["citation_publisher"] == ["Dinas Komunikasi dan Informatika Kabupaten Kotawaringin Barat"]
    permalink = f"http://localhost/archive/articles/{article['id']}"
    assert tags["citation_fulltext_html_url"] == [permalink]
    # The BibTeX block parses and says what the archive holds.
    bib = html.unescape(re.search(r'<pre class="cite-bibtex">(.*?)</pre>', page, re.S).group(1))
    library = bibtexparser.parse_string(bib)
    assert library.failed_blocks == [] and len(library.entries) == 1
    fields = {k: f.value for k, f in library.entries[0].fields_dict.items()}
    assert fields["url"] == article["url"] and fields["date"] == article["published_date"]
    assert fields["urldate"] == article["fetched_at"][:10] and permalink in fields["note"]
    ris = html.unescape(re.search(r'<pre class="cite-ris">(.*?)</pre>', page, re.S).group(1))
    assert f"UR  - {article['url']}" in ris and f"N1  - Archived copy, version 1: {permalink}" in ris


async def test_canned_query_pages_are_titled_by_their_title(site):
    page = (await site.client.get("/archive/cari?q=pilih&source=")).text
    assert "<title>Cari berita (dengan kata dasar) / Stemmed search</title>" in page


# --- Follow ------------------------------------------------------------------------------------

async def test_feeds_are_atom_with_distinct_titles_found_from_every_page(site, crawled):
    db = Database(crawled[0])
    for path in ("/", "/archive", "/archive/articles", "/archive/articles/1"):
        page = (await site.client.get(path)).text
        feeds = re.findall(r'<link rel="alternate" type="application/atom\+xml" title="([^"]+)" href="([^"]+)">', page)
        assert len(feeds) == 2, path
    parsed = {}
    for title, href in feeds:
        response = await site.client.get(html.unescape(href))
        assert response.status_code == 200 and response.headers["content-type"] == "application/atom+xml; charset=utf-8"
        feed = feedparser.parse(response.text)
        assert not feed.bozo and feed.entries
        parsed[html.unescape(title)] = feed
    general, election = parsed.values()
    assert general.feed.title != election.feed.title and "pemilihan" in election.feed.title.lower()
    urls = [e.link for e in election.entries]
    flags = {r["url"]: r["election_related"] for r in db.query("select url, election_related from articles")}
    assert all(flags[u] == 1 for u in urls) and len(urls) == min(50, sum(flags.values()))
    newest = max(parse_moment(e.updated) for e in general.entries)
    assert parse_moment(general.feed.updated) == newest


async def test_a_feed_stays_valid_with_control_characters_in_a_title_and_lead(crawled, tmp_path):
    path = tmp_path / "archive.db"
    shutil.copy(crawled[0], path)
    db = Database(path)
    newest = next(db.query("select id, title, body from articles order by published_date desc, id desc limit 1"))
    db.execute("update articles set title = ?, body = ? where id = ?",
               ["Ju\x00dul\x01 \x1b[31mmerah", "Le\x0bad\x7f " + newest["body"], newest["id"]])
    db.conn.commit()
    site = await started(path)
    for query in ("election=", "election=1"):
        response = await site.client.get(f"/archive/berita_terbaru.atom?{query}")
        assert response.status_code == 200
        feed = feedparser.parse(response.text)
        assert not feed.bozo, feed.bozo_exception
    titles = [e.title for e in feedparser.parse((await site.client.get("/archive/berita_terbaru.atom?election=")).text).entries]
    assert titles[0] == "Judul [31mmerah"


async def test_an_edit_dates_its_feed_entry_and_shows_as_a_diff(edited):
    path, article = edited
    db = Database(path)
    row = next(db.query("select * from articles where url = ?", [article["url"]]))
    assert row["version"] == 2 and row["title"] == "Judul Setelah Diralat"
    second_run = next(db.query("select finished_at from crawl_runs where source = 'kemendagri' order by id desc limit 1"))
    site = await started(path)
    feed = feedparser.parse((await site.client.get("/archive/berita_terbaru.atom?election=")).text)
    entry = next(e for e in feed.entries if e.link == article["url"])
    assert entry.title == "Judul Setelah Diralat"
    assert parse_moment(entry.updated) == parse_moment(second_run["finished_at"])
    assert parse_moment(entry.published) < parse_moment(entry.updated)
    assert parse_moment(feed.feed.updated) == parse_moment(second_run["finished_at"])
    history = (await site.client.get(f"/-/history/{row['id']}")).text
    diff = html.unescape(re.search(r'<pre class="diff">(.*?)</pre>', history, re.S).group(1))
    assert re.search(r'<span class="add">\+Judul Setelah Diralat</span>', diff)
    assert re.search(rf'<span class="del">-{re.escape(article["title"])}</span>', diff)
    assert "Kalimat tambahan setelah ralat." in diff


# --- Home page -----------------------------------------------------------------------------------

async def test_the_home_page_works_under_another_database_name_and_a_base_url(crawled, tmp_path):
    path = tmp_path / "pilkada_kobar.db"
    shutil.copy(crawled[0], path)
    site = await started(path, base_url="/arsip/")
    page = (await site.client.get("/")).text  # the test client adds base_url
    local = sorted({h for h in links(page) if h.startswith("/")})
    assert local and all(h.startswith("/arsip/") for h in local), local
    assert not any("/archive/" in h or "/archive?" in h for h in links(page))
    for href in local:
        response = await site.client.get(PrefixedUrlString(href))  # already prefixed
        assert response.status_code == 200, href
    # What it covers, counted.
    db = Database(path)
    total = db.execute("select count(*) from articles").fetchone()[0]
    assert f"<strong>{total:,}</strong> artikel" in page
    first, last = db.execute("select min(published_date), max(published_date) from articles").fetchone()
    assert f"{first} – {last}" in page
    for source, count in db.execute("select source, count(*) from articles group by source"):
        row = re.search(rf'<tr class="source-{source}">(.*?)</tr>', page, re.S).group(1)
        assert f"<td>{count:,}" in row and "health-ok" in row
    # Internal tables are not offered; licences say whose texts are whose.
    for internal in ("articles_fts", "article_stems", "archive_meta", "article_sketches"):
        assert f"/{internal}" not in page
    assert "Teks berita milik penerbitnya" in page and "hanya data wilayah" in page
    for form_action in re.findall(r'<form action="([^"]+)"', page):
        assert form_action.startswith("/arsip/")


# --- Dashboard -----------------------------------------------------------------------------------

FILTERS = [{}, {"source": "mmc_kobar"}, {"date_start": "2019-01-01", "date_end": "2024-12-31"},
           {"source": "kemendagri", "date_start": "2021-03-15"}, {"date_end": "2020-06-30"}]


def _months(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}-01")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def expected_charts(db: Database, filters: dict) -> dict:
    """The dashboard's numbers computed plainly from the articles, with the same filters."""
    rows = [r for r in db.query("select * from articles")
            if (not filters.get("source") or r["source"] == filters["source"])
            and (not filters.get("date_start") or (r["published_date"] or "") >= filters["date_start"])
            and (not filters.get("date_end") or (r["published_date"] or "9") <= filters["date_end"])]
    months = Counter(r["published_month"] for r in rows if r["published_month"])
    election_months = Counter(r["published_month"] for r in rows if r["published_month"] and r["election_related"])
    first = filters.get("date_start", "")[:7] or min(months, default=None)
    last = filters.get("date_end", "")[:7] or max(months, default=None)
    series = _months(first, last) if first and last else []
    per_month = [{"month": m, "kind": kind, "articles": counter[m[:7]]}
                 for m in series for kind, counter in (("semua / all", months), ("pemilihan / election", election_months))]
    region_rows = db.execute("select r.article_id, g.name from article_regions r join regions g "
                             "on g.code = substr(r.code, 1, 2)").fetchall()
    election_ids = {r["id"] for r in rows if r["election_related"]}
    provinces = Counter(name for name, _ in {(name, a) for a, name in region_rows if a in election_ids})
    return {
        "total": [{"count": len(rows)}],
        "election": [{"count": len(election_ids)}],
        "per-month": per_month,
        "per-source": [{"source": s, "articles": sum(1 for r in rows if r["source"] == s),
                        "election": sum(r["election_related"] for r in rows if r["source"] == s)}
                       for s in sorted({r["source"] for r in rows})],
        "per-province": [{"province": p, "articles": n}
                         for p, n in sorted(provinces.items(), key=lambda pn: (-pn[1], pn[0]))[:12]],
    }


async def dashboard_charts(site, query: dict) -> dict:
    """Each chart's SQL as the dashboard page hands it to the browser, run as the browser runs it."""
    page = (await site.client.get("/-/dashboards/liputan?" + urllib.parse.urlencode(query))).text
    results = {}
    for slug, chart, query_string, _ in re.findall(r"renderChart\('([^']+)', (\{.*\}), '([^']*)', '([^']*)'\)", page):
        chart = json.loads(chart)
        url = f"/{chart['db']}.json?sql={urllib.parse.quote(chart['query'])}&{html.unescape(query_string)}&_shape=objects"
        response = await site.client.get(url)
        assert response.status_code == 200, (slug, response.text)
        results[slug] = response.json()["rows"]
    return results


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "none")
async def test_every_dashboard_filter_reaches_every_chart_and_empty_months_are_zero(site, crawled, filters):
    charts = await dashboard_charts(site, filters)
    assert set(charts) == {"total", "election", "per-month", "per-source", "per-province"}
    assert charts == expected_charts(Database(crawled[0]), filters)
    if not filters:
        zero_months = [r for r in charts["per-month"] if r["kind"] == "semua / all" and r["articles"] == 0]
        assert zero_months  # the replica has quiet months; they are drawn at 0, not skipped


# --- A server that stays up -------------------------------------------------------------------

SQL_PROBES = [
    "select printf('%.*c', 900000000, 'x')",
    "select length(stem_query(printf('%.*c', 5000000, 'x')))",
    "select count(stem_text(a.body || b.body || c.body)) from articles a, articles b, articles c",
    "with recursive n(i) as (select 1 union all select i + 1 from n where i < 1000000000) select count(*) from n",
]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_sql_probes_answer_4xx_within_the_time_limit_even_six_at_once(site):
    limit = site.setting("sql_time_limit_ms") / 1000
    for sql in SQL_PROBES:
        began = time.perf_counter()
        response = await site.client.get("/archive.json?" + urllib.parse.urlencode({"sql": sql}))
        assert response.status_code == 400, (sql, response.text[:300])
        assert time.perf_counter() - began < limit + 1, sql  # unguarded: 10-22 s past the limit
    # Six heavy probes at once and a reader: each SQL thread frees within the limit.
    began = time.perf_counter()
    probes = [site.client.get("/archive.json?" + urllib.parse.urlencode({"sql": SQL_PROBES[i % 4]})) for i in range(6)]
    *answers, article = await asyncio.gather(*probes, site.client.get("/archive/articles/1"))
    assert [a.status_code for a in answers] == [400] * 6 and article.status_code == 200
    threads = site.setting("num_sql_threads")
    assert time.perf_counter() - began < (6 / threads) * (limit + 1) + 2


JUNK = [
    "/-/history/99999999999999999999", "/-/history/0", "/-/history/1x",
    "/archive/articles/99999999999999999999", "/archive/articles/abc", "/archive/articles/1,2",
    "/archive/articles?_size=abc", "/archive/articles?_size=99999999999999999999", "/archive/articles?_size=-1",
    "/archive/articles?_sort=nosuch", "/archive/articles?_sort_desc=%00", "/archive/articles?_facet=nosuch",
    "/archive/articles?_facet_array=nosuch", "/archive/articles?_facet_size=abc", "/archive/articles?_tag=x",
    "/archive/articles?_tag=regions:", "/archive/articles?_tag=%00:%00", "/archive/articles?_search=%22",
    "/archive/articles?_search=AND%20OR%20NEAR(", "/archive/articles?_next=junk", "/archive/articles?_next=%00%FF",
    "/archive/articles?id=99999999999999999999", "/archive/articles?id__gt=99999999999999999999",
    "/archive/articles?published_date__gt=%00", "/archive/articles?_col=nosuch", "/archive/articles?_timelimit=abc",
    "/archive/articles?_shape=junk", "/archive/articles.json?_shape=junk", "/archive/articles.atom",
    "/archive/articles.csv?_size=abc", "/archive/articles?_where=%00",
    "/archive/cari?q=%00&source=", "/archive/cari?q=" + "pilih%20" * 400 + "&source=", "/archive/cari?q=*&source=%00",
    "/archive/other_versions?id=99999999999999999999", "/archive/other_versions?id=abc",
    "/archive/articles_in_region?code=%25", "/archive/articles_in_region?code=99999999999999999999",
    "/archive/coverage_over_time?source=%00&region=%25&type=x&stage=y",
    "/archive/berita_terbaru.atom?election=%00", "/archive/berita_terbaru.atom?election=99999999999999999999",
    "/-/dashboards/liputan?date_start=notadate&date_end=%00&source=%00", "/-/dashboards/nosuch",
    "/-/dashboards/liputan/nosuch", "/-/dashboards/liputan/per-month?date_start=99999-99-99",
    "/robots.txt?x=%00", "/?q=%00", "/archive?sql=select%20%00",
]


@pytest.mark.parametrize("path", JUNK)
async def test_junk_in_any_parameter_answers_4xx_or_a_page_never_500(site, path):
    response = await site.client.get(path)
    assert response.status_code < 500, response.text[:500]


async def test_the_public_profile(crawled, monkeypatch):
    from archive.plugins.guard import PUBLIC_ENV

    monkeypatch.setenv(PUBLIC_ENV, "1")
    site = await started(crawled[0])
    assert (await site.client.get("/archive.json?sql=select+1")).status_code == 403
    assert (await site.client.get("/archive/articles?_where=1=1")).status_code == 403
    for debug in ("/-/databases.json", "/-/plugins.json", "/-/threads", "/-/actor.json", "/-/permissions"):
        assert (await site.client.get(debug)).status_code == 404, debug
    assert "View and edit SQL" not in (await site.client.get("/archive/articles")).text
    # Everything a reader uses still works, the dashboard with its own SQL included.
    for path in ("/", "/archive/articles", "/archive/articles/1", "/archive/cari?q=pilih&source=",
                 "/archive/berita_terbaru.atom?election=1", "/-/history/1"):
        assert (await site.client.get(path)).status_code == 200, path
    charts = await dashboard_charts(site, {"source": "mmc_kobar"})
    assert charts == expected_charts(Database(crawled[0]), {"source": "mmc_kobar"})
    robots = (await site.client.get("/robots.txt")).text
    assert "Disallow: /*?" in robots and "Disallow: /-/" in robots
    monkeypatch.delenv(PUBLIC_ENV)
    assert (await site.client.get("/archive.json?sql=select+1")).status_code == 200  # the local profile
