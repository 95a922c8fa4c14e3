"""The held-out NLU set stays unseen: no held-out message may also be a training example."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def examples(folder):
    found = {}
    for path in sorted((ROOT / folder).glob("*.yml")):
        for block in yaml.safe_load(path.read_text()).get("nlu", []):
            for line in block.get("examples", "").splitlines():
                text = line.strip()[2:].strip() if line.strip().startswith("- ") else ""
                key = re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()
                if key:
                    found[key] = (block["intent"], text, path.name)
    return found


def test_no_held_out_message_is_in_the_training_data():
    training, held_out = examples("data/nlu"), examples("tests/nlu_heldout")
    assert [held_out[key] for key in held_out.keys() & training.keys()] == []


def test_every_trained_intent_is_evaluated_on_held_out_messages():
    training_intents = {intent for intent, _, _ in examples("data/nlu").values()}
    held_out_intents = {intent for intent, _, _ in examples("tests/nlu_heldout").values()}
    assert training_intents - held_out_intents == set()
