"""Where the crawl's CPU goes, without the network: cProfile of the spiders' callbacks and the
pure pipelines (everything but the store) over the response records of WARC files.

    python -m bench.profile_crawl WARC... [--top N] [--dump FILE] [--no-profile]

``--dump FILE`` writes every item after the pipelines as JSON lines (fetch times left out), so
that two commits' outputs can be compared byte for byte.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time
from pathlib import Path

from crawler.replay import items_from, offline_spider, pipelines, response, spider_names, through
from crawler.warc import iter_responses

UNSTABLE = ("fetched_at",)


def pages(files: list[Path]):
    """(spider name, callback name, response) of every response record, read before timing."""
    names = spider_names()
    out = []
    for path in files:
        name = next((n for n in names if path.name.endswith(f"-{n}.warc.gz")), None)
        if name is None:
            continue
        for url, callback, meta, status, headers, body in iter_responses(path):
            out.append((name, callback, (url, body, meta, "json" in dict(headers).get("Content-Type", ""), status)))
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--no-profile", action="store_true", help="time only (cProfile doubles the cost)")
    args = parser.parse_args(argv)
    records = pages(args.files)
    spiders = {name: offline_spider(name) for name in {name for name, _, _ in records}}
    chains = {name: pipelines(crawler) for name, (crawler, _) in spiders.items()}
    responses = [(name, callback, response(url, body, meta, is_json=is_json, status=status))
                 for name, callback, (url, body, meta, is_json, status) in records]
    items = []
    profile = cProfile.Profile()
    started = time.process_time()
    if not args.no_profile:
        profile.enable()
    for name, callback, page in responses:
        spider = spiders[name][1]
        for item in items_from(spider, callback, page):
            items.append(through(chains[name], item))
    profile.disable()
    cpu = time.process_time() - started
    articles = sum(1 for i in items if i is not None)
    print(f"{len(responses)} responses, {articles} articles, {cpu * 1000 / max(articles, 1):.2f} CPU ms/article"
          + ("" if args.no_profile else " under the profiler"))
    if not args.no_profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as handle:
            for item in items:
                data = None if item is None else {k: v for k, v in vars(item).items() if k not in UNSTABLE}
                handle.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
