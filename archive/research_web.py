"""The research search page ``/-/cari``: HTML, JSON, the full CSV export, an Atom feed of the
search, and attention over time (``/-/cari/bulan``, chart and CSV). What is searched and how is
in ``archive.research``; this module reads the request, resolves what a person typed, and renders.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.parse

from markupsafe import Markup, escape

from archive.atom import ATOM_TYPE, atom_xml
from archive.datasette_adapter import streaming_response
from archive.facet_columns import COLUMNS_IN_MEMORY, answered, research_page, search_mask
from archive.facets import FacetCounter
from archive.query_cache import version_of
from archive.research import (
    BROAD_SHARE,
    COLUMNS,
    MOST_SHARE,
    TOTALS_SQL,
    QueryError,
    Search,
    attention_rows,
    attention_sql,
    count_sql,
    export_sql,
    page_sql,
    zero_filled,
)
from archive.vocabulary import UnknownValue, label_of_region, resolve_label, resolve_region
from indonesian.regions import gazetteer

PAGE_SIZES = (10, 25, 50, 100, 500)
EXPORT_CHUNK = 1000
FEED_SIZE = 50
PARAMS = ("q", "from", "to", "source", "region", "type", "stage", "mentions", "order", "size")
_sources_cache: dict[str, tuple[int | None, list[str]]] = {}


def archive_database(datasette):
    name = next(n for n in datasette.databases if n not in ("_internal", "_memory"))
    return name, datasette.get_database(name)


async def _sources(db) -> list[str]:
    version = version_of(db.path)
    cached = _sources_cache.get(db.name)
    if not cached or cached[0] != version or version is None:
        rows = (await db.execute("select distinct source from articles where source is not null")).rows
        cached = _sources_cache[db.name] = (version, sorted(r[0] for r in rows))
    return cached[1]


async def _stage_column(db) -> str:
    return "focus_stage" if "focus_stage" in await db.table_columns("articles") else "election_stages"


async def _stages(db, counter: FacetCounter, column: str) -> list[str]:
    if column == "focus_stage":
        rows = (await db.execute("select distinct focus_stage from articles where focus_stage is not null")).rows
        return sorted(r[0] for r in rows)
    return await counter.array_values(db, "articles", "election_stages")


async def search_from(args, db, counter: FacetCounter) -> tuple[Search, list[str], dict]:
    """The search the parameters describe, the messages for values that resolve to nothing,
    and the choices of the form's dropdowns."""
    stage_column = await _stage_column(db)
    choices = {"source": await _sources(db),
               "type": await counter.array_values(db, "articles", "election_types"),
               "stage": await _stages(db, counter, stage_column),
               "mentions": await counter.array_values(db, "articles", "election_stages")}
    search = Search(q=args.get("q", "").strip(), date_from=args.get("from", "").strip(),
                    date_to=args.get("to", "").strip(), stage_column=stage_column,
                    order="relevance" if args.get("order") == "relevance" else "newest")
    errors = []
    for name, valid in choices.items():
        given = args.get(name, "").strip()
        if given:
            try:
                what = {"type": "election type", "stage": "stage" if stage_column == "election_stages" else "focus stage",
                        "mentions": "stage mentioned"}.get(name, name)
                setattr(search, name, resolve_label(what, given, valid))
            except UnknownValue as unknown:
                errors.append(unknown.message)
    if region := args.get("region", "").strip():
        try:
            search.region = resolve_region(region)
        except UnknownValue as unknown:
            errors.append(unknown.message)
    try:
        search.where()
    except QueryError as error:
        errors.append(str(error))
    return search, errors, choices


def _link(path: str, args: dict, **changes) -> str:
    merged = {k: v for k, v in {**args, **changes}.items() if v not in (None, "")}
    return path + ("?" + urllib.parse.urlencode(merged) if merged else "")


def _args(request) -> dict:
    return {k: request.args.get(k) for k in PARAMS if request.args.get(k)}


def _page_size(request) -> int:
    try:
        size = int(request.args.get("size") or 25)
    except ValueError:
        size = 25
    return min(max(size, 1), 500)


async def research_search(datasette, request):
    from datasette.utils.asgi import Response

    counter = _counter()
    fmt = request.url_vars.get("format") or "html"
    name, db = archive_database(datasette)
    search, errors, choices = await search_from(request.args, db, counter)
    args = _args(request)
    base = datasette.urls.path("/-/cari")
    if errors:
        if fmt == "html":
            return Response.html(await datasette.render_template("research.html", {
                "errors": errors, "args": args, "choices": choices, "provinces": _provinces(),
                "database": name, "base": base, "rows": None}, request=request), status=400)
        return Response.json({"ok": False, "errors": errors}, status=400)
    if fmt == "csv":
        total = await _total(db, search)
        return _csv_export(db, search, *await _plan(db, total))
    if fmt == "atom":
        return await _feed(datasette, request, db, search, args)
    size = _page_size(request)
    after = request.args.get("_next") or None
    found = await _page_from_memory(db, search, size, after)
    if found is not None:
        total, rows = found[0], [dict(row) for row in found[1]]  # copies: the kept answer is not changed below
    else:
        total = await _total(db, search)
        sql, params = page_sql(search, size, after, *await _plan(db, total))
        rows = [dict(zip(r.keys(), r, strict=True))
                for r in (await db.execute(sql, params, custom_time_limit=30000)).rows]
    next_token = None
    if len(rows) > size:
        rows = rows[:size]
        next_token = (str(int(after or 0) + size) if search.order == "relevance" and "score" in rows[0]
                      else rows[-1]["sort_key"])
    next_url = _link(base + ("." + fmt if fmt != "html" else ""), args, _next=next_token) if next_token else None
    for row in rows:
        row["places"] = json.loads(row["places"] or "[]")
        row["article_url"] = datasette.urls.row(name, "articles", str(row["id"]))
    if fmt == "json":
        return Response.json({"ok": True, "total": total, "rows": rows, "next": next_token,
                              "next_url": next_url and datasette.absolute_url(request, next_url),
                              "search": args})
    feed_url = _link(base + ".atom", args)
    return Response.html(await datasette.render_template("research.html", {
        "errors": [], "args": args, "choices": choices, "provinces": _provinces(), "database": name,
        "base": base, "rows": rows, "total": total, "next_url": next_url, "size": size,
        "first_url": _link(base, args) if after else None,
        "csv_url": _link(base + ".csv", args), "json_url": _link(base + ".json", args),
        "feed_url": feed_url, "feed_absolute_url": datasette.absolute_url(request, feed_url),
        "attention_url": _link(base + "/bulan", args), "attention_csv_url": _link(base + "/bulan.csv", args),
        "region_label": label_of_region(search.region) if search.region else "",
    }, request=request))


def _provinces() -> list[str]:
    return [label_of_region(r.code) for r in gazetteer().values() if r.level in ("province", "regency", "city")]


EXPORT_COLUMNS = ["id", "published_date", "published_at", "source", "title", "url", "author", "election_related",
                  "election_types", "election_stages", "institutions", "places", "word_count", "body"]


async def _total(db, search: Search) -> int:
    """The exact number of matches: from the facet columns in memory (archive/facet_columns.py)
    when they hold the archive's current version and every part of the search, else SQLite."""
    snapshot = COLUMNS_IN_MEMORY.current(db.path)
    if snapshot is not None:
        def count(conn, snapshot):
            mask = search_mask(conn, snapshot, search)
            return None if mask is None else int(mask.sum())

        found = await answered(db, snapshot, count, ("total", repr(search)))
        if found is not None:
            return found
    return (await db.execute(*count_sql(search), custom_time_limit=30000)).first()[0]


async def _page_from_memory(db, search: Search, size: int, after: str | None):
    """(total, rows) of a newest-first page from the facet columns in memory, or None."""
    snapshot = COLUMNS_IN_MEMORY.current(db.path)
    if snapshot is None or search.order != "newest":
        return None
    return await answered(db, snapshot, lambda conn, snapshot: research_page(
        conn, snapshot, search, size, after, COLUMNS, "substr(a.body, 1, 280) as snippet"),
        ("page", repr(search), size, after))


async def _attention_from_memory(db, search: Search):
    """(TOTALS_SQL's rows, attention_sql's rows) from the facet columns in memory, or None."""
    snapshot = COLUMNS_IN_MEMORY.current(db.path)
    if snapshot is None:
        return None

    def count(conn, snapshot):
        mask = search_mask(conn, snapshot, search)
        return None if mask is None else (snapshot.month_source_counts(None), snapshot.month_source_counts(mask))

    return await answered(db, snapshot, count, ("attention", repr(search)))


async def _plan(db, total: int) -> tuple[bool, bool]:
    """Whether a good share of the archive matches (``archive.research.BROAD_SHARE``: walk by
    date) and whether most of it does (``MOST_SHARE``: look each article up in the index); the
    largest id stands in for the number of articles (one index look-up)."""
    largest = (await db.execute("select max(id) from articles")).first()[0] or 0
    return total >= BROAD_SHARE * largest, total >= MOST_SHARE * largest


def _csv_export(db, search: Search, broad: bool, most: bool):
    """Every match, streamed a chunk at a time in the one newest-first order: nothing capped."""

    async def stream(writer):
        buffer = io.StringIO()
        out = csv.writer(buffer)
        out.writerow(EXPORT_COLUMNS)
        after = None
        while True:
            sql, params = export_sql(search, after, EXPORT_CHUNK, broad, most)
            rows = (await db.execute(sql, params, custom_time_limit=30000)).rows
            for row in rows:
                out.writerow([row[c] for c in EXPORT_COLUMNS])
            await writer.write(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
            if len(rows) < EXPORT_CHUNK:
                break
            after = rows[-1]["sort_key"]

    return streaming_response(stream, content_type="text/csv; charset=utf-8",
                              headers={"content-disposition": 'attachment; filename="cari.csv"'})


async def _feed(datasette, request, db, search: Search, args: dict):
    from datasette.utils.asgi import Response

    total = await _total(db, search)
    rows = (await db.execute(*export_sql(search, None, FEED_SIZE, *await _plan(db, total)),
                             custom_time_limit=30000)).rows
    feed_url = datasette.absolute_url(request, _link(datasette.urls.path("/-/cari.atom"), args))
    page_url = datasette.absolute_url(request, _link(datasette.urls.path("/-/cari"), args))
    described = ", ".join(f"{k}={v}" for k, v in args.items() if k not in ("size", "order")) or "semua / all"
    # Edited articles are dated by the run that found their newest version, as in every feed.
    edited = {}
    ids = [row["id"] for row in rows]
    if ids:
        marks = ", ".join("?" * len(ids))
        edited = dict((await db.execute(
            f"select a.id, coalesce((select r.finished_at from crawl_runs r where r.run_id = v.run_id "
            f"and r.source = a.source), v.fetched_at) from articles a join article_versions v "
            f"on v.article_id = a.id and v.version = a.version - 1 where a.id in ({marks})", ids)).rows)
    entries = []
    for row in rows:
        published = row["published_at"] or f"{row['published_date'] or '1970-01-01'}T00:00:00+07:00"
        entries.append({"id": row["url"], "title": row["title"] or row["url"], "link": row["url"],
                        "published": published, "updated": edited.get(row["id"]) or published,
                        "author": row["source"], "content": (row["body"] or "")[:600]})
    body = atom_xml(entries, title=f"Arsip Berita Pilkada: cari / search {described}", feed_url=feed_url,
                    page_url=page_url)
    return Response(body, content_type=ATOM_TYPE + "; charset=utf-8")


async def research_attention(datasette, request):
    """Matches and share of all articles per month and source, zero-filled: chart and CSV."""
    from datasette.utils.asgi import Response

    counter = _counter()
    fmt = request.url_vars.get("format") or "html"
    name, db = archive_database(datasette)
    search, errors, choices = await search_from(request.args, db, counter)
    if errors:
        return Response.json({"ok": False, "errors": errors}, status=400) if fmt != "html" else Response.html(
            await datasette.render_template("research.html", {
                "errors": errors, "args": _args(request), "choices": choices, "provinces": _provinces(),
                "database": name, "base": datasette.urls.path("/-/cari"), "rows": None}, request=request),
            status=400)
    counted = await _attention_from_memory(db, search)
    if counted is None:
        totals = (await db.execute(TOTALS_SQL, custom_time_limit=30000)).rows
        matches = (await db.execute(*attention_sql(search), custom_time_limit=30000)).rows
    else:
        totals, matches = counted
    rows = zero_filled(attention_rows(totals, matches), search)
    if fmt == "csv":
        buffer = io.StringIO()
        out = csv.DictWriter(buffer, ["month", "source", "matches", "articles", "share"])
        out.writeheader()
        out.writerows(rows)
        return Response(buffer.getvalue(), content_type="text/csv; charset=utf-8",
                        headers={"content-disposition": 'attachment; filename="cari-bulan.csv"'})
    if fmt == "json":
        return Response.json({"ok": True, "rows": rows, "search": _args(request)})
    args = _args(request)
    base = datasette.urls.path("/-/cari")
    return Response.html(await datasette.render_template("research_attention.html", {
        "args": args, "rows": rows, "chart": attention_chart(rows), "database": name,
        "search_url": _link(base, args), "csv_url": _link(base + "/bulan.csv", args),
        "json_url": _link(base + "/bulan.json", args),
    }, request=request))


COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")


def attention_chart(rows: list[dict], width: int = 900, height: int = 260) -> Markup:
    """Matches per month, one line per source, as inline SVG (no script, works offline); every
    month is a point, months without matches at zero."""
    if not rows:
        return Markup("<p>Tidak ada artikel / no articles.</p>")
    months = list(dict.fromkeys(r["month"] for r in rows))
    sources = list(dict.fromkeys(r["source"] for r in rows))
    top = max(max(r["matches"] for r in rows), 1)
    left, bottom, right, upper = 50, 30, 30, 24
    span_x = (width - left - right) / max(len(months) - 1, 1)

    def x(i):
        return left + i * span_x

    def y(v):
        return upper + (height - upper - bottom) * (1 - v / top)

    parts = [f'<svg class="attention" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="Artikel cocok per bulan / matching articles per month">',
             f'<line x1="{left}" y1="{y(0):.1f}" x2="{width - right}" y2="{y(0):.1f}" stroke="#888"/>',
             f'<text x="{left - 6}" y="{y(top) + 4:.1f}" text-anchor="end" font-size="11">{top}</text>',
             f'<text x="{left - 6}" y="{y(0) + 4:.1f}" text-anchor="end" font-size="11">0</text>']
    step = max(1, len(months) // 12)
    for i, month in enumerate(months):
        if i % step == 0:
            parts.append(f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" font-size="10">{month}</text>')
    for n, source in enumerate(sources):
        color = COLORS[n % len(COLORS)]
        values = {r["month"]: r for r in rows if r["source"] == source}
        points = " ".join(f"{x(i):.1f},{y(values[m]['matches']):.1f}" for i, m in enumerate(months))
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}"/>')
        for i, m in enumerate(months):
            r = values[m]
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(r["matches"]):.1f}" r="2.5" fill="{color}">'
                         f'<title>{escape(source)} {m}: {r["matches"]} / {r["articles"]}</title></circle>')
        parts.append(f'<text x="{left + 10 + 140 * n}" y="14" fill="{color}" font-size="12">{escape(source)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


_COUNTER: FacetCounter | None = None


def use_counter(counter: FacetCounter) -> None:
    """The plugin's counter, whose cache of distinct label arrays the form's dropdowns share."""
    global _COUNTER
    _COUNTER = counter


def _counter() -> FacetCounter:
    return _COUNTER or FacetCounter()


# Canned queries whose parameters name a source, region, election type or stage: what a person
# types there is resolved too (asgi_wrapper in the plugin): a value written another way
# redirects to the stored one (region=Kalteng -> region=62), an unknown one is a 400 whose
# message lists the valid values, never a silent empty answer.
CANNED_PARAMETERS = {
    "coverage_over_time": {"source": "source", "region": "region", "type": "type", "stage": "election_stages"},
    "articles_in_region": {"code": "region"},
    "cari": {"source": "source"},
}


async def canonical_parameters(datasette, query: str, pairs: list[tuple[str, str]]):
    """(pairs with stored values, messages for the values that resolve to nothing)."""
    _, db = archive_database(datasette)
    counter = _counter()
    kinds = CANNED_PARAMETERS[query]
    out, errors = [], []
    for key, value in pairs:
        kind = kinds.get(key)
        if not kind or not value.strip():
            out.append((key, value))
            continue
        try:
            if kind == "region":
                value = resolve_region(value)
            elif kind == "source":
                value = resolve_label("source", value, await _sources(db))
            elif kind == "type":
                value = resolve_label("election type", value, await counter.array_values(db, "articles", "election_types"))
            else:
                value = resolve_label("stage", value, await counter.array_values(db, "articles", kind))
        except UnknownValue as unknown:
            errors.append(unknown.message)
        out.append((key, value))
    return out, errors
