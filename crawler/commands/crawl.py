"""``scrapy crawl NAME``, exiting with the run's exit code like ``pilkada-archive crawl`` (0 ok,
3 pages failed, 4 source broken, 5 interrupted, 6 storage error, 75 locked)."""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from crawler.runner import EXIT_LOCKED, ArchiveUnusable, LockedError, crawl_in


class Command(ScrapyCrawl):
    def run(self, args, opts):
        if len(args) != 1:
            raise UsageError("scrapy crawl takes one spider (pilkada-archive crawl runs several)")
        try:
            self.exitcode = crawl_in(self.crawler_process, args, opts.spargs)
        except LockedError as error:
            print(f"not crawling: {error}", file=sys.stderr)
            self.exitcode = EXIT_LOCKED
        except ArchiveUnusable as error:
            print(f"not crawling: {error}", file=sys.stderr)
            self.exitcode = error.exit_code
