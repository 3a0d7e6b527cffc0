"""The layout zoo: extraction on gold texts in every family, and crawls of the replica in every family."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading

import pytest
from sqlite_utils import Database

from bench.layouts import FAMILIES, evaluate, gold_pages, gold_texts
from replica import zoo
from replica.corpus import generate
from replica.server import serve
from tests.conftest import Replica, assert_archive_matches, run_crawl


def test_gold_texts_have_the_variety_of_real_texts():
    texts = gold_texts()
    shapes = [t["shape"] for t in texts]
    assert len(texts) >= 30
    # real-text-facts.md: a year inside the parentheses in a quarter, no date in a tenth.
    with_year_in_brackets = sum(bool(re.search(r"\(\s*\d{1,2}/\d{1,2}/\d{2,4}\b", t["paragraphs"][0])) for t in texts)
    assert with_year_in_brackets / len(texts) >= 0.25
    assert 0.08 <= shapes.count("none") / len(texts) <= 0.2
    assert sum("inserts" in t for t in texts) / len(texts) >= 0.35
    assert sum("closing" in t for t in texts) >= 8 and sum(bool(t.get("caption")) for t in texts) >= 10
    assert len(gold_pages()) == len(texts) * len(FAMILIES)


def test_class_names_are_random_per_seed_but_framework_names_stay():
    release = next(r for r in generate() if r.source == "mmc_kobar")
    one = zoo.article("codeigniter", release, {}, [], seed=1)
    two = zoo.article("codeigniter", release, {}, [], seed=2)
    assert one != two and release.title in one and release.title in two
    assert 'class="entry-content"' in zoo.article("wordpress", release, {}, [], seed=1)
    assert 'id="__NEXT_DATA__"' in zoo.article("nextjs", release, {}, [], seed=1)
    assert "<html amp" in zoo.article("amp", release, {}, [], seed=1)


@pytest.fixture(scope="module")
def report():
    return evaluate(with_reference=False)


# The measured values (python -m bench.layouts, 2026-11-30), each at or above the issue's
# targets (found >= 0.99, title >= 0.98, body F1 >= 0.98, leak <= 0.01, full date >= 0.99,
# day-month >= 0.90). Pinned where they were measured, so any loss fails.
# Slow (two seconds of extraction): make test-fast stays under ten.
MEASURED_FULL_DATE = {"classic": 12 / 13, "overall": 172 / 173}


@pytest.mark.slow
@pytest.mark.parametrize("family", [*FAMILIES, "overall"])
def test_gold_figures_in_every_family(report, family):
    scores = report["families"][family]["project"]
    assert (scores["found"], scores["title"], scores["leak"]) == (1.0, 1.0, 0.0)
    assert scores["body_f1"] == pytest.approx(1.0, abs=5e-4)
    assert scores["date_full"] == pytest.approx(MEASURED_FULL_DATE.get(family, 1.0), abs=1e-3)
    if scores["date_dm"] is not None:
        assert scores["date_dm"] == 1.0
    assert scores["dated_without_evidence"] == 0


@pytest.mark.slow
def test_overall_full_date_target(report):
    assert report["families"]["overall"]["project"]["date_full"] >= 0.99


@pytest.mark.slow
def test_each_family_dates_from_its_own_evidence(report):
    first = {family: counts.most_common(1)[0][0] for family, counts in report["methods"].items()}
    assert first == {"wordpress": "time: iso", "drupal": "microdata: iso", "nextjs": "nextdata: iso",
                     "codeigniter": "header: text", "amp": "jsonld: iso", "classic": "lead: year from weekday"}


@pytest.mark.slow
def test_ahead_of_trafilatura_and_htmldate_on_the_same_pages():
    overall = evaluate(with_reference=True)["families"]["overall"]
    ours, theirs, htmldate = overall["project"], overall["trafilatura"], overall["htmldate"]
    assert ours["body_f1"] > theirs["body_f1"] and ours["leak"] < theirs["leak"]
    assert ours["title"] >= theirs["title"]
    assert ours["date_full"] > htmldate["date_full"] and ours["date_dm"] > htmldate["date_dm"]


# Crawls ---------------------------------------------------------------------------------------


def start(layout: str) -> Replica:
    server = serve(0, layout=layout)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Replica(server)


@pytest.fixture(scope="module", params=zoo.FAMILIES)
def family_crawl(request, tmp_path_factory):
    running = start(request.param)
    db = tmp_path_factory.mktemp(request.param) / "archive.db"
    first = run_crawl(db, running, "mmc_kobar")
    second_db = db.with_name("second.db")
    Database(db).execute(f"vacuum into '{second_db}'")
    second = run_crawl(second_db, running, "mmc_kobar")
    yield request.param, running, db, first, second_db, second
    running.server.shutdown()


@pytest.mark.slow
def test_a_crawl_in_each_family_archives_exactly_the_manifest(family_crawl):
    family, running, db, first, _, _ = family_crawl
    assert first.returncode == 0, first.stdout + first.stderr
    manifest = running.manifest()
    manifest["articles"] = [a for a in manifest["articles"] if a["source"] == "mmc_kobar"]
    assert manifest["layout"] == family
    # Republished Kemendagri stories cluster with the Kemendagri original, which is not crawled here.
    assert_archive_matches(db, manifest, clusters=False)


@pytest.mark.slow
def test_the_ledger_says_which_strategy_found_the_articles(family_crawl):
    family, running, db, _, _, _ = family_crawl
    row = next(Database(db).query("select * from crawl_runs where source = 'mmc_kobar'"))
    found = json.loads(row["discovery"])
    offered = set(zoo.DISCOVERY[family])
    # The portal's copies come from its month archive ("listing"), "Baca Juga" inserts are "links".
    assert {s for s, n in found.items() if n > 0} - {"listing", "links"} == offered
    mmc = [a for a in running.manifest()["articles"] if a["source"] == "mmc_kobar"]
    assert max(found[s] for s in offered) <= len(mmc)
    assert "none" not in found and row["health"] == "ok"


# Measured with this test (second run, nothing new), per family: requests besides robots.txt.
# amp: its feed is found through the home page, after /feed/ and /rss.xml answer 404.
INCREMENTAL_REQUESTS = {"wordpress": 4, "drupal": 4, "nextjs": 4, "codeigniter": 4, "amp": 7}


@pytest.mark.slow
def test_a_second_run_with_nothing_new_stays_cheap(family_crawl):
    family, _, _, _, second_db, second = family_crawl
    assert second.returncode == 0, second.stderr
    rows = list(Database(second_db).query("select * from crawl_runs where source = 'mmc_kobar' order by id"))
    last = rows[-1]
    assert last["articles_new"] + last["articles_updated"] == 0
    assert last["requests"] - 1 <= INCREMENTAL_REQUESTS[family]  # 1: robots.txt of the mirror


@pytest.mark.slow
def test_a_source_where_no_strategy_finds_anything_is_broken(replica, tmp_path):
    db = tmp_path / "none.db"
    command = [sys.executable, "-m", "crawler.cli", "crawl", "mmc_kobar", "--db", str(db),
               "--origin", f"mmc_kobar={replica.base}/nothing-here", "--log-file", str(tmp_path / "none.log")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 4, result.stdout + result.stderr
    row = next(Database(db).query("select * from crawl_runs"))
    assert row["health"] == "broken"
    assert json.loads(row["discovery"]) == {"none": 1}
