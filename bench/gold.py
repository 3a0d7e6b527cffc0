"""Extraction quality on the gold set (``tests/gold/pages``), with trafilatura as the reference.

Measures, per source and overall: date exact-day accuracy on pages that hold enough evidence,
title exact match, body token precision/recall/F1 (bags of lower-cased words) and boilerplate
leakage (share of bodies that still contain a listed boilerplate phrase).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from crawler.replay import items_from, offline_spider, pipelines, response, through
from indonesian.text import leaked_phrases

GOLD = Path(__file__).resolve().parent.parent / "tests" / "gold" / "pages"
FETCHED_AT = "2026-11-27T00:00:00Z"
WORDS = re.compile(r"\w+")


def gold_pages() -> list[tuple[Path, dict]]:
    return [(path, json.loads(path.read_text("utf-8"))) for path in sorted(GOLD.glob("*.expected.json"))]


def _spiders():
    built = {}
    for name in ("mmc_kobar", "kemendagri"):
        crawler, spider = offline_spider(name)
        built[name] = (spider, pipelines(crawler, ["CleanPipeline", "StripBoilerplatePipeline",
                                                   "ResolveDatePipeline"]))
    return built


def project_extract(spec: dict, page: bytes, spiders) -> dict:
    spider, chain = spiders[spec["spider"]]
    parsed = response(spec["url"], page, {"canonical": spec["url"], **spec["meta"]},
                      is_json=spec["spider"] == "kemendagri")
    item = items_from(spider, spec["callback"], parsed)[0]
    item.fetched_at = FETCHED_AT
    item = through(chain, item)
    return {"title": item.title, "body": item.body or "", "date": item.published_date}


def trafilatura_extract(spec: dict, page: bytes) -> dict:
    """trafilatura on the same page; for an API item, on its HTML body under an <h1> title."""
    import trafilatura

    if spec["spider"] == "kemendagri":
        blog = json.loads(page)["data"]["blogs"][0]
        html = f"<html><body><article><h1>{blog['blog_name']}</h1>{blog['blog_desc']}</article></body></html>"
    else:
        html = page.decode("utf-8")
    result = trafilatura.bare_extraction(html, with_metadata=True, favor_precision=True)
    if result is None:
        return {"title": None, "body": "", "date": None}
    data = result if isinstance(result, dict) else result.as_dict()
    body = "\n\n".join(line for line in (data.get("text") or "").split("\n") if line.strip())
    return {"title": data.get("title"), "body": body, "date": data.get("date")}


def token_prf(predicted: str, expected: str) -> tuple[float, float, float]:
    got, want = Counter(WORDS.findall(predicted.lower())), Counter(WORDS.findall(expected.lower()))
    overlap = sum((got & want).values())
    precision = overlap / sum(got.values()) if got else 0.0
    recall = overlap / sum(want.values()) if want else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _score(rows: list[tuple[dict, dict]]) -> dict:
    dated = [(got, want) for got, want in rows if want["evidence"]]
    prfs = [token_prf(got["body"], want["body"]) for got, want in rows]
    return {
        "pages": len(rows),
        "date_accuracy": round(sum(got["date"] == want["date"] for got, want in dated) / len(dated), 4) if dated else None,
        "dated_pages": len(dated),
        "title_exact": round(sum((got["title"] or "").strip() == want["title"] for got, want in rows) / len(rows), 4),
        "body_precision": round(sum(p for p, _, _ in prfs) / len(prfs), 4),
        "body_recall": round(sum(r for _, r, _ in prfs) / len(prfs), 4),
        "body_f1": round(sum(f for _, _, f in prfs) / len(prfs), 4),
        "leakage": round(sum(bool(leaked_phrases(got["body"])) for got, _ in rows) / len(rows), 4),
    }


def evaluate_extraction(with_reference: bool = True) -> dict:
    spiders = _spiders()
    results: dict[str, dict[str, list]] = {"project": {}, "trafilatura": {}}
    failures = []
    for path, spec in gold_pages():
        page = next(path.parent.glob(path.name.replace(".expected.json", ".page.*"))).read_bytes()
        want = spec["expected"]
        got = project_extract(spec, page, spiders)
        for name, value in (("project", got),) + ((("trafilatura", trafilatura_extract(spec, page)),)
                                                  if with_reference else ()):
            for group in (spec["spider"], "overall"):
                results[name].setdefault(group, []).append((value, want))
        if got["body"] != want["body"] or got["title"] != want["title"] or (want["evidence"] and got["date"] != want["date"]):
            failures.append(f"{path.stem}: date {got['date']} want {want['date']}; "
                            f"title {'ok' if got['title'] == want['title'] else repr(got['title'])}; "
                            f"body {'ok' if got['body'] == want['body'] else 'differs'}")
    return {name: {group: _score(rows) for group, rows in groups.items()} for name, groups in results.items()
            if groups} | {"failures": failures}


def print_extraction(report: dict) -> None:
    print("Extraction on the gold set (tests/gold/pages)")
    print(f"{'extractor':<12} {'group':<11} {'pages':>5} {'date acc':>9} {'title':>7} {'body P':>7} "
          f"{'body R':>7} {'body F1':>7} {'leakage':>8}")
    for name in ("project", "trafilatura"):
        for group, s in report.get(name, {}).items():
            date = f"{s['date_accuracy']:.3f}" if s["date_accuracy"] is not None else "-"
            print(f"{name:<12} {group:<11} {s['pages']:>5} {date:>9} {s['title_exact']:>7.3f} "
                  f"{s['body_precision']:>7.3f} {s['body_recall']:>7.3f} {s['body_f1']:>7.3f} {s['leakage']:>8.3f}")
    for line in report["failures"]:
        print("  " + line)
