"""Who may see a saved intake again: the e-mail check before answers come back from storage.

When a conversation's chat session has ended (Rasa starts a new session after an hour, or the
server restarted without the conversation) and someone says "continue", the saved answers would
come back from the database and be shown at review. The conversation id alone does not prove
it is the same person, so they are restored only after the person types the e-mail address they
gave; a couple of wrong tries and nothing saved is shown. No Rasa imports.
"""

from __future__ import annotations

import hmac
from typing import Any, Mapping, Optional

from clinic.domain.buttons import START_NEW_INTAKE, TALK_TO_HUMAN
from clinic.domain.intake_flow import EMAIL

SLOT = "resume_email"  # the intake form's question for the check
STATE_SLOT = "resume_check"
PENDING = "pending"  # asked, not yet answered correctly
FAILED = "failed"  # too many wrong tries, or no e-mail to check against: closed for this session
MAX_TRIES = 2

START_NEW_BUTTONS = [START_NEW_INTAKE, TALK_TO_HUMAN]


def _address(text: Any) -> Optional[str]:
    if not isinstance(text, str):
        return None
    match = EMAIL.search(text)
    return match.group(0).casefold() if match else None


def stored_email(answers: Mapping[str, Any]) -> Optional[str]:
    """The e-mail address saved with the intake, or None (never given, skipped, unreadable)."""
    return _address(answers.get("email"))


def looks_like_email(text: Any) -> bool:
    return _address(text) is not None


def matches(typed: Any, expected: str) -> bool:
    """The address in what the person typed is the saved one (case does not matter)."""
    address = _address(typed)
    return address is not None and hmac.compare_digest(address.encode(), expected.casefold().encode())


def question(phone: str) -> str:
    return ("To keep your saved answers private, please type the e-mail address you gave us first. "
            f"If you can't remember it, call us at {phone}.")


def not_an_email() -> str:
    return "That doesn't look like an e-mail address."


def wrong_once() -> str:
    return "That doesn't match the e-mail address I have."


def failed(phone: str) -> str:
    return ("I'm sorry, that doesn't match either, so I can't open the saved answers. You can start a "
            f"new intake, or call us at {phone} and we'll help.")


def cannot_open(phone: str) -> str:
    """For a "continue" after a failed check, or when no e-mail was saved to check against."""
    return (f"I'm sorry, I can't open the saved answers in this chat. We can start a new intake, or you "
            f"can call us at {phone}.")


def matched() -> str:
    return "Thank you, that matches. Welcome back: let's continue where we left off."
