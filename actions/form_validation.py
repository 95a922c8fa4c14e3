"""The base class for the assistant's forms: one question at a time, each answer checked by its slot's
check, with a way out, a question answered in the middle, and a limit on failed tries.

Modelled on the financial demo's CustomFormValidationAction: a subclass names its form and its
checks (plain functions returning intake_flow.Check, tested without Rasa) and says what happens
when an answer is accepted or not usable; the order of the steps is the same for every form, so a
person can always leave, ask something, or get a way past a question that does not work in a chat.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, Callable, ClassVar, Dict, List, Mapping, Optional, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.faq import answer_faq
from clinic.domain import practice_profile as pp
from clinic.domain.intake_flow import Check

Updates = Dict[str, Any]


class OneQuestionFormValidation(FormValidationAction):
    """Validates the answer to the question just asked (the requested slot), and only that.

    Values restored or set by actions (resume, corrections) were checked when they were first
    given, so they are not checked again. For a text answer, `validate_answer` runs, in order:
    `way_out` (skip, cancel, a correction: handled before any check), the slot's check, then for an
    unusable answer `answer_question` (a known question asked instead: answered, and the same
    question is asked again) and last `rejected` (say what is wrong; count the failure; after too
    many, offer a way past). Subclasses set FORM and CHECKS and implement `rejected`.
    """

    FORM: ClassVar[str]
    CHECKS: ClassVar[Mapping[str, Callable[[str], Check]]]
    # Said after a question answered in the middle of the form; None: nothing.
    BACK_TO_FORM: ClassVar[Optional[str]] = None

    def name(self) -> Text:
        return f"validate_{self.FORM}"

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[EventType]:
        slot = tracker.get_slot("requested_slot")
        value = tracker.slots_to_validate().get(slot)
        if not isinstance(value, str):
            return []
        updates = self.validate_answer(slot, value, dispatcher, tracker, domain.get("responses", {}))
        return [SlotSet(name, new_value) for name, new_value in updates.items()]

    def validate_answer(self, slot: str, value: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                        responses: Dict[str, Any]) -> Updates:
        """The slot updates for one text answer to `slot`."""
        if slot not in self.CHECKS:
            return {}
        updates = self.way_out(slot, value, dispatcher, tracker)
        if updates is not None:
            return updates
        check = self.CHECKS[slot](value)
        if check.ok:
            return self.accepted(slot, check.value, tracker)
        if self.may_be_a_question(value) and self.answer_question(dispatcher, tracker, responses):
            return {slot: None}
        return self.rejected(slot, check.error, dispatcher, tracker)

    def way_out(self, slot: str, value: str, dispatcher: CollectingDispatcher,
                tracker: Tracker) -> Optional[Updates]:
        """Updates when the answer leaves the question (skip, cancel, ...) instead of answering it."""
        return None

    def accepted(self, slot: str, value: Any, tracker: Tracker) -> Updates:
        """Updates for an answer its check accepted (as the check normalised it)."""
        return {slot: value}

    def may_be_a_question(self, value: str) -> bool:
        """False for answers that cannot be a question (an almost-right phone number)."""
        return True

    def answer_question(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                        responses: Dict[str, Any]) -> bool:
        """Answers a known question asked instead of an answer; True if it did."""
        if not answer_faq(tracker.latest_message, dispatcher, pp.current_profile(), responses):
            return False
        if self.BACK_TO_FORM:
            dispatcher.utter_message(text=self.BACK_TO_FORM)
        return True

    @abstractmethod
    def rejected(self, slot: str, error: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> Updates:
        """Updates for an unusable answer; says what is wrong and counts the failure."""
