"""``make bench``: crawl, incremental run, per-article CPU, storage and Datasette, each beside a
baseline measured in the same run. Prints a table and writes ``bench/results/<date>-<host>.json``.

    python -m bench.run                 full sizes (10,000-article replica, 1,000,000-row archive)
    python -m bench.run --quick         small sizes, same output, a few minutes
    python -m bench.run --only crawl,store --articles 2000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from datetime import date
from pathlib import Path

from crawler.cli import wait_for

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("crawl", "incremental", "reparse", "cpu", "store", "workers", "datasette")


def row(name, unit, values, baseline=None, baseline_values=None, **extra) -> dict:
    values = list(values)
    out = {"name": name, "unit": unit, "median": statistics.median(values), "min": min(values),
           "max": max(values), "n": len(values), **extra}
    if baseline:
        out.update(baseline=baseline, baseline_median=statistics.median(baseline_values))
        out["ratio"] = round(out["median"] / out["baseline_median"], 3) if out["baseline_median"] else None
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measured(command: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.measure", *command], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    return json.loads(out.stdout)


class ReplicaProcess:
    def __init__(self, articles: int):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([sys.executable, "-m", "crawler.cli", "replica", "--port", str(self.port),
                                         "--articles", str(articles)], stdout=subprocess.DEVNULL, cwd=ROOT)
        wait_for(self.base + "/robots.txt", timeout=120)

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def bench_crawl(args, work: Path, rows: list, state: dict) -> None:
    replica = ReplicaProcess(args.articles)
    state["replica"] = replica
    bare_pages, project_pages, bare_items, project_items = [], [], [], []
    project_cpu, rss = [], []
    for attempt in range(args.repeat):
        stats_file = work / f"bare-{attempt}.json"
        bare = measured([sys.executable, "-m", "bench.crawl_bare", replica.base, str(stats_file)])
        bare_stats = json.loads(stats_file.read_text())
        bare_pages.append(bare_stats["responses"] / bare["wall_s"])
        bare_items.append(bare_stats["items"] / bare["wall_s"])
        db = work / f"crawl-{attempt}" / "archive.db"
        project = measured([sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db), "--replica", replica.base,
                            "--log-file", str(db.with_suffix(".log"))])
        ledger = list(_query(db, "select sum(requests) r, sum(articles_new + articles_aliased + articles_unchanged) a "
                                 "from crawl_runs"))[0]
        project_pages.append(ledger["r"] / project["wall_s"])
        project_items.append(ledger["a"] / project["wall_s"])
        project_cpu.append(project["cpu_s"] * 1000 / max(ledger["a"], 1))
        rss.append(project["maxrss_mb"])
        state["crawled_db"] = db
    rows.append(row("crawl", "pages/s", project_pages, "bare scrapy (same settings)", bare_pages,
                    articles=args.articles))
    rows.append(row("crawl_articles", "articles/s", project_items, "bare scrapy items/s", bare_items))
    rows.append(row("crawl_cpu_per_article", "CPU ms/article", project_cpu))
    rows.append(row("crawl_peak_rss", "MB", rss, target="<= 400"))


def bench_incremental(args, work: Path, rows: list, state: dict) -> None:
    replica = state.get("replica") or ReplicaProcess(args.articles)
    state["replica"] = replica
    db = state.get("crawled_db")
    if db is None:
        db = work / "incremental" / "archive.db"
        measured([sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db), "--replica", replica.base,
                  "--log-file", str(db.with_suffix(".log"))])
    walls, requests = [], {}
    for _ in range(args.repeat):
        result = measured([sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db), "--replica", replica.base,
                           "--log-file", str(db.with_suffix(".log"))])
        walls.append(result["wall_s"])
        last = _query(db, "select source, requests from crawl_runs where run_id = "
                          "(select run_id from crawl_runs order by id desc limit 1)")
        for item in last:
            requests.setdefault(item["source"], []).append(item["requests"])
    for source, values in sorted(requests.items()):
        # Scrapy counts robots.txt in downloader/request_count: the target excludes it.
        rows.append(row(f"incremental_requests_{source}", "requests", [v - 1 for v in values],
                        target="<= 5 besides robots.txt", articles=args.articles))
    rows.append(row("incremental_wall", "s", walls, articles=args.articles))


def bench_cpu(args, work: Path, rows: list, state: dict) -> None:
    from scrapy.http import HtmlResponse, Request

    from crawler.replay import offline_spider
    from indonesian import dates, tagging
    from indonesian.text import strip_boilerplate
    from replica.corpus import generate
    from replica.pages import mmc_article
    from spiders.mmc_kobar import MmcKobarSpider

    releases = [r for r in generate(max(args.cpu_pages * 2, 60)) if r.source == "mmc_kobar"][: args.cpu_pages]
    titles = {r.slug: r.title for r in releases}
    pages = [(r.url, mmc_article(r, titles).encode()) for r in releases]
    _, spider = offline_spider(MmcKobarSpider)

    def responses():
        return [HtmlResponse(url=u, body=b, encoding="utf-8", request=Request(u, meta={"canonical": u})) for u, b in pages]

    items = [next(spider.parse_article(r)) for r in responses()]
    evidence = [(i.date_candidates, "2026-11-27T00:00:00Z") for i in items]
    bodies = [(i.paragraphs, i.title) for i in items]
    texts = [(i.title, "\n\n".join(i.paragraphs)) for i in items]
    date_texts = [next((e["text"] for e in i.date_candidates if e["kind"] == "lead"), "") for i in items]
    date_texts = [dates.BRACKET_DATE.search(t)[0] if dates.BRACKET_DATE.search(t) else t[:40] for t in date_texts]

    def per_article(function, inputs):
        timings = timeit.repeat(lambda: [function(*x) for x in inputs], number=1, repeat=5)
        return [t * 1e6 / len(inputs) for t in timings]

    fresh = responses()
    extract = per_article(lambda r: next(spider.parse_article(r)), [(r,) for r in fresh])
    date_us = per_article(dates.resolve, evidence)
    strip_us = per_article(strip_boilerplate, bodies)
    tag_us = per_article(tagging.tag, texts)
    normalize_tag = [a + b + c for a, b, c in zip(date_us, strip_us, tag_us, strict=True)]
    rows.append(row("extract_us", "µs/article", extract, pages=len(pages)))
    rows.append(row("dates_us", "µs/article", date_us))
    rows.append(row("boilerplate_us", "µs/article", strip_us))
    rows.append(row("tagging_us", "µs/article", tag_us))
    rows.append(row("normalize_us", "µs/article", normalize_tag, target="<= 1000 (dates + boilerplate + tagging)"))
    try:
        import trafilatura

        html = [(b.decode(),) for _, b in pages]
        rows.append(row("reference_trafilatura_extract_us", "µs/article",
                        per_article(lambda h: trafilatura.extract(h), html)))
    except ImportError:
        pass
    try:
        import dateparser

        parser_inputs = [(t,) for t in date_texts]
        rows.append(row("reference_dateparser_us", "µs/article",
                        per_article(lambda t: dateparser.parse(t, languages=["id"]), parser_inputs)))
    except ImportError:
        pass


def bench_store(args, work: Path, rows: list, state: dict) -> None:
    from archive.connect import open_archive
    from archive.store import ArchiveWriter
    from bench.profile_store import fuller_baseline, issue_baseline, two_core_rate, writer_rate
    from bench.synth import synthetic_items

    items = list(synthetic_items(args.store_rows))
    project, baseline, bulk, two_cores, fuller = [], [], [], [], []
    for attempt in range(args.repeat):
        db = open_archive(str(work / f"store-{attempt}.db"), migrate=True)
        writer = ArchiveWriter(db, "bench")
        started = time.perf_counter()
        for start in range(0, len(items), 200):
            writer.write(items[start:start + 200])
        project.append(len(items) / (time.perf_counter() - started))
        db.close()
        # What a sqlite-utils user would write for the same searchable table: the rows, the same
        # indexes, full-text search on the same columns with the same tokenizer.
        baseline.append(issue_baseline(items, str(work / f"store-bare-{attempt}.db")))
        # The writer's bulk load (indexes and full-text made once at the end: a first build), and
        # a sqlite-utils user filling every table the store fills, from rows computed beforehand.
        bulk.append(writer_rate(items, str(work / f"store-bulk-{attempt}.db"), bulk=True))
        # The bulk load as the 1M build runs it: items prepared by a second process.
        two_cores.append(two_core_rate(len(items), str(work / f"store-two-{attempt}.db")))
        fuller.append(fuller_baseline(items, str(work / f"store-fuller-{attempt}.db"),
                                      str(work / f"store-{attempt}.db")))
    rows.append(row("store", "articles/s", project,
                    "sqlite-utils insert_all + same indexes + enable_fts (same columns)", baseline,
                    rows_written=len(items), target="ratio >= 0.5"))
    rows.append(row("store_bulk_load", "articles/s", bulk,
                    "sqlite-utils insert_all + same indexes + enable_fts (same columns)", baseline,
                    rows_written=len(items)))
    rows.append(row("store_bulk_load_two_cores", "articles/s", two_cores,
                    "sqlite-utils insert_all + same indexes + enable_fts (same columns)", baseline,
                    rows_written=len(items), fuller_baseline_median=statistics.median(fuller)))
    rows.append(row("store_vs_every_table", "articles/s", project,
                    "sqlite-utils filling every table the store fills (articles, stems, regions, "
                    "sketches; same indexes and both full-text indexes) from precomputed rows", fuller,
                    rows_written=len(items)))


def bench_reparse(args, work: Path, rows: list, state: dict) -> None:
    """``pilkada-archive reparse`` over the WARC files of the crawl section's archive (a parser
    fix re-read offline), beside that crawl's articles/s."""
    db = state.get("crawled_db")
    if db is None:
        bench_crawl(args, work, rows, state)
        db = state["crawled_db"]
    speeds = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "crawler.cli", "reparse", "--db", str(db)], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
        wall = time.perf_counter() - started
        # One line per source: "mmc_kobar: records=N new=0 unchanged=M ..."
        counts = [dict(pair.split("=") for pair in line.split(": ", 1)[1].split())
                  for line in out.splitlines() if ": records=" in line]
        articles = sum(int(c.get(k, 0)) for c in counts for k in ("new", "updated", "unchanged", "aliased"))
        speeds.append(articles / wall)
    crawl = next((r for r in rows if r["name"] == "crawl_articles"), None)
    rows.append(row("reparse", "articles/s", speeds, "the crawl's articles/s (same replica)" if crawl else None,
                    [crawl["median"]] if crawl else None, articles=articles))


def bench_workers(args, work: Path, rows: list, state: dict) -> None:
    """A distributed crawl with 1, 2 and 4 workers over 20 hosts 300 ms away (bench/workers.py)."""
    from bench.workers import main as workers

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    rows.extend(workers(["--quick"] if args.quick else []))


def bench_datasette(args, work: Path, rows: list, state: dict) -> None:
    """Each endpoint of ``bench.endpoints`` asked of the project's site, of stock Datasette
    serving the same file, and of SQLite directly, in this order, in the same run."""
    from bench.synth import build

    db = Path(args.archive) if args.archive else work / "scale" / "archive.db"
    built = db.with_name(db.name + ".build.json")
    reused = db.exists() and built.exists()
    if not reused:
        db.parent.mkdir(parents=True, exist_ok=True)
        for left in db.parent.glob(db.name + "*"):  # a build stopped before its end: started again
            left.unlink()
        built.write_text(json.dumps({"rows": args.rows, "build_s": build(str(db), args.rows)}))
    build_info = json.loads(built.read_text())
    if build_info["rows"] != args.rows:
        raise SystemExit(f"{db} holds {build_info['rows']} synthetic rows, not --rows {args.rows}")
    size_mb = sum(f.stat().st_size for f in db.parent.glob(db.name + "*") if f != built) / 1e6
    if build_info.get("build_s") is not None:
        rows.append(row("datasette_build", "s", [build_info["build_s"]], rows=args.rows,
                        reused=reused, target="<= 900"))
    else:  # an archive made otherwise (bench/synth.py replicate): no build figure, and the row says so
        rows.append({"name": "datasette_build", "unit": "s", "median": None, "n": 0, "rows": args.rows,
                     "target": "<= 900", "not_measured": build_info.get("made_by", "made otherwise")})
    rows.append(row("datasette_db_size", "MB", [size_mb], rows=args.rows))
    name = db.stem
    project_command = [sys.executable, "-m", "crawler.cli", "serve", "--db", str(db)]
    # Stock Datasette as installed, with no plugin loaded: Datasette skips its plugins' entry
    # points when sys._called_from_test is set (its own test mode), and nothing else reads it.
    stock_command = [sys.executable, "-c", "import sys; sys._called_from_test = True; "
                     "from datasette.cli import cli; cli()", "serve", str(db)]
    measured_by: dict[str, dict] = {}
    for system, command in (("project", project_command), ("stock", stock_command)):
        with _server(command) as base:
            if system == "stock":
                plugins = httpx_get(base + "/-/plugins.json").json()
                if plugins:
                    raise SystemExit(f"stock Datasette loaded plugins: {plugins}")
            measured_by[system] = _load_endpoints(args, base, name, system)
    measured_by["floor"] = _floor(args, db)
    _first_answers(args, db, project_command, rows)
    for endpoint in _endpoints():
        project = measured_by["project"][endpoint.name]
        out = {"name": f"{endpoint.name}_p95_ms", "unit": "ms", "median": project["p95"], "p50": project["p50"],
               "min": project["min"], "max": project["max"], "n": project["n"], "rows": args.rows,
               "target": f"<= {endpoint.target_ms}", "errors": project["errors"],
               "error_statuses": project["error_statuses"], "total": project.get("total"),
               "first_requests_ms": project["first_requests_ms"]}
        for system in ("stock", "floor"):
            other = measured_by[system].get(endpoint.name)
            if not other:
                continue
            out[f"{system}_p50"], out[f"{system}_p95"] = other["p50"], other["p95"]
            out[f"ratio_to_{system}_p95"] = round(project["p95"] / other["p95"], 2) if other["p95"] else None
            if other.get("errors"):
                out[f"{system}_errors"] = other["errors"]
            if other.get("total") is not None:
                out[f"{system}_total"] = other["total"]
        if out.get("floor_total") is not None and out["total"] is not None:
            # The benchmark also checks the answer: a fast page with a wrong count is no result.
            out["total_agrees_with_floor"] = out["total"] == out["floor_total"]
        rows.append(out)


def _first_answers(args, db: Path, command: list[str], rows: list) -> None:
    """What a researcher asking once waits: per endpoint, every request a question not asked
    before (``bench.load.distinct_load``), in a server process of its own, kept answers on as
    deployed. The repeated-question rows above are answered from memory after the first."""
    from bench.load import distinct_load

    targets = {endpoint.name: endpoint.target_ms for endpoint in _endpoints()}
    with _server(command) as base:
        figures = distinct_load(str(db), base, requests=args.requests, concurrency=args.concurrency,
                                db_name=db.stem)
    for figure in figures:
        rows.append({"name": f"{figure['name']}_first_answer_p95_ms", "unit": "ms", "median": figure["p95"],
                     "p50": figure["p50"], "max": figure["max"], "n": figure["n"], "distinct": figure["distinct"],
                     "rows": args.rows, "target": f"<= {targets.get(figure['name'], 500)}",
                     "errors": figure["error_count"], "error_statuses": figure["errors"]})


class _server:
    """A Datasette server on a free loopback port for the ``with`` block."""

    def __init__(self, command: list[str]):
        self.command = command

    def __enter__(self) -> str:
        port = free_port()
        self.process = subprocess.Popen([*self.command, "--port", str(port)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, cwd=ROOT)
        base = f"http://127.0.0.1:{port}"
        # Serving applies pending migrations first (new indexes on an older archive take minutes).
        wait_for(base + "/-/versions.json", timeout=1800)
        return base

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)


def httpx_get(url: str):
    import httpx

    return httpx.get(url, timeout=60)


def _endpoints():
    from bench.endpoints import ENDPOINTS

    return ENDPOINTS


def _ids(args) -> list[int]:
    return [1 + (index * 7919) % args.rows for index in range(args.requests)]


def _total_of(payload) -> int | None:
    if isinstance(payload, dict):
        for key in ("total", "filtered_table_rows_count"):
            if isinstance(payload.get(key), int):
                return payload[key]
    return None


def _load_endpoints(args, base: str, name: str, system: str) -> dict[str, dict]:
    results: dict[str, dict] = {}
    for endpoint in _endpoints():
        template = endpoint.project if system == "project" else endpoint.stock
        if template is None:
            continue
        paths = [template.format(db=name, id=i) for i in _ids(args)]
        # Stock Datasette gets a time budget per endpoint: where it takes seconds a request, 200
        # requests would take an hour; its p95 from the requests made is the figure.
        budget = None if system == "project" else args.baseline_budget
        timings, errors, warmup = asyncio.run(_load(base, paths, args.concurrency, budget))
        result = _percentiles(timings)
        result.update(errors=len(errors), error_statuses=sorted(set(errors)), first_requests_ms=warmup)
        if ".json" in template:
            # The count the page states, asked once with the default JSON shape (which carries it).
            counted = template.replace("&_shape=array", "").replace("?_shape=array&", "?")
            result["total"] = _total_of(httpx_get(base + counted.format(db=name, id=1)).json())
        results[endpoint.name] = result
    return results


async def _load(base: str, paths: list[str], concurrency: int,
                budget_s: float | None = None) -> tuple[list[float], list[int], list[float]]:
    """Request every path from ``concurrency`` clients at once (or as many as ``budget_s``
    allows, at least 3 per client), after ``concurrency`` warm-up requests one at a time;
    milliseconds of each, the statuses that were not 200, and the warm-up's milliseconds (with
    the project's answers kept per archive version, the first requests are the ones that
    compute: the measured ones repeat a question already answered)."""
    import httpx

    timings: list[float] = []
    errors: list[int] = []
    warmup: list[float] = []
    queue = list(paths)
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        for path in paths[:concurrency]:  # warm-up, reported apart (the first answers, computed)
            started = time.perf_counter()
            await client.get(path)
            warmup.append(round((time.perf_counter() - started) * 1000, 1))

        deadline = time.perf_counter() + budget_s if budget_s else None

        async def worker():
            done = 0
            while queue and (deadline is None or done < 3 or time.perf_counter() < deadline):
                done += 1
                path = queue.pop()
                started = time.perf_counter()
                response = await client.get(path)
                timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    errors.append(response.status_code)
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return timings, errors, warmup


def _percentiles(timings: list[float]) -> dict:
    timings = sorted(timings)
    return {"p50": round(statistics.median(timings), 2), "p95": round(timings[int(len(timings) * 0.95) - 1], 2),
            "min": round(timings[0], 2), "max": round(timings[-1], 2), "n": len(timings)}


def _floor(args, db: Path) -> dict[str, dict]:
    """Every endpoint's statements run directly in SQLite: one connection, no HTTP, one
    request after the other (p95 of the requests, each all of its statements), within the
    baseline time budget per endpoint (at least 3 requests)."""
    import sqlite3

    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    results: dict[str, dict] = {}
    try:
        for endpoint in _endpoints():
            if not endpoint.floor:
                continue
            timings = []
            total = None
            deadline = time.perf_counter() + args.baseline_budget
            for article_id in [*_ids(args)[:2], *_ids(args)]:  # the first two warm the cache
                if len(timings) >= 5 and time.perf_counter() > deadline:
                    break
                started = time.perf_counter()
                for number, (sql, params) in enumerate(endpoint.floor):
                    values = [article_id if p == "{id}" else p for p in params]
                    fetched = connection.execute(sql, values).fetchall()
                    if number == 0 and sql.startswith("select count(*)"):
                        total = fetched[0][0]
                timings.append((time.perf_counter() - started) * 1000)
            result = _percentiles(timings[2:])
            result["total"] = total
            results[endpoint.name] = result
    finally:
        connection.close()
    return results


def _query(db_path: Path, sql: str) -> list[dict]:
    from sqlite_utils import Database

    return list(Database(db_path).query(sql))


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"host": socket.gethostname(), "cores": os.cpu_count(), "cpu": cpu, "python": platform.python_version()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a few minutes)")
    parser.add_argument("--only", help=f"comma-separated sections of {SECTIONS}")
    parser.add_argument("--articles", type=int, help="replica articles for the crawl (default 10000; quick 600)")
    parser.add_argument("--rows", type=int, help="synthetic archive rows (default 1000000; quick 20000)")
    parser.add_argument("--store-rows", type=int, help="rows for the storage benchmark (default 20000; quick 3000)")
    parser.add_argument("--cpu-pages", type=int, default=40)
    parser.add_argument("--archive", help="keep the synthetic archive here and reuse it on later runs "
                        "(its build time is stored beside it)")
    parser.add_argument("--requests", type=int, help="requests per endpoint (default 200; quick 60)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--baseline-budget", type=float, default=120,
                        help="seconds per endpoint for stock Datasette and for the SQLite floor (default 120)")
    parser.add_argument("--repeat", type=int, help="runs of each measured figure (default 3; quick 1)")
    parser.add_argument("--out", help="results file (default bench/results/<date>-<host>.json)")
    args = parser.parse_args(argv)
    quick = args.quick
    args.articles = args.articles or (600 if quick else 10000)
    args.rows = args.rows or (20000 if quick else 1_000_000)
    args.store_rows = args.store_rows or (3000 if quick else 20000)
    args.requests = args.requests or (60 if quick else 200)
    args.repeat = args.repeat or (1 if quick else 3)
    sections = args.only.split(",") if args.only else list(SECTIONS)
    rows: list[dict] = []
    state: dict = {}
    out = Path(args.out) if args.out else ROOT / "bench" / "results" / f"{date.today()}-{socket.gethostname()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    result = {"machine": machine(), "date": date.today().isoformat(), "quick": quick,
              "command": "python -m bench.run " + " ".join(argv or sys.argv[1:]), "rows": rows}
    with tempfile.TemporaryDirectory(prefix="pilkada-bench-") as tmp:
        work = Path(tmp)
        try:
            for section in sections:
                print(f"== {section}", file=sys.stderr, flush=True)
                globals()[f"bench_{section}"](args, work, rows, state)
                # Written after every section, so a long run that is stopped keeps what it measured.
                out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        finally:
            if state.get("replica"):
                state["replica"].close()
    print(format_table(rows))
    print(f"\nwritten to {out}")
    return 0


def format_table(rows: list[dict]) -> str:
    """Baseline and ratio columns; for an endpoint, stock Datasette's p95 and its ratio (the
    floor's p95 and ratio are in the results file)."""
    lines = [f"{'name':<36} {'median':>12} {'unit':<16} {'n':>3} {'baseline (stock/floor)':>24} {'ratio':>12}  target"]
    for r in rows:
        if r["median"] is None:
            lines.append(f"{r['name']:<36} {'-':>12} {r['unit']:<16} not measured: {r.get('not_measured', '')}")
            continue
        baseline = f"{r['baseline_median']:.1f}" if "baseline_median" in r else ""
        ratio = f"{r['ratio']:.2f}" if r.get("ratio") is not None else ""
        if "stock_p95" in r or "floor_p95" in r:
            baseline = f"{r.get('stock_p95', '-')}/{r.get('floor_p95', '-')}"
            ratio = f"{r.get('ratio_to_stock_p95', '-')}/{r.get('ratio_to_floor_p95', '-')}"
        lines.append(f"{r['name']:<36} {r['median']:>12.1f} {r['unit']:<16} {r['n']:>3} {baseline:>24} {ratio:>12}  "
                     f"{r.get('target', '')}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
