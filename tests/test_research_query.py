"""The research search's query language and the resolution of what a person types (pure)."""

import pytest

from archive.research import (
    Leaf,
    Node,
    QueryError,
    Search,
    months_between,
    parse,
    positive_stems,
    zero_filled,
)
from archive.vocabulary import UnknownValue, resolve_label, resolve_region


def test_words_are_stems_phrases_are_exact_and_juxtaposition_is_and():
    assert parse("pemilihan") == Leaf("stems", ("pilih",))
    assert parse('"Politik Uang"') == Leaf("phrase", ("politik", "uang"))
    assert parse('pemilihan AND "politik uang"') == Node("and", [Leaf("stems", ("pilih",)),
                                                                 Leaf("phrase", ("politik", "uang"))])


def test_or_not_minus_and_parentheses():
    assert parse("pilkada OR pilgub") == Node("or", [Leaf("stems", ("pilkada",)), Leaf("stems", ("pilgub",))])
    assert parse("-hoaks") == Node("not", [Leaf("stems", ("hoaks",))])
    assert parse("(pilkada OR pilgub) NOT kampanye") == Node("and", [
        Node("or", [Leaf("stems", ("pilkada",)), Leaf("stems", ("pilgub",))]),
        Node("not", [Leaf("stems", ("kampanye",))])])
    assert parse("pilkada OR pilgub -kampanye") == parse("(pilkada OR pilgub) NOT kampanye")
    assert parse("a b OR c") == Node("and", [Leaf("stems", ("a",)), Node("or", [Leaf("stems", ("b",)), Leaf("stems", ("c",))])])
    # lower-case "or" is a word, and a hyphen inside a word is not NOT
    assert parse("or") == Leaf("stems", ("or",))
    assert parse("se-Indonesia") == Leaf("stems", ("se", "indonesia"))
    assert positive_stems(parse("pemilihan -kampanye")) == ["pilih"]


@pytest.mark.parametrize("text", ["(pilkada", "pilkada)", "((a) b"])
def test_unbalanced_parentheses_are_an_error_not_a_guess(text):
    with pytest.raises(QueryError):
        parse(text)


def test_empty_query_matches_everything_and_bad_dates_are_refused():
    assert parse("  ") is None
    assert Search().where() == ("1", [])
    with pytest.raises(QueryError, match="YYYY-MM-DD"):
        Search(date_from="1/2/2024").where()
    assert Search(date_from="2024-02", date_to="2024-03").where()[1] == ["2024-02-01", "2024-03-31|~"]
    assert Search(date_to="2024-03-05").where()[1] == ["0001-01-01", "2024-03-05|~"]  # undated stay out


def test_regions_by_name_short_form_code_and_facet_label():
    for written in ("62", "Kalteng", "kalimantan tengah", "KALIMANTAN  TENGAH", "62 Kalimantan Tengah"):
        assert resolve_region(written) == "62", written
    for written in ("Kotawaringin Barat", "Kabupaten Kotawaringin Barat", "kobar", "62.01"):
        assert resolve_region(written) == "62.01", written


def test_unknown_region_says_how_to_write_one_and_lists_provinces():
    with pytest.raises(UnknownValue) as raised:
        resolve_region("Kalimantan Tengahh")
    assert "kalimantan tengah" in raised.value.message and "62 Kalimantan Tengah" in raised.value.message


def test_labels_any_case_spaces_or_underscores_and_unknown_lists_the_valid():
    valid = ["kampanye", "politik_uang"]
    assert resolve_label("stage", "Politik Uang", valid) == "politik_uang"
    assert resolve_label("stage", "politik-uang", valid) == "politik_uang"
    with pytest.raises(UnknownValue, match="Valid: kampanye, politik_uang"):
        resolve_label("stage", "serangan fajar", valid)


def test_attention_is_zero_filled_between_first_and_last_month():
    assert months_between("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    rows = [("2023-11", "a", 1, 4), ("2024-02", "a", 0, 2), ("2024-02", "b", 3, 3)]
    filled = zero_filled(rows, Search())
    assert [(r["month"], r["source"], r["matches"], r["articles"]) for r in filled] == [
        ("2023-11", "a", 1, 4), ("2023-11", "b", 0, 0), ("2023-12", "a", 0, 0), ("2023-12", "b", 0, 0),
        ("2024-01", "a", 0, 0), ("2024-01", "b", 0, 0), ("2024-02", "a", 0, 2), ("2024-02", "b", 3, 3)]
    assert filled[0]["share"] == 0.25
    assert [r["month"] for r in zero_filled(rows, Search(date_from="2024-01-15"))] == ["2024-01"] * 2 + ["2024-02"] * 2
