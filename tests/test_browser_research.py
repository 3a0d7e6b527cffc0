"""The research search in a real Chromium, end to end, on the 3,000-article replica archive:
a researcher fills the form, follows the links and downloads the CSVs; the counts are compared
with plain SQL on the archive."""

import csv
import io
import sqlite3

import pytest

from tests.browser import chromium, serving
from tests.research_archive import big_archive

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory):
    return big_archive(tmp_path_factory)


@pytest.fixture(scope="module")
def base(archive_path):
    with serving(archive_path) as url:
        yield url


@pytest.fixture(scope="module")
def page(base):
    with chromium(accept_downloads=True) as opened:
        yield opened


def downloaded_csv(page, link) -> list[dict]:
    with page.expect_download() as download:
        page.click(link)
    with open(download.value.path(), encoding="utf-8") as file:
        return list(csv.DictReader(io.StringIO(file.read())))


def test_articles_per_month_per_source_in_2024_as_csv(page, base, archive_path):
    page.goto(base + "/-/cari")
    page.fill("input[name=from]", "2024-01-01")
    page.fill("input[name=to]", "2024-12-31")
    page.click("button[type=submit]")
    page.click("a.research-attention")
    assert page.locator("svg.attention").count() == 1
    rows = downloaded_csv(page, "a.attention-csv")
    with sqlite3.connect(archive_path) as db:
        expected = dict(((m, s), n) for m, s, n in db.execute(
            "select published_month, source, count(*) from articles where published_date between "
            "'2024-01-01' and '2024-12-31' group by 1, 2"))
        sources = sorted(s for (s,) in db.execute("select distinct source from articles"))
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    assert [(r["month"], r["source"]) for r in rows] == [(m, s) for m in months for s in sources]
    assert {(r["month"], r["source"]): int(r["matches"]) for r in rows} == {
        (m, s): expected.get((m, s), 0) for m in months for s in sources}
    assert sum(expected.values()) > 0 and page.outside_requests == []


def test_every_article_about_politik_uang_in_kalimantan_tengah_exported(page, base, archive_path):
    page.goto(base + "/-/cari")
    page.fill("input[name=q]", '"politik uang"')
    page.fill("input[name=region]", "Kalteng")
    page.click("button[type=submit]")
    total = int(page.get_attribute(".research-total strong", "data-total"))
    rows = downloaded_csv(page, "a.research-csv")
    with sqlite3.connect(archive_path) as db:
        expected = {i for (i,) in db.execute(
            "select id from articles where id in (select rowid from articles_fts where articles_fts match "
            "'\"politik uang\"') and id in (select article_id from article_regions where code = '62' "
            "or code like '62.%')")}
    ids = [int(r["id"]) for r in rows]
    assert len(ids) == len(set(ids)) == total == len(expected) > 0 and set(ids) == expected
    assert all("politik uang" in (r["title"] + " " + r["body"]).lower().replace("\n", " ") for r in rows)
    assert page.outside_requests == []


def test_a_search_subscribed_to_as_a_feed(page, base, archive_path):
    """A researcher searches, takes the page's feed (autodiscovery, as a feed reader does) and a
    feed parser reads the newest matches of exactly that search."""
    import urllib.request

    import feedparser

    page.goto(base + "/-/cari")
    page.fill("input[name=q]", "kampanye")
    page.fill("input[name=region]", "Kalteng")
    page.click("button[type=submit]")
    feed_url = page.get_attribute('link[rel="alternate"][type="application/atom+xml"]', "href")
    assert feed_url and "/-/cari.atom" in feed_url
    with urllib.request.urlopen(feed_url, timeout=30) as answer:
        assert answer.headers["Content-Type"].startswith("application/atom+xml")
        feed = feedparser.parse(answer.read())
    assert not feed.bozo and "kampanye" in feed.feed.title
    total = int(page.get_attribute(".research-total strong", "data-total"))
    with sqlite3.connect(archive_path) as db:
        newest = [url for (url,) in db.execute(
            "select url from articles where id in (select id from article_stems where id in "
            "(select rowid from article_stems_fts where article_stems_fts match 'kampanye')) "
            "and id in (select article_id from article_regions where code = '62' or code like '62.%') "
            "order by sort_key desc limit 50")]
    assert total > 0 and [e.link for e in feed.entries] == newest[: len(feed.entries)]
    assert len(feed.entries) == min(total, 50)
