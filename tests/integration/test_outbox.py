"""Durable outbox against SQLite and PostgreSQL, delivering to a real HTTP receiver on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography.fernet import Fernet
from sqlalchemy import inspect, select, text

from clinic.adapters import intake_store as store
from clinic.adapters import outbox
from clinic.adapters.outbox import OutboxMessage
from staff_inbox import models as inbox_models  # noqa: F401 - its tables are in the schema the test compares
from tests.conftest import BACKENDS, integration_fixture, migrated_database
from tests.staff_receiver import running
from tests.waiting import wait_until

KEY = Fernet.generate_key().decode()
SECRET = "s3cret-for-tests"
NAME = "Zoë Okonkwo-Lindqvist"
CONCERNS = "Panic attacks on the metro since March 😔"
PHONE = "+1 555 014 8832"
PHI = (NAME, CONCERNS, PHONE, "Okonkwo", "metro", "014 8832")
PAYLOAD = {"conversation_id": "conv-1", "name": NAME, "phone": PHONE, "concerns": CONCERNS,
           "scores": {"phq9_total": 14, "gad7_total": 9}}


# --- The receiver (tests/staff_receiver.py) ------------------------------------------------------

@pytest.fixture
@integration_fixture
def receiver(monkeypatch):
    with running(monkeypatch, SECRET) as receiver:
        yield receiver


# --- The databases --------------------------------------------------------------------------------

@pytest.fixture(params=BACKENDS)
def db(request, tmp_path, monkeypatch):
    """A migrated, empty database on each backend, with a fixed key and no webhook configured."""
    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", KEY)
    for name in ("STAFF_WEBHOOK_URL", "STAFF_WEBHOOK_SECRET", "OUTBOX_MAX_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)
    with migrated_database(request, tmp_path, monkeypatch, tables=("outbox",)) as database:
        yield database


def enqueue_one(type_: str = "intake_summary", priority: str = "normal", payload=None, **kwargs) -> str:
    with store.session_scope() as session:
        return outbox.enqueue(session, type_, priority, PAYLOAD if payload is None else payload, **kwargs)[0]


def row(message_id: str) -> OutboxMessage:
    with store.session_scope() as session:
        return session.get(OutboxMessage, message_id)


def later(message_id: str, seconds: float = 1.0):
    """A moment just after the message's next attempt is due."""
    return row(message_id).next_attempt_at + timedelta(seconds=seconds)


# --- Schema ---------------------------------------------------------------------------------------

def test_migrate_creates_the_outbox_matching_the_models(db):
    store.migrate()  # idempotent
    engine = store.get_engine()
    inspector = inspect(engine)
    assert "outbox" in inspector.get_table_names()
    indexes = {index["name"]: index["column_names"] for index in inspector.get_indexes("outbox")}
    assert indexes["ix_outbox_status_next_attempt_at"] == ["status", "next_attempt_at"]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == ["0005"]
        assert compare_metadata(MigrationContext.configure(connection), store.Base.metadata) == []


# --- Contract, without a database -----------------------------------------------------------------

def test_sign_is_hmac_sha256_hex():
    body = b'{"id":"x"}'
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert outbox.sign(body, SECRET) == f"sha256={expected}"
    assert outbox.sign(body, "other") != outbox.sign(body, SECRET)


def test_webhook_body_has_the_contract_keys_first_in_a_stable_order():
    message = OutboxMessage(id="abc", type="crisis_alert", priority="urgent",
                            created_at=store.utcnow(), payload={"z": 1, "a": {"y": 2, "b": 3}})
    body = outbox.webhook_body(message)
    document = json.loads(body)
    assert list(document) == ["type", "priority", "id", "created_at", "a", "z"]
    assert document["id"] == "abc" and document["type"] == "crisis_alert" and document["priority"] == "urgent"
    assert document["created_at"] == message.created_at.isoformat()
    assert outbox.webhook_body(message) == body


@pytest.mark.parametrize("args", [
    ("unknown_type", "normal", {}),
    ("crisis_alert", "high", {}),
    ("crisis_alert", "urgent", {"id": "spoofed"}),
    ("crisis_alert", "urgent", {"x": object()}),
])
def test_enqueue_rejects_invalid_input(args):
    with pytest.raises(ValueError):
        outbox.enqueue(None, *args)
    with pytest.raises(ValueError):
        outbox.enqueue(None, "crisis_alert", "urgent", {}, channels=("pager",))


def test_backoff_doubles_and_is_capped():
    assert 5 <= outbox.backoff(1).total_seconds() <= 5.5
    assert 10 <= outbox.backoff(2).total_seconds() <= 11
    assert 300 <= outbox.backoff(40).total_seconds() <= 330


# --- Delivery -------------------------------------------------------------------------------------

def test_delivered_once_signed_with_the_contract(db, receiver):
    message_id = enqueue_one("crisis_alert", "urgent")
    assert outbox.deliver_due() == 1
    assert outbox.deliver_due() == 0  # acknowledged: never sent again
    assert len(receiver.received) == 1
    request = receiver.received[0]
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Idempotency-Key"] == message_id
    expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Signature"], f"sha256={expected}")
    document = json.loads(request.body)
    assert {key: document[key] for key in ("type", "priority", "id")} == {
        "type": "crisis_alert", "priority": "urgent", "id": message_id}
    assert {key: document[key] for key in PAYLOAD} == PAYLOAD
    stored = row(message_id)
    assert stored.status == "delivered" and stored.delivered_at is not None and stored.attempts == 0
    assert stored.lease_owner is None and stored.last_error is None


def test_rolled_back_enqueue_sends_nothing(db, receiver):
    with pytest.raises(RuntimeError):
        with store.session_scope() as session:
            outbox.enqueue(session, "intake_summary", "normal", PAYLOAD)
            raise RuntimeError("the intake failed to save")
    assert outbox.deliver_due() == 0
    assert receiver.received == []
    with store.session_scope() as session:
        assert session.execute(select(OutboxMessage)).scalars().all() == []


def test_enqueue_commits_with_the_thing_it_reports(db, receiver):
    with store.session_scope() as session:
        intake = store.Intake(id=str(uuid.uuid4()), conversation_id="conv-9", answers={})
        session.add(intake)
        outbox.enqueue(session, "intake_summary", "normal", {"intake_id": intake.id}, channels=("webhook", "email"))
    with store.session_scope() as session:
        rows = session.execute(select(OutboxMessage)).scalars().all()
        assert sorted(message.channel for message in rows) == ["email", "webhook"]
        assert len({message.id for message in rows}) == 2
    assert outbox.deliver_due() == 1  # the webhook worker leaves e-mail rows to their own sender
    assert len(receiver.received) == 1


def test_receiver_down_then_up_delivers_once_with_the_same_id(db, receiver):
    receiver.stop()
    message_id = enqueue_one()
    due_times = []
    for attempt in range(1, 4):
        assert outbox.deliver_due(now=later(message_id)) == 0
        stored = row(message_id)
        assert (stored.status, stored.attempts, stored.last_error) == ("pending", attempt, "connection error")
        due_times.append(stored.next_attempt_at)
    assert due_times == sorted(due_times)
    assert outbox.deliver_due() == 0  # not due yet: backing off
    receiver.start()
    assert outbox.deliver_due(now=later(message_id)) == 1
    assert outbox.deliver_due(now=later(message_id, 7200)) == 0
    assert receiver.ids() == [message_id]
    assert row(message_id).status == "delivered"


def test_always_500_backs_off_then_fails_visibly_and_can_be_retried(db, receiver, monkeypatch):
    monkeypatch.setenv("OUTBOX_MAX_ATTEMPTS", "4")
    receiver.mode = "error"
    message_id = enqueue_one("callback_request")
    gaps = []
    for attempt in range(1, 5):
        tried_at = later(message_id)
        assert outbox.deliver_due(now=tried_at) == 0
        stored = row(message_id)
        assert stored.attempts == attempt and stored.last_error == "HTTP 500"
        gaps.append((stored.next_attempt_at - tried_at).total_seconds())
        assert stored.status == ("failed" if attempt == 4 else "pending")
    assert gaps == sorted(gaps) and gaps[0] >= 5 and gaps[-1] >= 40
    assert outbox.deliver_due(now=later(message_id, 86400)) == 0  # failed rows wait for retry_failed
    assert receiver.ids() == [message_id] * 4
    with store.session_scope() as session:
        failed = session.execute(select(OutboxMessage).where(OutboxMessage.status == "failed")).scalars().all()
        assert [message.id for message in failed] == [message_id]
    receiver.mode = "ok"
    assert outbox.retry_failed() == 1
    assert outbox.deliver_due() == 1
    assert receiver.ids() == [message_id] * 5  # every retry carries the same idempotency key
    assert row(message_id).status == "delivered"


def test_slow_receiver_times_out_and_is_retried_with_the_same_id(db, receiver):
    receiver.mode = "slow"
    message_id = enqueue_one()
    started = time.monotonic()
    assert outbox.deliver_due(timeout=0.3) == 0
    assert time.monotonic() - started < 2.5  # the worker does not wait for the slow receiver
    stored = row(message_id)
    assert (stored.status, stored.attempts, stored.last_error) == ("pending", 1, "timeout")
    receiver.mode = "ok"
    assert outbox.deliver_due(now=later(message_id)) == 1
    assert set(receiver.ids()) == {message_id}


def test_two_workers_deliver_each_message_once(db, receiver):
    ids = {enqueue_one(payload={"n": n}) for n in range(24)}
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def work(owner: str) -> None:
        try:
            barrier.wait()
            total = 0
            for _ in range(4):
                total += outbox.deliver_due(owner=owner, batch=5)
            results[owner] = total
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(owner,)) for owner in ("worker-a", "worker-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(results.values()) == 24
    assert sorted(receiver.ids()) == sorted(ids)  # each exactly once
    with store.session_scope() as session:
        statuses = session.execute(select(OutboxMessage.status)).scalars().all()
        assert statuses == ["delivered"] * 24


def test_a_new_worker_picks_up_a_crashed_workers_message_after_its_lease(db, receiver):
    message_id = enqueue_one("crisis_alert", "urgent")
    now = store.utcnow()
    assert outbox.claim_due(now, owner="crashed", lease_seconds=60) == [message_id]  # then it dies
    assert outbox.deliver_due(now=now, owner="survivor") == 0  # still leased
    assert receiver.received == []
    assert outbox.deliver_due(now=now + timedelta(seconds=61), owner="survivor") == 1
    assert outbox.deliver_due(now=now + timedelta(seconds=3600), owner="survivor") == 0
    assert receiver.ids() == [message_id]
    stored = row(message_id)
    assert stored.status == "delivered" and stored.lease_owner is None


def test_urgent_messages_go_first(db, receiver):
    normal = enqueue_one("intake_summary", "normal")
    urgent = enqueue_one("crisis_alert", "urgent")
    assert outbox.deliver_due(batch=1) == 1
    assert receiver.ids() == [urgent]
    assert outbox.deliver_due() == 1
    assert receiver.ids() == [urgent, normal]


def test_payload_is_encrypted_at_rest_and_never_logged(db, receiver, caplog):
    caplog.set_level(logging.DEBUG)
    receiver.mode = "error"
    message_id = enqueue_one()
    outbox.deliver_due()
    receiver.mode = "ok"
    outbox.deliver_due(now=later(message_id))
    assert row(message_id).payload == PAYLOAD
    raw = db.raw_text()
    assert message_id in raw
    for secret in PHI:
        assert secret not in raw
        assert secret not in caplog.text
    assert message_id in caplog.text


def test_without_a_webhook_url_messages_stay_pending_and_it_is_logged_once(db, caplog, monkeypatch):
    monkeypatch.setattr(outbox, "_logged_once", set())
    caplog.set_level(logging.INFO, logger="clinic.adapters.outbox")
    message_id = enqueue_one()
    assert outbox.deliver_due() == 0
    assert outbox.deliver_due() == 0
    assert caplog.text.count("STAFF_WEBHOOK_URL is not set") == 1
    stored = row(message_id)
    assert (stored.status, stored.attempts) == ("pending", 0)


def test_run_worker_delivers_in_a_thread_and_stops(db, receiver):
    message_id = enqueue_one()
    stop = threading.Event()
    thread = threading.Thread(target=outbox.run_worker, args=(stop, 0.05), daemon=True)
    thread.start()
    try:
        wait_until(lambda: receiver.ids() == [message_id], 10, "the worker thread delivered the message")
    finally:
        stop.set()
    thread.join(5)
    assert not thread.is_alive()
    assert receiver.ids() == [message_id]
    assert row(message_id).status == "delivered"
