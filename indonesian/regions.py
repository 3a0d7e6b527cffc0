"""Region linking: provinces, regencies/cities and districts named in a text, with their
Kemendagri area codes (idn-area-data, ``data/idn-area/``) and local short forms
(``data/regions.toml``).

Rules (also in the README):
- a province is linked by its name or a short form (Kalteng), written with capitals;
- a regency or city by "Kabupaten X" / "Kota X" (and Kab., Pemkab, Pemkot ...), by a short
  form (Kobar), or by its bare name when that name is unambiguous (not both a Kabupaten and a
  Kota, not an ordinary word listed in ``needs_prefix``) and written with capitals;
- a district after "Kecamatan"/"Kec." (where several districts share the name, only the one
  inside a regency the article or its publisher is about); written without the prefix ("di
  Kumai"), only when it lies inside such a regency.
"""

from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

TOKEN = re.compile(r"[\w'-]+")


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # province, regency, city, district
    parent: str | None


@dataclass(frozen=True)
class _Name:
    words: tuple[str, ...]
    codes: tuple[str, ...]
    kind: str  # province, regency, city, alias, district
    needs_prefix: bool


def _csv(name: str) -> list[dict]:
    text = files("indonesian").joinpath(f"data/idn-area/{name}.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def gazetteer() -> dict[str, Region]:
    regions = {}
    for row in _csv("provinces"):
        regions[row["code"]] = Region(row["code"], row["name"], "province", None)
    for row in _csv("regencies"):
        level = "city" if row["name"].startswith("Kota ") else "regency"
        regions[row["code"]] = Region(row["code"], row["name"], level, row["province_code"])
    for row in _csv("districts"):
        regions[row["code"]] = Region(row["code"], row["name"], "district", row["regency_code"])
    return regions


def _words(name: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in TOKEN.findall(name))


@cache
def _index() -> tuple[dict[str, list[_Name]], dict]:
    data = tomllib.loads(files("indonesian").joinpath("data/regions.toml").read_text("utf-8"))
    settings = data["settings"]
    needs_prefix = {_words(n) for n in settings["needs_prefix"]}
    names: dict[tuple[str, ...], dict[str, set[str]]] = {}

    def add(name: str, code: str, kind: str) -> None:
        names.setdefault(_words(name), {}).setdefault(kind, set()).add(code)

    for region in gazetteer().values():
        if region.level == "province":
            add(region.name, region.code, "province")
        elif region.level in ("regency", "city"):
            base = re.sub(r"^(Kabupaten|Kota)( Administrasi)? ", "", region.name)
            add(base, region.code, region.level)
        else:
            add(region.name, region.code, "district")
    for alias, code in data["aliases"].items():
        add(alias, code, "alias")
    by_first: dict[str, list[_Name]] = {}
    for words, kinds in names.items():
        for kind, codes in kinds.items():
            entry = _Name(words, tuple(sorted(codes)), kind, words in needs_prefix)
            by_first.setdefault(words[0], []).append(entry)
    for entries in by_first.values():
        entries.sort(key=lambda e: -len(e.words))
    prefixes = {key: [_words(p) for p in settings[key]]
                for key in ("regency_prefixes", "city_prefixes", "province_prefixes", "district_prefixes")}
    return by_first, prefixes


def _prefix_before(tokens: list[str], start: int, prefixes: list[tuple[str, ...]]) -> bool:
    return any(tuple(tokens[max(0, start - len(p)):start]) == p for p in prefixes)


def link(text: str, publisher_region: str | None = None) -> list[str]:
    """Kemendagri codes of every region the text names, sorted."""
    by_first, prefixes = _index()
    matches = list(TOKEN.finditer(text or ""))
    originals = [m[0] for m in matches]
    tokens = [t.lower() for t in originals]
    found: set[str] = set()
    districts: list[tuple[str, ...]] = []
    bare_districts: list[tuple[str, ...]] = []  # "di Kumai": linked only inside a known regency
    index = 0
    while index < len(tokens):
        advanced = False
        for entry in by_first.get(tokens[index], ()):
            size = len(entry.words)
            if tuple(tokens[index:index + size]) != entry.words:
                continue
            capitalised = all(w[:1].isupper() for w in originals[index:index + size] if w[:1].isalpha())
            if entry.kind == "district":
                if _prefix_before(tokens, index, prefixes["district_prefixes"]):
                    districts.append(entry.codes)
                elif capitalised and not entry.needs_prefix:
                    bare_districts.append(entry.codes)
                else:
                    continue
                index, advanced = index + size, True
                break
            if entry.kind in ("regency", "city"):
                prefix_kind = "regency_prefixes" if entry.kind == "regency" else "city_prefixes"
                other = "city_prefixes" if entry.kind == "regency" else "regency_prefixes"
                prefixed = _prefix_before(tokens, index, prefixes[prefix_kind])
                bare_ok = (capitalised and not entry.needs_prefix and len(_kinds_of(entry.words)) == 1
                           and not _prefix_before(tokens, index, prefixes[other])
                           and not _prefix_before(tokens, index, prefixes["district_prefixes"]))
                if not (prefixed or bare_ok):
                    continue
                found.update(entry.codes)
            elif entry.kind in ("province", "alias"):
                if not capitalised or _prefix_before(tokens, index, prefixes["district_prefixes"]):
                    continue
                found.update(entry.codes)
            index, advanced = index + size, True
            break
        if not advanced:
            index += 1
    context = {c for c in found if c.count(".") == 1} | ({publisher_region} if publisher_region else set())
    for codes in districts:
        inside = [c for c in codes if c.rsplit(".", 1)[0] in context]
        if inside:
            found.update(inside)
        elif len(codes) == 1:
            found.add(codes[0])
    for codes in bare_districts:
        found.update(c for c in codes if c.rsplit(".", 1)[0] in context)
    return sorted(found)


def _kinds_of(words: tuple[str, ...]) -> set[str]:
    by_first, _ = _index()
    return {e.kind for e in by_first.get(words[0], ()) if e.words == words and e.kind in ("regency", "city")}
