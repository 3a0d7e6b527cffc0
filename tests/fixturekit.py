"""Frozen pages and their expected JSON: how they are made and how a page is parsed offline.

``python -m tests.regenerate`` (``make fixtures``) rewrites every ``*.expected.json`` from the
current code for review in ``git diff``; ``--freeze`` first downloads fresh pages from a replica.
"""

from __future__ import annotations

import json
from pathlib import Path

from itemadapter import ItemAdapter

from crawler.replay import items_from, offline_spider, pipelines, response, through

FIXTURES = Path(__file__).parent / "fixtures"
ORIGIN = "http://replica.test"  # frozen pages are replayed as if fetched from this mirror
FIELDS = [
    "url", "title", "body", "published_date", "published_at", "date_method", "date_confidence",
    "author", "dateline", "source_unit", "captions", "related", "tags", "image_urls", "aliases",
    "election_related", "election_types", "election_stages", "focus_stage", "institutions", "regions",
    "publisher_region", "parser",
]
FROZEN_AT = "2026-11-27T00:00:00Z"
PURE_PIPELINES = ["CleanPipeline", "StripBoilerplatePipeline", "ResolveDatePipeline", "TagPipeline",
                  "LinkRegionsPipeline"]


def cases() -> list[Path]:
    """Every frozen page: ``<spider>/<name>.page.(html|json)`` beside ``<name>.meta.json``."""
    return sorted(FIXTURES.glob("*/*.meta.json"))


def parse_fixture(meta_path: Path) -> list[dict]:
    """Replay one frozen page through its spider and the pure pipelines; the articles as dicts."""
    spider_name = meta_path.parent.name
    meta = json.loads(meta_path.read_text("utf-8"))
    page = next(meta_path.parent.glob(meta_path.name.replace(".meta.json", ".page.*")))
    crawler, spider = offline_spider(spider_name, origin=ORIGIN + f"/{spider_name}")
    fetched = spider.mirror.fetch_url(meta["url"])
    parsed = response(fetched, page.read_bytes(), {"canonical": meta["url"], **meta.get("request_meta", {})},
                      is_json=page.suffix == ".json")
    chain = pipelines(crawler, PURE_PIPELINES)
    articles = []
    for item in items_from(spider, meta["callback"], parsed):
        item.fetched_at = FROZEN_AT
        data = ItemAdapter(through(chain, item)).asdict()
        articles.append({key: data.get(key) for key in FIELDS})
    return articles


def expected_path(meta_path: Path) -> Path:
    return meta_path.with_name(meta_path.name.replace(".meta.json", ".expected.json"))
