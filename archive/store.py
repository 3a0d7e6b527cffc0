"""Writing articles into the archive: batched, idempotent, never losing what was stored.

:class:`ArchiveWriter` takes normalised article dicts and applies them in one transaction per
batch. For each article it decides: new, unchanged, updated (the previous text is kept as a
version), or another copy of a known release (recorded as an alias of it). The articles row always
shows the newest text; ``article_versions`` keeps every text it had before, with its WARC record.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from sqlite_utils import Database

from archive.schema import FTS
from indonesian.dates import DateResult, strength, utc_stamp
from indonesian.regions import gazetteer
from indonesian.similarity import SKETCH_SIZE, containment, shingle_array, shingles, sketch_of
from indonesian.stemming import stem_text
from indonesian.urls import host_of

# Two versions of one story: from another source, published at most CLUSTER_DAYS apart, and
# the shorter text standing at least this much in the longer one.
CLUSTER_CONTAINMENT = 0.8
CLUSTER_DAYS = 30
ARTICLE_FIELDS = [
    "url", "source", "title", "body", "published_date", "published_month", "published_at",
    "date_text", "date_method", "date_confidence", "author", "dateline", "source_unit",
    "captions", "related", "tags", "image_urls", "election_related", "election_score",
    "election_terms", "election_types", "election_stages", "institutions", "focus_stage", "regions",
    "publisher_region", "places", "word_count", "parser", "release_key", "content_hash", "fetched_at",
    "warc_file", "warc_record_id",
]
# json.dumps(value, ensure_ascii=False) without building an encoder on every call.
_json = json.JSONEncoder(ensure_ascii=False).encode
# What a page shows about an article besides its text: taken from the originating host's copy.
PRESENTATION_FIELDS = ("author", "image_urls", "captions", "related", "tags", "source_unit", "parser")
DATE_FIELDS = ["published_date", "published_month", "published_at", "date_text", "date_method",
               "date_confidence"]
JSON_FIELDS = {"captions", "related", "tags", "image_urls", "election_terms", "election_types",
               "election_stages", "institutions", "regions"}
# What the database raises for one item it refuses (text that is not valid Unicode, a value of
# the wrong type, a broken constraint); anything else is a storage error and aborts the batch.
ITEM_ERRORS = (UnicodeError, ValueError, TypeError, sqlite3.InterfaceError, sqlite3.IntegrityError,
               sqlite3.ProgrammingError)


FIND_SQL = """
    select *, 'url' as found_by from articles where url = :url
    union all
    select a.*, 'alias' from article_aliases l join articles a on a.id = l.article_id where l.url = :url
    union all
    select * from (select *, 'release' from articles where release_key = :key order by id limit 1)
    limit 1
"""


INDEX_SQL = {
    table: f"insert into [{table}_fts] (rowid, {', '.join(f'[{c}]' for c in spec['columns'])}) "
           f"values (?{', ?' * len(spec['columns'])})"
    for table, spec in FTS.items()
}


@contextmanager
def writing(db: Database):
    """A write transaction that takes the write lock at its start (BEGIN IMMEDIATE), so that
    it waits for another writer (busy_timeout) instead of failing when it upgrades from a read,
    as a deferred transaction does in WAL mode. Nested use is a savepoint."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _date_strength(row: dict) -> int:
    return strength(DateResult(row["published_date"], row["published_at"], row["date_text"],
                               row["date_method"], row["date_confidence"]))


def places_of(codes: list[str]) -> str:
    """JSON list of the regions named and every region containing them, as "code name", most
    general first (see ``archive.schema``: the ``places`` column)."""
    return _places_of(tuple(codes or ()))


@lru_cache(maxsize=4096)  # articles of one regency name the same few regions
def _places_of(codes: tuple[str, ...]) -> str:
    names = gazetteer()
    found: set[str] = set()
    for code in codes or []:
        while code in names and code not in found:
            found.add(code)
            code = names[code].parent
    return _json([f"{code} {names[code].name}" for code in sorted(found)])


def row_from_item(item: dict) -> dict:
    row = {k: item.get(k) for k in ARTICLE_FIELDS}
    row["places"] = places_of(item.get("regions"))
    if row["regions"]:
        # "62.01 Kabupaten Kotawaringin Barat": readable in facets; codes are in article_regions.
        names = gazetteer()
        row["regions"] = [f"{code} {names[code].name}" for code in row["regions"] if code in names]
    for key in JSON_FIELDS:
        row[key] = _json(row[key]) if row[key] else "[]"
    if row["election_related"] is not None:
        row["election_related"] = int(bool(row["election_related"]))
    row["published_month"] = (row["published_date"] or "")[:7] or None
    row["word_count"] = len((row["body"] or "").split())
    return row


PREPARED = "_prepared"


def prepared(item: dict) -> dict:
    """The item with what the writer derives from it computed beforehand (its article row, its
    stems, its shingle hashes), under the key ``_prepared``: a bulk build computes these in
    another process while the writer writes (bench/synth.py). The item must not change after.
    An item whose values cannot be derived is handed on as it is: the writer rejects it with
    its reason, as any item it cannot store."""
    try:
        row = row_from_item(item)
        return {**item, PREPARED: (row, _stems_of(row), shingle_array(row["body"]))}
    except ITEM_ERRORS:
        return item


def _stems_of(row: dict) -> str:
    return stem_text(f"{row['title'] or ''} {row['body'] or ''}")


def _any_host(url: str) -> int:
    return 0


class ArchiveWriter:
    """``host_rank(url)``: 0 for the host that originates a release, higher for hosts that copy
    it (a source's fact, handed in by the crawler); a copy from a better-ranked host takes over
    the article's URL."""

    def __init__(self, db: Database, run_id: str | None = None, host_rank=_any_host, cache_mb: int = 64):
        self.db = db
        # Every new article inserts at random places of the URL, release-key and sketch indexes;
        # with SQLite's default 2 MB page cache nearly each of those is a read of the file.
        # Memory only: durability stays WAL + synchronous=NORMAL (archive/connect.py).
        db.execute(f"PRAGMA cache_size = -{int(cache_mb) * 1024}")
        # Pages copied from the WAL into the file every 40 MB instead of every 4 MB: an index page
        # rewritten by many batches is copied once (and synced once) per checkpoint.
        db.execute("PRAGMA wal_autocheckpoint = 10000")
        # A bulk load killed before its end left indexes and full-text entries to make: made now.
        finish_bulk_load(db)
        self.bulk_loading = False
        self.run_id = run_id
        self.host_rank = host_rank
        self.counts = {"new": 0, "updated": 0, "unchanged": 0, "aliased": 0, "held_back": 0, "rejected": 0}
        self.rejected: list[dict] = []  # items the database refused, with their reason
        self.reader = db.conn.cursor()
        self.reader.row_factory = sqlite3.Row
        self.unresolved = {r[0] for r in db.execute("select url from failed_pages where resolved_at is null")}

    @contextmanager
    def bulk(self):
        """A large load (a first crawl, a rebuilt archive): the indexes the writer does not read
        and the full-text entries are made once at the end instead of row by row, as
        ``insert_all`` followed by ``create_index`` and ``enable_fts`` would
        (:func:`start_bulk_load`). Every batch is still its own committed transaction; until the
        end, searches and facets of the archive are incomplete."""
        start_bulk_load(self.db)
        self.bulk_loading = True
        try:
            yield self
        finally:
            self.bulk_loading = False
            finish_bulk_load(self.db)

    def write(self, items: list[dict]) -> list[str]:
        """Apply a batch in one transaction; returns what happened to each item.

        The batch is first written as a whole, without a savepoint per item: a savepoint makes
        SQLite copy every already-changed page an item touches into its sub-journal, which cost
        as much as the writing itself (``bench/profile_store.py``). Only when the database
        refuses an item is that attempt rolled back and the batch written again with each item
        in a savepoint of its own, so that the refused item alone is rejected."""
        held_back, rejected, unresolved = self.counts["held_back"], len(self.rejected), set(self.unresolved)
        try:
            try:
                with writing(self.db):
                    outcomes = [self._write_one(item) for item in items]
            except ITEM_ERRORS:
                # Nothing of this attempt stayed: write the batch again, item by item.
                self.counts["held_back"], self.unresolved = held_back, set(unresolved)
                with writing(self.db):
                    outcomes = [self._write_isolated(item) for item in items]
        except BaseException:
            # The batch was rolled back (disk full, damaged file, I/O): nothing happened.
            self.counts["held_back"], self.unresolved = held_back, unresolved
            del self.rejected[rejected:]
            raise
        for outcome in outcomes:
            self.counts[outcome] += 1
        return outcomes

    def _write_isolated(self, item: dict) -> str:
        """One item in a savepoint of its own: an item the database refuses (text that is not
        valid Unicode, a value of the wrong type) is rejected alone, with its reason, and the
        rest of the batch is stored. Storage errors still abort the whole batch."""
        try:
            with self.db.atomic():
                return self._write_one(item)
        except ITEM_ERRORS as error:
            self.rejected.append({"url": item.get("url") or item.get("fetched_url"),
                                  "reason": f"not stored: {type(error).__name__}: {error}"[:300]})
            return "rejected"

    def _one(self, sql: str, params: list) -> dict | None:
        row = self.reader.execute(sql, params).fetchone()
        return dict(row) if row else None

    def _find(self, url: str, release_key: str | None) -> tuple[dict | None, str]:
        """The stored article this item is: by URL, by an alias URL, or by its release key (in
        that order; one statement, as most items of a first crawl are new and match none)."""
        row = self._one(FIND_SQL, {"url": url, "key": release_key})
        return (row, row.pop("found_by")) if row else (None, "")

    def _insert(self, table: str, row: dict) -> int:
        columns = ", ".join(f'"{c}"' for c in row)
        sql = f'insert into "{table}" ({columns}) values ({", ".join("?" * len(row))})'
        return self.db.conn.execute(sql, list(row.values())).lastrowid

    def _index(self, table: str, rowid: int, row: dict) -> None:
        """Full-text index a new row (updates and deletes are indexed by triggers, see schema)."""
        self.db.conn.execute(INDEX_SQL[table], [rowid, *(row[c] for c in FTS[table]["columns"])])

    def _update(self, article_id: int, changes: dict) -> None:
        assignments = ", ".join(f'"{c}" = ?' for c in changes)
        self.db.conn.execute(f"update articles set {assignments} where id = ?", [*changes.values(), article_id])
        if "published_date" in changes:
            # Story clusters are looked up by the sketch's day: it follows the article's date.
            self.db.conn.execute("update article_sketches set day = ? where article_id = ?",
                                 [changes["published_date"], article_id])

    def _write_one(self, item: dict) -> str:
        outcome, article_id = self._write_article(item)
        now = utc_stamp()
        for alias in item.get("aliases") or []:
            if alias != item["url"] and not self.reader.execute(
                    "select 1 from articles where url = ?", [alias]).fetchone():
                self._alias(alias, article_id, now)
        self._frontier(item, now)
        return outcome

    def _frontier(self, item: dict, now: str) -> None:
        """This page is stored (its frontier entries are done); the article URLs first found on
        it wait in the frontier, in the same transaction, until they are stored too."""
        done = [item["url"], *(item.get("aliases") or [])]
        self.db.conn.executemany("update frontier set done_at = ?, outcome = 'stored' where url = ? "
                                 "and done_at is null", [(now, url) for url in done])
        if not item.get("discovered"):
            return
        self.db.conn.executemany(
            "insert into frontier (url, source, found_on, found_at) select ?, ?, ?, ? where not exists "
            "(select 1 from articles where url = ?) and not exists (select 1 from article_aliases where url = ?) "
            "on conflict(url) do nothing",
            [(url, item["source"], item["url"], now, url, url) for url in item.get("discovered") or []])

    def _write_article(self, item: dict) -> tuple[str, int]:
        if PREPARED in item:  # a copy: a batch written again item by item starts from the same row
            row, stems, shingled = dict(item[PREPARED][0]), *item[PREPARED][1:]
        else:
            row, stems, shingled = row_from_item(item), None, None
        now = utc_stamp()
        existing, how = self._find(row["url"], row["release_key"])
        if existing is None:
            row.update(first_seen_at=now, last_seen_at=now, version=1)
            article_id = self._insert("articles", row)
            if not self.bulk_loading:
                self._index("articles", article_id, row)
            self._stem(article_id, row, new=True, stems=stems)
            self._regions(article_id, item, new=True)
            self._cluster(article_id, row, new=True, shingled=shingled)
            self._resolve_failure(row["url"], now)
            return "new", article_id
        article_id = existing["id"]
        self._resolve_failure(row["url"], now)
        if how == "release" or (how == "alias" and existing["url"] != row["url"]):
            return self._merge_copy(existing, row, now), article_id
        if existing["content_hash"] == row["content_hash"]:
            changes = {"last_seen_at": now, "fetched_at": row["fetched_at"], "removed_at": None}
            changes.update(self._better_date(existing, row))
            if "generic" in (existing["parser"] or "") and "generic" not in (row["parser"] or ""):
                # Read by the selectors again after a layout break: the same text, now vouched for
                # (and no longer re-checked on every run).
                changes.update({k: row[k] for k in ("parser", "author", "captions", "related", "image_urls",
                                                    "dateline", "source_unit")})
            self._update(article_id, changes)
            return "unchanged", article_id
        if "generic" in (row["parser"] or "") and "generic" not in (existing["parser"] or ""):
            # The page no longer matches the selectors (layout change?): the generic extractor's
            # text is not trusted to replace what the selectors extracted. Health reports it.
            self.counts["held_back"] += 1
            self._update(article_id, {"last_seen_at": now, "removed_at": None})
            return "unchanged", article_id
        self._keep_version(existing)
        row.update(last_seen_at=now, version=(existing["version"] or 1) + 1, removed_at=None)
        row.pop("url")
        self._update(article_id, row)
        self._regions(article_id, item)
        self._cluster(article_id, {**row, "cluster_id": existing["cluster_id"]}, shingled=shingled)
        self._stem(article_id, row, stems=stems)
        return "updated", article_id

    def _merge_copy(self, existing: dict, row: dict, now: str) -> str:
        """Another host's copy of a known release: recorded as an alias, never a second article."""
        article_id = existing["id"]
        changes = {"last_seen_at": now, **self._better_date(existing, row)}
        if self.host_rank(row["url"]) < self.host_rank(existing["url"]):
            # The originating host's copy arrived after a portal copy: it becomes the
            # article's URL, and the portal URL an alias. Fields the portal lacked are filled.
            self._alias(row["url"], article_id, now, delete=True)
            self._alias(existing["url"], article_id, now)
            changes["url"] = row["url"]
            # Its presentation fields win where it has them; where it has none the copy's stay.
            for key in PRESENTATION_FIELDS:
                if row.get(key) not in (None, "", "[]"):
                    changes[key] = row[key]
        else:
            self._alias(row["url"], article_id, now)
            # A copy fills what the originating host's page lacks. Together with the rule above,
            # the article is the same whichever copy the crawl happened to store first.
            for key in PRESENTATION_FIELDS:
                if existing.get(key) in (None, "", "[]") and row.get(key) not in (None, "", "[]"):
                    changes[key] = row[key]
        self._update(article_id, changes)
        return "aliased"

    @staticmethod
    def _better_date(existing: dict, row: dict) -> dict:
        if _date_strength(row) > _date_strength(existing):
            return {k: row[k] for k in DATE_FIELDS}
        if existing["published_at"] is None and row["published_at"] and row["published_date"] == existing["published_date"]:
            return {"published_at": row["published_at"]}
        return {}

    def _alias(self, url: str, article_id: int, now: str, delete: bool = False) -> None:
        if delete:
            self.db.execute("delete from article_aliases where url = ?", [url])
            return
        self.db.execute(
            "insert into article_aliases (url, article_id, host, first_seen_at) values (?, ?, ?, ?)"
            " on conflict(url) do update set article_id = excluded.article_id",
            [url, article_id, host_of(url), now])

    def _keep_version(self, existing: dict) -> None:
        """The text an article had until now, kept before the row shows the new one."""
        self._insert("article_versions", {
            "article_id": existing["id"], "version": existing["version"] or 1,
            "fetched_at": existing["fetched_at"], "title": existing["title"], "body": existing["body"],
            "content_hash": existing["content_hash"], "run_id": self.run_id, "parser": existing["parser"],
            "warc_file": existing["warc_file"], "warc_record_id": existing["warc_record_id"],
        })

    def _cluster(self, article_id: int, row: dict, new: bool = False, shingled=None) -> None:
        """Link another source's version of the same story (published within CLUSTER_DAYS)."""
        mine = shingle_array(row["body"]) if shingled is None else shingled
        values = mine[:SKETCH_SIZE].tolist()
        day = row["published_date"]
        if not new:
            self.db.conn.execute("delete from article_sketches where article_id = ?", [article_id])
        _insert_sketch(self.db, article_id, values, day, row["source"])
        if len(values) < SKETCH_SIZE // 2 or not day:
            return
        start, end = (str(date.fromisoformat(day) + timedelta(days=d)) for d in (-CLUSTER_DAYS, CLUSTER_DAYS))
        marks = ", ".join("?" * len(values))
        # Ties on the count go to the newest article: the order SQLite 3.40 gave them when the
        # query said only "shared desc" (checked on 300 random look-ups), now stated.
        shared = self.reader.execute(
            f"select article_id, count(*) as shared from article_sketches where hash in ({marks}) "
            "and day between ? and ? and source != ? and article_id != ? "
            "group by article_id having shared >= ? order by shared desc, article_id desc limit 3",
            [*values, start, end, row["source"], article_id, SKETCH_SIZE // 4]).fetchall()
        best, best_score = None, 0.0
        if shared:
            mine = set(mine.tolist())
        for candidate in shared:
            other = self._one("select id, cluster_id, body from articles where id = ?", [candidate["article_id"]])
            score = containment(mine, shingles(other["body"]))
            if score > best_score:
                best, best_score = other, score
        if best and best_score >= CLUSTER_CONTAINMENT:
            cluster = best["cluster_id"] or row.get("cluster_id") or best["id"]
            self.db.conn.execute("update articles set cluster_id = ? where id in (?, ?)",
                                 [cluster, best["id"], article_id])

    def _regions(self, article_id: int, item: dict, new: bool = False) -> None:
        if not new:
            self.db.conn.execute("delete from article_regions where article_id = ?", [article_id])
        self.db.conn.executemany("insert into article_regions (article_id, code) values (?, ?)",
                                 [(article_id, code) for code in item.get("regions") or []])

    def _stem(self, article_id: int, row: dict, new: bool = False, stems: str | None = None) -> None:
        stems = {"id": article_id, "stem": _stems_of(row) if stems is None else stems}
        if new:
            self._insert("article_stems", stems)
            if not self.bulk_loading:
                self._index("article_stems", article_id, stems)
        else:
            self.db.conn.execute("update article_stems set stem = ? where id = ?", [stems["stem"], article_id])

    def _resolve_failure(self, url: str, now: str) -> None:
        if url not in self.unresolved:
            return
        self.unresolved.discard(url)
        self.db.execute("update failed_pages set resolved_at = ? where url = ? and resolved_at is null",
                        [now, url])


BULK_LOAD_KEY = "bulk_load"
# The indexes the writer reads while it writes (FIND_SQL, the story look-up, updates by article):
# kept during a bulk load. Every other index of these tables is dropped and made again at its end.
BULK_KEPT_INDEXES = {("articles", ("url",)), ("articles", ("release_key",))}
BULK_TABLES = ("articles", "article_regions")


def start_bulk_load(db: Database) -> None:
    """Drop what a bulk load makes at its end, in one transaction that also records it (in
    ``archive_meta``, key ``bulk_load``: the SQL of every index and full-text trigger dropped).
    A load killed half-way is finished by the next writer that opens the archive
    (:func:`finish_bulk_load`); a load started again over an unfinished one continues it."""
    with writing(db):
        if db.execute("select 1 from archive_meta where key = ?", [BULK_LOAD_KEY]).fetchone():
            return
        dropped = []
        marks = ", ".join("?" * len(BULK_TABLES))
        for name, table, sql in db.execute(
                f"select name, tbl_name, sql from sqlite_master where type = 'index' and sql is not null "
                f"and tbl_name in ({marks}) order by name", BULK_TABLES).fetchall():
            columns = tuple(r[2] for r in db.execute(f"pragma index_info([{name}])"))
            if (table, columns) not in BULK_KEPT_INDEXES:
                dropped.append(["index", name, sql])
        # The full-text triggers (updates and deletes of indexed text): the index is rebuilt
        # from the rows at the end, so nothing may edit it meanwhile.
        fts_tables = list(FTS)
        dropped += [["trigger", name, sql] for name, sql in db.execute(
            f"select name, sql from sqlite_master where type = 'trigger' and tbl_name in "
            f"({', '.join('?' * len(fts_tables))}) order by name", fts_tables).fetchall()]
        db.execute("insert into archive_meta (key, value) values (?, ?)", [BULK_LOAD_KEY, json.dumps(dropped)])
        for kind, name, _ in dropped:
            db.execute(f"drop {kind} [{name}]")


def finish_bulk_load(db: Database) -> bool:
    """Make what :func:`start_bulk_load` dropped, rebuild both full-text indexes from the rows
    (articles written meanwhile were not indexed), in one transaction. False when no bulk load
    was under way."""
    recorded = db["archive_meta"].exists() and db.execute(
        "select value from archive_meta where key = ?", [BULK_LOAD_KEY]).fetchone()
    if not recorded:
        return False
    with writing(db):
        dropped = json.loads(recorded[0])
        for kind, name, sql in dropped:
            if not db.execute("select 1 from sqlite_master where type = ? and name = ?", [kind, name]).fetchone():
                db.execute(sql)
        for table in FTS:
            db.execute(f"insert into [{table}_fts] ([{table}_fts]) values ('rebuild')")
        if db.execute("select 1 from sqlite_master where name = 'sqlite_stat1'").fetchone():
            for kind, name, _ in dropped:
                if kind == "index":
                    db.execute(f"analyze [{name}]")
        db.execute("delete from archive_meta where key = ?", [BULK_LOAD_KEY])
    return True


def mark_removed(db: Database, url: str) -> bool:
    """A known article its source no longer serves (404/410): marked, never deleted."""
    with writing(db):
        cursor = db.execute("update articles set removed_at = coalesce(removed_at, ?) where url = ?",
                            [utc_stamp(), url])
    return cursor.rowcount > 0


def describe_source(db: Database, name: str, facts: dict) -> None:
    """The ``sources`` row of a source, as its spider declares it."""
    with writing(db):
        db["sources"].upsert({"name": name, **facts, "hosts": json.dumps(facts.get("hosts") or []),
                              "updated_at": utc_stamp()}, pk="name")


def resolve_failures(db: Database, urls, still_failing=frozenset()) -> None:
    """Pages (listings, API pages) that failed before and were read now, and the entries of them
    that failed before (``<page>#entry-N``) and did not fail this time."""
    now = utc_stamp()
    with writing(db):
        for url in urls:
            if url in still_failing:
                continue
            entries = [r[0] for r in db.execute(
                "select url from failed_pages where resolved_at is null and (url = ? or substr(url, 1, ?) = ?)",
                [url, len(url) + 1, url + "#"])]
            db.conn.executemany("update failed_pages set resolved_at = ? where url = ?",
                                [(now, entry) for entry in entries if entry not in still_failing])


def frontier_pending(db: Database, source: str) -> list[str]:
    return [r[0] for r in db.execute("select url from frontier where source = ? and done_at is null "
                                     "order by found_at", [source])]


def record_failures(db: Database, source: str, failures: list[dict], run_id: str | None, *,
                    max_attempts: int = 5, backoff_hours: float = 6) -> None:
    """Remember pages that failed, with their reason; later runs retry them with backoff."""
    now = datetime.now(UTC).replace(microsecond=0)
    with writing(db):
        for failure in failures:
            rows = list(db.query("select attempts from failed_pages where url = ?", [failure["url"]]))
            attempts = (rows[0]["attempts"] if rows else 0) + 1
            retry_at = now + timedelta(hours=backoff_hours * 2 ** (attempts - 1))
            db["failed_pages"].upsert({
                "url": failure["url"], "source": source, "kind": failure.get("kind"),
                "reason": failure["reason"], "status": failure.get("status"),
                "attempts": attempts, "last_failed_at": utc_stamp(now),
                "next_retry_at": utc_stamp(retry_at), "given_up": int(attempts >= max_attempts),
                "resolved_at": None, "run_id": run_id, "listing_date": failure.get("listing_date"),
            }, pk="url")
            db.execute("update failed_pages set first_failed_at = coalesce(first_failed_at, ?)"
                       " where url = ?", [utc_stamp(now), failure["url"]])
            # Accounted for: failed_pages retries it from now on.
            db.execute("update frontier set done_at = ?, outcome = 'failed' where url = ? and done_at is null",
                       [utc_stamp(now), failure["url"]])


def _insert_sketch(db: Database, article_id: int, values: list[int], day: str | None, source: str) -> None:
    db.conn.executemany("insert into article_sketches (hash, article_id, day, source) values (?, ?, ?, ?)",
                        [(value, article_id, day, source) for value in values])


def resketch(db: Database, chunk: int = 5000) -> int:
    """Recompute every article's sketch, e.g. after the hashing scheme changed. Clusters already
    found are kept; the recomputed sketches serve the look-ups of articles stored from now on."""
    last, done = 0, 0
    with db.atomic():
        db.execute("delete from article_sketches")
        while rows := db.execute("select id, body, published_date, source from articles where id > ? "
                                 "order by id limit ?", [last, chunk]).fetchall():
            for article_id, body, day, source in rows:
                _insert_sketch(db, article_id, sketch_of(body), day, source)
            last, done = rows[-1][0], done + len(rows)
    return done
