"""Datasette plugin of the archive: every connection's pragmas and the project's SQL functions."""

from __future__ import annotations

from datasette import hookimpl

from indonesian.stemming import stem_query, stem_text


@hookimpl
def prepare_connection(conn):
    # Read the archive through a memory map and keep more of its pages: a search or a facet over
    # many articles reads one page per matching row (bench/run.py datasette section).
    conn.execute("PRAGMA mmap_size = 8589934592")
    conn.execute("PRAGMA cache_size = -131072")
    conn.create_function("stem_query", 1, stem_query, deterministic=True)
    conn.create_function("stem_text", 1, stem_text, deterministic=True)
