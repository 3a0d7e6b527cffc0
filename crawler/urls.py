"""Canonical URLs and the mapping between the real sites and a mirror of them.

The archive always stores the URL of the real site (https, lower-case host, no tracking
parameters, no fragment). A crawl may fetch from a mirror instead (the replica, a cache): the
mirror serves the same paths below its own origin, and a spider's ``HOSTS`` table says which
real host each path belongs to, so a fetched URL can be turned back into the canonical one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Mirror:
    """Where to fetch a source from, and how to name what was fetched.

    ``hosts`` maps a path prefix to the real origin that serves it, most specific first; the
    first entry is the default. With no ``origin`` the real sites are fetched directly.
    """

    hosts: tuple[tuple[str, str], ...]
    origin: str | None = None

    def fetch_url(self, canonical: str) -> str:
        """The URL to request for a canonical URL (itself when there is no mirror)."""
        if not self.origin:
            return canonical
        parts = urlsplit(canonical)
        tail = urlunsplit(("", "", parts.path, parts.query, ""))
        return self.origin.rstrip("/") + tail

    def canonical(self, fetched: str) -> str:
        """The canonical real-site URL for a URL fetched from the mirror (or the real site)."""
        if not self.origin or not fetched.startswith(self.origin.rstrip("/")):
            return canonical_url(fetched)
        tail = fetched[len(self.origin.rstrip("/")):] or "/"
        path = urlsplit(tail).path
        real = next((origin for prefix, origin in self.hosts if path.startswith(prefix)),
                    self.hosts[0][1])
        return canonical_url(real + tail)

    def is_mirrored(self) -> bool:
        return bool(self.origin)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
