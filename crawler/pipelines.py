"""Item pipelines, one job each, ordered in ``settings.ITEM_PIPELINES``:

clean -> strip boilerplate -> resolve date -> validate -> tag -> link regions -> fingerprint -> store.

They read and write items through ``itemadapter``, so any item class works. A dropped item
(``ValidatePipeline``) reaches ``crawler.runs.ArchiveRun`` through Scrapy's ``item_dropped``
signal and becomes a ``failed_pages`` row there.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from archive.connect import open_archive
from archive.store import ArchiveWriter
from crawler.spider import page_failed
from indonesian import dates, regions, tagging
from indonesian.text import (
    clean_whitespace,
    content_hash,
    match_key,
    release_key,
    strip_boilerplate,
)

COVERAGE_FIELDS = ("title", "body", "published_date", "author")


class _LastAdapted:
    item = None
    adapter = None


def adapted(item) -> ItemAdapter:
    """The item's ``ItemAdapter``, made once for the pipelines in a row that ask for it (for a
    dataclass item, making one lists the class's fields every time). The adapter reads and
    writes the item itself, so sharing it changes nothing."""
    if _LastAdapted.item is not item:
        _LastAdapted.item, _LastAdapted.adapter = item, ItemAdapter(item)
    return _LastAdapted.adapter


class NotStored(DropItem):
    """An article the store could not write (the crawl is stopping): not a parse failure."""


class _Pipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)


class CleanPipeline(_Pipeline):
    """Whitespace and Unicode: one space between words, NFC, no empty paragraphs; the site's
    name after the title (the source module's ``TITLE_SUFFIX``) removed."""

    def process_item(self, item):
        adapter = adapted(item)
        suffix = getattr(self.crawler.spider, "TITLE_SUFFIX", None)
        if adapter.get("title"):
            title = clean_whitespace(adapter["title"])
            # The leading space lets a title that is nothing but the site's name ("- MMC Kobar")
            # come out empty: a parse failure, never an article titled with the site's name.
            adapter["title"] = suffix.sub("", " " + title).strip() if suffix else title
        adapter["paragraphs"] = [p for p in map(clean_whitespace, adapter.get("paragraphs") or []) if p]
        adapter["captions"] = [c for c in map(clean_whitespace, adapter.get("captions") or []) if c]
        if adapter.get("author"):
            adapter["author"] = clean_whitespace(adapter["author"]) or None
        return item


class StripBoilerplatePipeline(_Pipeline):
    """The body without dateline, unit tag, "Baca Juga" inserts and captions (each kept in its
    own field)."""

    def process_item(self, item):
        adapter = adapted(item)
        links = {match_key(r.get("title") or ""): r.get("url") for r in adapter.get("related") or []}
        stripped = strip_boilerplate(adapter.get("paragraphs") or [], adapter.get("title"), links)
        adapter["body"] = "\n\n".join(stripped.paragraphs) or None
        adapter["dateline"] = stripped.dateline
        adapter["source_unit"] = stripped.source_unit
        adapter["related"] = stripped.related
        adapter["captions"] = [*stripped.captions, *adapter.get("captions", [])]
        return item


class ResolveDatePipeline(_Pipeline):
    """The publication date from the ranked evidence the spider collected."""

    def process_item(self, item):
        adapter = adapted(item)
        result = dates.resolve(adapter.get("date_candidates") or [], adapter.get("fetched_at"))
        for key in ("published_date", "published_at", "date_text", "date_method", "date_confidence"):
            adapter[key] = getattr(result, key)
        if result.published_date is None:
            self.stats.inc_value("archive/date/unparsed")
        else:
            self.stats.inc_value(f"archive/date/{result.date_confidence}")
        return item


class ValidatePipeline(_Pipeline):
    """Count missing fields; drop an article without title or body (recorded as a failed page
    with its reason by the run extension)."""

    def process_item(self, item):
        adapter = adapted(item)
        self.stats.inc_value(f"archive/parser/{(adapter.get('parser') or 'unknown').split('+')[-1]}")
        for field in COVERAGE_FIELDS:
            if adapter.get(field):
                self.stats.inc_value(f"archive/field/{field}/present")
            else:
                self.stats.inc_value(f"archive/field/{field}/missing")
        missing = [f for f in ("url", "title", "body") if not adapter.get(f)]
        if missing:
            raise DropItem(f"{adapter.get('url')}: parse: no {' and no '.join(missing)} "
                           f"(parser {adapter.get('parser')})")
        return item


class TagPipeline(_Pipeline):
    """Election relevance, type, stage and institutions from the lexicon."""

    def process_item(self, item):
        adapter = adapted(item)
        tags = tagging.tag(adapter.get("title") or "", adapter.get("body") or "")
        for key, value in tags.__dict__.items():
            adapter[key] = value
        return item


class LinkRegionsPipeline(_Pipeline):
    """Every province, regency/city and district the article names, as Kemendagri codes."""

    def process_item(self, item):
        adapter = adapted(item)
        adapter["regions"] = regions.link(f"{adapter.get('title') or ''}\n{adapter.get('body') or ''}",
                                          adapter.get("publisher_region"))
        return item


class FingerprintPipeline(_Pipeline):
    """The keys the store recognises an article by: its release (title and lead, the same on
    every host that copies it) and its exact text (an edit changes it)."""

    def process_item(self, item):
        adapter = adapted(item)
        adapter["release_key"] = release_key(adapter.get("title"), adapter.get("body"))
        adapter["content_hash"] = content_hash(adapter.get("title"), adapter.get("body"))
        return item


class WriterThread:
    """One writer thread per archive and process, shared by every spider of the process (the CLI
    runs them together) and by the run extension's closing writes: batches queue in order
    instead of two connections racing for SQLite's write lock, where one writing batch after
    batch could starve the other past its busy timeout ("database is locked")."""

    shared: dict[str, tuple[ThreadPoolExecutor, int]] = {}

    @classmethod
    def acquire(cls, db_path: str) -> ThreadPoolExecutor:
        key = str(Path(db_path).resolve())
        executor, users = cls.shared.get(key) or (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive-writer"), 0)
        cls.shared[key] = (executor, users + 1)
        return executor

    @classmethod
    def release(cls, db_path: str) -> None:
        key = str(Path(db_path).resolve())
        executor, users = cls.shared.pop(key)
        if users > 1:
            cls.shared[key] = (executor, users - 1)
        else:
            executor.shutdown()

    @classmethod
    def run(cls, db_path: str, function, *args):
        """``function(*args)`` in the archive's writer thread when one is running, else here;
        waits for its result."""
        entry = cls.shared.get(str(Path(db_path).resolve()))
        return entry[0].submit(function, *args).result() if entry else function(*args)


class StorePipeline(_Pipeline):
    """Write articles in batches, one transaction each, in the archive's writer thread: the
    reactor keeps downloading and parsing while SQLite writes and indexes a batch."""

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("ARCHIVE_RUN"):
            raise NotConfigured("not a crawl (ARCHIVE_RUN is off): nothing is stored")
        return cls(crawler)

    def open_spider(self):
        settings = self.crawler.settings
        self.batch_size = settings.getint("ARCHIVE_BATCH_SIZE", 200)
        self.buffer: list[dict] = []
        self.failed = None
        self.db_path = settings.get("ARCHIVE_DB")
        self.thread = WriterThread.acquire(self.db_path)
        spider = self.crawler.spider
        self.writer = self.thread.submit(self._open, settings.get("ARCHIVE_DB"), settings.get("ARCHIVE_RUN_ID")
                                         or self.crawler.archive_run.run_id, spider.host_rank).result()

    @staticmethod
    def _open(path, run_id, host_rank) -> ArchiveWriter:
        return ArchiveWriter(open_archive(path), run_id, host_rank)

    async def process_item(self, item):
        if self.failed:
            self.stats.inc_value("archive/articles/not_stored")
            raise NotStored(f"not stored: the archive cannot be written ({self.failed})")
        # A shallow copy: asdict() would walk every nested list looking for items (0.9 ms a page).
        self.buffer.append(dict(adapted(item).items()))
        if len(self.buffer) >= self.batch_size:
            await self.flush()
        return item

    async def flush(self):
        if not self.buffer or self.failed:
            return
        batch, self.buffer = self.buffer, []
        batch = await self._with_evidence(batch)
        try:
            await asyncio.wrap_future(self.thread.submit(self.writer.write, batch))
            for rejected in self.writer.rejected:
                self.crawler.signals.send_catch_log(page_failed, url=rejected["url"], reason=rejected["reason"],
                                                    kind="parse", status=None)
            self.writer.rejected.clear()
        except (sqlite3.Error, OSError) as error:
            # Disk full, a damaged index, an I/O error: the batch was rolled back, nothing stored
            # is lost. Stop the crawl at once (the next run fetches what this one could not
            # store) instead of failing the same way for every later item.
            self.failed = f"{type(error).__name__}: {error}"
            self.stats.set_value("archive/storage_error", self.failed)
            self.stats.inc_value("archive/articles/not_stored", len(batch))
            asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="storage error"))

    async def _with_evidence(self, batch: list[dict]) -> list[dict]:
        """The batch once the WARC record of each of its articles is written (``crawler.warc``
        writes them in a thread of its own): an article whose record could not be written is
        stored without one, as before the records were written in a thread."""
        warc = getattr(self.crawler, "warc_extension", None)
        if warc is None:
            return batch
        unwritten = await warc.written()
        for article in batch:
            if article.get("warc_record_id") in unwritten:
                article["warc_file"] = article["warc_record_id"] = None
        return batch

    async def close_spider(self):
        try:
            await self.flush()
        finally:
            for outcome, count in self.writer.counts.items():
                self.stats.set_value(f"archive/articles/{outcome}", count)
            await asyncio.wrap_future(self.thread.submit(self.writer.db.close))
            WriterThread.release(self.db_path)
