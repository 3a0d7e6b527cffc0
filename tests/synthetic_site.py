"""A small synthetic archive with its published site started, for the tests of kept answers
(tests/test_query_cache.py, tests/test_facet_columns.py)."""

from __future__ import annotations


async def started_site(path, count: int, stored: int):
    """``count`` synthetic articles, the first ``stored`` of them written into a fresh archive at
    ``path``, and the site of that archive started: (items, the writer's connection, the site)."""
    from archive.connect import open_archive
    from archive.site import app
    from archive.store import ArchiveWriter
    from bench.synth import synthetic_items

    items = list(synthetic_items(count))
    db = open_archive(str(path), migrate=True)
    ArchiveWriter(db).write(items[:stored])
    site = app(path)
    await site.invoke_startup()
    return items, db, site


async def answers_of(datasette, pages: list[str], answer) -> dict:
    """What ``answer`` keeps of each page's JSON, every page asked once (each must be a 200)."""
    out = {}
    for page in pages:
        response = await datasette.client.get(page)
        assert response.status_code == 200, (page, response.text)
        out[page] = answer(response.json())
    return out
