"""Finding a source's articles without trusting one guessed listing URL.

Strategies, tried in this order on each of the source's ``DISCOVERY_ROOTS`` (its own hosts):

``robots_sitemap``  ``Sitemap:`` lines of ``/robots.txt`` (sitemap indexes followed)
``sitemap``         ``/sitemap.xml``
``feed``            ``/feed/``, ``/rss.xml`` and every ``<link rel="alternate">`` feed of the home page
``wp_json``         the WordPress REST API, ``/wp-json/wp/v2/posts``, page by page
``drupal_node``     Drupal's front-page listing ``/node?page=N``
``listing``         the source module's configured listing pages (``LISTING_PAGES``)
``crawl``           last, only for a root where every other strategy found nothing: a bounded
                    breadth-first crawl from the home page that follows only article URLs
                    (``ARTICLE_PATH``) and listing-like pages (``LISTING_LIKE``)

Each strategy's count of distinct article URLs goes to the stats ``archive/discovery/<strategy>``
(the ledger's ``discovery`` column); ``links`` counts articles found through in-article links.
When every strategy has answered and none found an article, ``archive/discovery/none`` is set
to 1 and the reason is logged: the run must then be judged broken, never a green run with 0
articles.

Incremental runs stay cheap: when the source's last run finished, only the strategies that found
articles in the last healthy run are tried again (read from the ledger), and paginated ones stop
at the first page whose articles are all known.
"""

from __future__ import annotations

import json
import re
import sqlite3
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, urlsplit

import scrapy
from parsel import Selector

from indonesian.urls import host_of

STRATEGIES = ("robots_sitemap", "sitemap", "feed", "wp_json", "drupal_node", "listing", "crawl")
PROBES = {  # strategy -> paths tried on each root
    "robots_sitemap": ("/robots.txt",),
    "sitemap": ("/sitemap.xml",),
    "feed": ("/feed/", "/rss.xml", "/"),
    "wp_json": ("/wp-json/wp/v2/posts?per_page=100&page=1",),
    "drupal_node": ("/node?page=0",),
}
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
MAX_SITEMAPS = 50  # sitemap files followed from indexes, per run
DISCOVERY_META = {"handle_httpstatus_all": True, "dont_retry": False}
ABSENT = (404, 410)  # the site does not have this page: a configured listing it lacks is no failed page


def previous_discovery(db_path: str | None, source: str) -> dict[str, int]:
    """What each strategy found in the source's last healthy run (``{}`` when unknown)."""
    if not db_path:
        return {}
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
            row = db.execute("select discovery from crawl_runs where source = ? and health = 'ok' "
                             "and discovery is not null order by id desc limit 1", [source]).fetchone()
    except sqlite3.Error:
        return {}
    try:
        return {k: int(v) for k, v in json.loads(row[0]).items()} if row and row[0] else {}
    except (ValueError, TypeError, AttributeError):
        return {}


def plan(previous: dict[str, int], incremental: bool) -> tuple[str, ...]:
    """The strategies to try: all of them on a full run; on an incremental one, those that found
    articles last time (all of them again if none did), less those a paginated newest-first list
    of the same site makes redundant: the WordPress API or Drupal's ``/node`` pages stop at the
    first page of known articles, where a sitemap lists everything and a feed only the newest."""
    worked = tuple(s for s in STRATEGIES if previous.get(s, 0) > 0)
    if not incremental or not worked:
        return STRATEGIES
    if {"wp_json", "drupal_node"} & set(worked):
        worked = tuple(s for s in worked if s not in ("robots_sitemap", "sitemap", "feed"))
    return worked


class Discovering:
    """Mixed into :class:`crawler.news.NewsSpider`: the discovery requests and their callbacks."""

    DISCOVERY_ROOTS: tuple[str, ...] = ()  # origins whose well-known endpoints are probed
    DISCOVERY_STRATEGIES: tuple[str, ...] = STRATEGIES  # the source's own (its registry entry's)
    LISTING_LIKE = re.compile(r"(berita|news|artikel|arsip|archive|index|indeks|kategori|category|page|tag)", re.I)
    CRAWL_MAX_PAGES = 300  # listing-like pages a breadth-first crawl fetches, per root
    CRAWL_MAX_DEPTH = 4

    def init_discovery(self) -> None:
        self.found: dict[str, set[str]] = {}  # strategy -> article URLs it found
        self.found_on_host: dict[str, int] = {}
        self.pending = 0  # discovery requests not answered yet
        self.requested: set[str] = set()
        self.sitemaps_followed = 0
        self.crawl_pages: dict[str, int] = {}
        self.crawl_started = False
        self.answered_wrappers: dict = {}  # callback function -> its wrapper (see _answered)

    # -- bookkeeping ---------------------------------------------------------------------------

    def discovered(self, strategy: str, url: str) -> None:
        urls = self.found.setdefault(strategy, set())
        if url not in urls:
            urls.add(url)
            self.crawler.stats.inc_value(f"archive/discovery/{strategy}")
            self.found_on_host[host_of(url)] = self.found_on_host.get(host_of(url), 0) + 1

    def is_article_url(self, url: str) -> bool:
        """The base's checks (https, the source's hosts, a clean path matching ARTICLE_PATH),
        and no query: a discovered article URL with one is a listing or a tracking variant."""
        return super().is_article_url(url) and not urlsplit(url).query

    def discovery_request(self, url: str, callback, strategy: str, **meta):
        """A request of the discovery phase; None if it was already made this run (the crawl
        fetches a home page again that the feed probe fetched: it reads it differently).

        A probe of an endpoint the site may not have is silent when it fails; a page a probe
        led to (``follow_up=True``: a listing's next page, a month) is a failed page if it fails,
        and so is a configured listing (``configured=True``) unless the site answers that it has
        no such page (404, 410): a 500 or a dropped connection there must keep the run from
        saying ok, a listing the site does not have is left to the other strategies.
        """
        key = f"{strategy == 'crawl'}|{url}"
        if key in self.requested:
            return None
        self.requested.add(key)
        self.pending += 1
        if meta.get("follow_up") or meta.get("configured"):
            meta = {**self.listing_retries(), **meta}
        return scrapy.Request(url, callback=self._answered(callback), errback=self._discovery_error,
                              dont_filter=True, meta={**DISCOVERY_META, "canonical": url, "evidence": False,
                                                      # "listing": a failed one is retried as a listing
                                                      # (by a later run's discovery), never as an article
                                                      "kind": "listing", "discovery": True,
                                                      "strategy": strategy, **meta})

    def broken_page(self, response, reason: str, *, kind: str = "listing"):
        retry = super().broken_page(response, reason, kind=kind)
        if retry is not None and retry.meta.get("discovery"):
            self.pending += 1  # asked again: not answered yet
        return retry

    def _answered(self, callback):
        """``callback`` wrapped to count the answer; one wrapper per callback, reused: Scrapy
        reads the source of every new callback function it meets (to warn about generators that
        return a value), which cost more than parsing the listing page itself."""
        key = getattr(callback, "__func__", callback)
        if key not in self.answered_wrappers:
            self.answered_wrappers[key] = self._wrap_answered(callback)
        return self.answered_wrappers[key]

    def _wrap_answered(self, callback):
        def wrapped(response):
            try:
                if response.status < 400:
                    yield from callback(response) or ()
                elif response.meta.get("follow_up") or (response.meta.get("configured")
                                                         and response.status not in ABSENT):
                    self.page_failed(self.canonical(response), f"HTTP {response.status}", kind="listing",
                                     status=response.status)
                else:
                    self.logger.info("discovery %s: %s answered HTTP %s", response.meta["strategy"],
                                     self.canonical(response), response.status)
            finally:
                self.pending -= 1
            yield from self._when_all_answered()
        wrapped.__name__ = getattr(callback, "__name__", "discovery")
        return wrapped

    def _discovery_error(self, failure):
        self.pending -= 1
        if failure.request.meta.get("follow_up") or failure.request.meta.get("configured"):
            self.record_failure(failure)
        self.logger.info("discovery: %s failed: %s", failure.request.meta.get("canonical"), failure.getErrorMessage())
        yield from self._when_all_answered()

    def _when_all_answered(self):
        if self.pending:
            return
        if not self.crawl_started and "crawl" in self.discovery_plan:
            self.crawl_started = True
            for root in self.discovery_roots():
                if not self.found_on_host.get(host_of(root)):
                    self.logger.info("discovery: nothing found on %s by %s; crawling it", root,
                                     ", ".join(s for s in self.discovery_plan if s != "crawl"))
                    request = self.discovery_request(root.rstrip("/") + "/", self.parse_crawl, "crawl", depth=0)
                    if request is not None:
                        yield request
            if self.pending:
                return
        if not any(self.found.values()):
            self.crawler.stats.set_value("archive/discovery/none", 1)
            self.logger.error("discovery: no strategy found any article (tried %s)", ", ".join(self.discovery_plan))

    def discovery_roots(self) -> tuple[str, ...]:
        return self.DISCOVERY_ROOTS or (self.HOSTS[0][1],)

    def found_article(self, response, strategy: str, url: str, listing_date: str | None = None,
                      date_kind: str = "listing"):
        """Count an article found by a strategy; a request for it unless the archive knows it."""
        self.discovered(strategy, url)
        self.count_listing_entries(1)
        known = self.known.get(url, {})
        if known and not known.get("recheck") and not (listing_date and known.get("weak_date")):
            return None, True
        meta = {"listing_date": listing_date, "listing_kind": date_kind} if listing_date else {}
        return self.article_request(url, meta=meta, dont_filter=url in self.undated), False

    # -- start ---------------------------------------------------------------------------------

    def discovery_start(self):
        previous = previous_discovery(self.settings.get("ARCHIVE_DB"), self.name)
        self.discovery_plan = tuple(s for s in plan(previous, self.incremental) if s in self.DISCOVERY_STRATEGIES)
        for strategy in self.discovery_plan:
            for root in self.discovery_roots() if strategy in PROBES else ():
                for path in PROBES[strategy]:
                    callback = {"robots_sitemap": self.parse_robots, "sitemap": self.parse_sitemap,
                                "feed": self.parse_feed_or_home, "wp_json": self.parse_wp_json,
                                "drupal_node": self.parse_drupal_node}[strategy]
                    request = self.discovery_request(root.rstrip("/") + path, callback, strategy)
                    if request is not None:
                        yield request
        if "listing" in self.discovery_plan:
            for url in self.LISTING_PAGES:
                request = self.discovery_request(url, self.parse_listing, "listing", configured=True)
                if request is not None:
                    yield request

    # -- callbacks -----------------------------------------------------------------------------

    def parse_robots(self, response):
        for line in response.text.splitlines():
            if line.lower().startswith("sitemap:"):
                url = line.split(":", 1)[1].strip()
                if host_of(url) in self.real_hosts():
                    request = self.discovery_request(url, self.parse_sitemap, "robots_sitemap")
                    if request is not None:
                        yield request

    def parse_sitemap(self, response):
        strategy = response.meta["strategy"]
        selector = Selector(text=response.text, type="xml")
        selector.remove_namespaces()
        for loc in selector.xpath("//sitemap/loc/text()").getall():
            loc = loc.strip()
            if host_of(loc) in self.real_hosts() and self.sitemaps_followed < MAX_SITEMAPS:
                self.sitemaps_followed += 1
                request = self.discovery_request(loc, self.parse_sitemap, strategy, follow_up=True)
                if request is not None:
                    yield request
        for loc in selector.xpath("//url/loc/text()").getall():
            url = self.absolute(response, loc.strip())
            if self.is_article_url(url):
                request, _ = self.found_article(response, strategy, url)
                if request is not None:
                    yield request

    def parse_feed_or_home(self, response):
        text = response.text.lstrip()
        if text.startswith("<?xml") or "<rss" in text[:300] or "<feed" in text[:300]:
            yield from self.parse_feed(response)
            return
        if "html" not in response.headers.get("Content-Type", b"").decode().lower():
            return
        for link in response.css("link[rel~=alternate]"):
            if link.attrib.get("type", "").lower() in FEED_TYPES and link.attrib.get("href"):
                request = self.discovery_request(self.absolute(response, link.attrib["href"]), self.parse_feed, "feed")
                if request is not None:
                    yield request

    def parse_feed(self, response):
        selector = Selector(text=response.text, type="xml")
        selector.remove_namespaces()
        for entry in selector.xpath("//item | //entry"):
            link = entry.xpath("./link/text()").get() or entry.xpath("./link/@href").get() or ""
            url = self.absolute(response, link.strip())
            if not self.is_article_url(url):
                continue
            stamp = None
            if raw := entry.xpath("./pubDate/text()").get():
                try:
                    stamp = parsedate_to_datetime(raw.strip()).isoformat()
                except (TypeError, ValueError):
                    stamp = None
            stamp = stamp or entry.xpath("./published/text()").get()
            request, _ = self.found_article(response, "feed", url, stamp, "feed")
            if request is not None:
                yield request

    def parse_wp_json(self, response):
        try:
            posts = json.loads(response.text)
        except ValueError:
            return
        if not isinstance(posts, list):
            return
        all_known = bool(posts)
        for post in posts:
            url = self.absolute(response, str(post.get("link") or "")) if isinstance(post, dict) else ""
            if not url or not self.is_article_url(url):
                continue
            request, known = self.found_article(response, "wp_json", url, post.get("date"), "feed")
            all_known = all_known and known
            if request is not None:
                yield request
        query = parse_qs(urlsplit(self.canonical(response)).query)
        per_page, page = int(query.get("per_page", ["10"])[0]), int(query.get("page", ["1"])[0])
        if len(posts) >= per_page and not (self.incremental and all_known):
            base = self.canonical(response).split("?", 1)[0]
            request = self.discovery_request(f"{base}?per_page={per_page}&page={page + 1}", self.parse_wp_json,
                                             "wp_json", follow_up=True)
            if request is not None:
                yield request

    def _article_links(self, response) -> list[str]:
        """Article URLs linked from a page's content (not its menus, sidebars or footer)."""
        urls = []
        for link in response.xpath("//body//a[@href]"):
            if any(a.tag in ("nav", "aside", "footer") for a in link.root.iterancestors()):
                continue
            url = self.absolute(response, link.attrib["href"])
            if self.is_article_url(url) and url not in urls:
                urls.append(url)
        return urls

    def parse_drupal_node(self, response):
        all_known = True
        urls = self._article_links(response)
        for url in urls:
            request, known = self.found_article(response, "drupal_node", url)
            all_known = all_known and known
            if request is not None:
                yield request
        page = int(parse_qs(urlsplit(self.canonical(response)).query).get("page", ["0"])[0])
        wanted = f"page={page + 1}"
        next_page = next((h for h in response.css("a::attr(href)").getall()
                          if "node?" in h and wanted in h.split("?", 1)[-1].split("&")), None)
        if urls and next_page and not (self.incremental and all_known):
            request = self.discovery_request(self.absolute(response, next_page), self.parse_drupal_node,
                                             "drupal_node", follow_up=True)
            if request is not None:
                yield request

    def parse_crawl(self, response):
        """Breadth-first over one root: article links are articles, listing-like links are followed."""
        depth = response.meta.get("depth", 0)
        root_host = host_of(self.canonical(response))
        all_known = True
        for link in response.css("a::attr(href)").getall():
            url = self.absolute(response, link)
            if self.is_article_url(url):
                request, known = self.found_article(response, "crawl", url)
                all_known = all_known and known
                if request is not None:
                    yield request
        if depth >= self.CRAWL_MAX_DEPTH or (self.incremental and all_known and depth > 0):
            return
        for link in response.css("a::attr(href)").getall():
            url = self.absolute(response, link)
            parts = urlsplit(url)
            if (host_of(url) != root_host or self.is_article_url(url)
                    or not self.LISTING_LIKE.search(parts.path + "?" + parts.query)):
                continue
            if self.crawl_pages.get(root_host, 0) >= self.CRAWL_MAX_PAGES:
                self.logger.warning("discovery: crawl of %s stopped at %d pages", root_host, self.CRAWL_MAX_PAGES)
                return
            request = self.discovery_request(url, self.parse_crawl, "crawl", depth=depth + 1)
            if request is not None:
                self.crawl_pages[root_host] = self.crawl_pages.get(root_host, 0) + 1
                yield request
