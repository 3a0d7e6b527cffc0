"""The published archive, through Datasette's test client, on a real crawl of the replica."""

import pytest

from archive.site import app

pytestmark = pytest.mark.slow  # crawls, browsers or benchmarks: not in `make test-fast`


@pytest.fixture
async def site(crawled):
    datasette = app(crawled[0])
    await datasette.invoke_startup()
    return datasette


async def get_json(site, path):
    response = await site.client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


async def test_search_finds_election_articles(site):
    rows = await get_json(site, "/archive/articles.json?_search=pilkada&_shape=array&_size=max")
    assert rows and all("pilkada" in (r["title"] + r["body"]).lower() for r in rows)


async def test_stemmed_search_matches_affixed_forms(site):
    exact = await get_json(site, "/archive/articles.json?_search=pilih&_shape=array&_size=max")
    stemmed = await get_json(site, "/archive/cari.json?q=pilih&source=&_shape=array")
    assert len(stemmed) > len(exact)
    texts = [r["title"] + r["awal"] for r in stemmed]
    assert any("pemilih" in t.lower() or "pemilihan" in t.lower() for t in texts)


async def test_hyphenated_query_does_not_break_search(site):
    await get_json(site, "/archive/articles.json?_search=se-Indonesia&_shape=array")
    await get_json(site, "/archive/cari.json?q=calon-calon%20%22&source=&_shape=array")


async def test_articles_are_newest_first_with_source_and_month_facets(site):
    data = await get_json(site, "/archive/articles.json?_size=5")
    assert {"source", "published_month", "election_related"} <= set(data["facet_results"])
    sources = {f["value"] for f in data["facet_results"]["source"]["results"]}
    assert sources == {"mmc_kobar", "kemendagri"}
    dates = [row[data["columns"].index("published_date")] for row in data["rows"]]
    assert dates == sorted(dates, reverse=True)


async def test_canned_queries_for_coverage_and_health(site):
    months = await get_json(site, "/archive/coverage_over_time.json?source=&region=&type=&stage=&_shape=array")
    assert sum(m["articles"] for m in months) == 78 and sum(m["election_articles"] for m in months) > 0
    health = await get_json(site, "/archive/source_health.json?_shape=array")
    assert {(h["source"], h["health"]) for h in health} == {("mmc_kobar", "ok"), ("kemendagri", "ok")}


async def test_fts_tables_are_hidden_and_urls_link_to_the_real_site(site):
    tables = {t["name"]: t["hidden"] for t in (await get_json(site, "/archive.json"))["tables"]}
    assert tables["articles_fts"] and tables["article_stems"] and not tables["articles"]
    row = (await site.client.get("/archive/articles/1")).text
    assert 'href="https://' in row


async def test_region_queries_find_kotawaringin_barat_articles(site):
    kalteng = await get_json(site, "/archive/articles_in_region.json?code=62&_shape=array")
    kobar = await get_json(site, "/archive/articles_in_region.json?code=62.01&_shape=array")
    assert kobar and len(kalteng) >= len(kobar)
    assert all(any(p.startswith("62.01 ") for p in __import__("json").loads(a["places"])) for a in kobar)
    assert all(a["total"] == len(kobar) for a in kobar)
    months = await get_json(site, "/archive/coverage_over_time.json?source=&region=62.01&type=pilkada&stage=&_shape=array")
    everything = await get_json(site, "/archive/coverage_over_time.json?source=&region=&type=&stage=&_shape=array")
    assert 0 < sum(m["articles"] for m in months) < sum(m["articles"] for m in everything)


async def test_other_versions_of_a_story_across_sources(site, replica):
    republished = [a for a in replica.manifest()["articles"] if a["other_versions"] and a["source"] == "mmc_kobar"]
    assert republished
    row = (await get_json(site, f"/archive/articles.json?url={republished[0]['url']}&_shape=array"))[0]
    versions = await get_json(site, f"/archive/other_versions.json?id={row['id']}&_shape=array")
    assert [v["url"] for v in versions] == republished[0]["other_versions"]


async def test_atom_feed_of_the_newest_election_articles(site):
    response = await site.client.get("/archive/berita_terbaru.atom?election=1")
    assert response.status_code == 200 and "<feed" in response.text
    assert response.text.count("<entry>") > 0 and "https://" in response.text


async def test_election_coverage_dashboard_charts(site):
    page = await site.client.get("/-/dashboards/liputan")
    assert page.status_code == 200 and "per-month" in page.text
    for chart in ("per-month", "per-source", "per-province", "total"):
        response = await site.client.get(f"/-/dashboards/liputan/{chart}")
        assert response.status_code == 200, chart


FACET_CASES = [
    ("", "1"),
    ("_search=pilkada", "id in (select rowid from articles_fts where articles_fts match 'pilkada')"),
    ("source=kemendagri&election_related=1", "source = 'kemendagri' and election_related = 1"),
    ("election_stages__arraycontains=kampanye",
     "exists (select 1 from json_each(election_stages) where value = 'kampanye')"),
    ("_tag=election_stages:kampanye&_tag=election_types:pilkada",
     "exists (select 1 from json_each(election_stages) where value = 'kampanye') and "
     "exists (select 1 from json_each(election_types) where value = 'pilkada')"),
]


@pytest.mark.parametrize(("query", "where"), FACET_CASES)
async def test_facets_count_what_a_plain_query_counts(site, query, where):
    """Column and array facets (counted in one pass, or from indexes for the whole table) give
    the counts of one plain SQL query per facet, also under searches and filters."""
    data = await get_json(site, f"/archive/articles.json?_size=1&_facet=source&{query}")
    facets = data["facet_results"]
    assert {"source", "published_month", "election_related", "election_types", "places"} <= set(facets)
    db = site.get_database("archive")
    for column in ("source", "published_month", "election_related", "date_confidence"):
        expected = dict((await db.execute(
            f"select {column}, count(*) from articles where ({where}) and {column} is not null "
            f"group by {column} order by count(*) desc, {column} limit 30")).rows)
        assert {r["value"]: r["count"] for r in facets[column]["results"]} == expected, column
    for column in ("election_types", "election_stages", "institutions", "places"):
        expected = dict((await db.execute(
            f"select j.value, count(distinct a.id) from (select * from articles where {where}) a, "
            f"json_each(a.{column}) j group by j.value order by 2 desc, 1 limit 30")).rows)
        assert {r["value"]: r["count"] for r in facets[column]["results"]} == expected, column


async def test_the_tag_filter_rejects_unknown_columns_and_values_naming_the_valid_ones(site):
    response = await site.client.get("/archive/articles.json?_tag=nosuchcolumn:x")
    assert response.status_code == 400 and "nosuchcolumn" in response.text
    response = await site.client.get("/archive/articles.json?_tag=election_types:tidak-ada")
    assert response.status_code == 400
    assert "tidak-ada" in response.json()["error"] and "pilkada" in response.json()["error"]
    page = await site.client.get("/archive/articles?_tag=election_types:tidak-ada")
    assert page.status_code == 400 and "Valid: " in page.text and "pilkada" in page.text


async def test_the_tag_filter_takes_what_a_person_types(site):
    db = site.get_database("archive")
    expected = (await db.execute("select count(*) from articles where exists (select 1 from json_each(election_stages) "
                                 "where value = 'kampanye')")).first()[0]
    for written in ("kampanye", "Kampanye", "KAMPANYE"):
        data = await get_json(site, f"/archive/articles.json?_size=0&_tag=election_stages:{written}")
        assert data["filtered_table_rows_count"] == expected > 0, written
    kalteng = (await db.execute("select count(distinct article_id) from article_regions "
                                "where code = '62' or code like '62.%'")).first()[0]
    for written in ("62", "Kalteng", "kalimantan tengah", "62 Kalimantan Tengah"):
        data = await get_json(site, f"/archive/articles.json?_size=0&_tag=places:{written}")
        assert data["filtered_table_rows_count"] == kalteng > 0, written


async def test_a_facet_value_links_to_its_filtered_page(site):
    data = await get_json(site, "/archive/articles.json?_size=0")
    stage = data["facet_results"]["election_stages"]["results"][0]
    assert f"_tag=election_stages%3A{stage['value']}" in stage["toggle_url"]
    filtered = await get_json(site, stage["toggle_url"].removeprefix("http://localhost").replace("articles?", "articles.json?"))
    assert filtered["filtered_table_rows_count"] == stage["count"] > 0
    again = {r["value"]: r for r in filtered["facet_results"]["election_stages"]["results"]}
    assert again[stage["value"]]["selected"] and again[stage["value"]]["count"] == stage["count"]


async def test_whole_table_facet_counts_follow_new_writes(crawled, tmp_path):
    """Counts of the unfiltered table are kept only until the archive file changes."""
    import shutil

    from archive.connect import open_archive
    from archive.store import ArchiveWriter
    from bench.synth import synthetic_items

    path = tmp_path / "archive.db"
    shutil.copy(crawled[0], path)
    site = app(path)
    await site.invoke_startup()
    before = {r["value"]: r["count"] for r in
              (await get_json(site, "/archive/articles.json?_size=0"))["facet_results"]["source"]["results"]}
    db = open_archive(str(path), migrate=True)
    written = [i for i in synthetic_items(40) if i["source"] == "kemendagri"][:3]
    assert ArchiveWriter(db).write(written) == ["new"] * 3
    db.close()
    after = {r["value"]: r["count"] for r in
             (await get_json(site, "/archive/articles.json?_size=0"))["facet_results"]["source"]["results"]}
    assert after["kemendagri"] == before["kemendagri"] + 3 and after["mmc_kobar"] == before["mmc_kobar"]


@pytest.fixture(scope="module")
def synthetic_site(tmp_path_factory):
    from archive.connect import open_archive
    from archive.store import ArchiveWriter
    from bench.synth import synthetic_items

    path = tmp_path_factory.mktemp("synthetic") / "archive.db"
    db = open_archive(str(path), migrate=True)
    ArchiveWriter(db).write(list(synthetic_items(2600)))
    db.close()
    return path


@pytest.mark.parametrize("query", ["pemerintah", "memilih", "Pemilih Pemula", "pilkada", "1234"])
async def test_stemmed_search_is_newest_first_for_broad_and_narrow_queries(synthetic_site, query):
    """Each of the query's three plans (most of the archive matches, a good part, a few articles:
    the five queries cover all three) agrees with a plain reading of the stems."""
    from indonesian.stemming import stem_query

    site = app(synthetic_site)
    await site.invoke_startup()
    db = site.get_database("archive")
    expected = (await db.execute(
        "select a.published_date from articles a where a.id in (select rowid from article_stems_fts "
        "where article_stems_fts match ?) order by a.published_date desc limit 100", [stem_query(query)])).rows
    rows = await get_json(site, f"/archive/cari.json?q={query}&source=&_shape=array")
    assert [r["published_date"] for r in rows] == [e[0] for e in expected] and rows
    kemendagri = await get_json(site, f"/archive/cari.json?q={query}&source=kemendagri&_shape=array")
    assert {r["source"] for r in kemendagri} <= {"kemendagri"}


# archive/datasette_adapter.py: what it takes from Datasette's internals, pinned.

async def test_adapter_facet_columns_reads_metadata_and_request(site):
    from datasette.utils.asgi import Request

    from archive.datasette_adapter import facet_columns

    request = Request.fake("/archive/articles?_facet_counted=author&_facet=source&_facet_counted_array=tags")
    metadata = {"facets": ["source", {"counted": "title"}, {"counted_array": "regions"}]}
    assert facet_columns(request, metadata, "counted") == {"title": "metadata", "author": "request"}
    assert facet_columns(request, metadata, "counted_array") == {"regions": "metadata", "tags": "request"}
    assert facet_columns(request, metadata, "column") == {"source": "metadata"}
    assert facet_columns(request, None, "date") == {}


async def test_adapter_foreign_key_labels(site):
    from archive.datasette_adapter import foreign_key_labels

    labels = await foreign_key_labels(site, "archive", "article_regions", "code", ["62", "62.01"])
    assert labels == {"62": "Kalimantan Tengah", "62.01": "Kabupaten Kotawaringin Barat"}
    assert await foreign_key_labels(site, "archive", "articles", "source", ["kemendagri"]) == {}


async def test_adapter_streaming_response_writes_every_piece(site):
    from archive.datasette_adapter import streaming_response

    sent = []

    async def send(message):
        sent.append(message)

    async def write_all(writer):
        for n in range(3):
            await writer.write(f"{n},")

    await streaming_response(write_all, content_type="text/csv", headers={"x-a": "1"}).asgi_send(send)
    assert sent[0]["status"] == 200 and [b"content-type", b"text/csv"] in sent[0]["headers"]
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"0,1,2,"


async def test_built_in_facets_stay_registered_and_are_not_shown_twice(site):
    from datasette.plugins import pm

    assert pm.has_plugin("datasette.facets")
    data = await get_json(site, "/archive/articles.json?_size=0&_facet=source&_facet_array=election_types")
    assert "source_2" not in data["facet_results"] and "election_types_2" not in data["facet_results"]
    assert data["facet_results"]["source"]["type"] == "column"
    assert data["facet_results"]["published_month"]["type"] == "counted"


async def test_canned_query_parameters_take_what_a_person_types(site):
    response = await site.client.get("/archive/coverage_over_time.json?source=Kemendagri&region=Kalteng"
                                     "&type=Pilkada&stage=Politik+Uang&_shape=array")
    assert response.status_code == 302
    assert response.headers["location"] == ("/archive/coverage_over_time.json?source=kemendagri&region=62"
                                             "&type=pilkada&stage=politik_uang&_shape=array")
    natural = await site.client.get("/archive/articles_in_region.json?code=kotawaringin+barat&_shape=array")
    coded = await get_json(site, "/archive/articles_in_region.json?code=62.01&_shape=array")
    assert natural.headers["location"].endswith("code=62.01&_shape=array") and coded


async def test_canned_query_unknown_values_are_an_error_listing_the_valid_ones(site):
    response = await site.client.get("/archive/coverage_over_time.json?source=detik&region=&type=&stage=")
    assert response.status_code == 400 and "kemendagri, mmc_kobar" in response.json()["error"]
    page = await site.client.get("/archive/coverage_over_time?source=&region=Atlantis&type=&stage=")
    assert page.status_code == 400 and "Atlantis" in page.text and "62 Kalimantan Tengah" in page.text
