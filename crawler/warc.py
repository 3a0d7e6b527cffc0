"""Raw pages as evidence: every article and API response goes into a WARC file.

One gzip WARC per run and source in ``warc/`` beside the archive database. Each response record
carries, besides the standard fields, ``WARC-Canonical-URI`` (the real-site URL it stands for)
and ``WARC-Crawl-Meta`` (the request meta the callback used, e.g. a listing's date), so that
``pilkada-archive reparse`` can re-run extraction over the records without the network.

Records are compressed, digested and written in a thread of their own (zlib and SHA-1 release
the GIL, so a second core does that work while the reactor goes on); the record's id and date
are fixed when the response arrives, and the store writes no article before its record is
written (``WarcExtension.written``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

logger = logging.getLogger(__name__)

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
        self.failed = False  # set in the reactor's thread, from the first failed write on
        self.error: str | None = None  # set in the writing thread by a failed write
        self.unwritten: set[str] = set()  # record ids given to articles whose record is not written
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warc-writer")
        self.last: Future | None = None  # the last record handed to the thread (it writes in order)
        self.in_reactor = _call_from_thread  # how the writing thread has the reactor stop the crawl

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("ARCHIVE_RUN"):
            raise NotConfigured("not a crawl (ARCHIVE_RUN is off): no evidence is written")
        extension = cls(crawler)
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.warc_extension = extension  # the store waits for the evidence of what it writes
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
        if response.status != 200 or not request.meta.get("evidence") or self.failed or self.error:
            return
        if self.writer is None:
            self._open(spider)
        # The id and date are fixed here, so that the article made from this response names its
        # record, and the record's date is the time the response arrived.
        record_id, date = self.writer._make_warc_id(), self.writer.curr_warc_date()
        headers, warc_headers = record_headers(response, request)
        request.meta["warc"] = {"file": self.name, "record_id": record_id}
        self.last = self.thread.submit(self._write, response.url, response.status, headers, response.body,
                                       warc_headers, record_id, date)

    def _write(self, url, status, headers, body, warc_headers, record_id, date) -> None:
        """In the writing thread: one record, the same bytes ``create_warc_record`` would make
        with this id and date (the same headers in the same order)."""
        if self.error is not None:
            self.unwritten.add(record_id)  # nothing is written after a failed write
            return
        try:
            rec_headers = StatusAndHeaders("", list(warc_headers.items()), protocol=self.writer.warc_version)
            rec_headers.replace_header("WARC-Type", "response")
            rec_headers.add_header("WARC-Record-ID", record_id)
            rec_headers.replace_header("WARC-Target-URI", url)
            rec_headers.add_header("WARC-Date", date)
            http_headers = StatusAndHeaders(f"{status} OK", headers, protocol="HTTP/1.1")
            record = self.writer.create_warc_record(url, "response", payload=BytesIO(body),
                                                    http_headers=http_headers, warc_headers=rec_headers)
            self.writer.write_record(record)
        except Exception as error:
            # The record is not written: its article is stored without evidence, as when a
            # write fails before the response is parsed. Disk full or an I/O error: without
            # its evidence an article would be stored unprovable, so the crawl stops like a
            # failed database write (exit code 6); anything else is logged, as a failed signal
            # handler would be.
            self.unwritten.add(record_id)
            if isinstance(error, OSError):
                self.error = f"WARC: {type(error).__name__}: {error}"
                self.in_reactor(self._stop)
            else:
                logger.error("WARC record of %s not written", url, exc_info=True)

    def _stop(self) -> None:
        if self.failed:
            return
        self.failed = True
        self.crawler.stats.set_value("archive/storage_error", self.error)
        asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="storage error"))

    async def written(self) -> set[str]:
        """Waits until every record handed over so far is written (or has failed); the ids of
        the records that are not."""
        if self.last is not None:
            await asyncio.wrap_future(self.last)
        return self.unwritten

    def spider_closed(self, spider):
        self.thread.shutdown(wait=True)
        if self.handle:
            self.handle.close()


def warc_name(run_id: str, spider_name: str) -> str:
    """The WARC file of one run and source, in ``warc_dir``."""
    return f"{run_id}-{spider_name}.warc.gz"


def record_headers(response, request) -> tuple[list, dict]:
    """An evidence page's HTTP headers, and the WARC headers ``reparse`` needs to replay it."""
    headers = [(k.decode("latin-1"), b", ".join(v).decode("latin-1")) for k, v in response.headers.items()]
    meta = {k: request.meta[k] for k in REPLAYED_META if k in request.meta}
    warc_headers = {"WARC-Canonical-URI": request.meta.get("canonical", response.url),
                    "WARC-Crawl-Meta": json.dumps(meta, ensure_ascii=False),
                    CALLBACK_HEADER: getattr(request.callback, "__name__", None)}  # replayed by crawler.replay
    return headers, warc_headers


def evidence_record(writer: WARCWriter, response, request):
    """The response record of an evidence page, made in place (a distributed crawl's worker)."""
    headers, warc_headers = record_headers(response, request)
    http_headers = StatusAndHeaders(f"{response.status} OK", headers, protocol="HTTP/1.1")
    return writer.create_warc_record(response.url, "response", payload=BytesIO(response.body),
                                     http_headers=http_headers, warc_headers_dict=warc_headers)


def _call_from_thread(function) -> None:
    from twisted.internet import reactor

    reactor.callFromThread(function)


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
