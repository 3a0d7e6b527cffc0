"""Raw pages in WARC files, reparse without the network, and version history in Datasette."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from archive.site import app
from crawler.warc import iter_responses
from tests.conftest import assert_archive_matches, run_crawl

pytestmark = pytest.mark.slow  # crawls, browsers or benchmarks: not in `make test-fast`


def test_warc_files_validate_and_every_version_points_to_its_record(fresh_replica, tmp_path):
    db_path = tmp_path / "archive.db"
    assert run_crawl(db_path, fresh_replica).returncode == 0
    warcs = sorted((tmp_path / "warc").glob("*.warc.gz"))
    assert {w.name.rsplit("-", 1)[1] for w in warcs} == {"mmc_kobar.warc.gz", "kemendagri.warc.gz"}
    check = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", "-v", *map(str, warcs)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    db = Database(db_path)
    assert db.execute("select count(*) from articles where warc_record_id is null").fetchone()[0] == 0


def test_reparse_restores_text_from_the_warc_after_a_parser_fix(fresh_replica, tmp_path):
    db_path = tmp_path / "archive.db"
    assert run_crawl(db_path, fresh_replica).returncode == 0
    db = Database(db_path)
    # As if an older parser had let a "Baca Juga" line into one body.
    article = next(db.query("select * from articles where source = 'mmc_kobar' limit 1"))
    db["articles"].update(article["id"], {"body": article["body"] + "\n\n(Baca Juga : Judul Lain)",
                                          "content_hash": "stale"})
    result = subprocess.run([sys.executable, "-m", "crawler.cli", "reparse", "--db", str(db_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "updated=1" in result.stdout
    assert_archive_matches(db_path, fresh_replica.manifest())
    versions = list(db.query("select * from article_versions where article_id = ?", [article["id"]]))
    assert [v["body"] for v in versions] == [article["body"] + "\n\n(Baca Juga : Judul Lain)"]
    records = {meta["warc"]["record_id"] for warc in (tmp_path / "warc").glob("*.warc.gz")
               for _, _, meta, *_ in iter_responses(warc)}
    now = next(db.query("select * from articles where id = ?", [article["id"]]))
    assert now["version"] == 2 and now["warc_record_id"] in records


async def test_history_page_shows_versions_with_a_diff(fresh_replica, tmp_path):
    db_path = tmp_path / "archive.db"
    assert run_crawl(db_path, fresh_replica).returncode == 0
    url = next(a["url"] for a in fresh_replica.manifest()["articles"] if a["source"] == "kemendagri")
    fresh_replica.control(action="edit", url=url, text="Kalimat tambahan setelah ralat.")
    assert run_crawl(db_path, fresh_replica, "--since", "2000-01-01").returncode == 0
    article_id = next(Database(db_path).query("select id from articles where url = ?", [url]))["id"]
    site = app(db_path)
    page = await site.client.get(f"/-/history/{article_id}")
    assert page.status_code == 200
    assert "Versi 1" in page.text and "Versi 2" in page.text and '<span class="add">+' in page.text and "Kalimat tambahan setelah ralat." in page.text
    assert (await site.client.get("/-/history/999999")).status_code == 404
