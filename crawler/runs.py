"""One crawl run as a Scrapy extension: lock, preflight, what the archive knows, ledger, health.

``scrapy crawl NAME`` and ``pilkada-archive crawl NAME`` run exactly this: the extension takes
the lock beside the archive when the crawler is built, hands the spider the archive's state when
it opens, and when it closes records failed pages and takedowns, writes the source's row in
``crawl_runs`` with its health, and leaves the run's exit code in the stats
(``archive/exit_code``), which both commands return.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import socket
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from math import comb
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import CloseSpider, NotConfigured

from archive.connect import open_archive
from archive.migrations import migrate as apply_migrations
from archive.store import (
    describe_source,
    frontier_pending,
    mark_removed,
    record_failures,
    resolve_failures,
)
from crawler.pipelines import NotStored, WriterThread
from crawler.spider import page_failed
from indonesian.dates import utc_stamp

EXIT_OK = 0
EXIT_CRASH = 1
EXIT_USAGE = 2
EXIT_PAGES_FAILED = 3
EXIT_SOURCE_BROKEN = 4
EXIT_INTERRUPTED = 5  # SIGINT/SIGTERM: the next run completes the work
EXIT_STORAGE = 6  # the archive could not be written or read (disk full, damaged, I/O error)
EXIT_LOCKED = 75
SEVERITY = {EXIT_OK: 0, EXIT_PAGES_FAILED: 1, EXIT_INTERRUPTED: 2, EXIT_SOURCE_BROKEN: 3,
            EXIT_STORAGE: 4, EXIT_CRASH: 5}


def worst(codes) -> int:
    return max(codes, key=lambda c: SEVERITY.get(c, SEVERITY[EXIT_CRASH]), default=EXIT_OK)


class Locked(Exception):
    pass


class ArchiveUnusable(Exception):
    """The archive file cannot be used: not SQLite, read-only, or damaged. ``exit_code`` says
    which: a file that is not an archive is a usage error, a damaged archive a storage error."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


_PREPARED: set[str] = set()


def prepare_archive(db_path: str) -> None:
    """Refuse a damaged archive (``PRAGMA quick_check``) and apply pending migrations, once per
    process and archive. Raises :class:`ArchiveUnusable` with a message an operator can act on."""
    key = str(Path(db_path).resolve())
    if key in _PREPARED:
        return
    try:
        db = open_archive(db_path)
        try:
            check = [row[0] for row in db.execute("PRAGMA quick_check").fetchall()]
            if check != ["ok"]:
                raise ArchiveUnusable(f"the archive {db_path} is damaged (PRAGMA quick_check: "
                                      f"{'; '.join(check[:3])}): restore a backup, or rebuild it with "
                                      f"`sqlite3 {db_path} .recover`", EXIT_STORAGE)
            if db.journal_mode != "wal":
                db.enable_wal()
            apply_migrations(db)
        finally:
            db.close()
    except sqlite3.DatabaseError as error:
        text = str(error)
        if "not a database" in text or "readonly" in text or "unable to open" in text:
            raise ArchiveUnusable(f"cannot use {db_path} as the archive: {text}", EXIT_USAGE) from None
        raise ArchiveUnusable(f"the archive {db_path} cannot be read or written: {text}", EXIT_STORAGE) from None
    except OSError as error:
        raise ArchiveUnusable(f"the archive {db_path} cannot be read or written: {error}", EXIT_STORAGE) from None
    _PREPARED.add(key)


class RunLock:
    """An exclusive, non-blocking lock on the archive file itself (flock; SQLite's own locks are
    POSIX locks and independent of it). The kernel releases it when the process dies (even by
    SIGKILL), so nothing stale ever blocks the next run; a symlink, a hard link or a bind mount
    of the archive is the same file and so the same lock. Several crawlers of one process share
    it (the CLI runs every source in one process). Who holds it is written beside the archive
    (``<archive>.lock``), for the message a second run prints."""

    held: dict[tuple, tuple] = {}  # (device, inode) -> (file descriptor, users)

    def __init__(self, db_path: str):
        self.db_path = Path(db_path)
        self.note = Path(str(self.db_path.resolve()) + ".lock")
        self.key = None

    def acquire(self) -> None:
        try:
            self.db_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.db_path, os.O_RDONLY | os.O_CREAT, 0o644)
        except OSError as error:
            raise ArchiveUnusable(f"cannot open the archive {self.db_path}: {error.strerror or error}",
                                  EXIT_USAGE) from None
        info = os.fstat(fd)
        self.key = (info.st_dev, info.st_ino)
        if self.key in self.held:
            os.close(fd)
            held_fd, users = self.held[self.key]
            self.held[self.key] = (held_fd, users + 1)
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = self.note.read_text("utf-8").strip() if self.note.exists() else "another run"
            raise Locked(f"another crawl holds {self.db_path} ({holder})") from None
        # In a read-only folder the note cannot be written: the lock holds all the same.
        with contextlib.suppress(OSError):
            self.note.write_text(f"pid {os.getpid()} since {utc_stamp()}", "utf-8")
        self.held[self.key] = (fd, 1)

    def release(self) -> None:
        if self.key not in self.held:
            return
        fd, users = self.held.pop(self.key)
        if users > 1:
            self.held[self.key] = (fd, users - 1)
            return
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()


_PROCESS_RUN_ID: list[str] = []


def process_run_id() -> str:
    """One run id for every source crawled by this process (the CLI runs them together)."""
    if not _PROCESS_RUN_ID:
        _PROCESS_RUN_ID.append(datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6])
    return _PROCESS_RUN_ID[0]


def preflight(hosts: list[str], timeout: float = 5.0) -> str | None:
    """Why a real source cannot be reached from here, or None. Fails in seconds, not minutes."""
    reason = "site unreachable: no hosts"
    for host in hosts:
        try:
            with socket.create_connection((host, 443), timeout=timeout):
                return None
        except socket.gaierror:
            reason = f"site unreachable: cannot resolve {host} (no DNS / no internet?)"
        except OSError as error:
            reason = f"site unreachable: {host}:443 {error.strerror or error}"
    return reason


def known_state(db, source: str, recheck_days: int, since: str | None) -> dict:
    """What the archive already has of one source: canonical URL (and alias) -> flags,
    failed pages due for a retry, and whether the source's last run finished."""
    cutoff = (datetime.now(UTC) - timedelta(days=recheck_days)).date().isoformat()
    if since:
        cutoff = min(cutoff, since)
    known: dict[str, dict] = {}
    for row in db.query("select url, published_date, date_confidence, parser from articles "
                        "where removed_at is null and source = ?", [source]):
        # An article the generic extractor had to read (a layout break) is fetched again until
        # the source's selectors read it, so that its text is not left as the break made it.
        recheck = (row["published_date"] is None or row["published_date"] >= cutoff
                   or "generic" in (row["parser"] or ""))
        known[row["url"]] = {"recheck": recheck, "weak_date": row["date_confidence"] != "high"}
    for row in db.query("select l.url from article_aliases l join articles a on a.id = l.article_id "
                        "where a.source = ?", [source]):
        known[row["url"]] = {"recheck": False}
    last = list(db.query("select finish_reason from crawl_runs where source = ? and finished_at is not null "
                         "and finish_reason != 'preflight failed' order by id desc limit 1", [source]))
    unfinished = list(db.query("select 1 from crawl_runs where source = ? and finished_at is null "
                               "and id > coalesce((select max(id) from crawl_runs where source = ? "
                               "and finished_at is not null), 0)", [source, source]))
    # A listing or API page that failed, or an article a link led to that is not stored yet:
    # the source's last pass was not complete, whatever its finish reason.
    gaps = db.execute("select exists (select 1 from failed_pages where source = ? and kind = 'listing' "
                      "and resolved_at is null and given_up = 0) or exists (select 1 from frontier "
                      "where source = ? and done_at is null)", [source, source]).fetchone()[0]
    retry = {r["url"]: r["listing_date"] for r in db.query(
        "select url, listing_date from failed_pages where resolved_at is null and given_up = 0 "
        "and next_retry_at <= ? and source = ? and kind != 'listing'", [utc_stamp(), source])}
    return {"known": known, "retry": retry,
            "complete": bool(last) and last[0]["finish_reason"] == "finished" and not unfinished and not gaps}


class ArchiveRun:
    """The run of one source: see the module docstring."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.settings = crawler.settings
        self.db_path = self.settings.get("ARCHIVE_DB")
        self.run_id = self.settings.get("ARCHIVE_RUN_ID") or process_run_id()
        self.lock = RunLock(self.db_path)
        self.failures: list[dict] = []
        self.listings_read: set[str] = set()
        self.row_id = None
        self.unreachable = None
        self.started = utc_stamp()

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("ARCHIVE_RUN"):
            raise NotConfigured("not a crawl (ARCHIVE_RUN is off): nothing is written")
        run = cls(crawler)
        run.lock.acquire()  # raises Locked: nothing of this crawl runs
        try:
            prepare_archive(run.db_path)  # before any pipeline opens it
        except ArchiveUnusable:
            run.lock.release()
            raise
        crawler.archive_run = run
        crawler.signals.connect(run.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(run.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(run.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(run.item_error, signal=signals.item_error)
        crawler.signals.connect(run.page_failed, signal=page_failed)
        crawler.signals.connect(run.response_received, signal=signals.response_received)
        return run

    async def spider_opened(self, spider):
        origin = spider.mirror.origin
        if not origin and self.settings.getbool("ARCHIVE_PREFLIGHT", True):
            self.unreachable = await asyncio.to_thread(preflight, spider.real_hosts())
        db = open_archive(self.db_path)
        try:
            describe_source(db, spider.name, spider.description())
            if not self.settings.getbool("ARCHIVE_FULL"):
                state = known_state(db, spider.name, self.settings.getint("ARCHIVE_RECHECK_DAYS", 7),
                                    self.settings.get("ARCHIVE_SINCE"))
                spider.known, spider.retry_urls = state["known"], state["retry"]
                spider.previous_complete = state["complete"]
            spider.frontier_urls = frontier_pending(db, spider.name)
            # A row from the start: a run killed before its end leaves it unfinished, and the
            # next run then walks every listing page instead of stopping at known articles.
            self.row_id = db["crawl_runs"].insert({"run_id": self.run_id, "source": spider.name,
                                                   "started_at": self.started,
                                                   "origin": origin or "real site"}).last_pk
        finally:
            db.close()
        if self.unreachable:
            raise CloseSpider("preflight failed")

    def response_received(self, response, request, spider):
        if request.meta.get("kind") == "listing" and response.status == 200:
            self.listings_read.add(request.meta.get("canonical") or response.url)

    def page_failed(self, url, reason, kind, status, listing_date=None):
        self.failures.append({"url": url, "reason": reason, "kind": kind, "status": status,
                              "listing_date": listing_date})

    def item_dropped(self, item, response, exception, spider):
        if isinstance(exception, NotStored):
            return  # not a page's fault: the next run fetches it again
        self._parse_failure(item, response, str(exception).split(": ", 1)[-1])

    def item_error(self, item, response, spider, failure):
        """A pipeline raised on an item (a field of a type nobody expected): a failed page with
        its reason, never a silent loss."""
        self._parse_failure(item, response, f"parse: {failure.type.__name__}: {failure.getErrorMessage()}"[:300])

    def _parse_failure(self, item, response, reason: str) -> None:
        url = getattr(item, "url", None) or getattr(item, "fetched_url", None) or response.url
        self.crawler.stats.inc_value("archive/failed/parse")
        self.failures.append({"url": url, "reason": reason, "kind": "parse", "status": None,
                              "listing_date": response.meta.get("listing_date")})

    def abandon(self, exit_code: int) -> None:
        """The spider never closed (a signal before it opened): its ledger row still says so."""
        if self.row_id is None:
            self.lock.release()
            return
        reason = ("stopped by a signal before the spider opened; the next run completes the work"
                  if exit_code == EXIT_INTERRUPTED else "the run ended without closing its spider (a bug)")
        try:
            db = open_archive(self.db_path)
            try:
                db["crawl_runs"].update(self.row_id, {
                    "finished_at": utc_stamp(), "finish_reason": "abandoned", "exit_code": exit_code,
                    "health": "interrupted" if exit_code == EXIT_INTERRUPTED else "failed", "health_reason": reason})
            finally:
                db.close()
        finally:
            self.lock.release()

    def spider_closed(self, spider, reason):
        try:
            # In the archive's writer thread, after the batches queued before it (another
            # spider of this process may still be writing).
            WriterThread.run(self.db_path, self._close, spider, reason)
        except (sqlite3.Error, OSError) as error:
            # The ledger itself cannot be written (disk full?): the exit code still says so.
            self.crawler.stats.set_value("archive/storage_error", f"{type(error).__name__}: {error}")
            self.crawler.stats.set_value("archive/exit_code", EXIT_STORAGE)
            spider.logger.error("could not record the run in the archive: %s", error)
        except Exception:
            # A bug in recording the run must not pass for success: exit 1, with its traceback.
            self.crawler.stats.set_value("archive/exit_code", EXIT_CRASH)
            spider.logger.exception("could not finish the run's record")
        finally:
            self.lock.release()

    def _close(self, spider, reason):
        stats = self.crawler.stats
        db = open_archive(self.db_path)
        try:
            removed = sum(mark_removed(db, url) for url in spider.vanished)
            failures = []
            for failure in self.failures:
                if failure.get("status") in (404, 410) and mark_removed(db, failure["url"]):
                    removed += 1
                else:
                    failures.append(failure)
            record_failures(db, spider.name, failures, self.run_id,
                            max_attempts=self.settings.getint("ARCHIVE_MAX_ATTEMPTS", 5),
                            backoff_hours=self.settings.getfloat("ARCHIVE_RETRY_BACKOFF_HOURS", 6))
            resolve_failures(db, self.listings_read, still_failing={f["url"] for f in failures})
            pending = len(frontier_pending(db, spider.name))
            stats.set_value("archive/frontier/pending", pending)
            # Pages that failed in this or an earlier run and still wait for a retry: the archive
            # is not complete, so the run is not "ok" (given-up pages are reported by status).
            waiting = db.execute("select count(*) from failed_pages where source = ? and resolved_at is null "
                                 "and given_up = 0", [spider.name]).fetchone()[0]
            stats.set_value("archive/failed/waiting", waiting)
            stats.set_value("archive/articles/removed", removed)
            stats.set_value("archive/articles/failed", len(failures))
            row = ledger_row(self.run_id, spider.name, stats.get_stats(), self.started, spider.mirror.origin)
            storage_error = stats.get_value("archive/storage_error")
            if storage_error:
                row.update(health="failed", health_reason=f"storage error: {storage_error}")
            elif self.unreachable:
                row.update(health="broken", health_reason=self.unreachable, finish_reason="preflight failed")
            elif reason == "shutdown":
                row.update(health="interrupted", health_reason="stopped by a signal before the end; "
                           "the next run completes the work")
            else:
                row["health"], row["health_reason"] = judge_health(db, row, stats.get_stats(), self.settings)
                if row["health"] == "ok" and (pending or waiting):
                    # Everything this run discovered must be stored or accounted for.
                    row["health_reason"] = "; ".join(filter(None, [
                        f"{pending} discovered article pages not stored yet (frontier)" if pending else "",
                        f"{waiting} failed pages wait for a retry" if waiting else ""]))
            row["exit_code"] = (EXIT_STORAGE if storage_error
                                else EXIT_SOURCE_BROKEN if row["health"] == "broken"
                                else EXIT_INTERRUPTED if row["health"] == "interrupted"
                                else EXIT_PAGES_FAILED if row["articles_failed"] or pending or waiting
                                else EXIT_OK)
            db["crawl_runs"].update(self.row_id, row)
            stats.set_value("archive/exit_code", row["exit_code"])  # only once the ledger says it too
        finally:
            db.close()


def ledger_row(run_id: str, source: str, stats: dict, started: str, origin) -> dict:
    by_class = {f"responses_{c}xx": 0 for c in "2345"}
    for key, value in stats.items():
        if key.startswith("downloader/response_status_count/"):
            status = key.rsplit("/", 1)[1]
            name = f"responses_{status[0]}xx"
            if name in by_class:
                by_class[name] += value
    coverage = {}
    for field_name in ("title", "body", "published_date", "author"):
        present = stats.get(f"archive/field/{field_name}/present", 0)
        missing = stats.get(f"archive/field/{field_name}/missing", 0)
        coverage[field_name] = round(present / (present + missing), 3) if present + missing else None
    parsed = stats.get("item_scraped_count", 0) + stats.get("archive/failed/parse", 0)
    if parsed:  # the share of articles the source's own selectors read (not the generic extractor)
        coverage["selectors"] = round(1 - stats.get("archive/parser/generic", 0) / parsed, 3)
    start, end = stats.get("start_time"), datetime.now(UTC)
    return {
        "run_id": run_id, "source": source,
        "started_at": utc_stamp(start) if start else started, "finished_at": utc_stamp(end),
        "duration_s": round((end - start).total_seconds(), 2) if start else 0.0,
        "finish_reason": stats.get("finish_reason"), "origin": origin or "real site",
        "requests": stats.get("downloader/request_count", 0), **by_class,
        "errors": stats.get("log_count/ERROR", 0) + stats.get("downloader/exception_count", 0),
        **{f"articles_{k}": stats.get(f"archive/articles/{k}", 0)
           for k in ("new", "updated", "unchanged", "aliased", "failed", "removed", "held_back")},
        "coverage": json.dumps(coverage),
        # Articles found per discovery strategy (stats "archive/discovery/<strategy>").
        "discovery": json.dumps({k.rsplit("/", 1)[1]: v for k, v in sorted(stats.items())
                                 if k.startswith("archive/discovery/")}),
    }


def judge_health(db, row: dict, stats: dict, settings) -> tuple[str, str]:
    """``ok`` or ``broken`` with a reason a human can act on. Thresholds are settings."""
    listing_entries = stats.get("archive/listing/entries", 0)
    items = stats.get("item_scraped_count", 0)
    robots_ok = sum(v for k, v in stats.items() if k.startswith("robotstxt/response_status_count/2"))
    ok_responses = row["responses_2xx"] - robots_ok
    if row["requests"] and not ok_responses:
        blocked = stats.get("downloader/response_status_count/403", 0) + stats.get(
            "downloader/response_status_count/429", 0)
        if blocked:
            return "broken", "blocked (403/429)"
        errors = {k.rsplit("/", 1)[1]: v for k, v in stats.items()
                  if k.startswith("downloader/response_status_count/") and not k.endswith("/200")}
        detail = ", ".join(f"{n}× HTTP {code}" for code, n in sorted(errors.items())) or "no response"
        return "broken", f"site unreachable: no successful response ({detail})"
    if stats.get("archive/discovery/none"):
        return "broken", ("no discovery strategy found any article (sitemaps, feeds, CMS listings, "
                          "the configured listing, a crawl of the site)")
    if not listing_entries and not items:
        return "broken", "layout changed? no listing entries and no articles found"
    generic = stats.get("archive/parser/generic", 0)
    previous = list(db.query(
        "select coverage from crawl_runs where source = ? and health = 'ok' and coverage is not null "
        "order by id desc limit ?", [row["source"], settings.getint("HEALTH_HISTORY_RUNS", 5)]))
    if not previous and items >= 5 and generic / items > settings.getfloat("HEALTH_GENERIC_SHARE", 0.5):
        return "broken", f"layout changed? {generic} of {items} articles needed the generic extractor"
    # Against the source's own history, a quiet day counts too: one article the selectors miss
    # where they never missed is a break; one article without an author where a fifth have
    # none is not. Flag a field when its share fell below HEALTH_COVERAGE_DROP of its recent
    # average and that few hits would happen by chance less than once in a hundred runs.
    coverage = json.loads(row["coverage"])
    drop = settings.getfloat("HEALTH_COVERAGE_DROP", 0.5)
    for field_name, share in coverage.items():
        history = [json.loads(p["coverage"]).get(field_name) for p in previous]
        history = [h for h in history if h is not None]
        if share is None or not history or not items:
            continue
        average = sum(history) / len(history)
        if average > 0.5 and share < average * drop and _chance_of_at_most(round(share * items), items, average) < 0.01:
            label = "selectors" if field_name == "selectors" else field_name
            return "broken", (f"layout changed? {label} found on {share:.0%} of {items} articles "
                              f"(recent average {average:.0%})")
    parse_failures = stats.get("archive/failed/parse", 0)
    parsed = items + parse_failures
    if parsed >= 5 and parse_failures / parsed > settings.getfloat("HEALTH_PARSE_FAILURE_SHARE", 0.2):
        return "broken", f"layout changed? {parse_failures} of {parsed} pages did not parse"
    return "ok", ""


def _chance_of_at_most(hits: int, trials: int, rate: float) -> float:
    """P(X <= hits) for X ~ Binomial(trials, rate)."""
    return sum(comb(trials, k) * rate**k * (1 - rate) ** (trials - k) for k in range(hits + 1))


__all__ = ["ArchiveRun", "Locked", "RunLock", "worst"]
