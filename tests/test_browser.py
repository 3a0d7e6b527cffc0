"""The archive as a researcher sees it: real Chromium against `pilkada-archive serve`."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow  # crawls, browsers or benchmarks: not in `make test-fast`

def test_search_box_and_facets(server, page, tmp_path):
    page.goto(server + "/archive/articles")
    page.fill("input#_search", "pilkada")
    page.click("input[type=submit][value=Apply]")
    page.wait_for_load_state()
    assert "pilkada" in page.url
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() > 0
    for column in ("source", "published_month", "election_related"):
        assert page.locator(f'.facet-info[data-column="{column}"]').count() == 1
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
    assert page.outside_requests == []


def test_stemmed_search_form_finds_affixed_words(server, page):
    page.goto(server + "/archive/cari")
    page.fill("input[name=q]", "pilih")
    page.locator("input[type=submit]").first.click()
    page.wait_for_load_state()
    text = page.locator("table.rows-and-columns").inner_text().lower()
    assert "pemilih" in text or "pemilihan" in text


def test_article_page_reads_as_an_article_with_its_provenance(server, page, crawled):
    from sqlite_utils import Database

    article = next(Database(crawled[0]).query("select * from articles where source = 'mmc_kobar' limit 1"))
    page.goto(server + f"/archive/articles/{article['id']}")
    assert page.locator("h1").inner_text() == article["title"]
    assert page.locator(f'a[href="{article["url"]}"]').count() >= 1
    body = page.locator(".article-body").inner_text()
    assert article["body"].split("\n\n")[0] in body
    meta = page.locator(".article-meta").inner_text()
    assert "62.01 Kabupaten Kotawaringin Barat" in meta and article["date_confidence"] in meta
    page.click("text=riwayat dan perbedaan")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Riwayat versi")
