"""One crawl run, as cron runs it: lock, preflight, crawl, ledger, health, exit code.

``scrapy crawl`` exits 0 when every request failed; this module turns a run's stats into a
row per source in ``crawl_runs`` and into an exit code that means something (see EXIT_*).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from archive.schema import open_archive
from crawler import settings as default_settings

EXIT_OK = 0
EXIT_CRASH = 1
EXIT_USAGE = 2
EXIT_PAGES_FAILED = 3
EXIT_SOURCE_BROKEN = 4
EXIT_LOCKED = 75

SOURCES = ("mmc_kobar", "kemendagri")
REAL_HOSTS = {
    "mmc_kobar": ["mmc.kotawaringinbaratkab.go.id", "kotawaringinbaratkab.go.id"],
    "kemendagri": ["backend.kemendagri.go.id"],
}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class Locked(Exception):
    pass


@contextmanager
def run_lock(db_path: str):
    """An exclusive, non-blocking lock beside the archive. The kernel releases it when the
    process dies (even by SIGKILL), so a stale lock file never blocks the next run."""
    lock_path = Path(db_path).with_name(Path(db_path).name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock_path, "a+")  # noqa: SIM115 - held open for as long as the run lasts
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another run"
        handle.close()
        raise Locked(f"another crawl holds {lock_path} ({holder})") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}")
    handle.flush()
    try:
        yield lock_path
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


@dataclass
class CrawlOptions:
    db: str = "data/archive.db"
    sources: tuple[str, ...] = SOURCES
    origins: dict[str, str] = field(default_factory=dict)
    urls: str | None = None
    since: str | None = None
    full: bool = False
    recheck_days: int = 7
    log_file: str | None = None
    settings: dict = field(default_factory=dict)


def is_loopback(origin: str) -> bool:
    return (urlsplit(origin).hostname or "") in LOOPBACK_HOSTS


def preflight(source: str, timeout: float = 5.0) -> str | None:
    """Why a real source cannot be reached from here, or None. Fails in seconds, not minutes."""
    for host in REAL_HOSTS[source]:
        try:
            with socket.create_connection((host, 443), timeout=timeout):
                return None
        except socket.gaierror:
            reason = f"site unreachable: cannot resolve {host} (no DNS / no internet?)"
        except OSError as error:
            reason = f"site unreachable: {host}:443 {error.strerror or error}"
    return reason


def known_state(db, sources: tuple[str, ...], recheck_days: int, since: str | None) -> dict:
    """What the archive already has, per source: canonical URL (and alias) -> recheck flag."""
    cutoff = (datetime.now(UTC) - timedelta(days=recheck_days)).date().isoformat()
    if since:
        cutoff = min(cutoff, since)
    state: dict[str, dict] = {s: {"known": {}, "retry": []} for s in sources}
    for row in db.query("select id, url, source, published_date, date_confidence from articles "
                        "where removed_at is null"):
        if row["source"] in state:
            recheck = row["published_date"] is None or row["published_date"] >= cutoff
            state[row["source"]]["known"][row["url"]] = {"recheck": recheck,
                                                          "weak_date": row["date_confidence"] != "high"}
    for row in db.query("select l.url, a.source, a.published_date from article_aliases l "
                        "join articles a on a.id = l.article_id"):
        if row["source"] in state:
            state[row["source"]]["known"][row["url"]] = {"recheck": False}
    for source in sources:
        last = list(db.query("select finish_reason from crawl_runs where source = ? and finished_at is not null "
                             "and finish_reason != 'preflight failed' order by id desc limit 1", [source]))
        unfinished = list(db.query("select 1 from crawl_runs where source = ? and finished_at is null "
                                   "and id > coalesce((select max(id) from crawl_runs where source = ? "
                                   "and finished_at is not null), 0)", [source, source]))
        state[source]["complete"] = bool(last) and last[0]["finish_reason"] == "finished" and not unfinished
    due = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for row in db.query("select url, source, kind from failed_pages where resolved_at is null "
                        "and given_up = 0 and next_retry_at <= ?", [due]):
        if row["source"] in state and row["kind"] != "listing":
            state[row["source"]]["retry"].append(row["url"])
    return state


def crawl(options: CrawlOptions) -> int:
    """Run the crawl; returns the exit code. Raises :class:`Locked` when another run is active."""
    with run_lock(options.db):
        return _crawl_locked(options)


def _crawl_locked(options: CrawlOptions) -> int:
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]
    db = open_archive(options.db)
    state = {} if options.full else known_state(db, options.sources, options.recheck_days, options.since)
    state_file = Path(tempfile.mkstemp(prefix="pilkada-state-", suffix=".json")[1])
    state_file.write_text(json.dumps(state))

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    origins = {s: options.origins.get(s) for s in options.sources}
    if all(origins.values()) and all(is_loopback(o) for o in origins.values()):
        settings.setdict(default_settings.FAST_SETTINGS, priority="cmdline")
    settings.setdict({"ARCHIVE_DB": options.db, "ARCHIVE_RUN_ID": run_id,
                      "ARCHIVE_STATE_FILE": str(state_file)}, priority="cmdline")
    if options.log_file:
        Path(options.log_file).parent.mkdir(parents=True, exist_ok=True)
        settings.set("LOG_FILE", options.log_file, priority="cmdline")
    settings.setdict(options.settings, priority="cmdline")

    started = _now()
    unreachable = {s: preflight(s) for s in options.sources if not origins[s]}
    # A row per source from the start: a run killed before its end leaves it unfinished, and
    # the next run then walks every listing page instead of stopping at known articles.
    row_ids = {s: db["crawl_runs"].insert({"run_id": run_id, "source": s, "started_at": started,
                                           "origin": origins[s] or "real site"}).last_pk
               for s in options.sources}
    process = CrawlerProcess(settings)
    crawlers = {}
    for source in options.sources:
        if unreachable.get(source):
            continue
        crawler = process.create_crawler(source)
        args = {"origin": origins[source]} if origins[source] else {}
        if options.urls:
            args["urls"] = options.urls
        process.crawl(crawler, **args)
        crawlers[source] = crawler
    if crawlers:
        process.start()
    finished = _now()
    state_file.unlink(missing_ok=True)

    codes = []
    for source in options.sources:
        if unreachable.get(source):
            row = _ledger_row(run_id, source, {}, started, finished, origins[source])
            row.update(health="broken", health_reason=unreachable[source], finish_reason="preflight failed")
        else:
            stats = crawlers[source].stats.get_stats()
            row = _ledger_row(run_id, source, stats, started, finished, origins[source])
            row["health"], row["health_reason"] = judge_health(db, row, stats)
        row["exit_code"] = (EXIT_SOURCE_BROKEN if row["health"] == "broken"
                            else EXIT_PAGES_FAILED if row["articles_failed"] else EXIT_OK)
        codes.append(row["exit_code"])
        db["crawl_runs"].update(row_ids[source], row)
    db.close()
    return max(codes, key=lambda c: {EXIT_OK: 0, EXIT_PAGES_FAILED: 1, EXIT_SOURCE_BROKEN: 2}[c])


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _ledger_row(run_id: str, source: str, stats: dict, started: str, finished: str, origin) -> dict:
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
    start, end = stats.get("start_time"), stats.get("finish_time")
    return {
        "run_id": run_id, "source": source,
        "started_at": _iso(start) or started, "finished_at": _iso(end) or finished,
        "duration_s": round((end - start).total_seconds(), 2) if start and end else 0.0,
        "finish_reason": stats.get("finish_reason"), "origin": origin or "real site",
        "requests": stats.get("downloader/request_count", 0), **by_class,
        "errors": stats.get("log_count/ERROR", 0) + stats.get("downloader/exception_count", 0),
        "articles_new": stats.get("archive/articles/new", 0),
        "articles_updated": stats.get("archive/articles/updated", 0),
        "articles_unchanged": stats.get("archive/articles/unchanged", 0),
        "articles_aliased": stats.get("archive/articles/aliased", 0),
        "articles_failed": stats.get("archive/articles/failed", 0),
        "articles_removed": stats.get("archive/articles/removed", 0),
        "articles_held_back": stats.get("archive/articles/held_back", 0),
        "coverage": json.dumps(coverage),
    }


def _iso(moment) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def judge_health(db, row: dict, stats: dict) -> tuple[str, str]:
    """``ok`` or ``broken`` with a reason a human can act on. Thresholds are settings."""
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
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
    if not listing_entries and not items:
        return "broken", "layout changed? no listing entries and no articles found"
    generic = stats.get("archive/parser/generic", 0)
    if items >= 5 and generic / items > settings.getfloat("HEALTH_GENERIC_SHARE", 0.5):
        return "broken", f"layout changed? {generic} of {items} articles needed the generic extractor"
    previous = list(db.query(
        "select coverage from crawl_runs where source = ? and health = 'ok' and coverage is not null "
        "order by id desc limit ?", [row["source"], settings.getint("HEALTH_HISTORY_RUNS", 5)]))
    coverage = json.loads(row["coverage"])
    drop = settings.getfloat("HEALTH_COVERAGE_DROP", 0.5)
    for field_name, share in coverage.items():
        history = [json.loads(p["coverage"]).get(field_name) for p in previous]
        history = [h for h in history if h is not None]
        if share is not None and history and items >= 5:
            average = sum(history) / len(history)
            if average > 0.5 and share < average * drop:
                return "broken", f"layout changed? {field_name} found on {share:.0%} (recent average {average:.0%})"
    parsed = items + stats.get("archive/failed/parse", 0)
    if parsed >= 5 and stats.get("archive/failed/parse", 0) / parsed > settings.getfloat("HEALTH_PARSE_FAILURE_SHARE", 0.2):
        return "broken", f"layout changed? {stats.get('archive/failed/parse', 0)} of {parsed} pages did not parse"
    return "ok", ""
