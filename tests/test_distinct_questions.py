"""The distinct-questions load (bench/endpoints.py distinct_paths): every request of an endpoint
a different question, each one a question the site answers (200), on a small archive."""

import sqlite3

import pytest

pytestmark = pytest.mark.slow  # builds an archive of 400 articles: not in `make test-fast`


async def test_every_question_differs_and_is_answered(tmp_path):
    from archive.connect import open_archive
    from archive.site import app
    from archive.store import ArchiveWriter
    from bench.endpoints import ENDPOINTS, archive_words, distinct_paths
    from bench.synth import synthetic_items

    path = tmp_path / "archive.db"
    db = open_archive(str(path), migrate=True)
    ArchiveWriter(db).write(list(synthetic_items(400)))
    db.close()
    words = archive_words(sqlite3.connect(path), top=12)
    assert words.words[0] in ("pemilihan", "pilkada", "suara", "pemilih") and len(words.words) == 12
    paths = distinct_paths(words, 24, list(range(1, 25)))
    assert set(paths) == {e.name for e in ENDPOINTS} - {"atom_feed", "home_page"}
    site = app(path)
    await site.invoke_startup()
    for name, questions in paths.items():
        assert len(set(questions)) == len(questions) == 24, name
        for question in questions:
            response = await site.client.get(question.format(db="archive"))
            assert response.status_code == 200, (question, response.text[:300])
