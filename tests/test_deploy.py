"""Deploying to scrapyd: ``scrapyd-deploy`` packs an egg from this checkout, a scrapyd started
here runs the spiders from that egg, and the crawl it schedules fills the archive exactly as
``pilkada-archive crawl`` does.

Needs the "scale" extra (``bash .ci/test-deps`` installs it).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import tomllib
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler.replay import spider_names
from tests.conftest import assert_archive_matches

pytestmark = pytest.mark.slow

CHECKOUT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PROJECT = "pilkada_archive"  # scrapy.cfg [deploy] project


def build_egg(target: Path) -> Path:
    result = subprocess.run([BIN / "scrapyd-deploy", "--build-egg", str(target)], cwd=CHECKOUT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return target


def test_the_egg_carries_the_product_and_its_data_files(tmp_path):
    egg = build_egg(tmp_path / "pilkada.egg")
    with zipfile.ZipFile(egg) as packed:
        names = packed.namelist()
        entry_points = packed.read("EGG-INFO/entry_points.txt").decode()
    assert "[scrapy]\nsettings = crawler.settings" in entry_points
    assert {n.split("/")[0] for n in names if not n.startswith("EGG-INFO/")} == \
        {"indonesian", "archive", "crawler", "spiders"}
    data = sorted(p.relative_to(CHECKOUT / "indonesian").as_posix()
                  for p in (CHECKOUT / "indonesian" / "data").rglob("*") if p.is_file())
    assert sorted(n.removeprefix("indonesian/") for n in names if n.startswith("indonesian/data/")) == data
    # importlib.resources reads the data out of the zipped egg: a Python without site-packages
    # (-S: neither the editable install nor the checkout) and the egg alone on its path.
    probe = ("import json, sys; sys.path.insert(0, sys.argv[1]); "
             "import indonesian.regions as r, indonesian.tagging as t, indonesian.text as x; "
             "print(json.dumps({'file': r.__file__, 'regions': len(r.gazetteer()), "
             "'names': len(r._index()[0]), 'threshold': t.lexicon()['threshold'], 'rules': x.rules()}))")
    result = subprocess.run([sys.executable, "-S", "-c", probe, str(egg)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    read = json.loads(result.stdout)
    assert read["file"] == f"{egg}/indonesian/regions.py"
    data_dir = CHECKOUT / "indonesian" / "data"
    assert read["regions"] == sum(len((data_dir / f"idn-area/{n}.csv").read_text("utf-8").splitlines()) - 1
                                  for n in ("provinces", "regencies", "districts"))
    assert read["names"] > read["regions"] / 2  # the name index (gazetteer + regions.toml) was built
    assert read["threshold"] == tomllib.loads((data_dir / "election.toml").read_text("utf-8"))["threshold"]
    assert read["rules"] == tomllib.loads((data_dir / "boilerplate.toml").read_text("utf-8"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def api(base: str, endpoint: str, **fields) -> dict:
    """GET with query fields, or POST when ``fields`` has a ``_post`` list of pairs."""
    pairs = fields.pop("_post", None)
    if pairs is None:
        url = f"{base}/{endpoint}?{urllib.parse.urlencode(fields)}"
        request = urllib.request.Request(url)
    else:
        request = urllib.request.Request(f"{base}/{endpoint}", data=urllib.parse.urlencode(pairs).encode())
    with urllib.request.urlopen(request, timeout=10) as answer:
        reply = json.load(answer)
    assert reply["status"] == "ok", reply
    return reply


@pytest.fixture
def scrapyd(tmp_path):
    """A scrapyd of its own in a temp dir, on a free loopback port, one job at a time (one
    archive takes one crawl at a time). Yields its base URL; stopped at the end."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    for _attempt in range(3):  # the free port can be taken between probing and binding
        port = free_port()
        (home / "scrapyd.conf").write_text(
            f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\nmax_proc = 1\npoll_interval = 0.5\n")
        log = open(home / "scrapyd.log", "w")  # noqa: SIM115 - closed below
        process = subprocess.Popen([BIN / "scrapyd"], cwd=home, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < deadline:
            try:
                api(base, "daemonstatus.json")
                break
            except OSError:
                time.sleep(0.2)
        else:
            process.kill()
            process.wait(timeout=10)
            log.close()
            continue
        try:
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            log.close()
        return
    pytest.fail("scrapyd did not start: " + (home / "scrapyd.log").read_text()[-2000:])


def test_deploy_then_schedule_both_sources_through_the_http_api(scrapyd, replica, tmp_path):
    # The repository's scrapy.cfg [deploy] gives the project; the machine's own target (here a
    # config of this test, read like ~/.config/scrapy.cfg) gives this scrapyd's URL.
    config_home = tmp_path / "config"
    config_home.mkdir()
    (config_home / "scrapy.cfg").write_text(f"[deploy:here]\nurl = {scrapyd}/\n")
    env = {**os.environ, "XDG_CONFIG_HOME": str(config_home)}
    deployed = subprocess.run([BIN / "scrapyd-deploy", "here", "--version", "r1"], cwd=CHECKOUT, env=env,
                              capture_output=True, text=True, timeout=120)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    # Every source of the registry: the egg carries spiders/sources.toml and the loader builds them.
    assert json.loads(deployed.stdout)["spiders"] == len(spider_names()) == 6
    assert api(scrapyd, "listspiders.json", project=PROJECT)["spiders"] == sorted(spider_names())

    db = tmp_path / "archive.db"
    origins = {name: spec["args"]["origin"] for name, spec in replica.manifest()["spiders"].items()}
    jobs = {}
    for spider, origin in sorted(origins.items()):
        reply = api(scrapyd, "schedule.json", _post=[
            ("project", PROJECT), ("spider", spider), ("setting", f"ARCHIVE_DB={db}"), ("origin", origin)])
        jobs[reply["jobid"]] = spider

    deadline = time.monotonic() + 240
    while True:
        listed = api(scrapyd, "listjobs.json", project=PROJECT)
        finished = {job["id"]: job for job in listed["finished"]}
        if set(jobs) <= set(finished):
            break
        assert time.monotonic() < deadline, f"jobs not finished in 240 s: {listed}"
        time.sleep(0.5)

    for job_id, spider in jobs.items():
        with urllib.request.urlopen(scrapyd + finished[job_id]["log_url"], timeout=10) as answer:
            log = answer.read().decode("utf-8")
        stats = log.rsplit("Dumping Scrapy stats:", 1)[-1]
        assert re.search(r"'archive/exit_code': 0,", stats), (spider, log[-3000:])
        assert re.search(r"'finish_reason': 'finished',", stats), spider

    assert_archive_matches(db, replica.manifest())
    runs = list(Database(db).query("select source, origin, health, exit_code, finish_reason from crawl_runs "
                                   "order by source"))
    assert runs == [{"source": name, "origin": origins[name], "health": "ok", "exit_code": 0,
                     "finish_reason": "finished"} for name in sorted(origins)]
