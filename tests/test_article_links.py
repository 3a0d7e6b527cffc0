"""in-article links are followed and put in the frontier
without the URL check that aliases get (`ArchiveSpider.is_article_url`: https, one of the
source's hosts, no markup)."""

from __future__ import annotations

from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from spiders.mmc_kobar import MmcKobarSpider

PAGE = "https://mmc.kotawaringinbaratkab.go.id/berita/a"
LINKS = [
    "https://evil.example/berita/curian",  # another host, an article-like path
    "https://user:pw@mmc.kotawaringinbaratkab.go.id:8443/berita/port",  # credentials and a port
    "https://mmc.kotawaringinbaratkab.go.id/berita/%3Cscript%3E",  # markup, percent-encoded
]


def test_in_article_links_are_followed_only_to_the_sources_article_urls():
    spider = MmcKobarSpider.from_crawler(get_crawler(MmcKobarSpider))
    anchors = "".join(f'<a href="{href}">baca juga</a> ' for href in LINKS)
    html = (f'<html><body><h2 class="judul-berita">Judul</h2><div class="isi-berita">'
            f"<p>Paragraf pertama berita ini cukup panjang.</p><p>{anchors}</p></div></body></html>")
    response = HtmlResponse(PAGE, body=html.encode(), encoding="utf-8", request=Request(PAGE, meta={"canonical": PAGE}))
    followed = [o.url for o in spider.parse_article(response) if isinstance(o, Request)]
    assert [url for url in followed if not spider.is_article_url(url)] == []
