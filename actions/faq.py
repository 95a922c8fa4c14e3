"""Answers a question asked in the middle of the intake, so the person can go on afterwards."""

from __future__ import annotations

from typing import Any, Dict

from rasa_sdk.executor import CollectingDispatcher

from actions.general_actions import PRACTICE_ANSWERS
from clinic.domain.practice_profile import PracticeProfile

# Below this the message is more likely an odd answer than a question.
FAQ_CONFIDENCE = 0.6
NOT_ANSWERED_MID_INTAKE = {"book_consultation", "stop_intake", "resume_intake"}  # the intake handles these


def answer_faq(latest_message: Dict[str, Any], dispatcher: CollectingDispatcher, profile: PracticeProfile,
               responses: Dict[str, Any]) -> bool:
    """Sends the answer when the message is a known question; True if it did."""
    intent = (latest_message or {}).get("intent") or {}
    name, confidence = intent.get("name"), intent.get("confidence") or 0.0
    if not name or confidence < FAQ_CONFIDENCE or name in NOT_ANSWERED_MID_INTAKE:
        return False
    if name in PRACTICE_ANSWERS:
        answer, _ = PRACTICE_ANSWERS[name]
        dispatcher.utter_message(text=answer(profile))
        return True
    response = {"bot_challenge": "utter_bot_challenge", "ask_medical_advice": "utter_medical_advice"}.get(
        name, f"utter_{name[4:]}" if name.startswith("ask_") else None)
    if response and response in responses:
        dispatcher.utter_message(response=response)
        return True
    return False
