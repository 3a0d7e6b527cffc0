"""Regenerate the expected JSON of the frozen pages (``make fixtures``), for review in git diff.

    python -m tests.regenerate            rewrite tests/fixtures/*/*.expected.json
    python -m tests.regenerate --freeze   first download fresh pages from a replica started here

Frozen pages also carry the replica's truth for their article (``truth`` in the meta file),
so a regenerated expectation that drifts from what the page really says fails the tests.
"""

from __future__ import annotations

import argparse
import json
import threading
import urllib.request

from tests.fixturekit import FIXTURES, cases, expected_path, parse_fixture

# (spider, fixture name): one frozen page per layout and quirk the replica reproduces
FREEZE = [
    ("mmc_kobar", "classic-caption-block"),
    ("mmc_kobar", "classic-caption-paragraph"),
    ("mmc_kobar", "bullet-jsonld"),
    ("mmc_kobar", "portal-blog"),
    ("mmc_kobar", "portal-node"),
    ("mmc_kobar", "unlisted-caption-year"),
    ("kemendagri", "api-page"),
]


def freeze() -> None:
    from replica.server import serve

    server = serve(0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    world = server.world
    releases = [r for r in world.releases if r.source == "mmc_kobar"]

    def first(predicate):
        return next(r for r in releases if predicate(r))

    picks = {
        "classic-caption-block": first(lambda r: r.layout == "classic" and r.caption and r.listed
                                       and len(r.slug) % 2 and r.inserts),
        "classic-caption-paragraph": first(lambda r: r.layout == "classic" and r.caption and r.listed
                                           and not len(r.slug) % 2),
        "bullet-jsonld": first(lambda r: r.layout == "bullet" and r.mid_caption),
        "portal-blog": first(lambda r: r.portal_blog),
        "portal-node": first(lambda r: r.portal_node),
        "unlisted-caption-year": first(lambda r: not r.listed),
    }
    for spider, name in FREEZE:
        folder = FIXTURES / spider
        folder.mkdir(parents=True, exist_ok=True)
        if spider == "kemendagri":
            path = "/api/v1/blogs/public?limit=5&page=2"
            url = "https://backend.kemendagri.go.id" + path
            truth = [r.manifest() for r in world.kemendagri[5:10]]
            meta = {"url": url, "callback": "parse_api", "request_meta": {"page": 2}, "truth": truth}
            suffix = "json"
        else:
            release = picks[name]
            if name == "portal-blog":
                url = release.aliases[0]
            elif name == "portal-node":
                url = release.aliases[-1]
            else:
                url = release.url
            path = url.split(".go.id", 1)[1]
            request_meta = {}
            if name.startswith("classic"):
                request_meta["listing_date"] = _long_date(release)
            meta = {"url": url, "callback": "parse_article", "request_meta": request_meta,
                    "truth": [release.manifest()]}
            suffix = "html"
        body = urllib.request.urlopen(f"{base}/{spider}{path}").read()
        (folder / f"{name}.page.{suffix}").write_bytes(body)
        (folder / f"{name}.meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    server.shutdown()


# The sources added through the registry (replica.regional): one article page each, the first
# (newest) article of the source, with the byline and date form of its site.
FREEZE_REGIONAL = [("mmc_kalteng", "kontribusi-dari"), ("dukcapil", "ditulis-pada"),
                   ("kpu_kayongutara", "kpu-blog-read"), ("dukcapil_purworejo", "wordpress-post")]


def freeze_regional() -> None:
    from replica.regional import SOURCES
    from replica.server import serve

    server = serve(0, articles=3, regional_sources=SOURCES)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    for spider, name in FREEZE_REGIONAL:
        article = server.world.regional.articles[spider][0]
        folder = FIXTURES / spider
        folder.mkdir(parents=True, exist_ok=True)
        body = urllib.request.urlopen(f"{base}/{spider}{article.path}").read()
        meta = {"url": article.url, "callback": "parse_article", "request_meta": {}, "truth": [article.manifest()]}
        (folder / f"{name}.page.html").write_bytes(body)
        (folder / f"{name}.meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    server.shutdown()


def _long_date(release) -> str:
    from replica.corpus import format_long_date

    return format_long_date(release.published)


def regenerate() -> None:
    for meta_path in cases():
        articles = parse_fixture(meta_path)
        expected_path(meta_path).write_text(json.dumps(articles, ensure_ascii=False, indent=2) + "\n")
        print(f"wrote {expected_path(meta_path).relative_to(FIXTURES.parent.parent)} ({len(articles)} articles)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--freeze", action="store_true", help="download fresh pages from a replica first")
    if parser.parse_args().freeze:
        freeze()
        freeze_regional()
    regenerate()
