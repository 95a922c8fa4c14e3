"""Questionnaire scoring, answer parsing, KAP flags, medication checks and routing (clinic/domain/screening.py)."""

import pytest

from clinic.domain import screening as s


def answers_for(total: int, count: int, last: int = 0) -> list:
    """count answers summing to total, filled from the front; the last item is fixed to `last`."""
    remaining = total - last
    answers = []
    for _ in range(count - 1):
        answers.append(min(3, remaining))
        remaining -= answers[-1]
    assert remaining == 0, "total does not fit"
    return answers + [last]


# --- Item texts ------------------------------------------------------------------------------
def test_item_counts_and_key_wording():
    assert len(s.PHQ9_ITEMS) == 9 and len(s.GAD7_ITEMS) == 7
    assert len(s.PCPTSD5_ITEMS) == 5 and len(s.ASQ_QUESTIONS) == 4
    assert s.PHQ9_ITEMS[8] == "Thoughts that you would be better off dead or of hurting yourself in some way"
    assert s.GAD7_ITEMS[0] == "Feeling nervous, anxious or on edge"
    assert s.ASQ_QUESTIONS[0] == "In the past few weeks, have you wished you were dead?"
    assert s.ASQ_ACUITY_QUESTION == "Are you having thoughts of killing yourself right now?"
    assert s.PCPTSD5_EXPOSURE_QUESTION.endswith("Have you ever experienced this kind of event?")
    assert s.PCPTSD5_ITEMS[2] == "been constantly on guard, watchful, or easily startled?"
    assert s.FREQUENCY_OPTIONS == ((0, "Not at all"), (1, "Several days"), (2, "More than half the days"),
                                   (3, "Nearly every day"))


def test_frequency_prompt_reads_as_one_question():
    assert s.frequency_prompt(s.GAD7_ITEMS[3]) == (
        "Over the last 2 weeks, how often have you been bothered by trouble relaxing?")
    assert s.frequency_prompt(s.PHQ9_ITEMS[1]).endswith("by feeling down, depressed, or hopeless?")


# --- PHQ-9 -----------------------------------------------------------------------------------
@pytest.mark.parametrize("total, band, positive", [
    (0, "minimal", False), (4, "minimal", False),
    (5, "mild", False), (9, "mild", False),
    (10, "moderate", True), (14, "moderate", True),
    (15, "moderately severe", True), (19, "moderately severe", True),
    (20, "severe", True), (24, "severe", True),
])
def test_phq9_band_edges(total, band, positive):
    result = s.score_phq9(answers_for(total, 9))
    assert (result.total, result.band, result.positive) == (total, band, positive)
    assert result.instrument == "PHQ-9" and result.max_total == 27
    assert result.needs_risk_followup is False


def test_phq9_maximum_is_severe_and_starts_risk_followup():
    result = s.score_phq9([3] * 9)
    assert (result.total, result.band, result.needs_risk_followup) == (27, "severe", True)
    assert result.summary == "PHQ-9 27/27 (severe)"


@pytest.mark.parametrize("item9, followup", [(0, False), (1, True), (2, True), (3, True)])
def test_phq9_item9_above_zero_always_starts_risk_followup(item9, followup):
    result = s.score_phq9([0] * 8 + [item9])
    assert result.needs_risk_followup is followup
    assert result.total == item9 and result.band == "minimal"


def test_phq9_high_score_without_item9_needs_no_followup():
    assert s.score_phq9([3] * 8 + [0]).needs_risk_followup is False


@pytest.mark.parametrize("answers, message", [
    ([0] * 8, "exactly 9"),
    (7, "exactly 9"),
    ([0] * 10, "exactly 9"),
    (None, "exactly 9"),
    ("000000000", "exactly 9"),
    ([0] * 8 + [4], "item 9"),
    ([-1] + [0] * 8, "item 1"),
    ([0, True] + [0] * 7, "item 2"),
    ([0, 0, "2"] + [0] * 6, "item 3"),
    ([0, 0, 0, 2.0] + [0] * 5, "item 4"),
    ([0] * 4 + [None] + [0] * 4, "item 5"),
])
def test_phq9_rejects_bad_input_with_a_clear_message(answers, message):
    with pytest.raises(ValueError, match=message):
        s.score_phq9(answers)


# --- GAD-7 -----------------------------------------------------------------------------------
@pytest.mark.parametrize("total, band, positive", [
    (0, "minimal", False), (4, "minimal", False),
    (5, "mild", False), (9, "mild", False),
    (10, "moderate", True), (14, "moderate", True),
    (15, "severe", True), (21, "severe", True),
])
def test_gad7_band_edges(total, band, positive):
    result = s.score_gad7(answers_for(total, 7, last=min(3, total)))
    assert (result.total, result.band, result.positive) == (total, band, positive)
    assert result.instrument == "GAD-7" and result.max_total == 21
    assert result.needs_risk_followup is False  # only PHQ-9 item 9 starts it


@pytest.mark.parametrize("answers", [[0] * 6, [0] * 9, [0] * 6 + [5], [False] * 7, []])
def test_gad7_rejects_bad_input(answers):
    with pytest.raises(ValueError, match="GAD-7"):
        s.score_gad7(answers)


# --- PC-PTSD-5 -------------------------------------------------------------------------------
@pytest.mark.parametrize("answers", [None, [True] * 5, [True, True, True]])
def test_pcptsd5_not_exposed_scores_zero_whatever_the_answers(answers):
    result = s.score_pcptsd5(False, answers)
    assert (result.total, result.positive, result.band, result.answers) == (0, False, "not exposed", ())


@pytest.mark.parametrize("answers, total, positive", [
    ([False] * 5, 0, False),
    ([True, True, False, False, False], 2, False),
    ([True, False, True, False, True], 3, True),
    ([True] * 5, 5, True),
])
def test_pcptsd5_cut_point_is_three(answers, total, positive):
    result = s.score_pcptsd5(True, answers)
    assert (result.total, result.positive) == (total, positive)
    assert result.band == ("positive" if positive else "negative")
    assert result.max_total == 5 and result.instrument == "PC-PTSD-5"


@pytest.mark.parametrize("exposed, answers", [
    (True, None), (True, [True] * 4), (True, [True] * 6), (True, [1, 1, 1, 0, 0]), ("yes", [True] * 5),
])
def test_pcptsd5_rejects_bad_input(exposed, answers):
    with pytest.raises(ValueError, match="PC-PTSD-5"):
        s.score_pcptsd5(exposed, answers)


# --- ASQ -------------------------------------------------------------------------------------
@pytest.mark.parametrize("answers, acute, positive, acute_risk, level", [
    ([False] * 4, None, False, False, "negative"),
    ([False] * 4, False, False, False, "negative"),
    ([True, False, False, False], False, True, False, "non-acute positive"),
    ([False, False, False, True], False, True, False, "non-acute positive"),
    ([True] * 4, True, True, True, "acute positive"),
    ([False, True, False, False], True, True, True, "acute positive"),
    # The ASQ counts a declined answer as positive.
    ([False, None, False, False], False, True, False, "non-acute positive"),
    # A positive screen whose question 5 was declined cannot be called non-acute.
    ([True, False, False, False], None, True, True, "acute positive"),
    # Question 5 is normally not asked here, but a yes to it always counts.
    ([False] * 4, True, True, True, "acute positive"),
])
def test_asq_risk_levels(answers, acute, positive, acute_risk, level):
    result = s.score_asq(answers, acute)
    assert (result.positive, result.acute_risk, result.risk_level) == (positive, acute_risk, level)
    assert result.summary == f"ASQ {level}"


@pytest.mark.parametrize("answers, ask", [
    ([False] * 4, False), ([False, False, True, False], True), ([None, False, False, False], True),
])
def test_asq_acuity_question_only_after_a_yes_or_a_declined_answer(answers, ask):
    assert s.asq_needs_acuity_question(answers) is ask


@pytest.mark.parametrize("answers, acute", [
    ([False] * 3, None), ([False] * 5, None), ([0, 0, 0, 1], None), ([False] * 4, "no"), (None, None),
])
def test_asq_rejects_bad_input(answers, acute):
    with pytest.raises(ValueError, match="ASQ"):
        s.score_asq(answers, acute)


# --- parse_frequency -------------------------------------------------------------------------
@pytest.mark.parametrize("text, value", [
    ("0", 0), ("1", 1), ("2", 2), ("3", 3), (" 2 ", 2), ("(2)", 2), ("2.", 2), ("two", 2), ("Zero", 0),
    ("Not at all", 0), ("NOT AT ALL", 0), ("not at all", 0), ("never", 0), ("None", 0), ("nope", 0),
    ("no", 0), ("No.", 0), ("nooo", 0), ("no, never", 0), ("Honestly? Never", 0),
    ("Several days", 1), ("several days", 1), ("a few days", 1), ("some days", 1), ("sometimes", 1),
    ("a couple of days", 1), ("occasionally", 1), ("sevral days", 1), ("Several days, sometimes more", 1),
    ("More than half the days", 2), ("most days", 2), ("often", 2), ("over half", 2), ("more than half", 2),
    ("I'd say most days", 2), ("hmm, most days", 2), ("more then half the days", 2), ("Most days!", 2),
    ("Nearly every day", 3), ("nearly every day", 3), ("every day", 3), ("almost always", 3), ("daily", 3),
    ("all the time", 3), ("everyday", 3), ("pretty much every day", 3), ("nearly evry day", 3),
    ("I have no energy every day", 3),
    ("0 - Not at all", 0), ("2 - More than half the days", 2), ("3: Nearly every day", 3), ("1 Several days", 1),
])
def test_parse_frequency_reads_typed_and_clicked_answers(text, value):
    assert s.parse_frequency(text) == value


@pytest.mark.parametrize("text", [
    "", "   ", "maybe", "5", "4", "10", "-1", "2.5", "1 or 2", "2 days", "\U0001f622", "\U0001f44d\U0001f44d",
    "idk", "not sure", "I don't know", "yes", "not every day", "not often", "not always",
    "every other day", "half the days", "every day?", "most days or every day", "never... well, most days",
    "no energy", "I never sleep", "1 - More than half the days", "<b>2</b>", "'; DROP TABLE intake; --",
    "x" * 5000, None, 2,
])
def test_parse_frequency_returns_none_when_it_cannot_tell(text):
    assert s.parse_frequency(text) is None


# --- parse_yes_no ----------------------------------------------------------------------------
@pytest.mark.parametrize("text, value", [
    ("yes", True), ("Yes", True), ("YES!!!", True), ("yesss", True), ("yeah", True), ("yep", True), ("y", True),
    ("Y", True), ("yes, twice", True), ("I have", True), ("I have, twice", True), ("I did once", True),
    ("definitely", True), ("uh huh", True), ("well, yes", True), ("yeah, a few times", True), ("sure", True),
    ("no", False), ("No.", False), ("nope", False), ("n", False), ("never", False), ("not really", False),
    ("I haven't", False), ("I havent", False), ("I have not", False), ("I\u2019ve never", False),
    ("definitely not", False), ("no, never", False), ("nah", False), ("I don't think so", False),
    ("I'm not", False), ("nooo", False), ("I do not think so", False), ("Nope, not me", False),
])
def test_parse_yes_no_reads_typed_answers(text, value):
    assert s.parse_yes_no(text) is value


@pytest.mark.parametrize("text", [
    "", "maybe", "sort of", "kind of", "I don't know", "not sure", "prefer not to say", "yes and no",
    "yeah, not really", "yes?", "I have a question", "I am scared", "I never wanted to live", "sometimes",
    "\U0001f44d", "ok", None,
])
def test_parse_yes_no_returns_none_when_unclear(text):
    assert s.parse_yes_no(text) is None


# --- KAP safety flags ------------------------------------------------------------------------
def test_kap_topics_cover_the_screen_with_plain_questions():
    assert [topic.key for topic in s.KAP_TOPICS] == [
        "high_blood_pressure", "heart_stroke_aneurysm", "psychosis_bipolar", "pregnancy_breastfeeding",
        "substance_use", "seizures", "head_injury", "bladder", "prior_ketamine"]
    for topic in s.KAP_TOPICS:
        assert topic.question.endswith("?") and len(topic.question) < 130
    assert "ketamine" in s.KAP_TOPICS_BY_KEY["substance_use"].question
    assert "esketamine" in s.KAP_TOPICS_BY_KEY["prior_ketamine"].question


def test_client_facing_kap_wording_is_never_a_verdict():
    client_text = " ".join([s.KAP_SCREEN_INTRO, s.MEDICATIONS_QUESTION] + [t.question for t in s.KAP_TOPICS])
    for verdict in ("not eligible", "ineligible", "disqualif", "cannot have", "not a candidate",
                    "not suitable", "not safe for you", "rule you out"):
        assert verdict not in client_text.lower()


def test_kap_flags_keep_client_words_in_topic_order():
    flags = s.kap_flags({
        "bladder": (False, "no"),
        "prior_ketamine": (True, "  Spravato in 2022, 6 sessions "),
        "high_blood_pressure": (True, "yes but it's on meds now"),
        "seizures": (None, "one as a kid, I think?"),
    })
    assert [(f.key, f.client_words, f.unclear) for f in flags] == [
        ("high_blood_pressure", "yes but it's on meds now", False),
        ("seizures", "one as a kid, I think?", True),
        ("prior_ketamine", "Spravato in 2022, 6 sessions", False),
    ]
    assert flags[0].topic == "Uncontrolled high blood pressure"


def test_kap_flags_none_when_all_answers_are_no():
    assert s.kap_flags({topic.key: (False, "no") for topic in s.KAP_TOPICS}) == []


@pytest.mark.parametrize("answers", [
    {"blood_pressure": (True, "yes")}, {"seizures": True}, {"seizures": ("yes", "yes")}, {"bladder": (True,)},
])
def test_kap_flags_reject_bad_input(answers):
    with pytest.raises(ValueError, match="KAP"):
        s.kap_flags(answers)


# --- Medications -----------------------------------------------------------------------------
@pytest.mark.parametrize("text, drug_class, generic, matched", [
    ("Xanax 0.5mg as needed", "benzodiazepine", "alprazolam", "Xanax"),
    ("alprazolam", "benzodiazepine", "alprazolam", "alprazolam"),
    ("zanax", "benzodiazepine", "alprazolam", "zanax"),
    ("alprazalam", "benzodiazepine", "alprazolam", "alprazalam"),
    ("KLONOPIN", "benzodiazepine", "clonazepam", "KLONOPIN"),
    ("klonipin at night", "benzodiazepine", "clonazepam", "klonipin"),
    ("clonazapam", "benzodiazepine", "clonazepam", "clonazapam"),
    ("Ativan", "benzodiazepine", "lorazepam", "Ativan"),
    ("lorazapam", "benzodiazepine", "lorazepam", "lorazapam"),
    ("valium", "benzodiazepine", "diazepam", "valium"),
    ("vallium", "benzodiazepine", "diazepam", "vallium"),
    ("diazapam", "benzodiazepine", "diazepam", "diazapam"),
    ("Restoril for sleep", "benzodiazepine", "temazepam", "Restoril"),
    ("temazapam", "benzodiazepine", "temazepam", "temazapam"),
    ("Librium", "benzodiazepine", "chlordiazepoxide", "Librium"),
    ("chlordiazepoxide", "benzodiazepine", "chlordiazepoxide", "chlordiazepoxide"),
    ("Onfi", "benzodiazepine", "clobazam", "Onfi"),
    ("clobazam", "benzodiazepine", "clobazam", "clobazam"),
    ("oxazepam", "benzodiazepine", "oxazepam", "oxazepam"),
    ("midazolam before a procedure", "benzodiazepine", "midazolam", "midazolam"),
    ("benzos", "benzodiazepine", None, "benzos"),
    ("a benzo sometimes", "benzodiazepine", None, "benzo"),
    ("Benzodiazapines", "benzodiazepine", None, "Benzodiazapines"),
    ("Lamictal XR 200", "lamotrigine", "lamotrigine", "Lamictal"),
    ("lamotrigine", "lamotrigine", "lamotrigine", "lamotrigine"),
    ("lamotrigene", "lamotrigine", "lamotrigine", "lamotrigene"),
    ("lamictle", "lamotrigine", "lamotrigine", "lamictle"),
    ("Nardil", "MAOI", "phenelzine", "Nardil"),
    ("phenelzene", "MAOI", "phenelzine", "phenelzene"),
    ("Parnate", "MAOI", "tranylcypromine", "Parnate"),
    ("tranylcipromine", "MAOI", "tranylcypromine", "tranylcipromine"),
    ("Marplan", "MAOI", "isocarboxazid", "Marplan"),
    ("isocarboxazid", "MAOI", "isocarboxazid", "isocarboxazid"),
    ("selegiline", "MAOI", "selegiline", "selegiline"),
    ("the Emsam patch", "MAOI", "selegiline", "Emsam"),
    ("Eldepryl", "MAOI", "selegiline", "Eldepryl"),
    ("zelapar", "MAOI", "selegiline", "zelapar"),
    ("an MAOI", "MAOI", None, "MAOI"),
    ("MAOIs", "MAOI", None, "MAOIs"),
    ("an MAO inhibitor", "MAOI", None, "MAO inhibitor"),
    ("monoamine oxidase inhibitors", "MAOI", None, "monoamine oxidase inhibitors"),
])
def test_medications_found_by_generic_brand_and_misspelling(text, drug_class, generic, matched):
    flags = s.check_medications(text)
    assert [(f.drug_class, f.generic, f.matched) for f in flags] == [(drug_class, generic, matched)]
    assert flags[0].note and drug_class.lower() in flags[0].note.lower()


@pytest.mark.parametrize("text", [
    "lamb chops",
    "I take Lexapro",  # an SSRI: the prescriber sees it in the client's words, but it is not a flagged class
    "sertraline 100mg, trazodone, lithium, Seroquel, clonidine, mirtazapine, zolpidem",
    "clozapine, hydroxyzine, buspirone, gabapentin, topiramate, Lamisil, Valtrex, esketamine",
    "rufinamide",  # an anticonvulsant two letters from safinamide: typos must keep the first letter
    "Lamisil for my toenail",
    "benzonatate for a cough and benzoyl peroxide",
    "I'm well versed in CBT",  # "Versed" (midazolam) is left out as a brand: it is an everyday word
    "halcyon days", "my parents", "a valid answer", "a library book", "warplanes", "Doral, Florida",
    "a Chairman Mao biography", "Mao I think was a dictator",
    "none", "", "   ", "\U0001f48a",
])
def test_unrelated_words_and_other_medicines_are_not_flagged(text):
    assert s.check_medications(text) == []


def test_negated_or_questioned_mentions_are_still_flagged_for_the_prescriber():
    # Decision: the flag sits next to the client's words, and a missed MAOI costs more than a second look.
    assert [(f.drug_class, f.matched) for f in s.check_medications("maoi-free diet?")] == [("MAOI", "maoi")]
    assert [f.drug_class for f in s.check_medications("no benzos anymore")] == ["benzodiazepine"]
    assert [f.generic for f in s.check_medications("is lamotrigine ok with ketamine?")] == ["lamotrigine"]


def test_medications_in_order_once_each():
    flags = s.check_medications("Xanax (alprazolam), Lamictal, xanax again, and Nardil; Ativan")
    assert [(f.generic, f.matched) for f in flags] == [
        ("alprazolam", "Xanax"), ("lamotrigine", "Lamictal"), ("phenelzine", "Nardil"), ("lorazepam", "Ativan")]


def test_medication_check_survives_odd_input():
    assert s.check_medications(None) == []
    assert s.check_medications("x" * 20000 + " klonopin")[0].generic == "clonazepam"


# --- Routing ---------------------------------------------------------------------------------
PHQ_LOW = s.score_phq9([1] * 4 + [0] * 5)  # 4, minimal
PHQ_MODERATE = s.score_phq9([2] * 5 + [0] * 4)  # 10, moderate
PHQ_ITEM9 = s.score_phq9([0] * 8 + [1])
GAD_LOW = s.score_gad7([0] * 7)
GAD_MODERATE = s.score_gad7([2] * 5 + [0] * 2)
PTSD_POSITIVE = s.score_pcptsd5(True, [True] * 3 + [False] * 2)
ASQ_NEGATIVE = s.score_asq([False] * 4)
ASQ_NON_ACUTE = s.score_asq([True, False, False, False], False)
ASQ_ACUTE = s.score_asq([True] * 4, True)
ELIGIBLE = {"adult": True, "in_licensed_state": True}


@pytest.mark.parametrize("kwargs, route", [
    ({**ELIGIBLE, "interest": "psychotherapy", "phq9": PHQ_LOW}, "therapy intake"),
    ({**ELIGIBLE, "interest": "not_sure", "phq9": PHQ_MODERATE}, "therapy intake"),
    ({**ELIGIBLE, "interest": "Not sure"}, "therapy intake"),
    ({**ELIGIBLE, "interest": "kap", "phq9": PHQ_LOW, "gad7": GAD_LOW}, "prescriber evaluation"),
    ({**ELIGIBLE, "interest": "KAP", "phq9": PHQ_LOW, "asq": ASQ_NEGATIVE}, "prescriber evaluation"),
    ({**ELIGIBLE, "interest": "kap", "phq9": PHQ_MODERATE}, "both"),
    ({**ELIGIBLE, "interest": "kap", "phq9": PHQ_LOW, "gad7": GAD_MODERATE}, "both"),
    ({**ELIGIBLE, "interest": "kap", "phq9": PHQ_LOW, "pcptsd5": PTSD_POSITIVE}, "both"),
    ({**ELIGIBLE, "interest": "kap", "phq9": PHQ_LOW, "wants_therapy": True}, "both"),
    ({**ELIGIBLE, "interest": "both"}, "both"),
    ({"adult": False, "in_licensed_state": True, "interest": "psychotherapy"}, "refer out"),
    ({"adult": True, "in_licensed_state": False, "interest": "kap"}, "refer out"),
    ({**ELIGIBLE, "interest": "psychotherapy", "phq9": PHQ_ITEM9, "asq": ASQ_NON_ACUTE}, "urgent clinician callback"),
    ({**ELIGIBLE, "interest": "kap", "asq": ASQ_ACUTE}, "urgent clinician callback"),
    # Item 9 above 0 with the ASQ not completed (the person stopped): a clinician calls back.
    ({**ELIGIBLE, "interest": "psychotherapy", "phq9": PHQ_ITEM9}, "urgent clinician callback"),
    # Item 9 above 0 but the ASQ was negative: the ASQ decides.
    ({**ELIGIBLE, "interest": "psychotherapy", "phq9": PHQ_ITEM9, "asq": ASQ_NEGATIVE}, "therapy intake"),
    ({**ELIGIBLE, "interest": "psychotherapy", "crisis": True}, "urgent clinician callback"),
    # Risk comes before eligibility: an out-of-state person at risk still gets a call.
    ({"adult": True, "in_licensed_state": False, "interest": "kap", "asq": ASQ_ACUTE}, "urgent clinician callback"),
])
def test_routing_suggestion(kwargs, route):
    assert s.routing_suggestion(**kwargs) == route


@pytest.mark.parametrize("interest", ["ketamine", "", None, "therapy"])
def test_routing_rejects_unknown_interest(interest):
    with pytest.raises(ValueError, match="interest"):
        s.routing_suggestion(adult=True, in_licensed_state=True, interest=interest)
