"""``pilkada-archive``: crawl, serve, status, replica, demo.

Exit codes of ``crawl`` (also in the README): 0 every source healthy; 3 some pages failed but
every source works; 4 a source is broken; 75 another crawl is running; 2 usage or
configuration error; 1 unexpected crash.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from archive.site import serve_command
from crawler import run

DEFAULT_DB = "data/archive.db"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pilkada-archive", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    crawl = commands.add_parser("crawl", help="crawl the sources into the archive (the cron entry point)")
    crawl.add_argument("sources", nargs="*", help=f"spiders to run (default: all of {', '.join(run.SOURCES)})")
    crawl.add_argument("--db", default=DEFAULT_DB, help="archive database (default %(default)s)")
    crawl.add_argument("--origin", action="append", default=[], metavar="SPIDER=URL",
                       help="fetch a source from a mirror, e.g. mmc_kobar=http://127.0.0.1:8000/mmc_kobar")
    crawl.add_argument("--replica", metavar="URL", help="take every origin from a replica's manifest")
    crawl.add_argument("--urls", help="crawl only these canonical article URLs (one per line)")
    crawl.add_argument("--since", help="re-check known articles published since YYYY-MM-DD")
    crawl.add_argument("--full", action="store_true", help="ignore what the archive knows; fetch everything")
    crawl.add_argument("--recheck-days", type=int, default=7, help="re-fetch articles this recent (default 7)")
    crawl.add_argument("--log-file", help="write Scrapy's log here; stdout gets one summary line")
    crawl.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                       help="override a Scrapy setting")

    serve = commands.add_parser("serve", help="publish the archive with Datasette")
    serve.add_argument("--db", default=DEFAULT_DB)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)
    serve.add_argument("--workers", type=int, default=min(os.cpu_count() or 1, 4),
                       help="server processes (default: one per core, at most 4)")

    status = commands.add_parser("status", help="the last runs of each source and their health")
    status.add_argument("--db", default=DEFAULT_DB)
    status.add_argument("--runs", type=int, default=3)

    replica = commands.add_parser("replica", help="serve the local replica of both sources")
    replica.add_argument("--port", type=int, default=8000)
    replica.add_argument("--host", default="127.0.0.1")
    replica.add_argument("--articles", type=int, default=72)
    replica.add_argument("--seed", type=int, default=2024)

    reparse = commands.add_parser("reparse", help="re-run extraction over stored WARC files (no network)")
    reparse.add_argument("--db", default=DEFAULT_DB)
    reparse.add_argument("files", nargs="*", help="WARC files (default: every file in warc/ beside the archive)")

    demo = commands.add_parser("demo", help="replica + crawl + Datasette, all on 127.0.0.1")
    demo.add_argument("--db", default=DEFAULT_DB)
    demo.add_argument("--replica-port", type=int, default=8000)
    demo.add_argument("--port", type=int, default=8001)

    args = parser.parse_args(argv)
    try:
        return {"crawl": cmd_crawl, "serve": cmd_serve, "status": cmd_status,
                "replica": cmd_replica, "demo": cmd_demo, "reparse": cmd_reparse}[args.command](args)
    except UsageError as error:
        print(f"pilkada-archive: {error}", file=sys.stderr)
        return run.EXIT_USAGE


class UsageError(Exception):
    pass


def _origins(args) -> dict[str, str]:
    origins = {}
    if args.replica:
        with urllib.request.urlopen(args.replica.rstrip("/") + "/__replica__/manifest.json", timeout=10) as r:
            manifest = json.load(r)
        origins = {name: spec["args"]["origin"] for name, spec in manifest["spiders"].items()}
    for value in args.origin:
        name, sep, url = value.partition("=")
        if not sep or name not in run.SOURCES or not url.startswith(("http://", "https://")):
            raise UsageError(f"--origin wants SPIDER=URL with SPIDER one of {run.SOURCES}, got {value!r}")
        origins[name] = url
    return origins


def cmd_crawl(args) -> int:
    sources = tuple(args.sources) or run.SOURCES
    unknown = [s for s in sources if s not in run.SOURCES]
    if unknown:
        raise UsageError(f"unknown source(s) {unknown}; known: {list(run.SOURCES)}")
    if args.urls and not Path(args.urls).is_file():
        raise UsageError(f"--urls file not found: {args.urls}")
    settings = {}
    for value in args.set:
        name, sep, setting = value.partition("=")
        if not sep:
            raise UsageError(f"-s wants NAME=VALUE, got {value!r}")
        settings[name] = setting
    options = run.CrawlOptions(db=args.db, sources=sources, origins=_origins(args), urls=args.urls,
                               since=args.since, full=args.full, recheck_days=args.recheck_days,
                               log_file=args.log_file, settings=settings)
    try:
        code = run.crawl(options)
    except run.Locked as error:
        print(f"pilkada-archive: not crawling: {error}", file=sys.stderr)
        return run.EXIT_LOCKED
    print(summary_line(args.db))
    return code


def summary_line(db_path: str) -> str:
    from sqlite_utils import Database

    db = Database(db_path)
    last = list(db.query("select * from crawl_runs where run_id = (select run_id from crawl_runs "
                         "order by id desc limit 1) order by source"))
    parts = [f"{r['source']}: {r['health']} new={r['articles_new']} updated={r['articles_updated']} "
             f"unchanged={r['articles_unchanged']} copies={r['articles_aliased']} "
             f"failed={r['articles_failed']} requests={r['requests']}"
             + (f" ({r['health_reason']})" if r["health_reason"] else "") for r in last]
    return "crawl " + (last[0]["run_id"] if last else "?") + " | " + " | ".join(parts)


def cmd_status(args) -> int:
    from sqlite_utils import Database

    if not Path(args.db).exists():
        raise UsageError(f"no archive at {args.db}")
    db = Database(args.db)
    if not db["crawl_runs"].exists():
        print("no crawl has run yet")
        return 0
    print(f"{'source':<12} {'finished':<21} {'health':<7} {'new':>5} {'upd':>5} {'same':>5} {'fail':>5} {'req':>6}  reason")
    worst = 0
    for source in run.SOURCES:
        rows = list(db.query("select * from crawl_runs where source = ? order by id desc limit ?",
                             [source, args.runs]))
        for index, r in enumerate(rows):
            print(f"{source:<12} {r['finished_at'] or '':<21} {r['health']:<7} {r['articles_new']:>5} "
                  f"{r['articles_updated']:>5} {r['articles_unchanged']:>5} {r['articles_failed']:>5} "
                  f"{r['requests']:>6}  {r['health_reason'] or ''}")
            if index == 0 and r["health"] == "broken":
                worst = run.EXIT_SOURCE_BROKEN
    return worst


def cmd_serve(args) -> int:
    from archive.schema import open_archive

    if not Path(args.db).exists():
        raise UsageError(f"no archive at {args.db}: run `pilkada-archive crawl` first")
    open_archive(args.db).close()
    print(f"Serving the archive on http://{args.host}:{args.port}/ (Ctrl-C stops)", flush=True)
    command, env = serve_command(args.db, args.host, args.port, args.workers)
    # Become the server, so that a signal to this process (a service manager, a test) reaches it.
    os.execve(command[0], command, env)
    return run.EXIT_CRASH  # not reached


def cmd_reparse(args) -> int:
    from crawler.reparse import reparse

    if not Path(args.db).exists():
        raise UsageError(f"no archive at {args.db}")
    try:
        with run.run_lock(args.db):
            results = reparse(args.db, [Path(f) for f in args.files] or None)
    except run.Locked as error:
        print(f"pilkada-archive: not reparsing: {error}", file=sys.stderr)
        return run.EXIT_LOCKED
    for source, counts in results.items():
        print(f"{source}: " + " ".join(f"{k}={v}" for k, v in counts.items()))
    return run.EXIT_OK


def cmd_replica(args) -> int:
    from replica.server import serve

    server = serve(args.port, args.host, args.articles, args.seed)
    print(f"Replica of MMC Kobar and Kemendagri on http://{args.host}:{server.server_address[1]}/ "
          f"({len(server.world.releases)} articles; manifest at /__replica__/manifest.json)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def cmd_demo(args) -> int:
    """Start the replica, crawl it, serve Datasette; Ctrl-C stops everything started here."""
    replica = subprocess.Popen([sys.executable, "-m", "crawler.cli", "replica", "--port", str(args.replica_port)])
    children = [replica]
    try:
        base = f"http://127.0.0.1:{args.replica_port}"
        wait_for(base + "/__replica__/manifest.json")
        time.sleep(0.3)
        if replica.poll() is not None:
            raise UsageError(f"the replica could not start on port {args.replica_port} (in use?): "
                             "choose another with --replica-port")
        log_file = str(Path(args.db).with_name("crawl.log"))
        print(f"crawling the replica into {args.db} (log: {log_file}) ...", flush=True)
        code = main(["crawl", "--db", args.db, "--replica", base, "--log-file", log_file])
        print(f"crawl finished with exit code {code}")
        command, env = serve_command(args.db, "127.0.0.1", args.port)
        datasette = subprocess.Popen(command, env=env)
        children.append(datasette)
        print(f"\n  Archive: http://127.0.0.1:{args.port}/   (Ctrl-C stops the replica and Datasette)\n",
              flush=True)
        datasette.wait()
    except KeyboardInterrupt:
        pass
    except UsageError as error:
        print(f"pilkada-archive: {error}", file=sys.stderr)
        return run.EXIT_USAGE
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
    return 0


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


if __name__ == "__main__":
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    sys.exit(main())
