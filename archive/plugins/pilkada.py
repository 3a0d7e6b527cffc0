"""Datasette plugin of the archive: Indonesian stemmed search and links to the real pages."""

from __future__ import annotations

import difflib
import json

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import ArrayFacet
from datasette.utils import (
    escape_sqlite,
    path_with_added_args,
    path_with_removed_args,
)
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from archive.search import stem_query, stem_text


@hookimpl
def prepare_connection(conn):
    # Read the archive through a memory map and keep more of its pages: a search or a facet over
    # many articles reads one page per matching row (bench/run.py datasette section).
    conn.execute("PRAGMA mmap_size = 8589934592")
    conn.execute("PRAGMA cache_size = -131072")
    conn.create_function("stem_query", 1, stem_query, deterministic=True)
    conn.create_function("stem_text", 1, stem_text, deterministic=True)


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


class TagsFacet(ArrayFacet):
    """Facet counts of a JSON array column whose arrays are sets (tags, types, regions).

    Datasette's ``array`` facet de-duplicates with ``select distinct j.value, inner.*``, which
    sorts every matching row with its full text: 9 s per table page at 200,000 articles. Here the
    rows are first grouped by the array's text (a scan of the column's index for the whole
    table), then the few distinct arrays are unpacked and their counts summed. Values are counted
    once per row because the archive writes each array without repeats.
    Use it as ``{"tags": "column"}`` in metadata or ``?_facet_tags=column``; its values filter with
    the usual ``column__arraycontains=value``.
    """

    type = "tags"

    async def suggest(self):
        return []

    async def facet_results(self):
        results, timed_out = [], []
        facet_size = self.get_facet_size()
        pairs = self.get_querystring_pairs()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            facet_sql = f"""
                with inner as ({self.sql})
                select j.value as value, sum(g.n) as count
                from (select {escape_sqlite(column)} as items, count(*) as n from inner
                      where json_valid({escape_sqlite(column)}) group by 1) g, json_each(g.items) j
                group by j.value order by count desc, value limit {facet_size + 1}
            """
            try:
                rows = await self.ds.execute(self.database, facet_sql, self.params, truncate=False,
                                             custom_time_limit=self.ds.setting("facet_time_limit_ms"))
            except QueryInterrupted:
                timed_out.append(column)
                continue
            values = []
            for row in rows.rows[:facet_size]:
                value = str(row["value"])
                arg = {f"{column}__arraycontains": value}
                selected = (f"{column}__arraycontains", value) in pairs
                path = path_with_removed_args(self.request, arg) if selected else path_with_added_args(self.request, arg)
                values.append({"value": value, "label": value, "count": row["count"], "selected": selected,
                               "toggle_url": self.ds.absolute_url(self.request, path)})
            results.append({
                "name": column, "type": self.type, "results": values,
                "hideable": source_and_config["source"] != "metadata",
                "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet_tags": column})),
                "truncated": len(rows) > facet_size,
            })
        return results, timed_out


@hookimpl
def register_facet_classes():
    return [TagsFacet]
