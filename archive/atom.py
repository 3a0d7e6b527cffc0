"""Writing Atom feeds that every feed reader accepts, for any feed of the site (canned queries
through ``plugins/feeds.py``, and any route that builds its own entries, e.g. a search).

One place for what every feed needs: text without the characters XML 1.0 cannot carry (a NUL in
one title made the old feed answer 500 to everyone), moments compared as moments (not strings),
``<updated>`` = the newest entry change, and ``application/atom+xml``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator

ATOM_TYPE = "application/atom+xml"
# C0 controls but tab, newline and return; C1 controls; surrogates; the two non-characters.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_text(value) -> str:
    return NOT_XML.sub("", "" if value is None else str(value))


def parse_moment(value) -> datetime | None:
    """An ISO-8601 moment, naive ones taken as UTC; None for anything else."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def atom_xml(entries: list[dict], *, title: str, feed_url: str, page_url: str | None = None,
             clean_html=None, generator: str = "pilkada-archive") -> bytes:
    """An Atom document. Each entry: ``id``, ``title``, ``updated`` (required); ``published``,
    ``link``, ``content`` (text) or ``content_html`` (passed through ``clean_html``), ``author``.
    Entries keep the given order."""
    feed = FeedGenerator()
    feed.generator(generator=generator)
    feed.id(xml_text(feed_url))
    feed.title(xml_text(title) or feed_url)
    feed.link(href=feed_url, rel="self", type=ATOM_TYPE)
    if page_url:
        feed.link(href=page_url, rel="alternate", type="text/html")
    moments = []
    for item in entries:
        entry = feed.add_entry(order="append")
        entry.id(xml_text(item["id"]))
        entry.title(xml_text(item["title"]) or "(tanpa judul / untitled)")
        updated, published = parse_moment(item.get("updated")), parse_moment(item.get("published"))
        # An entry whose date cannot be read still appears, dated by its other date or now.
        entry.updated(updated or published or datetime.now(UTC))
        if published:
            entry.published(published)
        moments += [m for m in (updated, published) if m]
        if item.get("link"):
            entry.link(href=xml_text(item["link"]))
        if item.get("content_html") is not None:
            html = xml_text(item["content_html"])
            entry.content(clean_html(html) if clean_html else html, type="html")
        elif item.get("content") is not None:
            entry.content(xml_text(item["content"]), type="text")
        elif not item.get("link"):
            entry.content(xml_text(item["title"]), type="text")  # Atom: a link or a content
        if item.get("author"):
            entry.author({"name": xml_text(item["author"])})
    feed.updated(max(moments) if moments else datetime.now(UTC))
    return feed.atom_str(pretty=True)
