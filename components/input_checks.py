"""Checks on what a browser or caller sends to the channels: conversation ids, message text and size.

Pure Python (no Rasa imports), used by the REST and socket.io channels before anything reaches
Rasa. A malformed conversation id (a lone surrogate, a NUL, an endless string) made Rasa's SQL
tracker store exit the whole server; an over-long message made every other visitor wait.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from typing import Any, Optional, Tuple

from clinic import settings

# Conversation ids are also path segments of Rasa's HTTP API and keys in the databases:
# printable ASCII letters, digits and a few separators only.
CONVERSATION_ID = re.compile(r"[A-Za-z0-9._:@+=~-]{1,128}")

# Control characters other than tab and newlines, and unpaired UTF-16 surrogates (which cannot be
# encoded as UTF-8, so no database or log can take them).
_UNWANTED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|[\ud800-\udfff]")

TOO_LONG_REPLY = (
    "That message is longer than I can read in one go (about {limit} characters at most). "
    "Could you send it in shorter parts? If you are in crisis or thinking about harming "
    "yourself, please call or text 988 now, or call 911 in an emergency."
)
UNREADABLE_REPLY = (
    "Sorry, I couldn't read that message. Could you type it again? If you are in crisis, "
    "please call or text 988, or call 911 in an emergency."
)
INVALID_SESSION_REPLY = (
    "Sorry, this chat session isn't valid. Please reload the page to start a new chat. If you "
    "are in crisis, please call or text 988, or call 911 in an emergency."
)


TOO_FAST_REPLY = (
    "You're sending messages faster than I can answer, so I skipped that one. Please wait a "
    "moment and send it again. If you are in crisis, please call or text 988 now, or call 911 "
    "in an emergency."
)


class MessageRate:
    """How many messages one chat may send: `burst` at once, then `per_second` on average (a token
    bucket per key). A person types far slower; a script looping over one open WebSocket, which
    the proxy's per-request limits do not see, is slowed here. Memory stays bounded: the
    chats not heard from the longest are forgotten first."""

    def __init__(self, per_second: float, burst: int, max_keys: int = 10_000):
        self.per_second, self.burst, self.max_keys = float(per_second), float(burst), max_keys
        self._buckets: "OrderedDict[str, Tuple[float, float]]" = OrderedDict()  # key -> (tokens, time)

    def allow(self, key: str, now: Optional[float] = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.per_second)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return allowed


def message_rate_from_environment() -> MessageRate:
    return MessageRate(per_second=_positive_float("CHAT_MESSAGES_PER_SECOND", 1.0),
                       burst=int(_positive_float("CHAT_MESSAGE_BURST", 10)))


def _positive_float(name: str, default: float) -> float:
    value = settings.get(name)  # a bad value: the default
    return value if value > 0 else default


def domain_intents(path: str = "domain.yml") -> Optional[set]:
    """The intents a button may name, from the domain file the server runs with (None: unknown)."""
    try:
        import yaml

        with open(path, encoding="utf-8") as handle:
            return {str(intent) if not isinstance(intent, dict) else str(next(iter(intent)))
                    for intent in yaml.safe_load(handle).get("intents", [])}
    except (OSError, ValueError, AttributeError, TypeError):
        return None


def max_message_chars() -> int:
    """MAX_MESSAGE_CHARS from the environment (at least 200), else the default."""
    return settings.get("MAX_MESSAGE_CHARS")


def conversation_id_problem(value: Any) -> Optional[str]:
    """Why `value` cannot be a conversation id, or None when it can."""
    if not isinstance(value, str):
        return "the conversation id must be a string"
    if not CONVERSATION_ID.fullmatch(value):
        return ("the conversation id must be 1 to 128 characters: letters, digits "
                "and . _ : @ + = ~ -")
    if not value.strip("."):  # "." and ".." would be path segments of the HTTP API, not ids
        return "the conversation id must contain a letter or digit"
    return None


def is_valid_conversation_id(value: Any) -> bool:
    return conversation_id_problem(value) is None


def clean_text(text: str) -> str:
    """The text without control characters and with unpaired surrogates replaced by U+FFFD."""
    return _UNWANTED.sub(lambda m: "" if m.group() < "\ud800" else "\ufffd", text)


def message_problem(value: Any) -> Optional[str]:
    """"unreadable" when `value` is not text, "too_long" over the cap, None when it can be read."""
    if not isinstance(value, str):
        return "unreadable"
    if len(value) > max_message_chars():
        return "too_long"
    return None


_COMMAND = re.compile(r"\s*/([A-Za-z0-9_]+)(\{.*\})?\s*$", re.DOTALL)


def neutralise_command(text: str, known_intents: Optional[set]) -> str:
    """A message starting with "/" is read by Rasa as an intent (our buttons send "/ask_fees"). A
    known intent stays a button payload, without any entity JSON after it; anything else loses the
    slash and is read as what the person typed ("/kill myself" reaches the crisis guard, and Rasa
    never logs an unknown intent name, which is text the visitor wrote)."""
    if not text.lstrip().startswith("/") or known_intents is None:
        return text
    command = _COMMAND.fullmatch(text)
    if command and command.group(1) in known_intents:
        return f"/{command.group(1)}"
    return text.lstrip().lstrip("/").strip()


def readable_text(text: str, known_intents: Optional[set]) -> str:
    """What Rasa gets of a message both channels accepted: cleaned, and a command only if known."""
    return neutralise_command(clean_text(text), known_intents)


def reply_for(problem: str) -> str:
    if problem == "too_long":
        return TOO_LONG_REPLY.format(limit=f"{max_message_chars():,}")
    return UNREADABLE_REPLY
