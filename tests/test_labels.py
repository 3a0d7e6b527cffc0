"""Election tagging and region linking on the two labelled sets: the hand-written texts
(tests/labels/written_cases.toml) and the replica's articles with hard_cases.toml."""

import tomllib
from pathlib import Path

import pytest

from bench.evaluate import evaluate_tagging, labelled_set, offered_labels, written_set
from indonesian.regions import link
from indonesian.tagging import lexicon, tag

LABELS = Path(__file__).parent / "labels"
MEASURED = tomllib.loads((LABELS / "measured.toml").read_text("utf-8"))
REVIEWED = tomllib.loads((LABELS / "reviewed_failures.toml").read_text("utf-8"))


@pytest.fixture(scope="module")
def report():
    return evaluate_tagging()


@pytest.fixture(scope="module")
def written():
    return evaluate_tagging(written_set())


@pytest.fixture(scope="module")
def every_label():
    return evaluate_tagging(written_set(), offered_only=False)


def figures(report: dict) -> dict:
    summary = {k: [report[k]["precision"], report[k]["recall"]]
               for k in ("election_related", "types", "stages", "focus", "institutions")}
    return summary | {k: [v["precision"], v["recall"]] for k, v in report["per_label"].items()
                      if not k.startswith("regions:")}


def test_the_labelled_set_has_at_least_200_articles_with_hard_cases():
    cases = labelled_set()
    assert len(cases) >= 200
    assert sum(c["origin"] == "hard case" for c in cases) >= 20


def test_the_written_set_has_over_a_hundred_texts_both_kinds_and_every_label_family():
    cases = written_set()
    assert len(cases) >= 130
    assert 40 <= sum(not c["election"] for c in cases) <= 80
    assert {c["focus"] for c in cases if c["focus"]} >= set(lexicon()["offered"]["focus_stage"])


def test_election_related_precision_and_recall(report, written):
    assert report["election_related"]["precision"] >= 0.95
    assert report["election_related"]["recall"] >= 0.95
    assert written["election_related"]["precision"] >= 0.9
    assert written["election_related"]["recall"] >= 0.9


@pytest.mark.parametrize("name", ["written", "replica"])
def test_per_label_figures_are_the_measured_ones(name, report, written):
    assert figures(written if name == "written" else report) == MEASURED[name]


@pytest.mark.parametrize("name", ["written", "replica"])
def test_the_failures_are_exactly_the_reviewed_ones(name, report, written):
    assert (written if name == "written" else report)["failures"] == REVIEWED[name]


def test_only_labels_measured_at_precision_0_8_or_more_are_offered(every_label):
    offered = {family: set(labels) for family, labels in lexicon()["offered"].items()}
    assert offered == offered_labels(every_label)
    assert figures(every_label) == MEASURED["written_every_label"]
    for family, labels in offered.items():
        key = "focus" if family == "focus_stage" else family
        for label in labels:
            assert every_label["per_label"][f"{key}:{label}"]["precision"] >= 0.8


def test_an_organisers_name_sets_no_election_type():
    tags = tag("Komisi Pemilihan Umum Tetapkan Pasangan Calon Bupati",
               "Komisi Pemilihan Umum Kabupaten Kotawaringin Barat menetapkan dua pasangan calon "
               "pada pilkada tahun ini. Badan Pengawas Pemilihan Umum mengawasi rapat.")
    assert tags.election_types == ["pilbup", "pilkada"] and tags.institutions == ["Bawaslu", "KPU"]
    alone = tag("KPU Kobar Gelar Rapat Evaluasi", "KPU dan Bawaslu Kobar mengevaluasi kinerja PPK.")
    assert alone.election_related and alone.election_types == []


def test_focus_stage_comes_from_title_and_lead_and_stages_from_the_whole_text():
    tags = tag("Pantarlih Mulai Coklit di Kumai",
               "Petugas mendatangi rumah warga. Hasilnya dipakai hingga rekapitulasi hasil penghitungan suara.")
    assert tags.focus_stage == "pemutakhiran_data_pemilih"
    assert tags.election_stages == ["pemutakhiran_data_pemilih", "penghitungan", "rekapitulasi"]
    assert tag("Banjir di Pangkalan Bun", "Warga mengungsi.").focus_stage is None


@pytest.mark.parametrize("title, body, expected", [
    ("Pemilihan Duta Wisata 2024", "Finalis pemilihan duta wisata tampil di panggung.", False),
    ("Pemilu Raya Mahasiswa", "Mahasiswa memilih ketua dalam pemilu raya mahasiswa.", False),
    ("Banjir di depan kantor KPU", "Air menggenangi jalan di depan kantor KPU. Warga mengungsi.", False),
    ("Pilkades Serentak Digelar", "Warga memilih kepala desa di TPS.", True),
    ("Kampanye Gemar Makan Ikan", "Dinas Perikanan menggelar kampanye makan ikan di sekolah.", False),
])
def test_borderline_topics_follow_the_written_rule(title, body, expected):
    assert tag(title, body).election_related is expected


def test_region_linking_precision(report):
    assert report["regions"]["precision"] >= 0.95


def test_short_forms_prefixes_and_common_words():
    assert link("Pemkab Kobar dan Kalteng") == ["62", "62.01"]
    assert link("Kota Bogor") == ["32.71"] and link("Kabupaten Bogor") == ["32.01"]
    assert link("Warga membawa batu ke Sungai Kapuas.") == []
    assert link("Bupati Kapuas meninjau jalan") == ["62.03"]
    assert link("rapat di Kumai") == [] and link("rapat di Kumai", "62.01") == ["62.01.01"]
    assert link("Kecamatan Karanganyar") == []  # several districts share the name
