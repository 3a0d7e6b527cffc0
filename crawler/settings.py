"""Scrapy settings for the real sites: polite by default.

A spider fetched from a mirror on this machine (the replica) raises its own speed
(``crawler.spider.LOOPBACK_SETTINGS``); ``-s NAME=VALUE`` overrides any setting, for
``scrapy crawl`` and ``pilkada-archive crawl`` alike.
"""

BOT_NAME = "pilkada-archive"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# Every source is an entry of the registry (spiders/sources.toml): the loader checks it and builds
# the spiders of the layout families (crawler/registry.py). A file path may replace it.
SPIDER_LOADER_CLASS = "crawler.registry.RegistrySpiderLoader"
SOURCE_REGISTRY = "spiders/sources.toml"
COMMANDS_MODULE = "crawler.commands"  # `scrapy crawl` exits with the run's exit code

USER_AGENT = "pilkada-archive/0.1 (+https://github.com/pilkada-archive/pilkada-archive; research archive of public election news)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 2.0
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 5.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30.0
RETRY_ENABLED = True
RETRY_TIMES = 2
# A listing page (or an API page) that fails or comes back without entries is asked again this
# often within the run: one that stays broken makes the next run walk every listing page again,
# and under a steady share of failing requests those walks never end (tests/test_faults.py).
ARCHIVE_LISTING_RETRY_TIMES = 4
DNS_TIMEOUT = 10.0
CLOSESPIDER_TIMEOUT = 3 * 3600

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no debugging server on a cron machine
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

# Pipelines, one job each, in this order.
ITEM_PIPELINES = {
    "crawler.pipelines.CleanPipeline": 100,
    "crawler.pipelines.StripBoilerplatePipeline": 200,
    "crawler.pipelines.ResolveDatePipeline": 250,
    "crawler.pipelines.ValidatePipeline": 300,
    "crawler.pipelines.TagPipeline": 400,
    "crawler.pipelines.LinkRegionsPipeline": 450,
    "crawler.pipelines.FingerprintPipeline": 500,
    "crawler.pipelines.StorePipeline": 900,
}

# The mirror mapping sits nearest the engine, so it also maps the re-checks and retries that
# ArchiveStartMiddleware (nearest the spider) adds to the spider's start.
SPIDER_MIDDLEWARES = {"crawler.middlewares.MirrorOriginMiddleware": 10,
                      "crawler.middlewares.DiscoveredLinksMiddleware": 800,
                      "crawler.middlewares.ArchiveStartMiddleware": 900,
                      "crawler.middlewares.CallbackErrorMiddleware": 950}
EXTENSIONS = {
    "crawler.runs.ArchiveRun": 100,
    "crawler.warc.WarcExtension": 500,
    "crawler.progress.ProgressExtension": 600,
}
PROGRESS_INTERVAL = 2.0

# ARCHIVE_RUN (not set here, off by default): only a crawl writes the archive, its ledger and
# WARC files. `scrapy crawl` (crawler.commands.crawl), `pilkada-archive crawl` and reparse turn it
# on; `scrapy parse`, `shell` or `check` on a page never write anything.
ARCHIVE_DB = "data/archive.db"
ARCHIVE_ORIGINS: dict[str, str] = {}  # spider name -> mirror origin (same as -a origin=URL)
ARCHIVE_BATCH_SIZE = 200
ARCHIVE_RUN_ID = None  # one id per process when unset
ARCHIVE_MAX_ATTEMPTS = 5  # a failed page is given up after this many attempts
ARCHIVE_RETRY_BACKOFF_HOURS = 6.0  # ... retried after 6 h, 12 h, 24 h ...
ARCHIVE_RECHECK_DAYS = 7  # known articles published this recently are fetched again
ARCHIVE_SINCE = None  # ... or published since this date (YYYY-MM-DD)
ARCHIVE_FULL = False  # ignore what the archive knows
ARCHIVE_PREFLIGHT = True  # check in seconds that a real site answers before crawling it

# Health: a source is "broken" when a field's coverage falls below HEALTH_COVERAGE_DROP times
# its average over the last HEALTH_HISTORY_RUNS healthy runs, or when more than
# HEALTH_PARSE_FAILURE_SHARE of its pages did not parse.
HEALTH_HISTORY_RUNS = 5
HEALTH_COVERAGE_DROP = 0.5
HEALTH_PARSE_FAILURE_SHARE = 0.2
HEALTH_GENERIC_SHARE = 0.5  # articles the selectors missed and the generic extractor had to take

# Distributed crawls (crawler.distributed, docs/decisions/workers.md): with ARCHIVE_REDIS_URL set,
# `scrapy crawl` and `pilkada-archive crawl --redis` are workers of the run a
# `pilkada-archive write --redis` process published; the writer alone writes the archive.
ARCHIVE_REDIS_URL = None  # e.g. redis://127.0.0.1:6379/0
ARCHIVE_REDIS_PREFIX = "pilkada"  # Redis key prefix: one distributed run at a time per prefix
ARCHIVE_REDIS_WAIT = 600.0  # a worker waits this long for a run; a writer this long without workers
ARCHIVE_REDIS_HEARTBEAT_TIMEOUT = 15.0  # a worker silent this long is dead: its requests go back
