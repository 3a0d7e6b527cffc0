"""Extraction quality on the gold set: the issue's thresholds, and trafilatura as the reference."""

import pytest

from bench.gold import evaluate_extraction, gold_pages

pytestmark = pytest.mark.slow  # runs trafilatura over every gold page (~15 s)


@pytest.fixture(scope="module")
def report():
    return evaluate_extraction()


def test_the_gold_set_has_120_pages_including_hand_made_quirks():
    pages = gold_pages()
    assert len(pages) >= 120
    assert sum(spec["origin"] == "hand-made" for _, spec in pages) >= 30
    assert {spec["spider"] for _, spec in pages} == {"mmc_kobar", "kemendagri"}


@pytest.mark.parametrize("group", ["mmc_kobar", "kemendagri", "overall"])
def test_thresholds(report, group):
    scores = report["project"][group]
    assert scores["date_accuracy"] >= 0.98
    assert scores["title_exact"] >= 0.99
    assert scores["body_f1"] >= 0.97
    assert scores["leakage"] == 0.0


def test_at_least_as_good_as_trafilatura_everywhere_and_better_on_dates_bodies_and_leakage(report):
    ours, theirs = report["project"]["overall"], report["trafilatura"]["overall"]
    assert ours["date_accuracy"] > theirs["date_accuracy"]
    assert ours["body_f1"] > theirs["body_f1"] and ours["body_precision"] > theirs["body_precision"]
    assert ours["leakage"] < theirs["leakage"]
    assert ours["title_exact"] >= theirs["title_exact"] and ours["body_recall"] >= theirs["body_recall"]
