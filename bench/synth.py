"""A synthetic archive of N articles, written through the project's own storage code.

Indonesian-like text from the replica's story templates and a vocabulary, realistic field
distributions (two sources, 2018-2026, a third election-related, tags, regions).
"""

from __future__ import annotations

import multiprocessing
import random
import time
from contextlib import contextmanager
from queue import Empty

from archive.connect import open_archive
from archive.store import ArchiveWriter, prepared
from indonesian import regions, tagging
from indonesian.text import content_hash, release_key
from replica.corpus import generate

FILLER = ["pemerintah", "daerah", "kabupaten", "kecamatan", "desa", "warga", "kegiatan", "program", "pembangunan", "pelayanan", "masyarakat", "rapat", "koordinasi", "anggaran", "sosialisasi", "bantuan", "petugas", "tahun", "kerja", "sama", "dinas", "pemilihan", "calon", "kampanye", "pengawasan", "logistik", "suara", "pemilih", "partisipasi", "netralitas"]


def synthetic_items(count: int, seed: int = 7):
    """Article dicts as the pipelines hand them to the store."""
    rng = random.Random(seed)
    # Primary releases only: the replica's re-publications would make every synthetic article
    # a near-copy of thousands of others from the other source.
    templates = [t for t in generate(400, seed) if not t.republished_from]
    # Tags of each template's own text, computed once: the filler words only pad the body.
    template_tags = [tagging.tag(t.title, t.body) for t in templates]
    template_regions = [regions.link(f"{t.title}\n{t.body}", "62.01" if t.source == "mmc_kobar" else None)
                        for t in templates]
    for index in range(count):
        base = templates[index % len(templates)]
        extra = " ".join(rng.choices(FILLER, k=rng.randint(60, 180)))
        title = f"{base.title} #{index}"
        body = base.body + "\n\n" + extra.capitalize() + "."
        tags = template_tags[index % len(templates)]
        year = rng.randint(2018, 2026)
        day = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        yield {
            "url": f"{base.url}-{index}", "source": base.source, "title": title, "body": body,
            "published_date": day, "published_at": None, "date_text": day, "date_method": "bench",
            "date_confidence": rng.choice(["high", "high", "medium"]), "author": None,
            "dateline": "MMC Kobar" if base.source == "mmc_kobar" else "Jakarta",
            "source_unit": base.unit, "captions": [], "related": [], "tags": [], "image_urls": [],
            "election_related": tags.election_related, "election_score": tags.election_score,
            "election_terms": tags.election_terms, "election_types": tags.election_types,
            "election_stages": tags.election_stages, "institutions": tags.institutions,
            "regions": template_regions[index % len(templates)], "publisher_region": "62.01" if base.source == "mmc_kobar" else None,
            "parser": "bench", "release_key": release_key(title, body),
            "content_hash": content_hash(title, body), "fetched_at": "2026-11-27T00:00:00Z",
        }


def build(path: str, count: int, batch: int = 20000, cache_mb: int = 1024) -> float:
    """Write ``count`` synthetic articles into a fresh archive through the store's bulk load
    (the secondary indexes and full-text entries made once at the end); returns seconds taken.
    ``cache_mb``: the writer's page cache; at 1,000,000 articles the indexes it inserts into
    at random places (URLs, release keys, 16,000,000 sketch values) are about 1 GB.
    ``batch``: 16 sketch values an article land on random pages of the sketch index, so one
    commit of 2,000 articles rewrote most of that index into the WAL (write amplification
    growing with the archive); 20,000 a commit amortizes it ten times more.
    The items are made in a process of their own, as a crawl's spiders (or its distributed
    workers) make them beside the writer, and there what the writer derives from an item (its
    row, stems and shingles: ``archive.store.prepared``) is computed too: the writer's
    process only writes, and the build uses both cores."""
    started = time.perf_counter()
    db = open_archive(path, migrate=True)
    write_produced(ArchiveWriter(db, "bench", cache_mb=cache_mb), count, batch)
    db.execute("analyze")
    db.close()
    return time.perf_counter() - started


def write_produced(writer: ArchiveWriter, count: int, batch: int) -> None:
    """``count`` synthetic items stored through the writer's bulk load, ``batch`` a commit, made
    and prepared by a producer process (:func:`produced`) while the writer writes."""
    with writer.bulk(), produced(count, batch) as batches:
        for items in batches:
            writer.write(items)
    if writer.counts["new"] != count:  # a benchmark over fewer articles than it says is no result
        raise RuntimeError(f"{writer.counts['new']} of {count} synthetic articles stored as new: "
                           f"{writer.counts}; refused: {writer.rejected[:3]}")


def _produce(count: int, batch: int, queue) -> None:
    buffer = []
    for item in synthetic_items(count):
        buffer.append(prepared(item))
        if len(buffer) >= batch:
            queue.put(buffer)
            buffer = []
    queue.put(buffer)
    queue.put(None)


@contextmanager
def produced(count: int, batch: int):
    """The batches of :func:`synthetic_items`, made by a child process at most two batches
    ahead of the reader."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=2)
    producer = context.Process(target=_produce, args=(count, batch, queue), daemon=True)
    producer.start()

    def batches():
        while True:
            try:
                items = queue.get(timeout=5)
            except Empty:
                if producer.exitcode not in (None, 0):  # died without its end mark
                    raise RuntimeError(f"the synthetic item producer exited with {producer.exitcode}") from None
                continue
            if items is None:
                return
            if items:
                yield items

    try:
        yield batches()
        producer.join(timeout=60)
        if producer.exitcode != 0:
            raise RuntimeError(f"the synthetic item producer exited with {producer.exitcode}")
    finally:
        if producer.is_alive():
            producer.kill()
            producer.join()


def replicate(source: str, path: str, count: int) -> float:
    """A measurement fixture, not the store's build: ``count`` articles made in SQL from a
    smaller synthetic archive built by :func:`build` (ids 1..N), its rows copied with new URLs,
    titles and random dates (stems and regions too; similarity sketches are not copied), the
    full-text indexes rebuilt and the indexes made once at the end.
    Minutes where :func:`build` takes an hour on a loaded machine; used to serve and measure a
    1,000,000-article archive (bench/load.py). Returns seconds taken."""
    import shutil
    import sqlite3

    started = time.perf_counter()
    shutil.copy(source, path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("pragma journal_mode=wal")
    db.execute("pragma synchronous=off")
    db.execute("pragma cache_size=-1000000")
    size = db.execute("select count(*) from articles").fetchone()[0]
    assert db.execute("select max(id) from articles").fetchone()[0] == size, "ids must be 1..N"
    indexes = db.execute("select name, sql from sqlite_master where type = 'index' and sql is not null and "
                         "tbl_name in ('articles', 'article_stems', 'article_regions', 'article_sketches')").fetchall()
    columns = [c[1] for c in db.execute("pragma table_info(articles)") if c[1] not in ("id",)]
    changed = {"url": "url || '-r' || :k", "title": "title || ' r' || :k", "release_key": "release_key || :k",
               "content_hash": "content_hash || :k", "published_date": "d", "published_month": "substr(d, 1, 7)"}
    db.execute("begin")
    for name, _ in indexes:
        db.execute(f"drop index [{name}]")
    for k in range(1, count // size):
        values = ", ".join(changed.get(c, c) for c in columns)
        db.execute(f"insert into articles (id, {', '.join(columns)}) "
                   f"with src as materialized (select *, printf('%04d-%02d-%02d', 2018 + abs(random()) % 9, "
                   f"1 + abs(random()) % 12, 1 + abs(random()) % 28) as d from articles where id <= :n) "
                   f"select id + :k * :n, {values} from src", {"k": k, "n": size})
        db.execute("insert into article_stems (id, stem) select id + :k * :n, stem from article_stems where id <= :n",
                   {"k": k, "n": size})
        db.execute("insert into article_regions (article_id, code) select article_id + :k * :n, code "
                   "from article_regions where article_id <= :n", {"k": k, "n": size})
    db.execute("insert into articles_fts (articles_fts) values ('rebuild')")
    db.execute("insert into article_stems_fts (article_stems_fts) values ('rebuild')")
    for _, sql in indexes:
        db.execute(sql)
    db.execute("commit")
    db.execute("analyze")
    db.close()
    return time.perf_counter() - started


if __name__ == "__main__":
    import sys

    print(replicate(sys.argv[1], sys.argv[2], int(sys.argv[3])))
