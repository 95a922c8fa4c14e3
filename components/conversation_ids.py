"""Conversation ids the server issues and signs, so a browser cannot choose someone else's.

On the public socket.io channel the browser's session id is the visitor's only credential:
whoever sends it continues that conversation. So the server makes it, as a random part and an
HMAC of it (key: CONVERSATION_ID_KEY; scripts/run_all.py sets it from var/ in development), and
a client that presents an id without a valid signature gets a new one, never the one it sent.

The conversation id Rasa, the databases and the staff tools see is the random part alone: knowing
a conversation id (from a summary, the tracker store, an admin tool) does not give the signature,
so it cannot be used to take over the chat.

No Rasa imports.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from typing import Any, Optional

from clinic import settings

logger = logging.getLogger(__name__)

_SEPARATOR = "."
_RANDOM_HEX = 32  # 128 random bits: not guessable
_SIGNATURE_HEX = 32  # 128 bits of HMAC-SHA256
_SHAPE = re.compile(rf"([0-9a-f]{{{_RANDOM_HEX}}})\.([0-9a-f]{{{_SIGNATURE_HEX}}})")
# Used only when the process was started without a key (not through scripts/run_all.py): ids then
# stay valid until the process restarts, which is safe, just less convenient.
_process_key: Optional[bytes] = None


def _key() -> bytes:
    global _process_key
    configured = settings.raw("CONVERSATION_ID_KEY")
    if configured:
        return configured.encode()
    if _process_key is None:
        logger.warning("CONVERSATION_ID_KEY is not set: conversation ids are signed with a key that "
                       "lasts until this process restarts")
        _process_key = secrets.token_bytes(32)
    return _process_key


def _signature(random_part: str) -> str:
    digest = hmac.new(_key(), f"conversation-id:{random_part}".encode(), hashlib.sha256).hexdigest()
    return digest[:_SIGNATURE_HEX]


def issue() -> str:
    """A new session id for a browser: 32 random hex digits (the conversation id), a dot, and
    32 hex digits of signature."""
    random_part = secrets.token_hex(_RANDOM_HEX // 2)
    return f"{random_part}{_SEPARATOR}{_signature(random_part)}"


def is_signed(value: Any) -> bool:
    """True only for an id this server (or one sharing its key) issued."""
    if not isinstance(value, str):
        return False
    match = _SHAPE.fullmatch(value)
    if not match:
        return False
    random_part, signature = match.groups()
    return hmac.compare_digest(signature, _signature(random_part))


def conversation_of(session_id: str) -> str:
    """The conversation id (the random part) of a signed session id."""
    return session_id.partition(_SEPARATOR)[0]
