"""The source registry (spiders/sources.toml): every source is an entry, every entry is checked,
and a wrong entry stops everything with exit 2, naming the entry and the field."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from crawler.registry import PUBLISHER_TYPES, RegistryError, load_registry
from crawler.replay import spider_class, spider_names
from indonesian.regions import gazetteer
from tests.fixturekit import FIXTURES, parse_fixture

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "spiders" / "sources.toml"
NEW_SOURCES = ["mmc_kalteng", "dukcapil", "kpu_kayongutara", "dukcapil_purworejo"]


def test_every_spider_is_a_registry_entry_in_registry_order():
    entries = load_registry()
    assert spider_names() == [e.id for e in entries]
    assert spider_names()[:2] == ["mmc_kobar", "kemendagri"]
    assert set(NEW_SOURCES) <= set(spider_names())


def test_entries_carry_the_facts_the_issue_asks_for():
    areas = gazetteer()
    for entry in load_registry():
        assert entry.type in PUBLISHER_TYPES
        assert entry.region is None or entry.region in areas
        cls = spider_class(entry.id)
        assert set(cls.real_hosts()) == set(entry.hosts)
        assert cls.description()["publisher_type"] == entry.type
        assert cls.description()["publisher_region"] == entry.region
        assert cls.custom_settings["DOWNLOAD_DELAY"] == entry.delay
    kinds = {e.id: (e.type, e.region, e.family) for e in load_registry()}
    assert kinds["kpu_kayongutara"] == ("kpu", "61.11", "kpu")  # Kabupaten Kayong Utara
    assert kinds["dukcapil_purworejo"] == ("regency", "33.06", "wordpress")  # Kabupaten Purworejo
    assert kinds["mmc_kalteng"][1] == "62" and kinds["dukcapil"][1] is None


def test_module_spiders_keep_their_behaviour():
    """The registry adds facts to the two spiders with code of their own, and nothing else."""
    kobar, kemendagri = spider_class("mmc_kobar"), spider_class("kemendagri")
    assert kobar.__module__ == "spiders.mmc_kobar" and kemendagri.__module__ == "spiders.kemendagri"
    assert kobar.DISCOVERY_STRATEGIES == ("robots_sitemap", "sitemap", "feed", "wp_json", "drupal_node", "listing",
                                          "crawl")
    # The project's polite defaults, unchanged: 2 s apart, one request at a time per host.
    assert kobar.custom_settings == {"DOWNLOAD_DELAY": 2.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}


def test_a_family_spider_uses_only_its_entry_strategies():
    from crawler.replay import offline_spider

    _, spider = offline_spider("kpu_kayongutara")
    spider.settings = spider.crawler.settings
    requests = list(spider.discovery_start())
    assert [r.meta["strategy"] for r in requests] == ["listing"]
    assert requests[0].url == "https://kab-kayongutara.kpu.go.id/index.php/blog/category/104"


def _registry_with(tmp_path, source: str, **changes) -> Path:
    data = tomllib.loads(REGISTRY.read_text("utf-8"))
    for key, value in changes.items():
        if value is None:
            del data[source][key]
        else:
            data[source][key] = value
    path = tmp_path / "sources.toml"
    path.write_text(_toml(data), "utf-8")
    return path


def _toml(data: dict) -> str:
    import json

    lines = []
    for source, entry in data.items():
        tables = {k: v for k, v in entry.items() if isinstance(v, dict)}
        lines.append(f"[{source}]")
        lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in entry.items() if k not in tables]
        for name, table in tables.items():
            lines.append(f"[{source}.{name}]")
            lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def test_the_registry_round_trips_through_the_test_writer(tmp_path):
    assert load_registry(str(_registry_with(tmp_path, "mmc_kalteng"))) == load_registry()


@pytest.mark.parametrize("source, changes, words", [
    ("mmc_kalteng", {"region": "62.99"}, "[mmc_kalteng] region: '62.99' is not a Kemendagri area code"),
    ("mmc_kalteng", {"type": "newspaper"}, "[mmc_kalteng] type: 'newspaper' is not one of"),
    ("mmc_kalteng", {"family": "joomla"}, "[mmc_kalteng] family: 'joomla' is not one of"),
    ("mmc_kalteng", {"strategies": ["listing", "rss"]}, "[mmc_kalteng] strategies:"),
    ("mmc_kalteng", {"canonical": "https://example.org"}, "[mmc_kalteng] canonical: host 'example.org'"),
    ("mmc_kalteng", {"canonical": "http://mmc.kalteng.go.id"}, "[mmc_kalteng] canonical: wants an https origin"),
    ("mmc_kalteng", {"hosts": []}, "[mmc_kalteng] hosts:"),
    ("mmc_kalteng", {"delay": -1}, "[mmc_kalteng] delay:"),
    ("mmc_kalteng", {"concurrency": 0}, "[mmc_kalteng] concurrency:"),
    ("mmc_kalteng", {"concurrency": "2"}, "[mmc_kalteng] concurrency: wants int"),
    ("mmc_kalteng", {"delay": True}, "[mmc_kalteng] delay: wants a number"),
    ("mmc_kalteng", {"selectors": {"body": ".isi-berita >> p"}}, "[mmc_kalteng] selectors.body: not a CSS selector"),
    ("dukcapil", {"hosts": ["dukcapil.kemendagri.go.id", "mmc.kalteng.go.id"]},
     "[dukcapil] hosts: mmc.kalteng.go.id is already a host of [mmc_kalteng]"),
    ("mmc_kalteng", {"article_path": "^/berita/read/(\\d+"}, "[mmc_kalteng] article_path: not a regular expression"),
    ("mmc_kalteng", {"byline": "^Kontribusi dari (.+)"}, "[mmc_kalteng] byline: wants a named group"),
    ("mmc_kalteng", {"name": None}, "[mmc_kalteng] name: missing"),
    ("mmc_kalteng", {"selectors": {"body": ".isi", "titel": "h1"}}, "[mmc_kalteng] selectors.titel: unknown selector"),
    ("mmc_kalteng", {"listing_pages": ["https://example.org/berita"]}, "[mmc_kalteng] listing_pages:"),
    ("mmc_kalteng", {"delai": 2}, "[mmc_kalteng] delai: unknown field"),
    ("mmc_kalteng", {"module": "spiders.mmc_kobar"}, "[mmc_kalteng] module: family 'codeigniter' builds"),
    ("kemendagri", {"module": None}, "[kemendagri] module: family 'json_api' has no shared spider"),
    ("mmc_kalteng", {"verified": "no"}, "[mmc_kalteng] verified: wants bool"),
    ("dukcapil_purworejo", {"region": "33"}, None),  # a province code is an area code too: accepted
])
def test_a_wrong_entry_names_the_entry_and_the_field(tmp_path, source, changes, words):
    path = _registry_with(tmp_path, source, **changes)
    if words is None:
        assert [e.region for e in load_registry(str(path)) if e.id == source] == ["33"]
        return
    with pytest.raises(RegistryError) as error:
        load_registry(str(path))
    assert words in str(error.value)
    assert str(path) in str(error.value)


def test_a_module_entry_must_agree_with_its_spider(tmp_path):
    from scrapy.settings import Settings

    from crawler.registry import RegistrySpiderLoader

    path = _registry_with(tmp_path, "mmc_kobar", region="62.02")
    with pytest.raises(SystemExit) as stopped:
        RegistrySpiderLoader(Settings({"SPIDER_MODULES": ["spiders"], "SOURCE_REGISTRY": str(path)}))
    assert stopped.value.code == 2
    data = tomllib.loads(REGISTRY.read_text("utf-8"))
    del data["kemendagri"]
    (tmp_path / "unlisted.toml").write_text(_toml(data), "utf-8")
    with pytest.raises(SystemExit):
        RegistrySpiderLoader(Settings({"SPIDER_MODULES": ["spiders"], "SOURCE_REGISTRY": str(tmp_path / "unlisted.toml")}))


def test_scrapy_list_and_the_sources_command_stop_with_exit_2_on_a_wrong_entry(tmp_path):
    path = _registry_with(tmp_path, "kpu_kayongutara", region="61.99")
    scrapy = str(Path(sys.executable).with_name("scrapy"))
    listed = subprocess.run([scrapy, "list", "-s", f"SOURCE_REGISTRY={path}"], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert listed.returncode == 2, listed.stderr
    assert "[kpu_kayongutara] region: '61.99'" in listed.stderr and "Traceback" not in listed.stderr
    shown = subprocess.run([sys.executable, "-m", "crawler.cli", "sources", "--registry", str(path)],
                           capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert shown.returncode == 2 and "[kpu_kayongutara] region" in shown.stderr


def test_scrapy_list_and_the_sources_command_show_every_source():
    scrapy = str(Path(sys.executable).with_name("scrapy"))
    listed = subprocess.run([scrapy, "list"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert listed.returncode == 0 and sorted(listed.stdout.split()) == sorted(spider_names())
    shown = subprocess.run([sys.executable, "-m", "crawler.cli", "sources"], capture_output=True, text=True,
                           cwd=ROOT, timeout=60)
    assert shown.returncode == 0
    lines = shown.stdout.splitlines()
    assert lines[0].split() == ["id", "name", "type", "region", "hosts", "family", "strategies", "verified"]
    row = next(line for line in lines if line.startswith("kpu_kayongutara "))
    assert "KPU Kabupaten Kayong Utara" in row and " kpu " in row and "61.11" in row
    assert "kab-kayongutara.kpu.go.id" in row and row.split()[-4:] == ["listing", "no", "(replica", "only)"]
    assert len(lines) == 1 + len(spider_names())


@pytest.mark.parametrize("source, name, author, stamp", [
    ("mmc_kalteng", "kontribusi-dari", "Biro Adpim Setda Kalteng", "2026-08-30T06:05:00Z"),  # 13:05 WIB
    ("dukcapil", "ditulis-pada", None, "2026-07-28T05:35:00Z"),  # "Ditulis Pada 28 Juli 2026 12:35 WIB"
])
def test_byline_and_date_forms_come_out_right(source, name, author, stamp):
    page = (FIXTURES / source / f"{name}.page.html").read_text("utf-8")
    assert ("Kontribusi dari Biro Adpim Setda Kalteng, 30 Agustus 2026 13:05" in page if author
            else "Ditulis Pada 28 Juli 2026 12:35 WIB" in page)
    [article] = parse_fixture(FIXTURES / source / f"{name}.meta.json")
    assert (article["author"], article["published_at"], article["date_confidence"]) == (author, stamp, "high")
    assert "Kontribusi" not in article["body"] and "Ditulis" not in article["body"]


def test_a_crawl_naming_no_source_skips_the_entries_not_checked_against_their_real_site():
    from crawler.cli import _registry, chosen_sources

    known = [e.id for e in _registry()]
    unverified = [e.id for e in _registry() if not e.verified]
    assert unverified == ["mmc_kalteng", "dukcapil", "kpu_kayongutara", "dukcapil_purworejo"]
    assert chosen_sources([], known, None, unverified) == (["mmc_kobar", "kemendagri"], unverified)
    assert chosen_sources(["dukcapil"], known, None, unverified) == (["dukcapil"], [])
    replica = {"mmc_kobar": "http://127.0.0.1:1", "kemendagri": "http://127.0.0.1:1"}
    assert chosen_sources([], known, replica, unverified) == (["mmc_kobar", "kemendagri"], [])
