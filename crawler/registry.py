"""Sources as data: the registry (``spiders/sources.toml``) and the spider loader built on it.

``RegistrySpiderLoader`` (Scrapy's ``SPIDER_LOADER_CLASS``) finds the spiders of
``SPIDER_MODULES`` as Scrapy's own loader does, then reads the registry: an entry with a
``module`` must match the spider that module defines (same hosts, same home region) and gives it
its politeness and publisher type; any other entry becomes a spider class of its layout family
(``FAMILIES``) on :class:`crawler.news.NewsSpider`. A spider without an entry, or an entry that
is wrong in any field, stops the loader: exit 2, with the entry and the field named.
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

from parsel.csstranslator import css2xpath
from scrapy.spiderloader import SpiderLoader

from crawler.discovery import STRATEGIES
from crawler.news import NewsSpider
from crawler.runs import EXIT_USAGE
from indonesian.regions import gazetteer
from indonesian.urls import host_of

PUBLISHER_TYPES = ("media_center", "ministry", "kpu", "bawaslu", "regency")
ALL_STRATEGIES = (*STRATEGIES, "api")
DEFAULT_REGISTRY = "spiders/sources.toml"  # package "spiders", resource "sources.toml"

# Selector fields of an entry's ``selectors`` table -> the NewsSpider attribute each sets.
SELECTORS = {
    "title": "TITLE", "body": "BODY", "captions": "CAPTIONS", "meta_lines": "META_LINES",
    "page_date": "PAGE_DATE", "page_author": "PAGE_AUTHOR", "listing_item": "LISTING_ITEM",
    "listing_link": "LISTING_LINK", "listing_date": "LISTING_DATE", "next_page": "NEXT_PAGE",
    "archive_month": "ARCHIVE_MONTH",
}

# A layout family: what every site of it shares. ``None``: sites of this family have a module.
# The KPU CMS (sites.md 3): /index.php/blog/category/<id>?page=N, articles /blog/read/<slug>;
# category 104 is "Berita Terkini" on every KPU site seen. WordPress: the theme-independent
# class names WordPress itself writes (entry-title, entry-content, wp-caption-text).
FAMILIES: dict[str, dict | None] = {
    "custom": None,
    "json_api": None,
    "wordpress": {
        "article_path": r"^/\d{4}/\d{2}/\d{2}/[^/?#]+/?$",
        "listing_pages": [],
        "selectors": {"title": "h1.entry-title", "body": ".entry-content",
                      "captions": "figcaption, .wp-caption-text", "page_author": ".entry-meta .author::text"},
    },
    "kpu": {
        "article_path": r"^/(index\.php/)?blog/read/[^/?#]+$",
        "listing_pages": ["{canonical}/index.php/blog/category/104"],
        "byline": r"^Diposting oleh (?P<author>.+)$",
        "selectors": {"title": ".blog-detail h1", "body": ".blog-detail .blog-content",
                      "captions": ".blog-detail figcaption", "meta_lines": ".blog-detail .blog-meta li",
                      "listing_item": ".blog-list .blog-item", "listing_link": "h3 a::attr(href)",
                      "listing_date": ".blog-date::text", "next_page": "ul.pagination a[rel=next]::attr(href)"},
    },
    "codeigniter": {"article_path": None, "listing_pages": [], "selectors": {}},
}

REQUIRED = {"name": str, "publisher": str, "type": str, "region": str, "hosts": list, "canonical": str,
            "family": str, "strategies": list, "delay": (int, float), "concurrency": int}
OPTIONAL = {"module": str, "article_path": str, "listing_pages": list, "site_names": list, "byline": str,
            "not_a_date": list, "selectors": dict, "verified": bool}


class RegistryError(ValueError):
    """An entry of the registry is wrong: the message names the file, the entry and the field."""


@dataclass
class Source:
    id: str
    name: str
    publisher: str
    type: str
    region: str | None
    hosts: list[str]
    canonical: str
    family: str
    strategies: list[str]
    delay: float
    concurrency: int
    module: str | None = None
    article_path: str | None = None
    listing_pages: list[str] = field(default_factory=list)
    site_names: list[str] = field(default_factory=list)
    byline: str | None = None
    not_a_date: list[str] | None = None
    selectors: dict[str, str] = field(default_factory=dict)
    # False: the entry's selectors were written against the replica only, not yet checked
    # against the real site (``pilkada-archive probe``); a crawl that names no source skips it.
    verified: bool = True

    @property
    def politeness(self) -> dict:
        return {"DOWNLOAD_DELAY": self.delay, "CONCURRENT_REQUESTS_PER_DOMAIN": self.concurrency}


def registry_text(location: str | None) -> tuple[str, str]:
    """(text, name) of the registry: the project's own, read as a resource of the installed
    ``spiders`` package (so that an egg deployed to scrapyd carries it, whatever the working
    directory), or any other file named by its path."""
    location = location or DEFAULT_REGISTRY
    try:
        if location == DEFAULT_REGISTRY:
            package, _, resource = location.partition("/")
            return files(package).joinpath(resource).read_text("utf-8"), location
        return Path(location).read_text("utf-8"), location
    except (ModuleNotFoundError, OSError) as error:
        raise RegistryError(f"source registry {location}: cannot be read ({error})") from None


def load_registry(location: str | None = None) -> list[Source]:
    """Every entry of the registry, checked; RegistryError on the first wrong one."""
    text, name = registry_text(location)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RegistryError(f"{name}: not valid TOML: {error}") from None
    if not data:
        raise RegistryError(f"{name}: no source in the registry")
    sources = [_entry(name, source_id, raw) for source_id, raw in data.items()]
    owner: dict[str, str] = {}
    for source in sources:
        for host in source.hosts:
            if host in owner:  # an article URL must belong to one source
                raise RegistryError(f"{name}: [{source.id}] hosts: {host} is already a host of [{owner[host]}]")
            owner[host] = source.id
    return sources


def _entry(registry: str, source_id: str, raw) -> Source:
    def fail(field_name: str, problem: str):
        raise RegistryError(f"{registry}: [{source_id}] {field_name}: {problem}")

    if not re.fullmatch(r"[a-z][a-z0-9_]{1,40}", source_id):
        fail("id", "wants lower-case letters, digits and _ (it is the spider's name)")
    if not isinstance(raw, dict):
        fail("entry", "is not a table")
    for key in raw:
        if key not in REQUIRED and key not in OPTIONAL:
            fail(key, f"unknown field (known: {', '.join([*REQUIRED, *OPTIONAL])})")
    for key, kind in {**REQUIRED, **OPTIONAL}.items():
        if key in REQUIRED and key not in raw:
            fail(key, "missing")
        value = raw.get(key)
        if key in raw and (not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool)):
            # (true is no number)
            fail(key, f"wants {getattr(kind, '__name__', 'a number')}, got {value!r}")
    for key in ("name", "publisher", "canonical", "family"):
        if not raw[key].strip():
            fail(key, "is empty")
    if raw["type"] not in PUBLISHER_TYPES:
        fail("type", f"{raw['type']!r} is not one of {', '.join(PUBLISHER_TYPES)}")
    if raw["region"] and raw["region"] not in gazetteer():
        fail("region", f"{raw['region']!r} is not a Kemendagri area code (indonesian/data/idn-area)")
    hosts = raw["hosts"]
    if not hosts or not all(isinstance(h, str) and re.fullmatch(r"[a-z0-9.-]+\.[a-z]{2,}", h) for h in hosts):
        fail("hosts", f"wants a list of lower-case host names, got {hosts!r}")
    canonical = urlsplit(raw["canonical"])
    if canonical.scheme != "https" or canonical.path not in ("", "/") or canonical.query:
        fail("canonical", f"wants an https origin like https://host, got {raw['canonical']!r}")
    if canonical.hostname not in hosts:
        fail("canonical", f"host {canonical.hostname!r} is not one of the hosts {hosts}")
    if raw["family"] not in FAMILIES:
        fail("family", f"{raw['family']!r} is not one of {', '.join(FAMILIES)}")
    if not raw["strategies"] or any(s not in ALL_STRATEGIES for s in raw["strategies"]):
        fail("strategies", f"wants some of {', '.join(ALL_STRATEGIES)}, got {raw['strategies']!r}")
    if not 0 <= raw["delay"] <= 600:
        fail("delay", f"wants seconds between 0 and 600, got {raw['delay']!r}")
    if not 1 <= raw["concurrency"] <= 64:
        fail("concurrency", f"wants 1 to 64 requests at once, got {raw['concurrency']!r}")
    family = FAMILIES[raw["family"]]
    if family is None and "module" not in raw:
        fail("module", f"family {raw['family']!r} has no shared spider: name the module of this source's spider")
    if family is not None and "module" in raw:
        fail("module", f"family {raw['family']!r} builds the spider from this entry: no module")
    base = family or {"article_path": None, "listing_pages": [], "selectors": {}}
    article_path = raw.get("article_path", base["article_path"])
    if family is not None and not article_path:
        fail("article_path", f"family {raw['family']!r} wants the path pattern of this site's articles")
    byline = raw.get("byline", base.get("byline"))
    for key in ("article_path", "byline"):
        pattern = byline if key == "byline" else article_path
        if pattern:
            try:
                compiled = re.compile(pattern)
            except re.error as error:
                fail(key, f"not a regular expression: {error}")
            if key == "byline" and not {"author", "date"} & set(compiled.groupindex):
                fail(key, "wants a named group author or date (or both)")
    selectors = {**base["selectors"], **raw.get("selectors", {})}
    for key, value in raw.get("selectors", {}).items():
        if key not in SELECTORS:
            fail(f"selectors.{key}", f"unknown selector (known: {', '.join(SELECTORS)})")
        try:
            css2xpath(value)
        except Exception as error:  # noqa: BLE001 - cssselect raises several kinds
            fail(f"selectors.{key}", f"not a CSS selector: {value!r} ({error})")
    if family is not None and not selectors.get("body"):
        fail("selectors.body", "the page's body selector is needed (its family has none)")
    listing_pages = raw.get("listing_pages", [p.format(canonical=raw["canonical"].rstrip("/"))
                                               for p in base["listing_pages"]])
    for url in listing_pages:
        if not isinstance(url, str) or host_of(url) not in hosts or not url.startswith("https://"):
            fail("listing_pages", f"{url!r} is not an https URL on the source's hosts")
    if "listing" in raw["strategies"] and family is not None and not (listing_pages and selectors.get("listing_item")):
        fail("listing_pages", "strategy listing wants listing pages and selectors.listing_item")
    for key in ("site_names", "not_a_date"):
        if key in raw and not all(isinstance(v, str) and v for v in raw[key]):
            fail(key, f"wants a list of text, got {raw[key]!r}")
    return Source(id=source_id, name=raw["name"], publisher=raw["publisher"], type=raw["type"],
                  region=raw["region"] or None, hosts=list(hosts), canonical=raw["canonical"].rstrip("/"),
                  family=raw["family"], strategies=list(raw["strategies"]), delay=float(raw["delay"]),
                  concurrency=raw["concurrency"], module=raw.get("module"), article_path=article_path,
                  listing_pages=list(listing_pages), site_names=list(raw.get("site_names", [])),
                  byline=byline, not_a_date=raw.get("not_a_date"), selectors=selectors,
                  verified=raw.get("verified", True))


class RegistryNewsSpider(NewsSpider):
    """The spider of a registry entry of an HTML family; its class attributes come from the entry."""

    SOURCE: Source
    SOURCE_HOSTS: tuple[str, ...] = ()  # every host of the entry (a mirror maps the canonical one)

    @classmethod
    def real_hosts(cls) -> list[str]:
        return list(cls.SOURCE_HOSTS)


def spider_class(source: Source) -> type[RegistryNewsSpider]:
    """A spider class for an entry of an HTML family."""
    attrs = {
        "name": source.id, "SOURCE": source, "SOURCE_HOSTS": tuple(source.hosts),
        "HOSTS": (("/", source.canonical),), "PREFERRED_HOSTS": (host_of(source.canonical),),
        "PUBLISHER_REGION": source.region, "PUBLICATION": source.name, "PUBLISHER": source.publisher,
        "PUBLISHER_TYPE": source.type, "LAYOUT_FAMILY": source.family,
        "HOME_URL": source.canonical + "/", "DISCOVERY_ROOTS": (source.canonical,),
        "DISCOVERY_STRATEGIES": tuple(source.strategies),
        "LISTING_PAGES": tuple(source.listing_pages), "ARTICLE_PATH": re.compile(source.article_path),
        "SITE_NAMES": tuple(source.site_names),
        "TITLE_SUFFIX": re.compile(r"\s+[-|–]\s+(" + "|".join(map(re.escape, source.site_names)) + r")\s*$", re.I)
        if source.site_names else None,
        "BYLINE": re.compile(source.byline) if source.byline else None,
        "custom_settings": source.politeness,
        "__doc__": f"{source.name} ({source.family} family; spiders/sources.toml).",
        "__module__": __name__,
    }
    if source.not_a_date is not None:
        attrs["NOT_A_DATE"] = tuple(source.not_a_date)
    attrs.update({SELECTORS[key]: value for key, value in source.selectors.items()})
    class_name = "".join(part.capitalize() for part in source.id.split("_")) + "Spider"
    return type(class_name, (RegistryNewsSpider,), attrs)


class RegistrySpiderLoader(SpiderLoader):
    """Scrapy's spider loader, with the registry: every source listed once, in registry order."""

    def __init__(self, settings):
        super().__init__(settings)
        try:
            self.sources = load_registry(settings.get("SOURCE_REGISTRY"))
            self._spiders = self._with_registry(self._spiders, self.sources)
        except RegistryError as error:
            # Nothing can run with a registry that is wrong: the whole process stops, as with a
            # usage error, rather than crawling the sources that happen to be right.
            print(f"pilkada-archive: {error}", file=sys.stderr)
            raise SystemExit(EXIT_USAGE) from None

    @staticmethod
    def _with_registry(found: dict, sources: list[Source]) -> dict:
        spiders = {}
        for source in sources:
            if source.module is None:
                spiders[source.id] = spider_class(source)
                continue
            cls = found.get(source.id)
            if cls is None or cls.__module__ != source.module:
                raise RegistryError(f"[{source.id}] module: {source.module} defines no spider named {source.id!r}")
            declared = set(cls.real_hosts())
            if declared != set(source.hosts):
                raise RegistryError(f"[{source.id}] hosts: the registry says {sorted(source.hosts)}, "
                                    f"{source.module} serves {sorted(declared)}")
            if (cls.PUBLISHER_REGION or None) != source.region:
                raise RegistryError(f"[{source.id}] region: the registry says {source.region!r}, "
                                    f"{source.module} says {cls.PUBLISHER_REGION!r}")
            cls.SOURCE = source
            cls.PUBLISHER_TYPE = source.type
            cls.LAYOUT_FAMILY = source.family
            cls.custom_settings = {**(cls.custom_settings or {}), **source.politeness}
            if hasattr(cls, "DISCOVERY_STRATEGIES"):  # an HTML spider: discovery as the entry says
                cls.DISCOVERY_STRATEGIES = tuple(s for s in source.strategies if s != "api")
            spiders[source.id] = cls
        unlisted = sorted(set(found) - set(spiders))
        if unlisted:
            raise RegistryError(f"[{unlisted[0]}] entry: spider {unlisted[0]!r} has no entry in the source registry")
        return spiders
