"""Bytes -> response -> callback -> pipelines, without a running crawl.

The one replay path of the project: ``pilkada-archive reparse`` (WARC records back into the
archive), the frozen-page tests and the gold-set evaluation all go through it.
"""

from __future__ import annotations

import inspect

from scrapy.exceptions import DropItem, NotConfigured
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.settings import Settings
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.misc import load_object
from scrapy.utils.reactor import install_reactor, is_reactor_installed

from crawler import settings as project_settings


def project_settings_with(overrides: dict | None = None) -> Settings:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.setdict(overrides or {}, priority="cmdline")
    return settings


def spider_names() -> list[str]:
    """Every source, in the order of the registry (``SPIDER_LOADER_CLASS``)."""
    return get_spider_loader(project_settings_with()).list()


def spider_class(name: str):
    return get_spider_loader(project_settings_with()).load(name)


def offline_spider(name_or_class, settings: dict | None = None, **spider_args):
    """(crawler, spider) with the crawler's ``spider`` set, as pipelines expect. Scrapy wants its
    reactor installed before a crawler is configured, even when nothing is downloaded."""
    from scrapy.utils.test import get_crawler

    if not is_reactor_installed():
        install_reactor(project_settings.TWISTED_REACTOR)
    cls = spider_class(name_or_class) if isinstance(name_or_class, str) else name_or_class
    crawler = get_crawler(cls, settings_dict=project_settings_with(settings).copy_to_dict())
    spider = cls.from_crawler(crawler, **spider_args)
    crawler.spider = spider
    return crawler, spider


def pipelines(crawler, names: list[str] | None = None) -> list:
    """The project's item pipelines in their configured order (or only the ones named)."""
    configured = crawler.settings.getdict("ITEM_PIPELINES") or project_settings.ITEM_PIPELINES
    order = sorted(configured.items(), key=lambda kv: kv[1])
    paths = [path for path, _ in order if names is None or path.rsplit(".", 1)[1] in names]
    built = []
    for path in paths:
        try:
            built.append(load_object(path).from_crawler(crawler))
        except NotConfigured:
            continue  # e.g. the store outside a crawl (ARCHIVE_RUN off)
    return built


def response(url: str, body: bytes, meta: dict, *, is_json: bool = False, status: int = 200):
    request = Request(url, meta=meta)
    cls = TextResponse if is_json else HtmlResponse
    return cls(url=url, status=status, body=body, encoding="utf-8", request=request)


def items_from(spider, callback: str, page) -> list:
    """The items a callback makes of a response (the requests it yields are dropped)."""
    return [o for o in getattr(spider, callback)(page) or [] if not isinstance(o, Request)]


def through(chain: list, item):
    """An item through pure (synchronous) pipelines; None when one drops it."""
    try:
        for pipeline in chain:
            item = pipeline.process_item(item)
    except DropItem:
        return None
    return item


async def through_async(chain: list, item):
    """An item through every pipeline, the store's coroutine included; None when dropped."""
    try:
        for pipeline in chain:
            result = pipeline.process_item(item)
            item = await result if inspect.isawaitable(result) else result
    except DropItem:
        return None
    return item


async def call(method):
    result = method()
    if inspect.isawaitable(result):
        await result
