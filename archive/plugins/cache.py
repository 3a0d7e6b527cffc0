"""Datasette plugin of the archive: expensive reads answered once per version of the archive.

See ``archive.query_cache``: an answer (an exact count, a page of a search, a facet's counts, a
canned query) is kept with the version of the archive it was computed on and served only while
the archive is still at that version; any commit to the file changes the version.
``PILKADA_QUERY_CACHE=0`` turns it off (to measure what a read costs without it).
"""

from __future__ import annotations

import os

from datasette import hookimpl

from archive.datasette_adapter import cache_reads
from archive.query_cache import VersionedCache

CACHE_ENV = "PILKADA_QUERY_CACHE"
READS = VersionedCache()


def enabled() -> bool:
    return os.environ.get(CACHE_ENV, "1") != "0"


@hookimpl
def startup(datasette):
    if not enabled():
        return
    for name, database in datasette.databases.items():
        if name not in ("_internal", "_memory") and database.path:
            cache_reads(database, READS)
