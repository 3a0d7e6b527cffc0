"""Scrapy settings for the real sites: polite by default.

``crawler.cli`` layers ``FAST_SETTINGS`` on top when every source is fetched from a mirror on
this machine (the replica), where politeness delays only slow the tests down.
"""

BOT_NAME = "pilkada-archive"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

USER_AGENT = "pilkada-archive/0.1 (+https://github.com/pilkada-archive/pilkada-archive; research archive of public election news)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 2
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 5
AUTOTHROTTLE_MAX_DELAY = 60
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
DNS_TIMEOUT = 10
CLOSESPIDER_TIMEOUT = 3 * 3600

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

# Pipelines, one job each, in this order.
ITEM_PIPELINES = {
    "crawler.pipelines.CleanPipeline": 100,
    "crawler.pipelines.NormalizePipeline": 200,
    "crawler.pipelines.ValidatePipeline": 300,
    "crawler.pipelines.TagPipeline": 400,
    "crawler.pipelines.DedupePipeline": 500,
    "crawler.pipelines.StorePipeline": 900,
}

EXTENSIONS = {"crawler.warc.WarcExtension": 500, "crawler.progress.ProgressExtension": 600}
PROGRESS_INTERVAL = 2.0

ARCHIVE_DB = "data/archive.db"
ARCHIVE_BATCH_SIZE = 200
ARCHIVE_RUN_ID = None
ARCHIVE_STATE_FILE = None
ARCHIVE_MAX_ATTEMPTS = 5

# Health: a source is "broken" when a field's coverage falls below HEALTH_COVERAGE_DROP times
# its average over the last HEALTH_HISTORY_RUNS healthy runs, or when more than
# HEALTH_PARSE_FAILURE_SHARE of its pages did not parse.
HEALTH_HISTORY_RUNS = 5
HEALTH_COVERAGE_DROP = 0.5
HEALTH_PARSE_FAILURE_SHARE = 0.2
HEALTH_GENERIC_SHARE = 0.5  # articles the selectors missed and the generic extractor had to take

FAST_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_TIMEOUT": 10,
    "RETRY_TIMES": 1,
}
