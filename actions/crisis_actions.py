"""Crisis protocol actions: the crisis response, the direct question when risk is uncertain, and
the answers to "are you safe right now?" and to that question."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import answer_faq
from actions.intake_state import is_intake_active, known_contact, mark_resumed, pause_events
from clinic.adapters.staff_alerts import CrisisAlert, send_crisis_alert
from clinic.domain import crisis_phrases
from clinic.domain.buttons import SOMETHING_ELSE, TALK_TO_HUMAN
from clinic.domain.crisis_response import (
    CHECK_IN_BUTTONS,
    CHECK_IN_BUTTONS_ES,
    check_in_message,
    check_in_no_message,
    crisis_message,
    not_safe_message,
    safe_buttons,
    safe_now_message,
)
from clinic.domain.practice_profile import current_profile

NEXT_STEP_BUTTONS = [TALK_TO_HUMAN, SOMETHING_ELSE]


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
        category = guard.category if guard.is_crisis else crisis_phrases.CATEGORY_FOR_INTENT.get(
            intent, crisis_phrases.SELF_HARM)
        language = guard.language if guard.is_crisis else "en"
        return run_protocol(dispatcher, tracker, category, language,
                            "crisis phrase" if guard.is_crisis else "crisis intent")


def run_protocol(dispatcher: CollectingDispatcher, tracker: Tracker, category: str, language: str,
                 trigger: str) -> List[Dict[Text, Any]]:
    """The crisis response: an urgent staff alert, the resources and "are you safe right now?"."""
    alerted = send_crisis_alert(CrisisAlert(
        conversation_id=tracker.sender_id, category=category, trigger=trigger,
        contact=known_contact(tracker))) is not None
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


def question_behind(ranking: List[Dict[Text, Any]]) -> Any:
    """The likeliest ordinary topic that came with a message, answered once risk is ruled out."""
    for entry in ranking or []:
        name = entry.get("name") or ""
        if (name.startswith("ask_") or name == "bot_challenge") and (entry.get("confidence") or 0.0) >= 0.3:
            return name
    return None


class ActionRiskCheckIn(Action):
    """Uncertain risk: asks directly (Yes / No / Not sure) with the 988 line; no alert, yet."""

    def name(self) -> Text:
        return "action_risk_check_in"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return ask_check_in(dispatcher, tracker)


def ask_check_in(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    text = tracker.latest_message.get("text") or ""
    language = "es" if crisis_phrases.looks_spanish(crisis_phrases.normalise_es(text)) else "en"
    category = checked_category(tracker.latest_message.get(crisis_phrases.CHECK_IN_ABOUT))
    dispatcher.utter_message(text=check_in_message(current_profile(), language, category),
                             buttons=CHECK_IN_BUTTONS_ES if language == "es" else CHECK_IN_BUTTONS)
    events = [SlotSet("crisis_language", language), SlotSet("check_in_category", category),
              SlotSet("check_in_topic", question_behind(tracker.latest_message.get("intent_ranking"))),
              SlotSet("check_in_paused_intake", is_intake_active(tracker))]
    if is_intake_active(tracker):
        return events + pause_events(tracker)
    return events + [ActiveLoop(None)]


def checked_category(value: Any) -> str:
    """The kind of risk the direct question asks about; anything unknown asks about self-harm."""
    return value if value in crisis_phrases.CATEGORIES else crisis_phrases.SELF_HARM


class ActionHandleYesNo(Action):
    """A yes, no or not sure that answers nothing the assistant just asked: offers next steps.
    The answers to "are you safe right now?" and to the direct question have their own actions,
    reached only right after those questions (data/rules/crisis.yml)."""

    def name(self) -> Text:
        return "action_handle_yes_no"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_anything_else")
        return []


class ActionAnswerSafety(Action):
    """The answer to "are you safe right now?", right after the crisis response (or after the
    answer "not safe", which asks again). Anything but yes, distress included, is "not safe"."""

    def name(self) -> Text:
        return "action_answer_safety"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        if not tracker.get_slot("safety_check_pending"):
            if intent == "risk_check_in":  # distress after a finished intake: ask, as anywhere
                return ask_check_in(dispatcher, tracker)
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
        contact=known_contact(tracker), about=category))
    return []


class ActionAnswerCheckIn(Action):
    """The answer to the direct question, right after it was asked (data/rules/crisis.yml)."""

    def name(self) -> Text:
        return "action_answer_check_in"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return answer_check_in(dispatcher, tracker, domain, tracker.latest_message.get("intent", {}).get("name"))


def answer_check_in(dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any],
                    intent: Text) -> List[Dict[Text, Any]]:
    """Yes, not sure or more distress: the crisis protocol and an urgent alert. No: thanks, and on
    with what the person asked (the question that came with the message, or the intake where it
    stopped)."""
    language = tracker.get_slot("crisis_language") or "en"
    category = checked_category(tracker.get_slot("check_in_category"))
    if intent != "deny":
        answer = {"affirm": "yes", "unsure": "not sure"}.get(intent, "with distress")
        return run_protocol(dispatcher, tracker, category, language, f"check-in answered {answer}")
    dispatcher.utter_message(text=check_in_no_message(current_profile(), language, category))
    events = [SlotSet("check_in_topic", None), SlotSet("check_in_paused_intake", False),
              SlotSet("check_in_category", None)]
    if tracker.get_slot("check_in_paused_intake"):
        if tracker.get_slot("intake_consent") is True:
            mark_resumed(tracker)
        return events + [ActiveLoop("intake_form"), FollowupAction("intake_form")]
    topic = tracker.get_slot("check_in_topic")
    if not (topic and answer_faq({"intent": {"name": topic, "confidence": 1.0}}, dispatcher,
                                 current_profile(), domain.get("responses", {}))):
        dispatcher.utter_message(response="utter_anything_else")
    return events
