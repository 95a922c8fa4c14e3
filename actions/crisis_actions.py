"""Crisis protocol actions: the crisis response and the "are you safe right now?" answer."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import crisis_phrases
from actions.crisis_response import (
    crisis_message,
    not_safe_message,
    safe_buttons,
    safe_now_message,
)
from actions.intake_actions import is_intake_active, known_contact, pause_events
from actions.practice_profile import current_profile
from actions.staff_alerts import CrisisAlert, send_crisis_alert

INTENT_CATEGORIES = {
    "crisis": crisis_phrases.SELF_HARM,
    "crisis_harm_others": crisis_phrases.HARM_OTHERS,
    "crisis_medical_emergency": crisis_phrases.MEDICAL_EMERGENCY,
    "crisis_danger_from_others": crisis_phrases.DANGER_FROM_OTHERS,
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
        if guard.not_safe and tracker.get_slot("safety_check_pending"):
            # "I'm not safe" answering "are you safe right now?": the follow-up for the crisis at hand.
            return answer_not_safe(dispatcher, tracker)
        category = guard.category if guard.is_crisis else INTENT_CATEGORIES.get(
            intent, crisis_phrases.SELF_HARM)
        language = guard.language if guard.is_crisis else "en"
        alerted = send_crisis_alert(CrisisAlert(
            conversation_id=tracker.sender_id,
            category=category,
            trigger="crisis phrase" if guard.is_crisis else "crisis intent",
            contact=known_contact(tracker),
        )) is not None
        dispatcher.utter_message(text=crisis_message(category, current_profile(), language=language,
                                                     alerted=alerted),
                                 buttons=safe_buttons(language))
        events = [SlotSet("safety_check_pending", True), SlotSet("crisis_category", category),
                  SlotSet("crisis_language", language)]
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
        if intent == "affirm":
            dispatcher.utter_message(text=safe_now_message(current_profile()), buttons=NEXT_STEP_BUTTONS)
            return [SlotSet("safety_check_pending", False)]
        # Still pending: the next yes/no answers the same question again.
        return answer_not_safe(dispatcher, tracker)


def answer_not_safe(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """What to do now, for the crisis this conversation is in, and an urgent alert for staff."""
    category = tracker.get_slot("crisis_category") or crisis_phrases.SELF_HARM
    language = tracker.get_slot("crisis_language") or "en"
    dispatcher.utter_message(text=not_safe_message(current_profile(), category, language),
                             buttons=safe_buttons(language)[:1])
    send_crisis_alert(CrisisAlert(
        conversation_id=tracker.sender_id, category="not_safe", trigger=f"said not safe ({category})",
        contact=known_contact(tracker)))
    return []
