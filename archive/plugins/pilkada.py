"""Datasette plugin of the archive: Indonesian stemmed search and links to the real pages."""

from __future__ import annotations

from datasette import hookimpl
from markupsafe import Markup, escape

from archive.search import stem_query, stem_text


@hookimpl
def prepare_connection(conn):
    conn.create_function("stem_query", 1, stem_query, deterministic=True)
    conn.create_function("stem_text", 1, stem_text, deterministic=True)


@hookimpl
def render_cell(value, column, table):
    """Canonical URLs become links to the real site (scraped text is never rendered as HTML)."""
    if column == "url" and isinstance(value, str) and value.startswith("https://"):
        return Markup(f'<a href="{escape(value)}" rel="nofollow noopener">{escape(value)}</a>')
    return None
