"""The endpoints of the Datasette benchmark, each asked three ways in the same run.

- ``project``: the published site (``pilkada-archive serve``), the path a researcher's browser or
  script requests.
- ``stock``: stock Datasette 0.65 with no plugins and default settings serving the same file, for
  the same answer where it can give one (the same facets requested explicitly, the canned
  queries' SQL as arbitrary queries); ``None`` where it cannot (a plugin's page).
- ``floor``: the same question asked directly in SQLite from Python, one connection, no HTTP:
  plain SQL over the base tables (no summary table or cache a plugin might keep), every
  statement a page needs (the count, the rows, the facet counts). What a page cannot go below
  without precomputing.

Paths take ``{db}`` (the database name) and ``{id}`` (an article id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from indonesian.stemming import stem_query

SEARCH_TERM = "pilkada"  # 23 % of the synthetic archive matches: the broad case that was slow

# The facets of the articles table page (archive/metadata.yml), requested explicitly of stock
# Datasette so that it computes the same ones.
COUNTED = ("source", "published_month", "election_related", "focus_stage", "date_confidence")
COUNTED_ARRAY = ("election_types", "election_stages", "institutions", "places")
STOCK_FACETS = "&".join([*(f"_facet={c}" for c in COUNTED), *(f"_facet_array={c}" for c in COUNTED_ARRAY)])


@dataclass(frozen=True)
class Endpoint:
    name: str
    project: str
    stock: str | None
    floor: list[tuple[str, tuple]] = field(default_factory=list)
    target_ms: int = 500
    search: bool = False


def _facet_sql(where: str, params: tuple) -> list[tuple[str, tuple]]:
    """One statement per facet of the table page, over the rows ``where`` selects (limit 31 as
    Datasette asks for 30 values and whether there are more). ``where`` names its columns
    with ``articles.``: json_each has columns of its own (id, value...)."""
    statements = [(f"select {c}, count(*) from articles where {where} group by {c} order by 2 desc limit 31",
                   params) for c in COUNTED]
    statements += [(f"select j.value, count(*) from articles, json_each(articles.{c}) j where {where} "
                    f"group by j.value order by 2 desc limit 31", params) for c in COUNTED_ARRAY]
    return statements


FTS_MATCH = "articles.rowid in (select rowid from articles_fts where articles_fts match ?)"
MATCH_TERM = (f'"{SEARCH_TERM}"',)  # Datasette's escaped search mode quotes each word
STEM_MATCH = "articles.id in (select rowid from article_stems_fts where article_stems_fts match ?)"
STEMMED_TERM = (stem_query(SEARCH_TERM),)
# The research search's region filter: the region and everything inside it, by code range.
REGION_62 = "articles.id in (select article_id from article_regions where code = '62' or (code > '62.' and code < '62/'))"
PAGE_COLUMNS = "id, url, source, title, published_date, election_related, places, sort_key"
ARRAY_FILTER = "exists (select 1 from json_each(articles.election_types) where value = ?)"

COVERAGE_SQL = """select published_month as month, count(*) as articles, sum(election_related) as election_articles
from articles where published_month is not null group by published_month order by published_month"""

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "search", f"/{{db}}/articles.json?_search={SEARCH_TERM}&_shape=array&_size=50",
        f"/{{db}}/articles.json?_search={SEARCH_TERM}&_shape=array&_size=50&_sort_desc=sort_key&_nofacet=1",
        [("select count(*) from articles_fts where articles_fts match ?", MATCH_TERM),
         (f"select {PAGE_COLUMNS} from articles where {FTS_MATCH} order by sort_key desc limit 51", MATCH_TERM)],
        target_ms=200, search=True),
    Endpoint(
        "search_facets",
        f"/{{db}}/articles.json?_search={SEARCH_TERM}&_facet=source&_facet=published_month&_size=50",
        f"/{{db}}/articles.json?_search={SEARCH_TERM}&{STOCK_FACETS}&_size=50&_sort_desc=sort_key",
        [("select count(*) from articles_fts where articles_fts match ?", MATCH_TERM),
         (f"select {PAGE_COLUMNS} from articles where {FTS_MATCH} order by sort_key desc limit 51", MATCH_TERM),
         *_facet_sql(FTS_MATCH, MATCH_TERM)],
        target_ms=500, search=True),
    Endpoint(
        "facet_value_filter", "/{db}/articles.json?_tag=election_types:pilkada&_size=50",
        f"/{{db}}/articles.json?election_types__arraycontains=pilkada&{STOCK_FACETS}&_size=50&_sort_desc=sort_key",
        [(f"select count(*) from articles where {ARRAY_FILTER}", ("pilkada",)),
         (f"select {PAGE_COLUMNS} from articles where {ARRAY_FILTER} order by sort_key desc limit 51", ("pilkada",)),
         *_facet_sql(ARRAY_FILTER, ("pilkada",))]),
    Endpoint(
        "research_search", f"/-/cari.json?q={SEARCH_TERM}", None,
        [(f"select count(*) from articles where {STEM_MATCH}", STEMMED_TERM),
         (f"select {PAGE_COLUMNS}, substr(body, 1, 280) from articles where {STEM_MATCH} "
          "order by sort_key desc limit 26", STEMMED_TERM)],
        target_ms=200, search=True),
    Endpoint(
        "research_search_filtered", f"/-/cari.json?q={SEARCH_TERM}&source=mmc_kobar&type=pilkada&region=62", None,
        [(f"select count(*) from articles where {STEM_MATCH} and source = ? and {ARRAY_FILTER} and {REGION_62}",
          (*STEMMED_TERM, "mmc_kobar", "pilkada")),
         (f"select {PAGE_COLUMNS}, substr(body, 1, 280) from articles where {STEM_MATCH} and source = ? "
          f"and {ARRAY_FILTER} and {REGION_62} order by sort_key desc limit 26",
          (*STEMMED_TERM, "mmc_kobar", "pilkada"))],
        target_ms=200, search=True),
    Endpoint(
        "research_attention", f"/-/cari/bulan.csv?q={SEARCH_TERM}", None,
        [("select published_month, source, count(*) from articles where published_month is not null "
          "group by 1, 2", ()),
         (f"select published_month, source, count(*) from articles where published_month is not null "
          f"and {STEM_MATCH} group by 1, 2", STEMMED_TERM)]),
    Endpoint(
        "stemmed_search", "/{db}/cari.json?q=pemilihan&source=&_shape=array",
        None,  # its SQL calls stem_query(), a function the project's plugin registers
        [(f"select {PAGE_COLUMNS}, substr(body, 1, 240) from articles where {STEM_MATCH} "
          "order by sort_key desc limit 100", (stem_query("pemilihan"),))],
        target_ms=200, search=True),
    Endpoint(
        "coverage_over_time", "/{db}/coverage_over_time.json?source=&region=&type=&stage=&_shape=array",
        "/{db}.json?" + urlencode({"sql": COVERAGE_SQL, "_shape": "array"}),
        [(COVERAGE_SQL, ())]),
    Endpoint("atom_feed", "/{db}/berita_terbaru.atom?election=1", None,
             [(f"select {PAGE_COLUMNS}, body from articles where election_related = 1 "
               "order by sort_key desc limit 50", ())]),
    Endpoint("article_page", "/{db}/articles/{id}", "/{db}/articles/{id}",
             [("select * from articles where id = ?", ("{id}",))]),
    Endpoint("table_page", "/{db}/articles", f"/{{db}}/articles?{STOCK_FACETS}&_sort_desc=sort_key",
             [("select count(*) from articles", ()),
              (f"select {PAGE_COLUMNS} from articles order by sort_key desc limit 26", ()),
              *_facet_sql("1", ())]),
    Endpoint("home_page", "/", "/", []),
]
