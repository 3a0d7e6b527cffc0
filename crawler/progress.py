"""Progress on a terminal, silence in cron: a line per source every few seconds, on a TTY only."""

from __future__ import annotations

import sys

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task


class ProgressExtension:
    def __init__(self, crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.loop = None

    @classmethod
    def from_crawler(cls, crawler):
        if not sys.stderr.isatty():
            raise NotConfigured  # cron: no terminal, no progress lines (and no warning about it)
        extension = cls(crawler, crawler.settings.getfloat("PROGRESS_INTERVAL", 2.0))
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def opened(self, spider):
        self.loop = task.LoopingCall(self.report, spider)
        self.loop.start(self.interval, now=False)

    def closed(self, spider):
        if self.loop and self.loop.running:
            self.loop.stop()
        self.report(spider, final=True)

    def report(self, spider, final: bool = False):
        stats = self.crawler.stats
        run = getattr(self.crawler, "archive_run", None)
        failed = len(run.failures) if run else stats.get_value("archive/articles/failed", 0)
        new = stats.get_value("archive/articles/new")
        stored = f"new {new}, updated {stats.get_value('archive/articles/updated', 0)}, " if new is not None else ""
        print(f"{'done ' if final else ''}{spider.name}: {stats.get_value('item_scraped_count', 0)} articles parsed "
              f"({stored}failed {failed}), "
              f"{stats.get_value('downloader/request_count', 0)} requests", file=sys.stderr, flush=True)
