"""``scrapy crawl NAME``, exiting with the run's exit code (0 ok, 3 pages failed, 4 source
broken, 75 locked) like ``pilkada-archive crawl``."""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from crawler.runner import EXIT_LOCKED, LockedError, crawl_in


class Command(ScrapyCrawl):
    def run(self, args, opts):
        if len(args) != 1:
            raise UsageError("scrapy crawl takes one spider (pilkada-archive crawl runs several)")
        try:
            self.exitcode = crawl_in(self.crawler_process, args, opts.spargs)
        except LockedError as error:
            print(f"not crawling: {error}", file=sys.stderr)
            self.exitcode = EXIT_LOCKED
