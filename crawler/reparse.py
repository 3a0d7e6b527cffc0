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
from crawler.offline import offline_spider, pipelines
from crawler.warc import iter_responses, warc_dir
from spiders.kemendagri import KemendagriSpider
from spiders.mmc_kobar import MmcKobarSpider

SPIDERS = {"mmc_kobar": MmcKobarSpider, "kemendagri": KemendagriSpider}


def reparse(db_path: str, files: list[Path] | None = None) -> dict[str, dict]:
    """Parse every response record again; returns per-source counts of what happened."""
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
        crawler, spider = offline_spider(spider_class, settings.copy_to_dict())
        chain = pipelines(crawler)
        for pipeline in chain:
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
                        for pipeline in chain:
                            output = pipeline.process_item(output)
                    except DropItem:
                        continue
        for pipeline in chain:
            if hasattr(pipeline, "close_spider"):
                pipeline.close_spider()
        stats = crawler.stats.get_stats()
        results[name] = {"records": records, **{k.rsplit("/", 1)[1]: v for k, v in stats.items()
                                                if k.startswith("archive/articles/")}}
    return results
