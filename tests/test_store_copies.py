"""copies of one release must give the same
archive whichever copy a crawl stores first."""

from __future__ import annotations

from archive.connect import open_archive
from archive.store import ArchiveWriter
from bench.synth import synthetic_items

MMC = "https://mmc.kotawaringinbaratkab.go.id/berita/"
PORTAL = "https://kotawaringinbaratkab.go.id/id/blog/"


def mmc_first(url: str) -> int:
    return 0 if url.startswith(MMC) else 1


def release_and_copy() -> tuple[dict, dict]:
    """An MMC release in the classic layout (no author, date from the listing) and the portal's
    copy of it (an author, and a weaker date), as the crawl of the replica sees them."""
    release = dict(next(iter(synthetic_items(1))), author=None, published_date="2018-01-11",
                   date_method="listing: text", date_confidence="high", date_text="11/01/2018")
    copy = dict(release, url=PORTAL + release["url"].removeprefix(MMC), author="adminkominfo",
                published_date="2024-01-11", date_method="lead: text", date_confidence="medium",
                date_text="Kamis (11/1)")
    return release, copy


def stored(tmp_path, name: str, first: dict, second: dict):
    db = open_archive(str(tmp_path / name), migrate=True)
    writer = ArchiveWriter(db, "r1", mmc_first)
    writer.write([first])
    writer.write([second])
    return db


def test_an_article_does_not_depend_on_which_copy_was_stored_first(tmp_path):
    # Seen on the 300-article replica: `scrapy crawl` and `pilkada-archive crawl` stored two
    # articles with author None and 'adminkominfo' (the portal's copy arrived first in one crawl).
    release, copy = release_and_copy()
    fields = "url, author, published_date, date_method"
    a = stored(tmp_path, "a.db", release, copy).execute(f"select {fields} from articles").fetchall()
    b = stored(tmp_path, "b.db", copy, release).execute(f"select {fields} from articles").fetchall()
    assert a == b


def test_the_similarity_sketch_is_dated_like_its_article(tmp_path):
    # A copy with a better date re-dates the article, but article_sketches.day keeps the first
    # copy's day, and story clusters are searched within 30 days of that stale day. On the
    # 300-article replica, 26 articles (scrapy crawl) and 29 (pilkada-archive crawl) had sketches
    # dated years away from the article.
    release, copy = release_and_copy()
    db = stored(tmp_path, "a.db", copy, release)
    stale = db.execute("select count(*) from article_sketches s join articles a on a.id = s.article_id "
                       "where s.day is not a.published_date").fetchone()[0]
    assert stale == 0
