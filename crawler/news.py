"""A declarative base for HTML news sites: a source module names its pages and selectors, this
class discovers articles (listings, month archives, in-article links) and extracts them.

Extraction order of trust: JSON-LD and meta tags, then the source's selectors, then the
generic extractor (``crawler.extract.generic_paragraphs``). Every piece of date evidence is
collected with its kind; ``crawler.pipelines.ResolveDatePipeline`` ranks them.
"""

from __future__ import annotations

import re

from crawler.extract import block_texts, generic_paragraphs, json_ld, ld_author, ld_images, meta
from crawler.spider import ArchiveSpider
from indonesian.text import match_key

DATELINE_TEXT = re.compile(r"^(.{3,60}?)\s+[–—-]\s")  # "Pangkalan Bun, 31 Januari 2025 – ..."


class NewsSpider(ArchiveSpider):
    LISTING_PAGES: tuple[str, ...] = ()  # canonical URLs of the first listing pages
    ARTICLE_PATH: re.Pattern  # paths of article pages (in-article links are followed to these)

    LISTING_ITEM = LISTING_LINK = LISTING_DATE = NEXT_PAGE = ARCHIVE_MONTH = ""
    TITLE = BODY = CAPTIONS = ""
    INLINE_FIGURES = ".//p[.//img]"  # a paragraph holding a photo: its text is the photo's caption
    META_LINES = ""  # lines around the title: author, date, read count
    AUTHOR_WORD = "penulis"  # the meta line naming the author starts with this
    NOT_A_DATE = ("penulis", "dibaca")  # meta lines that carry no date
    PAGE_DATE = ""  # a date in the page's own markup, read as "meta" evidence
    PAGE_AUTHOR = ""
    BODY_IMAGES = "img::attr(src)"
    SAME_PAGE_LINKS = 'link[rel="canonical"]::attr(href), link[rel="shortlink"]::attr(href)'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    async def start(self):
        if self.url_list is not None:
            for url in self.url_list:
                yield self.article_request(url)
            return
        for url in self.LISTING_PAGES:
            yield self.request(url, self.parse_listing, meta={"kind": "listing"}, dont_filter=True)

    def parse_listing(self, response):
        months = [self.absolute(response, h) for h in response.css(self.ARCHIVE_MONTH).getall()] \
            if self.ARCHIVE_MONTH else []
        if months and not self.incremental:
            for month in months:
                yield self.request(month, self.parse_listing, meta={"kind": "listing"})
        elif months:
            # Newest month first, and the next one only while a month still has news for us.
            yield self.request(months[0], self.parse_listing, meta={"kind": "listing", "months": months[1:]})
        known_on_page = 0
        entries = response.css(self.LISTING_ITEM)
        self.count_listing_entries(len(entries))
        if not entries and not months:
            # An empty answer or a changed layout, never a listing: recorded, so that the next
            # run walks every listing page again instead of trusting this one.
            self.page_failed(self.canonical(response), "listing page without entries", kind="listing")
        for entry in entries:
            url = self.absolute(response, entry.css(self.LISTING_LINK).get(""))
            listing_date = " ".join(entry.css(self.LISTING_DATE).getall()).strip()
            known = self.known.get(url, {})
            # A known page is fetched again only when re-checked, or when this listing states
            # the full date that its stored (inferred) date lacked.
            if known and not known.get("recheck") and not (listing_date and known.get("weak_date")):
                known_on_page += 1
                continue
            yield self.article_request(url, meta={"listing_date": listing_date}, dont_filter=url in self.undated)
        all_known = self.incremental and known_on_page == len(entries)
        next_page = response.css(self.NEXT_PAGE).get()
        if next_page and not all_known:
            yield self.request(self.absolute(response, next_page), self.parse_listing, meta={"kind": "listing"})
        later_months = response.meta.get("months")
        if later_months and not all_known:
            yield self.request(later_months[0], self.parse_listing,
                               meta={"kind": "listing", "months": later_months[1:]})

    def parse_article(self, response):
        url = self.canonical(response)
        ld = json_ld(response)
        container = response.css(self.BODY)
        parser = "selectors"
        links = {}
        if container:
            for link in container.css("a"):
                links[match_key(link.css("::text").get(""))] = self.absolute(response, link.attrib.get("href", ""))
            figures = response.css(self.CAPTIONS) + container.xpath(self.INLINE_FIGURES)
            captions = [" ".join(c.css("::text").getall()).strip() for c in figures]
            for node in container.css(self.CAPTIONS) + container.xpath(self.INLINE_FIGURES):
                node.drop()
            paragraphs = block_texts(container)
        else:
            captions, paragraphs, parser = [], generic_paragraphs(response), "generic"
        title = (ld.get("headline") or meta(response, "og:title")
                 or " ".join(response.css(", ".join(f"{t} ::text" for t in self.TITLE.split(","))).getall()).strip()
                 or response.css("title::text").get("").strip())
        lines = [b.strip() for b in response.css(self.META_LINES + "::text").getall()] if self.META_LINES else []
        author = ld_author(ld) or next((b.split(self.AUTHOR_WORD, 1)[1].strip() for b in lines
                                        if self.AUTHOR_WORD in b), None)
        author = author or (response.css(self.PAGE_AUTHOR).get() if self.PAGE_AUTHOR else None)
        evidence = [
            {"kind": "jsonld", "text": ld.get("datePublished")},
            {"kind": "meta", "text": meta(response, "article:published_time")},
            *({"kind": "bullet", "text": b} for b in lines if not any(w in b for w in self.NOT_A_DATE)),
            {"kind": "listing", "text": response.meta.get("listing_date")},
            {"kind": "meta", "text": " ".join(response.css(self.PAGE_DATE).getall()) if self.PAGE_DATE else ""},
            *({"kind": "dateline", "text": m[1]} for m in map(DATELINE_TEXT.match, paragraphs[:3]) if m),
            {"kind": "lead", "text": " ".join(paragraphs[:2])},
            *({"kind": "caption", "text": c} for c in captions),
            {"kind": "title", "text": title},
        ]
        images = ld_images(ld) or [meta(response, "og:image")] + container.css(self.BODY_IMAGES).getall()
        yield self.new_article(
            response, title=title, paragraphs=paragraphs, captions=[c for c in captions if c],
            author=author, date_candidates=[e for e in evidence if e["text"]],
            image_urls=[self.absolute(response, i) for i in images if i],
            related=[{"title": t, "url": u} for t, u in links.items()],
            tags=[t for t in (meta(response, "article:tag"),) if t],
            aliases=[a for a in (self.absolute(response, h) for h in response.css(self.SAME_PAGE_LINKS).getall())
                     if a != url],
            parser=("jsonld+" if ld else "") + parser,
        )
        if self.url_list is not None:
            return  # a URL list is crawled as given, without discovery
        for href in container.css("a::attr(href)").getall():
            target = self.absolute(response, href)
            path = target.split("/", 3)[-1] if target.count("/") >= 3 else ""
            if self.ARTICLE_PATH.match("/" + path) and target != url and not self.is_known(target):
                self.undated.add(target)
                yield self.article_request(target, priority=-10)
