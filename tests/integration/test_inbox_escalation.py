"""Escalation: a crisis alert or urgent callback nobody acknowledges within ESCALATION_MINUTES of
office hours goes once more to the escalation contacts, through the outbox, to a real webhook
receiver and a real SMTP server on loopback, PHI-free; an acknowledged one does not."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from clinic.adapters import handoff, outbox
from clinic.adapters import intake_store as store
from clinic.adapters.intake_store import AuditEvent
from clinic.adapters.outbox import OutboxMessage
from staff_inbox import escalation, items
from staff_inbox.models import InboxItem
from tests.conftest import BACKENDS, integration_fixture, migrated_database
from tests.e2e_servers import free_port
from tests.inbox_helpers import EMAIL, NAME, PHONE, callback, crisis_alert, hours_always_open, minutes_later
from tests.staff_receiver import Mailbox, running, signature_ok

SECRET = "escalation-test-secret"
PHI = (NAME, EMAIL, PHONE, "conv-esc")


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path, monkeypatch):
    with migrated_database(request, tmp_path, monkeypatch, tables=("outbox", "intakes")) as database:
        store.ensure_migrated()
        hours_always_open(tmp_path, monkeypatch)
        yield database


@pytest.fixture
@integration_fixture
def pager(monkeypatch):
    """The escalation webhook on loopback; the staff webhook stays unset (its rows stay queued)."""
    with running() as receiver:
        monkeypatch.setenv("ESCALATION_WEBHOOK_URL", receiver.url)
        monkeypatch.setenv("STAFF_WEBHOOK_SECRET", SECRET)
        monkeypatch.setenv("INBOX_BASE_URL", "https://inbox.example-clinic.com")
        yield receiver


@pytest.fixture
@integration_fixture
def lead_mailbox(monkeypatch):
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, ready_timeout=30)
    controller.start()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_SECURITY", "none")
    monkeypatch.setenv("ESCALATION_EMAIL_TO", "clinical-lead@example.com")
    yield box
    controller.stop()


def the_item():
    items.sync()
    with store.session_scope() as session:
        return session.execute(select(InboxItem)).scalar_one()


def test_an_unacknowledged_crisis_alert_escalates_once_after_the_configured_time(db, pager, lead_mailbox):
    crisis_alert("conv-esc")
    item = the_item()
    assert escalation.check(minutes_later(item.created_at, 14)) == []  # ESCALATION_MINUTES is 15
    assert escalation.check(minutes_later(item.created_at, 16)) == [item.ref]
    assert escalation.check(minutes_later(item.created_at, 30)) == []  # once
    assert outbox.deliver_due(channels=("esc_webhook", "esc_email")) == 2
    [request] = pager.received
    assert signature_ok(request.body, request.headers["X-Signature"], SECRET)
    document = json.loads(request.body)
    assert document["type"] == "crisis_alert" and document["priority"] == "urgent" and document["escalation"]
    assert document["inbox_ref"] == item.ref
    assert document["link"] == f"https://inbox.example-clinic.com/items/{item.ref}"
    [mail] = lead_mailbox.messages
    assert mail["To"] == "clinical-lead@example.com" and str(mail["Subject"]).strip().startswith("[URGENT] ESCALATED")
    assert f"https://inbox.example-clinic.com/items/{item.ref}" in mail.get_content()
    for text in (request.body.decode(), mail.as_string()):
        assert not any(secret_text in text for secret_text in PHI)
    assert the_item().escalated_at is not None
    with store.session_scope() as session:
        assert session.execute(select(AuditEvent.action).where(AuditEvent.actor == "system:escalation")
                               ).scalars().all() == [f"inbox:escalated:{item.ref}"]


def test_an_acknowledged_alert_does_not_escalate(db, pager):
    crisis_alert("conv-esc")
    item = the_item()
    items.act(item.ref, "acknowledge", "ana")
    assert escalation.check(minutes_later(item.created_at, 60)) == []
    assert outbox.deliver_due(channels=("esc_webhook",)) == 0 and pager.received == []


def test_urgent_callbacks_escalate_and_normal_ones_do_not(db, pager):
    callback("conv-normal", during_hours=False)
    callback("conv-urgent", during_hours=True)
    items.sync()
    with store.session_scope() as session:
        refs = dict(session.execute(select(InboxItem.priority, InboxItem.ref)).all())
        created = session.execute(select(InboxItem.created_at)).scalars().first()
    assert escalation.check(minutes_later(created, 20)) == [refs["urgent"]]


def test_escalation_waits_for_the_office_to_open(db, pager, monkeypatch, tmp_path):
    import yaml

    from tests.e2e_servers import ROOT

    profile = yaml.safe_load((ROOT / "practice_profile.yml").read_text())
    profile["hours"] = {"monday": ["09:00", "17:00"]}
    (tmp_path / "monday.yml").write_text(yaml.safe_dump(profile))
    monkeypatch.setenv("PRACTICE_PROFILE", str(tmp_path / "monday.yml"))
    saturday_night = datetime(2026, 12, 6, 4, 0, tzinfo=timezone.utc)  # Saturday 11 pm in Virginia
    handoff.record_crisis_alert("conv-esc", "self_harm", "crisis phrase", {}, saturday_night)
    with store.session_scope() as session:
        session.execute(OutboxMessage.__table__.update().values(created_at=saturday_night))
    assert escalation.check(datetime(2026, 12, 7, 14, 10, tzinfo=timezone.utc)) == []  # Monday 9:10 am
    assert escalation.check(datetime(2026, 12, 7, 14, 16, tzinfo=timezone.utc)) == [the_item().ref]


def test_an_alert_outside_office_hours_says_so_and_what_the_visitor_was_told(db, monkeypatch, tmp_path):
    import yaml

    from tests.e2e_servers import ROOT

    profile = yaml.safe_load((ROOT / "practice_profile.yml").read_text())
    profile["hours"] = {"monday": ["09:00", "17:00"]}
    (tmp_path / "monday.yml").write_text(yaml.safe_dump(profile))
    monkeypatch.setenv("PRACTICE_PROFILE", str(tmp_path / "monday.yml"))
    handoff.record_crisis_alert("conv-night", "self_harm", "crisis phrase", {},
                                datetime(2026, 12, 6, 4, 0, tzinfo=timezone.utc))
    handoff.record_crisis_alert("conv-day", "self_harm", "crisis phrase", {},
                                datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc))
    with store.session_scope() as session:
        payloads = {row.payload["conversation_id"]: row.payload
                    for row in session.execute(select(OutboxMessage)).scalars()}
    night, day = payloads["conv-night"], payloads["conv-day"]
    assert night["outside_office_hours"] is True
    assert "OUTSIDE OFFICE HOURS" in night["text"] and "988, 911 and the Crisis Text Line" in night["text"]
    assert "outside_office_hours" not in day and "OUTSIDE" not in day["text"]


def test_the_running_check_escalates_in_real_time_once_with_two_inbox_processes_checking(db, pager, monkeypatch):
    """The loops as the inbox and the outbox worker run them, with a short escalation time."""
    import threading

    from tests.waiting import stays_true, wait_until

    monkeypatch.setenv("ESCALATION_MINUTES", "0.02")  # 1.2 s of (always) open office
    crisis_alert("conv-esc")
    stop = threading.Event()
    threads = [threading.Thread(target=escalation.run, args=(stop, 0.1), daemon=True) for _ in range(2)]
    threads.append(threading.Thread(target=outbox.run_worker, args=(stop,),
                                    kwargs={"interval": 0.1}, daemon=True))
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: pager.received, 20, "the escalation reached the escalation webhook")
        stays_true(lambda: len(pager.received) == 1, 1.5, "both poll every 0.1 s: a second one would show")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    assert json.loads(pager.received[0].body)["inbox_ref"] == the_item().ref


def test_a_flood_of_due_items_pages_the_escalation_contacts_once_per_window(db, pager, lead_mailbox, monkeypatch):
    monkeypatch.setenv("ALERT_BURST_MINUTES", "60")
    # Eight urgent callbacks from eight numbers (no alert limit merges them) nobody acknowledges.
    for n in range(8):
        handoff.record_callback_request(f"conv-flood-{n}", f"(555) 200-00{n:02d}", "now", None, True)
    items.sync()
    with store.session_scope() as session:
        created = max(session.execute(select(InboxItem.created_at)).scalars())
    first = escalation.check(minutes_later(created, 16))
    assert len(first) == 8
    assert outbox.deliver_due(channels=("esc_webhook",)) == 1
    [page] = pager.received
    document = json.loads(page.body)
    assert document["escalation"] and document["count"] == 8 and sorted(document["inbox_refs"]) == sorted(first)
    assert document["link"] == "https://inbox.example-clinic.com/?status=new"
    assert not any(text in page.body.decode() for text in PHI)
    assert outbox.deliver_due(channels=("esc_email",)) == 1
    [mail] = lead_mailbox.messages
    assert str(mail["Subject"]).strip().startswith("[URGENT] ESCALATED: 8 urgent items not acknowledged in time")
    assert "https://inbox.example-clinic.com/?status=new" in mail.get_content()
    assert not any(text in mail.as_string() for text in PHI)
    # A second wave due within ALERT_BURST_MINUTES of the page waits, then goes as one more page.
    for n in range(8, 11):
        handoff.record_callback_request(f"conv-flood-{n}", f"(555) 200-00{n:02d}", "now", None, True)
    items.sync()
    soon = store.utcnow() + (minutes_later(created, 16) - created)
    assert escalation.check(soon) == []
    with store.session_scope() as session:
        waiting = session.execute(select(InboxItem).where(InboxItem.escalated_at.is_(None))).scalars().all()
    assert len(waiting) == 3
    later = escalation.check(minutes_later(store.utcnow(), 61))
    assert sorted(later) == sorted(item.ref for item in waiting)
    assert outbox.deliver_due(channels=("esc_webhook", "esc_email")) == 2 and len(pager.received) == 2
    assert json.loads(pager.received[1].body)["count"] == 3
