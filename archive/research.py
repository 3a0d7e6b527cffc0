"""The research search: a query language over Indonesian stems and exact phrases, filters, and
the SQL that answers it (matches, exact total, attention per month). No Datasette here: the
plugin's ``/-/cari`` route renders what this module computes.

Query language (``parse``):
- ``pemilihan kampanye``: both, by Indonesian stem (pemilihan also finds memilih, dipilih);
- ``"politik uang"``: the exact phrase, word for word (the exact-word index);
- ``pilkada OR pilgub``, ``NOT hoaks`` or ``-hoaks``, parentheses for grouping; OR binds tighter
  than AND, as in web search engines (``pilkada OR pilgub -hoaks``: either word, never hoaks);
- ``AND`` may be written; it is what juxtaposition means anyway.

Every condition is a set of article ids; the WHERE clause combines them, so the total is one
``count(*)`` over the same clause as the rows, and the rows of every page, CSV and feed come in
one unique order (``sort_key``: date, then id, newest first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indonesian.stemming import stem_text

TOKEN = re.compile(r'"([^"]*)"?|(\()|(\))|(-)(?=\S)|([^\s()"]+)')


class QueryError(ValueError):
    pass


@dataclass
class Leaf:
    kind: str  # "stems" (all these stems) or "phrase" (these words in this order)
    words: tuple[str, ...]


@dataclass
class Node:
    op: str  # "and", "or", "not"
    children: list = field(default_factory=list)


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    for phrase, open_, close, minus, word in TOKEN.findall(text):
        if open_:
            out.append(("(", "("))
        elif close:
            out.append((")", ")"))
        elif minus:
            out.append(("not", "-"))
        elif word:
            upper = word.upper()
            out.append((upper.lower(), word) if word == upper and upper in ("OR", "AND", "NOT") else ("word", word))
        else:
            out.append(("phrase", phrase))
    return out


def parse(text: str) -> Node | Leaf | None:
    """The query as a tree; None for an empty query (every article matches)."""
    tokens = _tokens(text or "")
    position = 0

    def peek():
        return tokens[position][0] if position < len(tokens) else None

    def take():
        nonlocal position
        position += 1
        return tokens[position - 1]

    def both():
        parts = []
        while peek() not in (None, ")"):
            if peek() in ("and", "or"):
                take()  # AND is what juxtaposition means; a stray OR joins nothing
                continue
            parts.append(either())
        parts = [p for p in parts if p is not None]
        return parts[0] if len(parts) == 1 else (Node("and", parts) if parts else None)

    def either():
        # OR binds tighter than AND, as in web search engines: "pilkada OR pilgub -kampanye"
        # is (pilkada OR pilgub) AND NOT kampanye.
        parts = [unary()]
        while peek() == "or":
            take()
            if peek() in (None, ")", "or", "and"):
                break
            parts.append(unary())
        parts = [p for p in parts if p is not None]
        return parts[0] if len(parts) == 1 else (Node("or", parts) if parts else None)

    def unary():
        if peek() == "not":
            take()
            operand = unary()
            return Node("not", [operand]) if operand is not None else None
        kind, value = take()
        if kind == "(":
            inner = both()
            if peek() != ")":
                raise QueryError("A parenthesis is not closed / kurung belum ditutup.")
            take()
            return inner
        if kind == ")":
            raise QueryError("A closing parenthesis has no opening one / kurung tutup tanpa kurung buka.")
        words = tuple(re.findall(r"\w+", value.lower()))
        if kind == "phrase":
            return Leaf("phrase", words) if words else None
        stems = tuple(stem_text(value).split())
        return Leaf("stems", stems) if stems else None

    tree = both()
    if position < len(tokens):
        raise QueryError("A closing parenthesis has no opening one / kurung tutup tanpa kurung buka.")
    return tree


def _fts_literal(words: tuple[str, ...], phrase: bool) -> str:
    quoted = [f'"{w}"' for w in words]
    return f'"{" ".join(words)}"' if phrase else " ".join(quoted)


def where_of(tree, params: list, correlated: bool = False) -> str:
    """SQL condition on ``a.id`` for the tree; appends its parameters to ``params``.
    ``correlated``: each article is looked up in the full-text index (for a walk by date over
    most of the archive) instead of the index's matches being read first."""
    if tree is None:
        return "1"
    if isinstance(tree, Leaf):
        table = "article_stems_fts" if tree.kind == "stems" else "articles_fts"
        params.append(_fts_literal(tree.words, tree.kind == "phrase"))
        if correlated:
            return f"exists (select 1 from {table} where {table} match ? and {table}.rowid = a.id)"
        return f"a.id in (select rowid from {table} where {table} match ?)"
    if tree.op == "not":
        return f"not ({where_of(tree.children[0], params, correlated)})"
    joiner = " and " if tree.op == "and" else " or "
    return "(" + joiner.join(where_of(child, params, correlated) for child in tree.children) + ")"


def positive_stems(tree) -> list[str]:
    """Stems the query asks for (not under NOT): what relevance ranks by."""
    if tree is None:
        return []
    if isinstance(tree, Leaf):
        return list(tree.words) if tree.kind == "stems" else [w for w in stem_text(" ".join(tree.words)).split()]
    if tree.op == "not":
        return []
    return list(dict.fromkeys(s for child in tree.children for s in positive_stems(child)))


DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


@dataclass
class Search:
    """A search as the page's parameters describe it, already resolved to stored values."""

    q: str = ""
    date_from: str = ""
    date_to: str = ""
    source: str = ""
    region: str = ""  # Kemendagri code
    type: str = ""
    stage: str = ""
    stage_column: str = "election_stages"  # or "focus_stage" where the archive has it
    mentions: str = ""  # a stage the article mentions (election_stages), beside the one it is about
    order: str = "newest"  # or "relevance"

    def where(self, correlated: bool = False) -> tuple[str, list]:
        params: list = []
        clauses = [where_of(parse(self.q), params, correlated)]
        if self.date_from or self.date_to:
            # On sort_key (date|id), so that its index answers the range without reading rows;
            # the lower bound keeps undated articles (0000-00-00|…) out, as published_date would.
            clauses.append("a.sort_key between ? and ?")
            params += [_date_bound(self.date_from, "from") if self.date_from else "0001-01-01",
                       (_date_bound(self.date_to, "to") if self.date_to else "9999-12-31") + "|~"]
        if self.source:
            clauses.append("a.source = ?")
            params.append(self.source)
        if self.region:
            # The region and everything inside it (62 -> 62.01 -> 62.01.02); the code range
            # reads the article_regions index.
            clauses.append("a.id in (select article_id from article_regions where code = ? "
                           "or (code > ? and code < ?))")
            params += [self.region, self.region + ".", self.region + "/"]
        if self.type:
            clauses.append("exists (select 1 from json_each(a.election_types) where value = ?)")
            params.append(self.type)
        if self.stage:
            if self.stage_column == "focus_stage":
                clauses.append("a.focus_stage = ?")
            else:
                clauses.append("exists (select 1 from json_each(a.election_stages) where value = ?)")
            params.append(self.stage)
        if self.mentions:
            clauses.append("exists (select 1 from json_each(a.election_stages) where value = ?)")
            params.append(self.mentions)
        return " and ".join(clauses), params


def _date_bound(text: str, side: str) -> str:
    if not DATE.match(text):
        raise QueryError(f"Date {text!r}: write YYYY-MM-DD or YYYY-MM / tanggal ditulis TTTT-BB-HH.")
    if len(text) == 7:
        return text + ("-01" if side == "from" else "-31")
    return text


COLUMNS = ("a.id, a.published_date, a.source, a.title, a.url, a.election_related, a.election_types, "
           "a.election_stages, a.places, a.sort_key")


# Above this share of the archive matching, a page walks the sort_key index newest first and
# stops when it has its rows; below it, the few matches are looked up and sorted. Measured on a
# 20,000-row synthetic archive: a query matching almost everything took 229 ms for one page by
# looking up and sorting, 25 ms by walking the index; one matching 600 articles took 1 ms by
# look-up, 21 ms by walking (docs/decisions/web.md).
BROAD_SHARE = 0.02
# Above this share, the walk looks each article up in the full-text index (where_of's
# ``correlated``) instead of reading every match first (archive/search_plan.py MOST_SHARE).
MOST_SHARE = 0.3


def page_sql(search: Search, size: int, after: str | None, broad: bool = False,
             most: bool = False) -> tuple[str, list]:
    """One page of matches, newest first (keyset: after a ``sort_key``) or by relevance
    (``after`` is then an offset). Rows are chosen by id and sort key first, then read: the
    sorter never carries an article's text."""
    where, params = search.where()
    if search.order == "relevance" and (stems := positive_stems(parse(search.q))):
        offset = int(after or 0)
        match = " OR ".join(f'"{s}"' for s in stems)
        sql = (f"with hits as (select a.id, r.rank from articles a "
               f"join (select rowid, rank from article_stems_fts where article_stems_fts match ?) r on r.rowid = a.id "
               f"where {where} order by r.rank, a.sort_key desc limit ? offset ?) "
               f"select {COLUMNS}, substr(a.body, 1, 280) as snippet, hits.rank as score "
               f"from hits join articles a on a.id = hits.id order by hits.rank, a.sort_key desc")
        return sql, [match, *params, size + 1, offset]
    return _newest_first(search, "substr(a.body, 1, 280) as snippet", size + 1, after, broad, COLUMNS, most)


def _newest_first(search: Search, extra: str, limit: int, after: str | None, broad: bool, columns: str,
                  most: bool = False):
    where, params = search.where(correlated=broad and most)
    if after:
        where += " and a.sort_key < ?"
        params.append(after)
    walk = " indexed by idx_articles_sort_key" if broad else ""
    sql = (f"with hits as materialized (select a.id, a.sort_key from articles a{walk} where {where} "
           f"order by a.sort_key desc limit ?) "
           f"select {columns}, {extra} from hits join articles a on a.id = hits.id order by hits.sort_key desc")
    return sql, [*params, limit]


def count_sql(search: Search) -> tuple[str, list]:
    where, params = search.where()
    return f"select count(*) from articles a where {where}", params


EXPORT_COLUMNS = ("a.id, a.published_date, a.published_at, a.source, a.title, a.url, a.author, "
                  "a.election_related, a.election_types, a.election_stages, a.institutions, a.places, "
                  "a.word_count, a.sort_key")


def export_sql(search: Search, after: str | None, chunk: int, broad: bool = False,
               most: bool = False) -> tuple[str, list]:
    """Every column a researcher exports, newest first, a chunk at a time (keyset)."""
    return _newest_first(search, "a.body", chunk, after, broad, EXPORT_COLUMNS, most)


# All the archive's articles per month and source: the same for every search, so it is computed
# once per version of the archive (archive/query_cache.py) and each search counts only its matches.
TOTALS_SQL = ("select published_month as month, source, count(*) as articles from articles "
              "where published_month is not null group by 1, 2")


def attention_sql(search: Search) -> tuple[str, list]:
    """Matches per month and source (beside TOTALS_SQL, see :func:`attention_rows`)."""
    where, params = search.where()
    sql = (f"select a.published_month as month, a.source, count(*) as matches from articles a "
           f"where a.published_month is not null and {where} group by 1, 2")
    return sql, params


def attention_rows(totals: list[tuple], matches: list[tuple]) -> list[tuple]:
    """(month, source, matches, articles) for every month and source that has articles."""
    found = {(m[0], m[1]): m[2] for m in matches}
    return sorted((month, source, found.get((month, source), 0), articles) for month, source, articles in totals)


def months_between(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    end = tuple(map(int, last.split("-")))
    out = []
    while (year, month) <= end:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def zero_filled(rows: list[tuple], search: Search) -> list[dict]:
    """One row per month and source from the first to the last month in range, with zeros for
    months without articles; share = matches / the source's articles that month."""
    if not rows:
        return []
    months = [r[0] for r in rows]
    first, last = min(months), max(months)
    if search.date_from:
        first = max(first, _date_bound(search.date_from, "from")[:7])
    if search.date_to:
        last = min(last, _date_bound(search.date_to, "to")[:7])
    sources = sorted({r[1] for r in rows})
    known = {(r[0], r[1]): (r[2], r[3]) for r in rows}
    out = []
    for month in months_between(first, last) if first <= last else []:
        for source in sources:
            matches, articles = known.get((month, source), (0, 0))
            out.append({"month": month, "source": source, "matches": matches, "articles": articles,
                        "share": round(matches / articles, 4) if articles else 0.0})
    return out
