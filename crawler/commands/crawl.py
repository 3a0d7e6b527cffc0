"""``scrapy crawl NAME``, exiting with the run's exit code like ``pilkada-archive crawl`` (0 ok,
3 pages failed, 4 source broken, 5 interrupted, 6 storage error, 75 locked)."""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from crawler.runner import (
    EXIT_LOCKED,
    ArchiveUnusable,
    LockedError,
    check_setting,
    crawl_in,
    valid_origin,
)


class Command(ScrapyCrawl):
    default_settings = {**ScrapyCrawl.default_settings, "ARCHIVE_RUN": True}

    def run(self, args, opts):
        if len(args) != 1:
            raise UsageError("scrapy crawl takes one spider (pilkada-archive crawl runs several)")
        if args[0] not in self.crawler_process.spider_loader.list():
            raise UsageError(f"unknown spider {args[0]!r}; known: {self.crawler_process.spider_loader.list()}",
                             print_help=False)
        origin = (opts.spargs or {}).get("origin")
        if origin is not None and not valid_origin(origin):
            raise UsageError(f"-a origin wants the mirror's http(s) URL, got {origin!r}", print_help=False)
        for pair in getattr(opts, "set", None) or []:
            name, _, value = pair.partition("=")
            try:
                check_setting(name, value)
            except ValueError as error:
                raise UsageError(str(error), print_help=False) from None
        if self.crawler_process.settings.get("ARCHIVE_REDIS_URL"):
            # A worker of a distributed crawl (crawler.distributed): no archive, no lock here.
            from crawler.distributed import run_workers

            try:
                self.exitcode = run_workers(args, {"ARCHIVE_REDIS_URL": self.crawler_process.settings.get(
                    "ARCHIVE_REDIS_URL")}, process=self.crawler_process)
            except (TimeoutError, ValueError, OSError) as error:
                print(f"not crawling: {error}", file=sys.stderr)
                self.exitcode = 2
            return
        try:
            self.exitcode = crawl_in(self.crawler_process, args, opts.spargs)
        except LockedError as error:
            print(f"not crawling: {error}", file=sys.stderr)
            self.exitcode = EXIT_LOCKED
        except ArchiveUnusable as error:
            print(f"not crawling: {error}", file=sys.stderr)
            self.exitcode = error.exit_code
