"""Talk to a person: honest wording, the callback form's checks, and the request staff receive."""

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.callback_actions import (
    ActionCancelCallback,
    ActionSubmitCallback,
    ActionTalkToHuman,
    ValidateCallbackForm,
)
from clinic.adapters import intake_store as store
from clinic.adapters.outbox import OutboxMessage
from clinic.domain import callback_flow as flow
from clinic.domain.practice_profile import current_profile

ET = ZoneInfo("America/New_York")
TUESDAY_10AM = datetime(2026, 11, 24, 10, tzinfo=ET)
SATURDAY_10AM = datetime(2026, 11, 28, 10, tzinfo=ET)


def queued():
    store.ensure_migrated()
    with store.session_scope() as session:
        return session.execute(select(OutboxMessage)).scalars().all()


# --- Wording and checks (pure) --------------------------------------------------------------------

def test_the_answer_is_honest_that_the_chat_is_not_watched_live():
    profile = current_profile()
    open_now, closed = flow.intro(profile, TUESDAY_10AM), flow.intro(profile, SATURDAY_10AM)
    for text in (open_now, closed):
        assert "automated assistant" in text and "isn't watched live" in text
    assert profile.phone in open_now and "right away" in open_now and profile.callback_time in open_now
    assert "closed right now" in closed and "Monday at 9 am" in closed and "988" in closed


def test_a_time_is_asked_only_outside_office_hours():
    assert flow.required_slots({"callback_during_hours": True}) == ["callback_phone"]
    assert flow.required_slots({"callback_during_hours": False}) == ["callback_phone", "callback_time"]
    assert flow.required_slots({"callback_during_hours": False, "callback_phone": flow.DECLINED}) == [
        "callback_phone"]


@pytest.mark.parametrize("text", ["no thanks", "No, thank you.", "never mind", "cancel", "don't call me"])
def test_ways_to_decline(text):
    assert flow.wants_to_cancel(text)


@pytest.mark.parametrize("text", ["555 234 9876", "mornings", "not before 10 am"])
def test_answers_are_not_mistaken_for_declining(text):
    assert not flow.wants_to_cancel(text)


def test_time_answers_are_checked():
    assert flow.check_time("  weekday   mornings ").value == "weekday mornings"
    assert not flow.check_time("?").ok
    assert "at most" in flow.check_time("x" * 500).error


def test_confirmations_say_when_to_expect_the_call():
    profile = current_profile()
    today = flow.confirmation(profile, True, "(555) 234-9876", None, TUESDAY_10AM)
    assert "(555) 234-9876" in today and profile.callback_time in today and "until 5 pm" in today
    later = flow.confirmation(profile, False, "(555) 234-9876", "evenings", SATURDAY_10AM)
    assert "evenings" in later and "Monday at 9 am" in later and profile.response_time in later


# --- The actions ----------------------------------------------------------------------------------

def run(action, tracker, domain=None):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, domain or {})
    return dispatcher.messages, events


def validate(make_tracker, requested, text, intent="nlu_fallback", **slots):
    tracker = make_tracker(text, intent, slots=dict(slots, requested_slot=requested, **{requested: text}),
                           sender="cb-user")
    tracker.events = [{"event": "user", "text": text}, {"event": "slot", "name": requested, "value": text}]
    tracker.active_loop = {"name": "callback_form"}
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateCallbackForm().get_validation_events(dispatcher, tracker, {"responses": {}}))
    return dispatcher.messages, events


def test_talk_to_human_records_whether_the_office_is_open(make_tracker):
    messages, events = run(ActionTalkToHuman(), make_tracker("can I talk to a person", "talk_to_human"))
    assert "isn't watched live" in messages[0]["text"]
    assert any(e["name"] == "callback_during_hours" and isinstance(e["value"], bool) for e in events)


def test_a_phone_number_is_normalised(make_tracker):
    messages, events = validate(make_tracker, "callback_phone", "my number is 555.234.9876")
    assert SlotSet("callback_phone", "(555) 234-9876") in events and messages == []


def test_a_bad_number_is_explained_and_the_third_ends_politely(make_tracker):
    messages, events = validate(make_tracker, "callback_phone", "12")
    assert "10-digit" in messages[0]["text"] and SlotSet("callback_failures", 1) in events
    messages, events = validate(make_tracker, "callback_phone", "12", callback_failures=2)
    assert SlotSet("callback_phone", flow.DECLINED) in events and current_profile().phone in messages[0]["text"]


def test_submitting_queues_one_request_and_confirms(make_tracker):
    slots = {"callback_phone": "(555) 234-9876", "callback_during_hours": False, "callback_time": "evenings",
             "full_name": "Lee Park"}
    messages, events = run(ActionSubmitCallback(), make_tracker("evenings", "nlu_fallback", slots=slots))
    assert "(555) 234-9876" in messages[0]["text"] and "evenings" in messages[0]["text"]
    [message] = queued()
    assert (message.type, message.priority) == ("callback_request", "normal")
    assert message.payload["name"] == "Lee Park" and message.payload["preferred_time"] == "evenings"
    assert SlotSet("callback_phone", None) in events


def test_declining_passes_nothing_on(make_tracker):
    messages, _ = run(ActionSubmitCallback(), make_tracker("no thanks", "deny",
                                                           slots={"callback_phone": flow.DECLINED}))
    assert "haven't passed anything on" in messages[0]["text"] and queued() == []
    messages, _ = run(ActionCancelCallback(), make_tracker("stop", "stop_intake"))
    assert current_profile().phone in messages[0]["text"] and queued() == []


def test_a_storage_failure_says_so_and_gives_the_phone_number(make_tracker, monkeypatch, tmp_path):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("INTAKE_DATABASE_URL", f"sqlite:///{tmp_path / 'a-file' / 'intake.db'}")
    messages, _ = run(ActionSubmitCallback(), make_tracker("5552349876", "nlu_fallback", slots={
        "callback_phone": "(555) 234-9876", "callback_during_hours": True}))
    assert "couldn't pass on your request" in messages[0]["text"]
    assert current_profile().phone in messages[0]["text"]
