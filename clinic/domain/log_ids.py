"""Conversation ids as they may appear in logs: a short keyed hash, never the id itself.

The conversation id is the visitor's session credential, so logs carry `log_id(id)` instead:
the same id always gives the same 12 characters (operators can correlate lines and, with
`python -m clinic.domain.log_ids ID`, find a conversation's lines), but the id cannot be read back.
The key comes from LOG_ID_KEY (scripts/run_all.py sets it from var/log_id_key, mode 0600).
No Rasa imports.
"""

from __future__ import annotations

import hashlib
import hmac
import sys

from clinic import settings


def log_id(conversation_id: str) -> str:
    key = (settings.raw("LOG_ID_KEY") or "unset").encode()
    digest = hmac.new(key, str(conversation_id).encode("utf-8", "replace"), hashlib.sha256).hexdigest()
    return f"c-{digest[:12]}"


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        print(log_id(argument))
