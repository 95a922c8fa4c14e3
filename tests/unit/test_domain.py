"""The domain and training data hang together: buttons lead somewhere, answers offer a next step."""

import re
from pathlib import Path

import pytest
import yaml

from clinic.domain import callback_flow, intake_flow, resume_check
from clinic.domain.crisis_phrases import CATEGORY_FOR_INTENT
from clinic.domain.topics import TOPIC_LABELS

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
INTENTS = set(DOMAIN["intents"])
RESPONSES = DOMAIN["responses"]
# Closing the conversation or asking to rephrase needs no buttons.
NO_NEXT_STEP_NEEDED = {"utter_goodbye", "utter_ask_rephrase"}


def payload_intent(payload):
    match = re.fullmatch(r"/(\w+)", payload)
    return match and match.group(1)


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_every_button_payload_names_a_known_intent(name):
    for variant in RESPONSES[name]:
        for button in variant.get("buttons", []):
            assert payload_intent(button["payload"]) in INTENTS, button


@pytest.mark.parametrize("name", sorted(set(RESPONSES) - NO_NEXT_STEP_NEEDED))
def test_every_answer_offers_a_next_step(name):
    for variant in RESPONSES[name]:
        assert variant.get("buttons"), f"{name} has no buttons"


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_answers_stay_short(name):
    for variant in RESPONSES[name]:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", variant["text"]) if s.strip()]
        assert len(sentences) <= 6, name


def test_every_faq_intent_has_its_own_answer():
    from actions.general_actions import PRACTICE_ANSWERS  # these are built from the practice profile
    for intent in INTENTS - set(PRACTICE_ANSWERS):
        if intent.startswith("ask_kap_"):
            assert f"utter_kap_{intent[len('ask_kap_'):]}" in RESPONSES
        elif intent.startswith(("ask_psychotherapy", "ask_therapeutic", "ask_therapy", "ask_approach",
                                "ask_choose", "ask_self", "ask_coping", "ask_confidentiality",
                                "ask_first", "ask_session", "ask_grief",
                                "ask_substance", "ask_credentials", "ask_trauma", "ask_crying",
                                "ask_therapist")):
            assert f"utter_{intent[len('ask_'):]}" in RESPONSES, intent


def test_every_question_intent_is_answered_by_a_rule():
    rules = [yaml.safe_load(path.read_text()).get("rules", []) for path in (ROOT / "data/rules").glob("*.yml")]
    answered = {step["intent"] for file in rules for rule in file for step in rule.get("steps", []) if "intent" in step}
    assert {intent for intent in INTENTS if intent.startswith("ask_")} - answered == set()


def test_every_intent_has_a_did_you_mean_label_or_is_never_suggested():
    from clinic.domain.topics import NOT_SUGGESTED
    assert INTENTS - set(TOPIC_LABELS) - NOT_SUGGESTED == set()


def test_no_practice_specific_facts_in_static_answers():
    # Practice details come from the profile through actions, never from the domain.
    text = yaml.safe_dump(RESPONSES)
    assert not re.search(r"\$\d|\(555\)|@example\.com|\bVirginia\b", text)


# A crisis message, the direct risk question's answer or "stop" in the middle of a form is never
# stored as the answer to the question being asked.
NOT_AN_ANSWER = set(CATEGORY_FOR_INTENT) | {"risk_check_in", "stop_intake"}
# Distress is what this question asks about (domain.yml): only a crisis interrupts it.
ASKS_ABOUT_DISTRESS = {"concerns"}


def form_slot_mappings(form):
    """Every slot the domain fills while `form` is active."""
    return {name for name, slot in DOMAIN["slots"].items() for mapping in slot.get("mappings", [])
            for condition in mapping.get("conditions", []) if condition.get("active_loop") == form}


@pytest.mark.parametrize("form, questions", [
    ("intake_form", intake_flow.ALL_SLOTS + [resume_check.SLOT]),
    ("callback_form", list(callback_flow.CHECKS)),
])
def test_each_form_asks_exactly_its_flows_questions(form, questions):
    # The domain repeats one mapping per question; a question added to the flow but not to
    # domain.yml (or left behind there) would be skipped or asked with no answer kept.
    assert DOMAIN["forms"][form]["required_slots"] == questions
    assert form_slot_mappings(form) == set(questions)
    for name in questions:
        [mapping] = DOMAIN["slots"][name]["mappings"]
        assert {**mapping, "not_intent": set(mapping.get("not_intent", []))} == {
            "type": "from_text", "conditions": [{"active_loop": form, "requested_slot": name}],
            "not_intent": NOT_AN_ANSWER - {"risk_check_in"} if name in ASKS_ABOUT_DISTRESS else NOT_AN_ANSWER}, name
        assert f"action_ask_{name}" in DOMAIN["actions"], name
