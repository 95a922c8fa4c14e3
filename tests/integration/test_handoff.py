"""What staff receive: notifications queued with what they report, delivered to a real webhook
receiver and a real SMTP server (aiosmtpd) on loopback, with no PHI where none is allowed."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import ssl
import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select

from actions.crisis_actions import ActionCrisisResponse
from clinic.adapters import handoff, outbox
from clinic.adapters import intake_store as store
from clinic.adapters.outbox import OutboxMessage
from clinic.adapters.staff_alerts import CrisisAlert, send_crisis_alert
from clinic.domain.practice_profile import current_profile
from tests.conftest import BACKENDS, integration_fixture, notification_database
from tests.e2e_servers import free_port
from tests.staff_receiver import Mailbox, running, signature_ok
from tests.waiting import stays_true, wait_until

SECRET = "handoff-test-secret"
NAME, PHONE, EMAIL, CONCERNS = "Rosa Kealoha-Brandt", "(555) 267-3341", "rosa.kb@example.org", "panic on trains"
PHI = (NAME, "Kealoha", "267-3341", EMAIL, CONCERNS)
ANSWERS = {"name": NAME, "email": EMAIL, "phone": PHONE, "preferred_contact_method": "phone",
           "best_time": "mornings", "adult": True, "state": "VA", "interest": "psychotherapy",
           "concerns": CONCERNS, "phq9_1": 2, **{f"phq9_{n}": 1 for n in range(2, 9)}, "phq9_9": 0,
           **{f"gad7_{n}": 2 for n in range(1, 8)}}


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path, monkeypatch):
    with notification_database(request, tmp_path, monkeypatch) as database:
        yield database


@pytest.fixture
@integration_fixture
def receiver(monkeypatch):
    with running(monkeypatch, SECRET) as receiver:
        yield receiver


@pytest.fixture
@integration_fixture
def mailbox(monkeypatch):
    """A real SMTP server on loopback (plain, as a local relay would be)."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_SECURITY", "none")
    monkeypatch.setenv("STAFF_EMAIL_TO", "intake-team@example.com, lead@example.com")
    monkeypatch.setenv("SMTP_FROM", "assistant@example.com")
    yield box
    controller.stop()


def an_intake(conversation_id="conv-handoff", answers=ANSWERS):
    for field, value in answers.items():
        store.save_answer(conversation_id, field, value)
    return conversation_id


def rows(**where):
    with store.session_scope() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.created_at)
        for key, value in where.items():
            query = query.where(getattr(OutboxMessage, key) == value)
        return session.execute(query).scalars().all()


# --- Queued with what they report -----------------------------------------------------------------

def test_a_submitted_intake_queues_exactly_one_summary_in_the_same_transaction(db, receiver):
    intake = handoff.submit_intake(an_intake(), current_profile())
    queued = rows()
    assert [(m.type, m.priority, m.channel) for m in queued] == [("intake_summary", "normal", "webhook")]
    assert outbox.deliver_due() == 1
    [request] = receiver.received
    assert signature_ok(request.body, request.headers["X-Signature"], SECRET)
    document = json.loads(request.body)
    assert document["intake_id"] == intake.id and document["conversation_id"] == "conv-handoff"
    summary = document["summary"]
    assert summary["contact"]["name"] == NAME and summary["concerns"] == CONCERNS
    assert summary["screens"]["PHQ-9"]["total"] == 9 and summary["screens"]["GAD-7"]["band"] == "moderate"
    assert NAME in document["text"] and "PHQ-9" in document["text"]
    assert outbox.deliver_due() == 0 and len(receiver.received) == 1


def test_scores_routing_and_priority_come_from_the_stored_answers(db):
    from clinic.domain import screening

    # PHQ-9 item 9 = 3 and the ASQ skipped: an urgent callback, whatever the chat's slots said.
    conversation = an_intake("conv-item9", dict(ANSWERS, phq9_9=3, **{f"asq_{n}": "skipped" for n in range(1, 5)}))
    intake = handoff.submit_intake(conversation, current_profile())
    assert (intake.priority, intake.routing, intake.phq9_total) == ("urgent", screening.ROUTE_URGENT, 12)
    [queued] = rows()
    assert queued.priority == "urgent" and queued.payload["summary"]["screens"]["PHQ-9"]["items"][8]["value"] == 3


def test_an_intake_already_flagged_by_a_crisis_alert_is_routed_urgent(db):
    from clinic.domain import screening

    conversation = an_intake("conv-flagged")
    send_crisis_alert(CrisisAlert(conversation, "self_harm", "crisis phrase"))
    intake = handoff.submit_intake(conversation, current_profile())
    assert (intake.priority, intake.routing) == ("urgent", screening.ROUTE_URGENT)


def test_a_failed_notification_leaves_the_intake_unsubmitted(db, monkeypatch):
    conversation = an_intake()

    def broken(*args, **kwargs):
        raise ValueError("payload cannot be stored as JSON")

    monkeypatch.setattr(outbox, "enqueue", broken)
    with pytest.raises(ValueError):
        handoff.submit_intake(conversation, current_profile())
    assert rows() == []
    assert store.list_intakes(status="submitted") == []
    assert store.get_answers(conversation)["name"] == NAME  # still open: the person can submit again


def test_crisis_alert_is_urgent_and_carries_the_known_contact(db, receiver):
    conversation = an_intake("conv-crisis", {"name": NAME, "phone": PHONE})
    ids = send_crisis_alert(CrisisAlert(conversation, "self_harm", "crisis phrase", contact={"email": EMAIL}))
    assert len(ids) == 1
    [message] = rows()
    assert (message.type, message.priority) == ("crisis_alert", "urgent")
    assert message.payload["contact"] == {"email": EMAIL, "name": NAME, "phone": PHONE}
    assert message.payload["trigger"] == "crisis phrase" and message.payload["category"] == "self_harm"
    assert store.list_intakes()[0].priority == "urgent"  # the intake is flagged for staff too
    started = time.monotonic()
    assert outbox.deliver_due() == 1
    assert time.monotonic() - started < 5
    document = receiver.documents()[0]
    assert document["type"] == "crisis_alert" and document["priority"] == "urgent"
    assert document["conversation_id"] == conversation and "URGENT" in document["text"]


def test_crisis_alert_without_an_intake_still_reaches_staff(db, receiver):
    send_crisis_alert(CrisisAlert("conv-anonymous", "medical_emergency", "crisis intent"))
    [message] = rows()
    assert message.payload["contact"] == {} and message.payload["intake_id"] is None
    assert "no contact details" in message.payload["text"]


def test_crisis_alert_that_cannot_be_stored_is_logged_without_text(monkeypatch, caplog, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")  # the database cannot be created below a file
    monkeypatch.setenv("INTAKE_DATABASE_URL", f"sqlite:///{tmp_path / 'a-file' / 'intake.db'}")
    caplog.set_level(logging.ERROR)
    assert send_crisis_alert(CrisisAlert("conv-7", "self_harm", "crisis phrase")) is None
    [record] = [r for r in caplog.records if "NOT queued" in r.getMessage()]
    from clinic.domain.log_ids import log_id

    assert log_id("conv-7") in record.getMessage() and "self_harm" in record.getMessage()
    assert "conv-7" not in record.getMessage()  # the id is the visitor's credential: only its hash


def test_the_crisis_action_queues_one_alert_with_the_chat_contact(db, make_tracker):
    from rasa_sdk.executor import CollectingDispatcher

    tracker = make_tracker("I want to end my life", "crisis", slots={"full_name": NAME, "phone": PHONE},
                           sender="conv-action")
    dispatcher = CollectingDispatcher()
    ActionCrisisResponse().run(dispatcher, tracker, {})
    assert "988" in dispatcher.messages[0]["text"]
    [message] = rows()
    assert message.type == "crisis_alert" and message.payload["contact"] == {"name": NAME, "phone": PHONE}


def test_callback_requests_are_urgent_during_office_hours_only(db):
    handoff.queue_callback_request("conv-cb1", PHONE, None, NAME, during_hours=True)
    handoff.queue_callback_request("conv-cb2", PHONE, "Tuesday after 2 pm", None, during_hours=False)
    first, second = rows()
    assert (first.type, first.priority) == ("callback_request", "urgent")
    assert second.priority == "normal" and second.payload["preferred_time"] == "Tuesday after 2 pm"
    assert second.payload["phone"] == PHONE and "Tuesday after 2 pm" in second.payload["text"]


def test_payloads_are_encrypted_at_rest(db):
    handoff.submit_intake(an_intake(), current_profile())
    handoff.queue_callback_request("conv-cb", PHONE, "evenings", NAME, during_hours=False)
    raw = db.raw_text()
    for secret in PHI:
        assert secret not in raw


# --- E-mail: real SMTP on loopback ----------------------------------------------------------------

def test_email_carries_only_reference_type_and_priority(db, mailbox, receiver):
    intake = handoff.submit_intake(an_intake(), current_profile())
    send_crisis_alert(CrisisAlert("conv-handoff", "self_harm", "crisis phrase", contact={"name": NAME}))
    assert sorted((m.type, m.channel) for m in rows()) == [
        ("crisis_alert", "email"), ("crisis_alert", "webhook"),
        ("intake_summary", "email"), ("intake_summary", "webhook")]
    assert outbox.deliver_due() == 4
    assert len(mailbox.messages) == 2 and len(receiver.received) == 2
    by_type = {message["X-Notification-Id"]: message for message in mailbox.messages}
    for queued in rows(channel="email"):
        email = by_type[queued.id]
        assert email["Message-ID"] == f"<{queued.id}@clinic-intake.outbox>"
        assert email["To"] == "intake-team@example.com, lead@example.com"
        whole = email.as_string()
        assert queued.type in whole and queued.id in whole
        for secret in PHI:
            assert secret not in whole
    urgent = [m for m in mailbox.messages if m["Subject"].startswith("[URGENT] Crisis alert")]
    assert len(urgent) == 1 and urgent[0]["X-Priority"] == "1"
    summary_mail = next(m for m in mailbox.messages if "New intake" in m["Subject"])
    assert intake.id in summary_mail.get_content()


def test_email_server_down_is_retried_like_the_webhook(db, mailbox, monkeypatch):
    monkeypatch.setenv("SMTP_PORT", "1")  # nothing listens there
    handoff.queue_callback_request("conv-cb", PHONE, None, None, during_hours=True)
    assert outbox.deliver_due() == 0
    [message] = rows(channel="email")
    assert message.status == "pending" and message.attempts == 1 and message.last_error.startswith("SMTP error")


def _self_signed(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "smtp.crt", tmp_path / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_email_uses_starttls_and_credentials(db, monkeypatch, tmp_path):
    cert_file, key_file = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    box, logins = Mailbox(), []

    def authenticate(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.login == b"clinic" and auth_data.password == b"app-password")

    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                            authenticator=authenticate, auth_required=True)
    controller.start()
    try:
        for name, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port),
                            "SMTP_SECURITY": "starttls", "SMTP_CA_FILE": str(cert_file),
                            "SMTP_USERNAME": "clinic", "SMTP_PASSWORD": "app-password",
                            "STAFF_EMAIL_TO": "team@example.com"}.items():
            monkeypatch.setenv(name, value)
        handoff.queue_callback_request("conv-tls", PHONE, None, NAME, during_hours=True)
        assert outbox.deliver_due() == 1
        assert logins == [(b"clinic", b"app-password")] and len(box.messages) == 1
        monkeypatch.setenv("SMTP_PASSWORD", "wrong")
        handoff.queue_callback_request("conv-tls2", PHONE, None, NAME, during_hours=True)
        assert outbox.deliver_due() == 0
        [refused] = rows(status="pending", channel="email")
        assert refused.attempts == 1 and refused.last_error.startswith("SMTP")  # refused, kept for a retry
        assert len(box.messages) == 1
    finally:
        controller.stop()


# --- Slack ----------------------------------------------------------------------------------------

def test_slack_format_sends_blocks_without_phi(db, receiver, monkeypatch):
    monkeypatch.setenv("STAFF_WEBHOOK_FORMAT", "slack")
    send_crisis_alert(CrisisAlert("conv-slack", "self_harm", "crisis phrase", contact={"name": NAME}))
    assert outbox.deliver_due() == 1
    [request] = receiver.received
    document = json.loads(request.body)
    assert signature_ok(request.body, request.headers["X-Signature"], SECRET)
    assert document["blocks"][0]["type"] == "header" and "URGENT" in document["blocks"][0]["text"]["text"]
    assert "Crisis alert" in document["text"]
    for secret in PHI:
        assert secret not in request.body.decode()


def test_purge_removes_old_sent_notifications_but_never_undelivered_ones(db, receiver):
    from datetime import timedelta

    from sqlalchemy import update

    handoff.submit_intake(an_intake(), current_profile())
    assert outbox.deliver_due() == 1
    handoff.queue_callback_request("conv-cb", PHONE, "evenings", NAME, during_hours=False)
    receiver.stop()
    old = store.utcnow() - timedelta(days=400)
    with store.session_scope() as session:
        session.execute(update(OutboxMessage).values(created_at=old))
        session.execute(update(store.Intake).values(updated_at=old))
    assert store.purge_older_than(365) == 1
    assert [(m.type, m.status) for m in rows()] == [("callback_request", "pending")]


def test_worker_process_killed_mid_retry_loses_nothing_and_sends_once(db, receiver):
    """The real worker process (`python -m clinic.entrypoints.outbox_worker`), killed with SIGKILL while it
    retries a receiver that is down; a new worker delivers the same id exactly once."""
    import os
    import signal
    import subprocess
    import sys

    from tests.e2e_servers import ROOT

    receiver.stop()
    [message_id] = handoff.queue_callback_request("conv-restart", PHONE, None, NAME, during_hours=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT), OUTBOX_POLL_SECONDS="0.2", OUTBOX_LOG_LEVEL="WARNING")

    def worker():
        return subprocess.Popen([sys.executable, "-m", "clinic.entrypoints.outbox_worker"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    first = worker()
    try:
        wait_until(lambda: rows()[0].attempts >= 1, 30, "the first worker tried the receiver that is down",
                   interval=0.2)
        assert rows()[0].last_error == "connection error"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    receiver.start()
    with store.session_scope() as session:  # skip the backoff wait, as if time had passed
        session.get(OutboxMessage, message_id).next_attempt_at = store.utcnow()
    second = worker()
    try:
        wait_until(lambda: rows()[0].status == "delivered", 30, "the new worker delivered the message",
                   interval=0.2)
        stays_true(lambda: receiver.ids() == [message_id], 1,
                   "the worker polls every 0.2 s: a second delivery would come within five polls")
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=10) == 0  # a clean stop on SIGTERM
    assert receiver.ids() == [message_id]
