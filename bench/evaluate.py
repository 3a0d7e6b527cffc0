"""``make eval``: quality of extraction (gold set) and of election tagging and region linking
(two labelled sets: texts written and labelled by hand, and the replica's articles), printed
per source and overall.

    python -m bench.evaluate            both reports
    python -m bench.evaluate tagging    the labelled set only
    python -m bench.evaluate extraction the gold set only
"""

from __future__ import annotations

import sys
import tomllib
from collections import Counter
from pathlib import Path

from indonesian import regions, tagging
from replica.corpus import generate

ROOT = Path(__file__).resolve().parent.parent
HARD_CASES = ROOT / "tests" / "labels" / "hard_cases.toml"
WRITTEN_CASES = ROOT / "tests" / "labels" / "written_cases.toml"
LABELLED_REPLICA_ARTICLES = 210
PUBLISHER = {"mmc_kobar": "62.01", "kemendagri": None}


def labelled_set() -> list[dict]:
    """The replica's articles (truth from the hand-annotated story templates) + hard cases."""
    cases = []
    for release in generate(LABELLED_REPLICA_ARTICLES, seed=99):
        truth = release.manifest()
        cases.append({"origin": f"replica:{truth['source']}", "story": truth["story"],
                      "title": truth["title"], "body": truth["body"],
                      "election": truth["election_related"], "types": truth["election_types"],
                      "stages": truth["election_stages"], "institutions": truth["institutions"],
                      # The templates list the stages a story is about, not one focus: a focus
                      # counts as right when it is one of them (see focus_within below).
                      "focus_within": truth["election_stages"],
                      "regions": truth["regions"], "publisher": PUBLISHER[truth["source"]]})
    for case in tomllib.loads(HARD_CASES.read_text("utf-8"))["case"]:
        cases.append({"origin": "hard case", "title": case["title"], "body": case["body"],
                      "election": case["election"], "types": case.get("types"), "stages": None,
                      "institutions": None, "regions": case.get("regions", []),
                      "publisher": case.get("publisher")})
    return cases


def written_set() -> list[dict]:
    """Texts written and labelled by hand for the tagger's precision (tests/labels/written_cases.toml):
    every label given, an absent one meaning none."""
    return [{"origin": "written", "title": case["title"], "body": case["body"],
             "election": case["election"], "types": case.get("types", []),
             "stages": case.get("stages", []), "institutions": case.get("institutions", []),
             "focus": case.get("focus")}
            for case in tomllib.loads(WRITTEN_CASES.read_text("utf-8"))["case"]]


def prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
            "tp": tp, "fp": fp, "fn": fn}


def _case_name(case: dict) -> str:
    """How a failure names its case: a replica story by its template key (its titles vary)."""
    return f"story {case['story']}" if "story" in case else case["title"]


def evaluate_tagging(cases: list[dict] | None = None, offered_only: bool = True) -> dict:
    """Election relevance, types, stages mentioned, focus stage, institutions and regions against
    the labels of each case; a label that is None in a case is not measured on it.

    ``failures`` lists every wrong label as "family:label fp|fn: case" (sorted, distinct), so a
    test can hold it to the reviewed list. ``offered_only=False`` measures every label the
    lexicon finds, offered or not: what decides which are offered (:func:`offered_labels`)."""
    cases = cases or labelled_set()
    related = Counter()
    families = ("types", "stages", "focus", "institutions", "regions")
    labels = {name: Counter() for name in families}
    per_label: dict[str, Counter] = {}
    mistakes, failures = [], set()
    for case in cases:
        tags = tagging.tag(case["title"], case["body"], offered_only)
        predicted = {"types": tags.election_types, "stages": tags.election_stages,
                     "focus": [tags.focus_stage] if tags.focus_stage else [],
                     "institutions": tags.institutions,
                     "regions": regions.link(f"{case['title']}\n{case['body']}", case.get("publisher"))}
        key = ("tp" if tags.election_related else "fn") if case["election"] else ("fp" if tags.election_related else "tn")
        related[key] += 1
        if key in ("fp", "fn"):
            mistakes.append(f"{key}: {case['title']} (score {tags.election_score}, {tags.election_terms})")
            failures.add(f"election_related {key}: {_case_name(case)}")
        truths = {name: case.get(name) for name in families}
        truths["focus"] = [case["focus"]] if case.get("focus") else ([] if "focus" in case else None)
        if case.get("focus_within") is not None:  # right when the focus is any of these
            truths["focus"] = [f for f in predicted["focus"] if f in case["focus_within"]] or \
                case["focus_within"][:1]
        for name, counter in labels.items():
            truth = truths[name]
            if truth is None:
                continue
            got, want = set(predicted[name]), set(truth)
            counter.update(tp=len(got & want), fp=len(got - want), fn=len(want - got))
            for label in got | want:
                kind = "tp" if label in got and label in want else "fp" if label in got else "fn"
                per_label.setdefault(f"{name}:{label}", Counter()).update({kind: 1})
                if kind != "tp":
                    failures.add(f"{name}:{label} {kind}: {_case_name(case)}")
            if name == "regions" and got != want:
                mistakes.append(f"regions: {case['title']}: got {sorted(got)} want {sorted(want)}")
    return {
        "cases": len(cases),
        "election_related": prf(related["tp"], related["fp"], related["fn"]),
        **{name: prf(c["tp"], c["fp"], c["fn"]) for name, c in labels.items()},
        "per_label": {k: prf(c["tp"], c["fp"], c["fn"]) for k, c in sorted(per_label.items())},
        "mistakes": mistakes,
        "failures": sorted(failures),
    }


def offered_labels(report: dict, minimum: float = 0.8) -> dict[str, set[str]]:
    """The labels that may be offered as facts: predicted at least once on the set and right at
    least ``minimum`` of the time. Keyed like the lexicon's ``[offered]`` table."""
    offered = {"types": set(), "stages": set(), "focus_stage": set(), "institutions": set()}
    for key, figures in report["per_label"].items():
        family, label = key.split(":", 1)
        family = "focus_stage" if family == "focus" else family
        if family in offered and figures["tp"] + figures["fp"] and figures["precision"] >= minimum:
            offered[family].add(label)
    return offered


def print_tagging(report: dict, title: str, every_label: dict | None = None) -> None:
    print(f"{title}: {report['cases']} labelled articles")
    print(f"{'what':<34} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5}")
    for name in ("election_related", "types", "stages", "focus", "institutions", "regions"):
        r = report[name]
        print(f"{name:<34} {r['precision']:>6.3f} {r['recall']:>6.3f} {r['f1']:>6.3f} {r['tp']:>5} {r['fp']:>5} {r['fn']:>5}")
    every_label = every_label or report
    offered = offered_labels(every_label) if every_label is not report else None
    print("per label, every label the lexicon finds (offered: precision >= 0.8 on the written set):")
    for name, r in every_label["per_label"].items():
        if name.startswith("regions:"):
            continue
        family, label = name.split(":", 1)
        mark = "" if offered is None else \
            ("  offered" if label in offered["focus_stage" if family == "focus" else family] else "  not offered")
        print(f"  {name:<32} {r['precision']:>6.3f} {r['recall']:>6.3f} {r['f1']:>6.3f} {r['tp']:>5} {r['fp']:>5} {r['fn']:>5}{mark}")
    print(f"{len(report['failures'])} failures (tests/labels/reviewed_failures.toml)")


def main(argv: list[str]) -> int:
    what = argv[0] if argv else "all"
    if what in ("all", "extraction"):
        from bench.gold import evaluate_extraction, print_extraction

        print_extraction(evaluate_extraction())
        print()
    if what in ("all", "tagging"):
        print_tagging(evaluate_tagging(written_set()),
                      "Election tagging on the hand-written set (tests/labels/written_cases.toml)",
                      evaluate_tagging(written_set(), offered_only=False))
        print()
        print_tagging(evaluate_tagging(), "Election tagging and region linking on the replica's "
                      "articles and hard_cases.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
