"""Running spiders in one Scrapy process and turning their runs into one exit code.

Shared by ``scrapy crawl`` (``crawler.commands.crawl``) and ``pilkada-archive crawl``; each
spider's run (``crawler.runs.ArchiveRun``) leaves its exit code in its stats.
"""

from __future__ import annotations

from crawler.runs import (
    EXIT_CRASH,
    EXIT_LOCKED,
    ArchiveUnusable,
    Locked,
    RunLock,
    prepare_archive,
    worst,
)


class LockedError(Exception):
    """Another crawl holds the archive's lock: nothing was crawled."""


def crawl_in(process, names: list[str], spider_args: dict | None = None) -> int:
    """Crawl ``names`` in ``process`` (a crawler process not yet started); the run's exit code.

    The archive's lock is taken here first, so that a locked archive is a clean exit 75 before
    anything starts (the extension takes the same lock again, re-entrantly; under a runner that
    does not come through here, such as scrapyd's, the extension alone refuses the crawl).
    """
    db_path = process.settings.get("ARCHIVE_DB")
    try:
        lock = RunLock(db_path)
        lock.acquire()
    except Locked as error:
        raise LockedError(str(error)) from None
    try:
        prepare_archive(db_path)  # raises ArchiveUnusable: nothing starts
        crawlers = []
        for name in names:
            crawler = process.create_crawler(name)
            process.crawl(crawler, **(spider_args or {}))
            crawlers.append(crawler)
        process.start()
    finally:
        lock.release()
    codes = [crawler.stats.get_value("archive/exit_code") if crawler.stats else None for crawler in crawlers]
    return worst(EXIT_CRASH if code is None else code for code in codes)


__all__ = ["EXIT_LOCKED", "ArchiveUnusable", "LockedError", "crawl_in"]
