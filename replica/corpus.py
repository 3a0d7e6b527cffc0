"""The replica's articles: generated from a seed, the truth the crawl is compared with.

Each :class:`Release` is one press release as the archive should store it (clean paragraphs,
date, title) plus how the replica presents it (layout, caption, inserts, sign-off, copies on the
regency portal). Rendering lives in :mod:`replica.pages`.
"""

from __future__ import annotations

import random
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from importlib.resources import files

MMC_HOST = "https://mmc.kotawaringinbaratkab.go.id"
PORTAL_HOST = "https://kotawaringinbaratkab.go.id"
KEMENDAGRI_HOST = "https://kemendagri.go.id"

HARI = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
         "Oktober", "November", "Desember"]
BULAN_PENDEK = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
PHOTOGRAPHERS = ["Ervan Setianto", "Syarif HD", "humas diskominfo kobar", "kesbangpol kobar"]
FIRST_DAY = date(2018, 1, 2)
LAST_DAY = date(2026, 11, 20)


@dataclass
class Release:
    source: str
    slug: str
    title: str
    paragraphs: list[str]
    published: datetime
    election: bool
    unit: str
    story: str
    layout: str = "classic"
    caption: str | None = None
    inserts: list[tuple[int, str]] = field(default_factory=list)
    mid_caption: tuple[int, str] | None = None
    listed: bool = True
    portal_blog: bool = False
    portal_node: int | None = None
    api_id: int | None = None
    views: int = 0
    removed: bool = False
    version: int = 1
    republished_from: str | None = None
    republished_as: str | None = None

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def url(self) -> str:
        host = MMC_HOST if self.source == "mmc_kobar" else KEMENDAGRI_HOST
        return f"{host}/berita/{self.slug}"

    @property
    def aliases(self) -> list[str]:
        urls = []
        if self.portal_blog:
            urls.append(f"{PORTAL_HOST}/id/blog/{self.slug}")
        if self.portal_node:
            urls.append(f"{PORTAL_HOST}/index.php/en/node/{self.portal_node}")
        return urls

    @property
    def lead_date_phrase(self) -> str:
        day = self.published.date()
        return f"{HARI[day.weekday()]} ({day.day}/{day.month})"

    def manifest(self) -> dict:
        story = next(s for s in stories()["story"] if s["key"] == self.story)
        return {
            "source": self.source,
            "url": self.url,
            "title": self.title,
            "body": self.body,
            "published_date": self.published.date().isoformat(),
            "published_at": _utc(self.published) if self.layout != "classic" else None,
            "aliases": self.aliases,
            "election_related": self.election,
            "election_types": story.get("types", []),
            "election_stages": story.get("stages", []),
            "institutions": story.get("institutions", []),
            "regions": mentioned_regions(f"{self.title}\n{self.body}"),
            "story": self.story,
            "layout": self.layout,
            "source_unit": self.unit,
            "listed": self.listed,
            "other_versions": [u for u in (self.republished_from, self.republished_as) if u],
            "version": self.version,
        }


def _utc(moment: datetime) -> str:
    return (moment - timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%SZ")


@cache
def stories() -> dict:
    return tomllib.loads(files("replica").joinpath("stories.toml").read_text("utf-8"))


def mentioned_regions(text: str) -> list[str]:
    """Codes of the places a text names, from the hand-written [region_mentions] table."""
    table = stories()["region_mentions"]
    found, rest = set(), text
    for phrase in sorted(table, key=len, reverse=True):
        if re.search(rf"\b{re.escape(phrase)}\b", rest):
            found.add(table[phrase])
            rest = re.sub(rf"\b{re.escape(phrase)}\b", " ", rest)
    return sorted(found)


def slugify(title: str) -> str:
    """Like the real MMC slugs: lower case, words joined by ``-``, a trailing ``-`` kept."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).lstrip("-")
    return slug


def _fill(template: str, rng: random.Random, slots: dict, chosen: dict) -> str:
    def pick(match: re.Match) -> str:
        name = match[1]
        if name not in chosen:
            chosen[name] = rng.choice(slots[name])
        return chosen[name]
    return re.sub(r"\{(\w+)\}", pick, template)


def generate(articles: int = 72, seed: int = 2024) -> list[Release]:
    """``articles`` releases, two in three from MMC Kobar, about a third on elections."""
    rng = random.Random(seed)
    data = stories()
    slots, story_list = data["slots"], data["story"]
    by_source = {
        "mmc_kobar": [s for s in story_list if "kemendagri" not in s["unit"] and s["unit"] != "dukcapil"],
        "kemendagri": [s for s in story_list if "kemendagri" in s["unit"] or s["unit"] == "dukcapil"],
    }
    span = (LAST_DAY - FIRST_DAY).days
    releases: list[Release] = []
    used_slugs: set[str] = set()
    for index in range(articles):
        source = "kemendagri" if index % 3 == 2 else "mmc_kobar"
        election = rng.random() < 0.4
        pool = [s for s in by_source[source] if s["election"] == election] or by_source[source]
        story = rng.choice(pool)
        chosen: dict = {}
        title = _fill(rng.choice(story["titles"]), rng, slots, chosen)
        slug = slugify(title)
        while slug in used_slugs:
            title = f"{title.rstrip('!?.')} ({len(used_slugs) % 97 + 2})"
            slug = slugify(title)
        used_slugs.add(slug)
        day = FIRST_DAY + timedelta(days=int(span * (index + rng.random()) / articles))
        published = datetime(day.year, day.month, day.day, rng.randint(7, 17), rng.choice([0, 15, 30, 45]))
        lead = _fill(story["lead"], rng, slots, chosen)
        extra = [p for p in story["paragraphs"] if rng.random() < 0.8] or story["paragraphs"][:1]
        body = [_fill(p, rng, slots, chosen) for p in extra]
        release = Release(source=source, slug=slug, title=title, paragraphs=[], published=published,
                          election=story["election"], unit=story["unit"], story=story["key"],
                          views=rng.randint(20, 3000))
        if source == "mmc_kobar":
            _dress_mmc(release, lead, body, rng, index)
        else:
            release.paragraphs = [lead + ".", *body]
            release.api_id = 30000 + index
        releases.append(release)
    _link_inserts(releases, rng)
    releases.extend(_republications(releases))
    return releases


def _republications(releases: list[Release]) -> list[Release]:
    """Every fourth Kemendagri release, re-published by MMC Kobar a day later with a new first
    paragraph: not the same release (no alias), but another version of the same story."""
    copies = []
    for original in [r for r in releases if r.source == "kemendagri"][::4]:
        published = original.published + timedelta(days=1, hours=2)
        copy = Release(source="mmc_kobar", slug=f"{original.slug}-kobar", title=original.title,
                       paragraphs=[], published=published, election=original.election,
                       unit="humas diskominfo kobar", story=original.story, layout="classic",
                       views=original.views // 3 + 7, republished_from=original.url)
        lead = (f"Pemerintah Kabupaten Kotawaringin Barat menindaklanjuti siaran pers Kementerian Dalam "
                f"Negeri tentang {original.title.rstrip('!?.').lower()}, {copy.lead_date_phrase}.")
        copy.paragraphs = [lead, *original.paragraphs]
        original.republished_as = copy.url
        copies.append(copy)
    return copies


def _dress_mmc(release: Release, lead: str, body: list[str], rng: random.Random, index: int) -> None:
    day = release.published.date()
    release.layout = "bullet" if day.year >= 2023 or rng.random() < 0.2 else "classic"
    release.paragraphs = [f"{lead}, {release.lead_date_phrase}.", *body]
    photographer = rng.choice(PHOTOGRAPHERS)
    if rng.random() < 0.8:
        stamp = f"({day.day:02d}/{day.month:02d}/{day.year})" if rng.random() < 0.4 else release.lead_date_phrase
        end = rng.choice([f" ({photographer})", f"- {photographer.title()}", ""])
        release.caption = f"Suasana kegiatan {release.title.rstrip('!?.').lower()}, {stamp}{end}"
    if len(body) >= 3 and rng.random() < 0.3:
        release.mid_caption = (2, f"Para peserta mengikuti kegiatan di Pangkalan Bun, {release.lead_date_phrase}")
    release.listed = index % 9 != 4
    if not release.listed and not (release.caption and re.search(r"\(\d\d/\d\d/\d{4}\)", release.caption)):
        # An article found only through links still holds a full date: its caption says it.
        release.caption = f"Dokumentasi kegiatan, ({day.day:02d}/{day.month:02d}/{day.year})"
    release.portal_blog = index % 4 in (0, 1)
    release.portal_node = 3900 + index if index % 5 == 0 else None


def _link_inserts(releases: list[Release], rng: random.Random) -> None:
    """Baca Juga inserts point at other MMC articles, whatever their date (inserted at render)."""
    mmc = [r for r in releases if r.source == "mmc_kobar"]
    for release in mmc:
        if len(release.paragraphs) < 2 or rng.random() < 0.3:
            continue
        target = rng.choice(mmc)
        if target is not release:
            release.inserts.append((rng.randint(1, min(3, len(release.paragraphs) - 1)), target.slug))
    unlisted = [r for r in mmc if not r.listed]
    listed = [r for r in mmc if r.listed]
    for position, target in enumerate(unlisted):
        host = listed[(position * 7 + 3) % len(listed)]
        if host is not target and not any(slug == target.slug for _, slug in host.inserts):
            host.inserts.append((1, target.slug))


def format_long_date(moment: datetime | date) -> str:
    day = moment.date() if isinstance(moment, datetime) else moment
    return f"{HARI[day.weekday()]}, {day.day:02d} {BULAN[day.month - 1]} {day.year}"
