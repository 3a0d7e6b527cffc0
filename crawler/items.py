"""The one item every spider yields."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Article:
    """One news article as a spider saw it, then as the pipelines normalised it.

    Spiders fill the raw fields (``url`` … ``parser``); pipelines fill the rest. Every field has a
    default so that a spider may leave out what its page does not have.
    """

    url: str = ""
    source: str = ""
    fetched_url: str = ""
    title: str | None = None
    body: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    date_candidates: list[dict] = field(default_factory=list)
    author: str | None = None
    dateline: str | None = None
    source_unit: str | None = None
    captions: list[str] = field(default_factory=list)
    related: list[dict] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    image_urls: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    discovered: list[str] = field(default_factory=list)  # article URLs first found on this page
    fetched_at: str | None = None
    parser: str | None = None
    http_status: int | None = None
    warc_file: str | None = None
    warc_record_id: str | None = None
    published_date: str | None = None
    published_at: str | None = None
    date_text: str | None = None
    date_method: str | None = None
    date_confidence: str | None = None
    release_key: str | None = None
    content_hash: str | None = None
    election_related: bool | None = None
    election_score: float | None = None
    election_terms: list[str] = field(default_factory=list)
    election_types: list[str] = field(default_factory=list)
    election_stages: list[str] = field(default_factory=list)
    institutions: list[str] = field(default_factory=list)
    focus_stage: str | None = None
    regions: list[str] = field(default_factory=list)
    publisher_region: str | None = None
    problems: list[str] = field(default_factory=list)
