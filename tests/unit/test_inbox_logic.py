"""The staff inbox's pure rules: queue order and filters, when an item escalates (office hours),
who may do what, where sign-in may send you back to, the lockout back-off, one-time TOTP codes."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pyotp
import pytest

from staff_inbox import accounts, queue, roles
from staff_inbox.app import safe_next

NY = ZoneInfo("America/New_York")
HOURS = {day: (time(9), time(17)) for day in ("monday", "tuesday", "wednesday", "thursday")}
HOURS["friday"] = (time(9), time(15))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def test_the_queue_puts_open_urgent_items_first_then_the_newest():
    now = datetime(2026, 12, 1, 15, tzinfo=timezone.utc)
    rows = [SimpleNamespace(name=name, priority=priority, status=status, created_at=now - timedelta(minutes=age))
            for name, priority, status, age in [
                ("old normal", "normal", "new", 50), ("new normal", "normal", "acknowledged", 5),
                ("old urgent", "urgent", "new", 40), ("new urgent", "urgent", "contacted", 10),
                ("closed urgent", "urgent", "closed", 1)]]
    assert [row.name for row in queue.ordered(rows)] == [
        "new urgent", "old urgent", "new normal", "old normal", "closed urgent"]


@pytest.mark.parametrize("filters, expected", [
    ({}, True),
    ({"kind": "crisis_alert"}, True),
    ({"kind": "intake_summary"}, False),
    ({"status": "open"}, True),
    ({"status": "closed"}, False),
    ({"mine": "ana"}, True),
    ({"mine": "ben"}, False),
])
def test_the_queue_filters_by_type_status_and_holder(filters, expected):
    assert queue.matches("crisis_alert", "acknowledged", "ana", **filters) is expected
    assert not queue.matches("crisis_alert", "closed", "ana", status="open")


@pytest.mark.parametrize("created, expected", [
    ("2026-11-30T10:00", "2026-11-30T10:15"),  # Monday, open: 15 minutes later
    ("2026-11-30T16:50", "2026-12-01T09:05"),  # 10 minutes left today, 5 tomorrow morning
    ("2026-11-30T22:00", "2026-12-01T09:15"),  # at night: the clock starts when the office opens
    ("2026-12-04T14:55", "2026-12-07T09:10"),  # Friday closes at 3 pm; the weekend is closed
    ("2026-12-05T11:00", "2026-12-07T09:15"),  # Saturday
])
def test_escalation_counts_only_office_minutes(created, expected):
    assert queue.escalation_due(at(created), 15, HOURS, NY) == at(expected)


@pytest.mark.parametrize("created_utc, minutes, hours, expected_utc", [
    # A practice open round the clock, the night the clocks go back (01:50 EDT + 15 real minutes).
    ("2026-11-01T05:50", 15, {day: (time(0, 0), time(23, 59)) for day in queue.WEEKDAYS}, "2026-11-01T06:05"),
    # The night they go forward (01:50 EST + 15 real minutes is 03:05 EDT).
    ("2027-03-14T06:50", 15, {day: (time(0, 0), time(23, 59)) for day in queue.WEEKDAYS}, "2027-03-14T07:05"),
    # Open 1 am to 3 am on the night the clocks go back: three real hours that night, not two.
    ("2026-11-01T05:00", 150, {"sunday": (time(1, 0), time(3, 0))}, "2026-11-01T07:30"),
])
def test_escalation_counts_real_minutes_across_a_clock_change(created_utc, minutes, hours, expected_utc):
    utc = ZoneInfo("UTC")
    due = queue.escalation_due(datetime.fromisoformat(created_utc).replace(tzinfo=utc), minutes, hours, NY)
    assert due == datetime.fromisoformat(expected_utc).replace(tzinfo=utc)


def test_no_office_hours_means_no_escalation_time():
    assert queue.escalation_due(at("2026-11-30T10:00"), 15, {}, NY) is None


@pytest.mark.parametrize("kind, priority, expected", [
    ("crisis_alert", "urgent", True), ("callback_request", "urgent", True),
    ("callback_request", "normal", False), ("intake_summary", "urgent", False)])
def test_crisis_alerts_and_urgent_callbacks_escalate(kind, priority, expected):
    assert queue.escalates(kind, priority) is expected


def test_the_role_matrix():
    matrix = roles.matrix()
    assert all(matrix[permission][role] for permission in ("queue.view", "item.view", "item.work")
               for role in ("intake", "clinician", "prescriber", "admin"))
    assert [role for role, ok in matrix["item.kap_details"].items() if ok] == ["prescriber", "admin"]
    assert [role for role, ok in matrix["export"].items() if ok] == ["clinician", "prescriber", "admin"]
    assert [role for role, ok in matrix["users.manage"].items() if ok] == ["admin"]
    assert [role for role, ok in matrix["audit.view"].items() if ok] == ["admin"]
    assert not roles.allowed("admin", "no.such.permission")


@pytest.mark.parametrize("target, expected", [
    ("/items/abc", "/items/abc"), ("/?type=crisis_alert", "/?type=crisis_alert"),
    ("//evil.example/x", None), ("https://evil.example/", None), ("/\\evil.example", None), ("", None),
    ("items/abc", None)])
def test_sign_in_returns_only_to_a_path_on_this_site(target, expected):
    assert safe_next(target) == expected


def test_the_lockout_pause_doubles_after_the_limit_and_is_capped():
    first = timedelta(seconds=60)
    assert accounts.pause_after(4, 5, first) is None
    assert accounts.pause_after(5, 5, first) == timedelta(seconds=60)
    assert accounts.pause_after(6, 5, first) == timedelta(seconds=120)
    assert accounts.pause_after(8, 5, first) == timedelta(seconds=480)
    assert accounts.pause_after(50, 5, first) == accounts.LOCKOUT_CAP


def test_a_totp_code_works_once_and_only_near_its_time():
    secret = pyotp.random_base32()
    now = datetime(2026, 12, 1, 12, 0, 10, tzinfo=timezone.utc)
    code = pyotp.TOTP(secret).at(now)
    step = accounts.totp_step(secret, code, None, now)
    assert step is not None
    assert accounts.totp_step(secret, code, step, now) is None  # replayed
    assert accounts.totp_step(secret, code, None, now + timedelta(minutes=5)) is None  # too old
    assert accounts.totp_step(secret, f"{code[:3]} {code[3:]}", None, now) == step  # typed with a space
    assert accounts.totp_step(secret, "12345", None, now) is None


@pytest.mark.parametrize("name, ok", [("ana", True), ("dr.rivera", True), ("a", False), ("Ana", False),
                                      ("ana rivera", False), ("x" * 33, False), ("9ana", False)])
def test_staff_names_are_identifiers(name, ok):
    if ok:
        assert accounts.check_name(name) == name
    else:
        with pytest.raises(accounts.AccountError):
            accounts.check_name(name)
