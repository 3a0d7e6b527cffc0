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


# ---------------------------------------------------------------------------------------------
# Distinct questions (issue 14, first answers): a researcher's question is usually asked once, so
# the p95 of 200 repetitions (answered from the kept answers after the first) says nothing about
# it. Here every request of an endpoint asks a question not asked before in the server process:
# other broad words (the archive's most frequent election words, alone and in pairs), other
# filter combinations, other pages.

# Single-word terms of the election lexicon (indonesian/data/election.toml, strong and weak) and
# a few words of its stages: ranked by how many articles of the archive contain them.
ELECTION_WORDS = (
    "pilkada", "pemilu", "pemilukada", "pilgub", "pilbup", "pilwali", "pilwalkot", "pileg", "pilpres",
    "pilkades", "kpu", "kpud", "bawaslu", "panwaslu", "panwascam", "dkpp", "dpt", "dps", "dptb", "coklit",
    "pantarlih", "paslon", "capres", "caleg", "sirekap", "nphd", "psu", "pps", "kpps", "tps", "golput",
    "gakkumdu", "pemilihan", "pemilih", "parpol", "banpol", "demokrasi", "pleno", "penjabat", "ppk",
    "kampanye", "rekapitulasi", "calon", "suara", "logistik", "netralitas", "partisipasi", "pencoblosan",
    "pelantikan", "sengketa", "debat", "tahapan", "penyelenggara", "pengawasan", "pemungutan",
)
# Regions of the research filter (codes): provinces and regencies, broad and narrow.
REGION_CODES = ("62", "62.01", "62.02", "32", "65", "11", "31", "35")


@dataclass(frozen=True)
class ArchiveWords:
    """What the questions are made of, read from the archive under test."""

    words: tuple[str, ...]  # election words in the archive, most frequent first
    sources: tuple[str, ...]
    types: tuple[str, ...]
    stages: tuple[str, ...]
    months: tuple[str, ...]  # newest first


def archive_words(connection, top: int = 30) -> ArchiveWords:
    """The ``top`` most frequent election words of the archive (document counts from the
    full-text index's vocabulary), its sources, election types, stages and months."""
    connection.execute("create virtual table if not exists temp.bench_vocabulary "
                       "using fts5vocab(main, articles_fts, row)")
    counted = []
    for word in ELECTION_WORDS:
        row = connection.execute("select doc from temp.bench_vocabulary where term = ?", (word,)).fetchone()
        if row and row[0]:
            counted.append((row[0], word))
    words = tuple(word for _, word in sorted(counted, key=lambda c: (-c[0], c[1]))[:top])

    def distinct(sql):
        return tuple(r[0] for r in connection.execute(sql) if r[0])

    arrays = "select distinct j.value from (select distinct {c} as v from articles indexed by idx_articles_{c}) d, json_each(d.v) j"
    return ArchiveWords(
        words=words,
        sources=distinct("select distinct source from articles indexed by idx_articles_source_published_date"),
        types=tuple(sorted(distinct(arrays.format(c="election_types")))),
        stages=tuple(sorted(distinct(arrays.format(c="election_stages")))),
        months=distinct("select distinct published_month from articles indexed by "
                        "idx_articles_published_month_source_election_related_election_types_election_stages "
                        "where published_month is not null order by 1 desc"),
    )


def search_terms(words: tuple[str, ...], count: int, part: int = 0, parts: int = 1) -> list[str]:
    """``count`` different searches, each word alone first (the broadest), then pairs of them;
    the ``part``-th of ``parts`` disjoint shares, for endpoints whose SQL would otherwise share
    an answer (a table search and the same search with facets share the count)."""
    terms = list(words) + [f"{a} {b}" for i, a in enumerate(words) for b in words[i + 1:]]
    terms += [f"{a} {b} {c}" for i, a in enumerate(words) for j, b in enumerate(words[i + 1:], i + 1)
              for c in words[j + 1:]]
    share = terms[part::parts]
    if len(share) < count:
        raise ValueError(f"{len(share)} distinct searches for {count} requests: give more words")
    return share[:count]


def _stem_distinct(terms: list[str]) -> list[str]:
    """Terms whose Indonesian stems differ (pemilihan and pemilih are one stemmed question)."""
    seen, out = set(), []
    for term in terms:
        key = stem_query(term)
        if key not in seen:
            seen.add(key)
            out.append(term)
    return out


def _combinations(count: int, *choices: tuple, repeat: bool = False) -> list[tuple]:
    """``count`` different combinations of one value from each of ``choices``, spread over all of
    them (a stride through the product that is coprime with its size); ``repeat``: start again
    when there are fewer (where another part of the question makes each one different)."""
    import itertools
    import math

    product = list(itertools.product(*choices))
    if len(product) < count and not repeat:
        raise ValueError(f"{len(product)} distinct combinations for {count} requests")
    stride = next(s for s in range(7919, 1, -1) if math.gcd(s, len(product)) == 1)
    return [product[(i * stride) % len(product)] for i in range(count)]


def _query(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v is not None})


def distinct_paths(words: ArchiveWords, count: int, article_ids: list[int]) -> dict[str, list[str]]:
    """Per endpoint of ENDPOINTS, ``count`` paths that each ask a different question ({db} left
    in). The Atom feed and the home page have no question to vary: they are left out."""
    table_terms = search_terms(words.words, 2 * count)
    stemmed = _stem_distinct(search_terms(words.words, 8 * count))
    if len(stemmed) < 4 * count:
        raise ValueError("too few distinct stemmed searches: give more words")
    sources = ("", *words.sources)
    pages = ("", *(f"{month}-15|999999999999" for month in words.months[:24:3]))  # keyset pages of /-/cari
    paths = {
        "search": [f"/{{db}}/articles.json?{_query(_search=t)}&_shape=array&_size=50" for t in table_terms[0::2]],
        "search_facets": [f"/{{db}}/articles.json?{_query(_search=t)}&_facet=source&_facet=published_month&_size=50"
                          for t in table_terms[1::2]],
        "facet_value_filter": [
            f"/{{db}}/articles.json?{_query(_tag=f'election_types:{t}', source=s or None, published_month=m or None)}"
            f"&_size=50" for t, s, m in _combinations(count, words.types, sources, ("", *words.months))],
        "research_search": [f"/-/cari.json?{_query(q=t, _next=p or None)}"
                            for t, p in zip(stemmed[0::4], [pages[i % len(pages)] for i in range(count)], strict=False)],
        "research_search_filtered": [
            f"/-/cari.json?{_query(q=t, source=s, type=ty, region=r)}"
            for t, (s, ty, r) in zip(stemmed[1::4], _combinations(count, words.sources, words.types, REGION_CODES,
                                                                  repeat=True), strict=False)],
        "research_attention": [f"/-/cari/bulan.csv?{_query(q=t)}" for t in stemmed[2::4]],
        "stemmed_search": [f"/{{db}}/cari.json?{_query(q=t, source='')}&_shape=array" for t in stemmed[3::4]],
        "coverage_over_time": [
            f"/{{db}}/coverage_over_time.json?{_query(source=s, region=r, type=ty, stage=st)}&_shape=array"
            for s, r, ty, st in _combinations(count, sources, ("", *REGION_CODES), ("", *words.types),
                                              ("", *words.stages))],
        "article_page": [f"/{{db}}/articles/{i}" for i in article_ids[:count]],
        "table_page": [f"/{{db}}/articles?{_query(source=s or None, published_month=m)}"
                       for s, m in _combinations(count, sources, words.months)],
    }
    for name, found in paths.items():
        paths[name] = found = found[:count]
        if len(set(found)) < count:
            raise ValueError(f"{name}: {len(set(found))} distinct questions for {count} requests")
    return paths
