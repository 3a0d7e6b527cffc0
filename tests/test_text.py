"""Boilerplate out of the body, kept in its own fields. Paragraphs written for these tests."""

from crawler.extract import html_to_paragraphs
from indonesian.text import leaked_phrases, strip_boilerplate

TITLE = "Kesbangpol Ajak Pemilih Pemula Gunakan Hak Pilih"
PAGE = [
    TITLE,
    "Kaban Kesbangpol Kobar saat memberikan materi kepada siswa, Selasa (3/10)- Kesbangpol Kobar",
    "MMC KOBAR - Badan Kesbangpol Kobar mengajak pemilih pemula menggunakan hak pilih, Selasa (3/10).",
    "Kegiatan diikuti 120 siswa.",
    "(Baca Juga :  Pasar Malam Hadirkan 60 Pelapak Kuliner )",
    "- dibaca 231 kali",
    "Para siswa mendengarkan materi dengan antusias",
    "Siswa diminta memeriksa nama di DPT. (kesbangpol kobar)",
]


def test_classic_page_is_split_into_body_and_boilerplate_fields():
    stripped = strip_boilerplate(PAGE, TITLE, {"pasar malam hadirkan 60 pelapak kuliner": "https://x/berita/p"})
    assert stripped.dateline == "MMC KOBAR"
    assert stripped.source_unit == "kesbangpol kobar"
    assert stripped.captions == [PAGE[1]]
    assert stripped.related == [{"title": "Pasar Malam Hadirkan 60 Pelapak Kuliner", "url": "https://x/berita/p"}]
    assert stripped.paragraphs == [
        "Badan Kesbangpol Kobar mengajak pemilih pemula menggunakan hak pilih, Selasa (3/10).",
        "Kegiatan diikuti 120 siswa.",
        "Para siswa mendengarkan materi dengan antusias",
        "Siswa diminta memeriksa nama di DPT.",
    ]
    assert leaked_phrases("\n\n".join(stripped.paragraphs)) == []


def test_co_byline_dateline_and_a_city_dateline():
    assert strip_boilerplate(["MMC KOBAR, KPU KOBAR - KPU menetapkan DPT."]).dateline == "MMC KOBAR, KPU KOBAR"
    assert strip_boilerplate(["Jakarta - Kemendagri menyerahkan DP4."]).dateline == "Jakarta"
    assert strip_boilerplate(["Pangkalan Bun, 31 Januari 2025 – Bappeda menggelar rapat."]).dateline == \
        "Pangkalan Bun, 31 Januari 2025"


def test_a_sentence_with_a_dash_is_not_a_dateline():
    text = "Warga yang datang ke posko - sebagian besar lansia - mendapat layanan."
    stripped = strip_boilerplate([text])
    assert stripped.dateline is None and stripped.paragraphs == [text]


def test_a_bracketed_remark_that_is_not_a_sign_off_stays():
    text = "Anggaran berasal dari Dana Alokasi Umum (DAU Tambahan Pemerintah Pusat Tahun Anggaran Ini)"
    assert strip_boilerplate([text]).paragraphs == [text]


def test_standalone_sign_offs():
    assert strip_boilerplate(["Isi berita.", "Dukcapil***"]).source_unit == "Dukcapil"
    assert strip_boilerplate(["Isi berita.", "(Puspen Kemendagri)"]).source_unit == "Puspen Kemendagri"


def test_api_html_becomes_paragraphs_without_empty_ones_and_with_captions_apart():
    html = ("<p>Jakarta - Satu <strong>dua</strong>.</p><p>&nbsp;</p>"
            "<figure><img src='a.jpg'><figcaption>(Foto: Puspen)</figcaption></figure><p>Tiga<br>Empat</p>")
    assert html_to_paragraphs(html) == (["Jakarta - Satu dua.", "Tiga", "Empat"], ["(Foto: Puspen)"])
