"""Plain language: the FAQ answers stay at about a US grade 8 reading level (Flesch–Kincaid)."""

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from actions.general_actions import PRACTICE_ANSWERS
from clinic.domain import readability as r
from clinic.domain.practice_profile import load_profile

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
MAX_AVERAGE_GRADE = 8.5
MAX_GRADE = 10.0


def faq_answers():
    """name -> text: the domain's answer to every ask_* intent, and the answers built from the profile."""
    responses, profile = DOMAIN["responses"], load_profile()
    answers = {}
    for intent in DOMAIN["intents"]:
        if not intent.startswith("ask_"):
            continue
        if intent in PRACTICE_ANSWERS:
            answers[f"{intent} (profile)"] = PRACTICE_ANSWERS[intent][0](profile)
        elif f"utter_{intent[4:]}" in responses:
            answers[f"utter_{intent[4:]}"] = responses[f"utter_{intent[4:]}"][0]["text"]
    return answers


ANSWERS = faq_answers()


@pytest.mark.parametrize("word, count", [
    ("the", 1), ("care", 1), ("used", 1), ("takes", 1), ("little", 2), ("therapy", 3), ("ketamine", 3),
    ("medicine", 3), ("psychotherapy", 5), ("don't", 1), ("988", 1),
])
def test_syllables_by_vowel_groups(word, count):
    assert r.syllables(word) == count


def test_grade_follows_the_flesch_kincaid_formula():
    # 6 words, 1 sentence, 6 syllables: 0.39 * 6 + 11.8 * 1 - 15.59
    assert r.flesch_kincaid_grade("The cat sat on the mat.") == pytest.approx(-1.45)
    # 2 sentences of 3 words; a list item counts as a sentence of its own.
    assert r.sentence_count("We can help.\n- Call us") == 2
    assert r.flesch_kincaid_grade("") == 0.0


def test_long_words_and_sentences_raise_the_grade():
    plain = "You can stop at any time. We keep your answers safe."
    dense = ("Participation is voluntary and discontinuation is permissible at any juncture, and "
             "confidentiality of responses is maintained through encryption.")
    assert r.flesch_kincaid_grade(dense) > r.flesch_kincaid_grade(plain) + 8


def test_every_faq_intent_is_measured():
    assert len(ANSWERS) >= 50  # the psychotherapy, KAP and practice questions


def test_faq_answers_are_plain_language():
    grades = {name: r.flesch_kincaid_grade(text) for name, text in ANSWERS.items()}
    too_hard = {name: round(grade, 1) for name, grade in grades.items() if grade > MAX_GRADE}
    average = sum(grades.values()) / len(grades)
    assert not too_hard, f"answers above grade {MAX_GRADE}: {too_hard}"
    assert average <= MAX_AVERAGE_GRADE, f"average grade {average:.1f} is above {MAX_AVERAGE_GRADE}"


def test_profile_answers_stay_plain_whatever_the_profile_says():
    # The other side of each profile switch (no telehealth, Spravato offered, routes named, ...).
    profile = replace(load_profile(), telehealth=False, offers_spravato=True, kap_administration=["lozenge"],
                      referral_needed={"therapy": True, "kap": True}, maximum_age=75, late_cancellation_fee="")
    grades = {intent: r.flesch_kincaid_grade(answer(profile)) for intent, (answer, _) in PRACTICE_ANSWERS.items()
              if intent.startswith("ask_")}
    assert {intent: round(grade, 1) for intent, grade in grades.items() if grade > MAX_GRADE} == {}
