"""The CrisisPhraseGuard NLU component overrides the model's intent when the guard is sure."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.crisis_guard import CrisisPhraseGuard


def message(text, ranking):
    msg = Message(data={"text": text})
    msg.set("intent", ranking[0])
    msg.set("intent_ranking", ranking)
    return msg


def process(text, ranking):
    guard = CrisisPhraseGuard({"demoted_threshold": 0.3})
    return guard.process([message(text, ranking)])[0]


@pytest.mark.parametrize("text, forced", [
    ("My name is Jane and I've been planning how to kill myself", "crisis"),
    ("I'm going to hurt someone", "crisis_harm_others"),
    ("I took a whole bottle of pills", "crisis_medical_emergency"),
])
def test_a_crisis_phrase_wins_over_any_prediction(text, forced):
    result = process(text, [{"name": "nlu_fallback", "confidence": 0.3},
                            {"name": "ask_fees", "confidence": 0.2}])
    assert result.get("intent") == {"name": forced, "confidence": 1.0}
    assert result.get("intent_ranking")[0]["name"] == forced


def test_a_figure_of_speech_demotes_a_crisis_guess_to_the_next_intent():
    result = process("I'm dying to know the price", [{"name": "crisis", "confidence": 0.5},
                                                     {"name": "ask_fees", "confidence": 0.4}])
    assert result.get("intent")["name"] == "ask_fees"
    assert all(entry["name"] != "crisis" for entry in result.get("intent_ranking"))


def test_a_negation_with_no_good_alternative_becomes_fallback():
    result = process("I'm not suicidal", [{"name": "crisis", "confidence": 0.8},
                                          {"name": "greet", "confidence": 0.1}])
    assert result.get("intent")["name"] == "nlu_fallback"


def test_when_the_guard_has_nothing_to_say_the_model_crisis_guess_stands():
    ranking = [{"name": "crisis", "confidence": 0.7}, {"name": "ask_fees", "confidence": 0.1}]
    result = process("everything feels pointless and dark", ranking)
    assert result.get("intent")["name"] == "crisis"


def test_button_payloads_are_left_alone():
    ranking = [{"name": "deny", "confidence": 1.0}]
    assert process("/deny", ranking).get("intent")["name"] == "deny"
