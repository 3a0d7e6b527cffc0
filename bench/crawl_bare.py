"""Run the bare baseline spider with the project's crawl settings, minus pipelines and extensions."""

import json
import sys

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from bench.bare_spider import BareSpider
from crawler import settings as project_settings
from crawler.spider import LOOPBACK_SETTINGS

if __name__ == "__main__":
    base, stats_file = sys.argv[1], sys.argv[2]
    settings = Settings()
    settings.setmodule(project_settings)
    settings.setdict(LOOPBACK_SETTINGS)
    settings.setdict({"ITEM_PIPELINES": {}, "EXTENSIONS": {}, "DOWNLOADER_MIDDLEWARES": {},
                      "SPIDER_MIDDLEWARES": {}, "LOG_LEVEL": "WARNING"})
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, base=base)
    process.start()
    stats = crawler.stats.get_stats()
    with open(stats_file, "w") as handle:
        json.dump({"responses": stats.get("downloader/response_count", 0),
                   "items": stats.get("item_scraped_count", 0)}, handle)
