"""Item pipelines, one job each, ordered in ``settings.ITEM_PIPELINES``:

clean -> normalize -> validate -> tag -> dedupe -> store.

They read and write items through ``itemadapter``, so any item class works.
"""

from __future__ import annotations

import re

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from archive.schema import open_archive
from archive.store import ArchiveWriter
from crawler import dates, regions, tagging
from crawler.text import clean_whitespace, content_hash, match_key, release_key, strip_boilerplate

TITLE_SUFFIX = re.compile(r"\s+[-|–]\s+(MMC Kobar|Kabupaten Kotawaringin Barat|Kemendagri)\s*$", re.I)
COVERAGE_FIELDS = ("title", "body", "published_date", "author")


class _Pipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def spider(self):
        return self.crawler.spider


class CleanPipeline(_Pipeline):
    """Whitespace and Unicode: one space between words, NFC, no empty paragraphs."""

    def process_item(self, item):
        adapter = ItemAdapter(item)
        if adapter.get("title"):
            adapter["title"] = TITLE_SUFFIX.sub("", clean_whitespace(adapter["title"]))
        adapter["paragraphs"] = [p for p in map(clean_whitespace, adapter.get("paragraphs") or []) if p]
        adapter["captions"] = [c for c in map(clean_whitespace, adapter.get("captions") or []) if c]
        if adapter.get("author"):
            adapter["author"] = clean_whitespace(adapter["author"]) or None
        return item


class NormalizePipeline(_Pipeline):
    """Body without boilerplate (kept in its own fields) and the publication date."""

    def process_item(self, item):
        adapter = ItemAdapter(item)
        links = {match_key(r.get("title") or ""): r.get("url") for r in adapter.get("related") or []}
        stripped = strip_boilerplate(adapter.get("paragraphs") or [], adapter.get("title"), links)
        adapter["body"] = "\n\n".join(stripped.paragraphs) or None
        adapter["dateline"] = stripped.dateline
        adapter["source_unit"] = stripped.source_unit
        adapter["related"] = stripped.related
        adapter["captions"] = [*stripped.captions, *adapter.get("captions", [])]
        result = dates.resolve(adapter.get("date_candidates") or [], adapter.get("fetched_at"))
        for key in ("published_date", "published_at", "date_text", "date_method", "date_confidence"):
            adapter[key] = getattr(result, key)
        if result.published_date is None:
            self.stats.inc_value("archive/date/unparsed")
        else:
            self.stats.inc_value(f"archive/date/{result.date_confidence}")
        adapter["release_key"] = release_key(adapter.get("title"), adapter.get("body"))
        adapter["content_hash"] = content_hash(adapter.get("title"), adapter.get("body"))
        return item


class ValidatePipeline(_Pipeline):
    """Count missing fields; an article without title or body is a failed page, with its reason."""

    def process_item(self, item):
        adapter = ItemAdapter(item)
        self.stats.inc_value(f"archive/parser/{(adapter.get('parser') or 'unknown').split('+')[-1]}")
        for field in COVERAGE_FIELDS:
            if adapter.get(field):
                self.stats.inc_value(f"archive/field/{field}/present")
            else:
                self.stats.inc_value(f"archive/field/{field}/missing")
        missing = [f for f in ("url", "title", "body") if not adapter.get(f)]
        if missing:
            reason = f"parse: no {' and no '.join(missing)} (parser {adapter.get('parser')})"
            self.spider.record_parse_failure(adapter.get("url") or adapter.get("fetched_url"), reason)
            raise DropItem(f"{adapter.get('url')}: {reason}")
        return item


class TagPipeline(_Pipeline):
    """Election relevance, type, stage and institutions from the lexicon; regions named."""

    def process_item(self, item):
        adapter = ItemAdapter(item)
        tags = tagging.tag(adapter.get("title") or "", adapter.get("body") or "")
        for key, value in tags.__dict__.items():
            adapter[key] = value
        adapter["regions"] = regions.link(f"{adapter.get('title') or ''}\n{adapter.get('body') or ''}",
                                          adapter.get("publisher_region"))
        return item


class DedupePipeline(_Pipeline):
    """Mark another host's copy of a release this run or the archive already has."""

    def open_spider(self):
        self.seen: dict[str, str] = {}

    def process_item(self, item):
        adapter = ItemAdapter(item)
        key = adapter.get("release_key")
        first = self.seen.setdefault(key, adapter["url"]) if key else adapter["url"]
        if first != adapter["url"]:
            adapter["duplicate_of"] = first
            self.stats.inc_value("archive/duplicates")
        return item


class StorePipeline(_Pipeline):
    """Write articles in batches, one transaction each, and remember failed pages."""

    def open_spider(self):
        settings = self.crawler.settings
        self.db = open_archive(settings.get("ARCHIVE_DB"))
        self.writer = ArchiveWriter(self.db, settings.get("ARCHIVE_RUN_ID"))
        self.batch_size = settings.getint("ARCHIVE_BATCH_SIZE", 200)
        self.buffer: list[dict] = []

    def process_item(self, item):
        # A shallow copy: asdict() would walk every nested list looking for items (0.9 ms a page).
        self.buffer.append(dict(ItemAdapter(item).items()))
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def flush(self):
        if self.buffer:
            self.writer.write(self.buffer)
            self.buffer = []

    def close_spider(self):
        self.flush()
        settings = self.crawler.settings
        for url in self.spider.vanished:
            if self.writer.mark_removed(url):
                self.stats.inc_value("archive/articles/removed")
        failures = []
        for failure in self.spider.failures:
            if failure.get("status") in (404, 410) and self.writer.mark_removed(failure["url"]):
                self.stats.inc_value("archive/articles/removed")
            else:
                failures.append(failure)
        self.writer.record_failures(self.spider.name, failures,
                                    max_attempts=settings.getint("ARCHIVE_MAX_ATTEMPTS", 5))
        for outcome, count in self.writer.counts.items():
            self.stats.set_value(f"archive/articles/{outcome}", count)
        self.stats.set_value("archive/articles/failed", len(failures))
        self.db.close()

