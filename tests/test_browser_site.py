"""Cite, follow, the home page and the dashboard as a researcher uses them: real Chromium
against `pilkada-archive serve` (tests/browser.py)."""

from __future__ import annotations

import bibtexparser
import feedparser
import pytest
from sqlite_utils import Database

from tests.browser import serving
from tests.test_site import edited  # noqa: F401 - the fixture: an archive with one edited article

pytestmark = pytest.mark.slow  # crawls, browsers or benchmarks: not in `make test-fast`


def test_an_article_is_cited_and_saved_by_zotero_tags(server, page, crawled):
    article = next(Database(crawled[0]).query(
        "select * from articles where source = 'kemendagri' and published_at is not null order by id limit 1"))
    page.goto(server + f"/archive/articles/{article['id']}")
    assert page.title().startswith(article["title"])

    def meta(name):
        return page.locator(f'meta[name="{name}"]').get_attribute("content")

    assert meta("citation_title") == article["title"]
    assert meta("citation_publication_date") == article["published_date"].replace("-", "/")
    assert meta("citation_public_url") == article["url"]
    assert meta("citation_publisher") == "Kementerian Dalam Negeri Republik Indonesia"
    assert meta("citation_journal_title") == "Kemendagri"
    library = bibtexparser.parse_string(page.locator(".cite-bibtex").inner_text())
    assert library.failed_blocks == [] and len(library.entries) == 1
    fields = {k: f.value for k, f in library.entries[0].fields_dict.items()}
    assert fields["url"] == article["url"] and fields["date"] == article["published_date"]
    assert page.url in fields["note"]  # the archive permalink is the page itself
    assert article["url"] in page.locator(".cite-apa").inner_text()
    assert page.outside_requests == []


def test_an_edit_is_seen_as_a_diff(edited, page):  # noqa: F811 - the fixture imported above
    path, original = edited
    row = next(Database(path).query("select id, title from articles where url = ?", [original["url"]]))
    with serving(path) as base:
        page.goto(base + f"/archive/articles/{row['id']}")
        assert page.locator("h1").inner_text() == "Judul Setelah Diralat"
        page.click("text=riwayat dan perbedaan")
        page.wait_for_load_state()
        added = page.locator("pre.diff .add").all_inner_texts()
        removed = page.locator("pre.diff .del").all_inner_texts()
        assert "+Judul Setelah Diralat" in added and f"-{original['title']}" in removed
        assert any("Kalimat tambahan setelah ralat." in line for line in added)


def test_the_election_feed_is_found_from_the_home_page_and_subscribed_to(server, page, crawled):
    """The research search's own feed is the "web" helper's; until it lands, a feed reader
    subscribes to the election news feed that every page announces."""
    page.goto(server + "/")
    link = page.locator('link[rel="alternate"][type="application/atom+xml"][href*="election=1"]')
    href = link.get_attribute("href")
    response = page.request.get(server + href)
    assert response.status == 200 and response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.body())
    assert not feed.bozo and feed.feed.title == "Berita pemilihan terbaru / Latest election articles (MMC Kobar, Kemendagri)"
    db = Database(crawled[0])
    expected = [r["url"] for r in db.query(
        "select url from articles where election_related = 1 and removed_at is null and published_date is not null "
        "order by published_date desc, id desc limit 50")]
    assert [e.link for e in feed.entries] == expected


def test_the_home_page_leads_to_search_coverage_and_feeds(server, page):
    page.goto(server + "/")
    assert page.title() == "Arsip Berita Pilkada / Indonesian Election News Archive"
    page.fill(".tasks input[name=q]", "pilih")
    page.locator(".tasks input[type=submit]").first.click()
    page.wait_for_load_state()
    assert "pilih" in page.url and page.locator("table.rows-and-columns tbody tr").count() > 0
    page.goto(server + "/")
    page.click("text=Dasbor / dashboard")
    page.wait_for_load_state()
    assert page.url.endswith("/-/dashboards/liputan")


def test_the_public_dashboard_draws_every_chart_with_its_filters(crawled, page):
    failures, errors = [], []

    def failed(response):
        if response.status >= 400:
            failures.append((response.status, response.url))

    def console_error(message):
        if message.type == "error":
            errors.append(message.text)

    page.on("response", failed)
    page.on("console", console_error)
    try:
        with serving(crawled[0], "--public") as base:
            page.goto(base + "/-/dashboards/liputan?source=kemendagri&date_start=2019-01-01")
            page.wait_for_load_state("networkidle")
            page.wait_for_function("document.querySelectorAll('.vega-embed').length >= 3", timeout=20000)
            assert failures == [] and errors == [] and page.outside_requests == []
            total = page.locator("#card-total").inner_text()
            count = Database(crawled[0]).execute(
                "select count(*) from articles where source = 'kemendagri' and published_date >= '2019-01-01'").fetchone()[0]
            assert str(count) in total
            # Arbitrary SQL stays off on the public server.
            assert page.request.get(base + "/archive.json?sql=select%201").status == 403
    finally:
        page.remove_listener("response", failed)
        page.remove_listener("console", console_error)
