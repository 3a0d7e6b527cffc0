"""Integration: real crawls of the replica over HTTP, compared with its manifest."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlite_utils import Database

from tests.conftest import assert_archive_matches, run_crawl

pytestmark = pytest.mark.slow  # crawls, browsers or benchmarks: not in `make test-fast`


def test_archive_equals_the_replica_manifest(crawled, replica):
    manifest = replica.manifest()
    assert len(manifest["articles"]) >= 60
    assert_archive_matches(crawled[0], manifest)


def test_both_sources_and_the_copies_are_in_the_archive(crawled, replica):
    db = Database(crawled[0])
    counts = dict(db.execute("select source, count(*) from articles group by source").fetchall())
    manifest = replica.manifest()
    assert counts == {s: sum(a["source"] == s for a in manifest["articles"]) for s in ("mmc_kobar", "kemendagri")}
    assert db["article_aliases"].count == sum(len(a["aliases"]) for a in manifest["articles"]) > 0


def test_ledger_has_one_healthy_row_per_source(crawled):
    db = Database(crawled[0])
    rows = list(db.query("select * from crawl_runs order by source"))
    assert [(r["source"], r["health"], r["exit_code"]) for r in rows] == [
        ("kemendagri", "ok", 0), ("mmc_kobar", "ok", 0)]
    assert all(r["responses_2xx"] > 0 and r["articles_new"] > 0 for r in rows)
    assert json.loads(rows[0]["coverage"])["body"] == 1.0


def test_cron_output_is_one_summary_line(crawled):
    _, result = crawled
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and "mmc_kobar: ok" in lines[0] and "kemendagri: ok" in lines[0]


def test_second_run_with_nothing_new_makes_a_handful_of_requests(crawled, replica, tmp_path):
    db_path = tmp_path / "copy.db"
    source = Database(crawled[0])
    source.execute(f"vacuum into '{db_path}'")
    result = run_crawl(db_path, replica)
    assert result.returncode == 0, result.stderr
    db = Database(db_path)
    last = {r["source"]: r for r in db.query(
        "select * from crawl_runs where run_id = (select run_id from crawl_runs order by id desc limit 1)")}
    assert last["mmc_kobar"]["requests"] <= 5 and last["kemendagri"]["requests"] <= 3
    assert db["articles"].count == source["articles"].count
    assert sum(r["articles_new"] + r["articles_updated"] for r in last.values()) == 0


def test_urls_file_crawls_only_the_listed_articles(replica, tmp_path):
    manifest = replica.manifest()
    wanted = [a["url"] for a in manifest["articles"] if a["source"] == "mmc_kobar"][:2]
    wanted += [a["url"] for a in manifest["articles"] if a["source"] == "kemendagri"][:1]
    url_file = tmp_path / "urls.txt"
    url_file.write_text("\n".join(wanted) + "\n")
    result = run_crawl(tmp_path / "a.db", replica, "--urls", str(url_file))
    assert result.returncode == 0, result.stderr
    urls = {r["url"] for r in Database(tmp_path / "a.db").query("select url from articles")}
    assert urls == set(wanted)


def test_unreachable_real_sites_fail_fast_with_a_clear_message(tmp_path):
    command = [sys.executable, "-m", "crawler.cli", "crawl", "--db", str(tmp_path / "real.db"),
               "--log-file", str(tmp_path / "real.log")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 4
    assert "site unreachable" in result.stdout
    rows = list(Database(tmp_path / "real.db").query("select source, health from crawl_runs"))
    # Every source checked against its real site; the entries written against the replica only
    # (verified = false) are skipped, and the crawl says so.
    assert {r["health"] for r in rows} == {"broken"}
    assert sorted(r["source"] for r in rows) == ["kemendagri", "mmc_kobar"]
    assert "not crawling mmc_kalteng, dukcapil, kpu_kayongutara, dukcapil_purworejo" in result.stderr


def test_bad_usage_is_exit_code_2(tmp_path):
    command = [sys.executable, "-m", "crawler.cli", "crawl", "--db", str(tmp_path / "x.db"), "--origin", "nosuch=http://x"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--origin" in result.stderr


@pytest.mark.parametrize("args, words", [
    (["--since", "notadate"], "YYYY-MM-DD"),
    (["--recheck-days", "99999999"], "range"),
    (["-s", "CONCURRENT_REQUESTS=abc"], "CONCURRENT_REQUESTS"),
    (["--replica", "http://127.0.0.1:1"], "no replica manifest"),
    (["--replica", "notaurl"], "base URL"),
    (["--db", "NOT_SQLITE"], "not a database"),
])
def test_bad_input_is_exit_2_with_one_clear_line(tmp_path, args, words):
    junk = tmp_path / "junk.db"
    junk.write_text("this is not an archive\n")
    args = [str(junk) if a == "NOT_SQLITE" else a for a in args]
    command = [sys.executable, "-m", "crawler.cli", "crawl", "--db", str(tmp_path / "x.db"), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def scrapy_crawl(spider: str, replica, db, log) -> subprocess.CompletedProcess:
    scrapy = str(Path(sys.executable).with_name("scrapy"))
    return subprocess.run([scrapy, "crawl", spider, "-a", f"origin={replica.base}/{spider}",
                           "-s", f"ARCHIVE_DB={db}", "-s", f"LOG_FILE={log}"],
                          capture_output=True, text=True, timeout=300, cwd=Path(__file__).parent.parent)


def test_scrapy_crawl_does_the_whole_job(replica, tmp_path):
    """`scrapy crawl` alone: the manifest exactly, ledger rows with health, the exit code, an
    incremental second run, in seconds on loopback."""
    db = tmp_path / "archive.db"
    started = time.monotonic()
    for spider in ("mmc_kobar", "kemendagri"):
        result = scrapy_crawl(spider, replica, db, tmp_path / f"{spider}.log")
        assert result.returncode == 0, result.stderr[-2000:]
    assert time.monotonic() - started < 120
    assert_archive_matches(db, replica.manifest())
    runs = {r["source"]: r for r in Database(db).query("select * from crawl_runs")}
    assert {s: (r["health"], r["exit_code"]) for s, r in runs.items()} == {
        "mmc_kobar": ("ok", 0), "kemendagri": ("ok", 0)}
    assert {w.name.split("-", 2)[-1] for w in (tmp_path / "warc").glob("*.warc.gz")} == {
        "mmc_kobar.warc.gz", "kemendagri.warc.gz"}  # named by the run, not "adhoc"
    for spider in ("mmc_kobar", "kemendagri"):
        assert scrapy_crawl(spider, replica, db, tmp_path / "again.log").returncode == 0
    last = {r["source"]: r for r in Database(db).query(
        "select * from crawl_runs where id in (select max(id) from crawl_runs group by source)")}
    # Besides robots.txt: at most 5 requests per source.
    assert all(r["requests"] - 1 <= 5 for r in last.values()), {s: r["requests"] for s, r in last.items()}


@pytest.mark.parametrize("command", [["status"], ["serve"], ["reparse"],
                                     ["crawl", "-s", "ARCHIVE_ORIGINS=junk"],
                                     ["crawl", "-s", "ARCHIVE_DB=elsewhere.db"]])
def test_other_commands_and_settings_refuse_bad_input_with_exit_2(tmp_path, command):
    junk = tmp_path / "junk.db"
    junk.write_text("this is not an archive\n")
    db = tmp_path / "x.db" if command[0] == "crawl" else junk
    result = subprocess.run([sys.executable, "-m", "crawler.cli", *command, "--db", str(db)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize("args, words", [(["nosuch"], "unknown spider"),
                                         (["kemendagri", "-a", "origin=notaurl"], "origin")])
def test_scrapy_crawl_refuses_bad_input_with_exit_2(tmp_path, args, words):
    scrapy = str(Path(sys.executable).with_name("scrapy"))
    result = subprocess.run([scrapy, "crawl", *args, "-s", f"ARCHIVE_DB={tmp_path / 'x.db'}"],
                            capture_output=True, text=True, timeout=60, cwd=Path(__file__).parent.parent)
    assert result.returncode == 2 and words in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_scrapy_parse_of_a_page_writes_nothing(replica, tmp_path):
    """Debugging selectors with `scrapy parse` must not mark the production source broken."""
    article = next(a for a in replica.manifest()["articles"] if a["source"] == "mmc_kobar")
    page = replica.base + "/mmc_kobar" + article["url"].split(".go.id", 1)[1]
    scrapy = str(Path(sys.executable).with_name("scrapy"))
    result = subprocess.run([scrapy, "parse", "--spider=mmc_kobar", "-c", "parse_article", page,
                             "-s", f"ARCHIVE_DB={tmp_path / 'archive.db'}"],
                            capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent)
    assert result.returncode == 0, result.stderr[-2000:]
    assert article["title"] in result.stdout
    assert not (tmp_path / "archive.db").exists() and not (tmp_path / "warc").exists()
