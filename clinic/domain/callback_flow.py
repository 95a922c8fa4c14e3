"""Talk to a person: the callback request's wording, questions and answer checks; no Rasa imports.

The chat is not watched live, and we say so. During office hours the visitor can call right away or
leave a number for a call back (profile.callback_time); outside them we take a number and a good
time. Either way staff get a callback_request (clinic/adapters/handoff.py) the moment the number is given.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple

from clinic.domain import practice_profile as pp
from clinic.domain.intake_flow import Check, check_phone

DECLINED = "declined"  # callback_phone when the visitor would rather not leave a number
NO_THANKS = {"title": "No thanks", "payload": "no thanks"}
TIME_BUTTONS = [{"title": "Mornings", "payload": "mornings"},
                {"title": "Afternoons", "payload": "afternoons"},
                {"title": "Any time", "payload": "any time during office hours"}]
MAX_TIME_LENGTH = 120
_CANCEL = re.compile(
    r"\s*(?:no|nope|nah|no,? thanks?|no,? thank you|cancel|never ?mind|not now|forget it|don'?t call(?: me)?|"
    r"i'?d rather not|rather not|skip|stop)[.! ]*", re.IGNORECASE)
CRISIS_LINE = "If you're in crisis, call or text 988 now; in an emergency, call 911."


def wants_to_cancel(text: Any, intent: Optional[str] = None) -> bool:
    return intent in ("deny", "stop_intake") or bool(_CANCEL.fullmatch(str(text or "")))


def looks_like_a_number(text: Any) -> bool:
    """Three or more digits: a mistyped phone number, never a question to answer instead."""
    return sum(char.isdigit() for char in str(text or "")) >= 3


def intro(profile: pp.PracticeProfile, now: Optional[datetime] = None) -> str:
    """The honest first answer: a program, not watched live; what a person can do instead."""
    if pp.is_open(profile, now):
        return (f"I'm an automated assistant, and this chat isn't watched live, so I can't put you through "
                f"to someone here. Our team is in the office now: you can call {profile.phone} right away, "
                f"or leave your number and someone will call you back {profile.callback_time}.")
    return (f"I'm an automated assistant, and this chat isn't watched live. {_closed_now(profile, now)} "
            "If you leave your number and a good time, a team member will call you back. "
            f"{CRISIS_LINE}")


def _closed_now(profile: pp.PracticeProfile, now: Optional[datetime]) -> str:
    opening = pp.next_opening(profile, now)
    if opening is None:
        return "The office is closed right now."
    return f"The office is closed right now; we open again {opening.strftime('%A')} at {pp._clock(opening.time())}."


def ask_phone(known_phone: Optional[str] = None) -> Tuple[str, List[Dict[str, str]]]:
    buttons = [{"title": known_phone, "payload": known_phone}] if known_phone else []
    return ("What number should we call? We'll use it only for this call. (Type \"no thanks\" if you'd "
            "rather not leave one.)", buttons + [NO_THANKS])


def ask_time() -> Tuple[str, List[Dict[str, str]]]:
    return ("When is a good time to call? For example \"weekday mornings\" or \"Friday after 2 pm\".",
            TIME_BUTTONS + [NO_THANKS])


def check_time(text: Any) -> Check:
    value = " ".join(str(text or "").split())
    if len(value) < 2 or not re.search(r"[A-Za-z0-9]", value):
        return Check(error="When should we call? For example \"mornings\", \"after 5 pm\" or \"any time\".")
    if len(value) > MAX_TIME_LENGTH:
        return Check(error=f"Please keep it short (at most {MAX_TIME_LENGTH} characters), for example "
                           "\"Tuesday or Thursday afternoon\".")
    return Check(value)


CHECKS = {"callback_phone": check_phone, "callback_time": check_time}


def required_slots(slots: Dict[str, Any]) -> List[str]:
    """The number always; a good time only outside office hours (during them we call back today)."""
    if slots.get("callback_phone") == DECLINED or slots.get("callback_during_hours") is not False:
        return ["callback_phone"]
    return ["callback_phone", "callback_time"]


def confirmation(profile: pp.PracticeProfile, during_hours: bool, phone: str,
                 preferred_time: Optional[str], now: Optional[datetime] = None) -> str:
    if during_hours:
        span = profile.hours.get(pp.WEEKDAYS[pp._local(profile, now).weekday()])
        until = f" (today until {pp._clock(span[1])})" if span else ""
        return (f"Thank you. I've asked our team to call you at {phone}. Expect a call {profile.callback_time} "
                f"while the office is open{until}; if we can't reach you today, we'll try again on the next "
                f"business day. If you don't hear from us, call {profile.phone}. {CRISIS_LINE}")
    opening = pp.next_opening(profile, now)
    reopen = f" We open again {opening.strftime('%A')} at {pp._clock(opening.time())}." if opening else ""
    return (f"Thank you. I've passed your number {phone} and your preferred time ({preferred_time}) to our "
            f"team.{reopen} We'll call you back {profile.response_time}. {CRISIS_LINE}")


def already_requested(profile: pp.PracticeProfile, during_hours: bool) -> str:
    """A repeat request in the same conversation: staff have it already, and are not paged again."""
    when = (f"{profile.callback_time} while the office is open" if during_hours
            else profile.response_time)
    return (f"I've already passed your request on, so there's no need to ask again. Our team will call you "
            f"back {when}. If you'd rather not wait, call us at {profile.phone}. {CRISIS_LINE}")


def noted(profile: pp.PracticeProfile) -> str:
    """Over the number's daily limit: kept for staff without a new page. It neither confirms nor
    denies that someone else asked for a call to this number."""
    return (f"Thank you, I've noted your request for our team. If you'd like to talk sooner, call us at "
            f"{profile.phone}. {CRISIS_LINE}")


def declined(profile: pp.PracticeProfile) -> str:
    return (f"No problem, I haven't passed anything on. You can call us at {profile.phone} or e-mail "
            f"{profile.email} whenever suits you. {CRISIS_LINE}")


def not_sent(profile: pp.PracticeProfile) -> str:
    return (f"I'm sorry, I couldn't pass on your request just now. Please call us at {profile.phone} or "
            f"e-mail {profile.email}. {CRISIS_LINE}")
