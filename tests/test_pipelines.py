"""The pure pipelines on single items (no crawl)."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DropItem

from crawler.items import Article
from crawler.replay import offline_spider, pipelines


@pytest.fixture(scope="module")
def chain():
    crawler, _ = offline_spider("mmc_kobar")
    return pipelines(crawler, ["CleanPipeline", "StripBoilerplatePipeline", "ResolveDatePipeline",
                               "ValidatePipeline"])


def run(chain, item):
    for pipeline in chain:
        item = pipeline.process_item(item)
    return item


def test_a_title_that_is_only_the_site_name_is_a_parse_failure(chain):
    item = Article(url="https://mmc.kotawaringinbaratkab.go.id/berita/x", title="- MMC Kobar",
                   paragraphs=["Satu kalimat isi berita yang cukup panjang."])
    with pytest.raises(DropItem, match="no title"):
        run(chain, item)


def test_the_site_name_after_a_title_is_removed(chain):
    item = Article(url="https://mmc.kotawaringinbaratkab.go.id/berita/x", title="Judul Berita | MMC Kobar",
                   paragraphs=["Satu kalimat isi berita yang cukup panjang."])
    assert run(chain, item).title == "Judul Berita"


def test_control_and_zero_width_characters_leave_no_trace(chain):
    item = Article(url="https://mmc.kotawaringinbaratkab.go.id/berita/x", title="Pil\u200bkada\x00 2024",
                   paragraphs=["KPU me\u00adnetapkan\x07 DPT."])
    stored = run(chain, item)
    assert (stored.title, stored.body) == ("Pilkada 2024", "KPU menetapkan DPT.")
