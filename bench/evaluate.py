"""``make eval``: quality of extraction (gold set) and of election tagging and region linking
(labelled set), printed per source and overall.

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
LABELLED_REPLICA_ARTICLES = 210
PUBLISHER = {"mmc_kobar": "62.01", "kemendagri": None}


def labelled_set() -> list[dict]:
    """The replica's articles (truth from the hand-annotated story templates) + hard cases."""
    cases = []
    for release in generate(LABELLED_REPLICA_ARTICLES, seed=99):
        truth = release.manifest()
        cases.append({"origin": f"replica:{truth['source']}", "title": truth["title"], "body": truth["body"],
                      "election": truth["election_related"], "types": truth["election_types"],
                      "stages": truth["election_stages"], "institutions": truth["institutions"],
                      "regions": truth["regions"], "publisher": PUBLISHER[truth["source"]]})
    for case in tomllib.loads(HARD_CASES.read_text("utf-8"))["case"]:
        cases.append({"origin": "hard case", "title": case["title"], "body": case["body"],
                      "election": case["election"], "types": case.get("types"), "stages": None,
                      "institutions": None, "regions": case.get("regions", []),
                      "publisher": case.get("publisher")})
    return cases


def prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
            "tp": tp, "fp": fp, "fn": fn}


def evaluate_tagging(cases: list[dict] | None = None) -> dict:
    cases = cases or labelled_set()
    related = Counter()
    labels = {name: Counter() for name in ("types", "stages", "institutions", "regions")}
    per_label: dict[str, Counter] = {}
    mistakes = []
    for case in cases:
        tags = tagging.tag(case["title"], case["body"])
        predicted = {"types": tags.election_types, "stages": tags.election_stages,
                     "institutions": tags.institutions,
                     "regions": regions.link(f"{case['title']}\n{case['body']}", case["publisher"])}
        key = ("tp" if tags.election_related else "fn") if case["election"] else ("fp" if tags.election_related else "tn")
        related[key] += 1
        if key in ("fp", "fn"):
            mistakes.append(f"{key}: {case['title']} (score {tags.election_score}, {tags.election_terms})")
        for name, counter in labels.items():
            truth = case.get(name)
            if truth is None or (name != "regions" and not case["election"]):
                continue
            got, want = set(predicted[name]), set(truth)
            counter.update(tp=len(got & want), fp=len(got - want), fn=len(want - got))
            for label in got | want:
                per_label.setdefault(f"{name}:{label}", Counter()).update(
                    tp=int(label in got and label in want), fp=int(label in got and label not in want),
                    fn=int(label in want and label not in got))
            if name == "regions" and got != want:
                mistakes.append(f"regions: {case['title']}: got {sorted(got)} want {sorted(want)}")
    return {
        "cases": len(cases),
        "election_related": prf(related["tp"], related["fp"], related["fn"]),
        **{name: prf(c["tp"], c["fp"], c["fn"]) for name, c in labels.items()},
        "per_label": {k: prf(c["tp"], c["fp"], c["fn"]) for k, c in sorted(per_label.items())},
        "mistakes": mistakes,
    }


def print_tagging(report: dict) -> None:
    print(f"Election tagging and region linking on {report['cases']} labelled articles")
    print(f"{'what':<34} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5}")
    for name in ("election_related", "types", "stages", "institutions", "regions"):
        r = report[name]
        print(f"{name:<34} {r['precision']:>6.3f} {r['recall']:>6.3f} {r['f1']:>6.3f} {r['tp']:>5} {r['fp']:>5} {r['fn']:>5}")
    print("per label:")
    for name, r in report["per_label"].items():
        print(f"  {name:<32} {r['precision']:>6.3f} {r['recall']:>6.3f} {r['f1']:>6.3f} {r['tp']:>5} {r['fp']:>5} {r['fn']:>5}")
    if report["mistakes"]:
        print("mistakes:")
        for line in report["mistakes"][:40]:
            print("  " + line)


def main(argv: list[str]) -> int:
    what = argv[0] if argv else "all"
    if what in ("all", "extraction"):
        from bench.gold import evaluate_extraction, print_extraction

        print_extraction(evaluate_extraction())
        print()
    if what in ("all", "tagging"):
        print_tagging(evaluate_tagging())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
