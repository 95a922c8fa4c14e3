"""The intake's plain logic: answer checks, which questions are asked in which order, review, scores."""

import re
from datetime import date

import pytest

from clinic.domain import callback_flow
from clinic.domain import intake_flow as flow
from clinic.domain import screening as sc
from clinic.domain.practice_profile import load_profile

PROFILE = load_profile()


@pytest.mark.parametrize("text, value", [
    ("jane.doe@example.com", "jane.doe@example.com"),
    ("my email is Jane.Doe+intake@Example.org", "jane.doe+intake@example.org"),
    ("  sam_lee@mail.example.co.uk ", "sam_lee@mail.example.co.uk"),
])
def test_good_emails_are_accepted_and_normalised(text, value):
    assert flow.check_email(text).value == value


@pytest.mark.parametrize("text", ["", "sam@@example", "jane.doe", "@example.com", "jane@example",
                                  "jane@exa..mple.com", "😀", "<b>x@y</b>"])
def test_bad_emails_say_what_is_wrong(text):
    check = flow.check_email(text)
    assert not check.ok and "e-mail" in check.error


@pytest.mark.parametrize("text", ["555-234-5678", "(555) 234-5678", "555.234.5678", "5552345678",
                                  "+1 555 234 5678", "1-555-234-5678", "my cell is 555 234 5678"])
def test_us_phone_formats_are_accepted(text):
    assert flow.check_phone(text).value == "(555) 234-5678"


@pytest.mark.parametrize("text", ["", "12345", "555-234-567", "055-234-5678", "555-134-5678",
                                  "+44 20 7946 0958", "call me", "555-234-56789"])
def test_bad_phone_numbers_are_refused_with_an_example(text):
    check = flow.check_phone(text)
    assert not check.ok and "10-digit" in check.error


@pytest.mark.parametrize("text, adult", [
    ("yes", True), ("Yes, I'm 34", True), ("34", True), ("18", True), ("17", False), ("I'm 16", False),
    ("no", False), ("I'm over 18", True), ("1990-05-02", True), ("05/02/2010", False),
    ("2008-11-25", True),  # turns 18 today
    ("2008-11-26", False),  # turns 18 tomorrow
])
def test_age_by_yes_no_years_or_date_of_birth(text, adult):
    assert flow.check_adult(text, today=date(2026, 11, 25)).value is adult


@pytest.mark.parametrize("text", ["150", "0", "2030-01-01", "2001-02-30", "maybe", ""])
def test_impossible_ages_are_asked_again(text):
    assert not flow.check_adult(text, today=date(2026, 11, 25)).ok


@pytest.mark.parametrize("text, code", [
    ("Virginia", "VA"), ("VA", "VA"), ("va", "VA"), ("I live in Richmond, Virginia", "VA"),
    ("west virginia", "WV"), ("New York", "NY"), ("District of Columbia", "DC"), ("Ohio", "OH"),
])
def test_states_by_name_and_abbreviation(text, code):
    assert flow.check_state(text).value == code


@pytest.mark.parametrize("text", ["", "the moon", "I live in a van", "Ontario"])
def test_unknown_states_are_asked_again(text):
    assert not flow.check_state(text).ok


@pytest.mark.parametrize("text, interest", [
    ("psychotherapy", sc.INTEREST_PSYCHOTHERAPY), ("talk therapy", sc.INTEREST_PSYCHOTHERAPY),
    ("Ketamine-assisted psychotherapy", sc.INTEREST_KAP), ("KAP", sc.INTEREST_KAP),
    ("both", sc.INTEREST_BOTH), ("Not sure yet", sc.INTEREST_NOT_SURE),
])
def test_interest(text, interest):
    assert flow.check_interest(text).value == interest


@pytest.mark.parametrize("text", ["Jane Doe", "my name is Jane Doe", "José Álvarez", "Lee"])
def test_names(text):
    assert flow.check_name(text).ok


@pytest.mark.parametrize("text", ["", "555-234-5678", "jane@example.com", "is ketamine safe?", "a" * 120])
def test_not_names(text):
    assert not flow.check_name(text).ok


def test_markup_is_stripped_from_free_text():
    assert flow.check_free_text("<script>alert(1)</script> evenings", "x").value == "alert(1) evenings"


def test_overlong_free_text_is_refused_not_truncated():
    assert not flow.check_free_text("a" * 5000, "what brings you here", limit=2000).ok


BASE = {"intake_consent": True, "full_name": "A", "email": "a@example.com", "phone": "(555) 234-5678",
        "preferred_contact_method": "phone", "best_time": "am", "adult": True, "state": "VA"}


def test_consent_refused_collects_nothing_else():
    assert flow.required_slots({"intake_consent": False}, PROFILE) == ["intake_consent"]


@pytest.mark.parametrize("changes, last", [({"adult": False, "state": None}, "adult"), ({"state": "OH"}, "state")])
def test_not_eligible_stops_at_the_answer_that_decides_it(changes, last):
    slots = dict(BASE, **changes)
    assert flow.required_slots(slots, PROFILE)[-1] == last
    assert flow.next_question(slots, PROFILE) is None


def test_psychotherapy_only_skips_ptsd_and_kap_screens():
    slots = dict(BASE, interest="psychotherapy", concerns="low mood")
    order = flow.required_slots(slots, PROFILE)
    assert "trauma_exposure" not in order and "kap_medications" not in order
    assert order[-4:] == ["payment", "visit_type", "availability", "review_confirmed"]


def test_trauma_mentioned_adds_the_ptsd_screen_and_yes_adds_its_items():
    slots = dict(BASE, interest="psychotherapy", concerns="nightmares since the accident")
    assert "trauma_exposure" in flow.required_slots(slots, PROFILE)
    assert "pcptsd5_5" in flow.required_slots(dict(slots, trauma_exposure=True), PROFILE)


def test_kap_interest_adds_ptsd_and_kap_safety_screens():
    order = flow.required_slots(dict(BASE, interest="kap", concerns="x"), PROFILE)
    assert "trauma_exposure" in order and "kap_prior_ketamine" in order and "kap_medications" in order


def test_phq9_item_9_above_zero_adds_the_asq_and_a_positive_asq_stops_for_safety():
    slots = dict(BASE, interest="psychotherapy", concerns="x", **{f"phq9_{i}": 1 for i in range(1, 10)})
    assert flow.next_question(slots, PROFILE) == "asq_1"
    slots.update(asq_1=True, asq_2=False, asq_3=False, asq_4=False)
    assert flow.next_question(slots, PROFILE) == "asq_5"
    slots["asq_5"] = False
    assert flow.next_question(slots, PROFILE) is None  # the safety pause runs now
    slots["safety_pause_done"] = True
    assert flow.next_question(slots, PROFILE) == "gad7_1"


def test_every_question_has_wording_and_frequency_items_have_the_four_buttons():
    slots = dict(BASE, interest="both", concerns="x")
    for slot in flow.ALL_SLOTS:
        text, buttons = flow.question(slot, slots, PROFILE)
        assert text
    assert [b["title"] for b in flow.question("phq9_1", slots, PROFILE)[1]] == [
        "Not at all", "Several days", "More than half the days", "Nearly every day"]
    assert "PHQ-9" in flow.question("phq9_1", slots, PROFILE)[0]


def test_consent_question_says_what_is_collected_who_sees_it_and_not_for_emergencies():
    text, _ = flow.question("intake_consent", {}, PROFILE)
    for needle in ["contact details", "encrypted", "intake team", "not for emergencies", "988", "911",
                   "up to four standard questionnaires", "suicide risk", "trauma", "about ten health questions",
                   "skip any question by typing skip", "staff are alerted"]:
        assert needle in text
    assert "two or three" not in text


def test_the_state_question_asks_where_they_will_be_for_sessions_not_where_they_live():
    # Licensure follows where the client is at the time of each session, by video too.
    text, _ = flow.question("state", {}, PROFILE)
    assert "during your sessions" in text and "each session" in text and "live" not in text
    assert "during your sessions" in flow.check_state("the moon").error
    assert flow.LABELS["state"] == "State during sessions"


def test_kap_interest_hears_that_medicine_sessions_are_in_person():
    assert "always in person" in flow.question("visit_type", dict(BASE, interest="kap"), PROFILE)[0]
    assert "always in person" not in flow.question("visit_type", dict(BASE, interest="psychotherapy"), PROFILE)[0]


@pytest.mark.parametrize("text, slot, value", [
    ("actually my phone is 555-222-3333", "phone", "(555) 222-3333"),
    ("my email should be new@example.com", "email", "new@example.com"),
    ("change my best time to evenings", "best_time", "evenings"),
    ("new@example.com", "email", "new@example.com"),
    ("my insurance is Cigna", "payment", "Cigna"),
])
def test_corrections_at_review(text, slot, value):
    field, check = flow.parse_correction(text)
    assert (field, check.value) == (slot, value)


def test_a_bad_correction_says_what_is_wrong():
    field, check = flow.parse_correction("actually my email is nope")
    assert field == "email" and not check.ok


@pytest.mark.parametrize("text, confirmed", [("submit", True), ("yes", True), ("looks good", True),
                                             ("no", None), ("hmm", None)])
def test_review_confirmation(text, confirmed):
    assert flow.check_review(text).value is confirmed


def test_skip_words():
    assert flow.wants_to_skip("skip") and flow.wants_to_skip("I'd rather not say")
    assert not flow.wants_to_skip("skip the small talk, I'm anxious")


def test_scores_and_routing_for_staff():
    slots = dict(BASE, interest="kap", concerns="x", trauma_exposure=False,
                 **{f"phq9_{i}": 2 for i in range(1, 9)}, phq9_9=0, **{f"gad7_{i}": 1 for i in range(1, 8)})
    assert flow.scores(slots, PROFILE) == {"phq9_total": 16, "gad7_total": 7, "pcptsd5_total": 0,
                                           "routing": sc.ROUTE_BOTH}


def test_a_skipped_item_leaves_its_screen_unscored():
    slots = dict(BASE, interest="psychotherapy", **{f"phq9_{i}": 1 for i in range(1, 10)})
    slots["phq9_4"] = flow.SKIPPED
    assert "phq9_total" not in flow.scores(slots, PROFILE)


def test_a_positive_asq_routes_to_an_urgent_callback():
    slots = dict(BASE, interest="psychotherapy", asq_1=True, asq_2=False, asq_3=False, asq_4=False, asq_5=False)
    result = flow.scores(slots, PROFILE)
    assert result["routing"] == sc.ROUTE_URGENT and result["priority"] == "urgent"


def test_eligibility_is_decided_by_the_first_answer_that_rules_it_out():
    assert flow.is_eligible({"adult": False}, PROFILE) is False
    assert flow.is_eligible({"adult": True}, PROFILE) is None
    assert flow.is_eligible({"adult": True, "state": "VA"}, PROFILE) is True
    assert flow.is_eligible({"adult": True, "state": "OH"}, PROFILE) is False


# --- Examples shown in hints pass the checks they illustrate ----------------------------------------

PHONE_LIKE = re.compile(r"\(?\b\d{3}\)?[ .-]?\d{3}[ .-]\d{4}\b")


def hint_texts():
    """Everything the intake and the callback request say when asking or when an answer is unusable."""
    slots = dict(BASE, interest="both", concerns="x")
    texts = [flow.question(slot, slots, PROFILE)[0] for slot in flow.ALL_SLOTS]
    errors = [check("") for check in flow.CHECKS.values()] + [
        flow.check_adult("150"), flow.check_free_text("a" * 400, "x"), flow.check_review("hmm"),
        callback_flow.check_time(""), callback_flow.check_time("a" * 500)]
    texts += [check.error for check in errors if check.error]
    texts += [callback_flow.ask_phone()[0], callback_flow.ask_time()[0]]
    return texts


def test_every_phone_number_and_e_mail_shown_in_a_hint_passes_the_check():
    texts = hint_texts()
    phones = [match for text in texts for match in PHONE_LIKE.findall(text)]
    emails = [match.group(0) for text in texts for match in flow.EMAIL.finditer(text)]
    assert phones and emails
    assert [phone for phone in phones if not flow.check_phone(phone).ok] == []
    assert [email for email in emails if not flow.check_email(email).ok] == []


def correction_of(slot):
    def check(text):
        field, result = flow.parse_correction(text) or (None, flow.Check(error="no correction"))
        return result if field == slot else flow.Check(error=f"corrects {field}, not {slot}")
    return check


REVIEW = flow.review_text(BASE)
REVIEW_HELP = flow.check_review("hmm").error


@pytest.mark.parametrize("hint, example, check", [
    (flow.check_phone("").error, "(555) 234-5678", flow.check_phone),
    (REVIEW, "actually my phone is 555-234-5678", correction_of("phone")),
    (flow.check_email("").error, "name@example.com", flow.check_email),
    (REVIEW_HELP, "my email is name@example.com", correction_of("email")),
    (REVIEW_HELP, "my best time is evenings", correction_of("best_time")),
    (flow.check_name("").error, "Jane Doe", flow.check_name),
    (flow.check_adult("150").error, "34", flow.check_adult),
    (flow.check_state("").error, "VA", flow.check_state),
    (flow.check_kap_topic("").error, "yes, it's treated with medication", flow.check_kap_topic),
    (flow.question("best_time", BASE, PROFILE)[0], "weekday mornings", flow.CHECKS["best_time"]),
    (flow.question("availability", BASE, PROFILE)[0], "Tuesday and Thursday afternoons",
     flow.CHECKS["availability"]),
    *[(flow.check_frequency("").error, answer, flow.check_frequency)
      for answer in ("not at all", "several days", "more than half the days", "nearly every day", "0", "3")],
    (callback_flow.ask_time()[0], "weekday mornings", callback_flow.check_time),
    (callback_flow.ask_time()[0], "Friday after 2 pm", callback_flow.check_time),
    *[(callback_flow.check_time("").error, answer, callback_flow.check_time)
      for answer in ("mornings", "after 5 pm", "any time")],
    (callback_flow.check_time("a" * 500).error, "Tuesday or Thursday afternoon", callback_flow.check_time),
])
def test_every_example_shown_in_a_hint_passes_the_check_it_illustrates(hint, example, check):
    assert example in hint
    assert check(example).ok, check(example).error


def test_skipping_phq9_item_9_still_asks_the_asq():
    slots = dict(BASE, interest="psychotherapy", concerns="stress", **{f"phq9_{i}": 0 for i in range(1, 9)},
                 phq9_9=flow.SKIPPED)
    assert flow.next_question(slots, PROFILE) == "asq_1"
    assert flow.next_question(dict(slots, phq9_9=0), PROFILE) == "gad7_1"
