"""The staff inbox under attack, through Flask's test client on a real migrated database (SQLite,
and PostgreSQL in the integration layer): hostile input in every field, and requests racing
each other with one code or many wrong ones."""

from __future__ import annotations

import csv
import io
import re
import threading
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, update

from clinic.adapters import intake_store as store
from clinic.adapters.intake_store import AuditEvent
from staff_inbox import accounts
from staff_inbox.models import SignInThrottle, StaffUser
from tests.conftest import BACKENDS, notification_database
from tests.inbox_helpers import (
    PASSWORD,
    add_staff,
    csrf,
    sign_in,
    submit_intake,
    testing_app,
)


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path, monkeypatch):
    with notification_database(request, tmp_path, monkeypatch) as database:
        yield database


@pytest.fixture
def app(db, monkeypatch):
    return testing_app(monkeypatch)


def test_nul_and_control_characters_in_sign_in_fields_are_a_plain_refusal(app):
    add_staff("ana", "clinician")
    client = app.test_client()
    for name, password in (("ana\x00", PASSWORD), ("\x00", "x"), ("ana", PASSWORD + "\x00"), ("a\x00" * 40, "p")):
        page = client.get("/sign-in")
        response = client.post("/sign-in", data={"csrf_token": csrf(page.text), "name": name, "password": password})
        assert response.status_code == 401, (name, response.status_code)
        assert "do not match an active account" in response.text


def test_nul_in_an_item_reference_or_user_name_is_not_found(app):
    admin = add_staff("ana", "admin")
    client = app.test_client()
    sign_in(client, "ana", admin)
    assert client.get("/items/%00").status_code == 404
    assert client.get("/items/%00/fhir.json").status_code == 404
    page = client.get("/admin/users")
    response = client.post("/admin/users/%00/disable", data={"csrf_token": csrf(page.text)})
    assert response.status_code == 302 and client.get("/admin/users").status_code == 200


def _pending_clients(app, count):
    """`count` browsers, each from its own address, past the password and at the code step."""
    clients = []
    for n in range(count):
        client, environ = app.test_client(), {"REMOTE_ADDR": f"10.0.0.{n + 1}"}
        page = client.get("/sign-in", environ_base=environ)
        client.post("/sign-in", data={"csrf_token": csrf(page.text), "name": "ana", "password": PASSWORD},
                    environ_base=environ)
        page = client.get("/sign-in/code", environ_base=environ)
        clients.append((client, csrf(page.text), environ))
    return clients


def _post_codes_at_once(clients, codes):
    barrier, statuses = threading.Barrier(len(clients)), []

    def post(client, token, environ, code):
        barrier.wait()
        statuses.append(client.post("/sign-in/code", data={"csrf_token": token, "code": code},
                                    environ_base=environ).status_code)

    threads = [threading.Thread(target=post, args=(*client, code)) for client, code in zip(clients, codes, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_one_code_sent_by_parallel_requests_signs_in_once(app, monkeypatch):
    # Someone who has the password and sees a code (over a shoulder, by phishing) races the owner.
    monkeypatch.setenv("INBOX_LOCKOUT_FAILURES", "100")
    secret = add_staff("ana", "clinician")
    clients = _pending_clients(app, 12)
    statuses = _post_codes_at_once(clients, [pyotp.TOTP(secret).now()] * len(clients))
    assert sorted(statuses) == [302] + [401] * 11


def test_wrong_codes_sent_in_parallel_are_each_counted(app, monkeypatch):
    monkeypatch.setenv("INBOX_LOCKOUT_FAILURES", "100")
    add_staff("ana", "clinician")
    clients = _pending_clients(app, 12)
    statuses = _post_codes_at_once(clients, ["000000"] * len(clients))
    assert statuses == [401] * 12  # no server error when two first failures arrive together
    with store.session_scope() as session:
        assert session.get(SignInThrottle, "user:ana").failures == 12  # no increment lost


def _password_step(client, name):
    page = client.get("/sign-in")
    return client.post("/sign-in", data={"csrf_token": csrf(page.text), "name": name, "password": PASSWORD})


def test_the_second_factor_can_be_set_up_only_until_the_enrolment_deadline(app):
    # Someone who learns a password (an old e-mail) of an account that never set up its second
    # factor must not be able to set it up months later and take the account.
    add_staff("ben", "clinician", enrolled=False)
    with store.session_scope() as session:
        session.execute(update(StaffUser).values(enrol_until=store.utcnow() - timedelta(minutes=1)))
    client = app.test_client()
    assert _password_step(client, "ben").headers["Location"].endswith("/sign-in/enrol")
    page = client.get("/sign-in/enrol")
    assert page.status_code == 403 and "time to set up your second factor has run out" in page.text
    assert "data:image/svg+xml" not in page.text and client.get("/").status_code == 302
    with store.session_scope() as session:
        actions = session.execute(select(AuditEvent.action).where(AuditEvent.actor == "staff:ben")).scalars().all()
    assert "inbox:enrol_expired" in actions
    accounts.reset_two_factor("ben", "staff:ana")  # an administrator opens it again
    _password_step(client, "ben")
    page = client.get("/sign-in/enrol")
    assert page.status_code == 200 and "data:image/svg+xml" in page.text
    secret = re.search(r"[A-Z2-7]{32}", page.text).group(0)
    response = client.post("/sign-in/enrol", data={"csrf_token": csrf(page.text),
                                                    "code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and client.get("/").status_code == 200
    with store.session_scope() as session:
        assert session.execute(select(StaffUser.enrol_until).where(StaffUser.name == "ben")).scalar() is None


def test_rotating_names_and_ipv6_addresses_of_one_network_still_pauses_sign_in(app):
    # Password spraying: a new name each time (no per-name count grows) from a new address of the
    # attacker's own IPv6 /64 each time (2**64 of them).
    add_staff("ana", "clinician")
    client = app.test_client()
    statuses = []
    for n in range(7):
        environ = {"REMOTE_ADDR": f"2001:db8:aa:bb::{n + 1:x}"}
        page = client.get("/sign-in", environ_base=environ)
        statuses.append(client.post("/sign-in", data={"csrf_token": csrf(page.text), "name": f"guess{n}",
                                                      "password": "Winter2026!!"}, environ_base=environ).status_code)
    assert statuses == [401] * 5 + [429] * 2  # INBOX_LOCKOUT_FAILURES (5)
    page = client.get("/sign-in", environ_base={"REMOTE_ADDR": "2001:db8:aa:cc::1"})  # another network
    response = client.post("/sign-in", data={"csrf_token": csrf(page.text), "name": "ana", "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "2001:db8:aa:cc::1"})
    assert response.status_code == 302


def test_an_admin_lifts_the_pause_an_attacker_put_on_a_name(app):
    # Five wrong passwords for "ben" from anywhere keep ben out for up to an hour at a time: on call
    # for crisis alerts, that must not need a database edit.
    admin = add_staff("ana", "admin")
    ben = add_staff("ben", "clinician")
    attacker = app.test_client()
    for _ in range(5):
        page = attacker.get("/sign-in", environ_base={"REMOTE_ADDR": "198.51.100.7"})
        attacker.post("/sign-in", data={"csrf_token": csrf(page.text), "name": "ben", "password": "guess guess guess"},
                      environ_base={"REMOTE_ADDR": "198.51.100.7"})
    client = app.test_client()
    page = client.get("/sign-in", environ_base={"REMOTE_ADDR": "192.0.2.10"})
    refused = client.post("/sign-in", data={"csrf_token": csrf(page.text), "name": "ben", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert refused.status_code == 429
    administrator = app.test_client()
    sign_in(administrator, "ana", admin, address="192.0.2.20")
    page = administrator.get("/admin/users")
    assert "Lift sign-in pause of ben" in page.text
    administrator.post("/admin/users/ben/unlock", data={"csrf_token": csrf(page.text)})
    assert "ben can sign in again" in administrator.get("/admin/users").text
    assert sign_in(client, "ben", ben, address="192.0.2.10").status_code == 302
    with store.session_scope() as session:
        actions = session.execute(select(AuditEvent.action).where(AuditEvent.actor == "staff:ana")).scalars().all()
    assert "inbox:user_unlocked:ben" in actions
    page = attacker.get("/sign-in", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    still = attacker.post("/sign-in", data={"csrf_token": csrf(page.text), "name": "ben", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert still.status_code == 429  # the attacker's address stays paused


def test_the_csv_export_keeps_kap_and_medication_flags_for_the_prescriber(app):
    # The item page shows a clinician only how many KAP flags there are; the export must not
    # hand over what the page withholds.
    submit_intake()
    clinician, prescriber = add_staff("cleo", "clinician"), add_staff("pia", "prescriber")
    exports = {}
    for name, secret in (("cleo", clinician), ("pia", prescriber)):
        client = app.test_client()
        sign_in(client, name, secret)
        [row] = list(csv.DictReader(io.StringIO(client.get("/exports/intakes.csv").text)))
        exports[name] = row
    assert "benzodiazepine" in exports["pia"]["medication_flags"]
    assert exports["cleo"]["medication_flags"] == exports["cleo"]["kap_flags"] == "(prescriber only)"
    assert exports["cleo"]["phq9_item9"] == exports["pia"]["phq9_item9"]  # the crisis items are everyone's
