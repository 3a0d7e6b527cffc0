"""Integration: the four sources added through the registry, crawled over HTTP from the replica
and compared with its manifest (bodies, titles, dates and times, bylines)."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from sqlite_utils import Database

from replica.regional import SOURCES
from replica.server import serve
from tests.conftest import Replica, assert_archive_matches, run_crawl

pytestmark = pytest.mark.slow  # crawls: not in `make test-fast`


@pytest.fixture(scope="module")
def regional_replica():
    server = serve(0, articles=3, regional_sources=SOURCES)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Replica(server)
    server.shutdown()


@pytest.fixture(scope="module")
def regional_crawl(regional_replica, tmp_path_factory):
    db = tmp_path_factory.mktemp("regional") / "archive.db"
    result = run_crawl(db, regional_replica, *SOURCES)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    return db, result


def _only(manifest: dict, sources) -> dict:
    return {**manifest, "articles": [a for a in manifest["articles"] if a["source"] in sources]}


def test_the_replica_serves_the_new_sources_only_when_asked(replica, regional_replica):
    assert set(replica.manifest()["spiders"]) == {"mmc_kobar", "kemendagri"}
    assert set(regional_replica.manifest()["spiders"]) == {"mmc_kobar", "kemendagri", *SOURCES}


def test_each_new_source_crawls_to_the_manifest(regional_crawl, regional_replica):
    db, result = regional_crawl
    manifest = _only(regional_replica.manifest(), SOURCES)
    assert {a["source"] for a in manifest["articles"]} == set(SOURCES) and len(manifest["articles"]) == 24
    assert_archive_matches(db, manifest)
    for source in SOURCES:
        assert f"{source}: ok new=6" in result.stdout


def test_bylines_dates_and_times_come_out_right(regional_crawl, regional_replica):
    rows = {r["url"]: r for r in Database(regional_crawl[0]).query("select * from articles")}
    for true in _only(regional_replica.manifest(), SOURCES)["articles"]:
        row = rows[true["url"]]
        assert (row["author"], row["published_at"], row["date_confidence"]) == (
            true["author"], true["published_at"], "high"), true["url"]
    kalteng = [r for r in rows.values() if r["source"] == "mmc_kalteng"]
    assert all(r["author"] and not r["author"].startswith("Kontribusi") for r in kalteng)


def test_the_sources_table_and_command_show_type_region_and_health(regional_crawl):
    db, _ = regional_crawl
    facts = {r["name"]: (r["publisher_type"], r["publisher_region"], r["layout_family"])
             for r in Database(db).query("select * from sources")}
    assert facts == {"mmc_kalteng": ("media_center", "62", "codeigniter"), "dukcapil": ("ministry", None, "codeigniter"),
                     "kpu_kayongutara": ("kpu", "61.11", "kpu"),
                     "dukcapil_purworejo": ("regency", "33.06", "wordpress")}
    shown = subprocess.run([sys.executable, "-m", "crawler.cli", "sources", "--db", str(db)],
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    rows = {line.split()[0]: line for line in shown.stdout.splitlines()[1:]}
    assert all(" ok 20" in rows[s] for s in SOURCES), shown.stdout
    assert rows["mmc_kobar"].rstrip().endswith("never run")


def test_a_second_run_finds_nothing_new_cheaply(regional_crawl, regional_replica, tmp_path):
    copy = tmp_path / "copy.db"
    Database(regional_crawl[0]).execute(f"vacuum into '{copy}'")
    result = run_crawl(copy, regional_replica, *SOURCES)
    assert result.returncode == 0, result.stdout
    last = {r["source"]: r for r in Database(copy).query(
        "select * from crawl_runs where id in (select max(id) from crawl_runs group by source)")}
    assert sum(r["articles_new"] + r["articles_updated"] for r in last.values()) == 0
    # robots.txt, then the first page of the strategy that found articles last time (for the
    # WordPress site only its REST API: it pages newest first, the sitemap and feed add nothing).
    assert {s: r["requests"] for s, r in last.items()} == {s: 2 for s in SOURCES}
