"""Texts of the crisis protocol, built from the practice profile; no Rasa imports."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from actions import crisis_phrases
from actions.practice_profile import PracticeProfile, is_open

SAFE_BUTTONS = [
    {"title": "Yes, I'm safe right now", "payload": "/affirm"},
    {"title": "No, I'm not safe", "payload": "/deny"},
]


def _practice_line(profile: PracticeProfile, now: Optional[datetime]) -> str:
    # The practice's phone only helps while someone is there to answer it.
    if is_open(profile, now):
        return f"\n- Our office is open now: you can also call us at {profile.phone}."
    return ""


def crisis_message(category: str, profile: PracticeProfile, now: Optional[datetime] = None) -> str:
    c = profile.crisis
    lifeline = c.get("lifeline", "988")
    emergency = c.get("emergency", "911")
    text_line = c.get("crisis_text_line", "text HOME to 741741")
    poison = c.get("poison_control", "1-800-222-1222")
    practice = _practice_line(profile, now)
    if category == crisis_phrases.MEDICAL_EMERGENCY:
        return (
            f"This may be a medical emergency. Please call {emergency} now.\n"
            f"- If someone may have taken too much of a medicine or substance, you can also "
            f"call Poison Control at {poison}.\n"
            f"- If anyone is unconscious or not breathing, call {emergency} right away and "
            f"follow the dispatcher's instructions.\n"
            f"- If thoughts of suicide are part of this, call or text {lifeline}."
            f"{practice}\n\n"
            "I'm an automated assistant and can't call for help myself. Are you safe right now?"
        )
    if category == crisis_phrases.HARM_OTHERS:
        return (
            "Thank you for telling me. Feelings like this can be overwhelming, and you "
            "deserve support.\n"
            f"- If you might act on them or anyone is in danger right now, call {emergency}.\n"
            f"- To talk it through with a trained counselor, call or text {lifeline} "
            f"(or chat at 988lifeline.org), any time.\n"
            f"- You can also {text_line} (Crisis Text Line)."
            f"{practice}\n\n"
            "I'm an automated assistant and can't call for help myself. "
            "Are you and the people around you safe right now?"
        )
    return (
        "I'm really sorry you're going through this, and I'm glad you told me. "
        "You deserve support right now.\n"
        f"- Call or text {lifeline} (Suicide & Crisis Lifeline), or chat at "
        "988lifeline.org. It's free and open 24/7.\n"
        f"- If you're in immediate danger, call {emergency}.\n"
        f"- You can also {text_line} (Crisis Text Line)."
        f"{practice}\n\n"
        "I'm an automated assistant and can't call for help myself. Are you safe right now?"
    )


def safe_now_message(profile: PracticeProfile) -> str:
    lifeline = profile.crisis.get("lifeline", "988")
    emergency = profile.crisis.get("emergency", "911")
    return (
        f"I'm glad you're safe right now. Help is there any time, day or night: call or text "
        f"{lifeline}, or call {emergency} in an emergency. Would you like someone from our "
        "team to get in touch, or can I help with something else?"
    )


def not_safe_message(profile: PracticeProfile) -> str:
    lifeline = profile.crisis.get("lifeline", "988")
    emergency = profile.crisis.get("emergency", "911")
    return (
        f"Thank you for telling me. Please call {emergency} now, or call or text {lifeline} "
        "to talk with a counselor right away. If you can, stay with someone you trust or ask "
        "them to come to you, and move away from anything you could use to hurt yourself. "
        "I'm an automated assistant and can't contact anyone for you, but they can help now."
    )
