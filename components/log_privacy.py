"""Keeps what visitors type, and their conversation ids, out of the Rasa server's logs.

Rasa 3.6 logs message text through structlog at several levels (a REST message that failed is
logged at ERROR with its text) and names the sender in others. Its structlog pipeline starts with
an anonymiser that only Rasa Pro fills in; here that step replaces every value under a key that
carries text with "[redacted]" and every conversation id with its keyed hash (clinic/domain/log_ids.py).
Applied by scripts/serve_rasa.py (components/rasa_patches.py, safety patch "log_privacy", always on)
before Rasa configures its logging.
"""

from __future__ import annotations

from typing import Any, Dict

import rasa.utils.log_utils

from clinic.domain.log_ids import log_id

TEXT_KEYS = {
    "text", "message", "user_message", "json_message", "parse_data_text", "parse_data_entities",
    "tracker_latest_message", "prefilled_slots", "slot_candidates", "slot_values", "response",
    "rasa_event", "rasa_events", "prediction_events", "events", "entity", "current_entity",
    "next_entity", "token_text", "tracker_states", "current_states", "old_states", "states",
}
ID_KEYS = {"sender_id", "conversation_id", "sender", "recipient_id"}


def redact(_logger: Any, _method: str, event_dict: Dict[str, Any]) -> Dict[str, Any]:
    for key in list(event_dict):
        if key in TEXT_KEYS:
            event_dict[key] = "[redacted]"
        elif key in ID_KEYS and event_dict[key] is not None:
            event_dict[key] = log_id(event_dict[key])
    return event_dict


def apply() -> None:
    rasa.utils.log_utils._anonymizer = redact
