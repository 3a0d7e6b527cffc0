"""HTML and JSON of the replica, page by page, in the layouts described in sites.md.

Every function takes releases and returns the body of one response. Nothing here decides what
is true about an article (that is :mod:`replica.corpus`); it only dresses it the way each real
host does, quirks included.
"""

from __future__ import annotations

import json
from datetime import timedelta
from html import escape

from replica.corpus import BULAN_PENDEK, Release, format_long_date

PAGE_SIZE = 10
ACRONYMS = {"bpbd", "kpu", "dpmd", "bkpsdm", "dpk"}
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
PORTAL_SIDEBAR = """<aside class="sidebar"><h2>Visi dan Misi</h2><p>Terwujudnya Kotawaringin Barat yang
maju, sejahtera dan berakhlak mulia.</p><h2>Arti Warna Lambang</h2><p>Kuning melambangkan keagungan,
hijau melambangkan kesuburan.</p></aside>"""


def unit_name(unit: str) -> str:
    """"bpbd kobar" -> "BPBD Kobar", the way the bullet layout names its writer."""
    return " ".join(w.upper() if w in ACRONYMS else w.capitalize() for w in unit.split())


def _page(title: str, body: str, head: str = "") -> str:
    return (f'<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title>{head}</head>\n<body>{body}</body></html>\n")


def _mmc_frame(content: str) -> str:
    return ('<header><nav class="menu"><a href="/">Beranda</a> <a href="/berita">Berita</a> '
            '<a href="/profil">Profil</a></nav></header>\n<main>' + content + "</main>\n"
            "<footer><p>© Dinas Kominfo, Statistik dan Persandian Kabupaten Kotawaringin Barat</p></footer>")


def _dateline(release: Release) -> str:
    if release.unit == "kpu kobar":
        return "MMC KOBAR, KPU KOBAR - "
    return ["MMC Kobar – ", "MMC Kobar - ", "MMC KOBAR - "][len(release.slug) % 3]


def _body_paragraphs(release: Release, titles: dict[str, str], *, broken: bool = False) -> list[str]:
    """The article's paragraphs as the MMC site renders them, inserts and sign-off included."""
    out = []
    for index, text in enumerate(release.paragraphs):
        html = escape(text)
        if index == 0:
            html = escape(_dateline(release)) + html
        if index == len(release.paragraphs) - 1 and release.unit and not release.unit.startswith("puspen"):
            html += f" ({escape(release.unit)})"
        for position, slug in release.inserts:
            if position == index and slug in titles:
                spacing = ["(Baca Juga : ", "(Baca Juga :  ", "(Baca juga: "][position % 3]
                out.append(f'<p>{spacing}<a href="/berita/{slug}">{escape(titles[slug])}</a>)</p>')
        if release.mid_caption and release.mid_caption[0] == index:
            out.append(f'<div class="foto-tengah"><img src="/uploads/{release.slug}-2.jpg" alt="">'
                       f'<p class="caption">{escape(release.mid_caption[1])}</p></div>')
        out.append(f"<p>{html}</p>")
    if broken:
        return [p.replace("<p>", '<span class="txt">').replace("</p>", "</span><br>") for p in out]
    return out


def mmc_article(release: Release, titles: dict[str, str], *, broken: bool = False) -> str:
    image = f"/uploads/berita/{release.slug}.jpg"
    paragraphs = "\n".join(_body_paragraphs(release, titles, broken=broken))
    head = (f'<meta property="og:title" content="{escape(release.title)}">'
            f'<meta property="og:type" content="article"><meta property="og:image" content="{image}">')
    if release.layout == "bullet":
        published = release.published.strftime("%Y-%m-%dT%H:%M:%S+07:00")
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": release.title,
              "datePublished": published, "image": [image],
              "author": {"@type": "Organization", "name": unit_name(release.unit)},
              "publisher": {"@type": "Organization", "name": "MMC Kobar"}}
        head += (f'<meta property="article:published_time" content="{published}">'
                 f'<script type="application/ld+json">{json.dumps(ld)}</script>')
        caption = (f"<figure><img src=\"{image}\" alt=\"\"><figcaption>{escape(release.caption)}"
                   "</figcaption></figure>") if release.caption else ""
        content = (f'<article class="post"><h1 class="post-title">{escape(release.title)}</h1>\n'
                   f'<ul class="post-meta"><li>- penulis {escape(unit_name(release.unit))}</li>'
                   f"<li>- {format_long_date(release.published)}</li>"
                   f"<li>- dibaca {release.views} kali</li></ul>\n{caption}\n"
                   f'<div class="post-content">\n{paragraphs}\n</div>\n'
                   '<div class="share-buttons">Bagikan ke: <a href="#">Facebook</a> '
                   '<a href="#">WhatsApp</a></div></article>')
    else:
        caption = ""
        if release.caption and len(release.slug) % 2:
            caption = (f'<div class="foto-berita"><img src="{image}" alt="">'
                       f'<p class="keterangan-foto">{escape(release.caption)}</p></div>')
        elif release.caption:
            paragraphs = f"<p>{escape(release.caption)}</p>\n" + paragraphs
        content = (f'<div class="detail-berita"><h2 class="judul-berita">{escape(release.title)}</h2>\n'
                   f'{caption}\n<div class="isi-berita">\n{paragraphs}\n</div>\n'
                   '<div class="share">Bagikan: Facebook Twitter WhatsApp</div></div>')
    if broken:
        content = content.replace('class="isi-berita"', 'class="konten-v2"').replace(
            'class="post-content"', 'class="konten-v2"')
    return _page(f"{release.title} - MMC Kobar", _mmc_frame(content), head)


def mmc_listing(releases: list[Release], page: int, pages: int) -> str:
    items = []
    for release in releases:
        teaser = escape(release.paragraphs[0][:140]) + "..."
        items.append(f'<div class="item-berita"><h3><a href="/berita/{release.slug}">'
                     f'{escape(release.title)}</a></h3><span class="tanggal">'
                     f"{format_long_date(release.published)}</span>"
                     f'<p class="ringkasan">{teaser}</p></div>')
    links = "".join(f'<li><a href="/berita?page={n}">{n}</a></li>' for n in range(1, pages + 1))
    if page < pages:
        links += f'<li><a class="next" href="/berita?page={page + 1}">Selanjutnya »</a></li>'
    content = (f'<h1>Berita</h1><div class="daftar-berita">{"".join(items)}</div>'
               f'<ul class="pagination">{links}</ul>')
    return _page("Berita - MMC Kobar", _mmc_frame(content))


def _portal_submitted(release: Release) -> str:
    day = release.published.date()
    author = ["adminkominfo", "Topuser", ""][release.views % 3]
    return (f'<div class="submitted"><span class="month">{BULAN_PENDEK[day.month - 1]}</span>'
            f'<span class="day">{day.day:02d}</span><span class="post-by">Post by</span>'
            f'<span class="username">{author}</span><span class="comments">Comment:0</span></div>')


def _portal_body(release: Release) -> str:
    lines = [escape(_dateline(release) + release.paragraphs[0])]
    lines += [escape(p) for p in release.paragraphs[1:]]
    lines[-1] += f" ({escape(release.unit)})"
    return '<div class="field-item even"><p>' + "<br>\n".join(lines) + "</p></div>"


def _drupal_links(release: Release) -> str:
    """Drupal names one node by its path alias (canonical) and by its node number (shortlink)."""
    links = ""
    if release.portal_blog:
        links += f'<link rel="canonical" href="/id/blog/{release.slug}">'
    if release.portal_node:
        links += f'<link rel="shortlink" href="/index.php/en/node/{release.portal_node}">'
    return links


def portal_blog(release: Release) -> str:
    content = (f'<div class="node node-blog"><h1 class="page-title">{escape(release.title)}</h1>'
               f"{_portal_submitted(release)}{_portal_body(release)}</div>{PORTAL_SIDEBAR}")
    return _page(f"{release.title} | Kabupaten Kotawaringin Barat", content, _drupal_links(release))


def portal_node(release: Release) -> str:
    content = f'<div class="node">{_portal_body(release)}</div>{PORTAL_SIDEBAR}'
    return _page(f"{release.title} | Kabupaten Kotawaringin Barat", content, _drupal_links(release))


def portal_archive_index(months: list[str]) -> str:
    links = "".join(f'<li><a href="/en/archive/{m}">{m[:4]}-{m[4:]}</a></li>' for m in months)
    return _page("Archive | Kabupaten Kotawaringin Barat",
                 f'<div class="archive-months"><h2>Archive</h2><ul>{links}</ul></div>{PORTAL_SIDEBAR}')


def portal_archive_month(releases: list[Release]) -> str:
    rows = []
    for release in releases:
        href = (f"/id/blog/{release.slug}" if release.portal_blog
                else f"/index.php/en/node/{release.portal_node}")
        day = release.published.date()
        rows.append(f'<div class="views-row"><span class="day">{day.day:02d}</span>'
                    f'<span class="month">{MONTHS_EN[day.month - 1]}</span> Post by '
                    f'<span class="username">Topuser</span> Comment:0 <h3><a href="{href}">'
                    f"{escape(release.title)}</a></h3><div class=\"teaser\">"
                    f"{escape(_dateline(release) + release.paragraphs[0][:120])}...</div></div>")
    return _page("Archive | Kabupaten Kotawaringin Barat",
                 f'<div class="view-archive">{"".join(rows)}</div>{PORTAL_SIDEBAR}')


def kemendagri_blog_desc(release: Release) -> str:
    """The HTML body the API returns: paragraphs, an empty one, a figure, a sign-off."""
    parts = [f"<p>Jakarta - {escape(release.paragraphs[0])}</p>"]
    for index, text in enumerate(release.paragraphs[1:], start=1):
        if index == 2:
            parts.append('<p>&nbsp;</p><figure><img src="https://www.kemendagri.go.id/api/file-media-'
                         f'services/article/images/{release.published:%Y/%m}/webdagri-article.jpg">'
                         "<figcaption>(Foto: Puspen Kemendagri)</figcaption></figure>")
        parts.append(f"<p>{escape(text).replace('Kemendagri', '<strong>Kemendagri</strong>', 1)}</p>")
    parts.append("<p>Dukcapil***</p>" if release.unit == "dukcapil" else "<p>(Puspen Kemendagri)</p>")
    return "\n".join(parts)


def kemendagri_api(releases: list[Release], page: int, limit: int) -> dict:
    chunk = releases[(page - 1) * limit: page * limit]
    blogs = []
    for release in chunk:
        created = release.published - timedelta(hours=7)
        blogs.append({
            "id": release.api_id,
            "post_slug": release.slug,
            "blog_name": release.title,
            "blog_desc": kemendagri_blog_desc(release),
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
            "updated_at": created.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
            "category_name": "BERITA KEMENDAGRI" if release.election else "BERITA NASIONAL",
            "view_count": release.views,
        })
    return {"status": True, "message": "success", "data": {"blogs": blogs, "page": page,
                                                          "limit": limit, "total": len(releases)}}


def kemendagri_shell() -> str:
    """What a plain fetch of a kemendagri.go.id page gets: a JavaScript application's skeleton."""
    return _page("Kementerian Dalam Negeri Republik Indonesia",
                 '<div id="__next"><nav>Beranda Profil Berita Informasi Publik</nav>'
                 "<p>Memuat...</p></div><script src=\"/_next/static/chunks/main.js\"></script>"
                 "<footer>Kementerian Dalam Negeri Republik Indonesia</footer>")


ROBOTS = "User-agent: *\nDisallow: /admin/\nDisallow: /search\nDisallow: /user/\n"
