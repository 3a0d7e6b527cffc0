"""Numbered, recorded steps that bring an archive to the shape of ``archive.schema``.

sqlite-utils' ``Migrations`` records every applied step in ``_sqlite_migrations``; ``crawl``,
``reparse`` and ``serve`` apply the pending ones (:func:`migrate`), a plain open does not.
Step 1 creates whatever the declared shape has and the file lacks, so archives made before
migrations were recorded are adopted without losing anything. Never edit a step that has
shipped: add the next one.
"""

from __future__ import annotations

import json

from sqlite_utils import Database, Migrations

from archive.schema import FTS, GENERATED, TABLES, VIEWS, fts_triggers
from archive.search_plan import FACET_COLUMNS, FACET_INDEX
from archive.store import places_of, resketch
from indonesian.regions import gazetteer
from indonesian.similarity import SCHEME
from indonesian.tagging import tag

steps = Migrations("pilkada-archive")


@steps()
def m001_create_declared_shape(db: Database) -> None:
    for name, spec in TABLES.items():
        table = db[name]
        if not table.exists():
            table.create(spec["columns"], pk=None if spec["pk"] == "rowid" else spec["pk"],
                         not_null=spec.get("not_null"), foreign_keys=spec.get("foreign_keys"))
        else:
            existing = set(table.columns_dict)
            for column, kind in spec["columns"].items():
                if column not in existing:
                    table.add_column(column, kind)
        for columns, unique in spec.get("indexes", []):
            table.create_index(columns, unique=unique, if_not_exists=True)
    for name, spec in FTS.items():
        if not db[name].detect_fts():
            db[name].enable_fts(spec["columns"], fts_version="FTS5", create_triggers=False,
                                tokenize=spec["tokenize"])
            if spec.get("detail"):
                _set_fts_detail(db, f"{name}_fts", spec["detail"])
    for name, sql in VIEWS.items():
        db.create_view(name, sql.strip(), replace=True)


@steps()
def m002_drop_index_covered_by_the_sketch_lookup_index(db: Database) -> None:
    db.execute("drop index if exists [idx_article_sketches_hash_day]")


@steps()
def m003_fts_triggers_for_deletes_and_text_edits_only(db: Database) -> None:
    """Older archives had an AFTER INSERT trigger and update triggers on every column; the
    writer now indexes new rows itself (see ``archive.schema.fts_triggers``)."""
    for table in FTS:
        wanted = fts_triggers(table)
        for name in (f"{table}_ai", f"{table}_ad", f"{table}_au"):
            db.execute(f"drop trigger if exists [{name}]")
        for sql in wanted.values():
            db.execute(sql)


@steps()
def m004_regions_gazetteer(db: Database) -> None:
    if not db["regions"].count:
        db["regions"].insert_all(r.__dict__ for r in gazetteer().values())


@steps()
def m005_sketches_in_the_current_hashing_scheme(db: Database) -> None:
    """Sketches stored under another hashing scheme would never match new ones."""
    stored = db.execute("select value from archive_meta where key = 'sketch_scheme'").fetchone()
    if not (stored and stored[0] == SCHEME) and db.execute("select 1 from article_sketches limit 1").fetchone():
        resketch(db)
    db.execute("insert into archive_meta (key, value) values ('sketch_scheme', ?) "
               "on conflict(key) do update set value = excluded.value", [SCHEME])


@steps()
def m006_ledger_records_what_each_discovery_strategy_found(db: Database) -> None:
    if "discovery" not in db["crawl_runs"].columns_dict:
        db["crawl_runs"].add_column("discovery", str)


@steps()
def m007_frontier_of_discovered_article_urls(db: Database) -> None:
    spec = TABLES["frontier"]
    if not db["frontier"].exists():
        db["frontier"].create(spec["columns"], pk=spec["pk"])
    for columns, unique in spec["indexes"]:
        db["frontier"].create_index(columns, unique=unique, if_not_exists=True)


@steps()
def m008_failed_pages_keep_the_date_their_listing_gave(db: Database) -> None:
    if "listing_date" not in db["failed_pages"].columns_dict:
        db["failed_pages"].add_column("listing_date", str)


@steps()
def m010_focus_stage_of_each_article(db: Database) -> None:
    """The one stage an article is about (indonesian.tagging), beside the stages it mentions.
    Articles stored before this step keep it empty until they are re-tagged."""
    if "focus_stage" not in db["articles"].columns_dict:
        db["articles"].add_column("focus_stage", str)
    db["articles"].create_index(["focus_stage"], if_not_exists=True)


@steps()
def m011_election_tags_of_the_measured_lexicon(db: Database) -> None:
    """Every stored article tagged again by the lexicon whose precision docs/labels.md reports
    (the earlier one called a pilkada story "pemilu" for a written-out KPU name). Tags only:
    texts, versions and dates are untouched. About 0.4 ms an article."""
    retag_articles(db)


def retag_articles(db: Database, chunk: int = 2000) -> int:
    last, done = 0, 0
    while rows := db.execute("select id, title, body from articles where id > ? order by id limit ?",
                             [last, chunk]).fetchall():
        updates = []
        for article_id, title, body in rows:
            tags = tag(title or "", body or "")
            updates.append((int(tags.election_related), tags.election_score,
                            *(json.dumps(v, ensure_ascii=False) if v else "[]" for v in (
                                tags.election_terms, tags.election_types, tags.election_stages,
                                tags.institutions)), tags.focus_stage, article_id))
        db.conn.executemany("update articles set election_related = ?, election_score = ?, election_terms = ?, "
                            "election_types = ?, election_stages = ?, institutions = ?, focus_stage = ? "
                            "where id = ?", updates)
        last, done = rows[-1][0], done + len(rows)
    return done


@steps()
def m009_sources_as_their_spiders_declare_them(db: Database) -> None:
    if not db["sources"].exists():
        db["sources"].create(TABLES["sources"]["columns"], pk="name")


# Step numbers reserved while work on them is under way: m012-m019 (research web),
# m020-m024 (layouts and discovery).


@steps()
def m012_unique_newest_first_sort_key(db: Database) -> None:
    """A virtual generated column and its index: no rewrite of the table, no writer change."""
    expression = GENERATED["articles"]["sort_key"]
    if "sort_key" not in db["articles"].columns_dict:
        db.execute(f"alter table articles add column sort_key text generated always as ({expression}) virtual")
    db["articles"].create_index(["sort_key"], if_not_exists=True)


@steps()
def m013_places_with_the_regions_containing_them(db: Database) -> None:
    if "places" not in db["articles"].columns_dict:
        db["articles"].add_column("places", str)
    codes: dict[int, list[str]] = {}
    for article_id, code in db.execute("select article_id, code from article_regions order by article_id"):
        codes.setdefault(article_id, []).append(code)
    with db.atomic():
        db.execute("update articles set places = '[]'")
        db.conn.executemany("update articles set places = ? where id = ?",
                            [(places_of(found), article_id) for article_id, found in codes.items()])
    db["articles"].create_index(["places"], if_not_exists=True)


@steps()
def m014_index_of_the_facet_columns(db: Database) -> None:
    """Counts and facets of a broad search read this index, not every matching row
    (archive/search_plan.py). 11 s at 1,000,000 articles (measured on the loaded machine)."""
    db["articles"].create_index(list(FACET_COLUMNS), FACET_INDEX, if_not_exists=True)
    if db.execute("select 1 from sqlite_master where name = 'sqlite_stat1'").fetchone():
        # Statistics for the new index alone, beside the others', so that the planner's other
        # choices stay as they were.
        db.execute(f"analyze [{FACET_INDEX}]")


@steps()
def m020_sources_with_publisher_type_and_layout_family(db: Database) -> None:
    """The registry's publisher type (media center, ministry, KPU, ...) and layout family; the
    rows are rewritten by the next crawl of each source (the columns stay empty until then)."""
    columns = db["sources"].columns_dict
    for column in ("publisher_type", "layout_family"):
        if column not in columns:
            db["sources"].add_column(column, str)


def migrate(db: Database) -> list[str]:
    """Apply the pending steps; returns their names."""
    pending = [m.name for m in steps.pending(db)]
    if pending:
        steps.apply(db)
    return pending


def _set_fts_detail(db: Database, fts_table: str, detail: str) -> None:
    """sqlite-utils has no ``detail`` option: recreate the (still empty) FTS table with it."""
    sql = db.execute("select sql from sqlite_master where name = ?", [fts_table]).fetchone()[0]
    db.execute(f"drop table [{fts_table}]")
    db.execute(sql.rstrip(")") + f", detail={detail})")
