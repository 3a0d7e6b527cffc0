"""Raw pages as evidence: every article and API response goes into a WARC file.

One gzip WARC per run and source in ``warc/`` beside the archive database. Each response record
carries, besides the standard fields, ``WARC-Canonical-URI`` (the real-site URL it stands for)
and ``WARC-Crawl-Meta`` (the request meta the callback used, e.g. a listing's date), so that
``pilkada-archive reparse`` can re-run extraction over the records without the network.
"""

from __future__ import annotations

import asyncio
import json
from io import BytesIO
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

REPLAYED_META = ("canonical", "listing_date", "page", "kind", "evidence")
CALLBACK_HEADER = "WARC-Crawl-Callback"


def warc_dir(db_path: str) -> Path:
    return Path(db_path).parent / "warc"


class WarcExtension:
    """Writes the responses that spiders mark as evidence (``meta["evidence"]``: the pages articles
    are made from; not robots.txt, listings or 404 pages)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.writer = None
        self.handle = None
        self.name = None
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("ARCHIVE_RUN"):
            raise NotConfigured("not a crawl (ARCHIVE_RUN is off): no evidence is written")
        extension = cls(crawler)
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def _open(self, spider) -> None:
        settings = self.crawler.settings
        folder = warc_dir(settings.get("ARCHIVE_DB"))
        folder.mkdir(parents=True, exist_ok=True)
        run = getattr(self.crawler, "archive_run", None)
        run_id = settings.get("ARCHIVE_RUN_ID") or run.run_id
        self.name = warc_name(run_id, spider.name)
        self.handle = open(folder / self.name, "ab")  # noqa: SIM115 - open for the whole crawl
        self.writer = WARCWriter(self.handle, gzip=True)

    def response_received(self, response, request, spider):
        if response.status != 200 or not request.meta.get("evidence") or self.failed:
            return
        try:
            self._write(response, request, spider)
        except OSError as error:
            # Disk full or an I/O error: without its evidence an article would be stored
            # unprovable. Stop the crawl like a failed database write (exit code 6).
            self.failed = True
            self.crawler.stats.set_value("archive/storage_error", f"WARC: {type(error).__name__}: {error}")
            asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="storage error"))

    def _write(self, response, request, spider):
        if self.writer is None:
            self._open(spider)
        record = evidence_record(self.writer, response, request)
        self.writer.write_record(record)
        request.meta["warc"] = {"file": self.name, "record_id": record.rec_headers.get_header("WARC-Record-ID")}

    def spider_closed(self, spider):
        if self.handle:
            self.handle.close()


def warc_name(run_id: str, spider_name: str) -> str:
    """The WARC file of one run and source, in ``warc_dir``."""
    return f"{run_id}-{spider_name}.warc.gz"


def evidence_record(writer: WARCWriter, response, request):
    """The response record of an evidence page, with what ``reparse`` needs to replay it."""
    callback = getattr(request.callback, "__name__", None)  # replayed by crawler.replay
    headers = [(k.decode("latin-1"), b", ".join(v).decode("latin-1")) for k, v in response.headers.items()]
    http_headers = StatusAndHeaders(f"{response.status} OK", headers, protocol="HTTP/1.1")
    meta = {k: request.meta[k] for k in REPLAYED_META if k in request.meta}
    return writer.create_warc_record(
        response.url, "response", payload=BytesIO(response.body), http_headers=http_headers,
        warc_headers_dict={"WARC-Canonical-URI": request.meta.get("canonical", response.url),
                           "WARC-Crawl-Meta": json.dumps(meta, ensure_ascii=False),
                           CALLBACK_HEADER: callback})


def iter_responses(path: Path):
    """(fetched URL, callback name, request meta, status, headers, body) of each response record."""
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type != "response":
                continue
            meta = json.loads(record.rec_headers.get_header("WARC-Crawl-Meta") or "{}")
            meta["fetched_at"] = record.rec_headers.get_header("WARC-Date")
            meta["warc"] = {"file": path.name, "record_id": record.rec_headers.get_header("WARC-Record-ID")}
            yield (record.rec_headers.get_header("WARC-Target-URI"),
                   record.rec_headers.get_header(CALLBACK_HEADER), meta,
                   int(record.http_headers.get_statuscode()), record.http_headers.headers,
                   record.content_stream().read())
