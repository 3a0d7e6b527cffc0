"""Re-run extraction over stored WARC files into the archive, without the network.

After a parser fix: every response record is parsed again by its spider's callback and goes
through the same pipelines as a crawl; a changed text becomes a new version that points to the
same WARC record, an unchanged one stays as it is.
"""

from __future__ import annotations

from pathlib import Path

from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.settings import Settings

from crawler import settings as project_settings
from crawler.warc import iter_responses, warc_dir
from spiders.kemendagri import KemendagriSpider
from spiders.mmc_kobar import MmcKobarSpider

SPIDERS = {"mmc_kobar": MmcKobarSpider, "kemendagri": KemendagriSpider}


def _pipelines(crawler):
    from scrapy.utils.misc import load_object

    order = sorted(crawler.settings.getdict("ITEM_PIPELINES").items(), key=lambda kv: kv[1])
    return [load_object(path).from_crawler(crawler) for path, _ in order]


def reparse(db_path: str, files: list[Path] | None = None) -> dict[str, dict]:
    """Parse every response record again; returns per-source counts of what happened."""
    from scrapy.utils.reactor import install_reactor, is_reactor_installed
    from scrapy.utils.test import get_crawler

    if not is_reactor_installed():
        install_reactor(project_settings.TWISTED_REACTOR)
    files = files or sorted(warc_dir(db_path).glob("*.warc.gz"))
    results: dict[str, dict] = {}
    for name, spider_class in SPIDERS.items():
        mine = [f for f in files if f.name.endswith(f"-{name}.warc.gz")]
        if not mine:
            continue
        settings = Settings()
        settings.setmodule(project_settings)
        settings.set("ARCHIVE_DB", db_path)
        settings.set("ARCHIVE_RUN_ID", "reparse")
        crawler = get_crawler(spider_class, settings_dict=settings.copy_to_dict())
        spider = spider_class.from_crawler(crawler)
        crawler.spider = spider
        pipelines = _pipelines(crawler)
        for pipeline in pipelines:
            if hasattr(pipeline, "open_spider"):
                pipeline.open_spider()
        records = 0
        for path in mine:
            for url, callback, meta, status, headers, body in iter_responses(path):
                records += 1
                request = Request(url, meta=meta)
                content_type = dict(headers).get("Content-Type", "")
                response_class = TextResponse if "json" in content_type else HtmlResponse
                response = response_class(url=url, status=status, body=body, encoding="utf-8", request=request)
                for output in getattr(spider, callback)(response):
                    if isinstance(output, Request):
                        continue
                    try:
                        for pipeline in pipelines:
                            output = pipeline.process_item(output)
                    except DropItem:
                        continue
        for pipeline in pipelines:
            if hasattr(pipeline, "close_spider"):
                pipeline.close_spider()
        stats = crawler.stats.get_stats()
        results[name] = {"records": records, **{k.rsplit("/", 1)[1]: v for k, v in stats.items()
                                                if k.startswith("archive/articles/")}}
    return results
