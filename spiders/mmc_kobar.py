"""MMC Kobar: the regency's media center, and the copies on the regency portal.

Discovery: the paginated listing ``/berita?page=N`` (an assumption: the real listing URL is
not known, see README), the portal's month archive, and every in-article link to another
article ("Baca Juga" inserts). Extraction: JSON-LD and meta tags, then the selectors below,
then the generic extractor.
"""

from __future__ import annotations

import re

from crawler.extract import generic_paragraphs, json_ld, ld_author, ld_images, meta
from crawler.spider import ArchiveSpider
from crawler.text import block_texts, match_key

MMC = "https://mmc.kotawaringinbaratkab.go.id"
PORTAL = "https://kotawaringinbaratkab.go.id"

LISTING_PAGES = [f"{MMC}/berita", f"{PORTAL}/en/archive"]
ARTICLE_PATH = re.compile(r"^/(berita/[^/?#]+|id/blog/[^/?#]+|index\.php/en/node/\d+)$")

LISTING_ITEM = ".daftar-berita .item-berita, .view-archive .views-row"
LISTING_LINK = "h3 a::attr(href)"
LISTING_DATE = ".tanggal::text"
NEXT_PAGE = ".pagination a.next::attr(href)"
ARCHIVE_MONTH = ".archive-months a::attr(href)"

TITLE = "h1.post-title, h2.judul-berita, h1.page-title"
BODY = ".post-content, .isi-berita, .field-item"
CAPTIONS = "figcaption, .keterangan-foto, .caption"
INLINE_FIGURES = ".//p[.//img]"  # a paragraph holding a photo: its text is the photo's caption
META_BULLETS = ".post-meta li"
PORTAL_DATE = ".submitted .day::text, .submitted .month::text"
PORTAL_AUTHOR = ".submitted .username::text"
BODY_IMAGES = "img::attr(src)"
SAME_PAGE_LINKS = 'link[rel="canonical"]::attr(href), link[rel="shortlink"]::attr(href)'
DATELINE_TEXT = re.compile(r"^(.{3,60}?)\s+[–—-]\s")  # "Pangkalan Bun, 31 Januari 2025 – ..."
SITE_SUFFIX = re.compile(r"\s+[-|]\s+(MMC Kobar|Kabupaten Kotawaringin Barat)$")


class MmcKobarSpider(ArchiveSpider):
    name = "mmc_kobar"
    HOSTS = (("/berita", MMC), ("/id/", PORTAL), ("/index.php/", PORTAL), ("/en/", PORTAL))
    PUBLISHER_REGION = "62.01"  # Kabupaten Kotawaringin Barat

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.linked: set[str] = set()  # found through in-article links, before any listing

    async def start(self):
        if self.url_list is not None:
            for url in self.url_list:
                yield self.request(url, self.parse_article)
            return
        for request in self.retry_requests(self.parse_article):
            yield request
        for request in self.recheck_requests(self.parse_article):
            yield request
        for url in LISTING_PAGES:
            yield self.request(url, self.parse_listing, meta={"kind": "listing"}, dont_filter=True)

    def parse_listing(self, response):
        months = [self.absolute(response, h) for h in response.css(ARCHIVE_MONTH).getall()]
        if months and not self.incremental:
            for month in months:
                yield self.request(month, self.parse_listing, meta={"kind": "listing"})
        elif months:
            # Newest month first, and the next one only while a month still has news for us.
            yield self.request(months[0], self.parse_listing, meta={"kind": "listing", "months": months[1:]})
        known_on_page = 0
        entries = response.css(LISTING_ITEM)
        self.count_listing_entries(len(entries))
        for entry in entries:
            url = self.absolute(response, entry.css(LISTING_LINK).get(""))
            listing_date = " ".join(entry.css(LISTING_DATE).getall()).strip()
            known = self.known.get(url, {})
            # A known page is fetched again only when re-checked, or when this listing states
            # the full date that its stored (inferred) date lacked.
            if known and not known.get("recheck") and not (listing_date and known.get("weak_date")):
                known_on_page += 1
                continue
            yield self.request(url, self.parse_article, meta={"listing_date": listing_date},
                               dont_filter=url in self.linked)
        all_known = self.incremental and known_on_page == len(entries)
        next_page = response.css(NEXT_PAGE).get()
        if next_page and not all_known:
            yield self.request(self.absolute(response, next_page), self.parse_listing,
                               meta={"kind": "listing"})
        later_months = response.meta.get("months")
        if later_months and not all_known:
            yield self.request(later_months[0], self.parse_listing,
                               meta={"kind": "listing", "months": later_months[1:]})

    def parse_article(self, response):
        url = self.canonical(response)
        ld = json_ld(response)
        container = response.css(BODY)
        parser = "selectors"
        links = {}
        if container:
            for link in container.css("a"):
                links[match_key(link.css("::text").get(""))] = self.absolute(response, link.attrib.get("href", ""))
            figures = response.css(CAPTIONS) + container.xpath(INLINE_FIGURES)
            captions = [" ".join(c.css("::text").getall()).strip() for c in figures]
            for node in container.css(CAPTIONS) + container.xpath(INLINE_FIGURES):
                node.drop()
            paragraphs = block_texts(container)
        else:
            captions, paragraphs, parser = [], generic_paragraphs(response), "generic"
        title = (ld.get("headline") or meta(response, "og:title")
                 or " ".join(response.css(", ".join(f"{t} ::text" for t in TITLE.split(","))).getall()).strip()
                 or SITE_SUFFIX.sub("", response.css("title::text").get("").strip()))
        bullets = [b.strip() for b in response.css(META_BULLETS + "::text").getall()]
        author = ld_author(ld) or next((b.split("penulis", 1)[1].strip() for b in bullets
                                        if "penulis" in b), None)
        author = author or response.css(PORTAL_AUTHOR).get()
        evidence = [
            {"kind": "jsonld", "text": ld.get("datePublished")},
            {"kind": "meta", "text": meta(response, "article:published_time")},
            *({"kind": "bullet", "text": b} for b in bullets if "penulis" not in b and "dibaca" not in b),
            {"kind": "listing", "text": response.meta.get("listing_date")},
            {"kind": "meta", "text": " ".join(response.css(PORTAL_DATE).getall())},
            *({"kind": "dateline", "text": m[1]} for m in map(DATELINE_TEXT.match, paragraphs[:3]) if m),
            {"kind": "lead", "text": " ".join(paragraphs[:2])},
            *({"kind": "caption", "text": c} for c in captions),
            {"kind": "title", "text": title},
        ]
        images = ld_images(ld) or [meta(response, "og:image")] + container.css(BODY_IMAGES).getall()
        yield self.new_article(
            response, title=title, paragraphs=paragraphs, captions=[c for c in captions if c],
            author=author, date_candidates=[e for e in evidence if e["text"]],
            image_urls=[self.absolute(response, i) for i in images if i],
            related=[{"title": t, "url": u} for t, u in links.items()],
            tags=[t for t in (meta(response, "article:tag"),) if t],
            aliases=[a for a in (self.absolute(response, h) for h in response.css(SAME_PAGE_LINKS).getall())
                     if a != url],
            parser=("jsonld+" if ld else "") + parser,
        )
        if self.url_list is not None:
            return  # a URL list is crawled as given, without discovery
        for href in container.css("a::attr(href)").getall():
            target = self.absolute(response, href)
            path = target.split("/", 3)[-1] if target.count("/") >= 3 else ""
            if ARTICLE_PATH.match("/" + path) and target != url and not self.is_known(target):
                self.linked.add(target)
                yield self.request(target, self.parse_article, priority=-10)

