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
from archive.facet_columns import COLUMNS_IN_MEMORY
from archive.query_cache import VersionedCache

READS = VersionedCache()


@hookimpl
def startup(datasette):
    archives = [database for name, database in datasette.databases.items()
                if name not in ("_internal", "_memory") and database.path]
    for database in archives:
        serve_reads(database, READS)

    async def facet_columns_in_memory():
        # Read before the first request is answered (a few seconds at 1,000,000 articles), so
        # that the first questions are answered from them (archive/facet_columns.py).
        for database in archives:
            await COLUMNS_IN_MEMORY.ready(database.path)

    return facet_columns_in_memory
