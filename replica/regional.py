"""The four sources added through the registry, as the replica serves them.

MMC Kalteng (``/berita/read/<id>/<slug>``, "Kontribusi dari <unit>, 31 Juli 2018 13:20, Dibaca N
kali."), Dukcapil Kemendagri (``/berita/baca/<id>/<slug>``, "Ditulis Pada 01 Maret 2018 18:09
WIB" above the title, "Dukcapil***" sign-off), KPU Kabupaten Kayong Utara (the KPU CMS:
``/index.php/blog/category/104?page=N``, ``/blog/read/<slug>``) and Disdukcapil Purworejo
(WordPress: ``/YYYY/MM/DD/<slug>/``, robots.txt sitemap, feed, REST API). URL forms and text
conventions are the ones sites.md records; the markup around them was not visible in the stored
copies and is written here as such sites commonly do it.

Every article is made from the templates in ``STORIES`` with a seeded RNG; its truth (the body
without dateline and sign-off, the date, the places named, election or not) is written beside
the template by hand, never read back from the crawler.
"""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape

from replica.corpus import BULAN, HARI, _utc, slugify

SOURCES = ("mmc_kalteng", "dukcapil", "kpu_kayongutara", "dukcapil_purworejo")
HOSTS = {
    "mmc_kalteng": "https://mmc.kalteng.go.id",
    "dukcapil": "https://dukcapil.kemendagri.go.id",
    "kpu_kayongutara": "https://kab-kayongutara.kpu.go.id",
    "dukcapil_purworejo": "https://disdukcapil.purworejokab.go.id",
}
PAGE_SIZE = 5
WIB = timezone(timedelta(hours=7))
FIRST_DAY, LAST_DAY = datetime(2019, 1, 7), datetime(2026, 11, 18)

# source -> stories. Each: election (truth), regions (Kemendagri codes of the places the title and
# body name, by hand), titles (one picked, {n} a number), paragraphs ({n}, {place} filled).
STORIES = {
    "mmc_kalteng": [
        {"election": True, "regions": ["62"],
         "title": "Kesbangpol Kalteng Gelar Rakor Kesiapan Pilkada Serentak Tahap {n}",
         "paragraphs": [
             "Badan Kesatuan Bangsa dan Politik Provinsi Kalimantan Tengah menggelar rapat koordinasi kesiapan "
             "Pilkada serentak bersama KPU dan Bawaslu kabupaten dan kota",
             "Rapat membahas pemutakhiran data pemilih, distribusi logistik pemilihan dan pengamanan tahapan "
             "kampanye di {n} kecamatan yang dinilai rawan.",
             "Seluruh pemangku kepentingan diminta menjaga netralitas aparatur sipil negara selama tahapan "
             "pemilihan berlangsung."]},
        {"election": False, "regions": ["62", "62.01"],
         "title": "Pemprov Kalteng Salurkan {n} Ton Benih Padi untuk Petani Kotawaringin Barat",
         "paragraphs": [
             "Pemerintah Provinsi Kalimantan Tengah menyalurkan bantuan benih padi unggul kepada kelompok tani "
             "di Kabupaten Kotawaringin Barat",
             "Bantuan tersebut diharapkan meningkatkan hasil panen pada musim tanam tahun ini, terutama di lahan "
             "yang sempat terdampak banjir.",
             "Dinas Tanaman Pangan dan Hortikultura akan mendampingi para petani hingga masa panen tiba."]},
    ],
    "dukcapil": [
        {"election": True, "regions": [],
         "title": "Dukcapil Serahkan DP4 kepada KPU untuk Pemilihan Gelombang {n}",
         "paragraphs": [
             "Direktorat Jenderal Kependudukan dan Pencatatan Sipil menyerahkan Daftar Penduduk Potensial "
             "Pemilih Pemilihan (DP4) kepada Komisi Pemilihan Umum",
             "DP4 memuat data penduduk yang pada hari pemungutan suara genap berusia 17 tahun atau sudah menikah, "
             "termasuk pemilih pemula yang baru merekam KTP-el.",
             "Data tersebut menjadi bahan KPU menyusun daftar pemilih sementara sebelum ditetapkan menjadi daftar "
             "pemilih tetap."]},
        {"election": False, "regions": [],
         "title": "Dirjen Dukcapil Ajak {n} Ribu ASN Aktivasi Identitas Kependudukan Digital",
         "paragraphs": [
             "Direktur Jenderal Kependudukan dan Pencatatan Sipil mengajak aparatur sipil negara mengaktifkan "
             "Identitas Kependudukan Digital (IKD) di telepon genggam masing-masing",
             "Menurutnya, IKD memudahkan warga mengakses layanan publik tanpa membawa fotokopi dokumen "
             "kependudukan.",
             "Aktivasi dapat dilakukan di kantor dinas kependudukan terdekat dengan membawa KTP-el."]},
    ],
    "kpu_kayongutara": [
        {"election": True, "regions": ["61.11", "61.11.01"],
         "title": "KPU Kayong Utara Gelar Bimtek PPK dan PPS Gelombang {n}",
         "paragraphs": [
             "Komisi Pemilihan Umum Kabupaten Kayong Utara menggelar bimbingan teknis bagi anggota Panitia "
             "Pemilihan Kecamatan dan Panitia Pemungutan Suara di Sukadana",
             "Bimtek membahas tata cara pemungutan dan penghitungan suara di TPS serta pengisian formulir "
             "rekapitulasi hasil.",
             "Ketua KPU Kabupaten Kayong Utara meminta badan adhoc bekerja profesional dan menjaga integritas "
             "selama tahapan pemilihan."]},
        {"election": True, "regions": ["61.11"],
         "title": "KPU Kayong Utara Sosialisasikan Tahapan Pemilihan kepada {n} Pemilih Pemula",
         "paragraphs": [
             "KPU Kabupaten Kayong Utara menyosialisasikan tahapan pemilihan kepada pemilih pemula di sekolah "
             "menengah atas",
             "Para siswa diajak memeriksa namanya dalam daftar pemilih tetap dan datang ke TPS pada hari "
             "pemungutan suara.",
             "KPU berharap partisipasi pemilih pemula pada pemilihan tahun ini meningkat."]},
    ],
    "dukcapil_purworejo": [
        {"election": True, "regions": ["33.06"],
         "title": "Disdukcapil Purworejo Rekam KTP-el {n} Pemilih Pemula Jelang Pemilu",
         "paragraphs": [
             "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Purworejo melakukan perekaman KTP-el bagi pelajar "
             "yang akan menjadi pemilih pemula pada Pemilu",
             "Perekaman dilakukan langsung di sekolah agar siswa yang berusia 17 tahun dapat masuk daftar pemilih "
             "dan menggunakan hak pilihnya.",
             "Data hasil perekaman juga diserahkan kepada KPU untuk pemutakhiran data pemilih."]},
        {"election": False, "regions": ["33.06", "33.06.09"],
         "title": "Layanan Jemput Bola Akta Kelahiran Sasar {n} Warga Kecamatan Kutoarjo",
         "paragraphs": [
             "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Purworejo membuka layanan jemput bola penerbitan "
             "akta kelahiran di Kecamatan Kutoarjo",
             "Warga cukup membawa surat keterangan lahir dan kartu keluarga, dokumen langsung dicetak di tempat.",
             "Layanan serupa akan digelar bergiliran di kecamatan lain hingga akhir tahun."]},
    ],
}
UNITS = ["Diskominfo Kobar", "Diskominfo Kotim", "Biro Adpim Setda Kalteng", "Kesbangpol Kalteng"]
DATELINE = {"mmc_kalteng": "MMC Kalteng - ", "dukcapil": "Jakarta - ", "kpu_kayongutara": "Sukadana - ",
            "dukcapil_purworejo": "Purworejo – "}


@dataclass
class Article:
    source: str
    number: int
    slug: str
    title: str
    paragraphs: list[str]
    published: datetime
    election: bool
    regions: list[str]
    author: str | None
    views: int

    @property
    def url(self) -> str:
        host = HOSTS[self.source]
        return {
            "mmc_kalteng": f"{host}/berita/read/{self.number}/{self.slug}",
            "dukcapil": f"{host}/berita/baca/{self.number}/{self.slug}",
            "kpu_kayongutara": f"{host}/blog/read/{self.slug}",
            "dukcapil_purworejo": f"{host}/{self.published:%Y/%m/%d}/{self.slug}/",
        }[self.source]

    @property
    def path(self) -> str:
        return self.url[len(HOSTS[self.source]):]

    def manifest(self) -> dict:
        return {"source": self.source, "url": self.url, "title": self.title, "body": "\n\n".join(self.paragraphs),
                "published_date": self.published.date().isoformat(), "published_at": _utc(self.published),
                "aliases": [], "election_related": self.election, "regions": self.regions, "author": self.author,
                "layout": self.source, "listed": True, "other_versions": [], "version": 1}


def generate(sources: tuple[str, ...], per_source: int, seed: int) -> dict[str, list[Article]]:
    """``per_source`` articles for each source, newest first."""
    made = {}
    for source in sources:
        rng = random.Random(f"{seed}:{source}")
        articles = []
        span = (LAST_DAY - FIRST_DAY).days
        for index in range(per_source):
            story = STORIES[source][index % len(STORIES[source])]
            number = rng.randint(3, 40) * 10 + index  # unique within the source: titles and slugs differ
            day = FIRST_DAY + timedelta(days=int(span * (index + rng.random()) / per_source))
            published = day.replace(hour=rng.randint(7, 17), minute=rng.choice([5, 20, 35, 50]))
            title = story["title"].format(n=number)
            # The page's author as it should be stored: Dukcapil's pages name none.
            author = {"mmc_kalteng": rng.choice(UNITS), "dukcapil": None}.get(source, "Admin")
            articles.append(Article(
                source=source, number=1000 + index * 37 + rng.randint(0, 30), slug=slugify(title), title=title,
                paragraphs=[story["paragraphs"][0] + f", {HARI[published.weekday()]} ({published.day}/{published.month})."]
                + [p.format(n=number) for p in story["paragraphs"][1:]],
                published=published, election=story["election"], regions=story["regions"], author=author,
                views=rng.randint(20, 2000)))
        made[source] = sorted(articles, key=lambda a: a.published, reverse=True)
    return made


def _long(moment: datetime) -> str:
    return f"{moment.day} {BULAN[moment.month - 1]} {moment.year}"


def _page(title: str, body: str, head: str = "") -> str:
    return (f'<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8"><title>{escape(title)}</title>{head}</head>\n'
            f"<body><header><nav><a href=\"/\">Beranda</a> <a href=\"/berita\">Berita</a></nav></header>\n"
            f"{body}\n<footer><p>Hak cipta dilindungi undang-undang.</p></footer></body></html>\n")


def _body(article: Article, sign_off: str = "") -> str:
    paragraphs = [DATELINE[article.source] + article.paragraphs[0], *article.paragraphs[1:]]
    html = "".join(f"<p>{escape(p)}</p>\n" for p in paragraphs)
    return html + (f"<p>{escape(sign_off)}</p>\n" if sign_off else "")


def _pager(base: str, page: int, pages: int, *, li_next: bool = False) -> str:
    links = "".join(f'<li><a href="{base}?page={n}">{n}</a></li>' for n in range(1, pages + 1))
    if page < pages:
        links += (f'<li class="next"><a href="{base}?page={page + 1}">»</a></li>' if li_next
                  else f'<li><a rel="next" href="{base}?page={page + 1}">Berikutnya</a></li>')
    return f'<ul class="pagination">{links}</ul>'


def kalteng_article(article: Article) -> str:
    at = article.published
    content = (f'<div class="konten"><h1 class="judul">{escape(article.title)}</h1>\n'
               f'<p class="kontributor">Kontribusi dari {escape(article.author)}, {_long(at)} {at:%H:%M}, '
               f"Dibaca {article.views} kali.</p>\n"
               f'<figure class="foto-berita"><img src="/assets/foto/{article.number}.jpg" alt="">'
               f"<figcaption>Suasana kegiatan, {HARI[at.weekday()]} ({at.day}/{at.month}).</figcaption></figure>\n"
               f'<div class="isi-berita">\n{_body(article)}</div>\n'
               f'<div class="share">Bagikan: Facebook Twitter WhatsApp</div></div>')
    return _page(f"{article.title} - MMC Kalteng", content)


def kalteng_listing(articles: list[Article], page: int, pages: int) -> str:
    items = "".join(f'<div class="item"><a class="judul-link" href="{a.path}">{escape(a.title)}</a>'
                    f'<span class="tgl">{_long(a.published)}</span></div>' for a in articles)
    return _page("Berita - MMC Kalteng", f'<div class="list-berita">{items}</div>{_pager("/berita", page, pages)}')


def dukcapil_article(article: Article) -> str:
    at = article.published
    content = (f'<div class="detail-berita"><p class="tanggal-tulis">Ditulis Pada {at.day:02d} '
               f"{BULAN[at.month - 1]} {at.year} {at:%H:%M} WIB</p>\n<h2>{escape(article.title)}</h2>\n"
               f'<div class="konten">\n{_body(article, "Dukcapil***")}</div>\n'
               f'<p class="caption">Foto: Dok. Dukcapil</p></div>')
    return _page(f"{article.title} | Dukcapil Kemendagri", content)


def dukcapil_listing(articles: list[Article], page: int, pages: int) -> str:
    items = "".join(f'<div class="berita-item"><h4><a href="{a.path}">{escape(a.title)}</a></h4>'
                    f'<span class="waktu">{_long(a.published)}</span></div>' for a in articles)
    return _page("Berita - Dukcapil Kemendagri",
                 f'<div class="daftar">{items}</div>{_pager("/berita", page, pages, li_next=True)}')


def kpu_article(article: Article) -> str:
    at = article.published
    content = (f'<div class="blog-detail"><h1>{escape(article.title)}</h1>\n<ul class="blog-meta">'
               f"<li>Diposting oleh {escape(article.author)}</li>"
               f"<li>{HARI[at.weekday()]}, {_long(at)} {at:%H:%M} WIB</li><li>Dilihat {article.views} kali</li></ul>\n"
               f'<div class="blog-content">\n{_body(article)}</div></div>'
               f'<aside><h3>Kategori</h3><ul><li><a href="/index.php/blog/category/104">Berita Terkini</a></li>'
               f"</ul></aside>")
    return _page(f"{article.title} - KPU Kabupaten Kayong Utara", content)


def kpu_listing(articles: list[Article], page: int, pages: int) -> str:
    items = "".join(f'<div class="blog-item"><h3><a href="{a.path}">{escape(a.title)}</a></h3>'
                    f'<span class="blog-date">{_long(a.published)}</span></div>' for a in articles)
    base = "/index.php/blog/category/104"
    return _page("Berita Terkini - KPU Kabupaten Kayong Utara",
                 f'<div class="blog-list">{items}</div>{_pager(base, page, pages)}')


def wordpress_article(article: Article) -> str:
    at = article.published
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S+07:00")
    content = (f'<main><article class="post type-post"><header class="entry-header">'
               f'<h1 class="entry-title">{escape(article.title)}</h1><div class="entry-meta">'
               f'<span class="posted-on"><time class="entry-date published" datetime="{stamp}">{_long(at)}</time></span>'
               f' <span class="byline">oleh <span class="author vcard">{escape(article.author)}</span></span>'
               f'</div></header><div class="entry-content">\n{_body(article)}'
               f'<figure class="wp-block-image"><img src="/wp-content/uploads/{at:%Y/%m}/{article.slug}.jpg" alt="">'
               f"<figcaption>Petugas melayani warga di lokasi kegiatan.</figcaption></figure></div></article></main>")
    head = '<link rel="alternate" type="application/rss+xml" href="/feed/"><link rel="https://api.w.org/" href="/wp-json/">'
    return _page(f"{article.title} – Disdukcapil Purworejo", content, head)


class RegionalSites:
    """What the replica serves for the regional sources selected."""

    def __init__(self, sources: tuple[str, ...], per_source: int, seed: int):
        unknown = [s for s in sources if s not in SOURCES]
        if unknown:
            raise ValueError(f"unknown replica source(s) {unknown}: {', '.join(SOURCES)}")
        self.articles = generate(sources, per_source, seed)
        self.by_path = {(s, a.path): a for s, articles in self.articles.items() for a in articles}

    def manifest_articles(self) -> list[dict]:
        return [a.manifest() for articles in self.articles.values() for a in articles]

    def respond(self, source: str, path: str, query: dict) -> tuple[int, str, bytes] | None:
        """Status, content type and body; None for a path the site does not have."""
        articles = self.articles[source]
        if article := self.by_path.get((source, path)):
            render = {"mmc_kalteng": kalteng_article, "dukcapil": dukcapil_article,
                      "kpu_kayongutara": kpu_article, "dukcapil_purworejo": wordpress_article}[source]
            return _html(render(article))
        pages = max(1, math.ceil(len(articles) / PAGE_SIZE))
        page = _page_number(query)
        listing = {("mmc_kalteng", "/berita"): kalteng_listing, ("dukcapil", "/berita"): dukcapil_listing,
                   ("kpu_kayongutara", "/index.php/blog/category/104"): kpu_listing}.get((source, path))
        if listing:
            if not 1 <= page <= pages:
                return None
            return _html(listing(articles[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], page, pages))
        if source == "dukcapil_purworejo":
            return self._wordpress(path, query)
        return None

    def _wordpress(self, path: str, query: dict) -> tuple[int, str, bytes] | None:
        articles, host = self.articles["dukcapil_purworejo"], HOSTS["dukcapil_purworejo"]
        if path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", (f"User-agent: *\nDisallow: /wp-admin/\n"
                                                     f"Sitemap: {host}/wp-sitemap.xml\n").encode()
        if path == "/wp-sitemap.xml":
            return _xml('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/'
                        f'schemas/sitemap/0.9"><sitemap><loc>{host}/wp-sitemap-posts-post-1.xml</loc></sitemap>'
                        "</sitemapindex>\n")
        if path == "/wp-sitemap-posts-post-1.xml":
            rows = "".join(f"<url><loc>{a.url}</loc></url>" for a in articles)
            return _xml('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/'
                        f'sitemap/0.9">{rows}</urlset>\n')
        if path in ("/feed/", "/feed"):
            items = "".join(f"<item><title>{escape(a.title)}</title><link>{a.url}</link>"
                            f"<pubDate>{format_datetime(a.published.replace(tzinfo=WIB))}</pubDate></item>"
                            for a in articles[:3])
            return _xml(f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                        f"<title>Disdukcapil Purworejo</title><link>{host}/</link>{items}</channel></rss>\n")
        if path == "/wp-json/wp/v2/posts":
            per_page, page = _int(query, "per_page", 10), _int(query, "page", 1)
            total = max(1, math.ceil(len(articles) / max(per_page, 1)))
            if not 1 <= per_page <= 100 or not 1 <= page <= total:
                return 400, "application/json", b'{"code": "rest_post_invalid_page_number"}'
            chunk = articles[(page - 1) * per_page: page * per_page]
            posts = [{"id": a.number, "date": a.published.isoformat(), "link": a.url, "slug": a.slug,
                      "title": {"rendered": escape(a.title)}} for a in chunk]
            return 200, "application/json", json.dumps(posts).encode()
        return None


def _page_number(query: dict) -> int:
    return _int(query, "page", 1)


def _int(query: dict, name: str, default: int) -> int:
    value = query.get(name, [str(default)])[0]
    return int(value) if re.fullmatch(r"\d{1,6}", value) else -1


def _html(text: str) -> tuple[int, str, bytes]:
    return 200, "text/html; charset=utf-8", text.encode()


def _xml(text: str) -> tuple[int, str, bytes]:
    return 200, "application/xml; charset=utf-8", text.encode()
