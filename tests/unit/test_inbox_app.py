"""The staff inbox as staff use it, through Flask's test client on a real migrated database (SQLite,
and PostgreSQL in the integration layer): sign-in with password and TOTP, lockout, sessions that
end, CSRF, the queue and an item, roles, exports, and the audit trail with each user's name."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from clinic.adapters import intake_store as store
from clinic.adapters import outbox
from clinic.adapters.intake_store import AuditEvent, Intake
from clinic.adapters.outbox import OutboxMessage
from staff_inbox import accounts, items
from staff_inbox.app import create_app
from staff_inbox.models import InboxItem, StaffSession, StaffUser
from tests.conftest import BACKENDS, notification_database
from tests.inbox_helpers import (
    CONCERNS,
    EMAIL,
    MEDICATIONS,
    NAME,
    PASSWORD,
    PHONE,
    add_staff,
    callback,
    crisis_alert,
    csrf,
    item_refs,
    sign_in,
    submit_intake,
    testing_app,
)

PAGES = ["/", "/items/AAAAAAAAAAAAAAAAAAAAAA", "/admin/users", "/admin/audit", "/exports/intakes.csv",
         "/?type=crisis_alert&status=new"]


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path, monkeypatch):
    with notification_database(request, tmp_path, monkeypatch) as database:
        yield database


@pytest.fixture
def app(db, monkeypatch):
    return testing_app(monkeypatch)


def audit(actor=None):
    with store.session_scope() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if actor:
            query = query.where(AuditEvent.actor == actor)
        return [event.action for event in session.execute(query).scalars()]


def item(ref):
    with store.session_scope() as session:
        return session.execute(select(InboxItem).where(InboxItem.ref == ref)).scalar_one()


# --- Signing in -------------------------------------------------------------------------------------

def test_first_sign_in_enrols_totp_with_a_qr_code_then_asks_for_a_code(app):
    import pyotp

    accounts.add_user("ana", "admin", PASSWORD)
    client = app.test_client()
    page = client.get("/sign-in")
    response = client.post("/sign-in", data={"csrf_token": csrf(page.text), "name": "ana", "password": PASSWORD})
    assert response.headers["Location"].endswith("/sign-in/enrol")
    page = client.get("/sign-in/enrol")
    assert 'src="data:image/svg+xml' in page.text  # the QR code is inline: no request anywhere
    secret = page.text.split('class="secret">')[1].split("<")[0]
    assert page.headers["Cache-Control"] == "no-store"
    again = client.get("/sign-in/enrol")
    assert secret not in again.text  # shown once: a reload shows a new key
    secret = again.text.split('class="secret">')[1].split("<")[0]
    wrong = client.post("/sign-in/enrol", data={"csrf_token": csrf(again.text), "code": "000000"})
    assert wrong.status_code == 401
    secret = wrong.text.split('class="secret">')[1].split("<")[0]
    done = client.post("/sign-in/enrol", data={"csrf_token": csrf(wrong.text), "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert "Queue" in client.get("/").text
    # Signed out, the next sign-in asks for a code from the same app.
    client.post("/sign-out", data={"csrf_token": csrf(client.get("/").text)})
    assert client.get("/").status_code == 302
    later = store.utcnow() + timedelta(seconds=30)  # the next code: each code works once
    assert sign_in(client, "ana", secret, at=later).headers["Location"] == "/"
    assert {"inbox:2fa_enrolled", "inbox:signed_in", "inbox:signed_out"} <= set(audit("staff:ana"))


def test_a_wrong_password_or_code_never_signs_in(app):
    secret = add_staff("ana", "intake")
    client = app.test_client()
    page = client.get("/sign-in")
    response = client.post("/sign-in", data={"csrf_token": csrf(page.text), "name": "ana", "password": "wrong" * 4})
    assert response.status_code == 401 and "do not match" in response.text
    client.post("/sign-in", data={"csrf_token": csrf(page.text), "name": "ana", "password": PASSWORD})
    code_page = client.get("/sign-in/code")
    response = client.post("/sign-in/code", data={"csrf_token": csrf(code_page.text), "code": "123456"})
    assert response.status_code == 401 and client.get("/").status_code == 302
    assert secret and "inbox:sign_in_failed" in audit("staff:ana") and "inbox:code_failed" in audit("staff:ana")


def test_repeated_wrong_passwords_pause_sign_in_per_user_and_per_address(app, monkeypatch):
    monkeypatch.setenv("INBOX_LOCKOUT_FAILURES", "3")
    ana, ben = add_staff("ana", "intake"), add_staff("ben", "intake")
    client = app.test_client()
    page = client.get("/sign-in")
    for _ in range(3):
        client.post("/sign-in", data={"csrf_token": csrf(page.text), "name": "ana", "password": "not the password"})
    locked = client.post("/sign-in", data={"csrf_token": csrf(page.text), "name": "ana", "password": PASSWORD})
    assert locked.status_code == 429 and "paused" in locked.text
    assert client.get("/").status_code == 302
    # The same address is paused for every name; another address is not, but ana still is.
    blocked = client.post("/sign-in", data={"csrf_token": csrf(page.text), "name": "ben", "password": PASSWORD})
    assert blocked.status_code == 429
    assert sign_in(app.test_client(), "ben", ben, address="10.1.2.3").headers["Location"] == "/"
    other = app.test_client()
    page = other.get("/sign-in", environ_base={"REMOTE_ADDR": "10.1.2.4"})
    assert other.post("/sign-in", data={"csrf_token": csrf(page.text), "name": "ana", "password": PASSWORD},
                      environ_base={"REMOTE_ADDR": "10.1.2.4"}).status_code == 429
    assert ana


@pytest.mark.parametrize("path", PAGES)
def test_without_a_session_every_page_redirects_to_sign_in(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")


def test_sign_in_returns_to_the_page_asked_for(app):
    secret = add_staff("ana", "intake")
    crisis_alert()
    items.sync()
    with store.session_scope() as session:
        ref = session.execute(select(InboxItem.ref)).scalar_one()
    client = app.test_client()
    first = client.get(f"/items/{ref}")
    assert first.headers["Location"] == f"/sign-in?next=/items/{ref}"
    assert sign_in(client, "ana", secret, next_url=f"/items/{ref}").headers["Location"] == f"/items/{ref}"
    evil = app.test_client()
    assert sign_in(evil, "ana", secret, next_url="//evil.example/",
                   at=store.utcnow() + timedelta(seconds=30)).headers["Location"] == "/"


def test_an_idle_or_too_old_session_is_refused(app):
    secret = add_staff("ana", "intake")
    client = app.test_client()
    sign_in(client, "ana", secret)
    assert client.get("/").status_code == 200
    with store.session_scope() as session:
        session.execute(update(StaffSession).values(last_seen_at=store.utcnow() - timedelta(minutes=16)))
    assert client.get("/").status_code == 302  # INBOX_IDLE_MINUTES (15) without a request
    with store.session_scope() as session:
        assert session.execute(select(StaffSession)).first() is None
    other = app.test_client()
    sign_in(other, "ana", secret, at=store.utcnow() + timedelta(seconds=30))
    with store.session_scope() as session:
        session.execute(update(StaffSession).values(created_at=store.utcnow() - timedelta(hours=13)))
    assert other.get("/").status_code == 302  # INBOX_SESSION_HOURS (12), however busy


def test_disabling_a_user_ends_their_sessions_at_once(app):
    secret = add_staff("ben", "clinician")
    client = app.test_client()
    sign_in(client, "ben", secret)
    assert client.get("/").status_code == 200
    accounts.disable_user("ben", "staff:cli")
    assert client.get("/").status_code == 302
    page = client.get("/sign-in")
    refused = client.post("/sign-in", data={"csrf_token": csrf(page.text), "name": "ben", "password": PASSWORD})
    assert refused.status_code == 401


def test_cookies_are_httponly_samesite_strict_and_secure_unless_loopback(app, monkeypatch):
    secret = add_staff("ana", "intake")
    client = app.test_client()
    response = sign_in(client, "ana", secret)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    monkeypatch.setenv("INBOX_COOKIE_SECURE", "on")
    secure_app = create_app()
    assert secure_app.config["SESSION_COOKIE_SECURE"] and secure_app.config["SESSION_COOKIE_NAME"] == "__Host-inbox"
    monkeypatch.setenv("INBOX_COOKIE_SECURE", "off")
    monkeypatch.setenv("INBOX_INTERFACE", "0.0.0.0")
    with pytest.raises(RuntimeError, match="only when INBOX_INTERFACE is loopback"):
        create_app()


def test_every_page_has_a_strict_csp_and_security_headers(app):
    secret = add_staff("ana", "admin")
    client = app.test_client()
    sign_in(client, "ana", secret)
    for path in ("/", "/admin/users", "/admin/audit", "/sign-in"):
        headers = client.get(path).headers
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "script-src 'none'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"


# --- The queue and an item -------------------------------------------------------------------------

def test_the_queue_shows_intakes_alerts_and_callbacks_urgent_first(app):
    secret = add_staff("ana", "intake")
    submit_intake("conv-a")
    crisis_alert("conv-b")
    callback("conv-c", during_hours=False)
    client = app.test_client()
    sign_in(client, "ana", secret)
    page = client.get("/").text
    kinds = [page.index(f'class="kind">{label}</span>') for label in ("Crisis alert", "Intake", "Callback request")]
    assert kinds == sorted(kinds)
    assert NAME in page and "3 items" in page
    assert len(item_refs(page)) == 3
    only_alerts = client.get("/?type=crisis_alert").text
    assert "1 item," in only_alerts and "Callback request</span>" not in only_alerts
    assert "0 items" in client.get("/?mine=1").text
    assert "inbox:queue_viewed" in audit("staff:ana")


def test_an_item_shows_critical_items_first_and_is_worked_to_closed(app):
    secret = add_staff("ana", "clinician")
    intake = submit_intake()
    client = app.test_client()
    sign_in(client, "ana", secret)
    [ref] = item_refs(client.get("/").text)
    assert ref not in (intake.id, intake.conversation_id)
    page = client.get(f"/items/{ref}").text
    assert page.index("PHQ-9 item 9") < page.index("Routing suggestion") < page.index(EMAIL)
    assert CONCERNS in page and PHONE in page
    client.post(f"/items/{ref}/acknowledge", data={"csrf_token": csrf(page)})
    assert item(ref).status == "acknowledged" and item(ref).acknowledged_by == "ana"
    client.post(f"/items/{ref}/assign", data={"csrf_token": csrf(page)})
    assert item(ref).assignee == "ana" and ref in client.get("/?mine=1").text
    client.post(f"/items/{ref}/contacted", data={"csrf_token": csrf(page)})
    with store.session_scope() as session:
        assert session.get(Intake, intake.id).status == "contacted"
    refused = client.post(f"/items/{ref}/close", data={"csrf_token": csrf(page), "note": " "}, follow_redirects=True)
    assert "Write a short note" in refused.text and item(ref).status == "contacted"
    client.post(f"/items/{ref}/close", data={"csrf_token": csrf(page), "note": "Booked a consultation"})
    assert item(ref).status == "closed" and item(ref).close_note == "Booked a consultation"
    with store.session_scope() as session:
        assert session.get(Intake, intake.id).status == "closed"
        trail = session.execute(select(AuditEvent.actor, AuditEvent.action)
                                .where(AuditEvent.intake_id == intake.id).order_by(AuditEvent.id)).all()
    worked = [action for who, action in trail if who == "staff:ana"]
    assert worked == [f"inbox:viewed:{ref}", f"inbox:acknowledge:{ref}", f"inbox:assign:{ref}",
                      "status:contacted", f"inbox:contacted:{ref}", f"inbox:viewed:{ref}",
                      "status:closed", f"inbox:close:{ref}"]
    assert "Booked a consultation" not in str(trail)  # the note is encrypted, never in the audit trail


def test_closing_a_crisis_alert_closes_it_so_the_next_trigger_pages_again(app):
    secret = add_staff("ana", "intake")
    first = crisis_alert("conv-x")
    assert crisis_alert("conv-x").status == "updated"  # counted into the open alert
    client = app.test_client()
    sign_in(client, "ana", secret)
    [ref] = item_refs(client.get("/").text)
    page = client.get(f"/items/{ref}").text
    assert "self harm" in page and NAME in page
    client.post(f"/items/{ref}/close", data={"csrf_token": csrf(page), "note": "Called, safe, seen today"})
    assert crisis_alert("conv-x").status == "paged" and first.status == "paged"


def test_a_form_post_without_the_csrf_token_is_refused(app):
    secret = add_staff("ana", "intake")
    crisis_alert()
    client = app.test_client()
    sign_in(client, "ana", secret)
    [ref] = item_refs(client.get("/").text)
    response = client.post(f"/items/{ref}/acknowledge", data={})
    assert response.status_code == 400 and item(ref).status == "new"
    forged = client.post(f"/items/{ref}/acknowledge", data={"csrf_token": "forged"})
    assert forged.status_code == 400 and item(ref).status == "new"
    assert "inbox:csrf_refused" in audit("staff:ana")


# --- Roles ------------------------------------------------------------------------------------------

def test_a_clinician_cannot_do_an_admins_actions(app):
    add_staff("ana", "admin")
    secret = add_staff("carl", "clinician")
    client = app.test_client()
    sign_in(client, "carl", secret)
    page = client.get("/").text
    assert "Users" not in page and "Audit trail" not in page
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/audit").status_code == 403
    response = client.post("/admin/users/ana/disable", data={"csrf_token": csrf(page)})
    assert response.status_code == 403
    with store.session_scope() as session:
        assert session.execute(select(StaffUser.active).where(StaffUser.name == "ana")).scalar_one()
    assert audit("staff:carl").count("inbox:forbidden:users.manage") == 2
    assert "inbox:forbidden:audit.view" in audit("staff:carl")


def test_an_admin_disables_a_user_and_reads_the_audit_trail(app):
    admin = add_staff("ana", "admin")
    ben = add_staff("ben", "intake")
    ben_client = app.test_client()
    sign_in(ben_client, "ben", ben)
    client = app.test_client()
    sign_in(client, "ana", admin)
    page = client.get("/admin/users").text
    client.post("/admin/users/ben/disable", data={"csrf_token": csrf(page)})
    assert ben_client.get("/").status_code == 302
    trail = client.get("/admin/audit").text
    assert "staff:ana" in trail and "inbox:user_disabled:ben" in trail and "staff:ben" in trail


def test_kap_and_medication_details_are_for_the_prescriber(app):
    submit_intake()
    nurse, prescriber = add_staff("ina", "intake"), add_staff("pia", "prescriber")
    intake_client, prescriber_client = app.test_client(), app.test_client()
    sign_in(intake_client, "ina", nurse)
    sign_in(prescriber_client, "pia", prescriber)
    [ref] = item_refs(intake_client.get("/").text)
    restricted = intake_client.get(f"/items/{ref}").text
    assert MEDICATIONS not in restricted and "prescriber and administrators only" in restricted
    assert "PHQ-9 item 9" in restricted  # the crisis items are everyone's
    full = prescriber_client.get(f"/items/{ref}").text
    assert MEDICATIONS in full and "lamotrigine" in full.lower()


def test_exports_are_for_clinical_staff_and_audited(app):
    intake = submit_intake()
    nurse, clinician = add_staff("ina", "intake"), add_staff("cleo", "clinician")
    nurse_client, client = app.test_client(), app.test_client()
    sign_in(nurse_client, "ina", nurse)
    sign_in(client, "cleo", clinician)
    assert nurse_client.get("/exports/intakes.csv").status_code == 403
    export = client.get("/exports/intakes.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv" and NAME in export.text
    [ref] = item_refs(client.get("/").text)
    fhir = client.get(f"/items/{ref}/fhir.json")
    assert fhir.status_code == 200 and fhir.json["resourceType"] == "Bundle" and fhir.json["entry"]
    with store.session_scope() as session:
        actions = session.execute(select(AuditEvent.action).where(AuditEvent.intake_id == intake.id,
                                                                   AuditEvent.actor == "staff:cleo")).scalars().all()
    assert "exported:csv" in actions and f"inbox:exported_fhir:{ref}" in actions
    assert "inbox:forbidden:export" in audit("staff:ina")


# --- Links in notifications -------------------------------------------------------------------------

def test_e_mail_and_slack_carry_a_phi_free_link_to_the_item(app, monkeypatch):
    monkeypatch.setenv("INBOX_BASE_URL", "https://inbox.example-clinic.com")
    monkeypatch.setenv("STAFF_EMAIL_TO", "team@example.com")
    intake = submit_intake()
    with store.session_scope() as session:
        rows = session.execute(select(OutboxMessage).order_by(OutboxMessage.channel)).scalars().all()
        for row in rows:
            session.expunge(row)
    assert sorted(row.channel for row in rows) == ["email", "webhook"]
    texts = [outbox.email_message(row, "a@example.com", ["team@example.com"]).get_content() for row in rows]
    texts += [outbox.slack_body(row).decode() for row in rows]
    links = {line.split("staff inbox: ")[1].split('"')[0].split("\\n")[0].strip()
             for text in texts for line in text.splitlines() if "staff inbox: " in line}
    assert len(links) == 1  # every channel of one notification links to the same item
    [link] = links
    ref = link.rsplit("/", 1)[1]
    assert link == f"https://inbox.example-clinic.com/items/{ref}" and len(ref) == 22
    for secret_text in (intake.id, intake.conversation_id, NAME, EMAIL, PHONE, CONCERNS):
        assert secret_text not in link
    for text in texts:
        assert NAME not in text and EMAIL not in text and CONCERNS not in text
    assert item(ref).intake_id == intake.id
