"""Throughput of a distributed crawl (``crawler.distributed``) with 1, 2 and 4 workers, against the
replica behind an artificial per-request latency (a distant government server) spread over many
hosts, with the project's real politeness per host.

    python -m bench.workers                     20 hosts, 300 ms, 400-article replica, 1/2/4 workers
    python -m bench.workers --quick             fewer articles, same shape

Each host is a latency proxy on its own loopback address (127.0.0.1 … 127.0.0.20, one port):
to Scrapy they are 20 hosts, each with its own download slot, ``CONCURRENT_REQUESTS_PER_DOMAIN
= 1`` and a ``DOWNLOAD_DELAY`` that ``HostSpacingMiddleware`` holds across all workers. A page
goes to the host its canonical path hashes to (``HostSpread``, a spider middleware of this
file), so a source's pages are spread over the hosts as a province's many sites would be.
Rows are in ``bench/run.py``'s ``row()`` format; figures taken while other work runs on the
machine are noisy (ratios of one run are still meaningful).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import Request

ROOT = Path(__file__).resolve().parent.parent


class LatencyProxy(ThreadingHTTPServer):
    """Forwards GETs to ``target`` after ``latency`` seconds and counts every path it served."""

    daemon_threads = True
    request_queue_size = 256

    def __init__(self, target: str, latency: float, host: str = "127.0.0.1", port: int = 0):
        self.target, self.latency = target.rstrip("/"), latency
        self.seen: Counter = Counter()
        self.arrivals: list[float] = []  # time.monotonic() of each request's arrival
        self.lock = threading.Lock()
        super().__init__((host, port), _Forward)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass

    def do_GET(self):
        proxy: LatencyProxy = self.server
        with proxy.lock:
            proxy.seen[self.path] += 1
            proxy.arrivals.append(time.monotonic())
        time.sleep(proxy.latency)
        try:
            with urllib.request.urlopen(proxy.target + self.path, timeout=30) as upstream:
                status, ctype, body = upstream.status, upstream.headers.get("Content-Type", ""), upstream.read()
        except urllib.error.HTTPError as error:
            status, ctype, body = error.code, error.headers.get("Content-Type", ""), error.read()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class HostSpread:
    """Spider middleware (bench only): a request for the mirror goes to one of the hosts in
    ``BENCH_HOSTS`` (JSON list of base URLs), chosen by its canonical path."""

    def __init__(self, crawler):
        self.hosts = json.loads(crawler.settings.get("BENCH_HOSTS") or "[]")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _spread(self, output):
        if not isinstance(output, Request) or not self.hosts or "canonical" not in output.meta:
            return output
        parts = urlsplit(output.url)
        if parts.hostname != "127.0.0.1":
            return output
        digest = hashlib.blake2b(output.meta["canonical"].encode(), digest_size=4).digest()
        base = self.hosts[int.from_bytes(digest, "big") % len(self.hosts)]
        return output.replace(url=base + output.url[len(f"{parts.scheme}://{parts.netloc}"):])

    async def process_start(self, start):
        async for output in start:
            yield self._spread(output)

    def process_spider_output(self, response, result):
        for output in result:
            yield self._spread(output)

    async def process_spider_output_async(self, response, result):
        async for output in result:
            yield self._spread(output)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@contextmanager
def redis_server(folder: Path):
    """A throwaway ``redis-server`` on a free loopback port, in ``folder``; its URL."""
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError("redis-server is not installed (.ci/test-deps installs it)")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
                                "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        import redis

        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def python() -> list[str]:
    return [sys.executable, "-m", "crawler.cli"]


def start_writer(redis_url: str, db: Path, origins: dict, *extra: str) -> subprocess.Popen:
    command = [*python(), "write", "--redis", redis_url, "--db", str(db), "--log-file",
               str(db.with_suffix(".writer.log")), *extra]
    for name, origin in origins.items():
        command += ["--origin", f"{name}={origin}"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def start_worker(redis_url: str, log: Path, *extra: str) -> subprocess.Popen:
    command = [*python(), "crawl", "--redis", redis_url, "--log-file", str(log), *extra]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def measure(workers: int, replica_base: str, hosts: list[str], articles: int, folder: Path,
            delay: float) -> dict:
    """One distributed first crawl of both sources; pages fetched and seconds taken."""
    db = folder / f"bench-{workers}.db"
    origins = {"mmc_kobar": f"{replica_base}/mmc_kobar", "kemendagri": f"{replica_base}/kemendagri"}
    settings = ["-s", "CONCURRENT_REQUESTS=8", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
                "-s", f"DOWNLOAD_DELAY={delay}", "-s", "DOWNLOAD_DELAY_JITTER=0",
                "-s", f"BENCH_HOSTS={json.dumps(hosts)}", "-s", "ARCHIVE_REDIS_HEARTBEAT_TIMEOUT=10",
                "-s", 'SPIDER_MIDDLEWARES={"bench.workers.HostSpread": 7}', "-s", "KEMENDAGRI_PAGE_LIMIT=10"]
    with redis_server(folder) as redis_url:
        import redis

        # Workers first: they start (seconds of imports each) and wait for the run, so that the
        # time measured is the crawl's, not the processes' start.
        crawlers = [start_worker(redis_url, folder / f"bench-{workers}-{i}.log", *settings) for i in range(workers)]
        time.sleep(2.0 * workers)
        writer = start_writer(redis_url, db, origins)
        client = redis.Redis.from_url(redis_url)
        while not client.get("pilkada:run"):  # the writer read the archive and published the run
            if writer.poll() is not None:
                raise RuntimeError(f"writer exit {writer.returncode}: {writer.communicate()}")
            time.sleep(0.01)
        started = time.monotonic()  # from here: the workers crawl, the writer stores the last item
        try:
            out, err = writer.communicate(timeout=600)
        finally:
            for crawler in crawlers:
                try:
                    crawler.communicate(timeout=60)
                except subprocess.TimeoutExpired:
                    crawler.send_signal(signal.SIGKILL)
                    crawler.communicate()
        seconds = time.monotonic() - started
    if writer.returncode != 0:
        raise RuntimeError(f"writer exit {writer.returncode}: {out}{err[-2000:]}")
    import sqlite3

    with sqlite3.connect(db) as archive:
        pages = archive.execute("select sum(requests) from crawl_runs").fetchone()[0]
        stored = archive.execute("select count(*) from articles").fetchone()[0]
    return {"workers": workers, "pages": pages, "articles": stored, "seconds": round(seconds, 2),
            "pages_per_s": round(pages / seconds, 2)}


def main(argv=None) -> list[dict]:
    from bench.run import row
    from replica.server import serve

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--articles", type=int)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args(argv)
    articles = args.articles or (100 if args.quick else 400)
    replica = serve(0, articles=articles)
    threading.Thread(target=replica.serve_forever, daemon=True).start()
    replica_base = f"http://127.0.0.1:{replica.server_address[1]}"
    port = free_port()
    proxies = [LatencyProxy(replica_base, args.latency, host=f"127.0.0.{i + 1}", port=port) for i in range(args.hosts)]
    hosts = [p.base for p in proxies]
    # The latency is the delay: a host answers one request at a time, every `latency` seconds.
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        for count in (int(n) for n in args.workers.split(",")):
            result = measure(count, replica_base, hosts, articles, Path(tmp), args.latency)
            results.append(result)
            print(json.dumps(result), file=sys.stderr)
    rows = [row(f"distributed crawl, {r['workers']} worker(s), {args.hosts} hosts × {args.latency * 1000:.0f} ms",
                "pages/s", [r["pages_per_s"]], pages=r["pages"], seconds=r["seconds"], articles=r["articles"])
            for r in results]
    base = results[0]["pages_per_s"]
    for out, result in zip(rows, results, strict=True):
        out.update(baseline="1 worker", baseline_median=base, ratio=round(result["pages_per_s"] / base, 3))
    for proxy in proxies:
        proxy.shutdown()
    replica.shutdown()
    print(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    main()
