"""Baseline for the crawl benchmark: a bare Scrapy spider over the same replica.

It follows the same MMC listing and portal archive and pages the same Kemendagri API, extracts
title and body with plain CSS, and stores nothing. Run with the same settings as the project's
crawl, so the ratio measures what the project adds (extraction, pipelines, storage, WARC).
"""

from __future__ import annotations

import json

import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, base: str, limit: int = 100, **kwargs):
        super().__init__(**kwargs)
        self.base = base.rstrip("/")
        self.limit = int(limit)

    async def start(self):
        yield scrapy.Request(f"{self.base}/mmc_kobar/berita", self.parse_listing)
        yield scrapy.Request(f"{self.base}/mmc_kobar/en/archive", self.parse_listing)
        yield self.api(1)

    def api(self, page: int):
        return scrapy.Request(f"{self.base}/kemendagri/api/v1/blogs/public?limit={self.limit}&page={page}",
                              self.parse_api, cb_kwargs={"page": page})

    def parse_listing(self, response):
        for href in response.css(".archive-months a::attr(href), .item-berita h3 a::attr(href), "
                                 ".views-row h3 a::attr(href), .pagination a.next::attr(href)").getall():
            callback = self.parse_listing if ("archive" in href or "page=" in href) else self.parse_article
            yield scrapy.Request(f"{self.base}/mmc_kobar{href}", callback)

    def parse_article(self, response):
        yield {"title": response.css("h1::text, h2.judul-berita::text, title::text").get(),
               "body": "\n\n".join(response.css(".post-content p::text, .isi-berita p::text, "
                                                ".field-item p::text").getall())}
        for href in response.css(".isi-berita a::attr(href), .post-content a::attr(href)").getall():
            yield scrapy.Request(f"{self.base}/mmc_kobar{href}", self.parse_article)

    def parse_api(self, response, page):
        blogs = json.loads(response.text)["data"]["blogs"]
        for blog in blogs:
            yield {"title": blog["blog_name"], "body": blog["blog_desc"]}
        if blogs:
            yield self.api(page + 1)
