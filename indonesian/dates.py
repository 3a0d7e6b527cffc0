"""Indonesian publication dates: regex and tables, no general-purpose parser.

A spider collects *evidence* (``{"kind": ..., "text": ...}``: JSON-LD, meta tags, the API,
a bullet line, a listing entry, the lead, a caption); :func:`resolve` picks the strongest
piece, parses it and, when the year is missing, infers it from the rest of the evidence, the
weekday and the fetch time. The result says which rule fired and how sure it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache

WIB = timezone(timedelta(hours=7), "WIB")
ZONES = {"WIB": 7, "WITA": 8, "WIT": 9}

MONTHS = {
    "januari": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "feb": 2, "peb": 2,
    "maret": 3, "mar": 3, "mrt": 3,
    "april": 4, "apr": 4,
    "mei": 5,
    "juni": 6, "jun": 6,
    "juli": 7, "jul": 7,
    "agustus": 8, "agu": 8, "agt": 8, "agst": 8, "ags": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "des": 12, "dec": 12,
}
WEEKDAYS = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "jum’at": 4,
    "sabtu": 5, "minggu": 6, "ahad": 6,
}

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY = "|".join(sorted((re.escape(d) for d in WEEKDAYS), key=len, reverse=True))
_TIME = r"(?:\s*[,|/-]?\s*(?:pukul|jam|pkl\.?)?\s*(?P<hh>\d{1,2})[.:](?P<mi>\d{2})(?:[.:]\d{2})?\s*(?P<tz>WITA|WIB|WIT)?)?"

# Patterns start at a digit, so a search skips most of a long lead quickly; the weekday that may
# stand before a date is read afterwards from the text just before it (WEEKDAY_BEFORE).
FULL_DATE = re.compile(
    rf"\b(?P<d>\d{{1,2}})\s+(?P<m>{_MONTH})\.?\s+(?P<y>\d{{4}})\b{_TIME}",
    re.I,
)
BRACKET_DATE = re.compile(
    r"\(\s*(?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})(?:\s*/\s*(?P<y>\d{2}(?:\d{2})?))?\s*[).]",
)
WEEKDAY_BEFORE = re.compile(rf"(?P<wd>{_DAY})\s*,?\s*$", re.I)
NUMERIC_DATE = re.compile(
    rf"\b(?P<a>\d{{1,2}})/(?P<b>\d{{1,2}})/(?P<y>\d{{4}}){_TIME}", re.I,
)
DAY_MONTH = re.compile(rf"\b(?P<m>{_MONTH})\b\.?\s*(?P<d>\d{{1,2}})\b|\b(?P<d2>\d{{1,2}})\s+(?P<m2>{_MONTH})\b", re.I)
YEAR_MENTION = re.compile(r"\b(20[0-3]\d)\b")
RELATIVE = re.compile(
    r"\b(?:(?P<n>\d+)\s+(?P<unit>menit|jam|hari|minggu|bulan)\s+(?:yang\s+)?lalu|(?P<word>kemarin|hari ini))\b",
    re.I,
)

# Strength of each kind of evidence: structured metadata first, then what the page states about
# itself, then what a listing says, then dates in the story's lead and caption.
# "nextdata": a Next.js page's own JSON; "microdata": itemprop/RDFa attributes; "header": a full
# date written visibly next to the title; "feed": an RSS/Atom item or a CMS API listing entry;
# "lead_written": "Senin, 23 Juli 2018" (weekday and full date) in the lead, the report's own date
# when the lead has no "Hari (D/M)": low, so any other evidence wins.
KIND_ORDER = ["api", "jsonld", "nextdata", "microdata", "meta", "time", "bullet", "header", "dateline",
              "listing", "feed", "lead", "caption", "lead_written", "relative", "title"]
ISO_KINDS = ("api", "jsonld", "nextdata", "microdata", "meta", "time", "feed")
RANK = {"high": 3, "medium": 2, "low": 1}
STORY_KINDS = {"lead", "caption"}
CONFIDENCE = {"api": "high", "jsonld": "high", "nextdata": "high", "microdata": "high", "meta": "high",
              "time": "high", "bullet": "high", "header": "high", "dateline": "high", "listing": "high",
              "feed": "high", "lead": "medium", "caption": "medium", "lead_written": "low", "relative": "medium"}


@dataclass(frozen=True)
class DateResult:
    published_date: str | None
    published_at: str | None
    date_text: str | None
    date_method: str | None
    date_confidence: str | None


NO_DATE = DateResult(None, None, None, None, None)


@dataclass(frozen=True)
class _Parsed:
    day: int
    month: int
    year: int | None
    weekday: int | None
    hour: int | None = None
    minute: int | None = None
    offset_hours: int = 7


def parse_iso(text: str) -> datetime | None:
    """ISO-8601 (``Z``, offsets, micro-seconds); naive values are taken as WIB."""
    text = text.strip()
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=WIB)


def _year(raw: str | None) -> int | None:
    if not raw:
        return None
    year = int(raw)
    return year + 2000 if year < 100 else year


def _weekday(raw: str | None) -> int | None:
    return WEEKDAYS.get(raw.lower().replace("’", "'")) if raw else None


def _weekday_before(text: str, match: re.Match) -> int | None:
    before = WEEKDAY_BEFORE.search(text[max(0, match.start() - 12): match.start()])
    return _weekday(before["wd"]) if before else None


def _time_parts(match: re.Match) -> dict:
    if match.groupdict().get("hh") is None:
        return {}
    hour, minute = int(match["hh"]), int(match["mi"])
    if hour > 23 or minute > 59:
        return {}
    return {"hour": hour, "minute": minute, "offset_hours": ZONES.get((match["tz"] or "WIB").upper(), 7)}


@lru_cache(maxsize=4096)  # pure, its result frozen: resolve() parses each piece of evidence twice
def parse_text(text: str, *, month_first: bool = False, in_story: bool = False) -> _Parsed | None:
    """The first date written in ``text`` in any of the Indonesian forms, year optional.

    ``in_story``: the text is a lead or caption, where a bracketed ``Hari (D/M)`` is the
    report's own date and a written-out date is more often a schedule or a piece of history.
    """
    if in_story and (match := BRACKET_DATE.search(text)):
        return _Parsed(int(match["d"]), int(match["m"]), _year(match["y"]), _weekday_before(text, match))
    if in_story:
        return None
    if match := FULL_DATE.search(text):
        return _Parsed(int(match["d"]), MONTHS[match["m"].lower()], _year(match["y"]),
                       _weekday_before(text, match), **_time_parts(match))
    if match := NUMERIC_DATE.search(text):
        first, second = int(match["a"]), int(match["b"])
        day, month = (second, first) if month_first else (first, second)
        return _Parsed(day, month, _year(match["y"]), None, **_time_parts(match))
    if match := BRACKET_DATE.search(text):
        return _Parsed(int(match["d"]), int(match["m"]), _year(match["y"]), _weekday_before(text, match))
    if match := DAY_MONTH.search(text):
        month = match["m"] or match["m2"]
        day = match["d"] or match["d2"]
        return _Parsed(int(day), MONTHS[month.lower()], None, None)
    return None


def parse_relative(text: str, fetched: datetime) -> datetime | None:
    match = RELATIVE.search(text)
    if not match:
        return None
    if match["word"]:
        return fetched - timedelta(days=1 if match["word"].lower() == "kemarin" else 0)
    n, unit = int(match["n"]), match["unit"].lower()
    days = {"menit": n / 1440, "jam": n / 24, "hari": n, "minggu": 7 * n, "bulan": 30 * n}[unit]
    return fetched - timedelta(days=days)


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def infer_year(parsed: _Parsed, hints: list[date], today: date,
               mentioned_years: tuple[int, ...] = ()) -> tuple[int | None, str]:
    """Pick the year for a day and month written without one, and say how it was chosen.

    Evidence in order: a full date elsewhere in the evidence within three days of it; a year
    the text mentions ("Pilkada Serentak 2020") that puts the day on its weekday; the weekday
    alone (the latest year that matches); otherwise the latest year not in the future.
    """
    for hint in hints:
        for year in (hint.year, hint.year - 1, hint.year + 1):
            candidate = _valid(year, parsed.month, parsed.day)
            if candidate and abs((candidate - hint).days) <= 3:
                return year, "year from other date"
    if parsed.weekday is not None:
        for year in sorted(set(mentioned_years), reverse=True):
            candidate = _valid(year, parsed.month, parsed.day)
            if candidate and candidate <= today and candidate.weekday() == parsed.weekday:
                return year, "year from mentioned year and weekday"
        for year in range(today.year, today.year - 12, -1):
            candidate = _valid(year, parsed.month, parsed.day)
            if candidate and candidate <= today and candidate.weekday() == parsed.weekday:
                return year, "year from weekday"
    for year in (today.year, today.year - 1):
        candidate = _valid(year, parsed.month, parsed.day)
        if candidate and candidate <= today:
            return year, "year from fetch time"
    return None, ""


def resolve(evidence: list[dict], fetched_at: str | None = None) -> DateResult:
    """The publication date from a page's date evidence (see the module docstring)."""
    fetched = parse_iso(fetched_at) if fetched_at else None
    fetched = (fetched or datetime.now(UTC)).astimezone(WIB)
    ordered = sorted((e for e in evidence if e.get("text")),
                     key=lambda e: KIND_ORDER.index(e["kind"]) if e["kind"] in KIND_ORDER else 99)
    full_dates = []
    for item in ordered:
        if item["kind"] == "title":
            continue
        parsed = parse_text(item["text"], month_first=item.get("month_first", False),
                            in_story=item["kind"] in STORY_KINDS)
        if parsed and parsed.year and (d := _valid(parsed.year, parsed.month, parsed.day)):
            full_dates.append(d)
    mentioned = tuple(int(y) for e in ordered if e["kind"] in STORY_KINDS | {"title"}
                      for y in YEAR_MENTION.findall(e["text"]))
    best: DateResult | None = None
    for item in ordered:
        result = _resolve_one(item, fetched, full_dates, mentioned)
        if result and (best is None or strength(result) > strength(best)):
            best = result
            if result.date_confidence == "high":
                break
    if best:
        return best
    first = ordered[0]["text"].strip()[:200] if ordered else None
    return DateResult(None, None, first, None, None)


def _resolve_one(item: dict, fetched: datetime, hints: list[date],
                 mentioned: tuple[int, ...]) -> DateResult | None:
    kind, text = item["kind"], item["text"].strip()
    if kind == "title":
        return None
    confidence = CONFIDENCE.get(kind, "low")
    if kind in ISO_KINDS and (stamp := parse_iso(text)):
        if not _plausible(stamp.date(), fetched):
            return None  # 9999-12-31 or 1970-01-01 in structured data is not evidence
        if len(text) == 10:  # a date without a time of day
            return DateResult(text, None, text, f"{kind}: iso", confidence)
        return _stamp_result(stamp, text, f"{kind}: iso", confidence)
    in_story = kind in STORY_KINDS
    if not in_story and (stamp := parse_relative(text, fetched)):
        return DateResult(stamp.date().isoformat(), None, text, f"{kind}: relative", "medium")
    parsed = parse_text(text, month_first=item.get("month_first", False), in_story=in_story)
    if not parsed:
        return None
    method = f"{kind}: text"
    year = parsed.year
    if year is None:
        year, how = infer_year(parsed, hints, fetched.date(), mentioned)
        if year is None:
            return None
        method = f"{kind}: {how}"
        confidence = "low" if how == "year from fetch time" else "medium"
    day = _valid(year, parsed.month, parsed.day)
    if day is None or not _plausible(day, fetched):
        return None
    if parsed.weekday is not None and day.weekday() != parsed.weekday:
        confidence = "low"
        method += " (weekday mismatch)"
    if parsed.hour is not None:
        zone = timezone(timedelta(hours=parsed.offset_hours))
        stamp = datetime(day.year, day.month, day.day, parsed.hour, parsed.minute, tzinfo=zone)
        return _stamp_result(stamp, text, method, confidence)
    return DateResult(day.isoformat(), None, text, method, confidence)


# No Indonesian government news site in this archive published before this: an earlier date
# is a placeholder or a typo, not evidence.
EARLIEST = date(2000, 1, 1)
CLOCK_SKEW = timedelta(days=1)  # a page may be dated in a time zone ahead of the fetch's


def _plausible(day: date, fetched: datetime) -> bool:
    return EARLIEST <= day <= fetched.date() + CLOCK_SKEW


METHOD_STRENGTH = (("year from fetch time", 0), ("year from weekday", 1),
                   ("year from mentioned year", 2), ("year from other date", 3))


def strength(result: DateResult) -> int:
    """How much to trust a date, to choose between two: confidence first, then the rule."""
    if result.published_date is None:
        return -1
    method = result.date_method or ""
    rule = next((value for text, value in METHOD_STRENGTH if text in method), 4)
    return RANK.get(result.date_confidence, 0) * 10 + rule


def _stamp_result(stamp: datetime, text: str, method: str, confidence: str) -> DateResult:
    return DateResult(
        stamp.astimezone(WIB).date().isoformat(),
        utc_stamp(stamp),
        text,
        method,
        confidence,
    )


def utc_stamp(moment: datetime | None = None) -> str:
    """``2026-11-30T13:45:00Z``: how the archive writes every moment (UTC, whole seconds)."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")
