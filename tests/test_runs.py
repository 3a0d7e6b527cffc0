"""Health judgement: thresholds are the crawler's settings (so `-s` reaches them), and a quiet
day is judged against the source's own history."""

from __future__ import annotations

import json

from archive.connect import open_archive
from crawler.replay import project_settings_with
from crawler.runs import judge_health, ledger_row


def history(db, source: str, runs: int, coverage: dict) -> None:
    for _ in range(runs):
        db["crawl_runs"].insert({"source": source, "health": "ok", "coverage": json.dumps(coverage)})


def judged(db, stats: dict, **overrides):
    row = ledger_row("r", "mmc_kobar", {"downloader/request_count": 3,
                                        "downloader/response_status_count/200": 3, **stats}, "t", None)
    return judge_health(db, row, {"downloader/request_count": 3, **stats}, project_settings_with(overrides))


def article_stats(items: int, generic: int = 0, authors: int | None = None) -> dict:
    authors = items if authors is None else authors
    return {"item_scraped_count": items, "archive/listing/entries": items, "archive/parser/generic": generic,
            **{f"archive/field/{f}/present": items for f in ("title", "body", "published_date")},
            "archive/field/author/present": authors, "archive/field/author/missing": items - authors}


def test_one_article_the_selectors_miss_on_a_quiet_day_is_a_break(tmp_path):
    db = open_archive(tmp_path / "a.db", migrate=True)
    history(db, "mmc_kobar", 5, {"title": 1.0, "body": 1.0, "published_date": 1.0, "author": 0.8, "selectors": 1.0})
    assert judged(db, article_stats(1, generic=1))[0] == "broken"
    assert judged(db, article_stats(1)) == ("ok", "")
    # One article without an author where a fifth have none is no break.
    assert judged(db, article_stats(1, authors=0)) == ("ok", "")


def test_health_thresholds_are_settings_that_s_overrides_reach(tmp_path):
    db = open_archive(tmp_path / "a.db", migrate=True)
    stats = {**article_stats(8), "archive/failed/parse": 2}  # 2 of 10 pages did not parse
    assert judged(db, stats) == ("ok", "")
    health, reason = judged(db, stats, HEALTH_PARSE_FAILURE_SHARE="0.1")
    assert health == "broken" and "2 of 10 pages did not parse" in reason
