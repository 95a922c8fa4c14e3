"""Prints the NLU evaluation figures and fails when intent macro-F1 is below a threshold."""

import argparse
import json
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("report", help="intent_report.json written by `rasa test nlu`")
    parser.add_argument("--min-macro-f1", type=float, required=True)
    args = parser.parse_args()
    with open(args.report, encoding="utf-8") as handle:
        report = json.load(handle)
    macro_f1 = report["macro avg"]["f1-score"]
    accuracy = report["accuracy"]
    weak = sorted(
        (name, scores["f1-score"]) for name, scores in report.items()
        if isinstance(scores, dict) and "support" in scores
        and name not in ("macro avg", "weighted avg", "micro avg") and scores["f1-score"] < 0.8
    )
    print(f"Held-out NLU: intent accuracy {accuracy:.3f}, macro-F1 {macro_f1:.3f} "
          f"(threshold {args.min_macro_f1:.2f})")
    for name, f1 in weak:
        print(f"  weak intent: {name} F1 {f1:.2f}")
    if macro_f1 < args.min_macro_f1:
        print("FAIL: macro-F1 below threshold", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
