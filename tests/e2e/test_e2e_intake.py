"""End to end: whole intakes through the REST channel, checked against the encrypted database."""

import uuid

import pytest

from tests.e2e_servers import Assistant, intake_environment

pytestmark = pytest.mark.e2e

PHQ9_TYPED = ["several days", "more than half the days", "nearly every day", "not at all", "2", "1", "0",
              "a few days", "not at all"]  # total 10, item 9 = 0
GAD7_TYPED = ["sometimes"] * 7  # total 7


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("intake")


@pytest.fixture(scope="module")
def intake_env(workdir):
    return {**intake_environment(workdir), "TRACKER_STORE_DB": str(workdir / "tracker.db")}


@pytest.fixture(scope="module")
def assistant(workdir, intake_env):
    running = Assistant(workdir, extra_env=intake_env).start()
    yield running
    running.stop()


def converse(assistant, sender, messages):
    """Sends each message and returns the text of the last reply."""
    reply = ""
    for message in messages:
        reply = assistant.text(sender, message)
        assert reply, f"no answer to {message!r}"
    return reply


def contact(name, email, phone, method="text me", best_time="weekday mornings"):
    return [name, email, phone, method, best_time]


# Every answer of a psychotherapy intake, typed, up to the review step.
UP_TO_REVIEW = (["yes"] + contact("Ana Ruiz", "ana@example.com", "555-444-1212")
                + ["yes", "Virginia", "therapy", "stress at work"] + PHQ9_TYPED + GAD7_TYPED
                + ["self pay", "in person", "fridays"])


def submitted(store, sender):
    found = [i for i in store.list_intakes(status="submitted") if i.conversation_id == sender]
    assert len(found) == 1, f"expected one submitted intake for {sender}"
    return found[0]


def test_a_person_who_types_every_answer_completes_the_intake(assistant, store, workdir):
    sender = f"typed-{uuid.uuid4()}"
    assert "Would you like to start?" in assistant.text(sender, "I'd like to book a consultation")
    reply = converse(assistant, sender, ["yes please"] + contact(
        "Jane Doe", "my email is jane.doe@example.com", "555-234-5678") + [
        "yes, I'm 34", "I live in Virginia", "psychotherapy",
        "I've been feeling low and anxious since my divorce"] + PHQ9_TYPED + GAD7_TYPED + [
        "Aetna", "telehealth please", "tuesday evenings"])
    assert "Here's what you told me" in reply and "jane.doe@example.com" in reply
    closing = assistant.text(sender, "looks good, submit")
    assert "sent to our intake team" in closing and "within one business day" in closing

    intake = submitted(store, sender)
    assert (intake.name, intake.email, intake.phone) == ("Jane Doe", "jane.doe@example.com", "(555) 234-5678")
    assert (intake.phq9_total, intake.gad7_total, intake.pcptsd5_total) == (10, 7, None)
    assert intake.routing == "therapy intake"
    assert intake.answers["concerns"] == "I've been feeling low and anxious since my divorce"
    assert intake.answers["preferred_contact_method"] == "text"
    raw = (workdir / "intake.db").read_bytes()
    for secret in (b"jane.doe@example.com", b"Jane Doe", b"234-5678", b"divorce"):
        assert secret not in raw


def test_a_person_who_clicks_buttons_and_mistypes_the_email(assistant, store):
    sender = f"buttons-{uuid.uuid4()}"
    assistant.text(sender, "how do I become a client")
    converse(assistant, sender, ["Yes", "Sam Lee"])
    error = assistant.text(sender, "sam@@example")
    assert "doesn't look like an e-mail address" in error
    reply = converse(assistant, sender, ["sam.lee@example.org", "(555) 301-4567", "Phone call", "afternoons",
                                          "Yes", "VA", "Ketamine-assisted psychotherapy",
                                          "depression for years, nothing has worked"]
                     + ["Not at all"] * 9 + ["Several days"] * 7 + ["No"])
    assert "prescriber" in reply  # the KAP screen starts with its introduction
    reply = converse(assistant, sender, ["Yes, it's treated with medication"] + ["No"] * 8
                     + ["sertraline and sometimes Xanax", "Self-pay", "Either", "mornings"])
    assert "Here's what you told me" in reply
    assert "sent to our intake team" in assistant.text(sender, "Submit")

    intake = submitted(store, sender)
    assert intake.email == "sam.lee@example.org"
    assert (intake.phq9_total, intake.gad7_total, intake.pcptsd5_total) == (0, 7, 0)
    assert intake.routing == "prescriber evaluation"
    assert intake.answers["kap_high_blood_pressure"] == {"answer": True,
                                                         "words": "Yes, it's treated with medication"}
    assert intake.answers["kap_medications"] == "sertraline and sometimes Xanax"


def test_an_answer_corrected_at_review_is_stored_corrected(assistant, store):
    sender = f"correct-{uuid.uuid4()}"
    assistant.text(sender, "book an appointment")
    converse(assistant, sender, UP_TO_REVIEW)
    reply = assistant.text(sender, "actually my phone is 555-222-3333")
    assert "updated your phone" in reply and "(555) 222-3333" in reply
    assert "sent to our intake team" in assistant.text(sender, "submit")
    assert submitted(store, sender).phone == "(555) 222-3333"


def test_an_out_of_state_visitor_gets_a_kind_answer_and_nothing_more_is_asked(assistant, store):
    sender = f"ohio-{uuid.uuid4()}"
    assistant.text(sender, "I want to book a consultation")
    reply = converse(assistant, sender, ["yes"] + contact("Lee Park", "lee@example.com", "555-777-8888")
                     + ["yes", "Ohio"])
    assert "licensed only in Virginia" in reply and "1-800-662-4357" in reply
    after = assistant.text(sender, "psychotherapy")
    assert "PHQ-9" not in after and "brings you here" not in after
    statuses = {i.status for i in store.list_intakes() if i.conversation_id == sender}
    assert statuses == {"ineligible"}


def test_under_18_is_told_kindly_and_not_asked_more(assistant):
    sender = f"teen-{uuid.uuid4()}"
    assistant.text(sender, "sign me up")
    reply = converse(assistant, sender, ["yes"] + contact("Kim Lo", "kim@example.com", "555-777-9999")
                     + ["I'm 16"])
    assert "only work with adults" in reply and "988" in reply


@pytest.mark.parametrize("question_index", [1, 3, 9, 12])
def test_a_crisis_message_at_an_intake_question_gets_the_crisis_response(assistant, question_index):
    sender = f"crisis-{question_index}-{uuid.uuid4()}"
    answers = ["yes"] + contact("Max Roe", "max@example.com", "555-456-7890") + [
        "yes", "Virginia", "psychotherapy", "work stress", "several days"]
    assistant.text(sender, "book a consultation")
    converse(assistant, sender, answers[:question_index])
    reply = assistant.text(sender, "I've been planning how to kill myself")
    assert "988" in reply and "911" in reply and "paused your intake" in reply
    # Safety first, then the intake can go on from the same question.
    assert "glad you're safe" in assistant.text(sender, "yes, I'm safe")
    resumed = assistant.text(sender, "let's continue")
    assert "Welcome back" in resumed


def test_a_question_in_the_middle_is_answered_and_the_intake_goes_on(assistant):
    sender = f"faq-{uuid.uuid4()}"
    assistant.text(sender, "book a consultation")
    assert "e-mail address" in converse(assistant, sender, ["yes", "Pat Kim"])
    reply = assistant.text(sender, "wait, is ketamine safe?")
    assert "blood pressure" in reply and "back to the intake" in reply and "e-mail address" in reply
    assert "phone number" in assistant.text(sender, "pat@example.com")


def test_repeated_unusable_answers_offer_skip_or_a_call(assistant):
    sender = f"skip-{uuid.uuid4()}"
    assistant.text(sender, "book a consultation")
    converse(assistant, sender, ["yes", "Pat Kim", "pat@example.com", "555-456-7890", "text"])
    converse(assistant, sender, ["", ""])
    reply = assistant.text(sender, "???")
    assert "type skip" in reply and "(555) 010-0100" in reply
    assert "18 or older" in assistant.text(sender, "skip")


def test_phq9_item_9_starts_the_asq_and_a_positive_asq_pauses_for_safety(assistant, store):
    sender = f"asq-{uuid.uuid4()}"
    assistant.text(sender, "book a consultation")
    converse(assistant, sender, ["yes"] + contact("Ray Fox", "ray@example.com", "555-456-1234")
             + ["yes", "Virginia", "therapy", "feeling hopeless"] + PHQ9_TYPED[:8])
    first_asq = assistant.text(sender, "several days")  # item 9 above 0
    assert "wished you were dead" in first_asq
    reply = converse(assistant, sender, ["yes", "no", "no", "no", "no"])
    assert "988" in reply and "paused the intake" in reply
    assert "(1 of 7)" in assistant.text(sender, "continue")  # the GAD-7 comes next


def test_stop_then_continue_after_a_server_restart(workdir, intake_env, store):
    env = dict(intake_env, TRACKER_STORE_DB=str(workdir / "restart-tracker.db"))
    sender = f"restart-{uuid.uuid4()}"
    first = Assistant(workdir, extra_env=env).start()
    try:
        first.text(sender, "book a consultation")
        converse(first, sender, ["yes", "Robin Ash", "robin@example.com"])
        assert "paused your intake" in first.text(sender, "stop")
    finally:
        first.stop()
    second = Assistant(workdir, extra_env=env).start()
    try:
        reply = second.text(sender, "let's continue")
        assert "Welcome back" in reply and "phone number" in reply
        assert store.get_answers(sender)["email"] == "robin@example.com"
    finally:
        second.stop()


def test_not_safe_typed_at_the_best_time_question_is_a_crisis_not_an_answer(assistant, store):
    sender = f"notsafe-{uuid.uuid4()}"
    assistant.text(sender, "book a consultation")
    converse(assistant, sender, ["yes"] + contact("Max Roe", "max@example.com", "555-456-7890")[:4])
    reply = assistant.text(sender, "No, I'm not safe. I have the pills in my hand")
    assert "988" in reply and "911" in reply and "paused your intake" in reply
    follow_up = assistant.text(sender, "no")
    assert "911" in follow_up and "Nobody watches this chat live" in follow_up


def test_the_availability_example_is_an_availability_answer_not_an_emergency(assistant):
    sender = f"avail-{uuid.uuid4()}"
    assistant.text(sender, "book a consultation")
    converse(assistant, sender, ["yes"] + contact("Max Roe", "max@example.com", "555-456-7890")[:4])
    reply = assistant.text(sender, "Tuesday and Thursday afternoons")
    assert "911" not in reply and "emergency" not in reply.lower()


def test_a_direct_question_mid_intake_then_no_goes_back_to_the_same_question(assistant):
    sender = f"checkin-{uuid.uuid4()}"
    assistant.text(sender, "book a consultation")
    question = converse(assistant, sender, ["yes"] + contact("Max Roe", "max@example.com", "555-456-7890")[:2])
    reply = assistant.text(sender, "i feel like such a burden honestly")
    assert "thoughts of ending your life" in reply
    again = assistant.text(sender, "no")
    assert "Thank you for telling me" in again and question.splitlines()[-1] in again


def test_a_crisis_message_at_the_review_step_is_never_taken_as_a_correction(assistant, store):
    sender = f"review-crisis-{uuid.uuid4()}"
    assistant.text(sender, "book an appointment")
    converse(assistant, sender, UP_TO_REVIEW)
    reply = assistant.text(sender, "actually I'm not safe, I have the pills right here")
    assert "988" in reply and "911" in reply and "paused your intake" in reply
    assert not [i for i in store.list_intakes(status="submitted") if i.conversation_id == sender]
