"""A declarative base for HTML news sites: a source module names its pages and selectors, this
class discovers articles (``crawler.discovery``: sitemaps, feeds, CMS listings, the configured
listings, a bounded crawl, in-article links) and extracts them.

Extraction does not need the right class names: the source's selectors come first, and every
field falls back to what any layout shows (``crawler.extract``). Body: the selectors' largest
match, else a Next.js page's ``__NEXT_DATA__`` article, else the densest block of paragraphs,
else every text block (``generic``); ``parser`` names the path. Title: JSON-LD, Next.js data,
og:title, the selectors, the heading the ``<title>`` names or the ``<h1>`` nearest the body, the
``<title>`` without the site's name. Every piece of date evidence is collected with its kind
(JSON-LD, Next.js data, microdata/RDFa, meta tags, ``<time datetime>``, the bullet lines, a full
date line next to the title, the listing or feed, dateline, lead, captions);
``crawler.pipelines.ResolveDatePipeline`` ranks them and ``date_method`` names the one used.
"""

from __future__ import annotations

import re

from parsel import Selector, SelectorList

from crawler.discovery import Discovering
from crawler.extract import (
    block_texts,
    css_all,
    densest_block,
    generic_paragraphs,
    header_date_line,
    json_ld,
    largest,
    ld_author,
    ld_images,
    media_blocks,
    meta,
    microdata_date,
    next_data,
    published_meta,
    strip_site_name,
    time_datetime,
    title_heading,
    weekday_full_dates,
    wrap,
    xpath_all,
)
from crawler.spider import ArchiveSpider
from indonesian.text import match_key

DATELINE_TEXT = re.compile(r"^(.{3,60}?)\s+[–—-]\s")  # "Pangkalan Bun, 31 Januari 2025 – ..."


class NewsSpider(Discovering, ArchiveSpider):
    LISTING_PAGES: tuple[str, ...] = ()  # canonical URLs of the first listing pages
    ARTICLE_PATH: re.Pattern  # paths of article pages (in-article links are followed to these)

    LISTING_ITEM = LISTING_LINK = LISTING_DATE = NEXT_PAGE = ARCHIVE_MONTH = ""
    TITLE = BODY = CAPTIONS = ""
    INLINE_FIGURES = ".//p[.//img]"  # a paragraph holding a photo: its text is the photo's caption
    META_LINES = ""  # lines around the title: author, date, read count
    AUTHOR_WORD = "penulis"  # the meta line naming the author starts with this
    # A meta line holding the author and the date together ("Kontribusi dari Diskominfo Kobar,
    # 31 Juli 2018 13:20, Dibaca 354 kali."): a pattern with named groups ``author`` and ``date``.
    BYLINE: re.Pattern | None = None
    NOT_A_DATE = ("penulis", "dibaca")  # meta lines that carry no date
    PAGE_DATE = ""  # a date in the page's own markup, read as "meta" evidence
    PAGE_AUTHOR = ""
    BODY_IMAGES = "img::attr(src)"
    SAME_PAGE_LINKS = 'link[rel="canonical"]::attr(href), link[rel="shortlink"]::attr(href)'
    SITE_NAMES: tuple[str, ...] = ()  # the site's name, as it stands before or after a page's <title>

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_discovery()

    async def start(self):
        if self.url_list is not None:
            for url in self.url_list:
                yield self.article_request(url)
            return
        for request in self.discovery_start():
            yield request

    def parse_listing(self, response):
        months = [self.absolute(response, h) for h in css_all(response, self.ARCHIVE_MONTH)] \
            if self.ARCHIVE_MONTH else []
        follow = self.follow_listing
        if months and not self.incremental:
            for month in months:
                yield from filter(None, [follow(month)])
        elif months:
            # Newest month first, and the next one only while a month still has news for us.
            yield from filter(None, [follow(months[0], months=months[1:])])
        known_on_page = 0
        entries = css_all(response, self.LISTING_ITEM)
        self.count_listing_entries(len(entries))
        if not entries and not months:
            # An empty answer or a changed layout, never a listing: recorded, so that the next
            # run walks every listing page again instead of trusting this one.
            yield from filter(None, [self.broken_page(response, "listing page without entries")])
        for entry in entries:
            url = self.absolute(response, next(iter(css_all(entry, self.LISTING_LINK)), ""))
            self.discovered("listing", url)
            listing_date = " ".join(css_all(entry, self.LISTING_DATE)).strip()
            known = self.known.get(url, {})
            # A known page is fetched again only when re-checked, or when this listing states
            # the full date that its stored (inferred) date lacked.
            if known and not known.get("recheck") and not (listing_date and known.get("weak_date")):
                known_on_page += 1
                continue
            yield self.article_request(url, meta={"listing_date": listing_date}, dont_filter=url in self.undated)
        all_known = self.incremental and known_on_page == len(entries)
        next_page = next(iter(css_all(response, self.NEXT_PAGE)), None)
        if next_page and not all_known:
            yield from filter(None, [follow(self.absolute(response, next_page))])
        later_months = response.meta.get("months")
        if later_months and not all_known:
            yield from filter(None, [follow(later_months[0], months=later_months[1:])])

    def follow_listing(self, url: str, **meta):
        """The next page or month of a listing: a discovery request that is a failed page if it fails."""
        return self.discovery_request(url, self.parse_listing, "listing", follow_up=True, **meta)

    def parse_article(self, response):
        """One article page. Every field falls back to what does not need the source's class
        names: structured data, the densest block of paragraphs, the heading the ``<title>``
        names, a full date written next to the title (see ``crawler.extract``)."""
        url = self.canonical(response)
        ld = json_ld(response)
        nd = next_data(response)
        page_title = next(iter(css_all(response, "title::text")), "").strip()
        parser = "selectors"
        container = largest(wrap(response, css_all(response, self.BODY))) if self.BODY else SelectorList([])
        if not container and nd:
            container, parser = Selector(text=f"<div id='__next_data'>{nd['body']}</div>").css("#__next_data"), "nextdata"
        if not container:
            container, parser = densest_block(response), "density"
        title = (ld.get("headline") or nd.get("title") or meta(response, "og:title")
                 or " ".join(css_all(response, ", ".join(f"{t} ::text" for t in self.TITLE.split(",")))).strip()
                 or title_heading(response, container[0] if container and parser != "nextdata" else None, page_title)
                 or strip_site_name(page_title, self.SITE_NAMES))
        # Read before captions are dropped from the tree: the header line must not be one.
        header_line = header_date_line(response, title, container[0] if container and parser != "nextdata" else None)
        body_images = css_all(container, self.BODY_IMAGES) if container else []
        if container:
            links = {}
            for link in css_all(container, "a"):
                links[match_key(next(iter(css_all(link, "::text")), ""))] = self.absolute(response, link.get("href", ""))
            # The same queries as response.css(CAPTIONS), container.xpath(INLINE_FIGURES) and
            # container.css("figcaption"), on the lxml tree (see crawler.extract.css_all).
            figures = [*wrap(response, css_all(response, self.CAPTIONS)),
                       *wrap(container[0], xpath_all(container, self.INLINE_FIGURES)),
                       *wrap(container[0], css_all(container, "figcaption")), *media_blocks(container)]
            figures = list({id(node.root): node for node in figures}.values())
            captions = list(dict.fromkeys(" ".join(css_all(c.root, "::text")).strip() for c in figures))
            for node in figures:
                if node.root.getparent() is not None:  # not inside a figure dropped already
                    node.drop()
            paragraphs = block_texts(container)
        else:
            links, captions, paragraphs, parser = {}, [], generic_paragraphs(response), "generic"
        lines = [b.strip() for b in css_all(response, self.META_LINES + "::text")] if self.META_LINES else []
        bylines = [m for m in map(self.BYLINE.search, lines) if m] if self.BYLINE else []
        if bylines:  # their date is evidence as a line of its own; the rest of the line is not
            lines = [b for b in lines if not self.BYLINE.search(b)] + [
                m["date"] for m in bylines if m.groupdict().get("date")]
        author = ld_author(ld) or next((m["author"].strip() for m in bylines if m.groupdict().get("author")), None)
        author = author or next((b.split(self.AUTHOR_WORD, 1)[1].strip() for b in lines
                                 if self.AUTHOR_WORD in b), None)
        author = author or (next(iter(css_all(response, self.PAGE_AUTHOR)), None) if self.PAGE_AUTHOR else None)
        evidence = [
            {"kind": "jsonld", "text": ld.get("datePublished")},
            {"kind": "nextdata", "text": nd.get("date")},
            {"kind": "microdata", "text": microdata_date(response)},
            {"kind": "meta", "text": published_meta(response)},
            {"kind": "time", "text": time_datetime(response)},
            *({"kind": "bullet", "text": b} for b in lines if not any(w in b for w in self.NOT_A_DATE)),
            {"kind": "header", "text": header_line},
            {"kind": response.meta.get("listing_kind", "listing"), "text": response.meta.get("listing_date")},
            {"kind": "meta", "text": " ".join(css_all(response, self.PAGE_DATE)) if self.PAGE_DATE else ""},
            *({"kind": "dateline", "text": m[1]} for m in map(DATELINE_TEXT.match, paragraphs[:3]) if m),
            {"kind": "lead", "text": " ".join(paragraphs[:2])},
            *({"kind": "caption", "text": c} for c in captions),
            *({"kind": "lead_written", "text": d} for d in weekday_full_dates(paragraphs)),
            {"kind": "title", "text": title},
        ]
        images = ld_images(ld) or [meta(response, "og:image"), *body_images]
        yield self.new_article(
            response, title=title, paragraphs=paragraphs, captions=[c for c in captions if c],
            author=author, date_candidates=[e for e in evidence if e["text"]],
            image_urls=[self.absolute(response, i) for i in images if i],
            related=[{"title": t, "url": u} for t, u in links.items()],
            tags=[t for t in (meta(response, "article:tag"),) if t],
            aliases=[a for a in (self.absolute(response, h) for h in css_all(response, self.SAME_PAGE_LINKS))
                     if a != url],
            parser=("jsonld+" if ld else "") + parser,
        )
        if self.url_list is not None:
            return  # a URL list is crawled as given, without discovery
        for href in (css_all(container, "a::attr(href)") if container else []):
            target = self.absolute(response, href)
            if self.is_article_url(target) and target != url:
                self.discovered("links", target)
            if self.is_article_url(target) and target != url and not self.is_known(target):
                self.undated.add(target)
                yield self.article_request(target, priority=-10)
