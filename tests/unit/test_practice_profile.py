"""The practice profile: loading, business hours and the answers built from it."""

import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml

from clinic.domain import practice_profile as pp

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


def test_hours_name_the_days_the_office_is_closed(profile):
    # The example profile lists Monday to Friday: someone asking about weekends gets a plain answer.
    answer = pp.answer_hours(profile)
    assert "closed on Saturday and Sunday" in answer
    every_day = dataclasses.replace(profile, hours={day: profile.hours["monday"] for day in pp.WEEKDAYS})
    assert "closed on" not in pp.answer_hours(every_day)


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


def test_care_answers_state_the_profile_details(profile):
    assert "adults aged 18 and older" in pp.answer_ages_seen(profile)
    cancellation = pp.answer_cancellation_policy(profile)
    assert "48 hours" in cancellation and "$75" in cancellation and profile.phone in cancellation
    access = pp.answer_parking_accessibility(profile)
    assert profile.parking in access and profile.accessibility in access and "100 Example Street" in access
    assert "sessions in English." in pp.answer_languages_spoken(profile)
    assert "don't need a referral to start therapy or KAP" in pp.answer_referral_needed(profile)


def test_kap_answers_say_only_what_the_profile_states(profile):
    routes = pp.answer_kap_administration(profile)
    assert "lozenge" in routes and "muscle" in routes and "IV infusion" in routes and "Schedule III" in routes
    assert "explains the options at your evaluation" in routes  # the default profile names no route
    others = pp.answer_kap_vs_other_ketamine(profile)
    assert "Spravato" in others and "at least 2 hours" in others and "REMS" in others
    assert "treatment-resistant depression" in others and "suicidal thoughts or actions" in others
    assert "doesn't offer Spravato" in others


def test_changed_care_fields_change_the_answers(tmp_path):
    profile = pp.load_profile(write_profile(
        tmp_path, ages_seen={"minimum_age": 18, "maximum_age": 75}, cancellation={"notice_hours": 24, "late_fee": ""},
        languages=["English", "Spanish"], referral_needed={"therapy": False, "kap": True},
        kap={"administration": ["lozenge", "intramuscular"], "offers_spravato": True}))
    assert "aged 18 to 75" in pp.answer_ages_seen(profile)
    assert "no upper age limit" not in pp.answer_ages_seen(profile)
    assert "24 hours" in pp.answer_cancellation_policy(profile)
    assert "There is no fee" in pp.answer_cancellation_policy(profile)
    assert "sessions in English and Spanish." in pp.answer_languages_spoken(profile)
    referral = pp.answer_referral_needed(profile)
    assert "don't need a referral to start therapy" in referral and "For KAP, we need a referral" in referral
    routes = pp.answer_kap_administration(profile)
    assert "the prescriber gives it as a lozenge (troche) that melts under the tongue or as a shot" in routes
    assert "explains the options" not in routes
    assert "is a certified Spravato treatment center" in pp.answer_kap_vs_other_ketamine(profile)


@pytest.mark.parametrize("changes, message", [
    ({"ages_seen": {"minimum_age": 16}}, "18 or more"),
    ({"ages_seen": {"minimum_age": 18, "maximum_age": 18}}, "above minimum_age"),
    ({"cancellation": {"notice_hours": 0, "late_fee": "$75"}}, "notice_hours"),
    ({"languages": []}, "at least one language"),
    ({"parking": ""}, "parking"),
    ({"referral_needed": {"therapy": "maybe", "kap": False}}, "true or false"),
    ({"kap": {"administration": ["nasal"], "offers_spravato": False}}, "unknown"),
    ({"kap": {"administration": [], "offers_spravato": "sometimes"}}, "true or false"),
])
def test_broken_care_fields_are_refused_with_a_clear_message(tmp_path, changes, message):
    with pytest.raises(pp.ProfileError, match=message):
        pp.load_profile(write_profile(tmp_path, **changes))


@pytest.mark.parametrize("section", ["ages_seen", "cancellation", "languages", "referral_needed", "kap"])
def test_a_missing_care_section_is_named(tmp_path, section):
    raw = yaml.safe_load(pp.DEFAULT_PROFILE_PATH.read_text())
    del raw[section]
    path = tmp_path / "profile.yml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(pp.ProfileError, match=section):
        pp.load_profile(path)


@pytest.mark.parametrize("telehealth", [True, False])
def test_the_telehealth_answer_follows_the_profile_flag(tmp_path, telehealth):
    profile = pp.load_profile(write_profile(tmp_path, telehealth=telehealth))
    answer = pp.answer_telehealth(profile)
    # Either way: KAP medicine sessions are in person, and licensure follows where the client is.
    assert "KAP medicine sessions" in answer and "in person at our office" in answer
    assert "Virginia" in answer
    if telehealth:
        assert "we offer therapy by secure video" in answer
        assert "must be in Virginia during each video session" in answer
        assert "don't offer telehealth" not in answer
    else:
        assert "don't offer telehealth" in answer and "100 Example Street" in answer and profile.phone in answer
        assert "secure video" not in answer
    assert ("by video" in pp.answer_service_area(profile)) is telehealth
    assert ("telehealth" in pp.answer_location(profile)) is telehealth


def test_where_the_client_is_during_each_session_decides_not_where_they_live(profile):
    area = pp.answer_service_area(profile)
    assert "at the time of each session" in area and "not where you live" in area
    assert "during each session" in pp.answer_location(profile)


def test_the_kap_candidacy_answer_states_the_practices_ages():
    from clinic.domain.practice_profile import answer_kap_candidacy, current_profile
    profile = current_profile()
    answer = answer_kap_candidacy(profile)
    assert f"adults aged {profile.minimum_age}" in answer and "prescriber decides" in answer
    assert "no upper age limit" in answer if profile.maximum_age is None else str(profile.maximum_age) in answer
