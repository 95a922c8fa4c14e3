"""The practice profile: loading, business hours and the answers built from it."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml

from actions import practice_profile as pp

ET = ZoneInfo("America/New_York")


@pytest.fixture
def profile():
    return pp.load_profile(pp.DEFAULT_PROFILE_PATH)


def write_profile(tmp_path, **changes):
    raw = yaml.safe_load(pp.DEFAULT_PROFILE_PATH.read_text())
    raw.update(changes)
    path = tmp_path / "profile.yml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize("when, open_", [
    (datetime(2026, 11, 23, 10, 0, tzinfo=ET), True),    # Monday morning
    (datetime(2026, 11, 23, 8, 59, tzinfo=ET), False),   # before opening
    (datetime(2026, 11, 23, 17, 0, tzinfo=ET), False),   # closing time is closed
    (datetime(2026, 11, 26, 18, 30, tzinfo=ET), True),   # Thursday late hours
    (datetime(2026, 11, 28, 11, 0, tzinfo=ET), False),   # Saturday
    (datetime(2026, 11, 23, 15, 0, tzinfo=ZoneInfo("UTC")), True),  # 10 am in Virginia
])
def test_is_open_follows_the_profile_hours_in_the_practice_time_zone(profile, when, open_):
    assert pp.is_open(profile, when) is open_


def test_next_opening_after_friday_close_is_monday_morning(profile):
    opening = pp.next_opening(profile, datetime(2026, 11, 27, 16, 0, tzinfo=ET))
    assert (opening.strftime("%A"), opening.hour) == ("Monday", 9)


def test_hours_are_grouped_into_readable_ranges(profile):
    assert pp.format_hours(profile) == (
        "Monday–Wednesday 9 am–5 pm; Thursday 9 am–7 pm; Friday 9 am–3 pm")


def test_answers_state_the_profile_details(profile):
    assert profile.phone in pp.answer_contact(profile)
    assert profile.email in pp.answer_contact(profile)
    assert "100 Example Street" in pp.answer_location(profile)
    assert "$150" in pp.answer_fees(profile)
    assert "Good Faith Estimate" in pp.answer_fees(profile)
    assert "superbill" in pp.answer_insurance(profile)
    assert "Virginia" in pp.answer_service_area(profile)
    assert profile.response_time in pp.answer_hours(profile)


def test_talk_to_human_says_the_chat_is_not_monitored_and_when_we_open(profile):
    closed = pp.answer_talk_to_human(profile, datetime(2026, 11, 28, 11, 0, tzinfo=ET))
    assert "isn't watched live" in closed and "Monday at 9 am" in closed
    open_now = pp.answer_talk_to_human(profile, datetime(2026, 11, 23, 11, 0, tzinfo=ET))
    assert "in the office now" in open_now and profile.phone in open_now


def test_a_changed_profile_changes_the_answers_without_retraining(tmp_path, monkeypatch):
    path = write_profile(tmp_path, phone="(555) 999-0000", licensed_states=["VA", "MD", "DC"])
    monkeypatch.setenv("PRACTICE_PROFILE", str(path))
    profile = pp.current_profile()
    assert "(555) 999-0000" in pp.answer_contact(profile)
    assert "Virginia, Maryland and District of Columbia" in pp.answer_service_area(profile)


@pytest.mark.parametrize("changes, message", [
    ({"licensed_states": ["VA", "XX"]}, "unknown state"),
    ({"hours": {"monday": ["17:00", "09:00"]}}, "closes before it opens"),
    ({"hours": {"funday": ["09:00", "17:00"]}}, "weekday"),
])
def test_a_broken_profile_is_refused_with_a_clear_message(tmp_path, changes, message):
    with pytest.raises(pp.ProfileError, match=message):
        pp.load_profile(write_profile(tmp_path, **changes))


def test_a_profile_missing_a_field_names_it(tmp_path):
    raw = yaml.safe_load(pp.DEFAULT_PROFILE_PATH.read_text())
    del raw["phone"]
    path = tmp_path / "profile.yml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(pp.ProfileError, match="phone"):
        pp.load_profile(path)
