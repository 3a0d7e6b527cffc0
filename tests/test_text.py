"""Boilerplate out of the body, kept in its own fields. Paragraphs written for these tests."""

import unicodedata

import pytest

from crawler.extract import html_to_paragraphs
from indonesian.text import clean_text, clean_whitespace, leaked_phrases, strip_boilerplate

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


# Clean text is valid text: what a hostile or careless page puts into a title or body.
@pytest.mark.parametrize("dirty, clean", [
    ("pil\u200bkada", "pilkada"),                       # zero-width space inside a word
    ("\ufeffKPU Kobar", "KPU Kobar"),                   # BOM at the start of a title
    ("pemu\u00adtakhiran data", "pemutakhiran data"),   # soft hyphen
    ("Ba\u200cwas\u200dlu", "Bawaslu"),                 # ZWNJ and ZWJ
    ("TPS\u2060 05", "TPS 05"),                         # word joiner
    ("Judul\x00 berita", "Judul berita"),               # NUL
    ("satu\x07dua\x1b[31m", "satudua[31m"),             # bell, escape: gone, text kept
    ("C1\x85 control\x9b", "C1\ncontrol"),              # NEL is a line break, CSI is not text
    ("lone \ud800surrogate \udfff", "lone surrogate"),  # cannot be encoded at all
    ("\u202eadakliP", "adakliP"),                       # bidi override dropped, letters kept
    ("satu\u2028dua\x0cTiga", "satu\ndua\nTiga"),       # line separators and form feed
    ("Cafe\u0301 Pangkalan\u00a0Bun", "Café Pangkalan Bun"),  # NFC, NBSP is a space
    ("a\r\nb\rc", "a\nb\nc"),
    ("\ufdd0\ufffe\uffff", ""),                         # non-characters
])
def test_clean_text_is_valid_text(dirty, clean):
    cleaned = clean_whitespace(dirty)
    assert cleaned == clean
    cleaned.encode("utf-8")  # no lone surrogate left: this raises if one is
    assert unicodedata.is_normalized("NFC", cleaned)


def test_clean_text_keeps_tabs_newlines_and_every_printable_character():
    text = "Tab\tdan baris\nbaru: é ñ ü — “kutip” ’ 😀 ١٢٣ 中文"
    assert clean_text(text) == text


def test_a_zero_width_space_does_not_split_a_word_in_a_paragraph():
    stripped = strip_boilerplate(["MMC KOBAR - Tahapan pil\u200bkada dimulai.\x00"])
    assert stripped.paragraphs == ["Tahapan pilkada dimulai."]
