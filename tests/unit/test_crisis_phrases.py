"""The crisis phrase guard against its labelled tables: every crisis sentence must be caught.

crisis_guard_cases.tsv was written with the guard; crisis_guard_fresh_cases.tsv was written
later by someone who had not seen the guard (its first-run figures are in bench/README.md).
"""

import pytest

from clinic.domain import crisis_phrases
from tests.conftest import read_guard_cases

CASES = read_guard_cases("crisis_guard_cases.tsv") + read_guard_cases("crisis_guard_fresh_cases.tsv")
CRISIS_ROWS = [row for row in CASES if row["label"] == "crisis"]
OK_ROWS = [row for row in CASES if row["label"] == "ok"]
MAX_FALSE_ALARM_RATE = 0.02


def test_table_is_big_enough_to_mean_something():
    assert len(CRISIS_ROWS) >= 60 and len(OK_ROWS) >= 60
    assert {row["category"] for row in CRISIS_ROWS} == {
        crisis_phrases.SELF_HARM, crisis_phrases.HARM_OTHERS, crisis_phrases.MEDICAL_EMERGENCY}


@pytest.mark.parametrize("row", CRISIS_ROWS, ids=lambda row: row["text"][:60])
def test_every_crisis_sentence_is_caught_with_its_category(row):
    result = crisis_phrases.check(row["text"])
    assert result.is_crisis, f"missed: {row['text']!r} ({result.verdict})"
    assert result.category == row["category"]


def test_false_alarm_rate_on_ordinary_sentences():
    alarms = [row["text"] for row in OK_ROWS if crisis_phrases.check(row["text"]).is_crisis]
    assert len(alarms) / len(OK_ROWS) <= MAX_FALSE_ALARM_RATE, alarms


@pytest.mark.parametrize("text", [
    "this traffic is killing me",
    "I'm dying to know the price",
    "my feet are killing me after that walk",
    "I nearly died laughing",
])
def test_figures_of_speech_are_recognised(text):
    assert crisis_phrases.check(text).verdict == crisis_phrases.FIGURE_OF_SPEECH


@pytest.mark.parametrize("text", [
    "I'm not suicidal, just anxious",
    "I have never wanted to hurt myself",
    "no thoughts of self-harm",
])
def test_negated_mentions_are_not_a_crisis(text):
    assert crisis_phrases.check(text).verdict == crisis_phrases.NEGATED


@pytest.mark.parametrize("text", [
    "I'm not suicidal, but I don't want to be alive anymore",  # negation stops at "but"
    "I'm not sure I want to live anymore",  # a negation that is itself the risk
    "I don't know why I want to die",
    "I CANT GO ON",
    "kms",
    "my name is Jane. I've been planning how to kill myself",
])
def test_negation_and_spelling_do_not_hide_a_crisis(text):
    assert crisis_phrases.check(text).is_crisis


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "<script>alert(1)</script>",
                                  "'; DROP TABLE users; --", "a" * 5000])
def test_odd_input_is_judged_without_error(text):
    assert crisis_phrases.check(text).verdict == crisis_phrases.NONE


@pytest.mark.parametrize("text, category", [
    ("I don't feel safe at home, my partner hits me", crisis_phrases.DANGER_FROM_OTHERS),
    ("my boyfriend says he'll kill me if I leave", crisis_phrases.DANGER_FROM_OTHERS),
    ("my husband hits the kids when he drinks", crisis_phrases.DANGER_FROM_OTHERS),
    ("I hit my toddler and I'm scared I'll do it again", crisis_phrases.HARM_OTHERS),
    ("I'm not safe right now", crisis_phrases.SELF_HARM),
    ("no im not safe", crisis_phrases.SELF_HARM),
])
def test_danger_from_others_and_not_safe_are_each_their_own_crisis(text, category):
    result = crisis_phrases.check(text)
    assert result.is_crisis and result.category == category


@pytest.mark.parametrize("text, category", [
    ("ya no quiero vivir", crisis_phrases.SELF_HARM),
    ("kiero matarme, ya no aguanto", crisis_phrases.SELF_HARM),
    ("mi esposo me pega", crisis_phrases.DANGER_FROM_OTHERS),
    ("me tomé un frasco de pastillas", crisis_phrases.MEDICAL_EMERGENCY),
])
def test_spanish_crisis_messages_are_caught_and_answered_in_spanish(text, category):
    result = crisis_phrases.check(text)
    assert result.is_crisis and result.category == category and result.language == "es"


@pytest.mark.parametrize("text", [
    "I feel like such a burden to everyone",
    "long time ago I didn't want to be alive, nothing since",
])
def test_uncertain_risk_is_its_own_verdict(text):
    assert crisis_phrases.check(text).verdict == crisis_phrases.UNCERTAIN


@pytest.mark.parametrize("text", ["I'm not suicidal, just anxious", "is ketamine safe?", "I feel safe now",
                                  "do you treat self-harm in teens?", "we went to a suicide prevention walk"])
def test_ordinary_mentions_are_not_a_crisis_or_uncertain(text):
    assert crisis_phrases.check(text).verdict not in (crisis_phrases.CRISIS, crisis_phrases.UNCERTAIN)


def test_a_message_is_judged_sentence_by_sentence():
    assert crisis_phrases.sentences("Rough week. I want to end it all. Anyway how much is a session?") == [
        "I want to end it all.", "Anyway how much is a session?"]


@pytest.mark.parametrize("text, expected", [("Tuesday and Thursday afternoons", True), ("mornings before 10", True),
                                            ("I want to die on Tuesday", False), ("anytime", False)])
def test_availability_answers_are_recognised(text, expected):
    assert crisis_phrases.looks_like_plain_answer(text) is expected
