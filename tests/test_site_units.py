"""Citations, feeds and the SQL guard as pure functions (no crawl, no server)."""

from __future__ import annotations

import sqlite3
import time
from datetime import date

import bibtexparser
import feedparser
import pytest

from archive.atom import atom_xml
from archive.citation import apa, bibtex, citation, meta_tags, ris, tanggal, wib_time

ARTICLE = {
    "id": 42, "source": "mmc_kobar", "url": "https://mmc.kotawaringinbaratkab.go.id/berita/a_b-100%",
    "title": "KPU & Bawaslu {Kobar}: 50% \\ TPS #1 ~ siap_$", "author": "Topuser",
    "published_date": "2020-02-27", "published_at": None, "fetched_at": "2026-11-30T13:52:47Z", "version": 2,
}
PERMALINK = "https://arsip.example/pilkada/articles/42"
SOURCE = {"publication": "MMC Kobar", "publisher": "Dinas Komunikasi dan Informatika Kabupaten Kotawaringin Barat"}


def test_dates_read_in_indonesian_with_the_weekday():
    assert tanggal(date(2020, 2, 27)) == "Kamis, 27 Februari 2020"
    assert tanggal(date(2024, 11, 27)) == "Rabu, 27 November 2024"
    assert tanggal(date(2026, 11, 1)) == "Minggu, 1 November 2026"
    assert wib_time("2026-11-06T00:30:00Z") == "07.30 WIB"
    assert wib_time(None) is None and wib_time("besok") is None


def test_bibtex_of_an_article_with_every_special_character_parses_to_its_facts():
    cite = citation(ARTICLE, PERMALINK, SOURCE)
    library = bibtexparser.parse_string(bibtex(cite))
    assert library.failed_blocks == [] and len(library.entries) == 1
    entry = library.entries[0]
    assert entry.entry_type == "online" and entry.key == "mmc_kobar42"
    fields = {name: field.value for name, field in entry.fields_dict.items()}
    # Every LaTeX special character escaped; the organisation braced so it is one name.
    assert fields["title"] == r"{KPU \& Bawaslu \{Kobar\}: 50\% \textbackslash{} TPS \#1 \textasciitilde{} siap\_\$}"
    assert fields["author"] == "{Dinas Komunikasi dan Informatika Kabupaten Kotawaringin Barat}"  # Topuser is no author
    assert fields["date"] == "2020-02-27" and fields["urldate"] == "2026-11-30"
    assert fields["url"] == ARTICLE["url"] and PERMALINK in fields["note"] and "version 2" in fields["note"]
    assert fields["journaltitle"] == "MMC Kobar"


def test_a_person_is_cited_as_the_author_and_an_account_name_is_not():
    assert citation({**ARTICLE, "author": "Ervan Setianto"}, PERMALINK, SOURCE)["author"] == "Ervan Setianto"
    for account in ("Topuser", "adminkominfo", "Administrator", " "):
        assert citation({**ARTICLE, "author": account}, PERMALINK, SOURCE)["author"] is None


def test_apa_and_ris_carry_url_publisher_dates_and_permalink():
    cite = citation(ARTICLE, PERMALINK, SOURCE)
    text = apa(cite)
    assert text.startswith("Dinas Komunikasi dan Informatika Kabupaten Kotawaringin Barat. (2020, February 27). KPU & Bawaslu")
    assert ARTICLE["url"] in text and PERMALINK in text and "retrieved November 30, 2026" in text
    record = ris(cite).splitlines()
    assert record[0] == "TY  - NEWS" and record[-1] == "ER  - "
    tags = dict(line.split("  - ", 1) for line in record[:-1])
    assert tags["DA"] == "2020/02/27" and tags["Y2"] == "2026/11/30" and tags["UR"] == ARTICLE["url"]
    assert tags["T2"] == "MMC Kobar" and PERMALINK in tags["N1"]


def test_an_article_without_a_date_is_cited_without_inventing_one():
    cite = citation({**ARTICLE, "published_date": None}, PERMALINK, SOURCE)
    assert "(n.d.)" in apa(cite) and "\n  date =" not in bibtex(cite) and "\nDA  -" not in ris(cite)
    assert "citation_publication_date" not in dict(meta_tags(cite))


def test_highwire_tags_for_zotero():
    tags = dict(meta_tags(citation({**ARTICLE, "author": "Ervan Setianto"}, PERMALINK, SOURCE)))
    assert tags["citation_title"].startswith("KPU & Bawaslu") and tags["citation_author"] == "Ervan Setianto"
    assert tags["citation_publication_date"] == "2020/02/27" and tags["citation_public_url"] == ARTICLE["url"]
    assert tags["citation_journal_title"] == "MMC Kobar" and tags["citation_fulltext_html_url"] == PERMALINK


def test_a_feed_with_control_characters_and_mixed_time_zones_is_valid_and_dated_by_its_newest_change():
    entries = [
        {"id": "a", "title": "Judul\x00 dengan\x01 NUL\x1f", "updated": "2024-01-01T06:00:00+07:00",
         "content": "Isi\x0b\x7f\x85 berita", "author": "mmc_kobar", "link": "https://x.example/a"},
        # Later as a moment, smaller as a string: 2023-12-31T23:30:00Z is 06:30 WIB on Jan 1.
        {"id": "b", "title": "Kedua", "updated": "2023-12-31T23:30:00Z", "published": "2023-12-01T00:00:00Z"},
        {"id": "c", "title": "Tanggal rusak", "updated": "bukan tanggal"},
    ]
    parsed = feedparser.parse(atom_xml(entries, title="Feed\x00 uji", feed_url="https://x.example/f.atom"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "Feed uji"
    assert [e.title for e in parsed.entries] == ["Judul dengan NUL", "Kedua", "Tanggal rusak"]
    assert parsed.entries[0].summary == "Isi berita"
    assert parsed.feed.updated == "2023-12-31T23:30:00+00:00"


# --- The SQL guard, on a plain connection prepared the way Datasette's are ------------------

# A refused call raises inside SQLite's callback; sqlite3 reports it as an unraisable exception.
@pytest.fixture
def guarded():
    from archive.plugins import guard

    conn = sqlite3.connect(":memory:", check_same_thread=False)
    guard.prepare_connection(conn)
    return conn, guard


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_printf_keeps_working_and_refuses_huge_widths(guarded):
    conn, _ = guarded
    assert conn.execute("select printf('%d-%s-%.2f-%5s|%%', 7, 'a', 2.5, 'x')").fetchone()[0] == "7-a-2.50-    x|%"
    assert conn.execute("select format('%.*c', 3, 'x')").fetchone()[0] == "xxx"
    started = time.perf_counter()
    for sql in ("select printf('%.*c', 900000000, 'x')", "select printf('%900000000d', 1)",
                "select format('%0*d', 900000000, 1)"):
        with pytest.raises(sqlite3.OperationalError):
            conn.execute(sql).fetchone()
    assert time.perf_counter() - started < 1  # unguarded, the first alone runs for 20 s


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_long_strings_and_oversized_function_input_are_refused(guarded):
    conn, guard = guarded
    with pytest.raises(sqlite3.DataError, match="too big"):
        conn.execute("select zeroblob(?)", [guard.MAX_SQL_STRING + 1]).fetchone()
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("select stem_query(?)", ["pemilihan " * 1000]).fetchone()
    assert conn.execute("select stem_query('pemilihan umum')").fetchone()[0] == '"pilih" "umum"'
    assert conn.execute("select stem_text('Para pemilih memilih')").fetchone()[0] == "para pilih"


def test_project_functions_interrupt_a_statement_past_its_deadline(guarded):
    conn, guard = guarded
    conn.execute("create table t(x)")
    # Each call stems 100 KB (about 50 ms): some 70 calls run between two looks of the progress
    # handler (every 1,000 instructions), so without the functions' own check this overran by seconds.
    words = " ".join(f"memilih{n} pemilihan{n}" for n in range(6000))
    conn.executemany("insert into t values (?)", [(words,)] * 40)
    started = time.perf_counter()
    with pytest.raises(sqlite3.OperationalError, match="interrupted"), \
            guard.datasette.database.sqlite_timelimit(conn, 200):
        conn.execute("select count(stem_text(a.x || b.rowid)) from t a, t b").fetchone()
    assert time.perf_counter() - started < 1


SAME_AS_SQLITE = [
    "select instr('abcabc', 'ca'), instr('abc', ''), instr(null, 'a'), instr(x'010203', x'02'), instr(12345, 34)",
    "select instr('pemilihan', 'lih'), instr('ñandú', 'dú'), instr('abc', 'z')",
    "select replace('aXbXc', 'X', '--'), replace('abc', '', 'z'), replace(123, 2, 9), replace(null, 'a', 'b')",
    "select replace('aaa', 'aa', 'b'), replace(x'616263', 'b', 'z'), replace('abc', 'b', null)",
    "select trim('xxhixx', 'x'), ltrim('xxhixx', 'x'), rtrim('xxhixx', 'x'), trim('  a  '), trim('abc', '')",
    "select trim('éaé', 'é'), ltrim(12300, 1), rtrim(12300, 0), trim(null, 'a'), trim('abc', null)",
]


@pytest.mark.parametrize("sql", SAME_AS_SQLITE)
def test_linear_instr_replace_and_trim_answer_what_sqlite_answers(guarded, sql):
    conn, _ = guarded
    assert conn.execute(sql).fetchall() == sqlite3.connect(":memory:").execute(sql).fetchall()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_quadratic_string_functions_stay_fast_at_the_length_limit(guarded):
    conn, guard = guarded
    big, half = "a" * (guard.MAX_SQL_STRING - 1000), "a" * (guard.MAX_SQL_STRING // 2) + "b"
    started = time.perf_counter()
    assert conn.execute("select instr(?, ?)", [big, half]).fetchone()[0] == 0
    assert conn.execute("select length(replace(?, ?, 'x'))", [big, half]).fetchone()[0] == len(big)
    assert conn.execute("select length(trim(?, ?))", [big, half]).fetchone()[0] == 0
    assert time.perf_counter() - started < 2  # SQLite's own instr and replace: 7.5 s and 6.8 s
    with pytest.raises(sqlite3.OperationalError):  # would build 250,000 x 1,000 characters
        conn.execute("select replace(?, 'a', ?)", ["a" * 250_000, "b" * 1000]).fetchone()
