"""One crawl split over several worker processes (on one or several machines) through Redis,
written to the archive by one writer process (issue 15; the design is in
``docs/decisions/workers.md``).

    pilkada-archive write --redis URL --db PATH [SOURCES] [--replica URL]   # on the archive's machine
    pilkada-archive crawl --redis URL [SOURCES]                             # each worker, N times
    scrapy crawl SPIDER -s ARCHIVE_REDIS_URL=URL                            # a worker, too

The writer holds the archive's lock, reads what the archive knows and publishes it with a run id
(``<prefix>:run``); workers join that run. Requests go through scrapy-redis (its priority queue
and duplicate filter, keyed by run and source), items, failed pages, listings read and stats go
back through Redis to the writer, which runs the project's item pipelines and ``ArchiveWriter``
and writes one ledger row per source with ``crawler.runs.ArchiveRun``, exactly as a
single-process crawl does.

Kill safety: a worker moves each request from the queue into its own in-flight hash in one
Redis step (a Lua script) and removes it only when the page's outputs (items, failures, new
requests) are all in Redis. A worker that stops heartbeating has its in-flight requests put back
in the queue by the writer. Items are removed from Redis only after the transaction that stores
them committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import time
import uuid
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime
from io import BytesIO
from types import SimpleNamespace
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, DropItem, NotConfigured
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.python.failure import Failure
from warcio.warcwriter import WARCWriter

from crawler.items import Article
from crawler.spider import page_failed
from crawler.warc import evidence_record, warc_dir, warc_name

logger = logging.getLogger(__name__)

INFLIGHT_META = "_redis_inflight"  # the id of a request in its worker's in-flight hash
ANSWERED_META = "_redis_answered"  # a discovery callback (crawler.discovery wraps it in a closure)

# Move the first request of the queue into the worker's in-flight hash, in one step: a worker
# killed at any moment leaves every request either in the queue or in its in-flight hash.
POP_TO_INFLIGHT = """
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #first == 0 then return false end
redis.call('ZREM', KEYS[1], first[1])
redis.call('HSET', KEYS[2], ARGV[1], first[2] .. '\\n' .. first[1])
return first[1]
"""
# Queue a request unless its fingerprint is in the duplicate filter (ARGV[1] empty: never filtered),
# and take it out of the worker's in-flight hash (ARGV[4]: a popped request the downloader handed
# back). One step: scrapy-redis marks the fingerprint seen and queues the request in two, and a
# worker killed between them left a request seen and never queued, dropped as a duplicate when the
# page that made it was processed again (an article lost while the run said ok).
QUEUE_UNSEEN = """
local queued = 0
if ARGV[1] == '' or redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
  queued = 1
end
if ARGV[4] ~= '' then redis.call('HDEL', KEYS[3], ARGV[4]) end
return queued
"""
# Mark a discovery request's key requested and queue it, unless another worker did already.
QUEUE_DISCOVERY = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then
  redis.call('DECR', KEYS[3])
  return 0
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""
# Put a dead worker's in-flight requests back in the queue.
REQUEUE_INFLIGHT = """
local entries = redis.call('HGETALL', KEYS[2])
for i = 2, #entries, 2 do
  local cut = string.find(entries[i], '\\n', 1, true)
  redis.call('ZADD', KEYS[1], tonumber(string.sub(entries[i], 1, cut - 1)), string.sub(entries[i], cut + 1))
end
redis.call('DEL', KEYS[2])
return #entries / 2
"""


def connect(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10, health_check_interval=30)


class Keys:
    """Every Redis key of one distributed run (``prefix`` separates archives sharing a Redis)."""

    def __init__(self, prefix: str, run_id: str):
        self.prefix, self.run_id = prefix, run_id
        self.base = f"{prefix}:{run_id}"

    @staticmethod
    def current(prefix: str) -> str:
        return f"{prefix}:run"  # the active run: JSON {run_id, sources, origins}

    @property
    def writer_alive(self) -> str:
        return f"{self.base}:writer"


    @property
    def items(self) -> str:
        return f"{self.base}:items"

    @property
    def stop(self) -> str:
        return f"{self.base}:stop"

    def alive(self, worker: str) -> str:
        return f"{self.base}:alive:{worker}"

    def source(self, source: str, name: str) -> str:
        return f"{self.base}:{source}:{name}"

    def inflight(self, source: str, worker: str) -> str:
        return f"{self.base}:{source}:inflight:{worker}"


# -- the worker ----------------------------------------------------------------------------------


def wait_for_run(server, prefix: str, timeout: float) -> dict:
    """The run the writer published; waits up to ``timeout`` seconds for one."""
    deadline = time.monotonic() + timeout
    while True:
        raw = server.get(Keys.current(prefix))
        if raw:
            return json.loads(raw)
        if time.monotonic() > deadline:
            raise TimeoutError(f"no distributed run in Redis (key {Keys.current(prefix)}) after {timeout:.0f} s: "
                               "start `pilkada-archive write --redis URL --db PATH` on the archive's machine")
        time.sleep(0.5)


def worker_settings(run: dict, redis_url: str, prefix: str) -> dict:
    """The settings that make a crawl a worker of ``run``."""
    from crawler import settings as project

    keys = Keys(prefix, run["run_id"])
    return {
        "ARCHIVE_RUN": False,  # a worker writes no archive, ledger or WARC file: the writer does
        "ARCHIVE_REDIS_URL": redis_url, "ARCHIVE_REDIS_PREFIX": prefix, "ARCHIVE_RUN_ID": run["run_id"],
        "ARCHIVE_ORIGINS": run.get("origins") or {},
        "REDIS_URL": redis_url,
        "SCHEDULER": "crawler.distributed.WorkerScheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.distributed.RequestQueue",
        "SCHEDULER_QUEUE_KEY": keys.base + ":%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": keys.base + ":%(spider)s:dupefilter",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,  # the queue outlives any one worker; the writer removes it
        "SPIDER_MIDDLEWARES": {**project.SPIDER_MIDDLEWARES, "crawler.distributed.WorkerMiddleware": 5},
        "DOWNLOADER_MIDDLEWARES": {"crawler.distributed.HostSpacingMiddleware": 50},
        "EXTENSIONS": {**project.EXTENSIONS, "crawler.distributed.WorkerExtension": 90,
                       "crawler.distributed.WorkerEvidence": 500},
    }


def run_workers(sources: list[str] | None, overrides: dict, *, process=None) -> int:
    """Crawl as a worker of the active run (``pilkada-archive crawl --redis``, ``scrapy crawl -s
    ARCHIVE_REDIS_URL``); 0 when this worker's part ended normally, 5 when it was stopped."""
    from scrapy.crawler import CrawlerProcess

    from crawler.replay import project_settings_with

    settings = process.settings if process is not None else project_settings_with(overrides)
    redis_url = settings.get("ARCHIVE_REDIS_URL")
    prefix = settings.get("ARCHIVE_REDIS_PREFIX")
    run = wait_for_run(connect(redis_url), prefix, settings.getfloat("ARCHIVE_REDIS_WAIT"))
    names = [s for s in run["sources"] if not sources or s in sources]
    if not names:
        raise ValueError(f"the active run crawls {run['sources']}, none of {sources}")
    extra = worker_settings(run, redis_url, prefix)
    for name in ("SPIDER_MIDDLEWARES", "DOWNLOADER_MIDDLEWARES", "EXTENSIONS"):  # keep the operator's own
        extra[name] = {**settings.getdict(name), **extra[name]}
    if process is None:
        settings.setdict(extra, priority="cmdline")
        process = CrawlerProcess(settings)
    else:
        for name, value in extra.items():
            process.settings.set(name, value, priority="cmdline")
    crawlers = []
    for name in names:
        crawler = process.create_crawler(name)
        process.crawl(crawler)
        crawlers.append(crawler)
    process.start()
    reasons = [crawler.stats.get_value("finish_reason") if crawler.stats else None for crawler in crawlers]
    return 0 if all(r == "finished" for r in reasons) else 5


class RequestQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop moves the request into the worker's in-flight
    hash (``POP_TO_INFLIGHT``), and whose requests may carry crawler.discovery's callbacks."""

    worker = None  # set by WorkerScheduler.open

    def _encode_request(self, request):
        callback, errback = request.callback, request.errback
        meta = {k: v for k, v in request.meta.items() if k != INFLIGHT_META}
        if callable(callback) and getattr(callback, "__qualname__", "").endswith("_answered.<locals>.wrapped"):
            # A closure over the spider's callback (crawler.discovery._answered): sent by name.
            meta[ANSWERED_META] = callback.__name__
            callback = None
        errback = getattr(errback, "original", errback)
        return super()._encode_request(request.replace(callback=callback, errback=errback, meta=meta))

    def _decode_request(self, encoded_request):
        request = super()._decode_request(encoded_request)
        name = request.meta.pop(ANSWERED_META, None)
        if name:
            request.callback = self.spider._answered(getattr(self.spider, name))
        return request

    def pop_to_inflight(self, inflight_key: str):
        inflight_id = uuid.uuid4().hex[:16]
        data = self.server.eval(POP_TO_INFLIGHT, 2, self.key, inflight_key, inflight_id)
        if not data:
            return None
        request = self._decode_request(data)
        request.meta[INFLIGHT_META] = inflight_id
        request.errback = AckingErrback(request.errback, self.worker, inflight_id)
        return request


class AckingErrback:
    """A request's errback that also acknowledges it (an errback's output does not pass the
    spider middlewares, where callbacks are acknowledged)."""

    def __init__(self, original, worker, inflight_id):
        self.original, self.worker, self.inflight_id = original, worker, inflight_id

    def __call__(self, failure):
        try:
            if self.original is None:
                return failure
            result = self.original(failure)
            if result is None or isinstance(result, Failure):
                return result
            self.worker.hand_over(list(result))
            return None
        finally:
            self.worker.ack(self.inflight_id)


class WorkerScheduler(Scheduler):
    """scrapy-redis's scheduler: popped requests are in flight until acknowledged, and a request
    the downloader hands back (a retry, a redirect) replaces its in-flight entry in one step."""

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        return scheduler

    def open(self, spider):
        result = super().open(spider)
        self.worker = Worker.of(self.crawler)
        self.worker.bind(self.server, spider)
        self.queue.worker = self.worker
        self.worker.queue = self.queue
        return result

    def enqueue_request(self, request):
        inflight_id = request.meta.get(INFLIGHT_META)
        if inflight_id is None and request.meta.get("discovery"):
            return self._enqueue_discovery(request)
        # A new request, or one the downloader handed back (a retry, a redirect), which leaves
        # this worker's in-flight hash in the same step: the crawl never forgets it.
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        queued = self.server.eval(QUEUE_UNSEEN, 3, self.df.key, self.queue.key, self.worker.inflight_key,
                                  fingerprint, -request.priority, self.queue._encode_request(request),
                                  inflight_id or "")
        if not queued:
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def _enqueue_discovery(self, request):
        """A discovery request (crawler.discovery dedupes them itself, per run, with ``dont_filter``):
        marked requested for all workers and queued in one step, or dropped as made already by
        another worker, whose answer then does not count twice in ``pending``."""
        meta = request.meta
        key = f"{meta.get('strategy') == 'crawl'}|{meta.get('canonical') or request.url}"
        name = self.spider.name
        keys = self.worker.keys
        queued = self.server.eval(QUEUE_DISCOVERY, 3, keys.source(name, "requested"), self.queue.key,
                                  keys.source(name, "count:pending"), key, -request.priority,
                                  self.queue._encode_request(request))
        if queued and self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return bool(queued)

    def next_request(self):
        request = self.queue.pop_to_inflight(self.worker.inflight_key)
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


class Worker:
    """This process's part in the run, for one spider: its id, in-flight hash and heartbeat."""

    @classmethod
    def of(cls, crawler) -> Worker:
        if not hasattr(crawler, "redis_worker"):
            crawler.redis_worker = cls(crawler)
        return crawler.redis_worker

    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.id = f"{socket.gethostname()}-{os.getpid()}"
        self.keys = Keys(settings.get("ARCHIVE_REDIS_PREFIX"), settings.get("ARCHIVE_RUN_ID"))
        self.ttl = settings.getfloat("ARCHIVE_REDIS_HEARTBEAT_TIMEOUT")
        self.server = self.spider = self.queue = None

    def bind(self, server, spider) -> None:
        self.server, self.spider = server, spider
        self.inflight_key = self.keys.inflight(spider.name, self.id)
        self.server.sadd(self.keys.source(spider.name, "workers"), self.id)
        self.heartbeat()

    def heartbeat(self) -> None:
        pipe = self.server.pipeline(transaction=False)
        pipe.set(self.keys.alive(self.id), "1", px=int(self.ttl * 1000))
        pipe.hset(self.keys.source(self.spider.name, "stats"), self.id, json.dumps(numeric_stats(self.crawler.stats)))
        pipe.execute()

    def ack(self, inflight_id: str | None) -> None:
        if inflight_id:
            self.server.hdel(self.inflight_key, inflight_id)

    def push_item(self, item, response) -> None:
        entry = {"spider": self.spider.name, "item": ItemAdapter(item).asdict(),
                 "url": response.url, "listing_date": response.meta.get("listing_date")}
        self.server.rpush(self.keys.items, json.dumps(entry, ensure_ascii=False))

    def hand_over(self, outputs) -> None:
        """A page's outputs into Redis: items to the writer, requests to the shared queue."""
        for output in outputs:
            if isinstance(output, Request):
                self.crawler.engine.crawl(output)
            elif output is not None:
                self.push_item(output, SimpleNamespace(url="", meta={}))


class _WorkerComponent:
    """A component that exists only in a worker of a distributed crawl."""

    def __init__(self, crawler):
        if not crawler.settings.get("ARCHIVE_REDIS_URL"):
            raise NotConfigured("not a distributed crawl")
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)


class WorkerMiddleware(_WorkerComponent):
    """Outermost spider middleware of a worker: the start requests come from one worker only
    (the first to claim them), and a page is acknowledged once its items are in Redis and its
    requests in the shared queue."""

    async def process_start(self, start):
        worker = Worker.of(self.crawler)
        name = self.crawler.spider.name
        claim = worker.keys.source(name, "starts")
        if not worker.server.set(claim, worker.id, nx=True):
            return  # another worker makes the start requests; this one takes work from the queue
        logger.info("worker %s makes the start requests of %s", worker.id, name)
        async for item_or_request in start:
            yield item_or_request
        worker.server.set(worker.keys.source(name, "starts_done"), worker.id)

    def _hand_over(self, response, output) -> None:
        if isinstance(output, Request):
            self.crawler.engine.crawl(output)
        elif output is not None:
            Worker.of(self.crawler).push_item(output, response)

    def _ack(self, response) -> None:
        Worker.of(self.crawler).ack(response.request.meta.get(INFLIGHT_META) if response.request else None)

    def process_spider_output(self, response, result):
        for output in result:
            self._hand_over(response, output)
        self._ack(response)
        return
        yield  # a generator that yields nothing: everything went to Redis

    async def process_spider_output_async(self, response, result):
        async for output in result:
            self._hand_over(response, output)
        self._ack(response)
        return
        yield


class WorkerExtension:
    """A worker's part of the run: the archive's state for the spider, shared bookkeeping,
    heartbeats, failures and listings to the writer, and no closing before the run is done."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.task = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("ARCHIVE_REDIS_URL"):
            raise NotConfigured("not a distributed crawl")
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.spider_error, signal=signals.spider_error)
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        crawler.signals.connect(extension.page_failed, signal=page_failed)
        return extension

    @property
    def worker(self) -> Worker:
        return Worker.of(self.crawler)

    def spider_opened(self, spider):
        worker = self.worker
        state = json.loads(worker.server.get(worker.keys.source(spider.name, "state")) or "{}")
        spider.known = state.get("known", {})
        spider.retry_urls = state.get("retry", {})
        spider.previous_complete = state.get("complete", False)
        spider.frontier_urls = state.get("frontier", [])
        share_bookkeeping(spider, worker.server, worker.keys, state.get("previous_discovery", {}))
        self.task = asyncio.ensure_future(self._beat())

    async def _beat(self):
        interval = max(0.2, self.worker.ttl / 5)
        while True:
            await asyncio.sleep(interval)
            try:
                self.worker.heartbeat()
                keys = self.worker.keys
                if self.worker.server.exists(keys.stop) or not self.worker.server.exists(keys.writer_alive):
                    # The writer stopped the run, or is gone: what this worker fetches now would
                    # never be stored. The next run fetches it.
                    logger.error("the run %s was stopped or its writer is gone: this worker stops", keys.run_id)
                    # Not awaited here: closing the spider cancels this task (spider_closed).
                    asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="shutdown"))
                    return
            except Exception:  # a Redis hiccup: the next beat tries again
                logger.exception("heartbeat failed")

    def spider_idle(self, spider):
        worker = self.worker
        if worker.server.exists(worker.keys.source(spider.name, "finished"), worker.keys.stop):
            return
        # Others still have work (or the writer has not seen the end): wait, and look at the
        # queue again soon rather than at Scrapy's 5 s heartbeat.
        from twisted.internet import reactor

        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None:
            reactor.callLater(0.5, slot.nextcall.schedule)
        raise DontCloseSpider("other workers still have work")

    def spider_error(self, failure, response, spider):
        """An error no middleware handled (callback errors already became failed pages): here,
        handing a page's output over to Redis failed. The page is a failed page with its reason
        (retried by the next run) before it leaves this worker's in-flight hash: acknowledged
        unrecorded, its items would be lost while the run said ok."""
        request = getattr(response, "request", None)
        reason = f"worker: {failure.type.__name__}: {failure.getErrorMessage()}"[:300]
        spider.page_failed(spider.canonical(response), reason, kind="parse", listing_date=response.meta.get("listing_date"))
        self.worker.ack(request.meta.get(INFLIGHT_META) if request is not None else None)

    def response_received(self, response, request, spider):
        if request.meta.get("kind") == "listing" and response.status == 200:
            self.worker.server.sadd(self.worker.keys.source(spider.name, "listings"),
                                    request.meta.get("canonical") or response.url)

    def page_failed(self, url, reason, kind, status, listing_date=None):
        failure = {"url": url, "reason": reason, "kind": kind, "status": status, "listing_date": listing_date}
        self.worker.server.rpush(self.worker.keys.source(self.crawler.spider.name, "failures"), json.dumps(failure))

    def spider_closed(self, spider, reason):
        if self.task is not None:
            self.task.cancel()
        worker = self.worker
        final = {"stats": numeric_stats(self.crawler.stats), "vanished": list(spider.vanished), "reason": reason}
        pipe = worker.server.pipeline(transaction=True)
        pipe.hset(worker.keys.source(spider.name, "final"), worker.id, json.dumps(final))
        pipe.execute()


class WorkerEvidence(_WorkerComponent):
    """A worker's evidence (``crawler.warc``): the WARC record of each evidence page goes to the
    writer through Redis, gzipped, before the page's callback runs (so before its items), and the
    writer appends it to the run's WARC file before it stores any item that names it."""

    def __init__(self, crawler):
        super().__init__(crawler)
        crawler.signals.connect(self.response_received, signal=signals.response_received)

    def response_received(self, response, request, spider):
        if response.status != 200 or not request.meta.get("evidence"):
            return
        buffer = BytesIO()
        writer = WARCWriter(buffer, gzip=True)
        record = evidence_record(writer, response, request)
        writer.write_record(record)
        worker = Worker.of(self.crawler)
        worker.server.rpush(worker.keys.source(spider.name, "warc"), buffer.getvalue())
        request.meta["warc"] = {"file": warc_name(worker.keys.run_id, spider.name),
                                "record_id": record.rec_headers.get_header("WARC-Record-ID")}


class HostSpacingMiddleware(_WorkerComponent):
    """Politeness across workers: request starts to one host are at least ``DOWNLOAD_DELAY``
    seconds apart over all workers together (a reservation in Redis), so N workers do not make a
    host see N times the single crawler's rate. Off when the delay is 0 (a mirror on loopback)."""

    RESERVE = """
local now = tonumber(ARGV[1]); local gap = tonumber(ARGV[2])
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, last + gap)
redis.call('SET', KEYS[1], tostring(slot), 'PX', math.ceil(gap * 1000) + 60000)
return tostring(slot - now)
"""


    async def process_request(self, request):
        gap = self.crawler.settings.getfloat("DOWNLOAD_DELAY")
        if gap <= 0:
            return None
        worker = Worker.of(self.crawler)
        host = request.meta.get("download_slot") or urlsplit(request.url).hostname or ""
        wait = float(worker.server.eval(self.RESERVE, 1, f"{worker.keys.prefix}:host:{host}", repr(time.time()),
                                        repr(gap)))
        if wait > 0:
            await asyncio.sleep(wait)
        return None


def numeric_stats(stats) -> dict:
    return {k: v for k, v in (stats.get_stats() if stats else {}).items()
            if isinstance(v, int | float) and not isinstance(v, bool)}


# -- shared bookkeeping of a spider ----------------------------------------------------------------


class SharedSet:
    """A set of strings in Redis, as much of the ``set`` interface as the spiders use."""

    def __init__(self, server, key):
        self.server, self.key = server, key

    def add(self, value) -> None:
        self.server.sadd(self.key, value)

    def discard(self, value) -> None:
        self.server.srem(self.key, value)

    def __contains__(self, value) -> bool:
        return bool(self.server.sismember(self.key, value))

    def __len__(self) -> int:
        return self.server.scard(self.key)

    def __iter__(self):
        return (v.decode() for v in self.server.smembers(self.key))


class RequestedKeys:
    """crawler.discovery's ``requested``: keys this worker made a request for, and every key
    whose request is in the shared queue (the scheduler adds it there when it queues the
    request, so a worker killed before queueing one leaves it to be made again)."""

    def __init__(self, server, key):
        self.server, self.key, self.mine = server, key, set()

    def add(self, value) -> None:
        self.mine.add(value)

    def __contains__(self, value) -> bool:
        return value in self.mine or bool(self.server.sismember(self.key, value))


class SharedCounts:
    """A dict of counts in Redis (``get`` and ``values``)."""

    def __init__(self, server, key, names=()):
        self.server, self.key, self.names = server, key, names

    def get(self, name, default=0):
        value = self.server.hget(self.key, name)
        return int(value) if value is not None else default

    def values(self):
        return [int(v) for v in self.server.hvals(self.key)]

    def incr(self, name) -> None:
        self.server.hincrby(self.key, name, 1)


def _shared_counter(name: str):
    """A spider attribute (``self.pending += 1``) that is one counter for all workers: each
    assignment adds its difference from the value this worker last read."""

    def get(self):
        value = int(self._redis.get(self._redis_keys.source(self.name, f"count:{name}")) or 0)
        self._redis_last[name] = value
        return value

    def set(self, value):
        delta = int(value) - self._redis_last.get(name, 0)
        self._redis_last[name] = int(value)
        if delta:
            self._redis.incrby(self._redis_keys.source(self.name, f"count:{name}"), delta)

    return property(get, set)


SHARED_COUNTERS = ("pending", "crawl_started", "entry_failures", "pages_failed")


def _discovered(self, strategy: str, url: str) -> None:
    """crawler.discovery's ``discovered`` over all workers: an article URL counts once per
    strategy, whichever worker found it."""
    if self._redis.sadd(self._redis_keys.source(self.name, f"found:{strategy}"), url):
        self._redis.hincrby(self._redis_keys.source(self.name, "found_count"), strategy, 1)
        self.crawler.stats.inc_value(f"archive/discovery/{strategy}")
        self.found_on_host.incr(urlsplit(url).hostname or "")


def share_bookkeeping(spider, server, keys: Keys, previous_discovery: dict) -> None:
    """Make the spider's run-long bookkeeping one for all workers: the article URLs requested
    before a listing dated them, the discovery requests made, the discovery counts, the
    Kemendagri entries listed. Its class becomes a subclass with shared counters."""
    import crawler.discovery

    spider._redis, spider._redis_keys, spider._redis_last = server, keys, {}
    spider.undated = SharedSet(server, keys.source(spider.name, "undated"))
    if hasattr(spider, "requested"):
        spider.requested = RequestedKeys(server, keys.source(spider.name, "requested"))
        spider.found = SharedCounts(server, keys.source(spider.name, "found_count"))
        spider.found_on_host = SharedCounts(server, keys.source(spider.name, "found_on_host"))
        # Discovery reads the previous run's strategies from the archive, which a worker does
        # not have: the writer published them.
        crawler.discovery.previous_discovery = lambda db_path, source, _known=previous_discovery: _known
        # Every worker answers discovery requests, and so needs the plan the start requests
        # followed (the same inputs give the same plan on every worker).
        spider.discovery_plan = crawler.discovery.plan(previous_discovery, spider.incremental)
    if hasattr(spider, "listed"):
        spider.listed = SharedSet(server, keys.source(spider.name, "listed"))
    shared = {name: _shared_counter(name) for name in SHARED_COUNTERS}
    if hasattr(spider, "requested"):
        shared["discovered"] = _discovered
    spider.__class__ = type(spider.__class__.__name__, (spider.__class__,), shared)


# -- the writer ----------------------------------------------------------------------------------


class Source:
    """The writer's side of one source: an offline crawler and spider, the run (lock, ledger),
    the item pipelines and their store."""

    def __init__(self, name: str, settings: dict, origin: str | None):
        from crawler.origins import Mirror
        from crawler.replay import offline_spider, pipelines
        from crawler.runs import ArchiveRun

        self.crawler, self.spider = offline_spider(name, settings)
        self.spider.mirror = Mirror(self.spider.HOSTS, origin)  # the ledger names the origin crawled
        self.run = ArchiveRun.from_crawler(self.crawler)
        self.chain = pipelines(self.crawler)
        self.store = self.chain[-1]
        self.finished = False
        self.evidence = None  # the run's WARC file of this source, opened at the first record

    def keep_evidence(self, records: list[bytes]) -> None:
        """Append the workers' WARC records (each a whole gzip member) to the run's WARC file of
        the source, flushed to the system before the items naming them are stored."""
        if self.evidence is None:
            settings = self.crawler.settings
            folder = warc_dir(settings.get("ARCHIVE_DB"))
            folder.mkdir(parents=True, exist_ok=True)
            self.evidence = open(folder / warc_name(settings.get("ARCHIVE_RUN_ID"), self.spider.name), "ab")  # noqa: SIM115
        for record in records:
            self.evidence.write(record)
        self.evidence.flush()

    async def open(self) -> bool:
        """Open the run (its ledger row); False when the source is unreachable (preflight)."""
        from scrapy.exceptions import CloseSpider

        self.store.open_spider()
        try:
            await self.run.spider_opened(self.spider)
        except CloseSpider:
            self.finished = True
            return False
        return True

    async def process(self, entry: dict) -> None:
        known = {f.name for f in dataclass_fields(Article)}
        item = Article(**{k: v for k, v in entry["item"].items() if k in known})
        response = SimpleNamespace(url=entry.get("url") or item.url, meta={"listing_date": entry.get("listing_date")})
        stats = self.crawler.stats
        try:
            for pipeline in self.chain:
                result = pipeline.process_item(item)
                item = await result if asyncio.iscoroutine(result) else result
        except DropItem as error:
            self.run.item_dropped(item, response, error, self.spider)
            stats.inc_value("item_dropped_count")
            return
        except Exception:
            if self.store.failed:
                raise StorageFailed(self.store.failed) from None
            self.run.item_error(item, response, self.spider, Failure())
            return
        stats.inc_value("item_scraped_count")


class StorageFailed(Exception):
    pass


def write(redis_url: str, sources: list[str], settings: dict, *, prefix: str, wait: float,
          heartbeat_timeout: float) -> int:
    """Run the writer of one distributed crawl; the crawl's exit code (as ``crawl``'s)."""
    from crawler.runs import EXIT_INTERRUPTED, RunLock, prepare_archive, process_run_id

    server = connect(redis_url)
    server.ping()
    current = Keys.current(prefix)
    raw = server.get(current)
    if raw:
        old = Keys(prefix, json.loads(raw)["run_id"])
        if server.exists(old.writer_alive):
            raise RuntimeError(f"another writer runs a distributed crawl on this Redis (prefix {prefix!r}, "
                               f"run {old.run_id})")
        _clean(server, old)  # its writer died: that run is abandoned (its ledger rows say unfinished)
    db_path = settings["ARCHIVE_DB"]
    lock = RunLock(db_path)
    lock.acquire()  # raises Locked: nothing starts
    try:
        prepare_archive(db_path)
        run_id = settings.get("ARCHIVE_RUN_ID") or process_run_id()
        settings = {**settings, "ARCHIVE_RUN": True, "ARCHIVE_RUN_ID": run_id}
        keys = Keys(prefix, run_id)
        origins = settings.get("ARCHIVE_ORIGINS") or {}
        writer_settings = {k: v for k, v in settings.items() if k != "ARCHIVE_ORIGINS"}
        return asyncio.run(_write(server, keys, sources, writer_settings, origins, wait, heartbeat_timeout))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    finally:
        lock.release()


async def _write(server, keys: Keys, names: list[str], settings: dict, origins: dict, wait: float,
                 heartbeat_timeout: float) -> int:
    from crawler.discovery import previous_discovery
    from crawler.runs import worst

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    beat = WriterHeartbeat(server, keys, heartbeat_timeout)
    beat(now=True)
    beating = asyncio.ensure_future(beat.run())
    # Every source's run first: ArchiveRun takes the archive's lock again, opening and closing a
    # file descriptor of the archive, and closing any descriptor of a file drops the process's
    # POSIX locks on it, SQLite's included. So no connection may be open yet.
    sources = {name: Source(name, settings, origins.get(name)) for name in names}
    for name, source in sources.items():
        if not await source.open():
            continue  # the ledger says "preflight failed"; workers never see this source
        spider = source.spider
        state = {"known": spider.known, "retry": spider.retry_urls, "complete": spider.previous_complete,
                 "frontier": spider.frontier_urls,
                 "previous_discovery": previous_discovery(settings["ARCHIVE_DB"], name)}
        server.set(keys.source(name, "state"), json.dumps(state))
    started = datetime.now(UTC)
    crawled = [name for name, source in sources.items() if not source.finished]
    server.set(Keys.current(keys.prefix), json.dumps({"run_id": keys.run_id, "sources": crawled, "origins": origins}))
    logger.info("distributed run %s published: %s", keys.run_id, ", ".join(crawled))
    batch = int(settings.get("ARCHIVE_BATCH_SIZE") or 200)
    last_worker_seen = time.monotonic()
    reason = "finished"
    try:
        while not all(s.finished for s in sources.values()):
            beat(now=True)
            try:
                written = await _consume(server, keys, sources, batch, beat)
            except StorageFailed as error:
                # Disk full, a damaged index: stop the run (the ledger says why, exit 6).
                logger.error("the archive cannot be written: %s", error)
                reason = "storage error"
                break
            workers = {name: [w.decode() for w in server.smembers(keys.source(name, "workers"))] for name in crawled}
            for name in crawled:
                for worker in workers[name]:
                    if server.exists(keys.alive(worker)):
                        last_worker_seen = time.monotonic()
                        continue
                    requeued = server.eval(REQUEUE_INFLIGHT, 2, keys.source(name, "requests"),
                                           keys.inflight(name, worker))
                    if requeued:
                        logger.warning("worker %s stopped: %d of its %s requests back in the queue",
                                       worker, requeued, name)
                        sources[name].crawler.stats.inc_value("archive/workers/requeued", requeued)
            orphaned = [name for name in crawled if _starts_orphaned(server, keys, name)]
            if orphaned:
                # Only the claiming worker makes a source's start requests; one that died before it
                # made them all leaves a crawl that cannot end complete. Stopped, not hung: the
                # ledger says interrupted and the next run walks every listing.
                logger.error("the worker making the start requests of %s died before it finished them: "
                             "the run stops unfinished", ", ".join(orphaned))
                reason = "shutdown"
                break
            for name, source in sources.items():
                if not source.finished and _done(server, keys, name, workers[name]):
                    while await _consume(server, keys, sources, batch, beat):
                        pass
                    server.set(keys.source(name, "finished"), "1")
                    source.finished = True
                    logger.info("%s: the queue is empty and no worker has a request in flight", name)
            if stop.is_set():
                reason = "shutdown"
                break
            if time.monotonic() - last_worker_seen > wait:
                logger.error("no live worker for %.0f s: the run stops unfinished", wait)
                reason = "shutdown"
                break
            if not written:
                await asyncio.sleep(0.2)
        if reason != "finished":
            server.set(keys.stop, "1")
        await _wait_for_workers(server, keys, crawled, heartbeat_timeout)
        try:
            _keep_evidence(server, keys, sources)  # of pages that gave no item (failures, stops)
        except StorageFailed as error:
            logger.error("the evidence cannot be written: %s", error)
            reason = "storage error"
        codes = [await _close(server, keys, source, started, reason) for source in sources.values()]
        return worst(codes)
    finally:
        beating.cancel()
        _clean(server, keys)


def _starts_orphaned(server, keys: Keys, name: str) -> bool:
    claimer = server.get(keys.source(name, "starts"))
    return bool(claimer) and not server.exists(keys.source(name, "starts_done")) and not server.exists(
        keys.alive(claimer.decode()))


def _done(server, keys: Keys, name: str, workers: list[str]) -> bool:
    """No request left anywhere: the start requests all made, the queue empty, nothing in
    flight. Read in one transaction, so no request is between two places."""
    pipe = server.pipeline(transaction=True)
    pipe.exists(keys.source(name, "starts_done"))
    pipe.zcard(keys.source(name, "requests"))
    for worker in workers:
        pipe.hlen(keys.inflight(name, worker))
    starts_done, queued, *inflight = pipe.execute()
    return bool(starts_done) and queued == 0 and not any(inflight)


class WriterHeartbeat:
    """The writer's sign of life for the workers (``…:writer``, a TTL key), renewed as it makes
    progress: between batches, after each item of a batch (its pipelines run without giving the
    event loop a turn) and, from a task of the event loop, while a batch is written in the
    store's thread. A batch slower than the TTL (a loaded machine, a large batch) must not look
    to the workers like a writer gone: they would stop."""

    def __init__(self, server, keys: Keys, ttl: float):
        self.server, self.keys, self.ttl = server, keys, ttl
        self.last = float("-inf")

    def __call__(self, *, now: bool = False) -> None:
        if now or time.monotonic() - self.last > self.ttl / 5:
            self.server.set(self.keys.writer_alive, "1", px=int(self.ttl * 1000))
            self.last = time.monotonic()

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 5)
            try:
                self()
            except Exception:  # a Redis hiccup: the next beat tries again
                logger.exception("writer heartbeat failed")


async def _consume(server, keys: Keys, sources: dict, batch: int, beat=lambda: None) -> int:
    """Store up to ``batch`` items; they leave Redis only once their transaction committed."""
    raw = server.lrange(keys.items, 0, batch - 1)
    # A worker sends a page's WARC record before the page's items: every record these items name
    # is in Redis now, and goes to the WARC file first.
    _keep_evidence(server, keys, sources)
    if not raw:
        return 0
    touched = set()
    for data in raw:
        entry = json.loads(data)
        source = sources.get(entry["spider"])
        if source is None:
            logger.error("an item of %r, a source this run does not crawl: dropped", entry["spider"])
            continue
        await source.process(entry)
        touched.add(source)
        beat()
    for source in touched:
        beat()
        try:
            await source.store.flush()
        except Exception:
            if not source.store.failed:
                raise
        if source.store.failed:  # the batch was rolled back and stays in Redis
            raise StorageFailed(source.store.failed)
    server.ltrim(keys.items, len(raw), -1)
    return len(raw)


def _keep_evidence(server, keys: Keys, sources: dict) -> None:
    for name, source in sources.items():
        records = server.lrange(keys.source(name, "warc"), 0, -1)
        if not records:
            continue
        try:
            source.keep_evidence(records)
        except OSError as error:
            # Without its evidence an article would be stored unprovable: as a failed database
            # write, the run stops (exit 6) and the records stay in Redis until then.
            raise StorageFailed(f"WARC: {type(error).__name__}: {error}") from None
        server.ltrim(keys.source(name, "warc"), len(records), -1)


async def _wait_for_workers(server, keys: Keys, names: list[str], timeout: float) -> None:
    """Until every worker of every source has closed (and sent its final stats) or stopped beating."""
    deadline = time.monotonic() + max(timeout, 5) * 2
    while time.monotonic() < deadline:
        server.set(keys.writer_alive, "1", px=int(timeout * 1000))
        open_workers = [(name, w) for name in names for w in server.smembers(keys.source(name, "workers"))
                        if not server.hexists(keys.source(name, "final"), w) and server.exists(keys.alive(w.decode()))]
        if not open_workers:
            return
        await asyncio.sleep(0.2)
    logger.warning("workers still open after %.0f s: their counts are as of their last heartbeat", timeout * 2)


async def _close(server, keys: Keys, source: Source, started: datetime, reason: str) -> int:
    """The source's ledger row and exit code, from the workers' stats and the writer's own."""
    name = source.spider.name
    stats = source.crawler.stats
    snapshots = {w.decode(): json.loads(v) for w, v in server.hgetall(keys.source(name, "stats")).items()}
    finals = {w.decode(): json.loads(v) for w, v in server.hgetall(keys.source(name, "final")).items()}
    vanished: set[str] = set()
    for worker in set(snapshots) | set(finals):
        final = finals.get(worker)
        numbers = final["stats"] if final else snapshots[worker]
        if final:
            vanished.update(final["vanished"])
        else:
            stats.inc_value("archive/workers/lost")  # killed: counts as of its last heartbeat
        for key, value in numbers.items():
            # The writer counts items itself; queue and memory figures are per process.
            if key.startswith(("scheduler/", "memusage/")) or key in ("item_scraped_count", "elapsed_time_seconds"):
                continue
            stats.inc_value(key, value)
    stats.set_value("archive/workers", len(set(snapshots) | set(finals)))
    source.spider.vanished = sorted(vanished)
    source.run.failures.extend(json.loads(f) for f in server.lrange(keys.source(name, "failures"), 0, -1))
    source.run.listings_read.update(v.decode() for v in server.smembers(keys.source(name, "listings")))
    stats.set_value("start_time", started)
    stats.set_value("finish_reason", reason)
    await source.store.close_spider()
    if source.evidence is not None:
        source.evidence.close()
    source.run.spider_closed(source.spider, reason)
    return stats.get_value("archive/exit_code")


def _clean(server, keys: Keys) -> None:
    with contextlib.suppress(Exception):
        for key in server.scan_iter(match=f"{keys.base}:*", count=1000):
            server.delete(key)
        current = server.get(Keys.current(keys.prefix))
        if current and json.loads(current).get("run_id") == keys.run_id:
            server.delete(Keys.current(keys.prefix))
