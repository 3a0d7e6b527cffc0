"""Re-run extraction over stored WARC files into the archive, without the network.

After a parser fix: every response record is parsed again by its spider's callback and goes
through the same pipelines as a crawl; a changed text becomes a new version that points to the
same WARC record, an unchanged one stays as it is.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from crawler.replay import (
    call,
    items_from,
    offline_spider,
    pipelines,
    response,
    spider_names,
    through_async,
)
from crawler.warc import iter_responses, warc_dir


def reparse(db_path: str, files: list[Path] | None = None) -> dict[str, dict]:
    """Parse every response record again; returns per-source counts of what happened."""
    return asyncio.run(_reparse(db_path, files or sorted(warc_dir(db_path).glob("*.warc.gz"))))


async def _reparse(db_path: str, files: list[Path]) -> dict[str, dict]:
    results: dict[str, dict] = {}
    for name in spider_names():
        mine = [f for f in files if f.name.endswith(f"-{name}.warc.gz")]
        if not mine:
            continue
        crawler, spider = offline_spider(name, {"ARCHIVE_RUN": True, "ARCHIVE_DB": db_path, "ARCHIVE_RUN_ID": "reparse"})
        chain = pipelines(crawler)
        for pipeline in chain:
            if hasattr(pipeline, "open_spider"):
                await call(pipeline.open_spider)
        records = 0
        for path in mine:
            for url, callback, meta, status, headers, body in iter_responses(path):
                records += 1
                page = response(url, body, meta, is_json="json" in dict(headers).get("Content-Type", ""),
                                status=status)
                for item in items_from(spider, callback, page):
                    await through_async(chain, item)
        for pipeline in chain:
            if hasattr(pipeline, "close_spider"):
                await call(pipeline.close_spider)
        stats = crawler.stats.get_stats()
        results[name] = {"records": records, **{k.rsplit("/", 1)[1]: v for k, v in stats.items()
                                                if k.startswith("archive/articles/")}}
    return results
