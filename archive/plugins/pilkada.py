"""Datasette plugin of the archive: Indonesian stemmed search and links to the real pages."""

from __future__ import annotations

import difflib
import json

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import ArrayFacet, ColumnFacet, DateFacet, load_facet_configs
from datasette.filters import FilterArguments
from datasette.plugins import pm
from datasette.utils import (
    escape_sqlite,
    path_with_added_args,
    path_with_removed_args,
)
from datasette.utils.asgi import BadRequest, Response
from markupsafe import Markup, escape

from archive.facets import COUNTED_TYPES, FacetCounter, top


@hookimpl
def render_cell(row, value, column, table, database):
    """Canonical URLs become links to the real site (scraped text is never rendered as HTML)."""
    if column == "url" and isinstance(value, str) and value.startswith("https://"):
        return Markup(f'<a href="{escape(value)}" rel="nofollow noopener">{escape(value)}</a>')
    if column == "cluster_id" and table == "articles" and isinstance(value, int):
        return Markup(f'<a href="/{escape(database)}/other_versions?id={int(row["id"])}">versi lain</a>')
    if column == "version" and table == "articles" and isinstance(value, int):
        return Markup(f'<a href="/-/history/{int(row["id"])}" title="riwayat versi">{value}</a>')
    return None


@hookimpl
def register_routes():
    return [(r"^/-/history/(?P<article_id>\d+)$", article_history)]


async def article_history(datasette, request):
    """Every version of one article, each with a line diff against the one before it."""
    name = next(n for n in datasette.databases if n not in ("_internal", "_memory"))
    database = datasette.get_database(name)
    article_id = int(request.url_vars["article_id"])
    columns = "version, fetched_at, title, body, content_hash, parser, warc_file, warc_record_id"
    article = (await database.execute(f"select id, url, removed_at, {columns} from articles where id = ?",
                                      [article_id])).first()
    if article is None:
        return Response.html("<h1>No such article</h1>", status=404)
    earlier = (await database.execute(
        f"select {columns} from article_versions where article_id = ? order by version", [article_id])).rows
    versions = [*earlier, article]
    return Response.html(await datasette.render_template(
        "history.html", {"article": dict(article), "versions": _with_diffs(versions), "database": name},
        request=request))


def _with_diffs(versions) -> list[dict]:
    out, previous = [], None
    for row in versions:
        version = {k: row[k] for k in row.keys() if k not in ("id", "url", "removed_at")}  # noqa: SIM118 - sqlite3.Row iterates values
        text = f"{version['title']}\n\n{version['body'] or ''}".splitlines()
        if previous is not None:
            version["diff"] = list(difflib.unified_diff(previous, text, f"versi {version['version'] - 1}",
                                                        f"versi {version['version']}", lineterm="", n=1))
        previous = text
        out.append(version)
    return out


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    """An article's row page gets the article as a dict, its JSON fields decoded, and its copies."""
    if view_name != "row" or table != "articles":
        return {}

    async def article_vars():
        db = datasette.get_database(database)
        article_id = request.url_vars.get("pks", "").split(",")[0]
        row = (await db.execute("select * from articles where id = ?", [article_id])).first()
        if row is None:
            return {}
        article = dict(zip(row.keys(), row, strict=True))
        decoded = {}
        for key in ("election_types", "election_stages", "election_terms", "institutions", "regions", "captions"):
            try:
                decoded[key] = json.loads(article.get(key) or "[]")
            except ValueError:
                decoded[key] = []
        aliases = [r[0] for r in (await db.execute(
            "select url from article_aliases where article_id = ? order by url", [article_id])).rows]
        return {"article": article, "article_json": decoded, "article_aliases": aliases}

    return article_vars


# Datasette's own column and array facets are replaced by the ones below (same types, same URLs,
# same results; counted as archive/facets.py explains). Its date facet is kept.
if pm.has_plugin("datasette.facets"):
    pm.unregister(name="datasette.facets")
COUNTER = FacetCounter()


def _column_of(config_item: dict) -> str:
    return config_item["config"].get("column") or config_item["config"]["simple"]


def _request_specs(facet) -> list[tuple[str, str]]:
    """Every column and array facet this page shows (they are all counted together)."""
    configs = load_facet_configs(facet.request, facet.metadata)
    return list(dict.fromkeys((kind, _column_of(item)) for kind in COUNTED_TYPES for item in configs.get(kind, [])))


class _CountedFacet:
    """Shared by both facet types; each type's ``_values`` turns counts into Datasette's values."""

    toggle_arg: str

    async def facet_results(self):
        sources: dict[str, str] = {}
        for item in self.get_configs():
            sources.setdefault(_column_of(item), item["source"])
        if not sources:
            return [], []
        try:
            counts = await COUNTER.counts(self.ds.get_database(self.database), self.sql, self.params,
                                          _request_specs(self), self.ds.setting("facet_time_limit_ms"),
                                          self.request.scope.setdefault("pilkada_facet_counts", {}))
        except QueryInterrupted:
            return [], list(sources)
        size = self.get_facet_size()
        pairs = self.get_querystring_pairs()
        results = []
        for column, source in sources.items():
            rows = top(counts[(self.type, column)], size + 1)
            results.append({
                "name": column, "type": self.type, "results": await self._values(column, rows[:size], pairs),
                "hideable": source != "metadata",
                "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {self.toggle_arg: column})),
                "truncated": len(rows) > size,
            })
        return results, []


class CountedColumnFacet(_CountedFacet, ColumnFacet):
    toggle_arg = "_facet"

    async def _values(self, column, rows, pairs):
        arg = f"{column}__exact" if column.startswith("_") else column
        labels = {}
        if self.table:
            labels = await self.ds.expand_foreign_keys(self.database, self.table, column, [v for v, _ in rows])
        values = []
        for value, count in rows:
            selected = (arg, str(value)) in pairs
            path = (path_with_removed_args(self.request, {arg: str(value)}) if selected
                    else path_with_added_args(self.request, {arg: value}))
            values.append({"value": value, "label": labels.get((column, value), value), "count": count,
                           "selected": selected, "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(path))})
        return values


class CountedArrayFacet(_CountedFacet, ArrayFacet):
    toggle_arg = "_facet_array"

    async def _values(self, column, rows, pairs):
        values = []
        for value, count in rows:
            value = str(value)
            arg = {TAG_ARG: f"{column}:{value}"}
            selected = (TAG_ARG, f"{column}:{value}") in pairs or (f"{column}__arraycontains", value) in pairs
            path = path_with_removed_args(self.request, arg) if selected else path_with_added_args(self.request, arg)
            values.append({"value": value, "label": value, "count": count, "selected": selected,
                           "toggle_url": self.ds.absolute_url(self.request, path)})
        return values


# ?_tag=election_types:pilkada keeps the rows whose array holds the value, like Datasette's
# election_types__arraycontains=pilkada, but through the column's index (archive/facets.py).
TAG_ARG = "_tag"
MAX_TAG_ARRAYS = 2000


@hookimpl
def filters_from_request(request, database, table, datasette):
    wanted = [arg.split(":", 1) for arg in request.args.getlist(TAG_ARG)]
    if not wanted:
        return None

    async def tag_filters():
        db = datasette.get_database(database)
        columns = await db.table_columns(table)
        clauses, params, descriptions = [], {}, []
        for index, parts in enumerate(wanted):
            if len(parts) != 2 or parts[0] not in columns:
                raise BadRequest(f"{TAG_ARG} takes column:value with a column of {table}, not {':'.join(parts)!r}")
            column, value = parts
            arrays = await COUNTER.arrays_containing(db, table, column, value)
            if len(arrays) > MAX_TAG_ARRAYS:
                params[f"tag{index}"] = value
                clauses.append(f"exists (select 1 from json_each({escape_sqlite(column)}) where value = :tag{index})")
            else:
                names = [f"tag{index}_{n}" for n in range(len(arrays))]
                params.update(zip(names, arrays, strict=True))
                clauses.append(f"{escape_sqlite(column)} in ({', '.join(':' + n for n in names)})" if names else "0")
            descriptions.append(f'{column} has "{value}"')
        return FilterArguments(clauses, params, descriptions)

    return tag_filters


@hookimpl
def register_facet_classes():
    return [CountedColumnFacet, DateFacet, CountedArrayFacet]
