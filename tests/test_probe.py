"""`pilkada-archive probe` against the replica in every layout family, and its saved fixtures."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from crawler.probe import Probe
from replica import zoo
from replica.server import serve
from tests.conftest import Replica
from tests.fixturekit import expected_path, parse_fixture

pytestmark = pytest.mark.slow  # servers and HTTP


@pytest.fixture(scope="module", params=("default", *zoo.FAMILIES))
def probed(request, tmp_path_factory):
    server = serve(0, layout=request.param)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    running = Replica(server)
    result = Probe("mmc_kobar", f"{running.base}/mmc_kobar").run()
    folder = tmp_path_factory.mktemp(f"fixtures-{request.param}")
    saved = result.save_fixtures(folder)
    yield request.param, running, result, saved
    server.shutdown()


def test_the_report_names_the_strategies_the_family_offers(probed):
    family, _, result, _ = probed
    report = result.report()
    working = {s for s, r in result.strategies.items() if r["articles"]}
    assert working - {"listing"} == set(zoo.DISCOVERY.get(family, ()))
    assert f"answering with articles: {', '.join(s for s in result.strategies if s in working)}" in report
    assert result.requests <= 20


def test_the_sample_is_parsed_as_the_replica_says(probed):
    _, running, result, _ = probed
    truth = {url: a for a in running.manifest()["articles"] for url in [a["url"], *a["aliases"]]}
    report = result.report()
    assert len(result.articles) == 3
    for article in result.articles:
        parsed, true = article["parsed"], truth[article["url"]]
        assert (parsed["title"], parsed["body"], parsed["published_date"]) == \
            (true["title"], true["body"], true["published_date"])
        assert f"title        {true['title']!r}" in report
        assert f"date         {true['published_date']} ({parsed['date_method']}" in report
        assert f"body         {len(true['body'])} characters" in report
    assert "LEAKED" not in report and "NOT PARSED" not in report


def test_saved_fixtures_pass_the_fixture_test(probed):
    _, running, _, saved = probed
    truth = {a["url"]: a for a in running.manifest()["articles"]}
    assert len(saved) == 3
    for page in saved:
        meta = page.with_name(page.name.replace(".page.html", ".meta.json"))
        parsed = parse_fixture(meta)
        assert parsed == json.loads(expected_path(meta).read_text("utf-8"))
        true = truth[json.loads(meta.read_text("utf-8"))["url"]]
        assert (parsed[0]["title"], parsed[0]["body"], parsed[0]["published_date"]) == \
            (true["title"], true["body"], true["published_date"])


def test_the_command_prints_the_report_and_exits_by_its_verdict(replica, tmp_path):
    command = [sys.executable, "-m", "crawler.cli", "probe", "mmc_kobar", "--origin", f"{replica.base}/mmc_kobar",
               "--save-fixtures", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "answering with articles: listing" in result.stdout
    assert len(list((tmp_path / "mmc_kobar").glob("*.expected.json"))) == 3
    nothing = subprocess.run([*command[:6], f"{replica.base}/nothing-here"], capture_output=True, text=True, timeout=120)
    assert nothing.returncode == 4 and "NONE (the source would be broken)" in nothing.stdout


def test_the_probe_fetches_nothing_robots_txt_disallows(probed):
    _, _, result, _ = probed
    assert not result.allowed("https://mmc.kotawaringinbaratkab.go.id/search?q=pilkada")  # Disallow: /search
    assert result.allowed("https://mmc.kotawaringinbaratkab.go.id/berita/x")
    assert sum(f.url.endswith("/robots.txt") for f in result.fetched) <= 2  # once per host
