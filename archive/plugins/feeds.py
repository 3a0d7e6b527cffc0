"""Datasette plugin of the archive: Atom feeds of any table or query that returns ``atom_*``
columns, and autodiscovery links to them.

It replaces datasette-atom's renderer (same extension, same columns, its HTML sanitiser), which
answered 500 to everyone when one title held a NUL or control character, served
``application/xml``, took ``<updated>`` as the largest *string* and gave every parameter set of a
query the same title. Columns: ``atom_id``, ``atom_title``, ``atom_updated`` (required);
``atom_published``, ``atom_link``, ``atom_content`` or ``atom_content_html``,
``atom_author_name``; ``atom_feed_title`` (first row) titles the whole feed.
"""

from __future__ import annotations

import urllib.parse

from datasette import hookimpl
from datasette.plugins import pm
from datasette.utils.asgi import Response
from datasette_atom import clean as clean_html

from archive.atom import ATOM_TYPE, atom_xml

REQUIRED = {"atom_id", "atom_title", "atom_updated"}
# The feeds the archive offers on every page (query name, parameters, label).
SITE_FEEDS = [
    ("berita_terbaru", {"election": ""}, "Berita terbaru / Latest articles"),
    ("berita_terbaru", {"election": "1"}, "Berita pemilihan terbaru / Latest election articles"),
]

if pm.has_plugin("atom"):
    pm.unregister(name="atom")


@hookimpl
def register_output_renderer():
    return {"extension": "atom", "render": render_atom, "can_render": lambda columns: set(columns) >= REQUIRED}


def render_atom(datasette, request, columns, rows, database, table, query_name, data):
    from datasette.views.base import DatasetteError

    if not set(columns) >= REQUIRED:
        raise DatasetteError(f"a feed needs the columns {', '.join(sorted(REQUIRED))}", status=400)
    rows = [dict(zip(columns, row, strict=True)) for row in rows]
    entries = [{key.removeprefix("atom_").replace("author_name", "author"): value
                for key, value in row.items() if key.startswith("atom_")} for row in rows]
    xml = atom_xml(entries, title=feed_title(datasette, request, database, table, query_name, data, rows),
                   feed_url=request.url, page_url=request.url.replace(".atom", "", 1), clean_html=clean_html,
                   generator="pilkada-archive on Datasette")
    return Response(xml, content_type=f"{ATOM_TYPE}; charset=utf-8", status=200)


def feed_title(datasette, request, database, table, query_name, data, rows) -> str:
    """The query's own ``atom_feed_title``; else the canned query's or table's title with the
    parameters that made this feed, so that two different feeds never share a title."""
    if rows and rows[0].get("atom_feed_title"):
        return str(rows[0]["atom_feed_title"])
    title = table or query_name or database
    if query_name:
        queries = (datasette.metadata(database=database) or {}).get("queries", {})
        title = (queries.get(query_name) or {}).get("title") or title
    chosen = [f"{k}={v}" for k in request.args for v in request.args.getlist(k) if v and not k.startswith("_")]
    if data.get("human_description_en"):
        chosen.append(data["human_description_en"])
    return f"{title} ({', '.join(chosen)})" if chosen else title


def _database_name(datasette) -> str | None:
    return next((n for n in datasette.databases if n not in ("_internal", "_memory")), None)


@hookimpl
def extra_template_vars(datasette, request, database, columns, view_name):
    """``feed_links`` for the page head (templates/base.html): the site's feeds everywhere, and
    the page's own feed where the page is a query or table that returns ``atom_*`` columns."""
    name = database or _database_name(datasette)
    if name is None or request is None:
        return {}
    links = [{"href": datasette.urls.database(name) + f"/{query}.atom?" + urllib.parse.urlencode(params),
              "title": label} for query, params, label in SITE_FEEDS]
    if view_name in ("query", "table") and columns and set(columns) >= REQUIRED:
        path = request.scope.get("route_path", request.path)  # without base_url, which urls.path adds
        own = datasette.urls.path(path + ".atom") + (f"?{request.query_string}" if request.query_string else "")
        if own not in {link["href"] for link in links}:
            links.insert(0, {"href": own, "title": "Feed halaman ini / this page as a feed"})
    return {"feed_links": links}
