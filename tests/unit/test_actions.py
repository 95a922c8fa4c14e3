"""Custom actions run with a real CollectingDispatcher and Tracker; events are checked exactly."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.crisis_actions import (
    ActionAnswerCheckIn,
    ActionAnswerSafety,
    ActionCrisisResponse,
    ActionHandleYesNo,
    ActionRiskCheckIn,
)
from actions.fallback_actions import ActionDefaultAskAffirmation
from actions.general_actions import PRACTICE_ANSWERS, ActionAnswerPracticeQuestion, ActionWelcome
from clinic.domain import crisis_phrases
from clinic.domain.crisis_response import crisis_message
from clinic.domain.log_ids import log_id
from clinic.domain.practice_profile import current_profile

ET = ZoneInfo("America/New_York")


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


@pytest.mark.parametrize("text, intent, must_contain", [
    ("I want to kill myself", "crisis", ["988", "911", "741741", "Are you safe right now?"]),
    ("i want to hurt my neighbour", "crisis_harm_others", ["911", "988"]),
    ("I took a whole bottle of pills", "crisis_medical_emergency", ["911", "1-800-222-1222"]),
    # The model's crisis intent counts even when no phrase matched.
    ("everything is dark and pointless", "crisis", ["988", "911"]),
])
def test_crisis_response_gives_the_numbers_and_asks_if_safe(make_tracker, text, intent, must_contain):
    messages, events = run(ActionCrisisResponse(), make_tracker(text, intent))
    assert len(messages) == 1
    for needle in must_contain:
        assert needle in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
    category = {"crisis": "self_harm", "crisis_harm_others": "harm_others",
                "crisis_medical_emergency": "medical_emergency"}[intent]
    assert events == [SlotSet("safety_check_pending", True), SlotSet("crisis_category", category),
                      SlotSet("crisis_language", "en"), ActiveLoop(None)]


@pytest.mark.parametrize("text", ["I don't feel safe at home, my partner hits me",
                                  "my stepdad hits my little sister and she has bruises"])
def test_danger_from_someone_else_gets_911_and_the_hotlines(make_tracker, caplog, text):
    messages, events = run(ActionCrisisResponse(), make_tracker(text, "crisis_danger_from_others"))
    reply = messages[0]["text"]
    assert "911" in reply and "1-800-799-7233" in reply and "88788" in reply and "1-800-422-4453" in reply
    assert SlotSet("crisis_category", "danger_from_others") in events
    assert "category=danger_from_others" in caplog.text


def test_a_spanish_crisis_message_gets_the_answer_in_spanish(make_tracker):
    messages, events = run(ActionCrisisResponse(), make_tracker("ya no quiero vivir, quiero morirme", "crisis"))
    reply = messages[0]["text"]
    assert "988 y marca 2" in reply and "AYUDA" in reply and "911" in reply and "¿Estás a salvo" in reply
    assert messages[0]["buttons"][0]["title"].startswith("Sí")
    assert SlotSet("crisis_language", "es") in events


@pytest.mark.parametrize("category, must, must_not", [
    ("medical_emergency", ["911", "Poison Control"], ["988"]),
    ("harm_others", ["step away from the person", "911"], ["hurt yourself"]),
    ("danger_from_others", ["911", "safe place", "1-800-799-7233"], ["hurt yourself"]),
    ("self_harm", ["911", "988", "hurt yourself"], []),
])
def test_not_safe_gets_the_follow_up_for_the_crisis_at_hand(make_tracker, caplog, category, must, must_not):
    tracker = make_tracker("no", "deny", slots={"safety_check_pending": True, "crisis_category": category})
    messages, _ = run(ActionAnswerSafety(), tracker)
    for needle in must:
        assert needle in messages[0]["text"]
    for needle in must_not:
        assert needle not in messages[0]["text"]
    assert "Nobody watches this chat live" in messages[0]["text"]


def test_typing_not_safe_in_answer_to_the_safety_question_is_that_answer(make_tracker, caplog):
    tracker = make_tracker("no I'm not safe", "crisis", slots={"safety_check_pending": True,
                                                               "crisis_category": "medical_emergency"})
    messages, events = run(ActionCrisisResponse(), tracker)
    assert len(messages) == 1 and "Poison Control" in messages[0]["text"] and events == []
    assert "not_safe" in caplog.text


def test_uncertain_risk_is_asked_about_directly_with_988_and_no_alert(make_tracker, caplog):
    tracker = make_tracker("I feel like such a burden. how much is a session?", "risk_check_in")
    tracker.latest_message["intent_ranking"] = [{"name": "risk_check_in", "confidence": 1.0},
                                                {"name": "ask_fees", "confidence": 0.6}]
    messages, events = run(ActionRiskCheckIn(), tracker)
    assert "thoughts of ending your life or hurting yourself" in messages[0]["text"] and "988" in messages[0]["text"]
    assert [b["title"] for b in messages[0]["buttons"]] == ["Yes", "No", "Not sure"]
    assert SlotSet("check_in_topic", "ask_fees") in events
    assert "Crisis alert" not in caplog.text


def test_distress_long_after_a_crisis_is_asked_about_not_taken_as_not_safe(make_tracker, caplog):
    # safety_check_pending is still set from an earlier crisis: only the rules decide whether a
    # message answers "are you safe?" (right after it was asked), never a slot left behind.
    tracker = make_tracker("I feel like such a burden", "risk_check_in", slots={"safety_check_pending": True})
    messages, _ = run(ActionRiskCheckIn(), tracker)
    assert "thoughts of ending your life" in messages[0]["text"] and "Crisis alert" not in caplog.text


@pytest.mark.parametrize("intent", ["affirm", "unsure", "risk_check_in"])
def test_yes_or_not_sure_to_the_direct_question_runs_the_protocol(make_tracker, caplog, intent):
    tracker = make_tracker("yes", intent)
    messages, events = run(ActionAnswerCheckIn(), tracker)
    assert "988" in messages[0]["text"] and "Are you safe right now?" in messages[0]["text"]
    assert SlotSet("safety_check_pending", True) in events
    assert "Crisis alert queued" in caplog.text


def test_no_to_the_direct_question_thanks_and_answers_what_was_asked(make_tracker, caplog):
    tracker = make_tracker("no", "deny", slots={"check_in_topic": "ask_fees"})
    messages, events = run(ActionAnswerCheckIn(), tracker)
    assert "Thank you for telling me" in messages[0]["text"] and "988" in messages[0]["text"]
    assert "$150" in messages[1]["text"]
    assert SlotSet("check_in_topic", None) in events and "Crisis alert" not in caplog.text


@pytest.mark.parametrize("about, language, must, must_not", [
    ("danger_from_others", "en", ["hurting you, threatening you", "911", "1-800-799-7233", "88788"],
     ["ending your life"]),
    ("medical_emergency", "en", ["medical emergency right now", "911", "1-800-222-1222"], ["ending your life"]),
    ("harm_others", "en", ["thoughts of hurting someone else", "911", "988"], ["ending your life"]),
    ("self_harm", "en", ["thoughts of ending your life or hurting yourself", "988"], []),
    ("danger_from_others", "es", ["lastimando o amenazando", "911", "1-800-799-7233"], ["quitarte la vida"]),
    ("medical_emergency", "es", ["emergencia médica", "911", "1-800-222-1222"], ["quitarte la vida"]),
    ("bogus_kind", "en", ["thoughts of ending your life"], []),
])
def test_the_direct_question_fits_the_kind_of_risk_guessed(make_tracker, caplog, about, language, must, must_not):
    text = "mi pareja me da miedo a veces, no sé" if language == "es" else "my partner scares me sometimes, idk"
    tracker = make_tracker(text, "risk_check_in")
    tracker.latest_message["risk_check_in_about"] = about
    messages, events = run(ActionRiskCheckIn(), tracker)
    for needle in must:
        assert needle in messages[0]["text"]
    for needle in must_not:
        assert needle not in messages[0]["text"]
    assert SlotSet("check_in_category", about if about != "bogus_kind" else "self_harm") in events
    assert "Crisis alert" not in caplog.text


@pytest.mark.parametrize("about, must", [
    ("danger_from_others", ["1-800-799-7233", "Are you safe right now?"]),
    ("medical_emergency", ["medical emergency", "Poison Control"]),
    ("harm_others", ["911", "Are you and the people around you safe right now?"]),
])
def test_yes_to_a_question_about_another_kind_runs_that_kinds_protocol(make_tracker, caplog, about, must):
    tracker = make_tracker("yes", "affirm", slots={"check_in_category": about})
    messages, events = run(ActionAnswerCheckIn(), tracker)
    for needle in must:
        assert needle in messages[0]["text"]
    assert SlotSet("crisis_category", about) in events
    assert f"category={about}" in caplog.text


def test_no_to_a_question_about_danger_from_others_names_its_hotline(make_tracker, caplog):
    tracker = make_tracker("no", "deny", slots={"check_in_category": "danger_from_others"})
    messages, events = run(ActionAnswerCheckIn(), tracker)
    assert "Thank you for telling me" in messages[0]["text"] and "1-800-799-7233" in messages[0]["text"]
    assert SlotSet("check_in_category", None) in events and "Crisis alert" not in caplog.text


def test_no_to_the_direct_question_mid_intake_goes_back_to_the_intake(make_tracker):
    tracker = make_tracker("no", "deny", slots={"check_in_paused_intake": True})
    _, events = run(ActionAnswerCheckIn(), tracker)
    assert ActiveLoop("intake_form") in events and FollowupAction("intake_form") in events


def test_crisis_response_logs_an_alert_without_message_text(make_tracker, caplog):
    run(ActionCrisisResponse(), make_tracker("I want to kill myself", "crisis", sender="conv-42"))
    alert = [r for r in caplog.records if "Crisis alert" in r.getMessage()]
    assert alert and log_id("conv-42") in alert[0].getMessage() and "conv-42" not in caplog.text
    assert "kill myself" not in caplog.text


def test_crisis_message_adds_the_practice_phone_only_during_office_hours():
    profile = current_profile()
    open_now = crisis_message(crisis_phrases.SELF_HARM, profile, datetime(2026, 11, 23, 10, tzinfo=ET))
    closed = crisis_message(crisis_phrases.SELF_HARM, profile, datetime(2026, 11, 28, 10, tzinfo=ET))
    assert profile.phone in open_now
    assert profile.phone not in closed


def test_yes_after_the_safety_question_is_answered_warmly_and_clears_it(make_tracker):
    tracker = make_tracker("yes I'm safe", "affirm", slots={"safety_check_pending": True})
    messages, events = run(ActionAnswerSafety(), tracker)
    assert "glad you're safe" in messages[0]["text"] and "988" in messages[0]["text"]
    assert events == [SlotSet("safety_check_pending", False)]


def test_no_after_the_safety_question_urges_911_and_keeps_asking(make_tracker, caplog):
    tracker = make_tracker("no", "deny", slots={"safety_check_pending": True})
    messages, events = run(ActionAnswerSafety(), tracker)
    assert "call 911 now" in messages[0]["text"]
    assert events == []
    assert "not_safe" in caplog.text


def test_yes_or_no_out_of_context_offers_next_steps(make_tracker):
    messages, events = run(ActionHandleYesNo(), make_tracker("yes", "affirm"))
    assert messages[0]["response"] == "utter_anything_else"
    assert events == []


def test_welcome_discloses_it_is_automated_and_gives_emergency_numbers(make_tracker):
    messages, _ = run(ActionWelcome(), make_tracker("hi", "greet"))
    text = messages[0]["text"]
    assert current_profile().name in text
    for needle in ["automated assistant", "not a therapist", "isn't monitored live", "988", "911"]:
        assert needle in text
    assert len(messages[0]["buttons"]) >= 3


@pytest.mark.parametrize("intent", sorted(PRACTICE_ANSWERS))
def test_practice_questions_are_answered_from_the_profile_with_a_next_step(make_tracker, intent):
    profile = current_profile()
    messages, events = run(ActionAnswerPracticeQuestion(), make_tracker("?", intent))
    text = messages[0]["text"]
    facts = [profile.phone, profile.email, profile.address["street"], "$", "superbill", "Virginia",
             f"aged {profile.minimum_age}"]
    assert any(fact in text for fact in facts), text
    assert messages[0]["buttons"]
    assert events == []


def test_did_you_mean_offers_the_likeliest_topics_and_a_way_out(make_tracker):
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.3},
        {"name": "ask_kap_safety", "confidence": 0.2},
        {"name": "affirm", "confidence": 0.15},
        {"name": "ask_kap_driving", "confidence": 0.1},
        {"name": "ask_fees", "confidence": 0.05},
        {"name": "ask_hours", "confidence": 0.01},
    ]
    messages, _ = run(ActionDefaultAskAffirmation(), make_tracker("ketamine car?", "nlu_fallback",
                                                                ranking=ranking))
    buttons = messages[0]["buttons"]
    assert [b["payload"] for b in buttons] == ["/ask_kap_safety", "/ask_kap_driving", "/ask_fees", "/deny"]
    assert buttons[0]["title"] == "KAP safety and side effects"


# --- The intake form's validation ----------------------------------------------------------

@pytest.fixture
def intake_db(tmp_path, monkeypatch):
    from cryptography.fernet import Fernet

    from clinic.adapters import intake_store
    monkeypatch.setenv("INTAKE_DATABASE_URL", f"sqlite:///{tmp_path / 'intake.db'}")
    monkeypatch.setenv("INTAKE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", Fernet.generate_key().decode())
    intake_store.dispose_engines()
    yield intake_store
    intake_store.dispose_engines()


def form_tracker(make_tracker, requested, text, **slots):
    tracker = make_tracker(text, "nlu_fallback", slots=dict(slots, requested_slot=requested, **{requested: text}),
                           sender="form-user")
    tracker.events = [{"event": "user", "text": text}, {"event": "slot", "name": requested, "value": text}]
    tracker.active_loop = {"name": "intake_form"}
    return tracker


def validate(tracker):
    import asyncio

    from actions.intake_actions import ValidateIntakeForm
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateIntakeForm().get_validation_events(dispatcher, tracker, {"responses": {}}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events}


def test_a_bad_email_is_refused_with_a_reason_and_counted(make_tracker, intake_db):
    messages, slots = validate(form_tracker(make_tracker, "email", "jane@@example", intake_consent=True))
    assert slots["email"] is None and slots["intake_failures"] == {"email": 1}
    assert "doesn't look like an e-mail address" in messages[0]["text"]


def test_a_good_answer_is_normalised_and_saved_encrypted(make_tracker, intake_db):
    intake_db.migrate()
    intake_db.start_or_resume_intake("form-user")
    messages, slots = validate(form_tracker(make_tracker, "phone", "555.234.5678", intake_consent=True))
    assert slots["phone"] == "(555) 234-5678" and messages == []
    assert intake_db.get_answers("form-user")["phone"] == "(555) 234-5678"


def test_the_second_unusable_answer_offers_skip_and_the_phone_number(make_tracker, intake_db):
    tracker = form_tracker(make_tracker, "best_time", "", intake_consent=True,
                           intake_failures={"best_time": 1})
    tracker.slots["best_time"] = "  "
    tracker.events[-1]["value"] = "  "
    messages, _ = validate(tracker)
    assert "type skip" in messages[0]["text"] and current_profile().phone in messages[0]["text"]


@pytest.mark.parametrize("slot", ["concerns", "kap_medications", "best_time"])
def test_skip_at_a_free_text_question_is_stored_as_skipped_not_as_the_word(make_tracker, intake_db, slot):
    intake_db.migrate()
    intake_db.start_or_resume_intake("form-user")
    messages, slots = validate(form_tracker(make_tracker, slot, "skip", intake_consent=True))
    assert slots[slot] == "skipped" and messages == []
