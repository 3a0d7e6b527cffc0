"""The crawl-speed changes of 2026-11-30 (evening) give what the code they replace gave: WARC
records written in a thread of their own are the records the reactor's thread wrote (and a
failed write still stops the crawl and stores no article with a record that is not there), the
figure queries on the lxml tree find parsel's figures, links resolve as before."""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import threading
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urljoin

import pytest
import scrapy
from lxml.etree import tostring
from scrapy.http import HtmlResponse
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler import pipelines, spider, warc
from crawler.extract import css_all, media_blocks, wrap, xpath_all
from indonesian import tagging
from indonesian import text as text_module
from indonesian.text import clean_whitespace
from indonesian.urls import canonical_url
from spiders.mmc_kobar import MmcKobarSpider
from tests.test_fast_paths import as_response, pages


class _Stats:
    def __init__(self):
        self.values = {}

    def set_value(self, key, value):
        self.values[key] = value

    def inc_value(self, key, count=1):
        self.values[key] = self.values.get(key, 0) + count


def _extension(tmp_path: Path) -> warc.WarcExtension:
    settings = {"ARCHIVE_DB": str(tmp_path / "archive.db"), "ARCHIVE_RUN_ID": "run"}
    crawler = SimpleNamespace(settings=SimpleNamespace(get=settings.get), stats=_Stats())
    return warc.WarcExtension(crawler)


def _pages():
    def parse_article(response):  # the callback's name is what a record keeps
        return None

    for number in range(5):
        url = f"http://127.0.0.1:9/mmc_kobar/berita/judul-{number}"
        body = f"<html><body><h1>Judul {number}</h1><p>Isi berita ke-{number} {'x' * 3000}</p></body></html>"
        response = HtmlResponse(url, body=body.encode(), encoding="utf-8",
                                headers={"Content-Type": "text/html; charset=utf-8", "X-Replica": ["a", "b"]})
        request = scrapy.Request(url, callback=parse_article,
                                 meta={"evidence": True, "canonical": f"https://mmc.kotawaringinbaratkab.go.id/berita/judul-{number}",
                                       "listing_date": "Senin, 2 Desember 2024", "other": "not replayed"})
        yield response, request


def _records(path: Path) -> list:
    with open(path, "rb") as handle:
        return [(r.rec_headers.headers, r.http_headers.statusline, r.http_headers.headers, r.content_stream().read())
                for r in ArchiveIterator(handle)]


def test_records_written_in_the_thread_are_the_records_written_in_place(tmp_path):
    extension = _extension(tmp_path)
    spider_ = SimpleNamespace(name="mmc_kobar")
    reference_file = BytesIO()
    reference = WARCWriter(reference_file, gzip=True)
    for response, request in _pages():
        extension.response_received(response, request, spider_)
        given = request.meta["warc"]
        assert given["file"] == "run-mmc_kobar.warc.gz"
        # What the extension wrote before the thread, with the id and date it gave this record.
        headers = [(k.decode("latin-1"), b", ".join(v).decode("latin-1")) for k, v in response.headers.items()]
        meta = {k: request.meta[k] for k in warc.REPLAYED_META if k in request.meta}
        record = reference.create_warc_record(
            response.url, "response", payload=BytesIO(response.body),
            http_headers=StatusAndHeaders(f"{response.status} OK", headers, protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Canonical-URI": request.meta["canonical"],
                               "WARC-Crawl-Meta": json.dumps(meta, ensure_ascii=False),
                               warc.CALLBACK_HEADER: "parse_article"})
        record.rec_headers.replace_header("WARC-Record-ID", given["record_id"])
        reference.write_record(record)
    asyncio.run(extension.written())
    extension.spider_closed(spider_)
    written = _records(tmp_path / "warc" / "run-mmc_kobar.warc.gz")
    reference_path = tmp_path / "reference.warc.gz"
    reference_path.write_bytes(reference_file.getvalue())
    expected = _records(reference_path)
    assert len(written) == len(expected) == 5
    for (headers, status, http, body), (ref_headers, ref_status, ref_http, ref_body) in zip(written, expected, strict=True):
        # The same headers in the same order; only the date is the time each was made.
        assert [k for k, _ in headers] == [k for k, _ in ref_headers]
        assert [(k, v) for k, v in headers if k != "WARC-Date"] == [(k, v) for k, v in ref_headers if k != "WARC-Date"]
        assert (status, http, body) == (ref_status, ref_http, ref_body)
    assert extension.unwritten == set() and extension.error is None
    assert gzip.decompress((tmp_path / "warc" / "run-mmc_kobar.warc.gz").read_bytes())  # a valid gzip file


class _FullDisk(BytesIO):
    def __init__(self, fail_after: int):
        super().__init__()
        self.writes, self.fail_after = 0, fail_after

    def write(self, data):
        self.writes += 1
        if self.writes > self.fail_after:
            raise OSError(28, "No space left on device")
        return super().write(data)


def test_a_failed_write_stops_the_crawl_and_no_article_names_a_missing_record(tmp_path):
    extension = _extension(tmp_path)
    spider_ = SimpleNamespace(name="mmc_kobar")
    stops = []
    extension.in_reactor = stops.append
    given, held = [], threading.Event()
    for number, (response, request) in enumerate(_pages()):
        if number == 2:
            asyncio.run(extension.written())
            extension.handle = _FullDisk(fail_after=0)  # the disk fills up before the third record
            extension.writer = WARCWriter(extension.handle, gzip=True)
            extension.thread.submit(held.wait)  # records 3 and 4 are handed over before the failure
        if number == 4:
            held.set()
            asyncio.run(extension.written())
        extension.response_received(response, request, spider_)
        given.append(request.meta.get("warc"))
    asyncio.run(extension.written())
    assert extension.error.startswith("WARC: OSError") and stops == [extension._stop]
    # Records 3 and 4 were handed over before the thread's failure was known: none is written;
    # the fifth response came after it, and its article names no record.
    assert extension.unwritten == {given[2]["record_id"], given[3]["record_id"]} and given[4] is None
    given[4] = {"file": None, "record_id": None}
    # The store's side: articles keep only records that exist.
    store = pipelines.StorePipeline(SimpleNamespace(stats=_Stats(), warc_extension=extension))
    batch = [{"url": f"u{n}", "warc_file": g["file"], "warc_record_id": g["record_id"]} for n, g in enumerate(given)]
    kept = asyncio.run(store._with_evidence(batch))
    assert [a["warc_record_id"] for a in kept] == [given[0]["record_id"], given[1]["record_id"], None, None, None]
    assert [a["warc_file"] for a in kept][2:] == [None, None, None]
    extension.thread.shutdown()


def test_an_unexpected_error_in_the_thread_is_logged_and_the_article_kept_without_a_record(tmp_path, caplog):
    extension = _extension(tmp_path)
    response, request = next(_pages())
    request = request.replace(callback=None)  # no callback name: warcio cannot write a None header
    extension.response_received(response, request, SimpleNamespace(name="mmc_kobar"))
    unwritten = asyncio.run(extension.written())
    assert unwritten == {request.meta["warc"]["record_id"]} and extension.error is None
    assert "not written" in caplog.text
    extension.spider_closed(None)


FIGURES = MmcKobarSpider.CAPTIONS


@pytest.mark.parametrize(("name", "html"), pages(), ids=[name for name, _ in pages()])
def test_figures_found_on_the_lxml_tree_are_parsels(name, html):
    reference, response = as_response(html), as_response(html)
    for query in (MmcKobarSpider.BODY, "body"):
        expected_container = reference.css(query)
        container = wrap(response, css_all(response, query))
        if not expected_container:
            continue
        expected = reference.css(FIGURES) + expected_container.xpath(".//p[.//img]")
        expected += expected_container.css("figcaption") + media_blocks(expected_container)
        found = [*wrap(response, css_all(response, FIGURES)), *wrap(container[0], xpath_all(container, ".//p[.//img]")),
                 *wrap(container[0], css_all(container, "figcaption")), *media_blocks(container)]
        assert [tostring(f.root) for f in found] == [tostring(e.root) for e in expected]
        assert [" ".join(css_all(f.root, "::text")) for f in found] == [" ".join(e.css("::text").getall()) for e in expected]


@pytest.mark.parametrize("href", ["/berita/a", "b?utm_source=x&id=2", "../c#frag", " https://MMC.kotawaringinbaratkab.go.id:443/d ",
                                  "//portal.kotawaringinbaratkab.go.id/e", "", "mailto:x@y.z", "http://[::1"])
def test_resolved_links_are_the_joined_canonical_urls(href):
    base = "https://mmc.kotawaringinbaratkab.go.id/berita/judul"
    try:
        expected = canonical_url(urljoin(base, href.strip()))
    except ValueError as error:
        with pytest.raises(type(error)):
            spider._resolved(base, href.strip())
        return
    assert spider._resolved(base, href.strip()) == expected
    assert spider._resolved(base, href.strip()) == expected  # and again, from the cache


def test_a_word_index_built_before_a_new_matcher_still_finds_its_words():
    words = tagging.Words.of("rapat pleno zzyzx terbuka digelar")
    assert "zzyzx" not in words.index  # no matcher starts with it yet
    matcher = tagging.Matcher([("zzyzx terbuka", "new"), ("pleno", "plenary")])
    lowered = "rapat pleno zzyzx terbuka digelar"
    assert matcher.find(lowered, words) == matcher.find(lowered, list(words)) == [
        ("plenary", "pleno"), ("new", "zzyzx terbuka")]


# Characters of every class the cleaning treats apart: spaces of every kind, line breaks,
# controls, invisible marks, combining marks (NFC), surrogates, non-characters, Unicode
# whitespace that is none of these (U+1680), plain letters and punctuation.
ALPHABET = (" \t\n\r\x0b\x0c\x85\u2028\u2029\u00a0\u2000\u2001\u200a\u202f\u205f\u3000\u1680\x00\x1c\x1f\x7f\x9f"
            "\u00ad\u200b\u200d\u2060\ufeff\u202e\u0301\u0308\ud800\ufdd0\uffff\u212b\u00c5Aae .,-()é漢")


def _random_texts(count: int, seed: int = 14) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40))) for _ in range(count)]


def _fixture_texts() -> list[str]:
    texts = []
    for _, html in pages():
        response = as_response(html)
        texts += css_all(response, "::text")  # every text node, as raw as the page has it
        texts += ["".join(p.itertext()) for p in css_all(response, "p, div, li, h1, h2")]
    return texts


@pytest.mark.parametrize("source", ["fixtures", "random"])
def test_cleaning_a_clean_text_changes_nothing(source):
    texts = _fixture_texts() if source == "fixtures" else _random_texts(20000)
    assert len(texts) > (600 if source == "fixtures" else 19000)
    for text in texts:
        once = text_module._clean_whitespace(text)
        assert text_module._clean_whitespace(once) == once, repr(text)
        # The remembering function gives the same, the first time and again.
        assert clean_whitespace(text) == once and clean_whitespace(once) == once
        assert clean_whitespace(text) == once, repr(text)
