"""Running spiders in one Scrapy process and turning their runs into one exit code.

Shared by ``scrapy crawl`` (``crawler.commands.crawl``) and ``pilkada-archive crawl``; each
spider's run (``crawler.runs.ArchiveRun``) leaves its exit code in its stats.
"""

from __future__ import annotations

import signal

from crawler.runs import (
    EXIT_CRASH,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    ArchiveUnusable,
    Locked,
    RunLock,
    prepare_archive,
    worst,
)

# Settings with a range the crawl depends on (beyond their type): (lowest, highest).
SETTING_RANGES = {
    "ARCHIVE_RECHECK_DAYS": (0, 36500), "ARCHIVE_BATCH_SIZE": (1, 100_000), "ARCHIVE_MAX_ATTEMPTS": (1, 1000),
    "ARCHIVE_RETRY_BACKOFF_HOURS": (0, 24 * 365), "CONCURRENT_REQUESTS": (1, 10_000),
    "CONCURRENT_REQUESTS_PER_DOMAIN": (1, 10_000), "CONCURRENT_ITEMS": (1, 10_000),
    "HEALTH_HISTORY_RUNS": (1, 1000), "HEALTH_COVERAGE_DROP": (0, 1), "HEALTH_PARSE_FAILURE_SHARE": (0, 1),
    "HEALTH_GENERIC_SHARE": (0, 1), "DOWNLOAD_TIMEOUT": (0.1, 3600), "ARCHIVE_LISTING_RETRY_TIMES": (0, 100),
}


def check_setting(name: str, value: str) -> str:
    """A ``-s NAME=VALUE`` value checked against the type of the setting's default (and its
    range where the crawl depends on one); ValueError with one line saying what is wrong. So
    ``-s CONCURRENT_REQUESTS=abc`` is a usage error now, not a traceback or a false "layout
    changed?" later. Used by ``pilkada-archive crawl`` and ``scrapy crawl`` alike."""
    from datetime import date

    from scrapy.settings import default_settings

    from crawler import settings as project

    if name == "ARCHIVE_SINCE":
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValueError(f"-s {name} wants a date YYYY-MM-DD, got {value!r}") from None
    default = getattr(project, name, getattr(default_settings, name, None))
    if name == "ARCHIVE_ORIGINS":
        return _origins_setting(value)
    if isinstance(default, bool):
        if value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value
        raise ValueError(f"-s {name} wants true or false, got {value!r}")
    if isinstance(default, int | float):
        kind = float if isinstance(default, float) else int
        try:
            number = kind(value)
        except ValueError:
            raise ValueError(f"-s {name} wants {'a number' if kind is float else 'a whole number'}, "
                             f"got {value!r}") from None
        low, high = SETTING_RANGES.get(name, (0, float("inf")))
        if not low <= number <= high:
            raise ValueError(f"-s {name} must be between {low} and {high}, got {value!r}")
    return value


def _origins_setting(value: str) -> str:
    import json

    try:
        origins = json.loads(value)
    except ValueError:
        raise ValueError(f'-s ARCHIVE_ORIGINS wants JSON like {{"mmc_kobar": "http://127.0.0.1:8000/mmc_kobar"}}, '
                         f"got {value!r}") from None
    if not isinstance(origins, dict) or not all(isinstance(v, str) and valid_origin(v) for v in origins.values()):
        raise ValueError(f"-s ARCHIVE_ORIGINS wants an object of spider name -> http(s) URL, got {value!r}")
    return value


def valid_origin(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


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
    signalled = []
    crawlers = []
    try:
        prepare_archive(db_path)  # raises ArchiveUnusable: nothing starts
        for name in names:
            crawler = process.create_crawler(name)
            process.crawl(crawler, **(spider_args or {}))
            crawlers.append(crawler)
        from twisted.internet import reactor

        # After Scrapy installs its own signal handlers (at reactor startup), wrap them.
        reactor.addSystemEventTrigger("after", "startup", lambda: reactor.callLater(0, _note_signals, signalled))
        process.start()
    finally:
        lock.release()
    codes = []
    for crawler in crawlers:
        code = crawler.stats.get_value("archive/exit_code") if crawler.stats else None
        if code is None:
            # The spider never closed: stopped by a signal before it opened, or a bug.
            code = EXIT_INTERRUPTED if signalled else EXIT_CRASH
            run = getattr(crawler, "archive_run", None)
            if run is not None:
                run.abandon(code)
        codes.append(code)
    return worst(codes)


def _note_signals(signalled: list) -> None:
    """Remember a SIGINT/SIGTERM (Scrapy's own handlers still run): a crawl stopped before its
    spider even opened is "interrupted" (exit 5), not a crash."""
    for number in (signal.SIGINT, signal.SIGTERM):
        previous = signal.getsignal(number)
        if not callable(previous):
            continue

        def noted(signum, frame, previous=previous):
            signalled.append(signum)
            previous(signum, frame)

        signal.signal(number, noted)


__all__ = ["EXIT_LOCKED", "ArchiveUnusable", "LockedError", "crawl_in"]
