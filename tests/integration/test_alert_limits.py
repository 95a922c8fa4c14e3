"""No alert floods (clinic/adapters/alert_limits.py) on SQLite and PostgreSQL: one open alert per conversation
and category, one update when the risk rises, one "unusual volume" alert for a burst, callback limits,
and the database's uniqueness guarantee with concurrent enqueuers. Delivery goes to a real receiver."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from clinic.adapters import alert_limits, handoff, outbox
from clinic.adapters import intake_store as store
from clinic.adapters.outbox import OutboxMessage
from clinic.adapters.staff_alerts import CrisisAlert, send_crisis_alert
from clinic.entrypoints import staff
from tests.conftest import BACKENDS, integration_fixture, notification_database
from tests.staff_receiver import running, signature_ok

SECRET = "alert-limits-secret"
PHONE = "(555) 410-7788"


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path, monkeypatch):
    for name in (alert_limits.REPEAT_WINDOW_ENV, alert_limits.BURST_LIMIT_ENV, alert_limits.BURST_MINUTES_ENV,
                 alert_limits.CALLBACK_PER_NUMBER_ENV, alert_limits.CALLBACK_REPEAT_HOURS_ENV):
        monkeypatch.delenv(name, raising=False)
    with notification_database(request, tmp_path, monkeypatch) as database:
        yield database


@pytest.fixture
@integration_fixture
def receiver(monkeypatch):
    with running(monkeypatch, SECRET) as receiver:
        yield receiver


def rows(**where):
    with store.session_scope() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.id)
        for key, value in where.items():
            query = query.where(getattr(OutboxMessage, key) == value)
        return session.execute(query).scalars().all()


def crisis(conversation, category="self_harm", trigger="crisis phrase", about=None):
    return send_crisis_alert(CrisisAlert(conversation, category, trigger, about=about))


def deliver_all():
    delivered = 0
    while True:
        count = outbox.deliver_due(batch=100)
        if not count:
            return delivered
        delivered += count


# --- One open alert per conversation and category -------------------------------------------------

def test_repeats_in_one_conversation_page_once_and_are_counted(db, receiver):
    for _ in range(5):
        assert crisis("conv-repeat") is not None  # queued or counted: the chat says staff know
    [alert] = rows()
    assert alert.occurrences == 5 and alert.risk_level == alert_limits.RISK_DISCLOSED
    assert alert.last_seen_at >= alert.created_at and alert.dedup_key
    assert deliver_all() == 1 and len(receiver.documents()) == 1
    crisis("conv-repeat")  # after delivery too: still the open alert, no second page
    assert deliver_all() == 0 and rows()[0].occurrences == 6


def test_ten_times_not_safe_is_one_alert_plus_one_risk_update(db, receiver):
    crisis("conv-unsafe", "medical_emergency")
    for _ in range(10):
        crisis("conv-unsafe", "not_safe", "said not safe (medical_emergency)", about="medical_emergency")
    assert deliver_all() == 2
    first, update = receiver.documents()
    assert first["category"] == "medical_emergency" and first["risk_level"] == alert_limits.RISK_DISCLOSED
    assert update["type"] == "crisis_alert" and update["priority"] == "urgent"
    assert update["risk_raised"] is True and update["update_of"] == first["id"]
    assert update["risk_level"] == alert_limits.RISK_NOT_SAFE and "UPDATE" in update["text"]
    alert = next(row for row in rows() if row.id == first["id"])
    assert alert.occurrences == 11 and alert.risk_level == alert_limits.RISK_NOT_SAFE
    for request in receiver.received:
        assert signature_ok(request.body, request.headers["X-Signature"], SECRET)


def test_not_safe_without_an_open_alert_pages_at_once(db, receiver):
    crisis("conv-first-unsafe", "not_safe", "said not safe (self_harm)", about="self_harm")
    assert deliver_all() == 1 and receiver.documents()[0]["risk_level"] == alert_limits.RISK_NOT_SAFE


def test_another_category_or_conversation_is_its_own_alert(db):
    crisis("conv-a", "self_harm")
    crisis("conv-a", "danger_from_others")
    crisis("conv-b", "self_harm")
    crisis("conv-a", "self_harm")
    assert sorted(row.occurrences for row in rows()) == [1, 1, 2]


def test_an_alert_closes_after_a_quiet_window_or_when_staff_mark_it_handled(db, monkeypatch, capsys):
    monkeypatch.setenv(alert_limits.REPEAT_WINDOW_ENV, "30")
    start = store.utcnow()
    payload = {"conversation_id": "conv-q", "text": "t"}

    def trigger(minutes):
        with store.session_scope() as session:
            return alert_limits.record_crisis_alert(session, "conv-q", "self_harm", payload, ("webhook",),
                                                    now=start + timedelta(minutes=minutes)).status

    assert [trigger(0), trigger(20), trigger(45)] == ["paged", "updated", "updated"]  # 25 quiet minutes
    assert trigger(80) == "paged"  # 35 quiet minutes: closed, a new alert
    closed, current = sorted(rows(), key=lambda row: row.created_at)
    assert closed.dedup_key is None and closed.closed_by == alert_limits.QUIET_ACTOR
    assert current.dedup_key is not None
    assert staff.main(["notifications", "--open"]) == 0
    assert capsys.readouterr().out.startswith("1 notification,")

    assert staff.main(["handled", current.id[:8], "--by", "dr.rivera"]) == 0
    assert "marked handled by dr.rivera" in capsys.readouterr().out
    assert rows(id=current.id)[0].closed_by == "dr.rivera"
    assert trigger(81) == "paged"  # handled: the next trigger is a new page
    assert staff.main(["handled", current.id[:8]]) == 0 and "was not open" in capsys.readouterr().out


# --- A burst becomes one unusual-volume alert -------------------------------------------------------

def test_a_burst_from_30_conversations_is_five_pages_and_one_volume_alert(db, receiver, monkeypatch, capsys):
    monkeypatch.setenv(alert_limits.BURST_LIMIT_ENV, "5")
    monkeypatch.setenv(alert_limits.BURST_MINUTES_ENV, "10")
    for number in range(30):
        assert crisis(f"conv-burst-{number}") is not None
    assert deliver_all() == 6
    documents = receiver.documents()
    [volume] = [d for d in documents if d.get("volume_alert")]
    assert volume["type"] == "crisis_alert" and volume["priority"] == "urgent" and volume["id"]
    assert volume["created_at"] and volume["alert_count"] == 6
    assert "6 urgent crisis alerts" in volume["text"] and "None are lost" in volume["text"]
    assert "notifications --type crisis_alert --status held" in volume["text"]
    paged = {d["conversation_id"] for d in documents if not d.get("volume_alert")}
    assert paged == {f"conv-burst-{number}" for number in range(5)}
    held = rows(status="held")
    assert len(held) == 25 and {row.payload["held_under_volume_alert"] for row in held} == {volume["id"]}
    [volume_row] = rows(id=volume["id"])
    assert volume_row.occurrences == 25  # how many it stands for, for the staff command line
    # Every individual alert is still there for staff.
    conversations = {row.payload.get("conversation_id") for row in rows(type="crisis_alert")}
    assert {f"conv-burst-{number}" for number in range(30)} <= conversations
    assert staff.main(["notifications", "--type", "crisis_alert", "--status", "held"]) == 0
    assert capsys.readouterr().out.startswith("25 notifications")
    # A held alert still counts repeats, and is never delivered by the worker.
    crisis("conv-burst-29")
    assert deliver_all() == 0 and rows(id=held[-1].id)[0].occurrences == 2


def test_after_the_burst_window_alerts_page_one_by_one_again(db, monkeypatch):
    monkeypatch.setenv(alert_limits.BURST_LIMIT_ENV, "2")
    monkeypatch.setenv(alert_limits.BURST_MINUTES_ENV, "10")
    start = store.utcnow()

    def trigger(conversation, minutes):
        with store.session_scope() as session:
            return alert_limits.record_crisis_alert(session, conversation, "self_harm", {"text": "t"}, ("webhook",),
                                                    now=start + timedelta(minutes=minutes)).status

    assert [trigger(f"c{n}", 0) for n in range(4)] == ["paged", "paged", "held", "held"]
    assert len([row for row in rows() if row.payload.get("volume_alert")]) == 1
    assert trigger("c-late", 11) == "paged"


# --- Callback requests ------------------------------------------------------------------------------

def test_five_callback_requests_in_one_conversation_page_once(db, receiver):
    outcomes = [handoff.record_callback_request("conv-cb", PHONE, None, "Ana", True).status for _ in range(5)]
    assert outcomes == ["paged", "updated", "updated", "updated", "updated"]
    assert deliver_all() == 1 and receiver.documents()[0]["phone"] == PHONE
    assert rows()[0].occurrences == 5


def test_a_number_pages_at_most_three_times_a_day_across_conversations(db, receiver, monkeypatch):
    monkeypatch.setenv(alert_limits.CALLBACK_PER_NUMBER_ENV, "3")
    spelled = [PHONE, "555-410-7788", "+1 555 410 7788", "5554107788", "(555) 410 7788"]
    outcomes = [handoff.record_callback_request(f"conv-n{n}", phone, None, None, True).status
                for n, phone in enumerate(spelled)]
    assert outcomes == ["paged", "paged", "paged", "held", "held"]
    assert handoff.record_callback_request("conv-other", "(555) 999-0000", None, None, True).status == "paged"
    assert deliver_all() == 4
    assert len(rows(status="held")) == 2  # recorded for staff, not paged
    for row in rows():
        assert "7788" not in (row.dedup_key or "") + (row.group_key or "")  # keys are keyed hashes


# --- The database's guarantee ------------------------------------------------------------------------

def test_the_database_refuses_a_second_open_row_for_a_key(db):
    with pytest.raises(IntegrityError):
        with store.session_scope() as session:
            for _ in range(2):
                session.add(OutboxMessage(type="crisis_alert", priority="urgent", payload={}, channel="webhook",
                                          dedup_key="crisis:self_harm:x#open"))
    with store.session_scope() as session:  # closed ones (NULL) never collide
        for _ in range(2):
            session.add(OutboxMessage(type="crisis_alert", priority="urgent", payload={}, channel="webhook"))


@pytest.mark.parametrize("advisory_lock", [True, False], ids=["as-shipped", "unique-index-alone"])
def test_concurrent_enqueuers_open_one_alert(db, monkeypatch, advisory_lock):
    if not advisory_lock:  # what the unique index guarantees by itself, e.g. against an older server
        monkeypatch.setattr(alert_limits, "serialise", lambda session: None)
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    errors = []

    def enqueue():
        try:
            barrier.wait(timeout=10)
            with store.session_scope() as session:
                alert_limits.record_crisis_alert(session, "conv-race", "self_harm", {"text": "t"},
                                                 ("webhook", "email"))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=enqueue) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    found = rows()
    assert sorted(row.channel for row in found) == ["email", "webhook"]
    assert [row.occurrences for row in found] == [threads_count, threads_count]


def test_concurrent_burst_from_many_servers_is_bounded_with_one_volume_alert(db, monkeypatch):
    monkeypatch.setenv(alert_limits.BURST_LIMIT_ENV, "5")
    threads_count = 12
    barrier = threading.Barrier(threads_count)
    errors = []

    def enqueue(number):
        try:
            barrier.wait(timeout=10)
            crisis_ids = handoff.queue_crisis_alert(f"conv-cc-{number}", "self_harm", "crisis intent")
            assert crisis_ids
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=enqueue, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    pending = rows(status="pending")
    assert len([row for row in pending if row.payload.get("volume_alert")]) == 1
    assert len([row for row in pending if not row.payload.get("volume_alert")]) == 5
    assert len(rows(status="held")) == threads_count - 5


def test_a_volume_alert_keeps_the_webhook_contract(db, receiver, monkeypatch):
    monkeypatch.setenv(alert_limits.BURST_LIMIT_ENV, "1")
    crisis("conv-v1")
    crisis("conv-v2")
    deliver_all()
    request = receiver.received[-1]
    document = json.loads(request.body)
    assert list(document)[:4] == ["type", "priority", "id", "created_at"]
    assert document["volume_alert"] is True and document["type"] == "crisis_alert"
    assert request.headers["Idempotency-Key"] == document["id"]
    assert signature_ok(request.body, request.headers["X-Signature"], SECRET)


def test_phi_free_channels_name_a_volume_alert_and_a_risk_update(db, monkeypatch):
    monkeypatch.setenv(alert_limits.BURST_LIMIT_ENV, "2")
    crisis("conv-t1")
    crisis("conv-t1", "not_safe", "said not safe (self_harm)", about="self_harm")
    crisis("conv-t2")
    titles = {outbox.email_message(row, "a@example.com", ["b@example.com"])["Subject"].split(" - ")[0]
              for row in rows(status="pending")}
    assert titles == {"[URGENT] Crisis alert", "[URGENT] Crisis alert update: risk is higher",
                      "[URGENT] Unusual volume of crisis alerts"}
    assert "Unusual volume" in json.loads(outbox.slack_body(rows(status="pending")[-1]))["text"]


def test_without_a_configured_key_the_development_key_is_created_and_the_alert_queued(db, monkeypatch, tmp_path):
    monkeypatch.delenv("INTAKE_ENCRYPTION_KEY")
    monkeypatch.setenv("INTAKE_VAR_DIR", str(tmp_path / "fresh" / "var"))  # does not exist yet
    assert crisis("conv-devkey")
    assert (tmp_path / "fresh" / "var" / store.DEV_KEY_FILE).exists()
    assert crisis("conv-devkey") == [] and rows()[0].occurrences == 2  # the same key both times


def test_a_callback_asked_again_a_day_later_pages_again(db, monkeypatch):
    monkeypatch.setenv(alert_limits.CALLBACK_REPEAT_HOURS_ENV, "24")
    start = store.utcnow()

    def ask(hours):
        with store.session_scope() as session:
            return alert_limits.record_callback_request(session, "conv-wait", PHONE, "normal", {"text": "t"},
                                                        ("webhook",), now=start + timedelta(hours=hours)).status

    assert [ask(0), ask(12), ask(23), ask(25)] == ["paged", "updated", "updated", "paged"]


def test_the_rasa_side_failsafe_alert_and_the_action_alert_are_one_page(db):
    from components.action_failsafe import _queue_alert

    _queue_alert("conv-failsafe", "self_harm")  # the action server was down for the first message
    crisis("conv-failsafe")  # back up: the next crisis message in the same chat
    [alert] = rows()
    assert alert.occurrences == 2 and alert.status == "pending"
