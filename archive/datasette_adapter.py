"""The few things the archive's plugin takes from Datasette beyond its documented plugin hooks.

Datasette 0.65 documents the hooks (``register_facet_classes``, ``filters_from_request`` ...) but
not the helpers a facet class needs: the facet configuration of a page (``load_facet_configs``),
the labels of foreign-key values (``Datasette.expand_foreign_keys``) and the ``Facet`` base class
itself, and a response written while its rows are read (``AsgiStream``, which Datasette's
own CSV export uses), and a wrapper around ``Database.execute`` (:func:`serve_reads`). They are used here and only here, so an upgrade of Datasette changes this one module;
the ``test_adapter_*`` tests in ``tests/test_datasette.py`` pin what each returns.
"""

from __future__ import annotations

import re
import sqlite3

import datasette.database as datasette_database
from datasette.facets import Facet, load_facet_configs
from datasette.utils.asgi import AsgiStream

from archive.facet_columns import (
    COLUMNS_IN_MEMORY,
    answered,
    coverage,
    coverage_sql,
    table_mask,
)
from archive.facets import ARTICLES_TABLE, top
from archive.query_cache import VersionedCache, cacheable, results_size, version_of
from archive.search_plan import (
    BROAD_SHARE,
    FTS_CLAUSE,
    MOST_SHARE,
    broad,
    counted_sql,
    covered_where,
    faster_page,
    searched_page,
    share,
)

__all__ = ["Facet", "serve_reads", "facet_columns", "foreign_key_labels", "streaming_response"]


def facet_columns(request, table_metadata: dict | None, facet_type: str) -> dict[str, str]:
    """Columns faceted with ``facet_type`` on this page (from the table's metadata and from
    ``?_facet_<type>=column``), each with where it was asked for: "metadata" or "request"."""
    columns: dict[str, str] = {}
    for item in load_facet_configs(request, table_metadata).get(facet_type, []):
        config = item["config"]
        columns.setdefault(config.get("column") or config["simple"], item["source"])
    return columns


async def foreign_key_labels(datasette, database: str, table: str, column: str, values: list) -> dict:
    """value -> label of the row it points to, for a column that is a foreign key ({} otherwise)."""
    labels = await datasette.expand_foreign_keys(database, table, column, values)
    return {value: label for (_, value), label in labels.items()}


def streaming_response(write_all, *, content_type: str, headers: dict | None = None):
    """A response whose body ``await write_all(writer)`` writes piece by piece
    (``await writer.write(text)``), so an export of every match never sits in memory whole."""
    return AsgiStream(write_all, headers=headers or {}, content_type=content_type)


def serve_reads(database, cache: VersionedCache) -> None:
    """Every read of ``database`` through Datasette (table pages, counts, facets, canned and
    research queries) answered from ``cache`` while the archive is at the version the answer was
    computed on (``archive.query_cache``), and the articles table's search pages asked with the
    faster plan of ``archive.search_plan``. Idempotent."""
    if getattr(database.execute, "versioned_cache", None) is not None or not database.path:
        return
    uncached = database.execute

    async def execute(sql, params=None, truncate=False, custom_time_limit=None, page_size=None,
                      log_sql_errors=True):
        async def compute():
            if (counted := await _count_from_memory(database, sql, params)) is not None:
                return counted
            if (covered := await _coverage_from_memory(database, sql, params)) is not None:
                return covered
            if (faceted := await _column_facet_from_memory(database, sql, params)) is not None:
                return faceted
            if (paged := await _table_page_from_memory(database, sql, params)) is not None:
                return paged
            planned = sql
            searched = isinstance(params, dict) and "search" in params and FTS_CLAUSE in sql
            if searched and (page := searched_page(sql)) is not None:
                matching = await _share_from_memory(database, params)
                if matching is None:
                    matching = await share(database, FTS_CLAUSE, params)
                planned = faster_page(page, matching >= BROAD_SHARE, matching >= MOST_SHARE)
            elif searched and sql.startswith("select count(*) from articles where ") and (
                    where := covered_where(sql)) and await broad(database, where, params):
                planned = counted_sql(where)
            if custom_time_limit and custom_time_limit > database.ds.sql_time_limit_ms and not truncate:
                return await _execute_longer(database, planned, params, custom_time_limit)
            return await uncached(planned, params, truncate=truncate, custom_time_limit=custom_time_limit,
                                  page_size=page_size, log_sql_errors=log_sql_errors)

        if not cacheable(sql):
            return await compute()
        key = ("sql", database.name, sql, _frozen(params), bool(truncate), page_size)
        return await cache.get_or_compute(key, version_of(database.path), compute, results_size)

    execute.versioned_cache = cache
    database.execute = execute


async def _share_from_memory(database, params: dict) -> float | None:
    """The share of the archive a table search matches, from its matches in the facet columns in
    memory (kept there for the page's count and facets that follow), or None."""
    snapshot = COLUMNS_IN_MEMORY.current(database.path)
    if snapshot is None or not snapshot.size:
        return None
    return await answered(database, snapshot, lambda conn, snapshot: float(
        table_mask(conn, snapshot, FTS_CLAUSE, params).sum()) / snapshot.size)


COUNT_ALL = "select count(*) from articles"
COUNT_WHERE = "select count(*) from articles where "


async def _count_from_memory(database, sql: str, params):
    """The articles table's exact count (whole, or under a search and filters on the facet
    columns) from the facet columns in memory (archive/facet_columns.py), as Datasette's
    Results; None where they cannot answer it (then SQLite does)."""
    sql = sql.strip()
    if sql != COUNT_ALL and not (sql.startswith(COUNT_WHERE) and isinstance(params, dict)):
        return None
    where = covered_where(sql) if sql != COUNT_ALL else None
    if sql != COUNT_ALL and where is None:
        return None
    snapshot = COLUMNS_IN_MEMORY.current(database.path)
    if snapshot is None:
        return None

    def count(conn, snapshot):
        if where is None:
            return snapshot.size
        mask = table_mask(conn, snapshot, where, params)
        return None if mask is None else int(mask.sum())

    found = await answered(database, snapshot, count)
    return None if found is None else _results(["count(*)"], [(found,)])


# Datasette 0.65's column facet (datasette/facets.py ColumnFacet.facet_results), e.g. the
# ``_facet=source`` of a search page.
COLUMN_FACET = re.compile(
    r"^\s*select (?P<column>\[?\w+\]?) as value, count\(\*\) as count from \(\s*(?P<rows>.+?)\s*\)\s*"
    r"where (?P=column) is not null\s*group by (?P=column) order by count desc, value limit (?P<limit>\d+)\s*$",
    re.DOTALL)


async def _column_facet_from_memory(database, sql: str, params):
    """Datasette's own column facet of an articles page (its search and filters on the facet
    columns) counted from the facet columns in memory, or None."""
    facet = COLUMN_FACET.match(sql)
    if facet is None:
        return None
    column = facet["column"].strip("[]")
    rows = facet["rows"].strip()
    where = covered_where(rows)
    whole = ARTICLES_TABLE.search(rows) is not None and not params
    snapshot = COLUMNS_IN_MEMORY.current(database.path)
    if snapshot is None or column not in snapshot.codes or (where is None and not whole):
        return None

    def count(conn, snapshot):
        mask = None if whole else table_mask(conn, snapshot, where, params or {})
        if mask is None and not whole:
            return None
        return top(snapshot.counts(mask, [("column", column)])[("column", column)], int(facet["limit"]))

    found = await answered(database, snapshot, count)
    return None if found is None else _results(["value", "count"], found)


_COVERAGE_SQL: list[str] = []


async def _coverage_from_memory(database, sql: str, params):
    """The canned query coverage_over_time answered from the facet columns in memory, or None."""
    if not _COVERAGE_SQL:
        _COVERAGE_SQL.append(coverage_sql())
    if sql.strip() != _COVERAGE_SQL[0] or not isinstance(params, dict):
        return None
    snapshot = COLUMNS_IN_MEMORY.current(database.path)
    if snapshot is None:
        return None
    found = await answered(database, snapshot, lambda conn, snapshot: coverage(conn, snapshot, params))
    return None if found is None else _results(["month", "articles", "election_articles"], found)


TABLE_PAGE = re.compile(r"^select (?P<columns>.+?) from articles where (?P<where>.+) "
                        r"order by sort_key desc(?:, id)? limit (?P<limit>\d+)$", re.DOTALL)


async def _table_page_from_memory(database, sql: str, params):
    """The first newest-first page of the articles table under a search and/or filters on the
    facet columns: its ids chosen from the facet columns in memory, its rows read on the same
    connection under the same version check; None for anything else (keyset pages included).
    Without it SQLite walks the date index from the newest article to the first one of, say,
    2023-08 (3 s at 1,000,000 articles), or sorts every match."""
    page = TABLE_PAGE.match(sql.strip())
    if page is None or not isinstance(params, dict) or " limit " in page["where"].lower():
        return None
    where = covered_where(f"select * from articles where {page['where']}")
    snapshot = COLUMNS_IN_MEMORY.current(database.path)
    if where is None or snapshot is None:
        return None

    def read(conn, snapshot):
        mask = table_mask(conn, snapshot, where, params)
        if mask is None:
            return None
        ids = snapshot.newest(mask, int(page["limit"]))
        marks = ", ".join("?" * len(ids)) or "null"
        cursor = conn.execute(f"select {page['columns']} from articles where rowid in ({marks}) "
                              f"order by sort_key desc", ids)
        return cursor.fetchall(), cursor.description

    found = await answered(database, snapshot, read)
    return None if found is None else datasette_database.Results(found[0], False, found[1])


def _results(columns: list[str], rows: list[tuple]):
    """Datasette's Results of rows computed in Python, as sqlite3.Row objects like its own (read
    by position and by name)."""
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    names = ", ".join(f'column{n + 1} as "{c}"' for n, c in enumerate(columns))
    made = []
    for start in range(0, len(rows), 256):
        chunk = rows[start:start + 256]
        values = ", ".join(["(" + ", ".join("?" * len(columns)) + ")"] * len(chunk))
        cursor = conn.execute(f"select {names} from (values {values})", [v for row in chunk for v in row])
        made += cursor.fetchall()
        description = cursor.description
    if not rows:
        description = [(c, None, None, None, None, None, None) for c in columns]
    conn.close()
    return datasette_database.Results(made, False, description)


async def _execute_longer(database, sql, params, time_limit_ms: int):
    """A read the project's own code allows more than the site's time limit on purpose (the
    research search's exact total and export: 30 s). Datasette's ``execute`` caps any
    ``custom_time_limit`` at ``sql_time_limit_ms``, which made the exact total of a broad search
    at 1,000,000 articles a 500 instead of a slow first answer (then kept per version)."""

    def run(conn):
        # Looked up at call time: archive/plugins/guard.py adds its deadline to Datasette's limit.
        with datasette_database.sqlite_timelimit(conn, time_limit_ms):
            try:
                cursor = conn.cursor()
                cursor.execute(sql, params if params is not None else {})
                return datasette_database.Results(cursor.fetchall(), False, cursor.description)
            except sqlite3.OperationalError as error:
                if error.args == ("interrupted",):
                    raise datasette_database.QueryInterrupted(error, sql, params) from None
                raise

    return await database.execute_fn(run)


def _frozen(params):
    if params is None:
        return None
    if isinstance(params, dict):
        return tuple(sorted((k, repr(v)) for k, v in params.items()))
    return tuple(repr(v) for v in params)
