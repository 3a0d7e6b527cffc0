"""The shape of ``archive.db``, declared as data.

``archive.migrations`` applies it: its first numbered step creates what this module declares,
later steps change it. A column added here needs a migration step of its own there.
"""

from __future__ import annotations

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
            "election_types": JSON, "election_stages": JSON, "institutions": JSON, "focus_stage": str,
            "regions": JSON, "publisher_region": str,
            "word_count": int, "parser": str, "release_key": str, "content_hash": str,
            "version": int, "fetched_at": str, "first_seen_at": str, "last_seen_at": str,
            "removed_at": str, "warc_file": str, "warc_record_id": str, "cluster_id": int,
            # Every region the article names and every region containing one of them
            # ("62 Kalimantan Tengah" for an article naming only Kumai): a region filter or facet
            # means the place and everything inside it. Added by migration m013.
            "places": JSON,
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
            (["institutions"], False), (["regions"], False), (["focus_stage"], False),
            # Besides these, idx_articles_facet_columns over the facet columns together (made by
            # migration m014 under that name, see archive/search_plan.py FACET_COLUMNS): the counts
            # and facets of a broad search read it instead of every matching row.
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
    # Article URLs found on a stored page (in-article links), kept until the page behind each is
    # stored or has failed (then failed_pages retries it): a crawl killed in between does not
    # lose articles that only a link leads to.
    "frontier": {
        "pk": "url",
        "columns": {"url": str, "source": str, "found_on": str, "found_at": str, "done_at": str,
                    "outcome": str},
        "indexes": [(["source", "done_at"], False)],
    },
    # Each source as its spider declares it (written by the crawler when a spider opens), so
    # that the site can name publishers and link their home pages without knowing the spiders.
    "sources": {
        "pk": "name",
        "columns": {"name": str, "publication": str, "publisher": str, "home_url": str, "hosts": JSON,
                    "publisher_region": str, "updated_at": str, "publisher_type": str, "layout_family": str},
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
            "discovery": JSON,  # {"sitemap": 40, "listing": 12, ...}: articles each strategy found
        },
        "indexes": [(["source", "started_at"], False), (["run_id"], False)],
    },
    "failed_pages": {
        "pk": "url",
        "columns": {"url": str, "source": str, "kind": str, "reason": str, "status": int,
                    "attempts": int, "first_failed_at": str, "last_failed_at": str,
                    "next_retry_at": str, "given_up": int, "resolved_at": str, "run_id": str,
                    "listing_date": str},  # the date a listing gave the page, for its retry
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


VIEWS = {
    "source_health": """
        select source, max(started_at) as last_run, health, health_reason, articles_new,
               articles_updated, articles_failed, finish_reason, exit_code
        from crawl_runs
        where id in (select max(id) from crawl_runs group by source)
        group by source
    """,
}


# Columns computed by SQLite from others (added by migrations, which ALTER TABLE cannot do with
# a default): ``sort_key`` is the one order of "newest first" for every list, unique so that
# Datasette's keyset paging and CSV streaming return each row exactly once (ties on the date are
# broken by id, newest id first). Undated articles sort last.
GENERATED = {
    "articles": {
        "sort_key": "coalesce(published_date, '0000-00-00') || '|' || printf('%012d', id)",
    },
}
