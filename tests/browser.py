"""Browser-test helpers: an archive served by `pilkada-archive serve` and a real Chromium page
that may only talk to loopback. Registered for every test module by ``tests/conftest.py``
(fixtures ``server`` and ``page``); ``serving`` and ``chromium`` serve and browse any archive.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

import pytest
from playwright import sync_api as playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
                 "--disable-extensions", "--disable-quic"]


@contextmanager
def serving(db_path, *extra: str):
    """`pilkada-archive serve` on a free loopback port; yields its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "crawler.cli", "serve", "--db", str(db_path),
                                "--port", str(port), *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "datasette did not start"
                assert process.poll() is None, "datasette exited"
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def chromium(**page_options):
    """A headless Chromium page; requests to anything but loopback are aborted and listed in
    ``page.outside_requests``."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "Chromium is missing: `make test` installs it (apt package chromium)"
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, **page_options)
        outside = []

        def only_loopback(route):
            if route.request.url.startswith("http://127.0.0.1"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", only_loopback)
        page.outside_requests = outside
        try:
            yield page
        finally:
            browser.close()


@pytest.fixture(scope="module")
def server(crawled):
    """The default replica's archive, served."""
    with serving(crawled[0]) as base:
        yield base


@pytest.fixture(scope="module")
def page(server):
    with chromium() as opened:
        yield opened
