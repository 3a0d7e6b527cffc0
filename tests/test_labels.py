"""Election tagging and region linking on the labelled set: the issue's thresholds."""

import pytest

from bench.evaluate import evaluate_tagging, labelled_set
from indonesian.regions import link
from indonesian.tagging import tag


@pytest.fixture(scope="module")
def report():
    return evaluate_tagging()


def test_the_labelled_set_has_at_least_200_articles_with_hard_cases():
    cases = labelled_set()
    assert len(cases) >= 200
    assert sum(c["origin"] == "hard case" for c in cases) >= 20


def test_election_related_precision_and_recall(report):
    assert report["election_related"]["precision"] >= 0.95
    assert report["election_related"]["recall"] >= 0.95


def test_region_linking_precision(report):
    assert report["regions"]["precision"] >= 0.95


@pytest.mark.parametrize("title, body, expected", [
    ("Pemilihan Duta Wisata 2024", "Finalis pemilihan duta wisata tampil di panggung.", False),
    ("Pemilu Raya Mahasiswa", "Mahasiswa memilih ketua dalam pemilu raya mahasiswa.", False),
    ("Banjir di depan kantor KPU", "Air menggenangi jalan di depan kantor KPU. Warga mengungsi.", False),
    ("Pilkades Serentak Digelar", "Warga memilih kepala desa di TPS.", True),
])
def test_borderline_topics_follow_the_written_rule(title, body, expected):
    assert tag(title, body).election_related is expected


def test_short_forms_prefixes_and_common_words():
    assert link("Pemkab Kobar dan Kalteng") == ["62", "62.01"]
    assert link("Kota Bogor") == ["32.71"] and link("Kabupaten Bogor") == ["32.01"]
    assert link("Warga membawa batu ke Sungai Kapuas.") == []
    assert link("Bupati Kapuas meninjau jalan") == ["62.03"]
    assert link("rapat di Kumai") == [] and link("rapat di Kumai", "62.01") == ["62.01.01"]
    assert link("Kecamatan Karanganyar") == []  # several districts share the name
