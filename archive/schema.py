"""The shape of ``archive.db``, declared as data, and :func:`ensure_shape` that applies it.

``ensure_shape`` is idempotent: it creates what is missing (tables, columns, indexes, FTS
tables and their triggers, views) and never drops or rewrites data, so every command may call
it on open. A column added here later is added to old archives on their next open.
"""

from __future__ import annotations

from sqlite_utils import Database

JSON = str  # JSON arrays stored as text: Datasette facets them with ``_facet_array``

TABLES: dict[str, dict] = {
    "articles": {
        "pk": "id",
        "columns": {
            "id": int, "url": str, "source": str, "title": str, "body": str,
            "published_date": str, "published_month": str, "published_at": str,
            "date_text": str, "date_method": str, "date_confidence": str,
            "author": str, "dateline": str, "source_unit": str,
            "captions": JSON, "related": JSON, "tags": JSON, "image_urls": JSON,
            "election_related": int, "election_score": float, "election_terms": JSON,
            "election_types": JSON, "election_stages": JSON, "institutions": JSON,
            "regions": JSON, "publisher_region": str,
            "word_count": int, "parser": str, "release_key": str, "content_hash": str,
            "version": int, "fetched_at": str, "first_seen_at": str, "last_seen_at": str,
            "removed_at": str, "warc_file": str, "warc_record_id": str, "cluster_id": int,
        },
        "not_null": ["url", "source"],
        "indexes": [
            (["url"], True), (["published_date"], False), (["source", "published_date"], False),
            (["release_key"], False), (["election_related"], False),
            (["removed_at"], False), (["cluster_id"], False),
            # Covering indexes, so that Datasette's counts over the whole archive read an index
            # instead of every row with its text (bench/run.py datasette section): the monthly
            # coverage query with its filters, and the facets of the articles table.
            (["published_month", "source", "election_related", "election_types", "election_stages"], False),
            (["date_confidence"], False), (["election_types"], False), (["election_stages"], False),
            (["institutions"], False), (["regions"], False),
        ],
    },
    "article_aliases": {
        "pk": "url",
        "columns": {"url": str, "article_id": int, "host": str, "first_seen_at": str},
        "foreign_keys": [("article_id", "articles", "id")],
        "indexes": [(["article_id"], False)],
    },
    "article_versions": {
        "pk": "id",
        "columns": {"id": int, "article_id": int, "version": int, "fetched_at": str,
                    "title": str, "body": str, "content_hash": str, "run_id": str,
                    "parser": str, "warc_file": str, "warc_record_id": str},
        "foreign_keys": [("article_id", "articles", "id")],
        "indexes": [(["article_id", "version"], True)],
    },
    "article_stems": {
        "pk": "id",
        "columns": {"id": int, "stem": str},
        "foreign_keys": [("id", "articles", "id")],
    },
    # MinHash sketch values of each article, with its day and source, so a look-up for other
    # versions of a story only walks the postings of one month (see archive/store.py).
    "article_sketches": {
        "pk": "rowid",
        "columns": {"hash": int, "article_id": int, "day": str, "source": str},
        "foreign_keys": [("article_id", "articles", "id")],
        # Covering: a look-up reads the index alone, never the table.
        "indexes": [(["article_id"], False), (["hash", "day", "source", "article_id"], False)],
    },
    # Facts about the archive itself, e.g. which hashing scheme its stored sketches use.
    "archive_meta": {
        "pk": "key",
        "columns": {"key": str, "value": str},
    },
    "regions": {
        "pk": "code",
        "columns": {"code": str, "name": str, "level": str, "parent": str},
        "indexes": [(["parent"], False), (["level"], False)],
    },
    "article_regions": {
        "pk": ("article_id", "code"),
        "columns": {"article_id": int, "code": str},
        "foreign_keys": [("article_id", "articles", "id"), ("code", "regions", "code")],
        "indexes": [(["code"], False)],
    },
    "crawl_runs": {
        "pk": "id",
        "columns": {
            "id": int, "run_id": str, "source": str, "started_at": str, "finished_at": str,
            "duration_s": float, "finish_reason": str, "origin": str, "requests": int,
            "responses_2xx": int, "responses_3xx": int, "responses_4xx": int, "responses_5xx": int,
            "errors": int, "articles_new": int, "articles_updated": int,
            "articles_unchanged": int, "articles_aliased": int, "articles_failed": int,
            "articles_removed": int, "articles_held_back": int,
            "coverage": JSON, "health": str, "health_reason": str, "exit_code": int,
        },
        "indexes": [(["source", "started_at"], False), (["run_id"], False)],
    },
    "failed_pages": {
        "pk": "url",
        "columns": {"url": str, "source": str, "kind": str, "reason": str, "status": int,
                    "attempts": int, "first_failed_at": str, "last_failed_at": str,
                    "next_retry_at": str, "given_up": int, "resolved_at": str, "run_id": str},
        "indexes": [(["source", "resolved_at"], False)],
    },
}

FTS = {
    # Exact words and names; Datasette's search box on the articles table.
    "articles": {"columns": ["title", "body"], "tokenize": "unicode61 remove_diacritics 2"},
    # Indonesian stems (pemilihan -> pilih), searched through the stemmed canned query.
    # One entry per distinct stem and no positions (detail=none): the stemmed query ANDs stems,
    # so positions would only cost index size and write time.
    "article_stems": {"columns": ["stem"], "tokenize": "unicode61 remove_diacritics 2", "detail": "none"},
}


def fts_triggers(table: str) -> dict[str, str]:
    """Triggers that keep ``<table>_fts`` in step with deletes and with edits of indexed columns.

    There is deliberately no AFTER INSERT trigger: the writer indexes a new row itself, right
    after inserting it (``archive.store.ArchiveWriter``). An insert that may fire a trigger makes
    SQLite keep a statement journal for it, which cost as much as the FTS indexing itself
    (measured by the store section of ``bench/run.py``). ``update of`` keeps routine updates
    (last_seen_at, cluster_id) from re-indexing the whole text.
    """
    columns = FTS[table]["columns"]
    names = ", ".join(f"[{c}]" for c in columns)
    old = ", ".join(f"old.[{c}]" for c in columns)
    new = ", ".join(f"new.[{c}]" for c in columns)
    delete = f"insert into [{table}_fts] ([{table}_fts], rowid, {names}) values ('delete', old.rowid, {old});"
    insert = f"insert into [{table}_fts] (rowid, {names}) values (new.rowid, {new});"
    # Upper-case CREATE TRIGGER: SQLite stores it so, and _sync_triggers compares the stored text.
    return {
        f"{table}_ad": f"CREATE TRIGGER [{table}_ad] after delete on [{table}] begin {delete} end",
        f"{table}_au": f"CREATE TRIGGER [{table}_au] after update of {names} on [{table}] begin {delete} {insert} end",
    }


# Indexes an older shape had and a newer index covers; dropped on open (no data is lost).
OBSOLETE_INDEXES = ["idx_article_sketches_hash_day"]

VIEWS = {
    "source_health": """
        select source, max(started_at) as last_run, health, health_reason, articles_new,
               articles_updated, articles_failed, finish_reason, exit_code
        from crawl_runs
        where id in (select max(id) from crawl_runs group by source)
        group by source
    """,
}


def ensure_shape(db: Database) -> Database:
    """Create or complete every table, index, FTS table, trigger and view. Safe to repeat."""
    if db.journal_mode != "wal":
        db.enable_wal()
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=10000")
    for name, spec in TABLES.items():
        table = db[name]
        if not table.exists():
            table.create(spec["columns"], pk=None if spec["pk"] == "rowid" else spec["pk"],
                         not_null=spec.get("not_null"), foreign_keys=spec.get("foreign_keys"))
        else:
            existing = set(table.columns_dict)
            for column, kind in spec["columns"].items():
                if column not in existing:
                    table.add_column(column, kind)
        for columns, unique in spec.get("indexes", []):
            table.create_index(columns, unique=unique, if_not_exists=True)
    for index in OBSOLETE_INDEXES:
        db.execute(f"drop index if exists [{index}]")
    for name, spec in FTS.items():
        if not db[name].detect_fts():
            db[name].enable_fts(spec["columns"], fts_version="FTS5", create_triggers=False,
                                tokenize=spec["tokenize"])
            if spec.get("detail"):
                _set_fts_detail(db, f"{name}_fts", spec["detail"])
        _sync_triggers(db, name)
    if not db["regions"].count:
        from crawler.regions import gazetteer

        with db.atomic():
            db["regions"].insert_all(r.__dict__ for r in gazetteer().values())
    for name, sql in VIEWS.items():
        db.create_view(name, sql.strip(), replace=True)
    _migrate_sketches(db)
    return db


def _migrate_sketches(db: Database) -> None:
    """Sketches stored under another hashing scheme would never match new ones: recompute them."""
    from crawler.similarity import SCHEME

    stored = db.execute("select value from archive_meta where key = 'sketch_scheme'").fetchone()
    if stored and stored[0] == SCHEME:
        return
    if db.execute("select 1 from article_sketches limit 1").fetchone():
        from archive.store import resketch

        resketch(db)
    with db.atomic():
        db.execute("insert into archive_meta (key, value) values ('sketch_scheme', ?) "
                   "on conflict(key) do update set value = excluded.value", [SCHEME])


def _sync_triggers(db: Database, table: str) -> None:
    """Replace triggers whose SQL differs from :func:`fts_triggers` (older archives had an
    AFTER INSERT trigger and update triggers on every column); untouched when already current."""
    wanted = fts_triggers(table)
    current = dict(db.execute("select name, sql from sqlite_master where type = 'trigger' and tbl_name = ?",
                              [table]).fetchall())
    ours = {f"{table}_ai", f"{table}_ad", f"{table}_au"}  # the names sqlite-utils gives its triggers
    stale = [name for name in current if name in ours and current[name] != wanted.get(name)]
    missing = [name for name in wanted if current.get(name) != wanted[name]]
    if not stale and not missing:
        return
    with db.atomic():
        for name in stale:
            db.execute(f"drop trigger [{name}]")
        for name in missing:
            db.execute(wanted[name])


def _set_fts_detail(db: Database, fts_table: str, detail: str) -> None:
    """sqlite-utils has no ``detail`` option: recreate the (still empty) FTS table with it."""
    sql = db.execute("select sql from sqlite_master where name = ?", [fts_table]).fetchone()[0]
    with db.atomic():
        db.execute(f"drop table [{fts_table}]")
        db.execute(sql.rstrip(")") + f", detail={detail})")


def open_archive(path: str) -> Database:
    from pathlib import Path

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return ensure_shape(Database(path))
