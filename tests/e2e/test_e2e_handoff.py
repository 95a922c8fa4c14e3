"""End to end: what staff receive from the running assistant (`make run`'s processes, outbox worker
included), at a real webhook receiver and a real SMTP server on loopback."""

import os
import time
import uuid

import pytest
import yaml
from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet

from tests.e2e.test_e2e_intake import GAD7_TYPED, PHQ9_TYPED, contact, converse
from tests.e2e_servers import ROOT, Assistant, free_port
from tests.staff_receiver import Mailbox, running, signature_ok
from tests.waiting import stays_true, wait_until

pytestmark = pytest.mark.e2e

SECRET = "e2e-webhook-secret"
DELIVERY_SECONDS = 15  # the worker polls every 0.5 s here; "within seconds" with room for a busy CI machine
QUIET_SECONDS = 2  # four worker polls: a message that should not be sent, or a second copy, would arrive by then
ALL_DAY = {day: ["00:00", "23:59"] for day in
           ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}


@pytest.fixture(scope="module")
def receiver():
    with running() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def mailbox():
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.port = port
    yield box
    controller.stop()


@pytest.fixture(scope="module")
def profile_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("profile") / "practice_profile.yml"
    path.write_text((ROOT / "practice_profile.yml").read_text())
    return path


def set_hours(profile_file, hours):
    """Rewrites the profile the running assistant reads (it re-reads the file when it changes)."""
    profile = yaml.safe_load(profile_file.read_text())
    profile["hours"] = hours
    before = profile_file.stat().st_mtime_ns
    profile_file.write_text(yaml.safe_dump(profile))
    if profile_file.stat().st_mtime_ns <= before:  # written within one tick of the clock: still a change
        os.utime(profile_file, ns=(before + 10_000_000,) * 2)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, receiver, mailbox, profile_file):
    workdir = tmp_path_factory.mktemp("handoff")
    running = Assistant(workdir, extra_env={
        "INTAKE_DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}",
        "INTAKE_VAR_DIR": str(workdir / "var"),
        "INTAKE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "PRACTICE_PROFILE": str(profile_file),
        "STAFF_WEBHOOK_URL": receiver.url,
        "STAFF_WEBHOOK_SECRET": SECRET,
        "STAFF_EMAIL_TO": "intake-team@example.com",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mailbox.port),
        "SMTP_SECURITY": "none",
        "OUTBOX_POLL_SECONDS": "0.5",
        "OUTBOX_WORKER": "on",
    }).start()
    yield running
    running.stop()


def wait_for(receiver, predicate, seconds=DELIVERY_SECONDS):
    return wait_until(lambda: [document for document in receiver.documents() if predicate(document)], seconds,
                      "a matching document reached the staff receiver", interval=0.2)


def copies_for(receiver, sender):
    return len([d for d in receiver.documents() if d.get("conversation_id") == sender])


def failed_webhook_tries(assistant):
    """Notifications the worker tried to send to the receiver and found it down (never PHI: metadata)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(assistant.env["INTAKE_DATABASE_URL"], future=True)
    try:
        with engine.connect() as connection:
            return connection.execute(text(
                "SELECT count(*) FROM outbox WHERE channel = 'webhook' AND status = 'pending' "
                "AND last_error = 'connection error'")).scalar()
    finally:
        engine.dispose()


def an_intake(assistant, sender, name="Noor Haddad", phone="555-276-1943"):
    assistant.text(sender, "I'd like to book a consultation")
    converse(assistant, sender, ["yes"] + contact(name, "noor.h@example.com", phone) + [
        "yes", "Virginia", "psychotherapy", "grief after losing my father"] + PHQ9_TYPED + GAD7_TYPED + [
        "self-pay", "in person", "mornings"])
    return assistant.text(sender, "submit")


def test_a_full_intake_sends_exactly_one_signed_summary_and_a_phi_free_email(assistant, receiver, mailbox):
    sender = f"handoff-{uuid.uuid4()}"
    assert "sent to our intake team" in an_intake(assistant, sender)
    [summary] = wait_for(receiver, lambda d: d["type"] == "intake_summary" and d["conversation_id"] == sender)
    request = next(r for r in receiver.received if sender.encode() in r.body)
    assert signature_ok(request.body, request.headers["X-Signature"], SECRET)
    assert summary["priority"] == "normal" and summary["created_at"]
    assert summary["summary"]["contact"]["name"] == "Noor Haddad"
    assert summary["summary"]["screens"]["PHQ-9"]["total"] == 10
    assert summary["summary"]["concerns"] == "grief after losing my father"
    stays_true(lambda: copies_for(receiver, sender) == 1, QUIET_SECONDS, "a second copy would arrive by then")
    mails = [m.as_string() for m in mailbox.messages if summary["intake_id"] in m.as_string()]  # own ids
    assert len(mails) == 1 and "intake_summary" in mails[0] and "NORMAL" in mails[0]
    for secret in ("Noor", "Haddad", "276-1943", "noor.h@example.com", "grief"):
        assert secret not in mails[0]


def test_a_crisis_message_sends_one_urgent_alert_within_seconds(assistant, receiver):
    sender = f"crisis-{uuid.uuid4()}"
    reply = assistant.text(sender, "I want to kill myself")
    answered = time.monotonic()
    assert "988" in reply
    alerts = wait_for(receiver, lambda d: d["type"] == "crisis_alert" and d["conversation_id"] == sender)
    assert time.monotonic() - answered < DELIVERY_SECONDS
    assert len(alerts) == 1 and alerts[0]["priority"] == "urgent"
    assert alerts[0]["trigger"] == "crisis phrase" and alerts[0]["category"] == "self_harm"


def test_a_crisis_mid_intake_alert_carries_the_contact_already_given(assistant, receiver):
    sender = f"crisis-intake-{uuid.uuid4()}"
    assistant.text(sender, "book a consultation")
    converse(assistant, sender, ["yes", "Ari Stone", "ari.stone@example.com", "555-301-2299"])
    assert "988" in assistant.text(sender, "honestly I've been thinking about ending my life")
    [alert] = wait_for(receiver, lambda d: d["type"] == "crisis_alert" and d["conversation_id"] == sender)
    assert alert["contact"] == {"name": "Ari Stone", "email": "ari.stone@example.com", "phone": "(555) 301-2299"}


def test_talk_to_a_person_during_office_hours_sends_an_urgent_callback(assistant, receiver, profile_file):
    set_hours(profile_file, ALL_DAY)
    sender = f"callback-open-{uuid.uuid4()}"
    intro = assistant.text(sender, "can I talk to a real person?")
    assert "isn't watched live" in intro and "What number should we call?" in intro
    reply = assistant.text(sender, "555 410 7788")
    assert "(555) 410-7788" in reply and "within two hours" in reply
    [request] = wait_for(receiver, lambda d: d["type"] == "callback_request" and d["conversation_id"] == sender)
    assert request["priority"] == "urgent" and request["phone"] == "(555) 410-7788"
    assert request["requested_during_hours"] is True


def test_talk_to_a_person_out_of_hours_takes_a_number_and_a_time(assistant, receiver, profile_file):
    set_hours(profile_file, {})
    sender = f"callback-closed-{uuid.uuid4()}"
    intro = assistant.text(sender, "I want to speak to a human")
    assert "closed right now" in intro and "988" in intro
    assert "10-digit" in assistant.text(sender, "my number is 12345")
    assert "good time" in assistant.text(sender, "5554107789")
    reply = assistant.text(sender, "Thursday after 3pm")
    assert "Thursday after 3pm" in reply and "within one business day" in reply
    [request] = wait_for(receiver, lambda d: d["type"] == "callback_request" and d["conversation_id"] == sender)
    assert request["priority"] == "normal" and request["preferred_time"] == "Thursday after 3pm"


def test_declining_a_callback_sends_nothing(assistant, receiver, profile_file):
    set_hours(profile_file, ALL_DAY)
    sender = f"callback-no-{uuid.uuid4()}"
    assistant.text(sender, "is there a human I can talk to")
    assert "haven't passed anything on" in assistant.text(sender, "no thanks")
    stays_true(lambda: copies_for(receiver, sender) == 0, QUIET_SECONDS, "a callback request would arrive by then")


def test_receiver_down_during_the_intake_gets_the_summary_once_when_back(assistant, receiver):
    receiver.stop()
    try:
        sender = f"down-{uuid.uuid4()}"
        assert "sent to our intake team" in an_intake(assistant, sender, name="Mei Tanaka")
        # the worker tries, fails and backs off (5 s, then 10 s ...)
        wait_until(lambda: failed_webhook_tries(assistant), DELIVERY_SECONDS,
                   "the worker tried the summary while the receiver was down", interval=0.2)
    finally:
        receiver.start()
    [summary] = wait_for(receiver, lambda d: d["type"] == "intake_summary" and d["conversation_id"] == sender,
                         seconds=45)
    assert summary["summary"]["contact"]["name"] == "Mei Tanaka"
    request = next(r for r in receiver.received if sender.encode() in r.body)
    assert signature_ok(request.body, request.headers["X-Signature"], SECRET)
    stays_true(lambda: copies_for(receiver, sender) == 1, QUIET_SECONDS, "a second copy would arrive by then")
