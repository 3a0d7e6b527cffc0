"""Kemendagri: news from the ministry's JSON API (its pages are a JavaScript shell).

Every fact about the source lives here. The API is paged with ``limit`` and a 1-based ``page`` until ``data.blogs`` is empty; each item
carries the HTML body in ``blog_desc``. Articles are stored under the public page URL
``https://kemendagri.go.id/berita/<post_slug>``.
"""

from __future__ import annotations

import json
import re

from crawler.extract import html_to_paragraphs
from crawler.spider import ArchiveSpider

SITE = "https://kemendagri.go.id"
BACKEND = "https://backend.kemendagri.go.id"
API_PAGE = BACKEND + "/api/v1/blogs/public?limit={limit}&page={page}"
ARTICLE_URL = SITE + "/berita/{slug}"
PAGE_LIMIT = 100

SLUG, TITLE, BODY, CREATED, CATEGORY = "post_slug", "blog_name", "blog_desc", "created_at", "category_name"


class KemendagriSpider(ArchiveSpider):
    name = "kemendagri"
    HOSTS = (("/api/", BACKEND), ("/", SITE))
    PREFERRED_HOSTS = ("kemendagri.go.id",)
    TITLE_SUFFIX = re.compile(r"\s+[-|–]\s+Kemendagri\s*$", re.I)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.wanted = set(self.url_list) if self.url_list is not None else None
        self.listed: set[str] = set()

    async def start(self):
        yield self.api_request(1)

    def api_request(self, page: int):
        return self.request(API_PAGE.format(limit=self.settings.getint("KEMENDAGRI_PAGE_LIMIT", PAGE_LIMIT),
                                            page=page),
                            self.parse_api, meta={"page": page, "kind": "listing"}, evidence=True,
                            dont_filter=True)

    def parse_api(self, response):
        page = response.meta["page"]
        try:
            payload = json.loads(response.text)
            blogs = payload["data"]["blogs"]
        except (ValueError, KeyError, TypeError) as error:
            self.page_failed(self.canonical(response), f"API answer not understood: {error!r}"[:200])
            return
        if not payload.get("status"):
            self.page_failed(self.canonical(response), f"API status false: {payload.get('message')}")
            return
        wanted = self.wanted
        known_here = 0
        self.count_listing_entries(len(blogs))
        for blog in blogs:
            slug, title = blog.get(SLUG), blog.get(TITLE)
            if not slug:
                self.page_failed(self.canonical(response), f"item without {SLUG}: id {blog.get('id')}")
                continue
            url = ARTICLE_URL.format(slug=slug)
            self.listed.add(url)
            if wanted is not None and url not in wanted:
                continue
            if self.is_known(url) and not self.known[url].get("recheck"):
                known_here += 1
                continue
            paragraphs, captions = html_to_paragraphs(blog.get(BODY) or "")
            yield self.new_article(
                response, url=url, title=title, paragraphs=paragraphs, captions=captions,
                date_candidates=[{"kind": "api", "text": blog.get(CREATED) or ""}],
                tags=[t for t in (blog.get(CATEGORY),) if t], parser="api",
            )
            if wanted is not None:
                wanted.discard(url)
        if not blogs and wanted is None:
            # The whole API was read: a known article that is no longer listed was taken down.
            self.vanished = [url for url in self.known if url not in self.listed]
        done = not blogs or wanted == set() or (self.incremental and known_here == len(blogs))
        if not done:
            yield self.api_request(page + 1)

    def new_article(self, response, url: str, **fields):
        article = super().new_article(response, **fields)
        article.url = url
        return article
