"""Fetching a source from a mirror: canonical real-site URLs in, mirror URLs on the wire.

A crawl may fetch from a mirror instead of the real site (the replica, a cache): the mirror
serves the same paths below its own origin, and a source's ``HOSTS`` table says which real host
each path belongs to, so a fetched URL can be turned back into the canonical one.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from indonesian.urls import canonical_url


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
