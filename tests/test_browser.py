"""The archive as a researcher sees it: real Chromium against `pilkada-archive serve`."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright import sync_api as playwright

pytestmark = pytest.mark.slow  # crawls, browsers or benchmarks: not in `make test-fast`

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
                 "--disable-extensions", "--disable-quic"]


@pytest.fixture(scope="module")
def server(crawled):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "crawler.cli", "serve", "--db", str(crawled[0]),
                                "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "datasette did not start"
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def page(server, tmp_path_factory):
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "Chromium is missing: `make test` installs it (apt package chromium)"
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        outside = []

        def only_loopback(route):
            if route.request.url.startswith("http://127.0.0.1"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", only_loopback)
        page.outside_requests = outside
        yield page
        browser.close()


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
