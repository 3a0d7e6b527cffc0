"""Datasette plugin of the archive: expensive reads answered once per version of the archive,
and the articles table's search pages asked with a faster plan (``archive.search_plan``).

See ``archive.query_cache``: an answer (an exact count, a page of a search, a facet's counts, a
canned query) is kept with the version of the archive it was computed on and served only while
the archive is still at that version; any commit to the file changes the version.
``PILKADA_QUERY_CACHE=0`` turns it off, with the facets' kept counts (to measure what a read
costs without them).
"""

from __future__ import annotations

from datasette import hookimpl

from archive.datasette_adapter import serve_reads
from archive.query_cache import VersionedCache

READS = VersionedCache()


@hookimpl
def startup(datasette):
    for name, database in datasette.databases.items():
        if name not in ("_internal", "_memory") and database.path:
            serve_reads(database, READS)
