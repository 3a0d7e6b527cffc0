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


# Above this share the walk checks each article against the full-text index (a seek in its
# list of matches) instead of first reading every match into a temporary table: at 1,000,000
# articles, for a word in 39 % of them 26 ms against 199 ms; for one in 5 %, 463 ms against 54 ms
# (measured on the loaded machine; the same threshold as the stemmed canned query's).
MOST_SHARE = 0.3
CORRELATED_FTS = ("exists (select 1 from articles_fts where articles_fts match escape_fts(:search) "
                  "and articles_fts.rowid = articles.rowid)")


def faster_page(page: re.Match, broad: bool, most: bool = False) -> str:
    walk = " indexed by idx_articles_sort_key" if broad else ""
    where = page["where"].replace(FTS_CLAUSE, CORRELATED_FTS) if broad and most else page["where"]
    return (f"select {page['columns']} from articles where rowid in ("
            f"select rowid from articles{walk} where {where} order by {page['order']} limit {page['limit']}) "
            f"order by {page['order']}")


# Counts and facets of a page whose filters are a search and/or filters on these columns read
# the narrow index of the facet columns (about 200 bytes an article) instead of every matching
# row (4 KB with its text): for a broad search, one scan of the index beats 230,000 row look-ups.
# The columns are the articles table's facets (archive/metadata.yml); migration m014 makes it.
FACET_INDEX = "idx_articles_facet_columns"
FACET_COLUMNS = ("source", "published_month", "election_related", "election_types", "focus_stage",
                 "election_stages", "institutions", "places", "date_confidence")
ROWS = re.compile(r"^select (?P<columns>.+?) from articles where (?P<where>.+?)\s*$", re.DOTALL)
COLUMN_FILTER = re.compile(r'^[\["]?(?P<column>\w+)[\]"]? (?:in \((?::\w+(?:, )?)+\)|= :\w+)$')


def covered_where(sql: str) -> str | None:
    """The WHERE of ``select ... from articles where ...`` when the facet index answers it (a
    search, tag and equality filters on the facet columns, Datasette's keyset), else None."""
    match = ROWS.match(sql.strip())
    if not match or " order by " in match["where"] or " limit " in match["where"]:
        return None
    for part in match["where"].split(" and "):
        filtered = COLUMN_FILTER.match(part)
        if part != FTS_CLAUSE and not (filtered and filtered["column"] in FACET_COLUMNS):
            return None
    return match["where"]


def counted_sql(where: str) -> str:
    return f"select count(*) from articles indexed by {FACET_INDEX} where {where}"


def facets_sql(where: str, columns: list[str]) -> str:
    names = ", ".join(f"[{c}]" for c in columns)
    return f"select {names}, count(*) from articles indexed by {FACET_INDEX} where {where} group by {names}"


async def broad(database, where: str, params: dict) -> bool:
    """Whether a good share of the archive matches ``where`` (``database``: Datasette's). A
    search is counted in its full-text index, other filters by their own indexes."""
    return await share(database, where, params) >= BROAD_SHARE


async def share(database, where: str, params: dict) -> float:
    """About what share of the archive matches ``where`` (the largest id stands for the number
    of articles)."""
    if FTS_CLAUSE in where:
        matches = (await database.execute(MATCH_COUNT, {"search": params["search"]})).first()[0]
    else:
        matches = (await database.execute(f"select count(*) from articles where {where}", params)).first()[0]
    largest = (await database.execute("select max(id) from articles")).first()[0] or 0
    return matches / largest if largest else 0.0
