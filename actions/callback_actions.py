"""Rasa glue for "talk to a person": the honest answer, the callback form, the staff request.

Wording and checks are in clinic/domain/callback_flow.py; the request is queued for staff by
clinic/adapters/handoff.py in one transaction, and the outbox worker delivers it.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.form_validation import OneQuestionFormValidation
from actions.intake_state import store_or_log
from clinic.adapters import handoff
from clinic.domain import callback_flow as flow
from clinic.domain import practice_profile as pp
from clinic.domain.buttons import BOOK, HOURS

FORM = "callback_form"
MAX_FAILURES = 3
RESET = [SlotSet("callback_phone", None), SlotSet("callback_time", None),
         SlotSet("callback_during_hours", None), SlotSet("callback_failures", None)]


def _known_phone(tracker: Tracker) -> Optional[str]:
    phone = tracker.get_slot("phone")
    return phone if isinstance(phone, str) and flow.check_phone(phone).ok else None


class ActionTalkToHuman(Action):
    def name(self) -> Text:
        return "action_talk_to_human"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> List[EventType]:
        profile = pp.current_profile()
        dispatcher.utter_message(text=flow.intro(profile))
        return RESET[:2] + [SlotSet("callback_during_hours", pp.is_open(profile)),
                            SlotSet("callback_failures", None)]


class ValidateCallbackForm(OneQuestionFormValidation):
    FORM = FORM
    CHECKS = flow.CHECKS

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        return flow.required_slots(dict(tracker.slots))

    def way_out(self, slot: str, value: str, dispatcher: CollectingDispatcher,
                tracker: Tracker) -> Optional[Dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        return {"callback_phone": flow.DECLINED} if flow.wants_to_cancel(value, intent) else None

    def accepted(self, slot: str, value: Any, tracker: Tracker) -> Dict[str, Any]:
        return {slot: value, "callback_failures": None}

    def may_be_a_question(self, value: str) -> bool:
        return not flow.looks_like_a_number(value)

    def rejected(self, slot: str, error: str, dispatcher: CollectingDispatcher,
                 tracker: Tracker) -> Dict[str, Any]:
        failures = (tracker.get_slot("callback_failures") or 0) + 1
        if failures >= MAX_FAILURES:
            dispatcher.utter_message(text=f"Let's leave it there for now. {flow.declined(pp.current_profile())}")
            return {"callback_phone": flow.DECLINED, "callback_failures": None}
        dispatcher.utter_message(text=error)
        return {slot: None, "callback_failures": failures}


class ActionAskCallbackPhone(Action):
    def name(self) -> Text:
        return "action_ask_callback_phone"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> List[EventType]:
        text, buttons = flow.ask_phone(_known_phone(tracker))
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class ActionAskCallbackTime(Action):
    def name(self) -> Text:
        return "action_ask_callback_time"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> List[EventType]:
        text, buttons = flow.ask_time()
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class ActionSubmitCallback(Action):
    """Runs when the form is done: queues the request for staff, or says nothing was passed on."""

    def name(self) -> Text:
        return "action_submit_callback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> List[EventType]:
        profile = pp.current_profile()
        phone = tracker.get_slot("callback_phone")
        buttons = [HOURS, BOOK]
        if not phone or phone == flow.DECLINED:
            dispatcher.utter_message(text=flow.declined(profile), buttons=buttons)
            return RESET
        during_hours = tracker.get_slot("callback_during_hours") is not False
        preferred_time = None if during_hours else tracker.get_slot("callback_time")
        queued = store_or_log(handoff.record_callback_request, tracker.sender_id, phone, preferred_time,
                              tracker.get_slot("full_name"), during_hours)
        if queued is None:  # logged without PHI; say so, and give the phone number instead
            dispatcher.utter_message(text=flow.not_sent(profile), buttons=buttons)
            return RESET
        if queued.status == "updated":  # asked again in this conversation: no second page
            text = flow.already_requested(profile, during_hours)
        elif queued.status == "held":  # the number's daily limit: recorded for staff, not paged
            text = flow.noted(profile)
        else:
            text = flow.confirmation(profile, during_hours, phone, preferred_time)
        dispatcher.utter_message(text=text, buttons=buttons)
        return RESET


class ActionCancelCallback(Action):
    """"stop" while the callback form asks: nothing is passed on."""

    def name(self) -> Text:
        return "action_cancel_callback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(text=flow.declined(pp.current_profile()))
        return RESET + [ActiveLoop(None), SlotSet("requested_slot", None)]

