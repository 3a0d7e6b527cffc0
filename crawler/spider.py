"""What every source spider shares: canonical requests, failures, and what the archive knows.

A source module declares its facts (``HOSTS``, ``PREFERRED_HOSTS``, ``TITLE_SUFFIX``,
``PUBLISHER_REGION``, start pages, selectors) and implements its callbacks; everything about a
run lives in Scrapy components configured in ``crawler.settings``:

- ``crawler.middlewares.MirrorOriginMiddleware`` fetches canonical URLs from a mirror
  (``-a origin=URL`` or the ``ARCHIVE_ORIGINS`` setting), so spiders only ever name real URLs;
- ``crawler.runs.ArchiveRun`` (an extension) holds the lock, writes the ledger, judges health,
  records failures and takedowns, and hands the spider what the archive already knows
  (``known``, ``retry_urls``, ``previous_complete``) before its first request.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError, TCPTimedOutError, TimeoutError

from crawler.items import Article
from crawler.origins import Mirror
from indonesian.dates import utc_stamp
from indonesian.urls import canonical_url, host_of

# A custom signal: a page that could not be fetched or parsed (url, reason, kind, status).
page_failed = object()

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
UNSAFE_URL = re.compile(r"[\s<>\"'`\\\x00-\x1f\x7f]")  # never part of a URL an article is filed under

# Politeness is for real sites; a mirror on this machine (the replica) is fetched at full speed.
LOOPBACK_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_TIMEOUT": 10,
    "RETRY_TIMES": 1,
}


def is_loopback(origin: str | None) -> bool:
    return bool(origin) and (urlsplit(origin).hostname or "") in LOOPBACK_HOSTS


class ArchiveSpider(scrapy.Spider):
    HOSTS: tuple[tuple[str, str], ...] = ()  # path prefix -> real origin, most specific first
    PREFERRED_HOSTS: tuple[str, ...] = ()  # the host a release is filed under when copies exist
    TITLE_SUFFIX = None  # a compiled pattern: the site's name after the title, removed
    PUBLISHER_REGION: str | None = None  # Kemendagri area code of the publisher, if regional
    PUBLICATION: str | None = None  # the name readers know it by, as a citation names it
    PUBLISHER: str | None = None  # the body that publishes it
    PUBLISHER_TYPE: str | None = None  # media_center, ministry, kpu, bawaslu, regency (the registry's)
    LAYOUT_FAMILY: str | None = None  # the registry's layout family
    HOME_URL: str | None = None

    def __init__(self, origin: str | None = None, urls: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mirror = Mirror(self.HOSTS, origin or None)
        self.url_list = [u for u in _read_url_list(urls) if host_of(u) in self.real_hosts()] if urls else None
        # Filled by crawler.runs.ArchiveRun when the spider opens.
        self.known: dict[str, dict] = {}
        self.retry_urls: dict[str, str | None] = {}  # url -> the date a listing gave it
        self.frontier_urls: list[str] = []
        self.previous_complete = False
        self.vanished: list[str] = []  # known articles the source's complete listing no longer has
        # Article URLs requested before a listing could give their date (in-article links,
        # retries, the frontier): a listing that dates one fetches it again with its date.
        self.undated: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        origin = kwargs.get("origin") or crawler.settings.getdict("ARCHIVE_ORIGINS").get(cls.name)
        kwargs["origin"] = origin
        spider = super().from_crawler(crawler, *args, **kwargs)
        if is_loopback(origin):
            # Settings are frozen only after the spider is created; "spider" priority keeps
            # the project's polite defaults out and still lets `-s NAME=VALUE` win.
            crawler.settings.setdict(LOOPBACK_SETTINGS, priority="spider")
        return spider

    @classmethod
    def description(cls) -> dict:
        """The source as the archive's ``sources`` table keeps it."""
        return {"publication": cls.PUBLICATION or cls.name, "publisher": cls.PUBLISHER,
                "home_url": cls.HOME_URL, "hosts": cls.real_hosts(), "publisher_region": cls.PUBLISHER_REGION,
                "publisher_type": cls.PUBLISHER_TYPE, "layout_family": cls.LAYOUT_FAMILY}

    @classmethod
    def real_hosts(cls) -> list[str]:
        return list(_real_hosts(tuple(map(tuple, cls.HOSTS))))

    def host_rank(self, url: str) -> int:
        """0 for the host that originates a release, 1 for hosts that copy it."""
        return 0 if host_of(url) in self.PREFERRED_HOSTS else 1

    def count_listing_entries(self, count: int) -> None:
        self.crawler.stats.inc_value("archive/listing/entries", count)

    def request(self, canonical: str, callback, *, meta: dict | None = None, evidence: bool = False,
                **kwargs) -> scrapy.Request:
        """A request for a canonical URL. ``evidence``: its response is kept in the WARC file
        (pages that articles are made from)."""
        return scrapy.Request(canonical, callback=callback, errback=self.record_failure,
                              meta={"canonical": canonical, "evidence": evidence, **(meta or {})}, **kwargs)

    def article_request(self, canonical: str, **kwargs) -> scrapy.Request | None:
        """A request for one known article page (re-checks, retries); None for sources whose
        articles cannot be fetched one by one."""
        parse = getattr(self, "parse_article", None)
        return self.request(canonical, parse, evidence=True, **kwargs) if parse else None

    def canonical(self, response) -> str:
        return response.meta.get("canonical") or self.mirror.canonical(response.url)

    def absolute(self, response, href: str) -> str:
        """The canonical URL of a link found on a page.

        Relative links are resolved against the page's real URL, as a browser on the real
        site would, so a mirror below a path prefix still yields the right canonical URL.
        """
        href = href.strip()
        if self.mirror.origin and href.startswith(self.mirror.origin.rstrip("/")):
            return self.mirror.canonical(href)
        return _resolved(self.canonical(response), href)

    def is_article_url(self, url: str) -> bool:
        """A canonical URL this source could serve an article at: https, one of the source's
        hosts, a clean path (no traversal, no markup), and the source's ``ARTICLE_PATH`` when it
        declares one. Aliases and links that fail this are not stored as URLs."""
        parts = urlsplit(url)
        path = parts.path
        if parts.scheme != "https" or (parts.hostname or "") not in self.real_hosts():
            return False
        try:
            if parts.username or parts.password or parts.port:  # never in a source's article URL
                return False
        except ValueError:  # a port that is not a number
            return False
        if UNSAFE_URL.search(url) or any(segment in ("..", ".") for segment in path.split("/")):
            return False
        pattern = getattr(self, "ARTICLE_PATH", None)
        return bool(pattern.match(path)) if pattern is not None else True

    def new_article(self, response, **fields) -> Article:
        warc = response.meta.get("warc") or {}
        fields["aliases"] = [a for a in fields.get("aliases") or [] if self.is_article_url(a)]
        return Article(url=canonical_url(self.canonical(response)), source=self.name,
                       fetched_url=response.url, fetched_at=response.meta.get("fetched_at") or utc_stamp(),
                       http_status=response.status, warc_file=warc.get("file"),
                       publisher_region=self.PUBLISHER_REGION,
                       warc_record_id=warc.get("record_id"), **fields)

    def record_failure(self, failure) -> None:
        """Errback of every request: the page is recorded as failed, with its reason."""
        request = failure.request
        if failure.check(HttpError):
            reason = f"HTTP {failure.value.response.status}"
        elif failure.check(DNSLookupError):
            reason = "DNS lookup failed"
        elif failure.check(TimeoutError, TCPTimedOutError):
            reason = "timeout"
        else:
            reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"[:300]
        canonical = request.meta.get("canonical") or self.mirror.canonical(request.url)
        status = getattr(getattr(failure.value, "response", None), "status", None)
        self.page_failed(canonical, reason, kind=request.meta.get("kind", "page"), status=status,
                         listing_date=request.meta.get("listing_date"))

    def broken_page(self, response, reason: str, *, kind: str = "listing") -> scrapy.Request | None:
        """A page that came back whole but broken (a listing without entries, an API page that is
        not what the API documents): asked again in this run, as Scrapy's retry middleware asks
        again after a 500, up to the request's retry budget; then a failed page with its reason.
        A broken listing costs more than its own entries (the next run walks every listing page
        again to cover what it would have led to), so listings get the larger budget
        (``listing_retries``)."""
        retry = get_retry_request(response.request, spider=self, reason=reason)
        if retry is None:
            self.page_failed(self.canonical(response), reason, kind=kind, listing_date=response.meta.get("listing_date"))
        return retry

    def listing_retries(self) -> dict:
        """The request meta of a listing page: its retry budget (``ARCHIVE_LISTING_RETRY_TIMES``)."""
        return {"max_retry_times": self.settings.getint("ARCHIVE_LISTING_RETRY_TIMES")}

    def page_failed(self, url: str, reason: str, *, kind: str = "parse", status: int | None = None,
                    listing_date: str | None = None) -> None:
        """Record a page that could not be fetched or parsed; ``listing_date``: the date a listing
        gave it, kept so that its retry is dated like its first attempt would have been."""
        self.crawler.stats.inc_value(f"archive/failed/{'parse' if kind == 'parse' else reason.split(':')[0]}")
        self.logger.warning("failed %s: %s", url, reason)
        self.crawler.signals.send_catch_log(page_failed, url=url, reason=reason, kind=kind, status=status,
                                            listing_date=listing_date)

    def is_known(self, canonical: str) -> bool:
        return canonical in self.known

    @property
    def incremental(self) -> bool:
        """Stop listings at known articles only when the last run of this source finished."""
        return bool(self.known) and self.previous_complete


@cache
def _real_hosts(hosts: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """Asked for every request and link: computed once per source."""
    return tuple(dict.fromkeys(host_of(origin) for _, origin in hosts))


@lru_cache(maxsize=8192)
def _resolved(base: str, href: str) -> str:
    """The canonical URL of ``href`` on the page ``base``: a pure function of the two strings,
    asked twice for most links of an article (its related links, then the links followed)."""
    return canonical_url(urljoin(base, href))


def _read_url_list(path: str) -> list[str]:
    lines = Path(path).read_text("utf-8").splitlines()
    return [canonical_url(line.strip()) for line in lines if line.strip() and not line.startswith("#")]
