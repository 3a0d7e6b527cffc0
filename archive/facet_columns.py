"""The facet columns of every article, in memory, once per version of the archive: exact counts,
facets and attention over time of a question asked for the first time.

At 1,000,000 articles the exact total, facets and monthly counts of a broad search ("pilkada":
227,500 matches) read every matching row, or scan a 1,000,000-entry index once per facet:
seconds for each new question (``bench/load.py --distinct``). The answers kept per version
(``archive.query_cache``) only help the second time a question is asked. Here the nine facet
columns of the articles table, and each article's place in the newest-first order, are read
once per version of the archive into arrays of small integer codes (about 50 bytes an
article). A question then costs what its full-text index lookups cost (the matching ids, a few
ms per 100,000) plus array arithmetic over the codes:

- a search's matches become a mask over the articles (ids -> positions by binary search);
  AND / OR / NOT are the mask's &, |, ~; a column filter is a look-up table over the codes;
- counting a facet is a ``bincount`` of the masked codes (an array column's code stands for its
  text, whose values are added up per distinct text, as ``archive.facets.add_up`` does).

Exact, never stale: a snapshot is read inside one read transaction and carries the archive's
version (``archive.query_cache.version_of``: SQLite's ``data_version``, which changes on every
commit by any connection). A question is answered from it only when the version read before
*and after* its own index lookups equals the snapshot's; anything else (a commit since, a filter
this module does not know, a value it cannot compare exactly as SQLite would) returns None and
the caller asks SQLite as before. After a commit the next request starts a new snapshot in the
background and is answered by SQLite meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sqlite3
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from archive.query_cache import VersionedCache, version_of

SCALAR_COLUMNS = ("source", "published_month", "election_related", "focus_stage", "date_confidence")
ARRAY_COLUMNS = ("election_types", "election_stages", "institutions", "places")
COLUMNS = SCALAR_COLUMNS + ARRAY_COLUMNS
INTEGER_COLUMNS = {"election_related"}  # INTEGER affinity: a text parameter that is an integer compares as one


def _ids(text: str | None) -> np.ndarray:
    """A comma-separated list of integers (SQLite's group_concat) as an array."""
    if not text:
        return np.zeros(0, dtype=np.int64)
    # Parsed in C: 12 times faster than splitting into Python strings (10,000,000 numbers: 0.45 s
    # against 5.6 s, measured), and without their memory.
    values = np.fromstring(text, dtype=np.int64, sep=",")
    if len(values) != text.count(",") + 1:
        raise ValueError("a list of integers that does not parse as one")
    return values


def _flat_items(text) -> tuple | None:
    """The distinct items of a JSON array of scalars, as ``json_each`` yields their values; None
    when the text is not such an array (then SQLite's answer is not reproduced here)."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) and not isinstance(v, bool)
                                              for v in value):
        return None
    return tuple(dict.fromkeys(value))


@dataclass
class Snapshot:
    """The facet columns of one version of the archive."""

    version: int
    ids: np.ndarray  # article ids, ascending
    codes: dict[str, np.ndarray]  # column -> code per article (-1: null)
    values: dict[str, list]  # column -> value of each code (an array column: its JSON text)
    items: dict[str, list[tuple]]  # array column -> items of each code's text
    date_code: np.ndarray | None  # per article: index into dates (published_date; -1 undated), or None
    dates: list[str]
    rank: np.ndarray  # per article: its place in sort_key order (0: the oldest)
    region_ids: dict[str, np.ndarray]  # code of article_regions -> ids of the articles naming it
    region_masks: OrderedDict = field(default_factory=OrderedDict)  # as bits, the last KEPT_MATCHES
    # The matches of recent full-text questions, as bits (125 KB per 1,000,000 articles): a page
    # asks for its count and each facet separately, and a researcher's next question often
    # shares a word with the last one.
    matches: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def size(self) -> int:
        return len(self.ids)

    def mask_of_ids(self, rowids: np.ndarray) -> np.ndarray:
        """The articles among ``rowids`` (ids that are no article, e.g. an index entry of a row
        since deleted, are left out, as ``id in (...)`` leaves them out)."""
        mask = np.zeros(self.size, dtype=bool)
        if len(rowids) and self.size:
            positions = np.minimum(np.searchsorted(self.ids, rowids), self.size - 1)
            mask[positions[self.ids[positions] == rowids]] = True
        return mask

    def equal(self, column: str, wanted: list) -> np.ndarray | None:
        """Mask of ``column = v`` for any v in ``wanted``, as SQLite compares (None: cannot say)."""
        lookup = np.zeros(len(self.values[column]) + 1, dtype=bool)  # last entry: code -1 (null)
        for value in wanted:
            value = _as_stored(column, value)
            if value is _UNKNOWN:
                return None
            for code, stored in enumerate(self.values[column]):
                if type(stored) is type(value) and stored == value:
                    lookup[code] = True
        return lookup[self.codes[column]]

    def contains(self, column: str, value) -> np.ndarray | None:
        """Mask of ``exists (select 1 from json_each(column) where value = ?)``."""
        if column not in self.items or not isinstance(value, str):
            return None
        lookup = np.zeros(len(self.items[column]) + 1, dtype=bool)
        for code, items in enumerate(self.items[column]):
            lookup[code] = value in items  # a text equals only a text, as in SQLite
        return lookup[self.codes[column]]

    def date_between(self, low: str, high: str) -> np.ndarray | None:
        """Mask of ``sort_key between low and high`` for the research search's bounds (a date
        ``YYYY-MM-DD``, and a date followed by ``|~``). With every sort_key of the form
        date|12-digit id and dates of 10 characters, that is ``low <= date <= high's date``
        (an undated article's date is 0000-00-00)."""
        if self.date_code is None or len(low) != 10 or not (len(high) == 12 and high.endswith("|~")):
            return None
        dates = np.array(self.dates, dtype=str)
        first = int(np.searchsorted(dates, low, side="left"))
        last = int(np.searchsorted(dates, high[:10], side="right"))
        mask = (self.date_code >= first) & (self.date_code < last)
        if low <= "0000-00-00" <= high[:10]:
            mask |= self.date_code == -1
        return mask

    def newest(self, mask: np.ndarray, limit: int, below: int | None = None) -> list[int]:
        """Ids of the ``limit`` newest masked articles (sort_key descending), among those ranked
        below ``below`` (keyset paging)."""
        positions = np.flatnonzero(mask)
        ranks = self.rank[positions]
        if below is not None:
            keep = ranks < below
            positions, ranks = positions[keep], ranks[keep]
        if len(ranks) > limit:
            chosen = np.argpartition(-ranks, limit - 1)[:limit]
            positions, ranks = positions[chosen], ranks[chosen]
        return self.ids[positions[np.argsort(-ranks)]].tolist()

    def rank_of_key(self, conn, key: str) -> int:
        """How many articles have a sort_key before ``key`` (one seek in its index)."""
        found = conn.execute("select rowid from articles indexed by idx_articles_sort_key where sort_key >= ? "
                             "order by sort_key limit 1", [key]).fetchone()
        return self.size if found is None else int(self.rank[np.searchsorted(self.ids, found[0])])

    def counts(self, mask: np.ndarray | None, specs: list[tuple[str, str]]) -> dict[tuple[str, str], Counter]:
        """Facet counts over the masked articles (all when None): per value, the articles whose
        column holds it (an array's value counted once per article, like Datasette's)."""
        out = {}
        for spec in specs:
            column = spec[1]
            codes = self.codes[column] if mask is None else self.codes[column][mask]
            per_code = np.bincount(codes[codes >= 0], minlength=len(self.values[column]))
            counter = Counter()
            for code in np.flatnonzero(per_code):
                number = int(per_code[code])
                if spec[0] == "column":
                    counter[self.values[column][code]] += number
                else:
                    for item in self.items[column][code]:
                        counter[item] += number
            out[spec] = counter
        return out

    def month_source_counts(self, mask: np.ndarray | None) -> list[tuple[str, str, int]]:
        """(month, source, articles) of the masked articles with a month, as ``group by 1, 2``."""
        months, sources = self.codes["published_month"], self.codes["source"]
        keep = (months >= 0) if mask is None else (mask & (months >= 0))
        width = len(self.values["source"]) + 1
        combined = months[keep].astype(np.int64) * width + (sources[keep] + 1)
        per_pair = np.bincount(combined, minlength=len(self.values["published_month"]) * width)
        out = []
        for pair in np.flatnonzero(per_pair):
            month, source = divmod(int(pair), width)
            out.append((self.values["published_month"][month],
                        self.values["source"][source - 1] if source else None, int(per_pair[pair])))
        return out


_UNKNOWN = object()


def _as_stored(column: str, value):
    """A parameter as SQLite compares it with the column (affinity), or _UNKNOWN."""
    if column in INTEGER_COLUMNS:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,18}", value):
            return int(value)
        return _UNKNOWN
    return value if isinstance(value, str) else _UNKNOWN


def read_snapshot(path: str | Path, version: int) -> Snapshot | None:
    """Every article's facet columns, read in one read transaction on a connection of its own;
    None when the archive changed while it was read (or is not shaped for it)."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        conn.execute("begin")
        # One pass over each column's own index: per distinct value, the ids that hold it (a
        # text of integers, parsed in C), instead of a million rows of Python objects.
        grouped = {column: _grouped(conn, column) for column in ("source", *COLUMNS[1:], "published_date")}
        ids = np.sort(np.concatenate([found for _, found in grouped["source"]] or [np.zeros(0, np.int64)]))
        codes, values = {}, {}
        for column, groups in grouped.items():
            codes[column] = np.full(len(ids), -1, dtype=np.int32)
            values[column] = [value for value, _ in groups]
            for code, (_, found) in enumerate(groups):
                codes[column][np.searchsorted(ids, found)] = code
        in_order = _ids(conn.execute("select group_concat(rowid) from (select rowid from articles "
                                     "indexed by idx_articles_sort_key order by sort_key)").fetchone()[0])
        if len(in_order) != len(ids):
            return None
        rank = np.empty(len(ids), dtype=np.int64)
        rank[np.searchsorted(ids, in_order)] = np.arange(len(ids))
        region_ids = {code: _ids(found) for code, found in conn.execute(
            "select code, group_concat(article_id) from article_regions where code is not null group by code")}
        conn.execute("commit")
    finally:
        conn.close()
    if version_of(path) != version:
        return None
    items: dict[str, list[tuple]] = {}
    for column in ARRAY_COLUMNS:
        parsed = [_flat_items(text) for text in values[column]]
        if all(p is not None for p in parsed):  # else this column's filters go to SQLite
            items[column] = parsed
    dates = values.pop("published_date")
    date_code = codes.pop("published_date")
    if not all(isinstance(d, str) and len(d) == 10 for d in dates) or (len(ids) and ids[-1] >= 10**12):
        date_code, dates = None, []  # a sort_key not of the form date|12-digit id
    return Snapshot(version, ids, codes, values, items, date_code, dates, rank, region_ids)


def _grouped(conn, column: str) -> list[tuple[object, np.ndarray]]:
    """(value, ids of the articles holding it) for each distinct non-null value, in SQLite's order."""
    return [(value, _ids(found)) for value, found in conn.execute(
        f"select [{column}], group_concat(rowid) from articles where [{column}] is not null "
        f"group by [{column}] order by [{column}]")]


class FacetColumns:
    """The current snapshot of each archive file, read again in the background after a commit."""

    def __init__(self):
        self._snapshots: dict[str, Snapshot] = {}
        self._reading: dict[str, asyncio.Future] = {}
        self._rest_until: dict[str, float] = {}

    def _start(self, path: str, version: int, now: bool = False) -> asyncio.Future | None:
        """Read a snapshot in a thread (one at a time). Unless ``now``, not before as long a
        rest as the last reading took: while a crawl commits every few seconds the server does
        not spend a core re-reading, and SQLite answers (as it did before snapshots)."""
        task = self._reading.get(path)
        if task is None or task.done():
            if not now and time.monotonic() < self._rest_until.get(path, 0.0):
                return None

            async def read():
                started = time.monotonic()
                try:
                    snapshot = await asyncio.to_thread(read_snapshot, path, version)
                except (sqlite3.Error, ValueError) as error:
                    # An archive not shaped for it (no sort_key yet, a table missing) or a read
                    # that failed: no snapshot, SQLite answers everything as before.
                    logging.getLogger(__name__).warning("facet columns not read from %s: %s", path, error)
                    snapshot = None
                finally:
                    self._rest_until[path] = 2 * time.monotonic() - started
                if snapshot is not None:
                    self._snapshots[path] = snapshot
                return snapshot

            task = self._reading[path] = asyncio.ensure_future(read())
        return task

    def _kept(self, path: str | None) -> tuple[int | None, Snapshot | None]:
        """The archive's current version, and the snapshot kept of it if there is one."""
        version = version_of(path) if path else None
        snapshot = self._snapshots.get(path) if version is not None else None
        return version, snapshot if snapshot is not None and snapshot.version == version else None

    async def ready(self, path: str | None) -> Snapshot | None:
        """The snapshot of the archive's current version, read now if need be (server start)."""
        for _ in range(3):  # a reading of an earlier version may be under way: then one more
            version, snapshot = self._kept(path)
            if version is None or snapshot is not None:
                return snapshot
            snapshot = await self._start(path, version, now=True)
            if snapshot is not None and snapshot.version == version_of(path):
                return snapshot
        return None

    def current(self, path: str | None) -> Snapshot | None:
        """The snapshot of the archive's current version, or None (and one is read in the
        background, for the requests after this one)."""
        version, snapshot = self._kept(path)
        if version is not None and snapshot is None:
            self._start(path, version)
        return snapshot


COLUMNS_IN_MEMORY = FacetColumns()
LONGEST_ID_LIST = 1_000_000_000  # SQLite's own largest string: 75,000,000 ids of 12 digits
# Questions answered from a snapshot, and those handed back to SQLite (a commit in between, a
# part it cannot reproduce): what the tests check was used.
USED = Counter()


# Answers computed from a snapshot, kept for its version like every other read of the site
# (archive/query_cache.py): a repeated question is not computed again.
KEPT = VersionedCache(max_entries=256, max_bytes=32 * 1024 * 1024)


async def answered(database, snapshot: Snapshot, question, key: tuple | None = None) -> object | None:
    """``question(conn, snapshot)`` on one of Datasette's read connections, its answer kept only
    if no commit happened since the snapshot was read (versions compared before and after).
    With a ``key``, the answer is kept for the snapshot's version and served again while the
    archive is still at it."""
    if key is not None:
        return await KEPT.get_or_compute(("facet_columns", database.path, *key), snapshot.version,
                                         lambda: answered(database, snapshot, question), _approximate_size)

    def run(conn):
        if version_of(database.path) != snapshot.version:
            return None
        # The ids of a broad match are one long text (7 MB for 973,000 ids), over the length the
        # site allows the SQL people write (archive/plugins/guard.py): raised for this statement
        # of ours alone, on the connection's own thread, and put back before anything else runs.
        allowed = conn.getlimit(sqlite3.SQLITE_LIMIT_LENGTH)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, LONGEST_ID_LIST)
        try:
            answer = question(conn, snapshot)
        finally:
            conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, allowed)
        if version_of(database.path) != snapshot.version:
            answer = None
        USED["answered" if answer is not None else "declined"] += 1
        return answer

    return await database.execute_fn(run)


KEPT_MATCHES = 64


def _approximate_size(value) -> int:
    return 256 + len(repr(value))


def fts_mask(conn, snapshot: Snapshot, table: str, match_sql: str, params) -> np.ndarray:
    """Mask of the articles whose id the full-text index ``table`` returns for the match (the
    last KEPT_MATCHES kept with the snapshot, so with its version)."""
    key = (table, match_sql, tuple(params))
    with snapshot.lock:
        kept = snapshot.matches.get(key)
        if kept is not None:
            snapshot.matches.move_to_end(key)
    if kept is not None:
        return np.unpackbits(kept, count=snapshot.size).astype(bool)
    text = conn.execute(f"select group_concat(rowid) from [{table}] where [{table}] match {match_sql}",
                        params).fetchone()[0]
    mask = snapshot.mask_of_ids(_ids(text))
    with snapshot.lock:
        snapshot.matches[key] = np.packbits(mask)
        while len(snapshot.matches) > KEPT_MATCHES:
            snapshot.matches.popitem(last=False)
    return mask


def region_mask(snapshot: Snapshot, code: str, like: bool = False) -> np.ndarray | None:
    """Articles naming the region or a place inside it: the research search's condition
    ``code = ? or (code > ? || '.' and code < ? || '/')``, or with ``like`` coverage_over_time's
    ``code = ? or code like ? || '.%'``; kept with the snapshot (the same for every question
    about that region)."""
    if not isinstance(code, str):
        return None
    key = ("like:" if like else "range:") + code
    with snapshot.lock:
        kept = snapshot.region_masks.get(key)
        if kept is not None:
            snapshot.region_masks.move_to_end(key)
    found = None if kept is None else np.unpackbits(kept, count=snapshot.size).astype(bool)
    if found is None:
        if like:
            # SQLite's LIKE: "%" any text, "_" any character, ASCII letters in any case.
            pattern = re.compile("".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in code + ".%"),
                                 re.IGNORECASE | re.ASCII | re.DOTALL)
            chosen = [c for c in snapshot.region_ids if c == code or pattern.fullmatch(c)]
        else:
            chosen = [c for c in snapshot.region_ids if c == code or code + "." < c < code + "/"]
        found = snapshot.mask_of_ids(np.unique(np.concatenate([snapshot.region_ids[c] for c in chosen])))\
            if chosen else np.zeros(snapshot.size, dtype=bool)
        with snapshot.lock:
            snapshot.region_masks[key] = np.packbits(found)
            while len(snapshot.region_masks) > KEPT_MATCHES:
                snapshot.region_masks.popitem(last=False)
    return found


def search_mask(conn, snapshot: Snapshot, search) -> np.ndarray | None:
    """Mask of the articles ``archive.research.Search.where()`` selects, or None where this
    module cannot reproduce a part of it exactly."""
    from archive.research import Leaf, _date_bound, _fts_literal, parse

    def of(tree):
        if tree is None:
            return np.ones(snapshot.size, dtype=bool)
        if isinstance(tree, Leaf):
            table = "article_stems_fts" if tree.kind == "stems" else "articles_fts"
            return fts_mask(conn, snapshot, table, "?", [_fts_literal(tree.words, tree.kind == "phrase")])
        parts = [of(child) for child in tree.children]
        if any(p is None for p in parts):
            return None
        if tree.op == "not":
            return ~parts[0]
        combined = parts[0].copy()
        for part in parts[1:]:
            combined = combined & part if tree.op == "and" else combined | part
        return combined

    masks = [of(parse(search.q))]
    if search.date_from or search.date_to:
        masks.append(snapshot.date_between(
            _date_bound(search.date_from, "from") if search.date_from else "0001-01-01",
            (_date_bound(search.date_to, "to") if search.date_to else "9999-12-31") + "|~"))
    if search.source:
        masks.append(snapshot.equal("source", [search.source]))
    if search.region:
        masks.append(region_mask(snapshot, search.region))
    if search.type:
        masks.append(snapshot.contains("election_types", search.type))
    if search.stage:
        masks.append(snapshot.equal("focus_stage", [search.stage]) if search.stage_column == "focus_stage"
                     else snapshot.contains("election_stages", search.stage))
    if search.mentions:
        masks.append(snapshot.contains("election_stages", search.mentions))
    if any(m is None for m in masks):
        return None
    mask = masks[0]
    for other in masks[1:]:
        mask = mask & other
    return mask


def research_page(conn, snapshot: Snapshot, search, size: int, after: str | None, columns: str, extra: str):
    """(total, rows) of a newest-first research page: the total and the page's ids from the
    masks, the rows read on the same connection (so of the same version), or None."""
    mask = search_mask(conn, snapshot, search)
    if mask is None:
        return None
    below = snapshot.rank_of_key(conn, after) if after else None
    ids = snapshot.newest(mask, size + 1, below)
    rows = []
    if ids:
        marks = ", ".join("?" * len(ids))
        cursor = conn.execute(f"select {columns}, {extra} from articles a where a.id in ({marks}) "
                              f"order by a.sort_key desc", ids)
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return int(mask.sum()), rows


def table_mask(conn, snapshot: Snapshot, where: str, params: dict) -> np.ndarray | None:
    """Mask of a WHERE of the articles table page that ``archive.search_plan.covered_where``
    accepts (its search and its filters on facet columns), or None."""
    from archive.search_plan import COLUMN_FILTER, FTS_CLAUSE

    mask = None
    for part in where.split(" and "):
        if part == FTS_CLAUSE:
            found = fts_mask(conn, snapshot, "articles_fts", "escape_fts(?)", [params["search"]])
        else:
            filtered = COLUMN_FILTER.match(part)
            names = re.findall(r":(\w+)", part)
            if not filtered or filtered["column"] not in snapshot.codes or any(n not in params for n in names):
                return None
            found = snapshot.equal(filtered["column"], [params[n] for n in names])
        if found is None:
            return None
        mask = found if mask is None else mask & found
    return mask


def canned_sql(name: str) -> str:
    """The SQL of a canned query of archive/metadata.yml."""
    import yaml

    metadata = yaml.safe_load(Path(__file__).with_name("metadata.yml").read_text("utf-8"))
    return metadata["databases"]["archive"]["queries"][name]["sql"].strip()


def coverage_sql() -> str:
    return canned_sql("coverage_over_time")


def coverage(conn, snapshot: Snapshot, params: dict) -> list[tuple] | None:
    """coverage_over_time's rows (month, articles, election_articles), or None."""
    if set(params) != {"source", "region", "type", "stage"} or not all(isinstance(v, str) for v in params.values()):
        return None
    masks = []
    if params["source"] != "":
        masks.append(snapshot.equal("source", [params["source"]]))
    if params["region"] != "":
        masks.append(region_mask(snapshot, params["region"], like=True))
    if params["type"] != "":
        masks.append(snapshot.contains("election_types", params["type"]))
    if params["stage"] != "":
        masks.append(snapshot.contains("election_stages", params["stage"]))
    if any(m is None for m in masks) or not all(isinstance(v, int) for v in snapshot.values["election_related"]):
        return None
    months = snapshot.codes["published_month"]
    keep = months >= 0
    for mask in masks:
        keep &= mask
    related = snapshot.codes["election_related"]
    weights = np.array(snapshot.values["election_related"] + [0], dtype=np.int64)[related]  # code -1: null
    size = len(snapshot.values["published_month"])
    articles = np.bincount(months[keep], minlength=size)
    election = np.bincount(months[keep], weights=weights[keep], minlength=size).astype(np.int64)
    counted = np.bincount(months[keep], weights=(related[keep] >= 0), minlength=size)
    return [(snapshot.values["published_month"][m], int(articles[m]), int(election[m]) if counted[m] else None)
            for m in np.flatnonzero(articles)]
