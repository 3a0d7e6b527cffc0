"""Exact and complete answers on an archive of >= 3,000 replica articles: every page, stream and
export returns each matching row once with a true total (compared with plain SQL), and a region
means the place and everything inside it, the same in facets, filters, search and queries."""

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

from archive.site import app
from tests.research_archive import big_archive

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory):
    return big_archive(tmp_path_factory)


@pytest.fixture
async def site(archive_path):
    datasette = app(archive_path)
    await datasette.invoke_startup()
    return datasette


async def sql(site, query, params=()):
    return (await site.get_database("archive").execute(query, list(params))).rows


async def ids_of(site, where, params=()):
    return {r[0] for r in await sql(site, f"select id from articles where {where}", params)}


def local(url):
    return url.replace("http://localhost", "") if url else None


async def follow(site, path):
    """Every row of a table page and the pages its next links lead to; and the first total."""
    ids, total = [], None
    while path:
        data = (await site.client.get(path)).json()
        total = data["filtered_table_rows_count"] if total is None else total
        ids += [row["id"] for row in data["rows"]]
        path = local(data["next_url"])
    return ids, total


async def test_the_archive_is_big_enough(site):
    assert (await sql(site, "select count(*) from articles"))[0][0] >= 3000


FTS = "id in (select rowid from articles_fts where articles_fts match ?)"
KALTENG = "id in (select article_id from article_regions where code = '62' or code like '62.%')"
TABLE_CASES = [
    ("", "1", ()),
    ("_search=pilkada", FTS, ('"pilkada"',)),
    ("source=kemendagri", "source = 'kemendagri'", ()),
    ("_tag=places:Kalteng&_search=pemilihan", f"{KALTENG} and {FTS}", ('"pemilihan"',)),
]


@pytest.mark.parametrize("size", [7, 25, 30, 100])
@pytest.mark.parametrize(("query", "where", "params"), TABLE_CASES)
async def test_paging_the_articles_table_returns_each_row_once(site, size, query, where, params):
    ids, total = await follow(site, f"/archive/articles.json?_shape=objects&_nofacet=1&_size={size}&{query}")
    expected = await ids_of(site, where, params)
    assert len(ids) == len(set(ids)) == total == len(expected) > 0
    assert set(ids) == expected


@pytest.mark.parametrize(("query", "where", "params"), TABLE_CASES)
async def test_the_tables_csv_link_streams_every_row_newest_first(site, query, where, params):
    page = (await site.client.get(f"/archive/articles?_size=5&{query}")).text
    link = page.split('">CSV</a>')[0].rsplit('href="', 1)[1].replace("&amp;", "&")
    assert "_stream=1" in link
    rows = list(csv.DictReader(io.StringIO((await site.client.get(link)).text)))
    ids = [int(r["id"]) for r in rows]
    assert len(ids) == len(set(ids)) and set(ids) == await ids_of(site, where, params)
    keys = [r["sort_key"] for r in rows]
    assert keys == sorted(keys, reverse=True)


async def test_default_order_is_newest_first_with_ties_broken_by_id(site):
    rows = (await site.client.get("/archive/articles.json?_shape=objects&_nofacet=1&_size=200")).json()["rows"]
    order = [(r["published_date"] or "", r["id"]) for r in rows]
    assert order == sorted(order, reverse=True)
    ties = await sql(site, "select count(*) from (select published_date from articles group by 1 having count(*) > 1)")
    assert ties[0][0] > 0  # the archive has ties, so the test above means something


SEARCHES = [
    # (parameters, SQL of the same answer written independently)
    ("q=pemilihan", "id in (select rowid from article_stems_fts where article_stems_fts match 'pilih')"),
    ("q=%22politik+uang%22&region=Kalteng",
     f"id in (select rowid from articles_fts where articles_fts match '\"politik uang\"') and {KALTENG}"),
    ("q=pilkada+OR+pilgub+-kampanye&source=Kemendagri",
     "(id in (select rowid from article_stems_fts where article_stems_fts match 'pilkada') or "
     "id in (select rowid from article_stems_fts where article_stems_fts match 'pilgub')) and "
     "id not in (select rowid from article_stems_fts where article_stems_fts match 'kampanye') "
     "and source = 'kemendagri'"),
    ("type=Pilkada&from=2024-01-01&to=2024-12-31",
     "exists (select 1 from json_each(election_types) where value = 'pilkada') "
     "and published_date between '2024-01-01' and '2024-12-31'"),
    ("stage=Netralitas+ASN&region=kalimantan+tengah", f"focus_stage = 'netralitas_asn' and {KALTENG}"),
    ("mentions=Kampanye&q=pemilih", "exists (select 1 from json_each(election_stages) where value = 'kampanye') "
     "and id in (select rowid from article_stems_fts where article_stems_fts match 'pilih')"),
]


@pytest.mark.parametrize("size", [10, 33, 500])
@pytest.mark.parametrize(("query", "where"), SEARCHES)
async def test_research_search_pages_export_and_total_agree_with_sql(site, size, query, where):
    expected = await ids_of(site, where)
    assert expected
    ids, path, total = [], f"/-/cari.json?size={size}&{query}", None
    while path:
        data = (await site.client.get(path)).json()
        total = data["total"] if total is None else total
        ids += [r["id"] for r in data["rows"]]
        path = local(data["next_url"])
    assert len(ids) == len(set(ids)) == total == len(expected) and set(ids) == expected
    exported = list(csv.DictReader(io.StringIO((await site.client.get(f"/-/cari.csv?{query}")).text)))
    assert [int(r["id"]) for r in exported] == ids  # the same rows in the same order


async def test_research_search_by_relevance_pages_through_every_match(site):
    expected = await ids_of(site, "id in (select rowid from article_stems_fts where article_stems_fts match 'pilih')")
    ids, path = [], "/-/cari.json?q=pemilihan&order=relevance&size=40"
    while path:
        data = (await site.client.get(path)).json()
        ids += [r["id"] for r in data["rows"]]
        path = local(data["next_url"])
    assert len(ids) == len(set(ids)) and set(ids) == expected


async def test_unknown_values_get_a_message_listing_the_valid_ones(site):
    response = await site.client.get("/-/cari.json?source=detik&stage=serangan+fajar&region=Atlantis")
    assert response.status_code == 400
    errors = " ".join(response.json()["errors"])
    assert "kemendagri, mmc_kobar" in errors and "netralitas_asn" in errors and "62 Kalimantan Tengah" in errors
    page = await site.client.get("/-/cari?source=detik")
    assert page.status_code == 400 and "kemendagri, mmc_kobar" in page.text and "<select" in page.text


async def test_attention_over_time_is_zero_filled_and_adds_up(site):
    rows = list(csv.DictReader(io.StringIO((await site.client.get("/-/cari/bulan.csv?q=pilkada")).text)))
    months = sorted({r["month"] for r in rows})
    first, last = months[0], months[-1]
    span = (int(last[:4]) - int(first[:4])) * 12 + int(last[5:]) - int(first[5:]) + 1
    assert len(months) == span  # no month skipped
    assert len(rows) == span * len({r["source"] for r in rows})
    total = (await site.client.get("/-/cari.json?q=pilkada&size=1")).json()["total"]
    dated = (await sql(site, "select count(*) from articles where published_month is not null and id in "
                             "(select rowid from article_stems_fts where article_stems_fts match 'pilkada')"))[0][0]
    assert sum(int(r["matches"]) for r in rows) == dated <= total
    assert sum(int(r["articles"]) for r in rows) == (await sql(
        site, "select count(*) from articles where published_month is not null"))[0][0]
    assert "<svg" in (await site.client.get("/-/cari/bulan?q=pilkada")).text


async def test_a_search_is_an_atom_feed(site):
    response = await site.client.get("/-/cari.atom?q=%22politik+uang%22&region=Kalteng")
    assert response.headers["content-type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(response.content)
    entries = feed.findall("a:entry", ns)
    expected = await sql(site, f"select url from articles where id in (select rowid from articles_fts where "
                               f"articles_fts match '\"politik uang\"') and {KALTENG} order by sort_key desc limit 50")
    assert [e.find("a:id", ns).text for e in entries] == [r[0] for r in expected] and entries
    assert "politik uang" in feed.find("a:title", ns).text
    html = (await site.client.get("/-/cari?q=%22politik+uang%22&region=Kalteng")).text
    assert 'rel="alternate" type="application/atom+xml"' in html


async def test_every_province_and_regency_facet_count_equals_its_region_query(site):
    data = (await site.client.get("/archive/articles.json?_size=0&_facet_size=max")).json()
    facet = {r["value"]: r["count"] for r in data["facet_results"]["places"]["results"]}
    named = await sql(site, "select g.code, g.name, g.level from regions g where g.level != 'district' and "
                            "exists (select 1 from article_regions r where r.code = g.code or r.code like g.code || '.%')")
    assert len(named) >= 3 and {level for _, _, level in named} >= {"province", "regency"}
    for code, name, _ in named:
        expected = (await sql(site, "select count(distinct article_id) from article_regions "
                                    "where code = ? or code like ? || '.%'", [code, code]))[0][0]
        assert facet[f"{code} {name}"] == expected, code
        searched = (await site.client.get(f"/-/cari.json?region={code}&size=1")).json()["total"]
        assert searched == expected, code
        in_region = (await site.client.get(f"/archive/articles_in_region.json?code={code}&_shape=array")).json()
        assert in_region[0]["total"] == expected and len(in_region) == min(expected, 1000), code
        filtered = (await site.client.get(f"/archive/articles.json?_size=0&_nofacet=1&_tag=places:{code}")).json()
        assert filtered["filtered_table_rows_count"] == expected, code
        dated = (await sql(site, "select count(distinct r.article_id) from article_regions r join articles a on "
                                 "a.id = r.article_id where a.published_month is not null and "
                                 "(r.code = ? or r.code like ? || '.%')", [code, code]))[0][0]
        months = (await site.client.get(f"/archive/coverage_over_time.json?source=&region={code}&type=&stage="
                                        "&_shape=array")).json()
        assert sum(m["articles"] for m in months) == dated, code


async def test_exact_search_that_finds_nothing_points_to_the_stemmed_search(site):
    page = (await site.client.get("/archive/articles?_search=memilih")).text
    assert "/-/cari?q=memilih" in page
    found = (await site.client.get("/archive/articles?_search=pilkada")).text
    assert "/-/cari?q=" not in found


async def test_a_written_article_appears_in_searches_sorted_and_placed(archive_path, tmp_path):
    """The writer fills places and the sort key for new rows too (on a VACUUM INTO copy)."""
    from sqlite_utils import Database

    from archive.connect import open_archive
    from archive.store import ArchiveWriter
    from bench.synth import synthetic_items

    copy = tmp_path / "archive.db"
    Database(archive_path).execute(f"vacuum into '{copy}'")
    db = open_archive(str(copy), migrate=True)
    item = next(i for i in synthetic_items(50) if i.get("regions"))
    assert ArchiveWriter(db).write([item]) == ["new"]
    row = db.execute("select id, published_date, sort_key, places from articles where url = ?", [item["url"]]).fetchone()
    assert row[2] == f"{row[1] or '0000-00-00'}|{row[0]:012d}"
    assert json.loads(row[3]) and all(code.split(" ")[0] in row[3] for code in item["regions"])
    db.close()
