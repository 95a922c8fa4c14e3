"""Crisis protocol actions: the crisis response and the "are you safe right now?" answer."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import crisis_phrases
from actions.crisis_response import (
    SAFE_BUTTONS,
    crisis_message,
    not_safe_message,
    safe_now_message,
)
from actions.intake_actions import is_intake_active, known_contact, pause_events
from actions.practice_profile import current_profile
from actions.staff_alerts import CrisisAlert, send_crisis_alert

INTENT_CATEGORIES = {
    "crisis": crisis_phrases.SELF_HARM,
    "crisis_harm_others": crisis_phrases.HARM_OTHERS,
    "crisis_medical_emergency": crisis_phrases.MEDICAL_EMERGENCY,
}
NEXT_STEP_BUTTONS = [
    {"title": "Talk to a person", "payload": "/talk_to_human"},
    {"title": "Something else", "payload": "/ask_capabilities"},
]


class ActionCrisisResponse(Action):
    def name(self) -> Text:
        return "action_crisis_response"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        guard = crisis_phrases.check(tracker.latest_message.get("text") or "")
        category = guard.category if guard.is_crisis else INTENT_CATEGORIES.get(
            intent, crisis_phrases.SELF_HARM)
        dispatcher.utter_message(text=crisis_message(category, current_profile()),
                                 buttons=SAFE_BUTTONS)
        send_crisis_alert(CrisisAlert(
            conversation_id=tracker.sender_id,
            category=category,
            trigger="crisis phrase" if guard.is_crisis else "crisis intent",
            contact=known_contact(tracker),
        ))
        events = [SlotSet("safety_check_pending", True)]
        if is_intake_active(tracker):
            # The intake waits: safety first. Its answers are kept for later.
            dispatcher.utter_message(text="I've paused your intake and saved your answers. When you're ready, "
                                          "say \"continue\" to finish it.")
            return events + pause_events(tracker)
        # Any other loop (the did-you-mean fallback) ends too: nothing else comes before safety.
        return events + [ActiveLoop(None)]


class ActionHandleYesNo(Action):
    """Answers a yes/no in context: after the crisis question it means safe / not safe."""

    def name(self) -> Text:
        return "action_handle_yes_no"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        if not tracker.get_slot("safety_check_pending"):
            dispatcher.utter_message(response="utter_anything_else")
            return []
        profile = current_profile()
        if intent == "affirm":
            dispatcher.utter_message(text=safe_now_message(profile), buttons=NEXT_STEP_BUTTONS)
        else:
            dispatcher.utter_message(text=not_safe_message(profile), buttons=SAFE_BUTTONS[:1])
            send_crisis_alert(CrisisAlert(
                conversation_id=tracker.sender_id, category="not_safe", trigger="said not safe",
                contact=known_contact(tracker)))
            # Still pending: the next yes/no answers the same question again.
            return []
        return [SlotSet("safety_check_pending", False)]
