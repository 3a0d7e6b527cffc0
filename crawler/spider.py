"""What every source spider shares: mirrors, URL lists, failures, incremental state.

A source spider declares ``name``, ``HOSTS`` (path prefix -> real origin) and its start pages,
and implements the callbacks. This base turns ``-a origin=URL`` and ``-a urls=FILE`` into
requests, names every response by its canonical URL, records failed requests, and knows which
articles the archive already has (so listings can stop early on an incremental run).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError, TCPTimedOutError, TimeoutError

from crawler.items import Article
from crawler.urls import Mirror, canonical_url, host_of


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class ArchiveSpider(scrapy.Spider):
    HOSTS: tuple[tuple[str, str], ...] = ()
    PUBLISHER_REGION: str | None = None  # Kemendagri area code of the publisher, if regional

    def __init__(self, origin: str | None = None, urls: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mirror = Mirror(self.HOSTS, origin or None)
        hosts = {host_of(origin) for _, origin in self.HOSTS}
        self.url_list = [u for u in _read_url_list(urls) if host_of(u) in hosts] if urls else None
        self.failures: list[dict] = []
        self.known: dict[str, dict] = {}
        self.retry_urls: list[str] = []
        self.previous_complete = False
        self.vanished: list[str] = []  # known articles the source's complete listing no longer has

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        state_file = crawler.settings.get("ARCHIVE_STATE_FILE")
        if state_file and Path(state_file).exists():
            state = json.loads(Path(state_file).read_text("utf-8")).get(spider.name, {})
            spider.known = state.get("known", {})
            spider.retry_urls = state.get("retry", [])
            spider.previous_complete = state.get("complete", False)
        return spider

    def retry_requests(self, callback):
        """Pages that failed in earlier runs and are due for another attempt."""
        for url in self.retry_urls:
            yield self.request(url, callback, meta={"retry_of_failure": True})

    def recheck_requests(self, callback):
        """Known articles inside the re-check window, fetched directly: an edit shows up as a
        new version, and a page that now answers 404/410 marks its article removed."""
        for url, info in self.known.items():
            if info.get("recheck"):
                yield self.request(url, callback)

    def count_listing_entries(self, count: int) -> None:
        self.crawler.stats.inc_value("archive/listing/entries", count)

    def request(self, canonical: str, callback, *, meta: dict | None = None, **kwargs) -> scrapy.Request:
        """A request for a canonical URL, fetched from the mirror when there is one."""
        return scrapy.Request(self.mirror.fetch_url(canonical), callback=callback,
                              errback=self.record_failure, meta={"canonical": canonical, **(meta or {})},
                              **kwargs)

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
        return canonical_url(urljoin(self.canonical(response), href))

    def new_article(self, response, **fields) -> Article:
        warc = response.meta.get("warc") or {}
        return Article(url=canonical_url(self.canonical(response)), source=self.name,
                       fetched_url=response.url, fetched_at=response.meta.get("fetched_at") or utc_now(),
                       http_status=response.status, warc_file=warc.get("file"),
                       publisher_region=self.PUBLISHER_REGION,
                       warc_record_id=warc.get("record_id"), **fields)

    def record_failure(self, failure) -> None:
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
        self.failures.append({"url": canonical, "reason": reason, "kind": request.meta.get("kind", "page"),
                              "status": getattr(getattr(failure.value, "response", None), "status", None)})
        self.crawler.stats.inc_value(f"archive/failed/{reason.split(':')[0]}")
        self.logger.warning("failed %s: %s", canonical, reason)

    def record_parse_failure(self, url: str, reason: str) -> None:
        self.failures.append({"url": url, "reason": reason, "kind": "parse", "status": None})
        self.crawler.stats.inc_value("archive/failed/parse")
        self.logger.warning("could not parse %s: %s", url, reason)

    def is_known(self, canonical: str) -> bool:
        return canonical in self.known

    @property
    def incremental(self) -> bool:
        """Stop listings at known articles only when the last run of this source finished."""
        return bool(self.known) and self.previous_complete


def _read_url_list(path: str) -> list[str]:
    lines = Path(path).read_text("utf-8").splitlines()
    return [canonical_url(line.strip()) for line in lines if line.strip() and not line.startswith("#")]
