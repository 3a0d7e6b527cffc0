"""Indonesian dates, each expectation worked out by hand from a calendar."""

import pytest

from indonesian.dates import resolve

FETCHED = "2026-11-27T03:00:00Z"  # a Friday, 10:00 WIB


def one(kind, text, **extra):
    return resolve([{"kind": kind, "text": text, **extra}], FETCHED)


@pytest.mark.parametrize("text, day, at", [
    ("2024-11-27T13:45:00+07:00", "2024-11-27", "2024-11-27T06:45:00Z"),
    ("2024-11-26T20:30:00.000000Z", "2024-11-27", "2024-11-26T20:30:00Z"),  # 03:30 WIB next day
    ("2020-02-27", "2020-02-27", None),
])
def test_structured_iso_dates(text, day, at):
    result = one("jsonld", text)
    assert (result.published_date, result.published_at, result.date_confidence) == (day, at, "high")


@pytest.mark.parametrize("text, day, at", [
    ("- Selasa, 17 Januari 2023", "2023-01-17", None),
    ("Jum'at, 3 Oktober 2025", "2025-10-03", None),
    ("Minggu, 10 Nopember 2024", "2024-11-10", None),
    ("Ahad, 5 Mei 2024", "2024-05-05", None),
    ("12 Agt 2021", "2021-08-12", None),
    ("1 Peb 2019", "2019-02-01", None),
    ("30 Sept 2022", "2022-09-30", None),
    ("9 Mrt 2020", "2020-03-09", None),
    ("Ditulis Pada 01 Maret 2018 18:09 WIB", "2018-03-01", "2018-03-01T11:09:00Z"),
    ("Senin, 9 Desember 2024 10:15 WITA", "2024-12-09", "2024-12-09T02:15:00Z"),
    ("Selasa, 10 Desember 2024 - 08:00 WIT", "2024-12-10", "2024-12-09T23:00:00Z"),  # 06:00 WIB
    ("Rabu 27 November 2024 pukul 13.45 WIB", "2024-11-27", "2024-11-27T06:45:00Z"),
])
def test_written_out_indonesian_dates_and_times(text, day, at):
    result = one("bullet", text)
    assert (result.published_date, result.published_at) == (day, at)


def test_month_first_only_where_the_page_writes_month_first():
    assert one("meta", "05/31/2025 / 15:35 WIB", month_first=True).published_at == "2025-05-31T08:35:00Z"
    assert one("meta", "04/06/2024").published_date == "2024-06-04"


@pytest.mark.parametrize("lead, day, method", [
    ("MMC Kobar - Bupati menghadiri panen, Senin (17/5/2021).", "2021-05-17", "lead: text"),
    ("kegiatan tersebut, Senin (16/10/23) sore", "2023-10-16", "lead: text"),
    # Thursday 27 Feb: 2025 and 2020 both fit; the year the story names decides.
    ("Rakor Pilkada Serentak 2020 di Bali, pada Kamis (27/2).", "2020-02-27", "year from mentioned year"),
    # No year anywhere: the latest year that puts 23 July on a Monday and is not in the future.
    ("pada Senin (23/7) ini", "2018-07-23", "year from weekday"),
    ("Senin, (8/8) di aula", "2022-08-08", "year from weekday"),
    ("pada Rabu (8/7. di lapangan", "2026-07-08", "year from weekday"),
])
def test_bracketed_day_month_with_and_without_year(lead, day, method):
    result = one("lead", lead)
    assert result.published_date == day
    assert method in result.date_method


def test_schedule_dates_in_the_story_are_not_publication_dates():
    lead = ("MMC Kobar - Pemungutan suara digelar 27 November 2024 dan KPU menetapkan DPT "
            "pada Selasa (20/8/2024).")
    assert one("lead", lead).published_date == "2024-08-20"


def test_a_full_date_elsewhere_fixes_the_year_of_a_day_month_date():
    result = resolve([{"kind": "lead", "text": "pada Kamis (19/1)"},
                      {"kind": "caption", "text": "Foto kegiatan (19/01/2023)"}], FETCHED)
    assert result.published_date == "2023-01-19"


def test_stronger_evidence_wins_over_the_lead():
    result = resolve([{"kind": "lead", "text": "Senin (15/10)"}, {"kind": "listing", "text": "Selasa, 16 Oktober 2018"}], FETCHED)
    assert (result.published_date, result.date_method) == ("2018-10-16", "listing: text")


@pytest.mark.parametrize("text, day", [
    ("2 jam yang lalu", "2026-11-27"),
    ("kemarin", "2026-11-26"),
    ("3 hari lalu", "2026-11-24"),
])
def test_relative_dates_resolve_against_fetch_time(text, day):
    assert one("listing", text).published_date == day


def test_a_date_never_lies_in_the_future():
    assert one("bullet", "Senin, 14 Desember 2026").published_date is None


def test_unparseable_dates_keep_their_text_and_a_null_date():
    result = one("bullet", "tanggal tidak jelas")
    assert result.published_date is None and result.date_text == "tanggal tidak jelas"


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59Z", "2099-01-01", "1970-01-01T00:00:00Z",
                                   "1899-12-31"])
def test_structured_dates_out_of_range_are_not_evidence(stamp):
    result = resolve([{"kind": "jsonld", "text": stamp}, {"kind": "lead", "text": "Pangkalan Bun - Kamis (27/2/2025) pagi"}],
                     "2026-11-27T00:00:00Z")
    assert (result.published_date, result.date_method) == ("2025-02-27", "lead: text")


def test_a_date_a_day_ahead_of_the_fetch_is_clock_skew_not_the_future():
    result = resolve([{"kind": "meta", "text": "2026-11-28T01:00:00+07:00"}], "2026-11-27T20:00:00Z")
    assert result.published_date == "2026-11-28" and result.date_confidence == "high"
