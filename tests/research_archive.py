"""One archive of >= 3,000 replica articles per test session, for the research tests (paging,
exports, region counts) and their browser test: crawled once, reused by every module that asks."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_crawl, start_replica

ARTICLES = 3000


def big_archive(tmp_path_factory) -> Path:
    """The crawled archive (read-only: a test that writes copies it with VACUUM INTO)."""
    path = tmp_path_factory.getbasetemp() / "research-archive" / "archive.db"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        replica = start_replica(articles=ARTICLES)
        try:
            result = run_crawl(path, replica, timeout=600)
        finally:
            replica.server.shutdown()
        assert result.returncode == 0, result.stdout + result.stderr
    return path
