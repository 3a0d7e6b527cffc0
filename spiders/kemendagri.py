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
MAX_BAD_PAGES = 3  # malformed API pages in a row before the walk gives up
SLUG_PATTERN = re.compile(r"[\w-]{1,300}")  # a path segment: no slashes, dots or markup

SLUG, TITLE, BODY, CREATED, CATEGORY = "post_slug", "blog_name", "blog_desc", "created_at", "category_name"


class KemendagriSpider(ArchiveSpider):
    name = "kemendagri"
    HOSTS = (("/api/", BACKEND), ("/", SITE))
    PREFERRED_HOSTS = ("kemendagri.go.id",)
    PUBLICATION = "Kemendagri"
    PUBLISHER = "Kementerian Dalam Negeri Republik Indonesia"
    HOME_URL = f"{SITE}/"
    TITLE_SUFFIX = re.compile(r"\s+[-|–]\s+Kemendagri\s*$", re.I)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.wanted = set(self.url_list) if self.url_list is not None else None
        self.listed: set[str] = set()
        self.entry_failures = self.pages_failed = self.bad_pages_in_a_row = 0

    async def start(self):
        yield self.api_request(1)

    def api_request(self, page: int):
        return self.request(API_PAGE.format(limit=self.settings.getint("KEMENDAGRI_PAGE_LIMIT", PAGE_LIMIT),
                                            page=page),
                            self.parse_api, meta={"page": page, "kind": "listing", **self.listing_retries()},
                            evidence=True,
                            dont_filter=True)

    def parse_api(self, response):
        """One API page. Every entry is read on its own: a malformed entry becomes a failed page
        with its reason and the others still count; a malformed page does not end the walk
        (up to MAX_BAD_PAGES in a row), since the pages after it may be fine."""
        page = response.meta["page"]
        try:
            payload = json.loads(response.text)
            blogs = payload["data"]["blogs"]
            if not isinstance(blogs, list):
                raise TypeError(f"data.blogs is a {type(blogs).__name__}, not a list")
        except (ValueError, KeyError, TypeError) as error:
            yield from self.bad_page(response, f"API answer not understood: {error!r}"[:200])
            return
        if not payload.get("status"):
            yield from self.bad_page(response, f"API status false: {str(payload.get('message'))[:200]}")
            return
        self.bad_pages_in_a_row = 0
        wanted = self.wanted
        known_here = 0
        self.count_listing_entries(len(blogs))
        for number, blog in enumerate(blogs):
            try:
                url, fields = self.entry(blog)
            except (TypeError, ValueError) as error:
                self.entry_failures += 1
                self.page_failed(f"{self.canonical(response)}#entry-{number}", f"API entry not understood: {error}")
                continue
            self.listed.add(url)
            if wanted is not None and url not in wanted:
                continue
            if self.is_known(url) and not self.known[url].get("recheck"):
                known_here += 1
                continue
            yield self.new_article(response, url=url, **fields)
            if wanted is not None:
                wanted.discard(url)
        if not blogs and wanted is None and not self.entry_failures and not self.pages_failed:
            # The whole API was read: a known article that is no longer listed was taken down.
            self.vanished = [url for url in self.known if url not in self.listed]
        done = not blogs or wanted == set() or (self.incremental and known_here == len(blogs))
        if not done:
            yield self.api_request(page + 1)

    def entry(self, blog) -> tuple[str, dict]:
        """The canonical URL and article fields of one API entry; TypeError/ValueError when the
        entry is not what the API documents."""
        if not isinstance(blog, dict):
            raise TypeError(f"an entry is a {type(blog).__name__}, not an object")
        slug, title = blog.get(SLUG), blog.get(TITLE)
        body, created, category = blog.get(BODY) or "", blog.get(CREATED) or "", blog.get(CATEGORY)
        for name, value in ((SLUG, slug), (TITLE, title), (BODY, body), (CREATED, created)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} is a {type(value).__name__}, not text (id {blog.get('id')!r})")
        if not slug or not SLUG_PATTERN.fullmatch(slug):
            raise ValueError(f"{SLUG} missing or not a slug: {str(slug)[:80]!r} (id {blog.get('id')!r})")
        paragraphs, captions = html_to_paragraphs(body)
        return ARTICLE_URL.format(slug=slug), {
            "title": title, "paragraphs": paragraphs, "captions": captions,
            "date_candidates": [{"kind": "api", "text": created}],
            "tags": [category] if isinstance(category, str) and category else [], "parser": "api",
        }

    def bad_page(self, response, reason: str):
        retry = self.broken_page(response, reason)  # asked again, or recorded as a failed page
        if retry is not None:
            yield retry
            return
        self.pages_failed += 1
        self.bad_pages_in_a_row += 1
        if self.bad_pages_in_a_row < MAX_BAD_PAGES:
            yield self.api_request(response.meta["page"] + 1)

    def new_article(self, response, url: str, **fields):
        article = super().new_article(response, **fields)
        article.url = url
        return article
