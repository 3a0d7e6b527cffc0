"""One local HTTP server that stands in for both sources.

Each source lives below a prefix named after its spider (``/mmc_kobar``, ``/kemendagri``), and
below it at the real sites' paths; ``/robots.txt`` and ``/__replica__/…`` sit at the root.
The server binds to loopback only. ``POST /__replica__/control`` changes the world between
two crawls (new, edited and removed articles, a broken layout, a source that is down), so tests
can check what a crawl makes of it.
"""

from __future__ import annotations

import json
import math
import re
import threading
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from replica import pages, regional, zoo
from replica.corpus import Release, generate

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class World:
    """What the replica serves right now; every change goes through :meth:`control`."""

    def __init__(self, articles: int = 72, seed: int = 2024, layout: str = "default",
                 regional_sources: tuple[str, ...] = (), per_regional_source: int = 6):
        if layout != "default" and layout not in zoo.FAMILIES:
            raise ValueError(f"unknown layout {layout!r}: default or one of {', '.join(zoo.FAMILIES)}")
        self.lock = threading.Lock()
        self.releases = generate(articles, seed)
        self.articles, self.seed, self.layout = articles, seed, layout
        # The sources added through the registry (replica.regional): served only when asked for,
        # so the default replica and its manifest stay what the suite was written against.
        self.regional_sources, self.per_regional_source = tuple(regional_sources), per_regional_source
        self.regional = regional.RegionalSites(self.regional_sources, per_regional_source, seed)
        self.down: set[str] = set()
        self.broken: set[str] = set()
        self.requests: dict[str, int] = {}
        self._index()

    def _index(self) -> None:
        live = [r for r in self.releases if not r.removed]
        self.by_slug = {(r.source, r.slug): r for r in live}
        self.by_node = {r.portal_node: r for r in live if r.portal_node}
        self.titles = {r.slug: r.title for r in live if r.source == "mmc_kobar"}
        newest_first = sorted(live, key=lambda r: r.published, reverse=True)
        self.mmc_listed = [r for r in newest_first if r.source == "mmc_kobar" and r.listed]
        self.mmc_all = [r for r in newest_first if r.source == "mmc_kobar"]
        self.kemendagri = [r for r in newest_first if r.source == "kemendagri"]
        self.portal_months: dict[str, list[Release]] = {}
        for release in newest_first:
            if release.portal_blog or release.portal_node:
                self.portal_months.setdefault(release.published.strftime("%Y%m"), []).append(release)

    def control(self, command: dict) -> dict:
        with self.lock:
            action = command.get("action")
            if action == "add":
                count = int(command.get("count", 1))
                fresh = [r for r in generate(self.articles + count, self.seed + 1) if not r.republished_from]
                newest = max(r.published for r in self.releases)
                added = []
                for offset, release in enumerate(fresh[-count:], start=1):
                    release = replace(release, slug=f"{release.slug}-baru-{offset}", listed=True,
                                      published=newest + timedelta(hours=offset), inserts=[],
                                      portal_blog=False, portal_node=None, republished_as=None,
                                      api_id=(release.api_id or 0) + 90000 if release.api_id else None)
                    self.releases.append(release)
                    added.append(release.url)
                result = {"added": added}
            elif action == "edit":
                release = self._find(command["url"])
                release.paragraphs[-1] += " " + command.get("text", "Pemerintah daerah akan melanjutkan program ini tahun depan.")
                if command.get("title"):
                    release.title = command["title"]
                release.version += 1
                result = {"edited": release.url}
            elif action == "remove":
                release = self._find(command["url"])
                release.removed = True
                result = {"removed": release.url}
            elif action in ("down", "up", "break", "fix"):
                target = self.down if action in ("down", "up") else self.broken
                (target.add if action in ("down", "break") else target.discard)(command["source"])
                result = {action: command["source"]}
            elif action == "reset":
                self.__init__(self.articles, self.seed, self.layout, self.regional_sources,
                              self.per_regional_source)
                return {"reset": True}
            else:
                raise ValueError(f"unknown action {action!r}")
            self._index()
            return result

    def _find(self, url: str) -> Release:
        for release in self.releases:
            if release.url == url and not release.removed:
                return release
        raise KeyError(url)

    def manifest(self, base: str) -> dict:
        with self.lock:
            return {
                "spiders": {
                    "mmc_kobar": {"args": {"origin": f"{base}/mmc_kobar"}},
                    "kemendagri": {"args": {"origin": f"{base}/kemendagri"}},
                    **{name: {"args": {"origin": f"{base}/{name}"}} for name in self.regional_sources},
                },
                "articles": [r.manifest() for r in self.releases if not r.removed]
                + self.regional.manifest_articles(),
                "removed": [r.url for r in self.releases if r.removed],
                "down": sorted(self.down),
                "broken": sorted(self.broken),
                "requests": dict(self.requests),
                "layout": self.layout,
                "discovery": list(zoo.DISCOVERY.get(self.layout, ("listing",))),
            }

    def respond(self, path: str, query: dict) -> tuple[int, str, bytes]:
        """Status, content type and body for one GET."""
        match = re.match(r"^/(\w+)(/.*)?$", path)
        if match and match[1] in self.regional_sources:
            with self.lock:
                self.requests[match[1]] = self.requests.get(match[1], 0) + 1
                if match[1] in self.down:
                    return 503, "text/html; charset=utf-8", b"<h1>503 Service Unavailable</h1>"
                answer = self.regional.respond(match[1], match[2] or "/", query)
            if answer is None and (match[2] or "/").endswith("/robots.txt"):
                return 200, "text/plain; charset=utf-8", pages.ROBOTS.encode()
            return answer or _not_found()
        if path == "/mmc_kobar/robots.txt" and self.layout != "default":
            return 200, "text/plain; charset=utf-8", zoo.robots(self.layout).encode()
        if path == "/robots.txt" or path.endswith("/robots.txt"):
            return 200, "text/plain; charset=utf-8", pages.ROBOTS.encode()
        match = re.match(r"^/(mmc_kobar|kemendagri)(/.*)?$", path)
        if not match:
            return _not_found()
        source, rest = match[1], match[2] or "/"
        with self.lock:
            self.requests[source] = self.requests.get(source, 0) + 1
            if source in self.down:
                return 503, "text/html; charset=utf-8", b"<h1>503 Service Unavailable</h1>"
            handler = self._mmc if source == "mmc_kobar" else self._kemendagri
            return handler(rest, query)

    def _mmc(self, path: str, query: dict) -> tuple[int, str, bytes]:
        if self.layout != "default" and not re.match(r"^/(id|en|index\.php)/", path):
            return self._zoo(path, query)
        broken = "mmc_kobar" in self.broken
        if match := re.match(r"^/berita/([^/]+)$", path):
            release = self.by_slug.get(("mmc_kobar", match[1]))
            if release:
                return _html(pages.mmc_article(release, self.titles, broken=broken))
        elif path in ("/berita", "/berita/"):
            pages_total = max(1, math.ceil(len(self.mmc_listed) / pages.PAGE_SIZE))
            page = _int(query, "page", 1)
            if 1 <= page <= pages_total:
                chunk = self.mmc_listed[(page - 1) * pages.PAGE_SIZE: page * pages.PAGE_SIZE]
                return _html(pages.mmc_listing(chunk, page, pages_total))
        elif match := re.match(r"^/id/blog/([^/]+)$", path):
            release = self.by_slug.get(("mmc_kobar", match[1]))
            if release and release.portal_blog:
                return _html(pages.portal_blog(release))
        elif match := re.match(r"^/index\.php/en/node/(\d+)$", path):
            release = self.by_node.get(int(match[1]))
            if release:
                return _html(pages.portal_node(release))
        elif path in ("/en/archive", "/en/archive/"):
            return _html(pages.portal_archive_index(sorted(self.portal_months, reverse=True)))
        elif (match := re.match(r"^/en/archive/(\d{6})$", path)) and match[1] in self.portal_months:
            return _html(pages.portal_archive_month(self.portal_months[match[1]]))
        return _not_found()

    def _zoo(self, path: str, query: dict) -> tuple[int, str, bytes]:
        """MMC Kobar's own host in one family of the layout zoo (the portal copies stay as they are)."""
        family = self.layout
        if match := re.match(r"^/berita/([^/]+)$", path):
            release = self.by_slug.get(("mmc_kobar", match[1]))
            if release:
                others = [r for r in self.mmc_listed[:6] if r is not release]
                return _html(zoo.article(family, release, self.titles, others, self.seed))
        elif path == "/":
            return _html(zoo.home(family, self.mmc_listed, self.seed))
        elif family == "wordpress" and path == "/wp-sitemap.xml":
            return _xml(zoo.sitemap_index())
        elif family == "wordpress" and path == "/wp-sitemap-posts-post-1.xml":
            return _xml(zoo.urlset(self.mmc_all))
        elif family == "wordpress" and path == "/wp-sitemap-taxonomies-category-1.xml":
            return _xml(zoo.category_urlset())
        elif family == "wordpress" and path in ("/feed/", "/feed"):
            return _xml(zoo.rss(self.mmc_listed[:zoo.FEED_SIZE], zoo.MMC_HOST))
        elif family == "wordpress" and path == "/wp-json/wp/v2/posts":
            per_page, page = _int(query, "per_page", zoo.API_PAGE_SIZE), _int(query, "page", 1)
            total = max(1, math.ceil(len(self.mmc_listed) / max(per_page, 1)))
            if not 1 <= per_page <= 100 or not 1 <= page <= total:
                body = {"code": "rest_post_invalid_page_number", "data": {"status": 400}}
                return 400, "application/json", json.dumps(body).encode()
            chunk = self.mmc_listed[(page - 1) * per_page: page * per_page]
            return 200, "application/json", json.dumps(zoo.wp_posts(chunk, self.titles)).encode()
        elif family == "drupal" and path == "/rss.xml":
            return _xml(zoo.rss(self.mmc_listed[:zoo.FEED_SIZE], zoo.MMC_HOST))
        elif family == "drupal" and path == "/node":
            pages_total = max(1, math.ceil(len(self.mmc_listed) / zoo.NODE_PAGE_SIZE))
            page = _int(query, "page", 0)
            if 0 <= page < pages_total:
                chunk = self.mmc_listed[page * zoo.NODE_PAGE_SIZE: (page + 1) * zoo.NODE_PAGE_SIZE]
                return _html(zoo.node_page(chunk, page, pages_total))
        elif family == "nextjs" and path == "/sitemap.xml":
            return _xml(zoo.urlset(self.mmc_all))
        elif family == "codeigniter" and (match := re.match(r"^/berita/index/(\d+)$", path)):
            if int(match[1]) < len(self.mmc_listed):
                return _html(zoo.index_page(family, self.mmc_listed, int(match[1]), self.seed))
        elif family == "amp" and path == "/rss":
            return _xml(zoo.rss(self.mmc_listed, zoo.MMC_HOST))
        return _not_found()

    def _kemendagri(self, path: str, query: dict) -> tuple[int, str, bytes]:
        if path == "/api/v1/blogs/public":
            limit, page = _int(query, "limit", 10), _int(query, "page", 1)
            if not 1 <= limit <= 100 or page < 1:
                body = {"status": False, "message": "limit must be 1..100 and page >= 1"}
                return 400, "application/json", json.dumps(body).encode()
            body = pages.kemendagri_api(self.kemendagri, page, limit)
            if "kemendagri" in self.broken:
                for blog in body["data"]["blogs"]:
                    blog["content"] = blog.pop("blog_desc")
            return 200, "application/json", json.dumps(body, ensure_ascii=False).encode()
        if path == "/" or re.match(r"^/berita/[^/]+$", path):
            return _html(pages.kemendagri_shell())
        return _not_found()


def _int(query: dict, name: str, default: int) -> int:
    try:
        return int(query.get(name, [default])[0])
    except ValueError:
        return -1


def _html(text: str) -> tuple[int, str, bytes]:
    return 200, "text/html; charset=utf-8", text.encode()


def _xml(text: str) -> tuple[int, str, bytes]:
    return 200, "application/xml; charset=utf-8", text.encode()


def _not_found() -> tuple[int, str, bytes]:
    return 404, "text/html; charset=utf-8", b"<h1>404 Halaman tidak ditemukan</h1>"


def make_handler(world: World):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "pilkada-replica/1"

        def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
            pass

        def _send(self, status: int, ctype: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self):
            parts = urlsplit(self.path)
            if parts.path == "/__replica__/manifest.json":
                host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
                body = json.dumps(world.manifest(f"http://{host}"), ensure_ascii=False).encode()
                return self._send(200, "application/json", body)
            self._send(*world.respond(parts.path, parse_qs(parts.query)))

        do_HEAD = do_GET

        def do_POST(self):
            if urlsplit(self.path).path != "/__replica__/control":
                return self._send(*_not_found())
            length = int(self.headers.get("Content-Length") or 0)
            try:
                result = world.control(json.loads(self.rfile.read(length) or b"{}"))
            except (KeyError, ValueError) as error:
                return self._send(400, "application/json", json.dumps({"error": str(error)}).encode())
            self._send(200, "application/json", json.dumps(result).encode())

    return Handler


class ReplicaServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def serve(port: int = 8000, host: str = "127.0.0.1", articles: int = 72, seed: int = 2024,
          ready: threading.Event | None = None, layout: str = "default",
          regional_sources: tuple[str, ...] = (), per_regional_source: int = 6) -> ReplicaServer:
    if host not in LOOPBACK:
        raise ValueError("the replica binds to loopback only (127.0.0.1, localhost, ::1)")
    world = World(articles, seed, layout, regional_sources, per_regional_source)
    server = ReplicaServer((host, port), make_handler(world))
    server.world = world
    return server
