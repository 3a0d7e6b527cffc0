"""A faster plan for the articles table's full-text search pages, with the same rows.

Datasette asks ``select <every column> from articles where rowid in (<full-text matches>) ...
order by sort_key desc limit N``. SQLite cannot know how many rows the full-text subquery
returns, so it always looks up every match and sorts them, carrying each article's whole row
(its text) through the sorter: for "pilkada" at 1,000,000 articles, 230,000 rows of 4 KB to
return 50. :func:`faster_page` asks the same question in two steps: choose the page's rowids
(the sorter carries only the date key and id), then read those rows. When a good share of the
archive matches (``BROAD_SHARE``, counted in the full-text index first), the first step walks
the newest-first index and stops at the page's last row instead of sorting every match.

Same rows in the same order: the inner query has Datasette's WHERE, ORDER BY and LIMIT; the
outer one only reads the chosen rows and orders them again (``sort_key`` is unique).
"""

from __future__ import annotations

import re

# Above this share of the archive matching, walking the date index beats looking up and sorting
# every match (the research search's measured threshold, archive/research.py).
BROAD_SHARE = 0.02
FTS_CLAUSE = "rowid in (select rowid from articles_fts where articles_fts match escape_fts(:search))"
TABLE_PAGE = re.compile(r"^select (?P<columns>.+?) from articles where (?P<where>.+) "
                        r"order by (?P<order>sort_key desc(?:, id)?) limit (?P<limit>\d+)$", re.DOTALL)
MATCH_COUNT = "select count(*) from articles_fts where articles_fts match escape_fts(:search)"


def searched_page(sql: str) -> re.Match | None:
    """The parts of a newest-first search page of the articles table, or None for other SQL."""
    match = TABLE_PAGE.match(sql.strip())
    if not match or FTS_CLAUSE not in match["where"] or " limit " in match["where"].lower():
        return None
    return match


def faster_page(page: re.Match, broad: bool) -> str:
    walk = " indexed by idx_articles_sort_key" if broad else ""
    return (f"select {page['columns']} from articles where rowid in ("
            f"select rowid from articles{walk} where {page['where']} order by {page['order']} limit {page['limit']}) "
            f"order by {page['order']}")
