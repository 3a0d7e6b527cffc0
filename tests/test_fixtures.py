"""Every frozen page parses to its reviewed expected JSON, and agrees with the replica's truth."""

import json
from datetime import date

import pytest

from tests.fixturekit import FROZEN_AT, cases, expected_path, parse_fixture

CASES = cases()


def test_there_are_frozen_pages_for_every_source():
    from crawler.replay import spider_names

    assert {p.parent.name for p in CASES} == set(spider_names())
    assert len(CASES) >= 11


@pytest.mark.parametrize("meta_path", CASES, ids=lambda p: f"{p.parent.name}/{p.name.split('.')[0]}")
def test_frozen_page_matches_expected_json(meta_path):
    expected = json.loads(expected_path(meta_path).read_text("utf-8"))
    assert parse_fixture(meta_path) == expected


@pytest.mark.parametrize("meta_path", CASES, ids=lambda p: f"{p.parent.name}/{p.name.split('.')[0]}")
def test_frozen_page_agrees_with_replica_truth(meta_path):
    truth = json.loads(meta_path.read_text("utf-8"))["truth"]
    articles = parse_fixture(meta_path)
    assert len(articles) == len(truth)
    for article, true in zip(articles, truth, strict=True):
        assert article["title"] == true["title"]
        assert article["body"] == true["body"]
        assert article["url"] in [true["url"], *true["aliases"]]
        if article["date_confidence"] == "high" or "other date" in (article["date_method"] or ""):
            assert article["published_date"] == true["published_date"]
        else:
            # Only a weekday and day/month on the page: the latest matching year, never later
            # than the fetch, on the right weekday and day of the year.
            found, real = date.fromisoformat(article["published_date"]), date.fromisoformat(true["published_date"])
            assert (found.month, found.day, found.weekday()) == (real.month, real.day, real.weekday())
            assert real <= found <= date.fromisoformat(FROZEN_AT[:10])
        if true["published_at"]:
            assert article["published_at"] == true["published_at"]
        assert article["election_related"] == true["election_related"]
        assert article["regions"] == true["regions"]
