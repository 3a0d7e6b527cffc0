"""What a person types into a filter, resolved to the value the archive stores.

"Kalteng", "kalimantan tengah", "62" and "62 Kalimantan Tengah" are all province 62;
"Politik Uang" is the stage ``politik_uang``; "Kemendagri" and "MMC Kobar" are the sources
``kemendagri`` and ``mmc_kobar``. A value that resolves to nothing raises :class:`UnknownValue`,
whose message lists the valid values (or, for regions, how to write one and the closest names).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from functools import cache
from importlib.resources import files

from indonesian.regions import gazetteer

CODE = re.compile(r"^\d{2}(\.\d{2}){0,2}$")
LEVEL_RANK = {"province": 0, "regency": 1, "city": 1, "district": 2}


class UnknownValue(ValueError):
    def __init__(self, what: str, given: str, message: str):
        super().__init__(message)
        self.what, self.given, self.message = what, given, message


def normal(text: str) -> str:
    """Case, underscores, hyphens and runs of spaces do not matter."""
    return " ".join(re.sub(r"[_\-]+", " ", str(text)).lower().split())


def resolve_label(what: str, given: str, valid: list[str]) -> str:
    """One of ``valid`` (codes such as ``politik_uang``), written any way a person would."""
    wanted = normal(given)
    for value in valid:
        if normal(value) == wanted:
            return value
    raise UnknownValue(what, given, f"Unknown {what} {given!r}. Valid: {', '.join(sorted(valid))}.")


@cache
def _region_names() -> dict[str, set[str]]:
    """Every way of naming a region (official name, name without Kabupaten/Kota, local short
    forms from ``indonesian/data/regions.toml``), normalised, with the codes it names."""
    names: dict[str, set[str]] = {}
    for region in gazetteer().values():
        names.setdefault(normal(region.name), set()).add(region.code)
        bare = re.sub(r"^(kabupaten|kota)( administrasi)? ", "", normal(region.name))
        names.setdefault(bare, set()).add(region.code)
    aliases = tomllib.loads(files("indonesian").joinpath("data/regions.toml").read_text("utf-8"))["aliases"]
    for alias, code in aliases.items():
        names.setdefault(normal(alias), set()).add(code)
    return names


def label_of_region(code: str) -> str:
    """"62 Kalimantan Tengah": how the ``places`` column and its facet write a region."""
    return f"{code} {gazetteer()[code].name}"


def resolve_region(given: str) -> str:
    """The Kemendagri code of the region a person means."""
    regions = gazetteer()
    text = " ".join(str(given).split())
    head = text.split(" ", 1)[0]
    if CODE.match(head) and head in regions:
        return head  # "62", or "62 Kalimantan Tengah" as the facet writes it
    codes = _region_names().get(normal(text), set())
    if codes:
        # "Kotawaringin Barat" is a regency, never a district of the same name elsewhere.
        best = min(LEVEL_RANK[regions[c].level] for c in codes)
        codes = sorted(c for c in codes if LEVEL_RANK[regions[c].level] == best)
        if len(codes) == 1:
            return codes[0]
        options = "; ".join(f"{label_of_region(c)} (in {regions[regions[c].parent].name})" for c in codes)
        raise UnknownValue("region", given, f"Region {given!r} names {len(codes)} places: {options}. "
                                            "Use the code of the one you mean.")
    close = difflib.get_close_matches(normal(text), list(_region_names()), n=5, cutoff=0.75)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    provinces = ", ".join(label_of_region(r.code) for r in regions.values() if r.level == "province")
    raise UnknownValue("region", given, f"Unknown region {given!r}.{hint} Write a name (Kalimantan Tengah, "
                                        "Kotawaringin Barat), a short form (Kalteng, Kobar) or a Kemendagri "
                                        f"code (62, 62.01, 62.01.02). Provinces: {provinces}.")
