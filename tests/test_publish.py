"""``pilkada-archive publish``: immutable, consistent snapshots taken while a crawl writes, served
read-only (``-i`` with inspect data) by Datasette in-process and by several server processes."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from crawler.publish import PublishError, publish, serve_command, snapshot_app
from tests.conftest import assert_archive_matches, start_replica

pytestmark = pytest.mark.slow


def crawl_process(db: Path, replica, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db), "--replica", replica.base,
                             "--log-file", str(db.with_suffix(".log")), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def article_count(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as live:
            return live.execute("select count(*) from articles").fetchone()[0]
    except sqlite3.Error:  # not created yet
        return 0


def assert_consistent(snapshot: Path, scratch: Path) -> dict[str, int]:
    """The snapshot passes every check SQLite has, its inspect data counts what the file holds,
    and its rows hang together (no alias, version or tag of an article it does not have).
    Returns the table counts."""
    db_file = snapshot / "archive.db"
    assert db_file.stat().st_mode & 0o222 == 0, "the snapshot must be read-only"
    assert db_file.read_bytes()[18:20] == b"\x01\x01", "rollback journal mode, not WAL"
    inspect = json.loads((snapshot / "inspect-data.json").read_text())["archive"]
    counts = {}
    with sqlite3.connect(f"file:{db_file}?immutable=1", uri=True) as copy:
        assert [r[0] for r in copy.execute("PRAGMA integrity_check")] == ["ok"]
        assert copy.execute("PRAGMA foreign_key_check").fetchall() == []
        for table in inspect["tables"]:
            counts[table] = copy.execute(f"select count(*) from [{table}]").fetchone()[0]
        fts_tables = [r[0] for r in copy.execute("select name from sqlite_master where sql like "
                                                 "'CREATE VIRTUAL TABLE%USING FTS5%'")]
        orphans = copy.execute("select count(*) from article_aliases where article_id not in "
                               "(select id from articles)").fetchone()[0]
    assert orphans == 0
    assert counts == {t: v["count"] for t, v in inspect["tables"].items()}
    assert fts_tables, "the archive has full-text indexes"
    # FTS5's integrity-check is a write command: run it on a writable copy of the snapshot.
    writable = scratch / f"check-{snapshot.name}.db"
    shutil.copyfile(db_file, writable)
    with sqlite3.connect(writable) as check:
        for fts in fts_tables:
            check.execute(f"insert into [{fts}] ([{fts}]) values ('integrity-check')")
            # The index finds what the content holds: every article by a word of its title.
            if fts == "articles_fts":
                title_word, = check.execute("select title from articles order by id limit 1").fetchone()
                word = re.findall(r"\w{4,}", title_word)[0]
                assert check.execute("select count(*) from articles_fts where articles_fts match ?",
                                     [f'"{word}"']).fetchone()[0] >= 1
    writable.unlink()
    return counts


@pytest.fixture
def big_replica():
    running = start_replica(articles=300)
    yield running
    running.server.shutdown()


async def test_snapshots_taken_during_a_crawl_are_consistent_and_serve_read_only(big_replica, tmp_path):
    replica = big_replica
    db, out = tmp_path / "archive.db", tmp_path / "published"
    # Small batches, two requests at a time: the crawl writes many times over several seconds.
    crawl = crawl_process(db, replica, "-s", "ARCHIVE_BATCH_SIZE=4", "-s", "CONCURRENT_REQUESTS=2")
    taken: list[tuple[Path, bool]] = []
    deadline = time.monotonic() + 180
    try:
        while crawl.poll() is None and len(taken) < 10:
            assert time.monotonic() < deadline, "the crawl did not finish in 180 s"
            if article_count(db):
                snapshot = publish(db, out, keep=100)
                taken.append((snapshot.path, crawl.poll() is None))
            time.sleep(0.2)
        stdout, stderr = crawl.communicate(timeout=180)
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.communicate()
    assert crawl.returncode == 0, stdout + stderr
    assert_archive_matches(db, replica.manifest())  # the crawl lost nothing to the snapshots
    final = publish(db, out, keep=100)

    with sqlite3.connect(db) as live:
        final_urls = {r[0] for r in live.execute("select url from articles")}
        final_aliases = {r[0] for r in live.execute("select url from article_aliases")}
    during = []
    for path, crawl_running in taken:
        counts = assert_consistent(path, tmp_path)
        with sqlite3.connect(f"file:{path / 'archive.db'}?immutable=1", uri=True) as copy:
            urls = {r[0] for r in copy.execute("select url from articles")}
        # A copy on the portal can be stored before its original, which later takes its place
        # (the copy becoming an alias): every page a snapshot has, the final archive has too.
        assert urls <= final_urls | final_aliases
        if crawl_running and 0 < counts["articles"] < len(final_urls):
            during.append(path)
    assert during, f"no snapshot caught the crawl half-way: {[(p.name, r) for p, r in taken]}"
    assert assert_consistent(final.path, tmp_path)["articles"] == len(final_urls)
    assert (out / "current").resolve() == final.path
    assert not list(out.glob(".incoming-*"))

    # Datasette serves a half-way snapshot read-only, with the counts of its inspect data.
    snapshot = during[len(during) // 2]
    expected = assert_consistent(snapshot, tmp_path)
    datasette = snapshot_app(snapshot)
    databases = (await datasette.client.get("/-/databases.json")).json()
    assert [(d["name"], d["is_mutable"], d["hash"]) for d in databases] == \
        [("archive", False, json.loads((snapshot / "snapshot.json").read_text())["sha256"])]
    tables = {t["name"]: t["count"] for t in (await datasette.client.get("/archive.json")).json()["tables"]}
    assert {t: tables[t] for t in expected} == expected
    rows = (await datasette.client.get("/archive/articles.json?_shape=array&_size=max")).json()
    assert len(rows) == expected["articles"]
    page = await datasette.client.get("/archive/articles")
    assert page.status_code == 200 and f"{expected['articles']} rows" in page.text
    home = await datasette.client.get("/")  # the home page says which snapshot a reader cites
    taken_at = json.loads((snapshot / "snapshot.json").read_text())["taken_at"]
    assert f"taken {taken_at[:10]} {taken_at[11:16]} UTC: {expected['articles']} articles" in home.text


def test_several_processes_serve_one_snapshot(crawled, tmp_path):
    db, _ = crawled
    snapshot = publish(db, tmp_path / "published").path
    with sqlite3.connect(f"file:{snapshot / 'archive.db'}?immutable=1", uri=True) as copy:
        articles = copy.execute("select count(*) from articles").fetchone()[0]
    servers = [subprocess.Popen(serve_command(snapshot, port=0), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    try:
        bases = []
        for server in servers:
            deadline = time.monotonic() + 60
            for line in server.stdout:  # uvicorn names the port it was given
                found = re.search(r"running on (http://127\.0\.0\.1:\d+)", line, re.I)
                if found:
                    bases.append(found[1])
                    break
                assert time.monotonic() < deadline
            else:
                pytest.fail("a Datasette process exited before serving")
        answers = []
        for base in bases:
            with urllib.request.urlopen(base + "/archive/articles.json?_shape=objects&_size=1", timeout=30) as r:
                answers.append(json.load(r)["filtered_table_rows_count"])
            with urllib.request.urlopen(base + "/-/databases.json", timeout=30) as r:
                assert [d["is_mutable"] for d in json.load(r)] == [False]
        assert answers == [articles, articles]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def test_old_snapshots_are_pruned_but_never_the_current_one(crawled, tmp_path):
    db, _ = crawled
    out = tmp_path / "published"
    made = [publish(db, out, keep=2) for _ in range(3)]
    assert len({m.path for m in made}) == 3  # taken in one second: still three names
    remaining = sorted(p.name for p in out.iterdir() if p.is_dir() and not p.is_symlink())
    assert remaining == sorted(m.path.name for m in made[1:])
    assert made[2].pruned == [made[0].path.name]
    assert (out / "current").resolve() == made[2].path


def test_bad_input_is_a_clear_error_and_leaves_nothing(tmp_path):
    not_archive = tmp_path / "other.db"
    with sqlite3.connect(not_archive) as other:
        other.execute("create table t (x)")
    out = tmp_path / "published"
    with pytest.raises(PublishError, match="not an archive") as raised:
        publish(not_archive, out)
    assert raised.value.exit_code == 2
    assert sorted(p.name for p in out.iterdir()) == [".publish.lock"]

    cli = subprocess.run([sys.executable, "-m", "crawler.cli", "publish", str(out), "--db",
                          str(tmp_path / "missing.db")], capture_output=True, text=True, timeout=60)
    assert cli.returncode == 2
    assert "no archive at" in cli.stderr
    text = tmp_path / "notes.db"
    text.write_text("not sqlite")
    cli = subprocess.run([sys.executable, "-m", "crawler.cli", "publish", str(out), "--db", str(text)],
                         capture_output=True, text=True, timeout=60)
    assert cli.returncode == 2, cli.stderr
    assert "could not snapshot" in cli.stderr and "not a database" in cli.stderr
    assert sorted(p.name for p in out.iterdir()) == [".publish.lock"]
