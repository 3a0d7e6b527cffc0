"""Spider middlewares: mirrors, and what a run fetches before the spider's own start pages."""

from __future__ import annotations

from scrapy import Request

from indonesian.urls import host_of


class MirrorOriginMiddleware:
    """Fetch a canonical real-site URL from the spider's mirror (``-a origin=URL`` or
    ``ARCHIVE_ORIGINS``); the canonical URL stays in ``request.meta["canonical"]``.

    A spider middleware rather than a downloader middleware: it maps every request the spider
    yields before it is scheduled, where a downloader middleware would have to reschedule it
    (twice the scheduler's work, and another crawl order)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _mapped(self, request):
        spider = self.crawler.spider
        mirror = getattr(spider, "mirror", None)
        if (not isinstance(request, Request) or not mirror or not mirror.origin
                or host_of(request.url) not in spider.real_hosts()):
            return request
        meta = {**request.meta, "canonical": request.meta.get("canonical") or request.url}
        return request.replace(url=mirror.fetch_url(request.url), meta=meta)

    async def process_start(self, start):
        async for item_or_request in start:
            yield self._mapped(item_or_request)

    def process_spider_output(self, response, result):
        for item_or_request in result:
            yield self._mapped(item_or_request)

    async def process_spider_output_async(self, response, result):
        async for item_or_request in result:
            yield self._mapped(item_or_request)


class ArchiveStartMiddleware:
    """Before a spider's own start pages: the pages that failed in earlier runs and are due
    again, and the known articles inside the re-check window (an edit becomes a new version,
    a 404/410 marks the article removed). Both lists come from ``crawler.runs.ArchiveRun``."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_start(self, start):
        spider = self.crawler.spider
        if getattr(spider, "url_list", None) is None:
            rechecks = [url for url, info in spider.known.items() if info.get("recheck")]
            for url in [*spider.retry_urls, *rechecks]:
                request = spider.article_request(url)
                if request is not None:
                    yield request
        async for item_or_request in start:
            yield item_or_request
