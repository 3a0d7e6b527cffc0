"""Datasette plugin of the archive: Indonesian stemmed search and links to the real pages."""

from __future__ import annotations

import difflib
import json
import re
import urllib.parse

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.filters import FilterArguments
from datasette.utils import (
    escape_sqlite,
    path_with_added_args,
    path_with_removed_args,
)
from datasette.utils.asgi import BadRequest, Response
from markupsafe import Markup, escape

from archive.datasette_adapter import Facet, facet_columns, foreign_key_labels
from archive.facets import COUNTED_TYPES, FacetCounter, top
from archive.research_web import (
    CANNED_PARAMETERS,
    archive_database,
    canonical_parameters,
    research_attention,
    research_search,
    use_counter,
)
from archive.vocabulary import UnknownValue, label_of_region, resolve_label, resolve_region


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Canonical URLs become links to the real site (scraped text is never rendered as HTML).
    Links inside the archive go through datasette.urls, so they follow base_url and the
    database's name."""
    if column == "url" and isinstance(value, str) and value.startswith("https://"):
        return Markup(f'<a href="{escape(value)}" rel="nofollow noopener">{escape(value)}</a>')
    if column == "cluster_id" and table == "articles" and isinstance(value, int):
        link = datasette.urls.database(database) + f"/other_versions?id={int(row['id'])}"
        return Markup(f'<a href="{escape(link)}">versi lain</a>')
    if column == "version" and table == "articles" and isinstance(value, int):
        link = datasette.urls.path(f"/-/history/{int(row['id'])}")
        return Markup(f'<a href="{escape(link)}" title="riwayat versi">{value}</a>')
    return None


@hookimpl
def register_routes():
    return [(r"^/-/history/(?P<article_id>\d+)$", article_history),
            (r"^/-/cari(\.(?P<format>json|csv|atom))?$", research_search),
            (r"^/-/cari/bulan(\.(?P<format>json|csv))?$", research_attention)]


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
    if view_name == "table" and table == "articles":
        return _articles_table_vars(database, request, datasette)
    if view_name == "table":
        return {"url_csv": _streaming_csv_url(request, datasette)}
    if view_name != "row" or table != "articles":
        return {}

    async def article_vars():
        """An article's row page gets the article as a dict, its JSON fields decoded, and its copies."""
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


def _streaming_csv_url(request, datasette) -> str:
    """The table's CSV link streams every matching row (Datasette's own link stops at one page
    of max_returned_rows)."""
    pairs = [(k, v) for k, v in urllib.parse.parse_qsl(request.query_string, keep_blank_values=True)
             if k not in ("_size", "_next", "_stream")]
    path = request.path.rsplit(".", 1)[0] if request.path.endswith((".json", ".csv")) else request.path
    return datasette.urls.path(path + ".csv?" + urllib.parse.urlencode([*pairs, ("_stream", "1"), ("_size", "max")]))


def _articles_table_vars(database, request, datasette):
    async def articles_vars():
        """Besides the streaming CSV link: an exact-word search that finds nothing points to the
        research search, which matches Indonesian stems (memilih -> pilih)."""
        query = request.args.get("_search", "").strip()
        if query:
            db = datasette.get_database(database)
            escaped = " ".join(f'"{t}"' for t in query.replace('"', " ").split())
            found = (await db.execute("select 1 from articles_fts where articles_fts match ? limit 1",
                                      [escaped])).first() if escaped else None
            if not found:
                link = datasette.urls.path("/-/cari?" + urllib.parse.urlencode({"q": query}))
                datasette.add_message(request, Markup(
                    f'Tidak ada artikel dengan kata persis "{escape(query)}". '
                    f'<a href="{escape(link)}">Cari dengan kata dasar / search by stem</a> '
                    f"(menemukan juga bentuk berimbuhan / also finds affixed forms)."), datasette.WARNING)
        return {"url_csv": _streaming_csv_url(request, datasette)}

    return articles_vars


# The archive's facets: Datasette's column and array facets, counted as archive/facets.py
# explains (one pass for all facets of a page, whole-table counts from indexes), under types of
# their own so that Datasette's built-in facets stay registered and keep answering ``_facet=``
# and ``_facet_array=``. Metadata asks for ``counted`` and ``counted_array`` facets; a column
# also asked for with a built-in type on the same page is left to the built-in facet, so that
# no facet is shown twice.
COUNTER = FacetCounter()
use_counter(COUNTER)
COUNTED_AS = {"column": "counted", "array": "counted_array"}


def _request_specs(facet) -> list[tuple[str, str]]:
    """Every counted facet of this page (they are all counted together)."""
    return [(kind, column) for kind in COUNTED_TYPES
            for column in _counted_columns(facet.request, facet.metadata, kind)]


def _counted_columns(request, metadata, kind: str) -> dict[str, str]:
    built_in = facet_columns(request, metadata, kind)
    return {column: source for column, source in facet_columns(request, metadata, COUNTED_AS[kind]).items()
            if column not in built_in}


class _CountedFacet(Facet):
    """Shared by both facet types; each type's ``_values`` turns counts into Datasette's values."""

    kind: str  # "column" or "array": how archive/facets.py counts it
    toggle_arg: str

    async def suggest(self):
        return []

    async def facet_results(self):
        sources = _counted_columns(self.request, self.metadata, self.kind)
        if not sources:
            return [], []
        try:
            counts = await COUNTER.counts(self.ds.get_database(self.database), self.sql, self.params,
                                          _request_specs(self), self.ds.setting("facet_time_limit_ms"),
                                          self.request.scope.setdefault("pilkada_facet_counts", {}))
        except QueryInterrupted:
            return [], list(sources)
        size = self.get_facet_size()
        pairs = set(urllib.parse.parse_qsl(self.request.query_string, keep_blank_values=True))
        results = []
        for column, source in sources.items():
            rows = top(counts[(self.kind, column)], size + 1)
            results.append({
                "name": column, "type": self.type, "results": await self._values(column, rows[:size], pairs),
                "hideable": source != "metadata",
                "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {self.toggle_arg: column})),
                "truncated": len(rows) > size,
            })
        return results, []


class CountedColumnFacet(_CountedFacet):
    type = COUNTED_AS["column"]
    kind = "column"
    toggle_arg = "_facet_counted"

    async def _values(self, column, rows, pairs):
        arg = f"{column}__exact" if column.startswith("_") else column
        labels = {}
        if self.table:
            labels = await foreign_key_labels(self.ds, self.database, self.table, column, [v for v, _ in rows])
        values = []
        for value, count in rows:
            selected = (arg, str(value)) in pairs
            path = (path_with_removed_args(self.request, {arg: str(value)}) if selected
                    else path_with_added_args(self.request, {arg: value}))
            values.append({"value": value, "label": labels.get(value, value), "count": count,
                           "selected": selected, "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(path))})
        return values


class CountedArrayFacet(_CountedFacet):
    type = COUNTED_AS["array"]
    kind = "array"
    toggle_arg = "_facet_counted_array"

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
            try:
                value = await _stored_value(db, table, column, value)
            except UnknownValue as unknown:
                raise BadRequest(unknown.message) from None
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


REGION_COLUMNS = {"places", "regions"}


async def _stored_value(db, table: str, column: str, value: str) -> str:
    """The value as the column stores it, from what a person wrote ("Kalteng" in places is
    "62 Kalimantan Tengah", "Politik Uang" in election_stages is "politik_uang")."""
    if column in REGION_COLUMNS:
        return label_of_region(resolve_region(value))
    valid = await COUNTER.array_values(db, table, column)
    if value in valid:
        return value
    return resolve_label(column.replace("_", " "), value, valid)


@hookimpl
def register_facet_classes():
    return [CountedColumnFacet, CountedArrayFacet]


CANNED_PATH = re.compile(r"^/(?P<database>[^/]+)/(?P<query>" + "|".join(CANNED_PARAMETERS) + r")(?P<format>\.\w+)?$")


@hookimpl
def asgi_wrapper(datasette):
    """Resolves the parameters of the canned queries in archive.research_web.CANNED_PARAMETERS."""

    def wrap(app):
        async def resolving(scope, receive, send):
            match = CANNED_PATH.match(scope.get("path", "")) if scope["type"] == "http" else None
            if not match or match["database"] != archive_database(datasette)[0]:
                return await app(scope, receive, send)
            pairs = urllib.parse.parse_qsl(scope.get("query_string", b"").decode("utf-8"), keep_blank_values=True)
            resolved, errors = await canonical_parameters(datasette, match["query"], pairs)
            if errors:
                if match["format"]:
                    response = Response.json({"ok": False, "error": " ".join(errors), "status": 400}, status=400)
                else:
                    response = Response.html(await datasette.render_template("error.html", {
                        "ok": False, "status": 400, "title": "Nilai tidak dikenal / Unknown value",
                        "error": Markup("<br>".join(str(escape(e)) for e in errors))}), status=400)
                return await response.asgi_send(send)
            if resolved != pairs:
                location = scope.get("root_path", "") + scope["path"] + "?" + urllib.parse.urlencode(resolved)
                return await Response.redirect(location).asgi_send(send)
            return await app(scope, receive, send)

        return resolving

    return wrap
