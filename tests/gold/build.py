"""Build the gold set: frozen pages + expected fields, side by side in ``tests/gold/pages/``.

    python -m tests.gold.build

Two kinds of pages: every page of the default replica (MMC articles in both layouts, portal
copies, Kemendagri API items; expected fields from the replica's truth), and the hand-made pages
of ``cases.toml`` (every layout and quirk, expected fields written by hand). Rebuilding rewrites
the files; review the diff.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from html import escape
from pathlib import Path

from replica.corpus import MMC_HOST, PORTAL_HOST, format_long_date, generate
from replica.pages import kemendagri_api, mmc_article, portal_blog, portal_node

HERE = Path(__file__).parent
PAGES = HERE / "pages"
API = "https://backend.kemendagri.go.id/api/v1/blogs/public?limit=1&page=1"


def _write(name: str, page: bytes, suffix: str, spec: dict) -> None:
    (PAGES / f"{name}.page.{suffix}").write_bytes(page)
    (PAGES / f"{name}.expected.json").write_text(json.dumps(spec, ensure_ascii=False, indent=2) + "\n")


def replica_pages() -> int:
    releases = generate()
    titles = {r.slug: r.title for r in releases if r.source == "mmc_kobar"}
    count = 0
    for release in releases:
        truth = release.manifest()
        expected = {"url": truth["url"], "title": truth["title"], "body": truth["body"],
                    "date": truth["published_date"], "dateline": None, "source_unit": release.unit}
        if release.source == "kemendagri":
            payload = kemendagri_api([release], 1, 1)
            expected.update(dateline="Jakarta", source_unit="Dukcapil" if release.unit == "dukcapil"
                            else "Puspen Kemendagri", evidence=True)
            _write(f"replica-api-{release.api_id}", json.dumps(payload, ensure_ascii=False).encode(), "json",
                   {"spider": "kemendagri", "callback": "parse_api", "url": API, "meta": {"page": 1},
                    "expected": expected, "origin": "replica"})
            count += 1
            continue
        listing = format_long_date(release.published) if release.listed else None
        has_year = bool(release.caption and "/20" in release.caption)
        expected.update(evidence=bool(listing) or release.layout == "bullet" or has_year)
        _write(f"replica-mmc-{release.slug}"[:120], mmc_article(release, titles).encode(), "html",
               {"spider": "mmc_kobar", "callback": "parse_article", "url": release.url,
                "meta": {"listing_date": listing} if listing else {}, "expected": expected, "origin": "replica"})
        count += 1
        copies = []
        if release.portal_blog:
            copies.append((f"{PORTAL_HOST}/id/blog/{release.slug}", portal_blog(release)))
        if release.portal_node:
            copies.append((f"{PORTAL_HOST}/index.php/en/node/{release.portal_node}", portal_node(release)))
        for url, html in copies:
            kind = "node" if "/node/" in url else "blog"
            _write(f"replica-portal-{kind}-{release.slug}"[:120], html.encode(), "html",
                   {"spider": "mmc_kobar", "callback": "parse_article", "url": url, "meta": {},
                    "expected": {**expected, "url": url, "evidence": False}, "origin": "replica"})
            count += 1
    return count


def _classic(case: dict) -> str:
    caption = (f'<div class="foto-berita"><img src="/f.jpg" alt=""><p class="keterangan-foto">'
               f'{escape(case["caption"])}</p></div>') if case.get("caption") else ""
    paragraphs = []
    for index, raw in enumerate(case["raw"]):
        if case.get("mid_caption") == index:
            paragraphs.append(f'<p><img src="/uploads/tengah.jpg" alt=""> {raw}</p>')
        else:
            paragraphs.append(f"<p>{raw}</p>")
    return (f'<html><head><title>{escape(case["title"])} - MMC Kobar</title>'
            f'<meta property="og:title" content="{escape(case["title"])}"></head><body>'
            f'<nav class="menu"><a href="/">Beranda</a></nav><main><div class="detail-berita">'
            f'<h2 class="judul-berita">{escape(case["title"])}</h2>{caption}<div class="isi-berita">'
            + "\n".join(paragraphs) + '</div><div class="share">Bagikan</div></div></main></body></html>')


def _bullet(case: dict) -> str:
    bullets = "".join(f"<li>{escape(b)}</li>" for b in case["bullets"])
    paragraphs = "\n".join(f"<p>{raw}</p>" for raw in case["raw"])
    return (f'<html><head><title>{escape(case["title"])} - MMC Kobar</title></head><body><main>'
            f'<article class="post"><h1 class="post-title">{escape(case["title"])}</h1>'
            f'<ul class="post-meta">{bullets}</ul><div class="post-content">{paragraphs}</div>'
            '</article></main></body></html>')


def _portal(case: dict) -> str:
    month, day = case["portal_date"]
    return (f'<html><head><title>{escape(case["title"])} | Kabupaten Kotawaringin Barat</title></head><body>'
            f'<div class="node node-blog"><h1 class="page-title">{escape(case["title"])}</h1>'
            f'<div class="submitted"><span class="month">{month}</span><span class="day">{day}</span>'
            '<span class="post-by">Post by</span><span class="username">adminkominfo</span>'
            '<span class="comments">Comment:0</span></div><div class="field-item even"><p>'
            + "<br>\n".join(case["raw"]) + "</p></div></div><aside class=\"sidebar\"><h2>Visi dan Misi</h2>"
            "<p>Terwujudnya Kotawaringin Barat yang maju.</p></aside></body></html>")


def handmade_pages() -> int:
    cases = tomllib.loads((HERE / "cases.toml").read_text("utf-8"))["case"]
    for case in cases:
        expected = {"title": case["title"], "body": "\n\n".join(case["body"]), "date": case["date"],
                    "dateline": case.get("dateline"), "source_unit": case.get("source_unit"),
                    "evidence": case.get("evidence", True)}
        if case["layout"] == "api":
            slug = case["id"]
            blog = {"id": 1, "post_slug": slug, "blog_name": case["title"], "blog_desc": "\n".join(
                raw if raw.startswith("<") else f"<p>{raw}</p>" for raw in case["raw"]),
                "created_at": case["created_at"]}
            payload = {"status": True, "data": {"blogs": [blog]}}
            _write(f"case-{case['id']}", json.dumps(payload, ensure_ascii=False).encode(), "json",
                   {"spider": "kemendagri", "callback": "parse_api", "url": API, "meta": {"page": 1},
                    "expected": {**expected, "url": f"https://kemendagri.go.id/berita/{slug}"}, "origin": "hand-made"})
            continue
        render = {"classic": _classic, "bullet": _bullet, "portal": _portal}[case["layout"]]
        host = PORTAL_HOST + "/id/blog/" if case["layout"] == "portal" else MMC_HOST + "/berita/"
        url = host + case["id"]
        meta = {"listing_date": case["listing"]} if case.get("listing") else {}
        _write(f"case-{case['id']}", render(case).encode(), "html",
               {"spider": "mmc_kobar", "callback": "parse_article", "url": url, "meta": meta,
                "expected": {**expected, "url": url}, "origin": "hand-made"})
    return len(cases)


if __name__ == "__main__":
    shutil.rmtree(PAGES, ignore_errors=True)
    PAGES.mkdir(parents=True)
    print(f"{replica_pages()} replica pages, {handmade_pages()} hand-made pages in {PAGES}")
