"""Where the store's time goes: cProfile of ArchiveWriter over N synthetic articles.

    python -m bench.profile_store [N] [--bulk]     (default 20000; --bulk: inside ArchiveWriter.bulk())
    python -m bench.profile_store [N] --compare    the writer (plain, bulk) beside two baselines, no profiler

The first baseline is the store row's of ``bench/run.py`` (``insert_all`` of the article rows, the
same indexes, ``enable_fts``). The fuller one (:func:`fuller_baseline`) is what a sqlite-utils
user would write to fill every table the store fills for new articles, from rows computed
beforehand (outside the timing): the article rows, their stems, region links and 16 sketch
values, then every index the archive has and both full-text indexes.
"""

from __future__ import annotations

import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext

from sqlite_utils import Database

from archive.connect import open_archive
from archive.schema import FTS, TABLES
from archive.store import ArchiveWriter, row_from_item
from bench.synth import synthetic_items
from indonesian.similarity import sketch_of
from indonesian.stemming import stem_text


def writer_rate(items: list[dict], path: str, bulk: bool, batch: int = 200) -> float:
    """Articles/s of ArchiveWriter into a fresh archive, in batches as bench/run.py writes them."""
    db = open_archive(path, migrate=True)
    writer = ArchiveWriter(db, "bench")
    started = time.perf_counter()
    with writer.bulk() if bulk else nullcontext():
        for start in range(0, len(items), batch):
            writer.write(items[start:start + batch])
    rate = len(items) / (time.perf_counter() - started)
    db.close()
    return rate


def two_core_rate(count: int, path: str, batch: int = 200) -> float:
    """Articles/s of the bulk load of ``bench/synth.py build``: the same synthetic items, made
    and prepared (``archive.store.prepared``) in a producer process while the writer writes."""
    from bench.synth import write_produced

    db = open_archive(path, migrate=True)
    writer = ArchiveWriter(db, "bench")
    started = time.perf_counter()
    write_produced(writer, count, batch)
    rate = count / (time.perf_counter() - started)
    db.close()
    return rate


def issue_baseline(items: list[dict], path: str) -> float:
    """bench/run.py's store baseline: insert_all of the article rows, same indexes, enable_fts."""
    plain = [row_from_item(i) for i in items]
    bare = Database(path)
    bare.enable_wal()
    started = time.perf_counter()
    with bare.atomic():
        bare["articles"].insert_all(plain)
        for columns, unique in TABLES["articles"]["indexes"]:
            bare["articles"].create_index(columns, unique=unique)
    bare["articles"].enable_fts(FTS["articles"]["columns"], fts_version="FTS5", tokenize=FTS["articles"]["tokenize"])
    rate = len(items) / (time.perf_counter() - started)
    bare.close()
    return rate


def fuller_baseline(items: list[dict], path: str, shape_from: str) -> float:
    """Every table the store fills for new articles, with sqlite-utils, from precomputed rows:
    insert_all into each, then every index the archive has (SQL taken from ``shape_from``, an
    archive the writer made), then full-text search on the articles and on the stems."""
    articles, stems, regions, sketches = [], [], [], []
    for number, item in enumerate(items, 1):
        row = row_from_item(item)
        articles.append({"id": number, **row, "first_seen_at": row["fetched_at"], "last_seen_at": row["fetched_at"],
                         "version": 1})
        stems.append({"id": number, "stem": stem_text(f"{row['title'] or ''} {row['body'] or ''}")})
        regions += [{"article_id": number, "code": code} for code in item.get("regions") or []]
        sketches += [{"hash": value, "article_id": number, "day": row["published_date"], "source": row["source"]}
                     for value in sketch_of(row["body"])]
    shape = Database(shape_from)
    indexes = [sql for (sql,) in shape.execute(
        "select sql from sqlite_master where type = 'index' and sql is not null and tbl_name in "
        "('articles', 'article_stems', 'article_regions', 'article_sketches')")]
    bare = Database(path)
    bare.enable_wal()
    started = time.perf_counter()
    with bare.atomic():
        bare["articles"].insert_all(articles, pk="id")
        bare["article_stems"].insert_all(stems, pk="id")
        bare["article_regions"].insert_all(regions, pk=("article_id", "code"))
        bare["article_sketches"].insert_all(sketches)
        bare.execute("alter table articles add column sort_key text generated always as "
                     "(coalesce(published_date, '0000-00-00') || '|' || printf('%012d', id)) virtual")
        for sql in indexes:
            bare.execute(sql)
    for table, spec in FTS.items():
        bare[table].enable_fts(spec["columns"], fts_version="FTS5", tokenize=spec["tokenize"])
    rate = len(items) / (time.perf_counter() - started)
    bare.close()
    return rate


def compare(count: int, rounds: int = 3) -> None:
    """Interleaved rounds, medians: the ratios of one round are taken under the same load."""
    items = list(synthetic_items(count))
    figures: dict[str, list[float]] = {"writer": [], "writer, bulk": [], "issue baseline": [], "fuller baseline": []}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(rounds):
            figures["writer"].append(writer_rate(items, f"{tmp}/w{round_}.db", bulk=False))
            figures["writer, bulk"].append(writer_rate(items, f"{tmp}/b{round_}.db", bulk=True))
            figures["issue baseline"].append(issue_baseline(items, f"{tmp}/i{round_}.db"))
            figures["fuller baseline"].append(fuller_baseline(items, f"{tmp}/f{round_}.db", f"{tmp}/w{round_}.db"))
    medians = {name: statistics.median(values) for name, values in figures.items()}
    for name, values in figures.items():
        print(f"{name:16s} {medians[name]:8.1f} articles/s  ({', '.join(f'{v:.0f}' for v in values)})")
    for writer in ("writer", "writer, bulk"):
        for baseline in ("issue baseline", "fuller baseline"):
            print(f"{writer} / {baseline}: {medians[writer] / medians[baseline]:.3f}")


def main(count: int = 20000, batch: int = 200, bulk: bool = False) -> None:
    items = list(synthetic_items(count))
    with tempfile.TemporaryDirectory() as tmp:
        db = open_archive(f"{tmp}/archive.db", migrate=True)
        writer = ArchiveWriter(db, "profile")
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        with writer.bulk() if bulk else nullcontext():
            for start in range(0, count, batch):
                writer.write(items[start:start + batch])
        profile.disable()
        print(f"{count / (time.perf_counter() - started):.0f} articles/s under the profiler")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(r"store\.py|similarity|stemming|search\.py")


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    if "--compare" in sys.argv:
        compare(int(numbers[0]) if numbers else 20000)
    else:
        main(int(numbers[0]) if numbers else 20000, bulk="--bulk" in sys.argv)
