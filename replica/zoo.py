"""The layout zoo: MMC Kobar's articles dressed as other realistic families of Indonesian
government news sites, so the spider meets markup it was not written against.

Families (``FAMILIES``): a WordPress theme, a Drupal 7 blog node, a Next.js page whose article
sits in ``__NEXT_DATA__``, a CodeIgniter-style custom theme and an AMP page. Class names that a
theme invents are random per seed (``Classes``); only names a framework fixes (WordPress's
``entry-content``, Drupal's ``field-item``) stay. Each family offers the discovery its CMS
offers, and nothing else:

=============  ==========================================================================
wordpress      robots.txt ``Sitemap:`` -> ``/wp-sitemap.xml``; ``/feed/``; ``/wp-json/wp/v2/posts``
drupal         ``/rss.xml`` (ten newest); ``/node?page=N`` (front-page teasers)
nextjs         ``/sitemap.xml`` (no robots line); home page links
codeigniter    only the home page and its ``/berita/index/N`` listing (found by crawling)
amp            ``<link rel="alternate" type="application/rss+xml">`` on the home page -> ``/rss``
=============  ==========================================================================

Every family shows the publication date somewhere, but in its own way (ISO in markup, a
month-first Drupal date, only visible text near the title, JSON-LD ...).
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import timedelta, timezone
from email.utils import format_datetime
from html import escape

from replica.corpus import BULAN, BULAN_PENDEK, HARI, MMC_HOST, Release

FAMILIES = ("wordpress", "drupal", "nextjs", "codeigniter", "amp")
FEED_SIZE = 10
NODE_PAGE_SIZE = 10
API_PAGE_SIZE = 10
_WIB = timezone(timedelta(hours=7))

# What each family's discovery offers; the tests and the evaluation read it.
DISCOVERY = {
    "wordpress": ("robots_sitemap", "feed", "wp_json"),
    "drupal": ("feed", "drupal_node"),
    "nextjs": ("sitemap",),
    "codeigniter": ("crawl",),
    "amp": ("feed",),
}


class Classes:
    """Random class names of one theme: the same name for the same role within a seed."""

    def __init__(self, family: str, seed: int):
        self.rng = random.Random(f"{family}:{seed}")
        self.names: dict[str, str] = {}

    def __call__(self, role: str) -> str:
        if role not in self.names:
            stem = "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(self.rng.randint(2, 4)))
            self.names[role] = f"{stem}-{self.rng.randint(10, 999)}"
        return self.names[role]


def _wib(release: Release) -> str:
    return release.published.strftime("%Y-%m-%dT%H:%M:%S+07:00")


def _long(release: Release) -> str:
    day = release.published
    return f"{HARI[day.weekday()]}, {day.day} {BULAN[day.month - 1]} {day.year}"


def _sidebar(cls: Classes, others: list[Release]) -> str:
    items = "".join(f'<li><a href="/berita/{r.slug}">{escape(r.title)}</a></li>' for r in others[:5])
    return (f'<aside class="{cls("sidebar")}"><h3>Berita Terbaru</h3><ul>{items}</ul>'
            f'<h3>Pengumuman</h3><p>Pelayanan informasi publik Diskominfo Kobar dibuka setiap hari kerja '
            f'pukul 08.00 sampai 15.00 WIB di kantor Dinas Komunikasi dan Informatika.</p></aside>')


def _footer(cls: Classes) -> str:
    return (f'<footer class="{cls("footer")}"><p>Dinas Komunikasi, Informatika, Statistik dan Persandian '
            f'Kabupaten Kotawaringin Barat. Jalan Sutan Syahrir Pangkalan Bun, Kalimantan Tengah.</p>'
            f'<p>Hak cipta © 2026 MMC Kobar. Seluruh hak dilindungi.</p></footer>')


def _nav(cls: Classes) -> str:
    return (f'<nav class="{cls("nav")}"><a href="/">Beranda</a> <a href="/berita/index/0">Berita</a> '
            f'<a href="/profil">Profil</a> <a href="/kontak">Kontak</a></nav>')


def _paragraphs(release: Release, titles: dict[str, str], figure) -> list[str]:
    """The body as the CMS stores it: dateline, "Baca Juga" inserts, a mid-body photo, sign-off."""
    from replica.pages import _dateline

    out = []
    for index, text in enumerate(release.paragraphs):
        html = escape(text)
        if index == 0:
            html = escape(_dateline(release)) + html
        if index == len(release.paragraphs) - 1 and release.unit:
            html += f" ({escape(release.unit)})"
        for position, slug in release.inserts:
            if position == index and slug in titles:
                out.append(f'<p>(Baca Juga : <a href="/berita/{slug}">{escape(titles[slug])}</a>)</p>')
        if release.mid_caption and release.mid_caption[0] == index:
            out.append(figure(f"/uploads/{release.slug}-2.jpg", escape(release.mid_caption[1])))
        out.append(f"<p>{html}</p>")
    return out


def _page(title: str, head: str, body: str, html_attrs: str = 'lang="id"') -> str:
    return (f"<!DOCTYPE html>\n<html {html_attrs}><head><meta charset=\"utf-8\"><title>{escape(title)}</title>"
            f"{head}</head>\n<body>{body}</body></html>\n")


def article(family: str, release: Release, titles: dict[str, str], others: list[Release], seed: int) -> str:
    return RENDER[family](release, titles, others, Classes(family, seed))


def _wordpress(release, titles, others, cls):
    def figure(src, text):
        return (f'<figure class="wp-block-image"><img src="{src}" alt=""><figcaption>{text}</figcaption></figure>')

    image = f"/wp-content/uploads/{release.published:%Y/%m}/{release.slug}.jpg"
    top = (f'<figure class="wp-block-image {cls("featured")}"><img src="{image}" alt="">'
           f'<figcaption>{escape(release.caption)}</figcaption></figure>') if release.caption else ""
    body = "\n".join(_paragraphs(release, titles, figure))
    head = (f'<link rel="alternate" type="application/rss+xml" title="MMC Kobar &raquo; Feed" href="/feed/">'
            f'<link rel="https://api.w.org/" href="/wp-json/"><meta property="og:type" content="article">'
            f'<meta property="og:image" content="{image}">')
    content = (f'<div class="{cls("wrap")}">{_nav(cls)}<main class="{cls("main")}">'
               f'<article class="post type-post status-publish {cls("article")}">'
               f'<header class="entry-header"><h1 class="entry-title">{escape(release.title)}</h1>'
               f'<div class="entry-meta"><span class="posted-on">Diposting pada <a href="/berita/{release.slug}">'
               f'<time class="entry-date published" datetime="{_wib(release)}">'
               f'{release.published.day} {BULAN[release.published.month - 1]} {release.published.year}</time></a></span>'
               f' <span class="byline">oleh <span class="author vcard">admin</span></span></div></header>'
               f'{top}<div class="entry-content">\n{body}\n</div>'
               f'<footer class="entry-footer"><span class="cat-links">Kategori: Berita</span></footer></article>'
               f'<div class="{cls("share")}">Bagikan: Facebook Twitter WhatsApp</div>'
               f'<div id="comments" class="comments-area"><h3>Tinggalkan Balasan</h3><p>Alamat email Anda tidak '
               f'akan dipublikasikan. Ruas yang wajib ditandai *</p></div></main>{_sidebar(cls, others)}</div>'
               f'{_footer(cls)}')
    return _page(f"{release.title} – MMC Kobar", head, content)


def _drupal(release, titles, others, cls):
    def figure(src, text):
        return f'<div class="{cls("media")}"><img src="{src}" alt=""><em>{text}</em></div>'

    day = release.published
    # Drupal 7's default "medium" date: weekday, month/day/year - time (month first).
    submitted = (f"Dikirim oleh adminkominfo pada {HARI[day.weekday()][:3]}, "
                 f"{day.month:02d}/{day.day:02d}/{day.year} - {day:%H:%M}")
    image = (f'<div class="field field-name-field-image"><div class="field-items"><div class="field-item even">'
             f'<img src="/sites/default/files/{release.slug}.jpg" alt=""></div></div></div>'
             f'<p class="{cls("caption")}">{escape(release.caption)}</p>') if release.caption else ""
    body = "\n".join(_paragraphs(release, titles, figure))
    content = (f'<div id="page" class="{cls("page")}">{_nav(cls)}<div id="main"><h1 class="title" id="page-title">'
               f'{escape(release.title)}</h1><div id="node-{release.views}" class="node node-article node-promoted">'
               f'<div class="submitted"><span property="dc:date dc:created" content="{_wib(release)}" '
               f'datatype="xsd:dateTime">{submitted}</span></div>'
               f'<div class="content">{image}<div class="field field-name-body"><div class="field-items">'
               f'<div class="field-item even" property="content:encoded">\n{body}\n</div></div></div>'
               f'<div class="field field-name-field-tags"><div class="field-label">Tags:&nbsp;</div>'
               f'<div class="field-items"><div class="field-item even"><a href="/tags/berita">Berita Daerah</a>'
               f'</div></div></div></div><ul class="links inline"><li class="comment-add">'
               f'<a href="/comment/reply">Tambahkan komentar baru</a></li></ul></div></div>'
               f'{_sidebar(cls, others)}</div>{_footer(cls)}')
    head = '<link rel="alternate" type="application/rss+xml" title="RSS" href="/rss.xml">'
    return _page(f"{release.title} | MMC Kobar", head, content,
                 'lang="id" version="XHTML+RDFa 1.0" dir="ltr"')


def _nextjs(release, titles, others, cls):
    def figure(src, text):
        return f'<figure class="{cls("figure")}"><img src="{src}" alt=""><figcaption>{text}</figcaption></figure>'

    body = "\n".join(_paragraphs(release, titles, figure))
    day = release.published
    data = {"props": {"pageProps": {"article": {
        "id": release.views, "slug": release.slug, "title": release.title, "content": body,
        "publishedAt": (day - timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "category": {"name": "Berita"}, "thumbnail": f"/uploads/{release.slug}.jpg",
        "caption": release.caption or ""}}},
        "page": "/berita/[slug]", "query": {"slug": release.slug}, "buildId": "k0bAr2024", "isFallback": False}
    top = (f'<figure class="{cls("hero")}"><img src="/uploads/{release.slug}.jpg" alt="">'
           f'<figcaption>{escape(release.caption)}</figcaption></figure>') if release.caption else ""
    content = (f'<div id="__next"><div class="{cls("layout")}">{_nav(cls)}<main class="{cls("main")}">'
               f'<div class="{cls("crumb")}"><a href="/">Beranda</a> / <a href="/berita/index/0">Berita</a></div>'
               f'<h1 class="{cls("title")}">{escape(release.title)}</h1>'
               f'<div class="{cls("meta")}"><span>{day.day} {BULAN_PENDEK[day.month - 1]} {day.year}</span>'
               f'<span> · Diskominfo Kobar</span></div>{top}'
               f'<div class="{cls("body")}">\n{body}\n</div></main>{_sidebar(cls, others)}</div>{_footer(cls)}</div>'
               f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data, ensure_ascii=False)}</script>')
    head = f'<meta property="og:title" content="{escape(release.title)}"><meta name="next-head-count" content="4">'
    return _page(f"{release.title} | MMC Kobar", head, content)


def _codeigniter(release, titles, others, cls):
    def figure(src, text):
        return f'<div class="{cls("pic")}"><img src="{src}" alt=""><span>{text}</span></div>'

    body = "\n".join(_paragraphs(release, titles, figure))
    top = (f'<div class="{cls("pic")}"><img src="/assets/upload/{release.slug}.jpg" alt="">'
           f'<span>{escape(release.caption)}</span></div>') if release.caption else ""
    content = (f'<div class="{cls("container")}">{_nav(cls)}<div class="{cls("row")}"><div class="{cls("col")}">'
               f'<div class="{cls("box")}"><h3 class="{cls("headline")}">{escape(release.title)}</h3>'
               f'<div class="{cls("info")}"><span><i class="fa fa-user"></i> Admin MMC</span> '
               f'<span><i class="fa fa-calendar"></i> {_long(release)} | {release.published:%H:%M} WIB</span> '
               f'<span><i class="fa fa-eye"></i> {release.views} kali dibaca</span></div>{top}'
               f'<div class="{cls("text")}">\n{body}\n</div><div class="{cls("tags")}">Tag: Berita, Kobar</div>'
               f'</div></div><div class="{cls("col2")}">{_sidebar(cls, others)}</div></div></div>{_footer(cls)}')
    return _page(f"MMC Kobar - {release.title}", "", content)


def _amp(release, titles, others, cls):
    def figure(src, text):
        return (f'<figure class="{cls("figure")}"><amp-img src="{src}" width="800" height="450" layout="responsive">'
                f'</amp-img><figcaption>{text}</figcaption></figure>')

    body = "\n".join(_paragraphs(release, titles, figure))
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": release.title,
          "datePublished": _wib(release), "dateModified": _wib(release),
          "mainEntityOfPage": f"{MMC_HOST}/berita/{release.slug}",
          "publisher": {"@type": "Organization", "name": "MMC Kobar"}}
    top = (f'<figure class="{cls("hero")}"><amp-img src="/uploads/{release.slug}.jpg" width="800" height="450">'
           f'</amp-img><figcaption>{escape(release.caption)}</figcaption></figure>') if release.caption else ""
    day = release.published
    head = (f'<link rel="canonical" href="/berita/{release.slug}"><meta name="viewport" content="width=device-width">'
            f'<script async src="https://cdn.ampproject.org/v0.js"></script>'
            f'<style amp-custom>.{cls("title")}{{font-size:2em}}</style>'
            f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>')
    content = (f'<header class="{cls("bar")}"><a href="/">MMC Kobar</a></header>'
               f'<article class="{cls("article")}"><h1 class="{cls("title")}">{escape(release.title)}</h1>'
               f'<div class="{cls("date")}">{day.day:02d}/{day.month:02d}/{day.year} {day:%H:%M}</div>{top}'
               f'<div class="{cls("content")}">\n{body}\n</div></article>'
               f'<amp-social-share type="whatsapp"></amp-social-share>{_sidebar(cls, others)}{_footer(cls)}')
    return _page(f"{release.title} - MMC Kobar", head, content, 'amp lang="id"')


RENDER = {"wordpress": _wordpress, "drupal": _drupal, "nextjs": _nextjs, "codeigniter": _codeigniter, "amp": _amp}


# Discovery pages ------------------------------------------------------------------------------

def _url(release: Release) -> str:
    return f"{MMC_HOST}/berita/{release.slug}"


def robots(family: str) -> str:
    from replica.pages import ROBOTS

    if family == "wordpress":
        return ROBOTS + f"\nSitemap: {MMC_HOST}/wp-sitemap.xml\n"
    return ROBOTS


def sitemap_index() -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{MMC_HOST}/wp-sitemap-posts-post-1.xml</loc></sitemap>"
            f"<sitemap><loc>{MMC_HOST}/wp-sitemap-taxonomies-category-1.xml</loc></sitemap></sitemapindex>\n")


def urlset(releases: list[Release]) -> str:
    rows = "".join(f"<url><loc>{_url(r)}</loc><lastmod>{_wib(r)}</lastmod></url>" for r in releases)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</urlset>\n')


def category_urlset() -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{MMC_HOST}/category/berita/</loc></url></urlset>\n")


def rss(releases: list[Release], link: str) -> str:
    items = "".join(
        f"<item><title>{escape(r.title)}</title><link>{_url(r)}</link>"
        f"<pubDate>{format_datetime(r.published.replace(tzinfo=_WIB))}</pubDate>"
        f"<description>{escape(r.paragraphs[0][:150])}...</description></item>" for r in releases)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>MMC Kobar</title>'
            f"<link>{link}</link><description>Berita MMC Kobar</description>{items}</channel></rss>\n")


def wp_posts(releases: list[Release], titles: dict[str, str]) -> list[dict]:
    return [{"id": int(hashlib.sha1(r.slug.encode()).hexdigest()[:6], 16), "date": r.published.isoformat(),
             "slug": r.slug, "link": _url(r), "title": {"rendered": escape(r.title)},
             "excerpt": {"rendered": f"<p>{escape(r.paragraphs[0][:150])}…</p>"}} for r in releases]


def node_page(releases: list[Release], page: int, pages: int) -> str:
    teasers = "".join(
        f'<div class="node node-teaser"><h2><a href="/berita/{r.slug}">{escape(r.title)}</a></h2>'
        f'<div class="content"><p>{escape(r.paragraphs[0][:160])}...</p></div>'
        f'<ul class="links"><li><a href="/berita/{r.slug}">Baca selengkapnya</a></li></ul></div>' for r in releases)
    pager = f'<li class="pager-next"><a href="/node?page={page + 1}">berikutnya ›</a></li>' if page + 1 < pages else ""
    return _page("MMC Kobar", "", f'<div id="main">{teasers}<ul class="pager">{pager}</ul></div>')


def home(family: str, releases: list[Release], seed: int) -> str:
    cls = Classes(family, seed)
    items = "".join(f'<div class="{cls("card")}"><a href="/berita/{r.slug}">{escape(r.title)}</a></div>'
                    for r in releases[:FEED_SIZE])
    head = '<link rel="alternate" type="application/rss+xml" title="Berita MMC Kobar" href="/rss">' \
        if family == "amp" else ""
    more = '<a href="/berita/index/0">Indeks berita</a>' if family == "codeigniter" else ""
    return _page("MMC Kobar - Multimedia Center Kotawaringin Barat", head,
                 f"{_nav(cls)}<main><h2>Berita Terkini</h2>{items}{more}</main>{_footer(cls)}")


def index_page(family: str, releases: list[Release], offset: int, seed: int) -> str:
    """A CodeIgniter-style listing: ``/berita/index/<offset>``, ten items, numbered pages."""
    cls = Classes(family, seed)
    chunk = releases[offset: offset + NODE_PAGE_SIZE]
    items = "".join(f'<div class="{cls("item")}"><h4><a href="/berita/{r.slug}">{escape(r.title)}</a></h4>'
                    f'<small>{_long(r)}</small></div>' for r in chunk)
    pager = "".join(f'<a href="/berita/index/{n}">{n // NODE_PAGE_SIZE + 1}</a> '
                    for n in range(0, len(releases), NODE_PAGE_SIZE))
    return _page("Indeks Berita - MMC Kobar", "",
                 f'{_nav(cls)}<main><h2>Indeks Berita</h2>{items}<div class="{cls("pager")}">{pager}</div></main>'
                 f"{_footer(cls)}")


