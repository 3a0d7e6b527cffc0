"""Extraction on gold texts the spider was not designed for, rendered through every layout family.

    python -m bench.layouts            # the table, per family, beside trafilatura and htmldate
    python -m bench.layouts --failures # and every page the project gets wrong

The texts are ``tests/gold/texts.toml`` (written by hand, not from the replica's story
templates); each is rendered through every family of the layout zoo (``replica/zoo.py``) and
through the classic MMC layout, which shows no date but the text's own. Per family:

- found: an article with a title and a body came out of the page;
- title: exact title; body F1: token F1 of the stored body against the text (bags of
  lower-cased words); leak: share of bodies holding a listed boilerplate phrase;
- date full: exact day on pages that show a full date (with year) anywhere;
- date d/m: day and month right on pages that show only the lead's "Hari (D/M)";
- no date: pages with no date at all, for which a stored date is a guess (counted, not scored).

trafilatura (``bare_extraction``, ``favor_precision``) and htmldate (``find_date``, original
date) run on the same pages.
"""

from __future__ import annotations

import argparse
import re
import tomllib
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

from bench.gold import token_prf
from crawler.replay import items_from, offline_spider, pipelines, response, through
from indonesian.text import clean_whitespace, leaked_phrases
from replica import pages, zoo
from replica.corpus import BULAN, HARI, MMC_HOST, Release, slugify

TEXTS = Path(__file__).resolve().parent.parent / "tests" / "gold" / "texts.toml"
FAMILIES = (*zoo.FAMILIES, "classic")
FETCHED_AT = "2026-11-27T00:00:00Z"
# How each placeholder shows the date: a full date (with year) or only day and month.
SHAPES = {"dm": "dm", "dmq": "dm", "comma": "dm", "dmy": "full", "dmy0": "full", "dmy2": "full",
          "long": "full", "range": "full"}


def _placeholders(moment: datetime) -> dict[str, str]:
    day = moment.date()
    hari = HARI[day.weekday()]
    start = day - timedelta(days=1)
    return {
        "dm": f"{hari} ({day.day}/{day.month})",
        "dmq": f"{'Jum’at' if hari == 'Jumat' else hari} ({day.day}/{day.month})",
        "comma": f"{hari}, ({day.day}/{day.month})",
        "dmy": f"{hari} ({day.day}/{day.month}/{day.year})",
        "dmy0": f"{hari}  ({day.day:02d}/{day.month:02d}/{day.year})",
        "dmy2": f"{hari} ({day.day}/{day.month}/{day.year % 100:02d})",
        "long": f"{hari}, {day.day} {BULAN[day.month - 1]} {day.year}",
        "range": f"({start.day:02d}/{start.month:02d}/{start.year % 100:02d}-{day.day:02d}/{day.month:02d}/{day.year % 100:02d})",
    }


def gold_texts() -> list[dict]:
    texts = tomllib.loads(TEXTS.read_text("utf-8"))["text"]
    for text in texts:
        moment = datetime.fromisoformat(text["published"])
        fill = _placeholders(moment)
        used = {s for p in [*text["paragraphs"], text.get("caption", "")] for s in re.findall(r"\{(\w+)\}", p)}
        text["shape"] = max((SHAPES[s] for s in used), key=("dm", "full").index, default="none")
        text["paragraphs"] = [p.format(**fill) for p in text["paragraphs"]]
        text["caption"] = text["caption"].format(**fill) if text.get("caption") else None
    return texts


def release_of(text: dict) -> tuple[Release, dict[str, str]]:
    """The text as a replica release (its extra credit lines as trailing paragraphs)."""
    titles = {slugify(title): title for _, title in text.get("inserts", [])}
    release = Release(
        source="mmc_kobar", slug=slugify(text["title"]), title=text["title"],
        paragraphs=[*text["paragraphs"], *text.get("extra", [])],
        published=datetime.fromisoformat(text["published"]), election=False,
        unit=text.get("closing", "").strip("() "), story="gold", caption=text.get("caption"),
        inserts=[(index, slugify(title)) for index, title in text.get("inserts", [])],
        mid_caption=tuple(text["mid_caption"]) if text.get("mid_caption") else None, views=101)
    return release, titles


def render(family: str, text: dict, seed: int) -> str:
    release, titles = release_of(text)
    if family == "classic":
        return pages.mmc_article(release, titles)
    return zoo.article(family, release, titles, [], seed)


def gold_pages() -> list[dict]:
    """Every text in every family: url, html, truth and what kind of date the page shows."""
    out = []
    for seed, text in enumerate(gold_texts()):
        for family in FAMILIES:
            shown = "full" if family != "classic" else text["shape"]
            out.append({"family": family, "id": text["id"], "url": f"{MMC_HOST}/berita/{slugify(text['title'])}",
                        "html": render(family, text, seed), "title": text["title"],
                        "body": "\n\n".join(map(clean_whitespace, text["paragraphs"])), "date": text["published"][:10], "shown": shown})
    return out


def project(pages_: list[dict]) -> list[dict]:
    crawler, spider = offline_spider("mmc_kobar")
    chain = pipelines(crawler, ["CleanPipeline", "StripBoilerplatePipeline", "ResolveDatePipeline"])
    results = []
    for page in pages_:
        parsed = response(page["url"], page["html"].encode(), {"canonical": page["url"]})
        items = items_from(spider, "parse_article", parsed)
        if not items:
            results.append({"title": None, "body": "", "date": None, "method": None, "parser": None})
            continue
        item = items[0]
        item.fetched_at = FETCHED_AT
        item = through(chain, item)
        results.append({"title": item.title, "body": item.body or "", "date": item.published_date,
                        "method": item.date_method, "parser": item.parser})
    return results


def trafilatura_results(pages_: list[dict]) -> list[dict]:
    import trafilatura

    out = []
    for page in pages_:
        result = trafilatura.bare_extraction(page["html"], with_metadata=True, favor_precision=True)
        data = (result if isinstance(result, dict) else result.as_dict()) if result is not None else {}
        body = "\n\n".join(line for line in (data.get("text") or "").split("\n") if line.strip())
        out.append({"title": data.get("title"), "body": body, "date": data.get("date")})
    return out


def htmldate_results(pages_: list[dict]) -> list[dict]:
    from htmldate import find_date

    return [{"title": None, "body": None,
             "date": find_date(p["html"], original_date=True, max_date=FETCHED_AT[:10])} for p in pages_]


def _same_day_month(got: str | None, want: str) -> bool:
    if not got:
        return False
    a, b = date.fromisoformat(got[:10]), date.fromisoformat(want)
    return (a.month, a.day) == (b.month, b.day)


def score(pages_: list[dict], results: list[dict]) -> dict:
    rows = list(zip(pages_, results, strict=True))
    full = [(p, r) for p, r in rows if p["shown"] == "full"]
    dm = [(p, r) for p, r in rows if p["shown"] == "dm"]
    none = [(p, r) for p, r in rows if p["shown"] == "none"]
    with_text = [(p, r) for p, r in rows if r["body"] is not None]

    def share(pairs, test):
        return round(sum(bool(test(p, r)) for p, r in pairs) / len(pairs), 4) if pairs else None

    return {
        "pages": len(rows),
        "found": share(with_text, lambda p, r: r["title"] and r["body"]),
        "title": share(with_text, lambda p, r: (r["title"] or "").strip() == p["title"]),
        "body_f1": round(sum(token_prf(r["body"], p["body"])[2] for p, r in with_text) / len(with_text), 4)
        if with_text else None,
        "leak": share(with_text, lambda p, r: leaked_phrases(r["body"])),
        "date_full": share(full, lambda p, r: (r["date"] or "")[:10] == p["date"]),
        "full_pages": len(full),
        "date_dm": share(dm, lambda p, r: _same_day_month(r["date"], p["date"])),
        "dm_pages": len(dm),
        "dated_without_evidence": sum(bool(r["date"]) for _, r in none),
        "no_date_pages": len(none),
    }


def evaluate(with_reference: bool = True) -> dict:
    all_pages = gold_pages()
    extractors = {"project": project(all_pages)}
    if with_reference:
        extractors["trafilatura"] = trafilatura_results(all_pages)
        extractors["htmldate"] = htmldate_results(all_pages)
    report: dict = {"families": {}, "failures": [], "methods": {}}
    for name, results in extractors.items():
        for family in (*FAMILIES, "overall"):
            chosen = [i for i, p in enumerate(all_pages) if family in (p["family"], "overall")]
            report["families"].setdefault(family, {})[name] = score([all_pages[i] for i in chosen],
                                                                    [results[i] for i in chosen])
    for page, got in zip(all_pages, extractors["project"], strict=True):
        report["methods"].setdefault(page["family"], Counter())[(got["method"] or "none").split(" (")[0]] += 1
        wrong = [k for k in ("title", "body") if (got[k] or "") != page[k]]
        if page["shown"] == "full" and (got["date"] or "")[:10] != page["date"]:
            wrong.append(f"date {got['date']} want {page['date']} ({got['method']})")
        if page["shown"] == "dm" and not _same_day_month(got["date"], page["date"]):
            wrong.append(f"day-month {got['date']} want {page['date']} ({got['method']})")
        if wrong:
            report["failures"].append(f"{page['family']}/{page['id']}: {', '.join(wrong)} [parser {got['parser']}]")
    return report


def print_report(report: dict, failures: bool = False) -> None:
    print("Gold texts (tests/gold/texts.toml) rendered through every layout family")
    print(f"{'family':<12} {'extractor':<12} {'pages':>5} {'found':>6} {'title':>6} {'body F1':>7} {'leak':>6} "
          f"{'date full':>9} {'date d/m':>8} {'no-date dated':>13}")

    def cell(value, width):
        return f"{value:>{width}.3f}" if isinstance(value, float) else f"{'-' if value is None else value:>{width}}"

    for family, by_name in report["families"].items():
        for name, s in by_name.items():
            print(f"{family:<12} {name:<12} {s['pages']:>5} {cell(s['found'], 6)} {cell(s['title'], 6)} "
                  f"{cell(s['body_f1'], 7)} {cell(s['leak'], 6)} {cell(s['date_full'], 9)} {cell(s['date_dm'], 8)} "
                  f"{s['dated_without_evidence']:>6}/{s['no_date_pages']:<6}")
    print("date_method per family (project):")
    for family, counts in report["methods"].items():
        print(f"  {family:<12} " + ", ".join(f"{m} {n}" for m, n in counts.most_common()))
    if failures:
        for line in report["failures"]:
            print("  " + line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--failures", action="store_true", help="list every page the project gets wrong")
    parser.add_argument("--no-reference", action="store_true", help="skip trafilatura and htmldate")
    args = parser.parse_args()
    print_report(evaluate(with_reference=not args.no_reference), failures=args.failures)


if __name__ == "__main__":
    main()
