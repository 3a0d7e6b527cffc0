"""How to cite an archived article: APA-style text, BibTeX, RIS, and the Highwire
``citation_*`` meta tags that reference managers (Zotero's connector) read. Pure functions: an
article row and its permalink in, text out (``plugins/cite.py`` hands them to ``row.html``)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

# Account names a CMS shows as the author (``Topuser``, ``adminkominfo``): they name nobody.
NOT_AUTHORS = re.compile(r"^(top ?user|super ?admin|admin.*|webmaster|operator)$", re.I)

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
         "Oktober", "November", "Desember")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
WIB = timezone(timedelta(hours=7))


def _day(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return None


def _moment(value) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def tanggal(day: date) -> str:
    """``Kamis, 27 Februari 2020``."""
    return f"{HARI[day.weekday()]}, {day.day} {BULAN[day.month - 1]} {day.year}"


def wib_time(published_at) -> str | None:
    """``07.30 WIB`` for a UTC moment (Indonesian writes hours with a dot)."""
    moment = _moment(published_at)
    return moment.astimezone(WIB).strftime("%H.%M WIB") if moment else None


def author_of(article: dict) -> str | None:
    author = (article.get("author") or "").strip()
    return author if author and not NOT_AUTHORS.match(author) else None


def citation(article: dict, permalink: str, source: dict | None = None) -> dict:
    """Everything a citation of ``article`` says, each part once. ``source``: its row of the
    ``sources`` table (publication and publisher, as the source's spider declares them)."""
    facts = source or {}
    publication = facts.get("publication") or article.get("source") or ""
    retrieved = _day(article.get("fetched_at"))
    return {
        "title": _one_line(article.get("title")),
        "author": author_of(article),
        "publisher": facts.get("publisher") or publication,
        "publication": publication,
        "published": _day(article.get("published_date")),
        "retrieved": retrieved,
        "url": article.get("url") or "",
        "permalink": permalink,
        "version": article.get("version") or 1,
        "key": f"{article.get('source') or 'article'}{article.get('id')}",
    }


def _one_line(text) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip()


def apa(c: dict) -> str:
    """APA 7 for a news website, with the archived copy: Author. (2020, February 27). Title.
    Publication. URL (archived copy, version, retrieved date: permalink)."""
    who = c["author"] or c["publisher"]
    when = (f"{c['published'].year}, {MONTHS[c['published'].month - 1]} {c['published'].day}"
            if c["published"] else "n.d.")
    retrieved = (f", retrieved {MONTHS[c['retrieved'].month - 1]} {c['retrieved'].day}, {c['retrieved'].year}"
                 if c["retrieved"] else "")
    return (f"{who.rstrip('.')}. ({when}). {c['title']}. {c['publication']}. {c['url']} "
            f"(archived copy, version {c['version']}{retrieved}: {c['permalink']})")


BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%",
                  "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _tex(text) -> str:
    return "".join(BIBTEX_SPECIAL.get(ch, ch) for ch in _one_line(text))


def _tex_url(url: str) -> str:
    # url fields are read verbatim; only braces (never in a canonical URL) could unbalance them.
    return url.replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


def bibtex(c: dict) -> str:
    """A biblatex ``@online`` entry (classic BibTeX reads the same fields it knows)."""
    fields = [("title", "{" + _tex(c["title"]) + "}")]
    # A person's name as given; an organisation in double braces so it is never split into names.
    fields.append(("author", _tex(c["author"]) if c["author"] else "{" + _tex(c["publisher"]) + "}"))
    fields += [("organization", _tex(c["publisher"])), ("journaltitle", _tex(c["publication"]))]
    if c["published"]:
        fields += [("date", c["published"].isoformat()), ("year", str(c["published"].year)),
                   ("month", str(c["published"].month))]
    fields += [("url", _tex_url(c["url"]))]
    if c["retrieved"]:
        fields.append(("urldate", c["retrieved"].isoformat()))
    fields += [("langid", "indonesian"),
               ("note", f"Archived copy, version {c['version']}: \\url{{{_tex_url(c['permalink'])}}}")]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@online{{{c['key']},\n{body}\n}}"


def ris(c: dict) -> str:
    """An RIS record (newspaper article): one tag per line, ``ER`` last."""
    lines = [("TY", "NEWS"), ("TI", c["title"]), ("AU", c["author"] or c["publisher"]),
             ("T2", c["publication"]), ("PB", c["publisher"])]
    if c["published"]:
        lines += [("PY", str(c["published"].year)), ("DA", c["published"].strftime("%Y/%m/%d"))]
    lines += [("UR", c["url"])]
    if c["retrieved"]:
        lines.append(("Y2", c["retrieved"].strftime("%Y/%m/%d")))
    lines += [("LA", "id"), ("N1", f"Archived copy, version {c['version']}: {c['permalink']}")]
    return "\n".join(f"{tag}  - {_one_line(value)}" for tag, value in lines) + "\nER  - \n"


def meta_tags(c: dict) -> list[tuple[str, str]]:
    """Highwire Press tags (Zotero's Embedded Metadata translator, Google Scholar), Dublin Core
    and Open Graph, as (name, content) pairs."""
    tags = [("citation_title", c["title"])]
    if c["author"]:
        tags.append(("citation_author", c["author"]))
    if c["published"]:
        tags += [("citation_publication_date", c["published"].strftime("%Y/%m/%d")),
                 ("citation_date", c["published"].strftime("%Y/%m/%d")),
                 ("DC.date", c["published"].isoformat())]
    tags += [("citation_publisher", c["publisher"]), ("citation_journal_title", c["publication"]),
             ("citation_public_url", c["url"]), ("citation_fulltext_html_url", c["permalink"]),
             ("citation_language", "id"), ("DC.title", c["title"]), ("DC.publisher", c["publisher"]),
             ("DC.identifier", c["url"]), ("DC.language", "id"), ("og:type", "article"),
             ("og:title", c["title"]), ("og:site_name", c["publication"]), ("og:url", c["permalink"])]
    return tags
