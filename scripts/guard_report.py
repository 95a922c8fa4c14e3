"""Prints the crisis phrase guard's recall and false-alarm rate on each labelled table."""

import csv
import sys
from pathlib import Path

from clinic.domain.crisis_phrases import check

ROOT = Path(__file__).resolve().parent.parent

TABLES = ["tests/crisis_guard_cases.tsv", "tests/crisis_guard_fresh_cases.tsv"]


def main() -> int:
    for table in TABLES:
        with open(ROOT / table, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        crisis = [row for row in rows if row["label"] == "crisis"]
        ordinary = [row for row in rows if row["label"] == "ok"]
        caught = sum(check(row["text"]).is_crisis for row in crisis)
        alarms = sum(check(row["text"]).is_crisis for row in ordinary)
        print(f"Crisis guard on {table}: recall {caught}/{len(crisis)} ({caught / len(crisis):.1%}), "
              f"false alarms {alarms}/{len(ordinary)} ({alarms / len(ordinary):.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
