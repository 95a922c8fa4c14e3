"""Shared by the staff inbox tests: staff accounts, a signed-in Flask test client, items made
through the real store and outbox functions."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Optional

import pyotp
from sqlalchemy import select

from clinic.adapters import handoff
from clinic.adapters import intake_store as store
from clinic.domain.practice_profile import current_profile
from staff_inbox import accounts
from staff_inbox.models import StaffUser

PASSWORD = "correct horse battery staple"
NAME, PHONE, EMAIL, CONCERNS = "Rosa Kealoha-Brandt", "(555) 267-3341", "rosa.kb@example.org", "panic on trains"
MEDICATIONS = "lamotrigine 100 mg and sometimes Xanax"
ANSWERS = {"name": NAME, "email": EMAIL, "phone": PHONE, "preferred_contact_method": "phone",
           "best_time": "mornings", "adult": True, "state": "VA", "interest": "kap",
           "concerns": CONCERNS, "phq9_1": 2, **{f"phq9_{n}": 1 for n in range(2, 9)}, "phq9_9": 1,
           **{f"gad7_{n}": 2 for n in range(1, 8)}, "kap_medications": MEDICATIONS}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def testing_app(monkeypatch):
    """The inbox app over plain http on loopback (tests only), in Flask's testing mode."""
    from staff_inbox.app import create_app

    monkeypatch.setenv("INBOX_COOKIE_SECURE", "off")
    monkeypatch.setenv("INBOX_INTERFACE", "127.0.0.1")
    application = create_app()
    application.config["TESTING"] = True
    return application


def add_staff(name: str, role: str, enrolled: bool = True) -> Optional[str]:
    """A user; with enrolled, their TOTP secret is set already (returned)."""
    accounts.add_user(name, role, PASSWORD)
    if not enrolled:
        return None
    secret = pyotp.random_base32()
    with store.session_scope() as session:
        session.execute(select(StaffUser).where(StaffUser.name == name)).scalar_one().totp_secret = secret
    return secret


def csrf(page_text: str) -> str:
    return CSRF.search(page_text).group(1)


def sign_in(client, name: str, secret: str, next_url: str = "", at: Optional[datetime] = None,
            address: str = "127.0.0.1"):
    """Password, then the current TOTP code (or the one `at` a given time); returns the last response."""
    environ = {"REMOTE_ADDR": address}
    page = client.get("/sign-in" + (f"?next={next_url}" if next_url else ""), environ_base=environ)
    data = {"csrf_token": csrf(page.text), "name": name, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post("/sign-in", data=data, environ_base=environ)
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in/code"), response.text
    page = client.get("/sign-in/code", environ_base=environ)
    code = pyotp.TOTP(secret).at(at or store.utcnow())
    return client.post("/sign-in/code", data={"csrf_token": csrf(page.text), "code": code}, environ_base=environ)


def submit_intake(conversation_id: str = "conv-inbox"):
    for field, value in ANSWERS.items():
        store.save_answer(conversation_id, field, value)
    return handoff.submit_intake(conversation_id, current_profile())


def crisis_alert(conversation_id: str = "conv-inbox", when: Optional[datetime] = None):
    return handoff.record_crisis_alert(conversation_id, "self_harm", "crisis phrase", {"name": NAME}, when)


def callback(conversation_id: str = "conv-callback", during_hours: bool = True):
    return handoff.record_callback_request(conversation_id, PHONE, "after 4 pm", NAME, during_hours)


def item_refs(page_text: str):
    return re.findall(r'href="/items/([A-Za-z0-9_-]{22})"', page_text)


def hours_always_open(tmp_path, monkeypatch) -> None:
    """A practice profile whose office is open every day, all day (escalation tests run at any hour)."""
    import yaml

    from tests.e2e_servers import ROOT

    profile = yaml.safe_load((ROOT / "practice_profile.yml").read_text())
    profile["hours"] = {day: ["00:00", "23:59"] for day in
                        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}
    path = tmp_path / "profile.yml"
    path.write_text(yaml.safe_dump(profile))
    monkeypatch.setenv("PRACTICE_PROFILE", str(path))


def minutes_later(moment: datetime, minutes: float) -> datetime:
    return moment + timedelta(minutes=minutes)
