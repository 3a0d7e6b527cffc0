"""Canonical URLs: the archive always stores the URL of the real site (https, lower-case host,
no tracking parameters, no fragment). Mirrors are mapped in ``crawler.origins``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|igshid|mc_[ce]id|_ga|ref|amp)$", re.I)


@lru_cache(maxsize=32768)  # a pure function of the string; a crawl meets most URLs more than once
def canonical_url(url: str) -> str:
    """https, lower-case host, no default port, no fragment, no tracking parameters, and the
    rest in w3lib's canonical form (query arguments sorted, percent-encoding normalised; MMC
    slugs keep their meaningful trailing ``-`` and their typos). A port that is not a number
    is dropped, never an error: links on a page can be anything."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not TRACKING_PARAMS.match(k)]
    return canonicalize_url(urlunsplit(("https", host, parts.path or "/", urlencode(query), "")))


@lru_cache(maxsize=32768)
def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
