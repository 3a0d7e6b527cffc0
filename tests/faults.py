"""A fault proxy for the test suite: it stands between a crawl and the replica on loopback and
breaks chosen responses, reproducibly (a seed) and boundedly (a rate, a request window).

Faults: ``error`` (HTTP 500), ``drop`` (connection closed before any answer), ``empty`` (a 200
with no body), ``truncated`` (a 200 whose body stops halfway though its Content-Length
promised all of it), ``down`` (connection closed, for every request in a window), and
``mutate`` (the body rewritten by a function, e.g. a bad API entry).
"""

from __future__ import annotations

import random
import threading
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class FaultPlan:
    rate: float = 0.0  # share of requests that get one of ``kinds``
    kinds: tuple[str, ...] = ("error", "drop", "empty", "truncated")
    seed: int = 1
    only: str = ""  # path prefix the faults apply to ("" = every path)
    down_from: int | None = None  # requests number down_from .. down_until (of ``only``) fail as "down"
    down_until: int | None = None
    mutate: object = None  # callable(path, body: bytes) -> bytes, applied to every answer of ``only``
    seen: Counter = field(default_factory=Counter)
    injected: Counter = field(default_factory=Counter)
    count: int = 0

    def fault_for(self, path: str) -> str | None:
        if self.only and not path.startswith(self.only):
            return None
        self.count += 1
        self.seen[path] += 1
        if self.down_from is not None and self.down_from <= self.count <= (self.down_until or 10**9):
            return "down"
        # Seeded by path and attempt: a page that failed may work on a later attempt, and the same
        # run repeated breaks the same pages.
        draw = random.Random(f"{self.seed}:{path}:{self.seen[path]}")
        if path.endswith("robots.txt") or draw.random() >= self.rate:
            return None
        return draw.choice(self.kinds)


class FaultProxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, target: str, plan: FaultPlan):
        self.target, self.plan, self.lock = target.rstrip("/"), plan, threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def origins(self, names=("mmc_kobar", "kemendagri")) -> list[str]:
        """``--origin`` arguments that send each source through this proxy."""
        return [arg for name in names for arg in ("--origin", f"{name}={self.base}/{name}")]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass

    def do_GET(self):
        proxy: FaultProxy = self.server
        with proxy.lock:
            fault = proxy.plan.fault_for(self.path)
            if fault:
                proxy.plan.injected[fault] += 1
        if fault in ("drop", "down"):
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if fault == "error":
            return self._answer(500, "text/plain", b"injected fault")
        try:
            with urllib.request.urlopen(proxy.target + self.path, timeout=30) as upstream:
                status, ctype, body = upstream.status, upstream.headers.get("Content-Type", ""), upstream.read()
        except urllib.error.HTTPError as error:
            status, ctype, body = error.code, error.headers.get("Content-Type", ""), error.read()
        if status == 200 and proxy.plan.mutate and self.path.startswith(proxy.plan.only):
            body = proxy.plan.mutate(self.path, body)
        if fault == "empty" and status == 200:
            return self._answer(200, ctype, b"")
        if fault == "truncated" and status == 200:
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self._answer(status, ctype, body)

    def _answer(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
