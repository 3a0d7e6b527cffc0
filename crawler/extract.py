"""Structured data and the generic extractor, shared by the HTML spiders.

Order of trust: JSON-LD, then OpenGraph / article meta tags, then the spider's own selectors,
then :func:`generic_paragraphs` (every paragraph of the page that is not navigation).
"""

from __future__ import annotations

import json

from crawler.text import block_texts


def json_ld(response) -> dict:
    """The first NewsArticle-like JSON-LD object on the page, or ``{}``."""
    for raw in response.css('script[type="application/ld+json"]::text').getall():
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        for node in data if isinstance(data, list) else data.get("@graph", [data]):
            if isinstance(node, dict) and str(node.get("@type", "")).endswith("Article"):
                return node
    return {}


def meta(response, name: str) -> str | None:
    value = response.css(f'meta[property="{name}"]::attr(content), meta[name="{name}"]::attr(content)').get()
    return value.strip() if value else None


def ld_author(data: dict) -> str | None:
    author = data.get("author")
    if isinstance(author, list):
        author = author[0] if author else None
    if isinstance(author, dict):
        return author.get("name")
    return author if isinstance(author, str) else None


def ld_images(data: dict) -> list[str]:
    image = data.get("image") or []
    images = image if isinstance(image, list) else [image]
    return [i.get("url") if isinstance(i, dict) else i for i in images if i]


def generic_paragraphs(response) -> list[str]:
    """Every text block of the page outside navigation, header, footer and sidebars."""
    root = response.xpath("//body")
    for node in root.css("nav, header, footer, aside, script, style, form, .share, .share-buttons"):
        node.drop()
    return [t for t in block_texts(root) if len(t.split()) >= 4]
