"""Facet counts that stay fast on a large archive; the Datasette plugin's column and array facets.

Datasette counts each facet with its own query over the rows of the page. On the articles table
that means reading every matching row, with its text, once per facet (eight facets on a search
matching 230,000 articles: eight passes over a few GB). Here:

- a filtered or searched page counts *all* its facets in one pass: the rows are grouped by the
  facet columns together, and the groups are added up per facet in Python (an array column's
  text is decoded once per distinct value);
- the unfiltered table counts each facet from its covering index, and a filtered or searched
  page counts its facets, once per version of the archive (``archive.query_cache``: kept until
  anything commits to the file).

Array facets count each value once per row, like Datasette's.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Iterable

from datasette.utils import escape_sqlite

from archive.facet_columns import COLUMNS_IN_MEMORY, answered, table_mask
from archive.query_cache import VersionedCache, version_of
from archive.search_plan import FACET_COLUMNS, broad, covered_where, facets_sql

Spec = tuple[str, str]  # ("column" | "array", column name)
COUNTED_TYPES = ("column", "array")


def one_pass_sql(sql: str, columns: list[str]) -> str:
    names = ", ".join(escape_sqlite(c) for c in columns)
    return f"with inner as ({sql}) select {names}, count(*) from inner group by {names}"


def single_facet_sql(sql: str, spec: Spec) -> str:
    """One facet of the unfiltered table: grouped on the column, so an index on it covers it."""
    column = escape_sqlite(spec[1])
    return f"with inner as ({sql}) select {column}, count(*) from inner where {column} is not null group by {column}"


def add_up(rows: Iterable[tuple], specs: list[Spec]) -> dict[Spec, Counter]:
    """Counts per facet from rows of (one value per spec ..., number of rows)."""
    counts = {spec: Counter() for spec in specs}
    decoded: dict[str, tuple] = {}
    for *values, number in rows:
        for spec, value in zip(specs, values, strict=True):
            if value is None:
                continue
            if spec[0] == "column":
                counts[spec][value] += number
                continue
            items = decoded.get(value)
            if items is None:
                items = decoded[value] = _array_items(value)
            for item in items:
                counts[spec][item] += number
    return counts


def _array_items(text) -> tuple:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return ()
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(v for v in value if isinstance(v, str | int | float)))


def top(counter: Counter, size: int) -> list[tuple[object, int]]:
    """Most frequent first, then by value in SQLite's order (numbers before text)."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], isinstance(kv[0], str), kv[0]))[:size]


ARTICLES_TABLE = re.compile(r"^select .+ from \[?articles\]?\s*$", re.DOTALL)


def is_unfiltered(sql: str, params: dict) -> bool:
    return not params and " where " not in sql.lower()


class FacetCounter:
    """Shares one computation among the facet objects of a request, and caches whole-table counts."""

    def __init__(self):
        self._whole_table: dict[tuple, tuple[int, dict[Spec, Counter]]] = {}
        self._arrays: dict[tuple, tuple[int, list[str]]] = {}
        self._filtered = VersionedCache(max_entries=128, max_bytes=32 * 1024 * 1024)

    async def distinct_arrays(self, database, table: str, column: str) -> list[str]:
        """The distinct texts of an array column (read from the column's index once per change
        of the archive file)."""
        version = version_of(database.path)
        key = (database.name, table, column)
        cached_version, arrays = self._arrays.get(key, (None, []))
        if cached_version != version or version is None:
            result = await database.execute(
                f"select distinct {escape_sqlite(column)} from {escape_sqlite(table)} "
                f"where {escape_sqlite(column)} is not null", truncate=False)
            arrays = [row[0] for row in result.rows]
            self._arrays[key] = (version, arrays)
        return arrays

    async def arrays_containing(self, database, table: str, column: str, value: str) -> list[str]:
        """The distinct texts of an array column that contain ``value``: ``column in (...)`` then
        selects the rows through that index instead of decoding every row's array."""
        return [text for text in await self.distinct_arrays(database, table, column) if value in _array_items(text)]

    async def array_values(self, database, table: str, column: str) -> list[str]:
        """Every value that occurs in an array column, sorted."""
        values = {item for text in await self.distinct_arrays(database, table, column) for item in _array_items(text)}
        return sorted(str(v) for v in values)

    async def counts(self, database, sql: str, params: dict, specs: list[Spec], time_limit_ms: int,
                     shared: dict) -> dict[Spec, Counter]:
        """Counts for ``specs`` over the rows of ``sql``; raises QueryInterrupted past the limit.
        ``shared`` lives as long as one page request: its facet objects (Datasette runs them one
        after the other) share one computation through it."""
        key = (database.name, sql, json.dumps(params, sort_keys=True, default=str), tuple(specs))
        if key not in shared:
            if is_unfiltered(sql, params):
                shared[key] = asyncio.ensure_future(self._unfiltered(database, sql, specs, time_limit_ms))
            else:
                shared[key] = asyncio.ensure_future(self._one_pass(database, sql, params, specs, time_limit_ms))
        return await asyncio.shield(shared[key])

    async def _one_pass(self, database, sql, params, specs, time_limit_ms):
        async def count():
            columns = [c for _, c in specs]
            where = covered_where(sql)
            snapshot = COLUMNS_IN_MEMORY.current(database.path)
            if where and snapshot is not None and set(columns) <= set(snapshot.codes):
                # The facet columns in memory (archive/facet_columns.py): a question asked once is
                # answered without reading its matching rows.
                def from_memory(conn, snapshot):
                    mask = table_mask(conn, snapshot, where, params)
                    return None if mask is None else snapshot.counts(mask, specs)

                found = await answered(database, snapshot, from_memory)
                if found is not None:
                    return found
            query = one_pass_sql(sql, columns)
            where = covered_where(sql)
            if where and set(columns) <= set(FACET_COLUMNS) and await broad(database, where, params):
                query = facets_sql(where, columns)  # the facet index, not every matching row
            result = await database.execute(query, params, truncate=False, custom_time_limit=time_limit_ms)
            return add_up(result.rows, specs)

        key = (database.name, sql, json.dumps(params, sort_keys=True, default=str), tuple(specs))
        return await self._filtered.get_or_compute(key, version_of(database.path), count, _counts_size)

    async def _unfiltered(self, database, sql, specs, time_limit_ms):
        version = version_of(database.path)
        cached_version, cached = self._whole_table.get((database.name, sql), (None, {}))
        if cached_version != version or version is None:
            cached = {}
        missing = [spec for spec in specs if spec not in cached]
        snapshot = COLUMNS_IN_MEMORY.current(database.path)
        if missing and ARTICLES_TABLE.search(sql) and snapshot is not None and snapshot.version == version and \
                {c for _, c in missing} <= set(snapshot.codes):
            found = await answered(database, snapshot, lambda conn, snapshot: snapshot.counts(None, missing))
            if found is not None:
                cached.update(found)
                missing = []
        for spec in missing:
            result = await database.execute(single_facet_sql(sql, spec), {}, truncate=False,
                                            custom_time_limit=time_limit_ms)
            cached[spec] = add_up(result.rows, [spec])[spec]
        if version is not None:
            self._whole_table[(database.name, sql)] = (version, cached)
        return {spec: cached[spec] for spec in specs}


def _counts_size(counts: dict[Spec, Counter]) -> int:
    return 256 + sum(64 * len(counter) for counter in counts.values())
