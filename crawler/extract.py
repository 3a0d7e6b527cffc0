"""Structured data and the generic extractor, shared by the HTML spiders.

Order of trust: JSON-LD, then OpenGraph / article meta tags, then the spider's own selectors,
then :func:`generic_paragraphs` (every paragraph of the page that is not navigation).
"""

from __future__ import annotations

import json

from lxml import etree
from parsel import Selector

from indonesian.text import clean_text, clean_whitespace

LINE_BREAK = "\ue000"  # a private-use character standing for <br> (Drupal separates paragraphs with it)


LD_TEXT_FIELDS = ("headline", "name", "datePublished", "dateModified", "description")


def json_ld(response) -> dict:
    """The first NewsArticle-like JSON-LD object on the page, or ``{}``. Its text fields are
    text or absent: a headline that is an object or a list is no evidence, never a crash."""
    for raw in response.css('script[type="application/ld+json"]::text').getall():
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        nodes = data if isinstance(data, list) else data.get("@graph", [data]) if isinstance(data, dict) else []
        for node in nodes if isinstance(nodes, list) else []:
            if isinstance(node, dict) and str(node.get("@type", "")).endswith("Article"):
                return {k: v for k, v in node.items()
                        if k not in LD_TEXT_FIELDS or (isinstance(v, str) and v.strip())}
    return {}


def meta(response, name: str) -> str | None:
    value = response.css(f'meta[property="{name}"]::attr(content), meta[name="{name}"]::attr(content)').get()
    return value.strip() if value else None


def ld_author(data: dict) -> str | None:
    author = data.get("author")
    if isinstance(author, list):
        author = author[0] if author else None
    if isinstance(author, dict):
        author = author.get("name")
    return author if isinstance(author, str) else None


def ld_images(data: dict) -> list[str]:
    image = data.get("image") or []
    images = image if isinstance(image, list) else [image]
    urls = [i.get("url") if isinstance(i, dict) else i for i in images]
    return [u for u in urls if isinstance(u, str) and u]


def generic_paragraphs(response) -> list[str]:
    """Every text block of the page outside navigation, header, footer and sidebars."""
    root = response.xpath("//body")
    for node in root.css("nav, header, footer, aside, script, style, form, .share, .share-buttons"):
        node.drop()
    return [t for t in block_texts(root) if len(t.split()) >= 4]


def html_to_paragraphs(html: str) -> tuple[list[str], list[str]]:
    """Paragraphs and figure captions of an HTML fragment (e.g. Kemendagri's ``blog_desc``)."""
    root = Selector(text=f"<div id='__root'>{clean_text(html)}</div>")
    captions = [clean_whitespace(" ".join(c.css("::text").getall()))
                for c in root.css("figcaption, .caption, .wp-caption-text")]
    for node in root.css("figcaption, .caption, .wp-caption-text, script, style"):
        node.drop()
    paragraphs = block_texts(root.css("#__root"))
    return paragraphs, [c for c in captions if c]


BLOCK_TAGS_INNER = {"p", "h2", "h3", "h4", "h5", "li", "blockquote", "pre"}
NESTED_BLOCKS = ("p", "div", "li")


def block_texts(container) -> list[str]:
    """The text of each innermost block element below ``container``, in document order.

    A ``<br>`` splits a block into paragraphs (Drupal pages separate paragraphs with it).
    Works on the lxml tree directly: parsel selectors per node cost ten times as much.
    """
    texts: list[str] = []
    for selector in container:
        root = selector.root
        for br in root.iter("br"):
            if not (br.tail or "").startswith(LINE_BREAK):
                br.tail = LINE_BREAK + (br.tail or "")
        _collect(root, texts)
    return texts


def _collect(element, texts: list[str]) -> None:
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in ("script", "style"):
            continue
        if tag in BLOCK_TAGS_INNER or (tag == "div" and not any(
                True for inner in child.iter(*NESTED_BLOCKS) if inner is not child)):
            raw = etree.tostring(child, method="text", encoding=str, with_tail=False)
            for chunk in raw.split(LINE_BREAK):
                text = clean_whitespace(chunk)
                if text:
                    texts.append(text)
        else:
            _collect(child, texts)
