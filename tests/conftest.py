"""Shared fixtures: a replica on 127.0.0.1, and crawls of it in a child process.

Crawls run in a subprocess because Twisted's reactor starts once per process, and because
that is how cron runs them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlite_utils import Database

from replica.server import serve

# Browser fixtures (server, page) and helpers (serving, chromium) for every browser test module.
pytest_plugins = ["tests.browser"]

# No network beyond loopback, in this process and in every Python process a test starts.
NETGUARD = Path(__file__).parent / "netguard"
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NETGUARD), os.environ.get("PYTHONPATH")]))
sys.path.insert(0, str(NETGUARD))
import sitecustomize  # noqa: E402, F401 - installs the guard here too


@dataclass
class Replica:
    server: object

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def manifest(self) -> dict:
        with urllib.request.urlopen(self.base + "/__replica__/manifest.json", timeout=10) as response:
            return json.load(response)

    def control(self, **command) -> dict:
        request = urllib.request.Request(self.base + "/__replica__/control", data=json.dumps(command).encode(),
                                         method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)


def start_replica(articles: int = 72) -> Replica:
    server = serve(0, articles=articles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Replica(server)


@pytest.fixture(scope="session")
def replica():
    """The default replica, shared and never changed."""
    running = start_replica()
    yield running
    running.server.shutdown()


@pytest.fixture
def fresh_replica():
    """A replica of its own, for tests that change the world between crawls."""
    running = start_replica()
    yield running
    running.server.shutdown()


def run_crawl(db: Path, replica: Replica, *extra: str, timeout: float = 300) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db), "--replica", replica.base,
               "--log-file", str(db.with_suffix(".log")), *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def crawled(replica, tmp_path_factory):
    """One full crawl of the default replica into a fresh archive; its path and result."""
    db = tmp_path_factory.mktemp("archive") / "archive.db"
    result = run_crawl(db, replica)
    assert result.returncode == 0, result.stdout + result.stderr
    return db, result


def assert_archive_matches(db_path: Path, manifest: dict, *, clusters: bool = True) -> None:
    """The archive holds exactly the replica's live articles, once each, copies as aliases."""
    db = Database(db_path)
    rows = {r["url"]: r for r in db.query("select * from articles where removed_at is null")}
    aliases = {r["url"]: r["article_id"] for r in db.query("select * from article_aliases")}
    assert sorted(rows) == sorted(a["url"] for a in manifest["articles"])
    for true in manifest["articles"]:
        row = rows[true["url"]]
        assert (row["source"], row["title"], row["body"], row["published_date"]) == \
            (true["source"], true["title"], true["body"], true["published_date"]), true["url"]
        if true["published_at"]:
            assert row["published_at"] == true["published_at"]
        assert {u for u, a in aliases.items() if a == row["id"]} == set(true["aliases"])
    assert set(aliases).isdisjoint(rows)
    if not clusters:
        return
    cluster_of = {url: row["cluster_id"] for url, row in rows.items()}
    for true in manifest["articles"]:
        versions = {true["url"], *true.get("other_versions", [])}
        same_cluster = {u for u, c in cluster_of.items() if c is not None and c == cluster_of[true["url"]]}
        assert same_cluster == (versions if len(versions) > 1 else set()), true["url"]
