"""``pilkada-archive probe SOURCE``: the operator's first contact with a source.

A handful of polite requests (at most ``MAX_REQUESTS``, one at a time, ``DELAY`` seconds apart on
a real site, none that the site's robots.txt disallows): which discovery strategies answer and how many articles each lists, then a sample
of articles run through the spider and the pure pipelines, each shown with its title, date and
``date_method``, body length, parser path and leaked boilerplate. ``--save-fixtures DIR`` writes
every sampled page as a frozen fixture (``DIR/<source>/<name>.page.html``, ``.meta.json``,
``.expected.json``) in the format of ``tests/fixtures`` for review.

The loop when a source changes its layout: probe, read the report, correct the source module's
constants (``spiders/<source>.py``), probe again, review and commit the fixtures.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from itemadapter import ItemAdapter
from protego import Protego
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from crawler.discovery import PROBES, STRATEGIES
from crawler.origins import Mirror
from crawler.replay import offline_spider, pipelines, through
from crawler.spider import is_loopback
from indonesian.text import leaked_phrases
from indonesian.urls import host_of

MAX_REQUESTS = 20
DELAY = 2.0  # seconds between two requests to a real site
TIMEOUT = 15
USER_AGENT = "pilkada-archive probe (+https://github.com/; research archive of election news)"
FROZEN_AT = "2026-11-27T00:00:00Z"
FIXTURE_ORIGIN = "http://replica.test"  # frozen pages are replayed as if fetched from this mirror
FIXTURE_FIELDS = [
    "url", "title", "body", "published_date", "published_at", "date_method", "date_confidence",
    "author", "dateline", "source_unit", "captions", "related", "tags", "image_urls", "aliases",
    "election_related", "election_types", "election_stages", "focus_stage", "institutions", "regions",
    "publisher_region", "parser",
]
PURE_PIPELINES = ["CleanPipeline", "StripBoilerplatePipeline", "ResolveDatePipeline", "TagPipeline",
                  "LinkRegionsPipeline"]
# A probe is no run: it neither locks nor opens the archive, nor writes WARC files.
NO_RUN = {"EXTENSIONS": {"crawler.runs.ArchiveRun": None, "crawler.warc.WarcExtension": None,
                         "crawler.progress.ProgressExtension": None}}
CALLBACKS = {"robots_sitemap": "parse_robots", "sitemap": "parse_sitemap", "feed": "parse_feed_or_home",
             "wp_json": "parse_wp_json", "drupal_node": "parse_drupal_node", "listing": "parse_listing",
             "crawl": "parse_crawl"}


class Budget(Exception):
    pass


@dataclass
class Fetched:
    url: str  # canonical
    status: int | None
    body: bytes = b""
    content_type: str = ""
    error: str | None = None


@dataclass
class Probe:
    source: str
    origin: str | None = None
    max_requests: int = MAX_REQUESTS
    sample: int = 3
    requests: int = 0
    fetched: list[Fetched] = field(default_factory=list)
    strategies: dict[str, dict] = field(default_factory=dict)  # strategy -> {urls: {url: status}, articles: [...]}
    articles: list[dict] = field(default_factory=list)
    robots: dict = field(default_factory=dict)  # host -> its parsed robots.txt

    def __post_init__(self):
        # The mirror is set afterwards: a loopback origin would change the crawler's frozen settings.
        self.crawler, self.spider = offline_spider(self.source, settings=NO_RUN)
        self.spider.mirror = Mirror(self.spider.HOSTS, self.origin or None)
        self.delay = 0.0 if is_loopback(self.origin) else DELAY

    # -- fetching ------------------------------------------------------------------------------

    def allowed(self, canonical: str) -> bool:
        """What the site's robots.txt allows this probe (robots.txt itself always)."""
        if canonical.endswith("/robots.txt"):
            return True
        host = host_of(canonical)
        if host not in self.robots:
            got = self.fetch(canonical.split("/", 3)[0] + "//" + host + "/robots.txt")
            text = got.body.decode("utf-8", "replace") if got.status == 200 else ""
            self.robots[host] = Protego.parse(text)
        return self.robots[host].can_fetch(canonical, USER_AGENT)

    def fetch(self, canonical: str) -> Fetched:
        if self.requests >= self.max_requests:
            raise Budget
        if not self.allowed(canonical):
            got = Fetched(canonical, None, error="disallowed by robots.txt")
            self.fetched.append(got)
            return got
        if self.requests and self.delay:
            time.sleep(self.delay)
        self.requests += 1
        url = self.spider.mirror.fetch_url(canonical)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
                got = Fetched(canonical, answer.status, answer.read(), answer.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as error:
            got = Fetched(canonical, error.code, b"", error.headers.get("Content-Type", ""))
        except (urllib.error.URLError, OSError) as error:
            got = Fetched(canonical, None, error=str(getattr(error, "reason", error)))
        self.fetched.append(got)
        if canonical.endswith("/robots.txt"):
            text = got.body.decode("utf-8", "replace") if got.status == 200 else ""
            self.robots.setdefault(host_of(canonical), Protego.parse(text))
        return got

    def response(self, got: Fetched, meta: dict | None = None):
        kind = got.content_type.split(";")[0].strip().lower()
        cls = HtmlResponse if "html" in kind else XmlResponse if "xml" in kind else TextResponse
        fetch_url = self.spider.mirror.fetch_url(got.url)
        return cls(url=fetch_url, status=got.status or 0, body=got.body, encoding="utf-8",
                   headers={"Content-Type": got.content_type or "text/html"},
                   request=Request(fetch_url, meta={"canonical": got.url, **(meta or {})}))

    # -- discovery -----------------------------------------------------------------------------

    def run_callback(self, strategy: str, got: Fetched, callback_name: str | None = None
                     ) -> tuple[list[str], list[Request]]:
        """Article URLs and further discovery requests a strategy's callback makes of a page."""
        callback = getattr(self.spider, callback_name or CALLBACKS[strategy])
        articles, follow = [], []
        for output in callback(self.response(got, {"strategy": strategy})) or []:
            if not isinstance(output, Request):
                continue
            if output.meta.get("discovery"):
                follow.append(output)
            elif output.meta.get("canonical"):
                articles.append(output.meta["canonical"])
        return articles, follow

    def try_strategy(self, strategy: str, urls: list[str]) -> None:
        record = self.strategies.setdefault(strategy, {"urls": {}, "articles": []})
        queue = [(url, None) for url in urls]
        followed = 0
        while queue:
            url, callback_name = queue.pop(0)
            got = self.fetch(url)
            record["urls"][url] = got.status or got.error
            if not got.status or got.status >= 400:
                continue
            articles, follow = self.run_callback(strategy, got, callback_name)
            record["articles"] += [a for a in articles if a not in record["articles"]]
            # Up to two steps further, for pages that only point at the article lists
            # (robots.txt -> sitemap index -> sitemap, home page -> feed).
            if followed < 2 and not articles:
                for request in follow[:1]:
                    queue.append((request.meta["canonical"], request.callback.__name__))
                    followed += 1

    def discover(self) -> None:
        roots = self.spider.discovery_roots()
        for strategy in STRATEGIES:
            try:
                if strategy in PROBES:
                    self.try_strategy(strategy, [r.rstrip("/") + p for r in roots for p in PROBES[strategy]])
                elif strategy == "listing":
                    self.try_strategy(strategy, list(self.spider.LISTING_PAGES))
                elif strategy == "crawl" and not any(host_of(a) in {host_of(r) for r in roots}
                                                     for s in self.strategies.values() for a in s["articles"]):
                    self.try_strategy(strategy, [r.rstrip("/") + "/" for r in roots])
            except Budget:
                break

    # -- sample --------------------------------------------------------------------------------

    def extract(self, got: Fetched) -> list[dict]:
        chain = pipelines(self.crawler, PURE_PIPELINES)
        out = []
        for item in self.spider.parse_article(self.response(got)):
            if isinstance(item, Request):
                continue
            item.fetched_at = FROZEN_AT
            item = through(chain, item)
            if item is not None:
                data = ItemAdapter(item).asdict()
                out.append({key: data.get(key) for key in FIXTURE_FIELDS})
        return out

    def sample_articles(self) -> None:
        seen: list[str] = []
        for record in self.strategies.values():
            seen += [a for a in record["articles"] if a not in seen]
        own = {host_of(r) for r in self.spider.discovery_roots()}
        seen.sort(key=lambda url: host_of(url) not in own)  # the source's own host first, copies after
        for url in seen[: self.sample]:
            try:
                got = self.fetch(url)
            except Budget:
                break
            if not got.status or got.status >= 400:
                self.articles.append({"url": url, "error": got.error or f"HTTP {got.status}"})
                continue
            parsed = self.extract(got)
            self.articles.append({"url": url, "fetched": got, "parsed": parsed[0] if parsed else None})

    def run(self) -> Probe:
        self.discover()
        self.sample_articles()
        return self

    # -- output --------------------------------------------------------------------------------

    def report(self) -> str:
        lines = [f"probe {self.source} ({self.origin or 'real site'}): {self.requests} requests"]
        lines.append("discovery:")
        for strategy in STRATEGIES:
            record = self.strategies.get(strategy)
            if record is None:
                lines.append(f"  {strategy:<15} not tried")
                continue
            answers = ", ".join(f"{_path(u)} {s}" for u, s in record["urls"].items())
            verdict = f"{len(record['articles'])} articles" if record["articles"] else "nothing"
            lines.append(f"  {strategy:<15} {verdict:<13} ({answers})")
        working = [s for s in STRATEGIES if self.strategies.get(s, {}).get("articles")]
        lines.append(f"  answering with articles: {', '.join(working) or 'NONE (the source would be broken)'}")
        lines.append("sample:")
        for article in self.articles:
            parsed = article.get("parsed")
            if parsed is None:
                lines.append(f"  {article['url']}\n    NOT PARSED: {article.get('error') or 'no title or no body'}")
                continue
            body = parsed["body"] or ""
            leaks = leaked_phrases(body)
            lines += [
                f"  {article['url']}",
                f"    title        {parsed['title']!r}",
                f"    date         {parsed['published_date']} ({parsed['date_method']}, {parsed['date_confidence']})",
                f"    body         {len(body)} characters, {len(body.split())} words, "
                f"{body.count(chr(10) * 2) + 1 if body else 0} paragraphs",
                f"    parser       {parsed['parser']}",
                f"    boilerplate  {'LEAKED: ' + ', '.join(leaks) if leaks else 'none leaked'}",
            ]
            if parsed["published_date"] is None:
                lines.append("    WARNING      no publication date")
            if parsed["parser"] and parsed["parser"].split("+")[-1] in ("generic", "density"):
                lines.append("    NOTE         the source's body selector matched nothing: "
                             "name the body's container in the source module")
        return "\n".join(lines)

    def save_fixtures(self, directory: Path) -> list[Path]:
        """Every sampled page as a frozen fixture with its expected JSON (review before committing)."""
        folder = Path(directory) / self.source
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for index, article in enumerate(a for a in self.articles if a.get("parsed")):
            got = article["fetched"]
            name = f"probe-{index + 1}-{got.url.rstrip('/').rsplit('/', 1)[-1][:40] or 'page'}"
            (folder / f"{name}.page.html").write_bytes(got.body)
            crawler, spider = offline_spider(self.source, settings=NO_RUN, origin=f"{FIXTURE_ORIGIN}/{self.source}")
            replay = Probe.__new__(Probe)
            replay.crawler, replay.spider = crawler, spider
            expected = replay.extract(got)
            truth = [{k: a[k] for k in ("url", "title", "body", "published_date", "published_at",
                                        "date_confidence", "election_related", "regions")} | {"aliases": a["aliases"]}
                     for a in expected]
            meta = {"url": got.url, "callback": "parse_article", "request_meta": {},
                    "probe": {"origin": self.origin, "note": "written by `pilkada-archive probe`: "
                              "review `truth` and the expected JSON against the page before committing"},
                    "truth": truth}
            (folder / f"{name}.meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
            (folder / f"{name}.expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n")
            written.append(folder / f"{name}.page.html")
        return written


def _path(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else "/"


def probe(source: str, origin: str | None = None, save_fixtures: str | None = None, sample: int = 3,
          max_requests: int = MAX_REQUESTS) -> tuple[str, int]:
    """The report, and an exit code: 0 when some strategy found articles and every sampled
    article parsed with a date; 4 when no strategy found an article; 3 otherwise."""
    result = Probe(source, origin, max_requests=max_requests, sample=sample).run()
    text = result.report()
    if save_fixtures:
        for path in result.save_fixtures(Path(save_fixtures)):
            text += f"\nsaved {path}"
    found = any(r["articles"] for r in result.strategies.values())
    clean = all(a.get("parsed") and a["parsed"]["published_date"] for a in result.articles)
    return text, 0 if found and clean and result.articles else (4 if not found else 3)
