"""Rasa glue for the pre-screening intake: the form's validation, its questions, pause, resume, finish.

The flow itself (questions, order, answer checks, review) is in clinic/domain/intake_flow.py; the
storage in clinic/adapters/intake_store.py. Storage failures are logged (never with PHI) and the
conversation goes on: a person never loses the chat because the database hiccupped.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.form_validation import OneQuestionFormValidation
from actions.intake_state import (
    FORM,
    SLOT_FOR_FIELD,
    STORE_FIELDS,
    known_contact,
    mark_resumed,
    pause_events,
    store_or_log,
)
from clinic.adapters import handoff, intake_store
from clinic.adapters.staff_alerts import CrisisAlert, send_crisis_alert
from clinic.domain import crisis_phrases
from clinic.domain import intake_flow as flow
from clinic.domain import practice_profile as pp
from clinic.domain import resume_check as rc
from clinic.domain.buttons import BOOK, CONTINUE_INTAKE, HOURS, KAP, TALK_TO_HUMAN, THE_FIRST_SESSION
from clinic.domain.crisis_response import SAFE_BUTTONS, crisis_message


def _slots(tracker: Tracker) -> Dict[str, Any]:
    return dict(tracker.slots)


def _failures(tracker: Tracker, answered: Optional[str] = None) -> Dict[str, int]:
    """The unusable answers so far per question, without the one just answered."""
    failures = dict(tracker.get_slot("intake_failures") or {})
    failures.pop(answered, None)
    return failures


class ValidateIntakeForm(OneQuestionFormValidation):
    FORM = FORM
    CHECKS = flow.CHECKS
    BACK_TO_FORM = "Now, back to the intake."

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        slots = _slots(tracker)
        if slots.get(rc.STATE_SLOT) == rc.PENDING:
            return [rc.SLOT]  # nothing saved is shown or changed before the e-mail check
        if slots.get(rc.STATE_SLOT) == rc.FAILED and slots.get("requested_slot") == rc.SLOT:
            return []  # the check just failed: the form ends here
        return flow.required_slots(slots, pp.current_profile())

    def validate_answer(self, slot: str, value: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                        responses: Dict[str, Any]) -> Dict[str, Any]:
        if slot == rc.SLOT:
            return self._check_resume(value, dispatcher, tracker, responses)
        return super().validate_answer(slot, value, dispatcher, tracker, responses)

    def way_out(self, slot: str, value: str, dispatcher: CollectingDispatcher,
                tracker: Tracker) -> Optional[Dict[str, Any]]:
        if slot == "review_confirmed":
            correction = flow.parse_correction(value)
            if correction:
                return self._correct(correction, dispatcher, tracker)
        # Checked first, so "skip" is never stored as a free-text answer (the consent text promises it).
        if flow.wants_to_skip(value) and slot not in flow.NOT_SKIPPABLE:
            self._save(slot, flow.SKIPPED, tracker)
            return {slot: flow.SKIPPED, "intake_failures": _failures(tracker, slot)}
        return None

    def accepted(self, slot: str, value: Any, tracker: Tracker) -> Dict[str, Any]:
        if slot == "intake_consent" and value is True and tracker.get_slot(rc.STATE_SLOT) == rc.FAILED:
            # The saved intake could not be confirmed as this person's: start a separate one.
            store_or_log(intake_store.start_new_intake, tracker.sender_id)
            return {slot: True, rc.STATE_SLOT: None, "intake_failures": {}}
        self._save(slot, value, tracker)
        return {slot: value, "intake_failures": _failures(tracker, slot)}

    def rejected(self, slot: str, error: str, dispatcher: CollectingDispatcher,
                 tracker: Tracker) -> Dict[str, Any]:
        failures = _failures(tracker)
        failures[slot] = failures.get(slot, 0) + 1
        message = error
        if failures[slot] >= flow.MAX_FAILURES_BEFORE_SKIP:
            skip = "" if slot in flow.NOT_SKIPPABLE else "type skip and our team will ask you later, or "
            message += (f" If this question isn't working in the chat, {skip}call us at {pp.current_profile().phone}. "
                        "You can also type stop to pause.")
        dispatcher.utter_message(text=message)
        return {slot: None, "intake_failures": failures}

    def _check_resume(self, value: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                      responses: Dict[str, Any]) -> Dict[str, Any]:
        """The answer to the e-mail check: the saved answers come back only when it matches."""
        profile = pp.current_profile()
        failures = _failures(tracker)
        saved = store_or_log(intake_store.get_answers, tracker.sender_id) or {}
        expected = rc.stored_email(saved)
        if expected is None:  # nothing to check against (or the database is away): show nothing
            dispatcher.utter_message(text=rc.cannot_open(profile.phone), buttons=rc.START_NEW_BUTTONS)
            return {rc.SLOT: None, rc.STATE_SLOT: rc.FAILED}
        if rc.matches(value, expected):
            failures.pop(rc.SLOT, None)
            mark_resumed(tracker)
            dispatcher.utter_message(text=rc.matched())
            return {**restored_slots(saved), rc.SLOT: None, rc.STATE_SLOT: None, "intake_failures": failures}
        if not rc.looks_like_email(value):  # a question or "I forgot": no try used up
            if not self.answer_question(dispatcher, tracker, responses):
                dispatcher.utter_message(text=rc.not_an_email())
            return {rc.SLOT: None}
        failures[rc.SLOT] = failures.get(rc.SLOT, 0) + 1
        if failures[rc.SLOT] >= rc.MAX_TRIES:
            dispatcher.utter_message(text=rc.failed(profile.phone), buttons=rc.START_NEW_BUTTONS)
            return {rc.SLOT: None, rc.STATE_SLOT: rc.FAILED, "intake_failures": failures}
        dispatcher.utter_message(text=rc.wrong_once())
        return {rc.SLOT: None, "intake_failures": failures}

    def _correct(self, correction, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[str, Any]:
        slot, check = correction
        if not check.ok:
            dispatcher.utter_message(text=check.error)
            return {"review_confirmed": None}
        self._save(slot, check.value, tracker)
        dispatcher.utter_message(text=f"Thanks, I've updated your {flow.LABELS.get(slot, slot).lower()}.")
        return {slot: check.value, "review_confirmed": None}

    @staticmethod
    def _save(slot: str, value: Any, tracker: Tracker) -> None:
        if slot == "intake_consent":
            if value is True:
                store_or_log(intake_store.start_or_resume_intake, tracker.sender_id)
            return  # a refusal is not stored: nothing is collected without consent
        if slot != "review_confirmed":
            store_or_log(intake_store.save_answer, tracker.sender_id, STORE_FIELDS.get(slot, slot), value)


def _make_ask_action(slot: str) -> type:
    class AskIntakeQuestion(Action):
        def name(self) -> Text:
            return f"action_ask_{slot}"

        def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                domain: DomainDict) -> List[EventType]:
            text, buttons = flow.question(slot, _slots(tracker), pp.current_profile())
            dispatcher.utter_message(text=text, buttons=buttons)
            return []

    AskIntakeQuestion.__name__ = AskIntakeQuestion.__qualname__ = f"ActionAsk_{slot}"
    return AskIntakeQuestion


# One "action_ask_<slot>" per question; the wording comes from intake_flow.question().
ASK_ACTIONS = [_make_ask_action(slot) for slot in flow.ALL_SLOTS]


class ActionAskResumeEmail(Action):
    def name(self) -> Text:
        return f"action_ask_{rc.SLOT}"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(text=rc.question(pp.current_profile().phone))
        return []


def restored_slots(saved: Dict[str, Any]) -> Dict[str, Any]:
    """The slots for a stored intake's answers (consent included: the answers exist because of it)."""
    restored = {SLOT_FOR_FIELD.get(field, field): value for field, value in saved.items()}
    return {"intake_consent": True, **{slot: value for slot, value in restored.items() if slot in flow.ALL_SLOTS}}

RESET_INTAKE = [SlotSet(slot, None) for slot in flow.ALL_SLOTS] + [
    SlotSet("intake_failures", None), SlotSet("safety_pause_done", None)]


class ActionPauseIntake(Action):
    def name(self) -> Text:
        return "action_pause_intake"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("intake_consent") is not True:
            dispatcher.utter_message(text="Okay, no problem. Is there anything else I can help with?",
                                     buttons=[BOOK, TALK_TO_HUMAN])
            return [ActiveLoop(None), SlotSet("requested_slot", None)]
        dispatcher.utter_message(
            text="I've paused your intake and saved your answers so far. Whenever you're ready, say "
                 "\"continue\" and we'll pick up where you left off.",
            buttons=[CONTINUE_INTAKE])
        return pause_events(tracker)


class ActionResumeIntake(Action):
    """Picks up a paused intake. In the same chat session the answers are still in the conversation;
    after it expired they are in storage, and come back only after the e-mail check
    (clinic/domain/resume_check.py), which the intake form then asks."""

    def name(self) -> Text:
        return "action_resume_intake"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("intake_consent") is True:
            mark_resumed(tracker)
            dispatcher.utter_message(text="Welcome back. Let's continue where we left off.")
            return []
        phone = pp.current_profile().phone
        if tracker.get_slot(rc.STATE_SLOT) == rc.FAILED:
            dispatcher.utter_message(text=rc.cannot_open(phone))
            return []  # the form then offers a new intake
        saved = store_or_log(intake_store.get_answers, tracker.sender_id) or {}
        if not saved:
            return []
        if rc.stored_email(saved) is None:
            dispatcher.utter_message(text=rc.cannot_open(phone))
            return [SlotSet(rc.STATE_SLOT, rc.FAILED)]
        return [SlotSet(rc.STATE_SLOT, rc.PENDING), SlotSet(rc.SLOT, None)]


class ActionFinishIntake(Action):
    """Runs when the form has no more questions: refused, not eligible, safety pause, or submitted."""

    def name(self) -> Text:
        return "action_finish_intake"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> List[EventType]:
        slots, profile = _slots(tracker), pp.current_profile()
        if slots.get(rc.STATE_SLOT) == rc.FAILED and slots.get("intake_consent") is not True:
            return []  # the e-mail check failed: nothing saved is looked at, let alone sent
        if slots.get("intake_consent") is False:
            dispatcher.utter_message(
                text=f"That's fine, nothing has been saved. If you'd like to talk to someone instead, call "
                     f"{profile.phone} or e-mail {profile.email}.",
                buttons=[HOURS, KAP])
            return [SlotSet("intake_consent", None)]
        if flow.is_eligible(slots, profile) is False:
            return self._not_eligible(dispatcher, tracker, slots, profile)
        if flow.asq_positive(slots) and not slots.get("safety_pause_done"):
            return self._safety_pause(dispatcher, tracker, profile)
        if slots.get("review_confirmed") is True:
            return self._submit(dispatcher, tracker, slots, profile)
        return []

    @staticmethod
    def _not_eligible(dispatcher, tracker, slots, profile) -> List[EventType]:
        intake = store_or_log(intake_store.start_or_resume_intake, tracker.sender_id)
        if intake is not None:
            store_or_log(intake_store.set_status, intake.id, "ineligible", "assistant")
        if slots.get("adult") is not True:
            text = ("Thank you for telling me. Our clinicians only work with adults (18 and older), so we "
                    "can't continue the intake. A parent or guardian, your doctor or a school counselor can "
                    "help you find care for your age. If you ever need to talk to someone right away, call or "
                    "text 988: it's free, open 24/7 and for all ages.")
        else:
            states = pp.format_states(profile)
            by_video = ", even by video" if profile.telehealth else ""
            text = (f"Thank you. Our clinicians are licensed only in {states}, and what counts is where you are "
                    f"at the time of each session{by_video}. So we can't see you while you're in another "
                    "state, and I won't ask for anything more. A therapist licensed in the state where you'll be "
                    "is the right fit: the SAMHSA helpline (1-800-662-4357, free, 24/7) or findtreatment.gov can "
                    f"help you find one. If you will be in {states} for your sessions, call us at {profile.phone}. "
                    "If you're in crisis, call or text 988.")
        dispatcher.utter_message(text=text, buttons=[TALK_TO_HUMAN])
        return [SlotSet("requested_slot", None)]

    @staticmethod
    def _safety_pause(dispatcher, tracker, profile) -> List[EventType]:
        dispatcher.utter_message(text=crisis_message(crisis_phrases.SELF_HARM, profile), buttons=SAFE_BUTTONS)
        dispatcher.utter_message(text="I've paused the intake; your answers are saved. When you're ready, say "
                                      "\"continue\" and we'll finish it together.")
        send_crisis_alert(CrisisAlert(conversation_id=tracker.sender_id, category=crisis_phrases.SELF_HARM,
                                      trigger="positive ASQ in the intake", contact=known_contact(tracker)))
        return pause_events(tracker) + [SlotSet("safety_pause_done", True),
                                        SlotSet("safety_check_pending", True)]

    @staticmethod
    def _submit(dispatcher, tracker, slots, profile) -> List[EventType]:
        crisis = bool(slots.get("safety_pause_done"))
        # Scored from the answers as stored, not from these slots, and the staff summary queued in
        # the same transaction (clinic/adapters/handoff.py).
        result = store_or_log(handoff.submit_intake, tracker.sender_id, profile, crisis)
        method = {"phone": "phone", "text": "text message", "email": "e-mail"}.get(
            slots.get("preferred_contact_method"), "phone or e-mail")
        if result is None:
            dispatcher.utter_message(
                text=f"I'm sorry, I couldn't send your intake just now. Your answers are kept in this chat; "
                     f"please try \"submit\" again in a minute, or call us at {profile.phone}.")
            return [SlotSet("review_confirmed", None)]
        first_name = str(slots.get("full_name") or "").split(" ")[0]
        dispatcher.utter_message(
            text=f"Thank you{', ' + first_name if first_name else ''}. Your intake has been sent to our intake "
                 f"team. Someone will contact you by {method} {profile.response_time} to arrange a first "
                 "consultation. If anything changes or you need help sooner, call "
                 f"{profile.phone}; in a crisis, call or text 988.",
            buttons=[KAP, THE_FIRST_SESSION])
        return RESET_INTAKE
