"""MMC Kobar: the regency's media center, and the copies of its releases on the regency portal.

Every fact about the source lives here. Discovery: the paginated listing ``/berita?page=N``
(an assumption: the real listing URL is not known, see docs/decisions.md), the portal's month
archive, and every in-article link to another article ("Baca Juga" inserts). The selectors
were written against the replica (the stored copies of the real site are text only).
"""

from __future__ import annotations

import re

from crawler.news import NewsSpider

MMC = "https://mmc.kotawaringinbaratkab.go.id"
PORTAL = "https://kotawaringinbaratkab.go.id"


class MmcKobarSpider(NewsSpider):
    name = "mmc_kobar"
    HOSTS = (("/berita", MMC), ("/id/", PORTAL), ("/index.php/", PORTAL), ("/en/", PORTAL))
    PREFERRED_HOSTS = ("mmc.kotawaringinbaratkab.go.id",)  # releases originate here; the portal copies
    PUBLISHER_REGION = "62.01"  # Kabupaten Kotawaringin Barat
    PUBLICATION = "MMC Kobar"
    PUBLISHER = "Dinas Komunikasi dan Informatika Kabupaten Kotawaringin Barat"
    HOME_URL = f"{MMC}/"
    TITLE_SUFFIX = re.compile(r"\s+[-|–]\s+(MMC Kobar|Kabupaten Kotawaringin Barat)\s*$", re.I)

    LISTING_PAGES = (f"{MMC}/berita", f"{PORTAL}/en/archive")
    ARTICLE_PATH = re.compile(r"^/(berita/[^/?#]+|id/blog/[^/?#]+|index\.php/en/node/\d+)$")

    LISTING_ITEM = ".daftar-berita .item-berita, .view-archive .views-row"
    LISTING_LINK = "h3 a::attr(href)"
    LISTING_DATE = ".tanggal::text"
    NEXT_PAGE = ".pagination a.next::attr(href)"
    ARCHIVE_MONTH = ".archive-months a::attr(href)"

    TITLE = "h1.post-title, h2.judul-berita, h1.page-title"
    BODY = ".post-content, .isi-berita, .field-item"
    CAPTIONS = "figcaption, .keterangan-foto, .caption"
    META_LINES = ".post-meta li"  # "- penulis …", "- Hari, DD Bulan YYYY", "- dibaca N kali"
    PAGE_DATE = ".submitted .day::text, .submitted .month::text"  # the portal's date block
    PAGE_AUTHOR = ".submitted .username::text"
