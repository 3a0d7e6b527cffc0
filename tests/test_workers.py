"""Distributed crawls (crawler.distributed) with a real redis-server on loopback: one writer and
1 or 3 workers produce exactly the replica's archive, no page is fetched more often than a
single-process crawl fetches it, and a worker killed with SIGKILL mid-crawl loses nothing."""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from sqlite_utils import Database

from bench.workers import LatencyProxy, redis_server, start_worker, start_writer
from tests.conftest import assert_archive_matches, run_crawl, start_replica

pytestmark = pytest.mark.slow

FAST = ["-s", "ARCHIVE_REDIS_HEARTBEAT_TIMEOUT=3"]


@pytest.fixture
def redis_url(tmp_path):
    with redis_server(tmp_path) as url:
        yield url


@pytest.fixture(scope="module")
def world():
    """A replica of 150 articles behind a counting proxy (a little latency, so a crawl takes a few
    seconds and a worker can be killed in the middle of it)."""
    replica = start_replica(articles=150)
    proxy = LatencyProxy(replica.base, 0.02)
    yield replica, proxy
    proxy.shutdown()
    replica.server.shutdown()


def origins(proxy) -> dict:
    return {"mmc_kobar": f"{proxy.base}/mmc_kobar", "kemendagri": f"{proxy.base}/kemendagri"}


def fetches(proxy) -> dict:
    """Pages the crawl fetched through the proxy, and how often; robots.txt is per process."""
    return {path: n for path, n in proxy.seen.items() if not path.endswith("/robots.txt")}


@pytest.fixture(scope="module")
def single(world, tmp_path_factory):
    """What one ordinary crawl (one process) fetches: the reference for duplicate fetches."""
    replica, proxy = world
    proxy.seen.clear()
    db = tmp_path_factory.mktemp("single") / "archive.db"
    args = [a for name, origin in origins(proxy).items() for a in ("--origin", f"{name}={origin}")]
    result = run_crawl(db, replica, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return fetches(proxy)


def stored_articles(db: Path) -> int:
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as archive:
            return archive.execute("select count(*) from articles").fetchone()[0]
    except sqlite3.Error:  # not created yet
        return 0


def distributed(redis_url, proxy, db: Path, workers: int, *, kill_after: int | None = None, writer_args=()):
    """A writer and ``workers`` workers; with ``kill_after``, a worker is killed with SIGKILL once
    the archive holds that many articles, the first one seen with requests in flight."""
    import redis

    writer = start_writer(redis_url, db, origins(proxy), *writer_args)
    crawlers = [start_worker(redis_url, db.with_name(f"worker{i}.log"), *FAST) for i in range(workers)]
    killed = None
    try:
        if kill_after is not None:
            client = redis.Redis.from_url(redis_url)
            deadline = time.monotonic() + 120
            while killed is None and time.monotonic() < deadline:
                if stored_articles(db) >= kill_after:
                    # The victim: a worker that has requests in flight. Stopped first, so that what
                    # it has in flight cannot change between reading it and killing it.
                    for victim in crawlers:
                        victim.send_signal(signal.SIGSTOP)
                        in_flight = list(client.scan_iter(match=f"*:inflight:*-{victim.pid}", count=1000))
                        entries = [v for k in in_flight for v in client.hvals(k)]
                        if not entries:
                            victim.send_signal(signal.SIGCONT)
                            continue
                        victim.send_signal(signal.SIGKILL)
                        victim.wait()
                        # What it had popped and not finished (the writer puts it back after 3 s).
                        urls = [urlsplit(pickle.loads(v.split(b"\n", 1)[1])["url"]) for v in entries]
                        killed = {u.path + (f"?{u.query}" if u.query else "") for u in urls}
                        break
                time.sleep(0.01)
            assert killed, "the crawl ended before the worker could be killed in the middle of it"
        out, err = writer.communicate(timeout=300)
        codes = [c.wait(timeout=120) for c in crawlers]
    finally:
        for process in (writer, *crawlers):
            if process.poll() is None:
                process.kill()
                process.wait()
    return writer.returncode, out + err, codes, killed


def assert_no_duplicate_fetches(seen: dict, db: Path) -> None:
    """Every page fetched once, but for the one second fetch the spider itself asks for (in any
    crawl, one process or several): an article an in-article link led to before a listing gave
    its date is fetched again with that date. Which articles that hits depends on the order
    pages come back in, so it is checked by kind, not by matching the single-process crawl."""
    linked = set()
    for row in Database(db).query("select related from articles where related is not null"):
        linked.update(link["url"] for link in json.loads(row["related"]) if link.get("url"))
    twice = {path: n for path, n in seen.items() if n > 1}
    assert all(n == 2 for n in twice.values()), twice
    not_linked = [p for p in twice if not any(url.endswith(p.split("/", 2)[2]) for url in linked)]
    assert not not_linked, not_linked


@pytest.mark.parametrize("workers", [1, 3])
def test_workers_produce_the_replicas_archive_and_fetch_nothing_twice(world, single, redis_url, tmp_path,
                                                                        workers):
    replica, proxy = world
    proxy.seen.clear()
    db = tmp_path / "archive.db"
    code, output, worker_codes, _ = distributed(redis_url, proxy, db, workers)
    assert code == 0, output
    assert worker_codes == [0] * workers
    assert_archive_matches(db, replica.manifest())
    seen = fetches(proxy)
    assert set(seen) == set(single)
    assert_no_duplicate_fetches(seen, db)
    runs = list(Database(db).query("select * from crawl_runs order by source"))
    assert [(r["source"], r["health"], r["exit_code"]) for r in runs] == [("kemendagri", "ok", 0), ("mmc_kobar", "ok", 0)]
    assert len({r["run_id"] for r in runs}) == 1  # one run id for the whole distributed crawl
    # The ledger counts every request of every worker (robots.txt: once per worker and host).
    robots = sum(n for p, n in proxy.seen.items() if p.endswith("/robots.txt"))
    assert sum(r["requests"] for r in runs) == sum(seen.values()) + robots
    assert_evidence_rebuilds_the_archive(db, replica)


def assert_evidence_rebuilds_the_archive(db: Path, replica) -> None:
    """The workers' pages are evidence as a single crawl's are: every article names its record
    in the run's WARC files, and ``reparse`` of those files alone (no network) into an empty
    archive gives the replica's archive again."""
    from archive.connect import open_archive
    from crawler.warc import iter_responses

    files = sorted((db.parent / "warc").glob("*.warc.gz"))
    records = {meta["warc"]["record_id"] for path in files for *_, meta, _, _, _ in iter_responses(path)}
    named = [(r["warc_file"], r["warc_record_id"]) for r in Database(db).query("select * from articles")]
    assert named and all(record in records and (db.parent / "warc" / file).exists() for file, record in named)
    again = db.with_name("from-evidence.db")
    open_archive(str(again), migrate=True).close()
    result = subprocess.run([sys.executable, "-m", "crawler.cli", "reparse", "--db", str(again), *map(str, files)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_archive_matches(again, replica.manifest())


def test_a_worker_killed_mid_crawl_loses_nothing(world, single, redis_url, tmp_path):
    replica, proxy = world
    proxy.seen.clear()
    db = tmp_path / "archive.db"
    code, output, worker_codes, killed = distributed(redis_url, proxy, db, 3, kill_after=20)
    assert sorted(worker_codes) == [-signal.SIGKILL, 0, 0]
    assert code == 0, output  # its requests went back to the queue: nothing is missing
    assert_archive_matches(db, replica.manifest())
    assert_evidence_rebuilds_the_archive(db, replica)
    log = db.with_suffix(".writer.log").read_text()
    assert "back in the queue" in log
    runs = {r["source"]: r for r in Database(db).query("select * from crawl_runs")}
    assert {r["health"] for r in runs.values()} == {"ok"}
    # Fetched again: only what the killed worker had in flight (once more each), besides the
    # second fetch of a linked article that any crawl may make.
    seen = fetches(proxy)
    assert set(seen) == set(single)
    assert_no_duplicate_fetches({p: n - (p in killed) for p, n in seen.items()}, db)


class Killed(BaseException):
    """The worker process dies here (SIGKILL): nothing after this Redis command happens."""


def redis_killed_after(url: str, commands: int):
    """A Redis client whose process dies before its ``commands + 1``-th command (a transaction
    or a script is one command: Redis runs it whole or not at all)."""
    import redis

    class Dying(redis.Redis):
        left = commands

        def execute_command(self, *args, **options):
            if self.left == 0:
                raise Killed
            self.left -= 1
            return super().execute_command(*args, **options)

    return Dying.from_url(url)


def worker_scheduler(server):
    """The scheduler of a worker of spider "t" on ``server`` (its queue, duplicate filter and
    in-flight hash), without a crawl around it."""
    from scrapy import Spider
    from scrapy_redis.dupefilter import RFPDupeFilter

    from crawler.distributed import RequestQueue, WorkerScheduler

    spider = Spider(name="t")
    scheduler = WorkerScheduler.__new__(WorkerScheduler)
    scheduler.server, scheduler.spider, scheduler.stats = server, spider, None
    scheduler.df = RFPDupeFilter(server, key="t:dupefilter")
    scheduler.queue = RequestQueue(server, spider, "t:requests")
    scheduler.worker = SimpleNamespace(inflight_key="t:inflight:w")
    return scheduler


@pytest.mark.parametrize("commands", range(9))
def test_a_page_done_again_after_its_worker_died_at_any_step_queues_every_request(redis_url, commands):
    """A worker dies after ``commands`` Redis commands while queueing a page's requests (new
    ones, and a redirect that replaces the page's own in-flight entry); the page, back in the
    queue, is done again by another worker: every request is then queued, none lost as "seen".
    (scrapy-redis marks a request seen and queues it in two commands: a death between them lost
    the request, and with it an article, while the run said ok.)"""
    import redis
    from scrapy import Request

    from crawler.distributed import INFLIGHT_META

    healthy = redis.Redis.from_url(redis_url)
    healthy.flushdb()
    healthy.hset("t:inflight:w", "p1", "0\npage")
    urls = [f"https://mmc.kotawaringinbaratkab.go.id/berita/a{i}" for i in range(3)]

    def the_pages_requests():
        redirect = Request("https://mmc.kotawaringinbaratkab.go.id/berita/moved", meta={INFLIGHT_META: "p1"})
        return [Request(url) for url in urls] + [redirect]

    dying = worker_scheduler(redis_killed_after(redis_url, commands))
    with contextlib.suppress(Killed):
        for request in the_pages_requests():
            dying.enqueue_request(request)
    # The redirect left the in-flight hash only together with being queued: never neither.
    queued = {pickle.loads(data)["url"] for data in healthy.zrange("t:requests", 0, -1)}
    assert healthy.hexists("t:inflight:w", "p1") or queued >= {urls[0].replace("a0", "moved")}
    survivor = worker_scheduler(healthy)
    for request in the_pages_requests():
        survivor.enqueue_request(request)
    queued = {pickle.loads(data)["url"] for data in healthy.zrange("t:requests", 0, -1)}
    assert queued == {*urls, urls[0].replace("a0", "moved")}
    assert healthy.zcard("t:requests") == 4  # and none twice


def test_a_writer_slower_than_its_heartbeat_per_batch_keeps_its_workers(world, redis_url, tmp_path):
    """The writer's sign of life expires after 0.5 s here, and a batch of up to 1,000 items takes
    longer than that: renewed within the batch, so no worker takes the writer for gone and stops."""
    replica, proxy = world
    db = tmp_path / "archive.db"
    slow = ("-s", "ARCHIVE_REDIS_HEARTBEAT_TIMEOUT=0.5", "-s", "ARCHIVE_BATCH_SIZE=1000")
    code, output, worker_codes, _ = distributed(redis_url, proxy, db, 2, writer_args=slow)
    assert (code, worker_codes) == (0, [0, 0]), output
    assert_archive_matches(db, replica.manifest())


def test_a_page_whose_output_cannot_reach_redis_is_a_failed_page_not_lost(redis_url):
    """An error while a worker hands a page's output over (here an item that is not JSON) reaches
    Scrapy's spider_error, not a callback's error handling: the page must be recorded as failed
    (so the run is not ok and the next run fetches it) before it leaves the in-flight hash."""
    import redis
    from scrapy import signals
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler
    from twisted.python.failure import Failure

    from crawler.distributed import INFLIGHT_META, Keys, Worker, WorkerExtension, WorkerMiddleware
    from spiders.mmc_kobar import MmcKobarSpider

    crawler = get_crawler(MmcKobarSpider, {"ARCHIVE_REDIS_URL": redis_url, "ARCHIVE_REDIS_PREFIX": "t",
                                           "ARCHIVE_RUN_ID": "r", "ARCHIVE_REDIS_HEARTBEAT_TIMEOUT": 15})
    crawler.spider = spider = crawler._create_spider()
    server = redis.Redis.from_url(redis_url)
    worker = Worker.of(crawler)
    worker.bind(server, spider)
    extension = WorkerExtension.from_crawler(crawler)  # noqa: F841 - signals hold it weakly
    page = "https://mmc.kotawaringinbaratkab.go.id/berita/a"
    server.hset(worker.inflight_key, "p1", "0\nrequest")
    request = Request(page, meta={INFLIGHT_META: "p1", "canonical": page, "listing_date": "1 Mei 2024"})
    response = HtmlResponse(page, body=b"<html></html>", request=request)
    with pytest.raises(TypeError):
        list(WorkerMiddleware(crawler).process_spider_output(response, [{"title": {"not", "json"}}]))
    crawler.signals.send_catch_log(signals.spider_error, failure=Failure(TypeError("not JSON")), response=response,
                                   spider=spider)
    failures = [json.loads(f) for f in server.lrange(Keys("t", "r").source("mmc_kobar", "failures"), 0, -1)]
    assert [(f["url"], f["listing_date"]) for f in failures] == [(page, "1 Mei 2024")]
    assert "TypeError" in failures[0]["reason"] and not server.hexists(worker.inflight_key, "p1")


def test_a_worker_refuses_the_writers_options_and_waits_for_a_run(redis_url, tmp_path):
    command = [sys.executable, "-m", "crawler.cli", "crawl", "--redis", redis_url, "--full"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, env=os.environ)
    assert result.returncode == 2 and "give them to `pilkada-archive write`" in result.stderr
    result = subprocess.run([*command[:-1], "-s", "ARCHIVE_REDIS_WAIT=1"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2 and "no distributed run in Redis" in result.stderr


def test_a_second_writer_on_the_same_redis_is_refused(world, redis_url, tmp_path):
    _, proxy = world
    first = start_writer(redis_url, tmp_path / "a.db", origins(proxy), "-s", "ARCHIVE_REDIS_WAIT=20")
    try:
        import redis

        client = redis.Redis.from_url(redis_url)
        deadline = time.monotonic() + 60
        while not client.get("pilkada:run") and time.monotonic() < deadline:
            time.sleep(0.1)
        second = start_writer(redis_url, tmp_path / "b.db", origins(proxy))
        out, err = second.communicate(timeout=60)
        assert second.returncode == 75 and "another writer" in err
        run = json.loads(client.get("pilkada:run"))
        assert sorted(run["sources"]) == ["kemendagri", "mmc_kobar"]
    finally:
        first.kill()
        first.wait()


def test_a_stopped_writer_stops_the_workers_and_the_next_run_completes(world, redis_url, tmp_path):
    """SIGTERM to the writer mid-crawl: the workers stop, the ledger says interrupted (exit 5),
    and the next distributed run completes the archive."""
    replica, proxy = world
    db = tmp_path / "archive.db"
    writer = start_writer(redis_url, db, origins(proxy))
    crawlers = [start_worker(redis_url, tmp_path / f"worker{i}.log", *FAST) for i in range(2)]
    try:
        deadline = time.monotonic() + 120
        while stored_articles(db) < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        writer.send_signal(signal.SIGTERM)
        out, err = writer.communicate(timeout=120)
        codes = [c.wait(timeout=120) for c in crawlers]
    finally:
        for process in (writer, *crawlers):
            if process.poll() is None:
                process.kill()
                process.wait()
    assert writer.returncode == 5, out + err
    # Every worker stops: 5, or 0 for a worker whose sources the writer had already declared
    # finished before the signal (the small replica can be fetched before 20 articles are stored;
    # its run is still interrupted: the writer's exit and the ledger say so).
    assert set(codes) <= {0, 5} and 5 in codes + [writer.returncode]
    runs = list(Database(db).query("select health, exit_code from crawl_runs"))
    assert {(r["health"], r["exit_code"]) for r in runs} == {("interrupted", 5)}
    code, output, worker_codes, _ = distributed(redis_url, proxy, db, 2)
    assert (code, worker_codes) == (0, [0, 0]), output
    assert_archive_matches(db, replica.manifest())
    # And a run after a complete one is incremental, as a single process's is: listings stop at
    # known articles, so it fetches far less, and the archive stays exact.
    code, output, worker_codes, _ = distributed(redis_url, proxy, db, 2)
    assert (code, worker_codes) == (0, [0, 0]), output
    assert_archive_matches(db, replica.manifest())
    requests = [r["requests"] for r in Database(db).query(
        "select run_id, sum(requests) as requests from crawl_runs group by run_id order by min(id)")]
    assert len(requests) == 3 and requests[2] < requests[1] / 2, requests


def test_politeness_holds_across_workers(redis_url, tmp_path):
    """Three workers against one host with DOWNLOAD_DELAY 0.1 s: the host sees request starts at
    least that far apart over all workers together, not three times as often."""
    replica = start_replica(articles=80)
    proxy = LatencyProxy(replica.base, 0.0)
    try:
        db = tmp_path / "archive.db"
        writer = start_writer(redis_url, db, origins(proxy))
        polite = ["-s", "DOWNLOAD_DELAY=0.1", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", *FAST]
        crawlers = [start_worker(redis_url, tmp_path / f"worker{i}.log", *polite) for i in range(3)]
        out, err = writer.communicate(timeout=300)
        codes = [c.wait(timeout=120) for c in crawlers]
        assert (writer.returncode, codes) == (0, [0, 0, 0]), out + err
        assert_archive_matches(db, replica.manifest())
        arrivals = sorted(proxy.arrivals)
        gaps = sorted(b - a for a, b in zip(arrivals, arrivals[1:], strict=False))
        # Request starts are reserved 0.1 s apart; an arrival can only come later than its
        # reservation (a busy worker), so the first can be late, never the span short: half a
        # second of slack for that first one. Three workers with their own delays only make
        # the span about a third of this.
        assert len(arrivals) > 100
        assert arrivals[-1] - arrivals[0] >= (len(arrivals) - 1) * 0.1 - 0.5, (len(arrivals), gaps[:5])
        assert gaps[len(gaps) // 2] >= 0.08, gaps
    finally:
        proxy.shutdown()
        replica.server.shutdown()
