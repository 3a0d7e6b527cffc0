"""p50/p95 of the published archive's endpoints under concurrent clients, against a running
server or one started here (``pilkada-archive serve`` on a port of your choice).

    python -m bench.load --db /work/perf/archive.db --port 8601 --requests 50
    python -m bench.load --db ... --no-cache      # every read computed (PILKADA_QUERY_CACHE=0)

The endpoints are the project paths of bench/endpoints.py (the research search ``/-/cari``
with its exact total and its attention over time among them). ``--cold``: each request asks a different question (a
search word from COLD_WORDS, an article id), so no kept answer can serve it: what a first
request costs.

``--distinct`` (issue 14, first answers): every request of an endpoint asks a question not asked
before in the server (bench/endpoints.py ``distinct_paths``: other frequent election words,
filter combinations, pages), with the kept answers ON as deployed, and no warm-up. From Python
(bench/run.py): ``distinct_load(db_path, base, requests, concurrency)``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time

import httpx

from bench.endpoints import ENDPOINTS, archive_words, distinct_paths
from crawler.cli import wait_for

# Words of the synthetic archive's filler text, each in a large share of it: a cold search per
# request that is as broad as "pilkada" or broader.
COLD_WORDS = ["pemerintah", "daerah", "kabupaten", "kecamatan", "desa", "warga", "kegiatan", "program",
              "pembangunan", "pelayanan", "masyarakat", "rapat", "koordinasi", "anggaran", "sosialisasi",
              "bantuan", "petugas", "tahun", "kerja", "sama", "dinas", "calon", "kampanye", "pengawasan",
              "logistik", "suara", "pemilih", "partisipasi", "netralitas", "pemilihan"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * share) - 1, 0)]


async def load(base: str, template: str, requests: int, concurrency: int, rows: int, cold: bool):
    def path(index: int) -> str:
        path = template.format(db="archive", id=1 + (index * 7919) % rows)
        if cold:
            path = path.replace("pilkada", COLD_WORDS[index % len(COLD_WORDS)]).replace(
                "pemilihan", COLD_WORDS[(index + 7) % len(COLD_WORDS)])
        return path

    # Asked from the last index down, as this load always asked them.
    return await _ask_each(base, [path(index) for index in reversed(range(requests))], concurrency)


async def _ask_each(base: str, paths: list[str], concurrency: int) -> tuple[list[float], list[int]]:
    """Every path once, from ``concurrency`` clients at once, in order: milliseconds of each and
    the statuses that were not 200."""
    timings, errors = [], []
    queue = list(reversed(paths))
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        async def worker():
            while queue:
                path = queue.pop()
                started = time.perf_counter()
                response = await client.get(path)
                timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    errors.append(response.status_code)
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return timings, errors


def distinct_load(db_path: str, base: str, requests: int = 200, concurrency: int = 4,
                  db_name: str = "archive", only: list[str] | None = None) -> list[dict]:
    """p50/p95 of first answers: per endpoint, ``requests`` different questions (none asked
    before in the server at ``base``, whose kept answers stay on), ``concurrency`` at a time."""
    import sqlite3

    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        words = archive_words(connection)
        rows = connection.execute("select max(id) from articles").fetchone()[0]
    finally:
        connection.close()
    # Ids spread over the archive, none asked by the repeated load's article page (its 7919 stride).
    ids = [1 + (index * 104729 + 17) % rows for index in range(requests)]
    figures = []
    for name, paths in distinct_paths(words, requests, ids).items():
        if only and name not in only:
            continue
        timings, errors = asyncio.run(_ask_each(base, [p.format(db=db_name) for p in paths], concurrency))
        figures.append({"name": name, "p50": round(statistics.median(timings), 1),
                        "p95": round(percentile(timings, 0.95), 1), "max": round(max(timings), 1),
                        "n": len(timings), "distinct": len(set(paths)), "errors": sorted(set(errors)),
                        "error_count": len(errors), "first_answers": True})
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, default=8601)
    parser.add_argument("--base", help="a server already running (default: start one on --port)")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--only", help="comma-separated endpoint names")
    parser.add_argument("--cold", action="store_true", help="a different question per request")
    parser.add_argument("--distinct", action="store_true",
                        help="every request a question not asked before (first answers; see distinct_load)")
    parser.add_argument("--no-cache", action="store_true", help="serve with PILKADA_QUERY_CACHE=0")
    parser.add_argument("--out", help="write the figures here as JSON")
    args = parser.parse_args(argv)
    endpoints = {endpoint.name: endpoint.project for endpoint in ENDPOINTS}
    if args.only:
        endpoints = {k: v for k, v in endpoints.items() if k in args.only.split(",")}
    import sqlite3

    rows = sqlite3.connect(args.db).execute("select max(id) from articles").fetchone()[0]
    server = None
    base = args.base
    if not base:
        env = {**os.environ, "PILKADA_QUERY_CACHE": "0" if args.no_cache else "1"}
        server = subprocess.Popen([sys.executable, "-m", "crawler.cli", "serve", "--db", args.db, "--port",
                                   str(args.port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{args.port}"
    figures = []
    try:
        wait_for(base + "/-/versions.json", timeout=1800)
        print(f"{'endpoint':<28} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9} errors", flush=True)
        if args.distinct:
            figures = distinct_load(args.db, base, args.requests, args.concurrency,
                                    only=args.only.split(",") if args.only else None)
            for figure in figures:
                print(f"{figure['name']:<28} {figure['p50']:>9} {figure['p95']:>9} {figure['max']:>9} "
                      f"{figure['errors'] or ''}", flush=True)
            endpoints = {}
        for name, template in endpoints.items():
            timings, errors = asyncio.run(load(base, template, args.requests, args.concurrency, rows, args.cold))
            figure = {"name": name, "p50": round(statistics.median(timings), 1),
                      "p95": round(percentile(timings, 0.95), 1), "max": round(max(timings), 1),
                      "n": len(timings), "errors": sorted(set(errors)), "cold": args.cold,
                      "cache": not args.no_cache, "rows": rows}
            figures.append(figure)
            print(f"{name:<28} {figure['p50']:>9} {figure['p95']:>9} {figure['max']:>9} {errors and sorted(set(errors)) or ''}",
                  flush=True)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
    if args.out:
        with open(args.out, "w") as out:
            json.dump({"command": "python -m bench.load " + " ".join(argv or sys.argv[1:]), "figures": figures},
                      out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
