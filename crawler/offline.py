"""A spider and its pipelines outside a running crawl: for reparse, tests and benchmarks.

Scrapy wants its reactor installed before a crawler is configured, even when nothing is
downloaded; this installs the project's reactor once and hands back a ready spider.
"""

from __future__ import annotations

from scrapy.utils.misc import load_object
from scrapy.utils.reactor import install_reactor, is_reactor_installed

from crawler import settings as project_settings


def offline_spider(spider_class, settings: dict | None = None, **spider_args):
    """(crawler, spider) with the crawler's ``spider`` set, as pipelines expect."""
    from scrapy.utils.test import get_crawler

    if not is_reactor_installed():
        install_reactor(project_settings.TWISTED_REACTOR)
    crawler = get_crawler(spider_class, settings_dict=settings)
    spider = spider_class.from_crawler(crawler, **spider_args)
    crawler.spider = spider
    return crawler, spider


def pipelines(crawler, names: list[str] | None = None) -> list:
    """The project's item pipelines in their configured order (or only the ones named)."""
    configured = crawler.settings.getdict("ITEM_PIPELINES") or project_settings.ITEM_PIPELINES
    order = sorted(configured.items(), key=lambda kv: kv[1])
    paths = [path for path, _ in order if names is None or path.rsplit(".", 1)[1] in names]
    return [load_object(path).from_crawler(crawler) for path in paths]
