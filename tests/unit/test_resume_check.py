"""A saved intake comes back in a new chat session only after the e-mail check.

The actions run with a real CollectingDispatcher, Tracker and (SQLite) intake store.
"""

import asyncio

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.intake_actions import ActionFinishIntake, ActionResumeIntake, ValidateIntakeForm
from clinic.domain import resume_check as rc
from clinic.domain.practice_profile import current_profile

SENDER = "resume-user"
SAVED = {"name": "Jane Doe", "email": "Jane.Doe@example.com", "phone": "(555) 234-5678",
         "concerns": "panic at night"}
PHI = ("Jane", "jane.doe", "234-5678", "panic")


@pytest.fixture
def store():
    from clinic.adapters import intake_store
    intake_store.migrate()
    for field, value in SAVED.items():
        intake_store.save_answer(SENDER, field, value)
    yield intake_store
    intake_store.dispose_engines()


def shown(messages):
    return " ".join(m.get("text") or "" for m in messages)


def resume(make_tracker, **slots):
    dispatcher = CollectingDispatcher()
    events = ActionResumeIntake().run(dispatcher, make_tracker("continue", "resume_intake", slots=slots,
                                                               sender=SENDER), {})
    return dispatcher.messages, events


def answer_check(make_tracker, text, **slots):
    slots = dict({rc.STATE_SLOT: rc.PENDING, "requested_slot": rc.SLOT, rc.SLOT: text}, **slots)
    tracker = make_tracker(text, "nlu_fallback", slots=slots, sender=SENDER)
    tracker.events = [{"event": "user", "text": text}, {"event": "slot", "name": rc.SLOT, "value": text}]
    tracker.active_loop = {"name": "intake_form"}
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateIntakeForm().get_validation_events(dispatcher, tracker, {"responses": {}}))
    updates = {e["name"]: e["value"] for e in events}
    tracker.slots.update(updates)
    required = asyncio.run(ValidateIntakeForm().required_slots([], dispatcher, tracker, {}))
    return dispatcher.messages, updates, required


def test_continue_in_a_new_session_asks_for_the_email_and_restores_nothing(make_tracker, store):
    messages, events = resume(make_tracker)
    assert events == [SlotSet(rc.STATE_SLOT, rc.PENDING), SlotSet(rc.SLOT, None)]
    assert not any(word in shown(messages) for word in PHI) and "Welcome back" not in shown(messages)


def test_while_the_check_is_pending_the_form_asks_only_for_the_email(make_tracker, store):
    tracker = make_tracker(slots={rc.STATE_SLOT: rc.PENDING, "review_confirmed": None}, sender=SENDER)
    assert asyncio.run(ValidateIntakeForm().required_slots([], CollectingDispatcher(), tracker, {})) == [rc.SLOT]


def test_the_right_email_in_any_case_brings_the_answers_back(make_tracker, store):
    messages, updates, required = answer_check(make_tracker, "it's jane.doe@EXAMPLE.com")
    assert "that matches" in shown(messages)
    assert updates["full_name"] == "Jane Doe" and updates["phone"] == "(555) 234-5678"
    assert updates["intake_consent"] is True and updates[rc.STATE_SLOT] is None
    assert required[0] == "intake_consent" and rc.SLOT not in required  # the intake goes on


def test_a_wrong_email_twice_shows_nothing_and_offers_a_new_intake_or_a_call(make_tracker, store):
    messages, updates, required = answer_check(make_tracker, "jane@example.org")
    assert rc.wrong_once() in shown(messages) and updates["intake_failures"] == {rc.SLOT: 1}
    assert required == [rc.SLOT]  # asked once more
    messages, updates, required = answer_check(make_tracker, "jane.doe@example.co",
                                               intake_failures={rc.SLOT: 1})
    text = shown(messages)
    assert current_profile().phone in text and "new intake" in text
    assert not any(word in text for word in PHI)
    assert updates[rc.STATE_SLOT] == rc.FAILED and "full_name" not in updates and "phone" not in updates
    assert required == []  # the form ends
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert "/book_consultation" in payloads


def test_text_that_is_no_email_uses_up_no_try(make_tracker, store):
    messages, updates, required = answer_check(make_tracker, "I don't remember")
    assert rc.not_an_email() in shown(messages) and "intake_failures" not in updates
    assert required == [rc.SLOT]


def test_after_a_failed_check_continue_opens_nothing(make_tracker, store):
    messages, events = resume(make_tracker, **{rc.STATE_SLOT: rc.FAILED})
    assert events == [] and current_profile().phone in shown(messages)
    assert not any(word in shown(messages) for word in PHI)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={rc.STATE_SLOT: rc.FAILED}, sender=SENDER)
    assert ActionFinishIntake().run(dispatcher, tracker, {}) == [] and dispatcher.messages == []


def test_a_saved_intake_without_an_email_cannot_be_opened(make_tracker, store):
    store.save_answer(SENDER, "email", "skipped")
    messages, events = resume(make_tracker)
    assert events == [SlotSet(rc.STATE_SLOT, rc.FAILED)] and current_profile().phone in shown(messages)


def test_in_the_same_session_continue_goes_on_as_before(make_tracker, store):
    messages, events = resume(make_tracker, intake_consent=True, full_name="Jane Doe")
    assert events == [] and "Welcome back" in shown(messages)
