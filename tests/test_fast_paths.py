"""The fast paths of extraction and text processing give exactly what the straightforward code
they replace gives: parsel's queries, the union of three XPath walks, the Unicode passes of
``clean_whitespace``, a matcher's word-by-word loop. Pages: every frozen fixture page and edge
cases written for these tests."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler import extract
from crawler.extract import (
    PUBLISHED_META,
    css_all,
    json_ld,
    meta,
    microdata_date,
    published_meta,
    xpath_all,
)
from indonesian import tagging
from indonesian.text import SPACES, clean_text, clean_whitespace

FIXTURES = Path(__file__).parent / "fixtures"
EDGE_CASES = {
    # The first <meta> with the name has an empty content: it wins, and gives None.
    "empty-first": '<html><head><meta name="date" content=""><meta name="date" content="2024-01-02">'
                   '<meta property="og:title" content="  Judul  "><meta name="og:title" content="Lain">'
                   '<meta itemprop="datePublished"><meta itemprop="datePublished" content="2024-02-03">'
                   "</head><body><p>x</p></body></html>",
    # A tag named by property and name at once, a meta without content, scripts without text.
    "both-names": '<html><head><meta property="article:published_time" name="date" content="2023-05-06T07:08:09">'
                  '<meta name="description"><script type="application/ld+json"></script>'
                  '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "H",'
                  ' "datePublished": "2023-05-06"}</script><script id="__NEXT_DATA__"></script></head>'
                  "<body><article><span property='dc:date  dc:created' content='2020-01-01'></span>"
                  "<span itemprop='datePublished' datetime='2021-02-03'></span></article>"
                  "<aside><span property='dc:created' content='2019-01-01'></span></aside>"
                  "<!-- 17 Januari 2023 --><h1>T</h1><time datetime=' 2022-03-04 '>x</time></body></html>",
}
QUERIES = ("title::text", "h1.post-title ::text, h2.judul-berita ::text, h1.page-title ::text",
           ".post-meta li::text", ".submitted .day::text, .submitted .month::text", ".submitted .username::text",
           'link[rel="canonical"]::attr(href), link[rel="shortlink"]::attr(href)', "time[datetime]", "a",
           "a::attr(href)", "img::attr(src)", ".post-content, .isi-berita, .field-item", "figcaption", "p")


def pages() -> list[tuple[str, str]]:
    found = [(path.name, path.read_text("utf-8")) for path in sorted(FIXTURES.glob("*/*.page.html"))]
    return found + list(EDGE_CASES.items())


def as_response(html: str) -> HtmlResponse:
    return HtmlResponse(url="https://mmc.kotawaringinbaratkab.go.id/berita/x", body=html.encode(), encoding="utf-8")


@pytest.mark.parametrize(("name", "html"), pages(), ids=[name for name, _ in pages()])
def test_compiled_queries_give_what_parsel_gives(name, html):
    response = as_response(html)
    parsel_response = as_response(html)  # a tree of its own
    for query in QUERIES:
        expected = parsel_response.css(query)
        found = css_all(response, query)
        if "::" in query:
            assert found == expected.getall(), query
        else:
            assert [extract.etree.tostring(e) for e in found] == [extract.etree.tostring(s.root) for s in expected]
    for body in parsel_response.css(".post-content, .isi-berita, .field-item, body"):
        container = response.xpath(body.root.getroottree().getpath(body.root))
        assert css_all(container, "a::attr(href)") == body.css("a::attr(href)").getall()
        assert [len(c) for c in xpath_all(container, "./*")] == [len(c.root) for c in body.xpath("./*")]


@pytest.mark.parametrize(("name", "html"), pages(), ids=[name for name, _ in pages()])
def test_meta_tags_read_in_one_pass_give_what_each_query_gives(name, html):
    response, reference = as_response(html), as_response(html)
    names = set(PUBLISHED_META) | {"og:title", "og:image", "article:tag", "description"}
    names |= {v for v in reference.css("meta::attr(property), meta::attr(name)").getall()}
    for key in sorted(names):
        value = reference.css(f'meta[property="{key}"]::attr(content), meta[name="{key}"]::attr(content)').get()
        assert meta(response, key) == (value.strip() if value else None), key
    expected_published = next((v for v in (meta(reference, n) for n in PUBLISHED_META) if v),
                              reference.css('meta[itemprop="datePublished"]::attr(content)').get())
    assert published_meta(response) == expected_published
    raw_ld = reference.css('script[type="application/ld+json"]::text').getall()
    assert extract._scripts(response, "type", "application/ld+json") == raw_ld
    assert extract._scripts(response, "id", "__NEXT_DATA__")[:1] == reference.css("script#__NEXT_DATA__::text").getall()[:1]
    assert isinstance(json_ld(response), dict)


@pytest.mark.parametrize(("name", "html"), pages(), ids=[name for name, _ in pages()])
def test_microdata_in_one_walk_finds_what_the_union_of_three_walks_finds(name, html):
    reference = as_response(html)
    union = reference.xpath('//*[@itemprop="datePublished"] | //*[contains(concat(" ", @property, " "), " dc:created ")]'
                            ' | //*[contains(concat(" ", @property, " "), " dc:date ")]')
    expected = next(((n.attrib.get("content") or n.attrib.get("datetime")).strip() for n in union
                     if (n.attrib.get("content") or n.attrib.get("datetime"))
                     and not extract._outside_article(n.root)), None)
    assert microdata_date(as_response(html)) == expected


def test_edge_cases_read_as_written():
    response = as_response(EDGE_CASES["empty-first"])
    assert meta(response, "date") is None  # the first one is empty: never the second
    assert meta(response, "og:title") == "Judul"
    assert published_meta(response) == "2024-02-03"
    both = as_response(EDGE_CASES["both-names"])
    assert meta(both, "date") == meta(both, "article:published_time") == "2023-05-06T07:08:09"
    assert json_ld(both)["headline"] == "H"
    assert microdata_date(both) == "2020-01-01"  # inside the article; the aside's is not evidence


def _clean_whitespace_unicode_passes(text: str) -> str:
    text = clean_text(text)
    lines = [SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def test_clean_whitespace_of_plain_text_equals_the_unicode_passes():
    alphabet = [*" \t\n\r\x0b\x0c\x00\x1f\x7f\x85\xa0\u2028\u200b\u00ad\u1680\u0301é", *map(chr, range(32, 127))]
    generator = random.Random(14)
    for _ in range(20000):
        text = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 30)))
        assert clean_whitespace(text) == _clean_whitespace_unicode_passes(text), repr(text)


def test_matchers_find_with_a_word_index_what_the_word_by_word_loop_finds():
    texts = [
        "KPU Kobar menetapkan DPT Pilkada 2024; Pilkada serentak, pemungutan suara dan kampanye pilkada.",
        "Komisi Pemilihan Umum (KPU) dan Bawaslu: debat calon bupati, rekapitulasi suara, pilkades, pileg.",
        Path(__file__).parent.joinpath("gold", "texts.toml").read_text("utf-8").lower(),
    ]
    lex = tagging.lexicon()
    for text in (t.lower() for t in texts):
        for family in ("terms", "not_election", "not_a_type_or_stage", "types", "stages", "institutions"):
            matcher = lex[family]
            plain = matcher.find(text, list(tagging.WORD.finditer(text)))
            assert matcher.find(text, tagging.Words.of(text)) == plain, family
            assert plain or family != "terms"
