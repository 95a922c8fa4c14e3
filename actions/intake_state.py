"""The intake as every action sees it: storage calls that never end the chat, pausing and resuming
the stored intake, and the contact details a conversation has given.

The crisis, callback and intake actions all need these, so they live here rather than in one of
those modules (actions stay independent of each other).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet

from clinic.adapters import intake_store

logger = logging.getLogger(__name__)
FORM = "intake_form"
# Slot name -> intake_store field, where they differ ("name" has its own encrypted column).
STORE_FIELDS = {"full_name": "name"}
SLOT_FOR_FIELD = {field: slot for slot, field in STORE_FIELDS.items()}


def store_or_log(operation, *args, **kwargs) -> Any:
    """Runs one storage call; on failure logs it without PHI and returns None."""
    try:
        intake_store.ensure_migrated()
        return operation(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - the conversation must go on
        logger.error("Storage failed in %s: %s", operation.__name__, type(error).__name__)
        return None


def pause_events(tracker: Tracker) -> List[EventType]:
    """Stops the form and marks the stored intake paused; the answers stay for later."""
    if tracker.get_slot("intake_consent") is True:
        intake = store_or_log(intake_store.start_or_resume_intake, tracker.sender_id)
        if intake is not None and intake.status != "paused":
            store_or_log(intake_store.set_status, intake.id, "paused", "assistant")
    return [ActiveLoop(None), SlotSet("requested_slot", None)]


def mark_resumed(tracker: Tracker) -> None:
    """The stored intake is in progress again (it was paused for safety or by the person)."""
    intake = store_or_log(intake_store.start_or_resume_intake, tracker.sender_id)
    if intake is not None and intake.status == "paused":
        store_or_log(intake_store.set_status, intake.id, "in_progress", "assistant")


def known_contact(tracker: Tracker) -> Dict[str, Any]:
    """The contact details this conversation has given so far, for an urgent alert."""
    slots = ("full_name", "email", "phone")
    return {STORE_FIELDS.get(slot, slot): tracker.get_slot(slot) for slot in slots if tracker.get_slot(slot)}


def is_intake_active(tracker: Tracker) -> bool:
    return (tracker.active_loop or {}).get("name") == FORM
