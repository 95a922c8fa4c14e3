"""The staff inbox under attack, through Flask's test client on a real migrated database (SQLite,
and PostgreSQL in the integration layer): hostile input in every field."""

from __future__ import annotations

import pytest

from clinic.adapters import intake_store as store
from staff_inbox.app import create_app
from tests.conftest import BACKENDS, migrated_database
from tests.inbox_helpers import (
    PASSWORD,
    add_staff,
    csrf,
    sign_in,
)


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path, monkeypatch):
    with migrated_database(request, tmp_path, monkeypatch, tables=("outbox", "intakes")) as database:
        store.ensure_migrated()
        yield database


@pytest.fixture
def app(db, monkeypatch):
    monkeypatch.setenv("INBOX_COOKIE_SECURE", "off")
    monkeypatch.setenv("INBOX_INTERFACE", "127.0.0.1")
    application = create_app()
    application.config["TESTING"] = True
    return application


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
