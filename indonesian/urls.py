"""Canonical URLs: the archive always stores the URL of the real site (https, lower-case host,
no tracking parameters, no fragment). Mirrors are mapped in ``crawler.origins``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|igshid|mc_[ce]id|_ga|ref|amp)$", re.I)


def canonical_url(url: str) -> str:
    """https, lower-case host, no default port, no fragment, no tracking parameters.

    The path is kept byte for byte: MMC slugs end in a meaningful ``-`` and keep typos.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not TRACKING_PARAMS.match(k)]
    path = parts.path or "/"
    return urlunsplit(("https", host, path, urlencode(query), ""))


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
