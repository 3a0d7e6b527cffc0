"""Structured data and the generic extractor, shared by the HTML spiders.

Order of trust: JSON-LD, then OpenGraph / article meta tags, then the spider's own selectors,
then :func:`generic_paragraphs` (every paragraph of the page that is not navigation).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from lxml import etree
from parsel import Selector, SelectorList
from parsel.selector import _ctgroup

from indonesian.dates import FULL_DATE, NUMERIC_DATE
from indonesian.text import clean_text, clean_whitespace

DIGIT = re.compile(r"\d")
LINE_BREAK = "\ue000"  # a private-use character standing for <br> (Drupal separates paragraphs with it)


# Queries on the lxml tree directly, compiled once: a parsel query builds an XPath evaluator and
# wraps every result in a Selector, which cost more than the matching itself on every page.
_TRANSLATOR = _ctgroup["html"]["_csstranslator"]  # the translator parsel uses for HTML


@lru_cache(maxsize=1024)
def _compiled(query: str, css: bool) -> etree.XPath:
    return etree.XPath(_TRANSLATOR.css_to_xpath(query) if css else query, smart_strings=False)


def css_all(nodes, query: str) -> list:
    """``nodes.css(query)`` for a response, a selector, a list of selectors or an lxml element, as raw lxml results
    (elements, or strings for ``::text`` and ``::attr()``), in the same order."""
    return _evaluate(nodes, _compiled(query, True))


def xpath_all(nodes, query: str) -> list:
    """``nodes.xpath(query)`` as raw lxml results (see :func:`css_all`)."""
    return _evaluate(nodes, _compiled(query, False))


def _evaluate(nodes, compiled: etree.XPath) -> list:
    if isinstance(nodes, etree._Element):
        return compiled(nodes)
    if isinstance(nodes, list):  # a SelectorList
        return [found for node in nodes for found in compiled(node.root)]
    return compiled(nodes.selector.root if hasattr(nodes, "selector") else nodes.root)


def wrap(like, elements: list) -> SelectorList:
    """lxml elements as the selectors a query of ``like`` (a response or selector) would return."""
    cls = type(like.selector if hasattr(like, "selector") else like)
    return SelectorList([cls(root=e, type="html") for e in elements])


LD_TEXT_FIELDS = ("headline", "name", "datePublished", "dateModified", "description")


def json_ld(response) -> dict:
    """The first NewsArticle-like JSON-LD object on the page, or ``{}``. Its text fields are
    text or absent: a headline that is an object or a list is no evidence, never a crash."""
    for raw in _scripts(response, "type", "application/ld+json"):
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        nodes = data if isinstance(data, list) else data.get("@graph", [data]) if isinstance(data, dict) else []
        for node in nodes if isinstance(nodes, list) else []:
            if isinstance(node, dict) and str(node.get("@type", "")).endswith("Article"):
                return {k: v for k, v in node.items()
                        if k not in LD_TEXT_FIELDS or (isinstance(v, str) and v.strip())}
    return {}


def _scripts(response, attribute: str, value: str) -> list[str]:
    """The text of every ``<script attribute="value">`` in document order, like
    ``response.css('script[attribute="value"]::text').getall()`` on the lxml tree directly."""
    return [script.text for script in response.selector.root.iter("script")
            if script.get(attribute) == value and script.text]


class _PageMeta:
    """The ``<meta>`` tags of the page last asked about, read in one pass over the tree: a page
    is asked about a dozen names, and each CSS query would walk the whole tree again."""

    root = None
    first: dict[str, str] = {}
    tags: list = []

    @classmethod
    def of(cls, response) -> _PageMeta:
        root = response.selector.root
        if cls.root is not root:
            tags = list(root.iter("meta"))
            first: dict[str, str] = {}
            for tag in tags:
                content = tag.get("content")
                if content is None:
                    continue
                for key in (tag.get("property"), tag.get("name")):
                    if key is not None and key not in first:
                        first[key] = content
            cls.root, cls.first, cls.tags = root, first, tags
        return cls


def meta(response, name: str) -> str | None:
    """The first ``<meta property=name>`` or ``<meta name=name>`` with a ``content`` (document
    order), stripped; None when there is none or it is empty."""
    value = _PageMeta.of(response).first.get(name)
    return value.strip() if value else None


def ld_author(data: dict) -> str | None:
    author = data.get("author")
    if isinstance(author, list):
        author = author[0] if author else None
    if isinstance(author, dict):
        author = author.get("name")
    return author if isinstance(author, str) else None


def ld_images(data: dict) -> list[str]:
    image = data.get("image") or []
    images = image if isinstance(image, list) else [image]
    urls = [i.get("url") if isinstance(i, dict) else i for i in images]
    return [u for u in urls if isinstance(u, str) and u]


def generic_paragraphs(response) -> list[str]:
    """Every text block of the page outside navigation, header, footer and sidebars."""
    root = response.xpath("//body")
    for node in root.css("nav, header, footer, aside, script, style, form, .share, .share-buttons"):
        node.drop()
    return [t for t in block_texts(root) if len(t.split()) >= 4]


def html_to_paragraphs(html: str) -> tuple[list[str], list[str]]:
    """Paragraphs and figure captions of an HTML fragment (e.g. Kemendagri's ``blog_desc``)."""
    root = Selector(text=f"<div id='__root'>{clean_text(html)}</div>")
    captions = [clean_whitespace(" ".join(c.css("::text").getall()))
                for c in root.css("figcaption, .caption, .wp-caption-text")]
    for node in root.css("figcaption, .caption, .wp-caption-text, script, style"):
        node.drop()
    paragraphs = block_texts(root.css("#__root"))
    return paragraphs, [c for c in captions if c]


BLOCK_TAGS_INNER = {"p", "h2", "h3", "h4", "h5", "li", "blockquote", "pre"}
NESTED_BLOCKS = ("p", "div", "li")


def block_texts(container) -> list[str]:
    """The text of each innermost block element below ``container``, in document order.

    A ``<br>`` splits a block into paragraphs (Drupal pages separate paragraphs with it).
    Works on the lxml tree directly: parsel selectors per node cost ten times as much.
    """
    texts: list[str] = []
    for selector in container:
        root = selector.root
        for br in root.iter("br"):
            if not (br.tail or "").startswith(LINE_BREAK):
                br.tail = LINE_BREAK + (br.tail or "")
        _collect(root, texts)
    return texts


def _collect(element, texts: list[str]) -> None:
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in ("script", "style"):
            continue
        if tag in BLOCK_TAGS_INNER or (tag == "div" and not any(
                True for inner in child.iter(*NESTED_BLOCKS) if inner is not child)):
            raw = etree.tostring(child, method="text", encoding=str, with_tail=False)
            for chunk in raw.split(LINE_BREAK):
                text = clean_whitespace(chunk)
                if text:
                    texts.append(text)
        else:
            _collect(child, texts)


# Layout-independent extraction: what a page says about itself whatever its class names. -------

ARTICLE_KEYS = ("content", "body", "articleBody", "article_body", "html", "isi")
TITLE_KEYS = ("title", "headline", "judul", "name")
DATE_KEYS = ("publishedAt", "published_at", "datePublished", "date_published", "publishDate",
             "createdAt", "created_at", "date", "tanggal")
PUBLISHED_META = ("article:published_time", "og:published_time", "datePublished", "pubdate",
                  "publishdate", "publish-date", "DC.date.issued", "dcterms.created", "date")
OUTSIDE_ARTICLE = {"aside", "nav", "footer", "form"}
MEDIA_TAGS = ("img", "amp-img", "picture", "video", "iframe")


def next_data(response) -> dict:
    """The article object of a Next.js page (``<script id="__NEXT_DATA__">``), or ``{}``.

    Next.js puts the page's data under ``props.pageProps`` with names the site chooses; the
    article is the first object holding a title-like and a body-like string.
    """
    raw = next(iter(_scripts(response, "id", "__NEXT_DATA__")), None)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    stack = [data.get("props", data)]
    while stack:
        node = stack.pop(0)
        if isinstance(node, dict):
            title = next((node[k] for k in TITLE_KEYS if isinstance(node.get(k), str)), None)
            body = next((node[k] for k in ARTICLE_KEYS if isinstance(node.get(k), str) and len(node[k]) > 200), None)
            if title and body:
                date = next((node[k] for k in DATE_KEYS if isinstance(node.get(k), str)), None)
                return {"title": title, "body": body, "date": date}
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return {}


def _outside_article(element) -> bool:
    return any(isinstance(a.tag, str) and a.tag in OUTSIDE_ARTICLE for a in element.iterancestors())


def microdata_date(response) -> str | None:
    """``itemprop="datePublished"`` (microdata) or RDFa ``dc:created``/``dc:date`` (Drupal 7)."""
    # One walk of the tree for the elements with either attribute (an existence test is cheap in
    # libxml2, the string tests are not), the tests in Python: the same nodes in the same
    # (document) order as '//*[@itemprop="datePublished" or contains(concat(" ", @property, " "),
    # " dc:created ") or contains(concat(" ", @property, " "), " dc:date ")]'.
    for node in xpath_all(response, "//*[@itemprop or @property]"):
        attrib = node.attrib
        spaced = f" {attrib.get('property', '')} "
        if not (attrib.get("itemprop") == "datePublished" or " dc:created " in spaced or " dc:date " in spaced):
            continue
        value = attrib.get("content") or attrib.get("datetime")
        if value and not _outside_article(node):
            return value.strip()
    return None


def published_meta(response) -> str | None:
    for name in PUBLISHED_META:
        if value := meta(response, name):
            return value
    return next((tag.get("content") for tag in _PageMeta.of(response).tags
                 if tag.get("itemprop") == "datePublished" and tag.get("content") is not None), None)


def time_datetime(response) -> str | None:
    """The first ``<time datetime>`` of the article (not of a sidebar, menu or footer)."""
    for node in css_all(response, "time[datetime]"):
        if not _outside_article(node):
            return node.attrib["datetime"].strip()
    return None


def densest_block(response, minimum_words: int = 20) -> SelectorList:
    """The element whose own paragraphs hold the most text: the article body when no selector
    names it. ``<p>`` children count (link text against them: a list of links is not prose).

    A one-element ``SelectorList``, or an empty one when no element outside menus, sidebars and
    footers has two paragraphs and ``minimum_words`` in all.
    """
    best, best_score = None, 0
    for element in xpath_all(response, "//body//*[p]"):
        if element.tag in OUTSIDE_ARTICLE or _outside_article(element):
            continue
        texts = [" ".join(p.itertext()).strip() for p in element if p.tag == "p"]
        linked = sum(len(" ".join(a.itertext())) for p in element if p.tag == "p" for a in p.iter("a"))
        score = sum(len(t) for t in texts) - 2 * linked
        words = sum(len(t.split()) for t in texts)
        if score > best_score and words >= minimum_words and len([t for t in texts if t]) >= 2:
            best, best_score = element, score
    return wrap(response, [best] if best is not None else [])


def largest(nodes: SelectorList) -> SelectorList:
    """Of the elements a source's body selector matches, the one with the most text (a Drupal
    node has a ``.field-item`` per field: image, body, tags)."""
    if len(nodes) <= 1:
        return nodes
    return SelectorList([max(nodes, key=lambda n: len(" ".join(n.root.itertext()).strip()))])


def media_blocks(container) -> list:
    """Children of the body that hold a photo: their text is the photo's caption."""
    found = []
    for node in container:
        for child in xpath_all(node, "./*"):
            if child.tag != "p" and any(True for _ in child.iter(*MEDIA_TAGS)):
                found.extend(wrap(node, [child]))
    return found


def title_heading(response, body_node=None, page_title: str = "") -> str | None:
    """The heading that names the article: one whose text the page's ``<title>`` contains, else
    the ``<h1>`` nearest before the body (document order), never a sidebar's heading."""
    headings = [h for h in xpath_all(response, "//body//*[self::h1 or self::h2 or self::h3 or self::h4]")
                if not _outside_article(h)]
    texts = [(h, clean_whitespace(" ".join(h.itertext()))) for h in headings]
    key = clean_whitespace(page_title).lower()
    in_title = [t for h, t in texts if len(t) > 10 and t.lower() in key]
    if in_title:
        return max(in_title, key=len)
    h1s = [(h, t) for h, t in texts if h.tag == "h1" and t]
    if not h1s:
        return None
    if body_node is not None:
        order = {e: i for i, e in enumerate(xpath_all(response, "//body")[0].iter())}
        body_at = order.get(body_node.root, 0)
        before = [(order.get(h, 0), t) for h, t in h1s if order.get(h, 0) < body_at]
        if before:
            return max(before)[1]
    return h1s[0][1]


def header_date_line(response, title: str | None, body_node=None) -> str | None:
    """A visible line that is mostly a full date (with year), nearest to the title in the DOM.

    Header regions differ per theme ("Diposting pada 17 Januari 2023", "<i class=fa-calendar>
    Selasa, 17 Januari 2023 | 09:30 WIB", "17/01/2023 09:30"); what they share is a short text
    node holding a date, a few steps from the title element, outside the body, menus, sidebars,
    footers and photo captions. Distance: steps up to the common ancestor and down again.
    """
    if not title:
        return None
    body = xpath_all(response, "//body")
    if not body:
        return None
    target = clean_whitespace(title).lower()
    title_node = next((e for e in body[0].iter("h1", "h2", "h3", "h4")
                       if clean_whitespace(" ".join(e.itertext())).lower() == target), None)
    if title_node is None:
        return None
    title_path = [title_node, *title_node.iterancestors()]
    depth_of = {e: len(title_path) - 1 - i for i, e in enumerate(title_path)}
    skip = body_node.root if body_node is not None else None
    best = None
    for node in body[0].iter(etree.Element):  # elements only, not comments
        # A text node belongs to its element (``.text``) or, after a child, to the parent (``.tail``).
        # Both date patterns need a digit, and cleaning never makes one: most text is skipped.
        if (raw := node.text) and DIGIT.search(raw):
            best = _header_candidate(best, node, raw, title_path, depth_of, skip)
        if (raw := node.tail) and DIGIT.search(raw):
            best = _header_candidate(best, node.getparent(), raw, title_path, depth_of, skip)
    return best[1] if best else None


def _header_candidate(best, element, raw, title_path, depth_of, skip):
    text = clean_whitespace(raw)
    if element is None or not text or len(text) > 90 or element.tag in ("script", "style"):
        return best
    if FULL_DATE.search(text) or NUMERIC_DATE.search(text):
        return _nearer(best, element, text, title_path, depth_of, skip)
    return best


def _nearer(best, element, text, title_path, depth_of, skip):
    ancestors = [element, *element.iterancestors()]
    if any(True for a in ancestors[:2] for _ in a.iter(*MEDIA_TAGS)):
        return best  # a photo's caption, whatever its markup
    if (skip is not None and skip in ancestors) or _outside_article(element) or any(
            isinstance(a.tag, str) and a.tag in ("figure", "figcaption") for a in ancestors):
        return best
    common = next((a for a in ancestors if a in depth_of), None)
    if common is None:
        return best
    distance = ancestors.index(common) + (len(title_path) - 1 - depth_of[common])
    if distance <= 6 and (best is None or distance < best[0]):
        return (distance, text)
    return best


def strip_site_name(page_title: str, site_names: tuple[str, ...]) -> str:
    """``<title>`` without the site's name before or after it ("MMC Kobar - X", "X | MMC Kobar")."""
    text = clean_whitespace(page_title)
    for name in site_names:
        text = re.sub(rf"^\s*{re.escape(name)}\s*[-|–—:]\s*|\s*[-|–—:]\s*{re.escape(name)}\s*$", "", text, flags=re.I)
    return text


def weekday_full_dates(paragraphs: list[str]) -> list[str]:
    """"Senin, 23 Juli 2018" in the first paragraphs: a weekday, then a written-out full date.

    The lead states the report's day this way on about one page in seven (real-text-facts.md);
    a written-out date without its weekday is more often a schedule, so it is not taken.
    """
    from indonesian.dates import FULL_DATE, WEEKDAY_BEFORE

    found = []
    for paragraph in paragraphs[:2]:
        for match in FULL_DATE.finditer(paragraph):
            before = WEEKDAY_BEFORE.search(paragraph[max(0, match.start() - 12): match.start()])
            if before:
                found.append(paragraph[match.start() - len(before[0]): match.end()])
    return found
