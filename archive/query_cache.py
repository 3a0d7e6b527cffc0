"""Answers computed once per committed state of the archive, never stale.

At 1,000,000 articles the exact total of a broad search ("pilkada": 230,000 matches) and its
facets read every matching row: seconds, on every request, although the archive changes only
when a crawl commits. Here an expensive read is kept with the *version* of the archive it was
computed on, and served again only while the archive is still at that version.

The version is SQLite's own: ``PRAGMA data_version`` on a connection of our own changes whenever
any other connection, in this process or another (a crawl, a reparse), commits to the file
(https://sqlite.org/pragma.html#pragma_data_version). It is read before each cached answer is
used, so an answer is served only for the state it was computed on: exact, whatever writes.

No Datasette here (``archive.datasette_adapter`` puts it in front of Datasette's reads).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import sqlite3
import threading
import time
from collections import OrderedDict
from pathlib import Path

# Reads cheaper than this are run again: caching them would only cost memory.
MIN_CACHED_MS = 15.0
# Bounds of one process's cache: entries, and the text and numbers they hold (approximate bytes).
MAX_ENTRIES = 512
MAX_BYTES = 64 * 1024 * 1024
MAX_ROWS = 5000
# SQL whose answer is not a function of the archive's content: never cached.
NOT_A_FUNCTION_OF_THE_DATA = re.compile(
    r"random|'now'|current_(date|time|timestamp)|changes\s*\(|last_insert_rowid|pragma|sqlite_stat|"
    r"julianday\s*\(\s*\)|_internal", re.IGNORECASE)


# Versions are numbered across every archive file of the process, so that a number names one
# state of one file (two archives served under the same database name never share answers).
_numbers = itertools.count(1)


class ArchiveVersion:
    """A number that changes whenever a commit to the archive file may have changed any answer."""

    def __init__(self, path: str | Path):
        self._lock = threading.Lock()
        self._seen: int | None = None
        self.generation = 0
        try:
            self._conn: sqlite3.Connection | None = sqlite3.connect(
                f"file:{Path(path).resolve()}?mode=ro", uri=True, check_same_thread=False)
            self._conn.execute("pragma data_version").fetchone()
        except sqlite3.Error:
            # A file we cannot watch (read-only directory without its -shm file): nothing is cached.
            self._conn = None

    def current(self) -> int | None:
        if self._conn is None:
            return None
        with self._lock:
            try:
                value = self._conn.execute("pragma data_version").fetchone()[0]
            except sqlite3.Error:
                return None
            if value != self._seen:
                self._seen = value
                self.generation = next(_numbers)
            return self.generation


_versions: dict[str, ArchiveVersion] = {}
# "0" turns every kept answer off (the site's and the facets'): what a read costs without them.
CACHE_ENV = "PILKADA_QUERY_CACHE"


def enabled() -> bool:
    return os.environ.get(CACHE_ENV, "1") != "0"


def version_of(path: str | Path | None) -> int | None:
    """The archive's current version (None: do not cache, e.g. an in-memory database)."""
    if not path or not enabled():
        return None
    key = str(Path(path).resolve())
    version = _versions.get(key)
    if version is None:
        version = _versions[key] = ArchiveVersion(key)
    return version.current()


def cacheable(sql: str) -> bool:
    return not NOT_A_FUNCTION_OF_THE_DATA.search(sql)


def _size_of(rows) -> int:
    total = 0
    for row in rows:
        for value in row:
            total += len(value) if isinstance(value, str | bytes) else 8
    return total


class VersionedCache:
    """Least recently used answers, each valid for one version of the archive; concurrent
    requests for the same missing answer wait for one computation instead of running it again."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, tuple[int, object, int]] = OrderedDict()
        self._running: dict[tuple, asyncio.Future] = {}
        self.bytes = 0
        self.hits = self.misses = 0

    def get(self, key: tuple, version: int):
        entry = self._entries.get(key)
        if entry is None or entry[0] != version:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: tuple, version: int, value, size: int) -> None:
        if size > self.max_bytes // 4:
            return
        old = self._entries.pop(key, None)
        if old:
            self.bytes -= old[2]
        self._entries[key] = (version, value, size)
        self.bytes += size
        while self._entries and (len(self._entries) > self.max_entries or self.bytes > self.max_bytes):
            _, (_, _, dropped) = self._entries.popitem(last=False)
            self.bytes -= dropped

    async def get_or_compute(self, key: tuple, version: int | None, compute, size_of=None,
                             min_ms: float | None = None):
        """``await compute()``, or its answer for this version of the archive if one is kept.
        Answers that took less than ``min_ms`` are not kept."""
        if version is None:
            return await compute()
        found = self.get(key, version)
        if found is not None:
            self.hits += 1
            return found
        running = self._running.get((key, version))
        if running is not None:
            return await asyncio.shield(running)
        self.misses += 1
        future = asyncio.get_running_loop().create_future()
        self._running[(key, version)] = future
        try:
            started = time.perf_counter()
            value = await compute()
            elapsed_ms = (time.perf_counter() - started) * 1000
            if elapsed_ms >= (MIN_CACHED_MS if min_ms is None else min_ms):
                self.put(key, version, value, size_of(value) if size_of else 1024)
            future.set_result(value)
            return value
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: waiters re-raise it, nobody else needs to
            raise
        finally:
            del self._running[(key, version)]


def results_size(results) -> int:
    rows = getattr(results, "rows", None)
    if rows is None:
        return 1024
    if len(rows) > MAX_ROWS:
        return MAX_BYTES  # larger than any entry may be: not kept
    return 256 + _size_of(rows)
