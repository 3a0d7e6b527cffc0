"""Spider middlewares: mirrors, and what a run fetches before the spider's own start pages."""

from __future__ import annotations

from scrapy import Request

from indonesian.urls import host_of


class _Component:
    """What every middleware here needs: the crawler (its spider, stats, signals)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)


class MirrorOriginMiddleware(_Component):
    """Fetch a canonical real-site URL from the spider's mirror (``-a origin=URL`` or
    ``ARCHIVE_ORIGINS``); the canonical URL stays in ``request.meta["canonical"]``.

    A spider middleware rather than a downloader middleware: it maps every request the spider
    yields before it is scheduled, where a downloader middleware would have to reschedule it
    (twice the scheduler's work, and another crawl order)."""

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


class ArchiveStartMiddleware(_Component):
    """Before a spider's own start pages: article URLs an earlier run discovered but did not get
    to (the frontier), the pages that failed in earlier runs and are due again, and the known
    articles inside the re-check window (an edit becomes a new version, a 404/410 marks the
    article removed). The lists come from ``crawler.runs.ArchiveRun``."""

    async def process_start(self, start):
        spider = self.crawler.spider
        if getattr(spider, "url_list", None) is None:
            rechecks = [url for url, info in spider.known.items() if info.get("recheck")]
            for url in dict.fromkeys([*spider.frontier_urls, *spider.retry_urls, *rechecks]):
                listing_date = spider.retry_urls.get(url)
                request = spider.article_request(url, meta={"listing_date": listing_date} if listing_date else None)
                if request is not None:
                    spider.undated.add(url)
                    yield request
        async for item_or_request in start:
            yield item_or_request


class CallbackErrorMiddleware(_Component):
    """A callback that raises on one page (a field of an unexpected type, markup nobody foresaw)
    costs that page only: it becomes a failed page with its reason, retried by later runs,
    and the crawl goes on. Without this, Scrapy logs the error and the page is lost unrecorded."""

    def process_spider_exception(self, response, exception):
        spider = self.crawler.spider
        spider.page_failed(spider.canonical(response), f"parse: {type(exception).__name__}: {exception}"[:300],
                           kind="parse", listing_date=response.meta.get("listing_date"))
        self.crawler.stats.inc_value("archive/failed/callback_error")
        return []


class DiscoveredLinksMiddleware(_Component):
    """An article page's item carries the article URLs first found on it (``discovered``), so
    that the store keeps them in the frontier in the same transaction as the page: a crawl
    killed before it fetched them finds them again next time, even when nothing but that
    page links to them."""

    def process_spider_output(self, response, result):
        outputs = list(result)
        yield from self._with_links(outputs)

    async def process_spider_output_async(self, response, result):
        outputs = [output async for output in result]
        for output in self._with_links(outputs):
            yield output

    @staticmethod
    def _with_links(outputs):
        links = [o.url for o in outputs if isinstance(o, Request) and o.meta.get("evidence")
                 and o.meta.get("kind", "page") == "page"]
        for output in outputs:
            if not isinstance(output, Request) and hasattr(output, "discovered") and links:
                output.discovered = links
            yield output
