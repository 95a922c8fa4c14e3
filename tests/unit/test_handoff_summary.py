"""The staff handoff summary: scores recomputed from stored answers, critical items first, JSON, CSV and FHIR."""

import csv
import io
import json

import pytest

from clinic.domain import handoff_summary as hs
from clinic.domain import screening as sc
from clinic.domain.practice_profile import load_profile

PROFILE = load_profile()
INTAKE = {"id": "3f1c2a9e-0b7d-4c55-9a7e-2d8f4b1e6c01", "conversation_id": "web-7f3a", "status": "submitted",
          "priority": "urgent", "routing": sc.ROUTE_URGENT,
          "created_at": "2024-05-01T14:00:00", "submitted_at": "2024-05-01T14:22:10+00:00"}


def _items(prefix, values):
    return {f"{prefix}_{number}": value for number, value in enumerate(values, start=1)}


def kap_answers():
    """A KAP intake as intake_store holds it: PHQ-9 11 with item 9 = 1, ASQ non-acute positive."""
    no = {"answer": False, "words": "no"}
    return {
        "name": "Jane Doe", "email": "jane@example.com", "phone": "(555) 010-0100",
        "preferred_contact_method": "text", "best_time": "weekday mornings", "adult": True, "state": "VA",
        "interest": "kap", "concerns": "Depression for years, *nothing* helps <script>x</script>",
        **_items("phq9", [2, 2, 1, 2, 1, 1, 1, 0, 1]),
        **_items("asq", [True, False, False, False, False]),
        **_items("gad7", [1, 1, 2, 1, 0, 1, 1]),
        "trauma_exposure": True, **_items("pcptsd5", [True, True, False, True, False]),
        "kap_high_blood_pressure": {"answer": True, "words": "yes, on lisinopril but still high"},
        "kap_heart_stroke_aneurysm": no, "kap_psychosis_bipolar": no, "kap_pregnancy_breastfeeding": no,
        "kap_substance_use": no, "kap_seizures": no, "kap_head_injury": no, "kap_bladder": "skipped",
        "kap_prior_ketamine": {"answer": True, "words": "yes, Spravato in 2022"},
        "kap_medications": "Lexapro 10mg and xanax as needed",
        "payment": "self-pay", "visit_type": "telehealth", "availability": "Tuesday afternoons",
    }


def therapy_answers():
    """A psychotherapy-only intake: no trauma words, so no PC-PTSD-5; item 9 = 0, so no ASQ."""
    return {
        "name": "Sam Lee", "email": "sam@example.org", "phone": "(555) 010-0199",
        "preferred_contact_method": "email", "best_time": "evenings", "adult": True, "state": "VA",
        "interest": "psychotherapy", "concerns": "Stress at work and trouble sleeping",
        **_items("phq9", [1, 1, 0, 1, 0, 0, 1, 0, 0]), **_items("gad7", [2, 2, 1, 1, 0, 1, 0]),
        "payment": "Aetna", "visit_type": "either", "availability": "after 5pm",
    }


@pytest.fixture
def kap_summary():
    return hs.build_summary(INTAKE, kap_answers(), PROFILE)


@pytest.fixture
def therapy_summary():
    intake = {**INTAKE, "id": "b2", "priority": "normal", "routing": None}
    return hs.build_summary(intake, therapy_answers(), PROFILE)


# --- Building ---------------------------------------------------------------------------------

def test_kap_intake_totals_bands_and_flags(kap_summary):
    screens = kap_summary["screens"]
    assert (screens["PHQ-9"]["status"], screens["PHQ-9"]["total"], screens["PHQ-9"]["band"]) == (
        "complete", 11, "moderate")
    assert [item["value"] for item in screens["PHQ-9"]["items"]] == [2, 2, 1, 2, 1, 1, 1, 0, 1]
    assert screens["PHQ-9"]["items"][2]["answer"] == "Several days"
    assert (screens["GAD-7"]["total"], screens["GAD-7"]["band"], screens["GAD-7"]["positive"]) == (7, "mild", False)
    assert (screens["PC-PTSD-5"]["total"], screens["PC-PTSD-5"]["band"]) == (3, "positive")
    assert screens["PC-PTSD-5"]["trauma_exposure"] is True
    assert (screens["ASQ"]["status"], screens["ASQ"]["risk_level"], screens["ASQ"]["acute_risk"]) == (
        "complete", sc.ASQ_NON_ACUTE, False)
    kap = kap_summary["kap"]
    assert [(f["key"], f["answer"], f["client_words"]) for f in kap["flags"]] == [
        ("high_blood_pressure", "yes", "yes, on lisinopril but still high"),
        ("bladder", "skipped", ""),
        ("prior_ketamine", "yes", "yes, Spravato in 2022"),
    ]
    assert kap["not_answered"] == []
    assert kap["medications"]["client_words"] == "Lexapro 10mg and xanax as needed"
    assert [(f["drug_class"], f["matched"], f["generic"]) for f in kap["medications"]["flags"]] == [
        (sc.BENZODIAZEPINE, "xanax", "alprazolam")]
    assert [(c["key"], c["urgent"]) for c in kap_summary["critical"]] == [("phq9_item_9", True), ("asq", True)]
    assert kap_summary["routing"] == {"suggestion": sc.ROUTE_URGENT, "source": "stored at submission"}
    assert kap_summary["contact"] == {"name": "Jane Doe", "email": "jane@example.com", "phone": "(555) 010-0100",
                                      "preferred_contact_method": "text", "best_time": "weekday mornings"}
    assert kap_summary["eligibility"] == {"adult": True, "state": "VA", "state_name": "Virginia",
                                          "in_licensed_state": True}
    assert kap_summary["interest"] == {"value": "kap", "label": "Ketamine-assisted psychotherapy"}
    assert kap_summary["concerns"] == "Depression for years, *nothing* helps <script>x</script>"
    assert kap_summary["conversation_id"] == "web-7f3a"
    # Naive timestamps are UTC, as intake_store keeps them.
    assert kap_summary["created_at"] == "2024-05-01T14:00:00+00:00"
    assert kap_summary["submitted_at"] == "2024-05-01T14:22:10+00:00"


def test_psychotherapy_intake_has_no_kap_ptsd_or_asq(therapy_summary):
    screens = therapy_summary["screens"]
    assert (screens["PHQ-9"]["total"], screens["PHQ-9"]["band"]) == (4, "minimal")
    assert (screens["GAD-7"]["total"], screens["GAD-7"]["band"]) == (7, "mild")
    assert screens["PC-PTSD-5"]["status"] == screens["ASQ"]["status"] == "not administered"
    assert screens["PC-PTSD-5"]["total"] is None
    assert therapy_summary["kap"] is None
    assert therapy_summary["critical"] == []
    assert therapy_summary["routing"] == {"suggestion": sc.ROUTE_THERAPY, "source": "computed from the answers"}
    assert therapy_summary["priority"] == "normal"


def test_routing_is_recomputed_without_stored_routing_and_needs_a_profile():
    intake = {**INTAKE, "routing": None, "priority": None}
    assert hs.build_summary(intake, kap_answers(), PROFILE)["routing"]["suggestion"] == sc.ROUTE_URGENT
    assert hs.build_summary(intake, kap_answers(), PROFILE)["priority"] == "urgent"
    assert hs.build_summary(intake, kap_answers())["routing"]["suggestion"] is None
    answers = {**kap_answers(), "phq9_9": 0}
    for name in ("asq_1", "asq_2", "asq_3", "asq_4", "asq_5"):
        del answers[name]
    # PHQ-9 total 10 makes KAP interest "both" (symptoms that need a therapist as well).
    assert hs.build_summary(intake, answers, PROFILE)["routing"]["suggestion"] == sc.ROUTE_BOTH


@pytest.mark.parametrize("values, total, band", [
    ([0] * 9, 0, "minimal"), ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, "minimal"), ([1] * 5 + [0] * 4, 5, "mild"),
    ([1] * 9, 9, "mild"), ([2] * 5 + [0] * 4, 10, "moderate"), ([2] * 7 + [0] * 2, 14, "moderate"),
    ([3] * 5 + [0] * 4, 15, "moderately severe"), ([3] * 6 + [1, 0, 0], 19, "moderately severe"),
    ([3] * 6 + [2, 0, 0], 20, "severe"), ([3] * 9, 27, "severe"),
])
def test_phq9_band_edges(values, total, band):
    screen = hs.build_summary(INTAKE, _items("phq9", values))["screens"]["PHQ-9"]
    assert (screen["total"], screen["band"]) == (total, band)


def test_skipped_item_makes_the_screen_incomplete_and_unscored():
    answers = {**therapy_answers(), "gad7_3": "skipped"}
    del answers["gad7_6"]
    screen = hs.build_summary(INTAKE, answers)["screens"]["GAD-7"]
    assert (screen["status"], screen["total"], screen["band"], screen["missing_items"]) == (
        "incomplete", None, None, [3, 6])
    assert [screen["items"][2]["answer"], screen["items"][5]["answer"]] == ["skipped", "not answered"]


def test_not_exposed_scores_pcptsd5_zero():
    screen = hs.build_summary(INTAKE, {**therapy_answers(), "trauma_exposure": False})["screens"]["PC-PTSD-5"]
    assert (screen["status"], screen["total"], screen["band"], screen["items"]) == ("complete", 0, "not exposed", [])


def test_item9_without_a_completed_asq_is_urgent():
    answers = {**therapy_answers(), "phq9_9": 2, "asq_1": True}
    summary = hs.build_summary({**INTAKE, "routing": None, "priority": None}, answers, PROFILE)
    assert summary["screens"]["ASQ"]["status"] == "incomplete"
    assert [(c["key"], c["label"], c["urgent"]) for c in summary["critical"]] == [
        ("phq9_item_9", "PHQ-9 item 9", True), ("asq", "ASQ incomplete", True)]
    assert summary["routing"]["suggestion"] == sc.ROUTE_URGENT


def test_acute_asq_and_skipped_item9():
    summary = hs.build_summary(INTAKE, {**kap_answers(), "asq_5": True})
    assert summary["screens"]["ASQ"]["risk_level"] == sc.ASQ_ACUTE
    assert "today (acute risk)" in summary["critical"][1]["detail"]
    skipped = hs.build_summary(INTAKE, {**therapy_answers(), "phq9_9": "skipped"})
    assert skipped["screens"]["PHQ-9"]["status"] == "incomplete"
    assert skipped["critical"][0]["key"] == "phq9_item_9"
    assert "skipped" in skipped["critical"][0]["detail"]


# --- Markdown and JSON --------------------------------------------------------------------------

def test_markdown_puts_critical_item9_first(kap_summary):
    text = hs.render_markdown(kap_summary)
    lines = text.splitlines()
    first_bullet = next(line for line in lines if line.startswith("- "))
    assert "PHQ-9 item 9" in first_bullet and "Several days (1)" in first_bullet and "URGENT" in first_bullet
    assert lines.index("## Critical items") < lines.index("## Contact and preferences") < lines.index("## Screens")
    assert "- **PHQ-9**: 11/27 (moderate)" in lines
    assert "- **ASQ**: non-acute positive" in lines
    assert "- Uncontrolled high blood pressure: yes — \"yes, on lisinopril but still high\"" in lines
    assert any(line.startswith("  - **benzodiazepine** (\"xanax\")") for line in lines)
    # The client's words arrive inert: no HTML or emphasis.
    assert "  > Depression for years, \\*nothing\\* helps \\<script\\>x\\</script\\>" in lines
    assert "<script>" not in text


def test_markdown_without_critical_items_says_none(therapy_summary):
    lines = hs.render_markdown(therapy_summary).splitlines()
    assert lines[lines.index("## Critical items") + 1] == "- None."
    assert "- **PC-PTSD-5**: not administered" in lines
    assert not any("KAP" in line for line in lines)


def test_incomplete_screen_is_marked_in_markdown():
    answers = {**therapy_answers(), "gad7_3": "skipped"}
    lines = hs.render_markdown(hs.build_summary(INTAKE, answers)).splitlines()
    assert "- **GAD-7**: INCOMPLETE, not scored (items not answered: 3)" in lines


def test_json_round_trips_with_sorted_keys(kap_summary):
    text = hs.render_json(kap_summary)
    loaded = json.loads(text)
    assert loaded == kap_summary
    assert hs.render_json(loaded) == text
    assert list(loaded) == sorted(loaded)
    assert loaded["screens"]["PHQ-9"]["total"] == 11
    assert hs.render_markdown(loaded) == hs.render_markdown(kap_summary)


# --- CSV --------------------------------------------------------------------------------------

def test_csv_row_has_the_documented_columns(kap_summary):
    row = hs.csv_row(kap_summary)
    assert tuple(row) == hs.CSV_COLUMNS
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=hs.CSV_COLUMNS)
    writer.writeheader()
    writer.writerow(row)
    [read] = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert read["intake_id"] == INTAKE["id"]
    assert (read["phq9_total"], read["phq9_band"], read["phq9_item9"]) == ("11", "moderate", "1")
    assert (read["gad7_total"], read["pcptsd5_result"], read["asq_risk"]) == ("7", "positive", sc.ASQ_NON_ACUTE)
    assert read["critical_items"] == "phq9_item_9;asq"
    assert read["kap_flags"] == "high_blood_pressure;bladder;prior_ketamine"
    assert (read["medication_flags"], read["routing"], read["priority"]) == (
        "benzodiazepine", sc.ROUTE_URGENT, "urgent")
    assert (read["name"], read["phone"], read["submitted_at"]) == ("Jane Doe", "(555) 010-0100",
                                                                  "2024-05-01T14:22:10+00:00")
    assert "concerns" not in read and "Depression" not in buffer.getvalue()


def test_csv_free_text_is_opt_in_and_formulas_are_defused(therapy_summary):
    row = hs.csv_row(therapy_summary, include_free_text=True)
    assert tuple(row) == hs.CSV_COLUMNS + hs.CSV_FREE_TEXT_COLUMNS
    assert (row["concerns"], row["medications"], row["pcptsd5_total"], row["asq_risk"]) == (
        "Stress at work and trouble sleeping", "", "", "not administered")
    hostile = hs.build_summary(INTAKE, {**therapy_answers(), "name": "=HYPERLINK(\"http://x\")"})
    assert hs.csv_row(hostile)["name"] == "'=HYPERLINK(\"http://x\")"


# --- FHIR R4 ----------------------------------------------------------------------------------

@pytest.fixture
def questionnaire_response():
    """fhir.resources 6.4.x: FHIR R4 (4.0.1) models on pydantic 1, which Rasa 3.6 needs."""
    import fhir.resources
    from fhir.resources.questionnaireresponse import QuestionnaireResponse

    assert fhir.resources.__fhir_version__ == "4.0.1"
    return QuestionnaireResponse


def test_phq9_questionnaire_response_validates_as_fhir_r4(kap_summary, questionnaire_response):
    resource = hs.fhir_questionnaire_response(kap_summary, "PHQ-9")
    parsed = questionnaire_response.parse_obj(resource)
    assert parsed.status == "completed"
    assert parsed.questionnaire == "http://loinc.org/q/44249-1"
    assert resource["id"] == INTAKE["id"] + "-phq9"
    assert resource["authored"] == "2024-05-01T14:22:10+00:00"
    assert [item.linkId for item in parsed.item] == [
        "44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8", "44261-6"]
    codings = [item.answer[0].valueCoding for item in parsed.item[:9]]
    assert [c.code for c in codings] == ["LA6570-1", "LA6570-1", "LA6569-3", "LA6570-1", "LA6569-3", "LA6569-3",
                                         "LA6569-3", "LA6568-5", "LA6569-3"]
    assert {c.system for c in codings} == {"http://loinc.org"}
    assert codings[7].display == "Not at all" and codings[0].display == "More than half the days"
    assert parsed.item[8].text == sc.PHQ9_ITEMS[8]
    assert parsed.item[9].answer[0].valueInteger == 11
    assert json.loads(parsed.json())["item"][9]["answer"] == [{"valueInteger": 11}]


def test_gad7_questionnaire_response_validates_as_fhir_r4(therapy_summary, questionnaire_response):
    resource = hs.fhir_questionnaire_response(therapy_summary, "GAD-7")
    parsed = questionnaire_response.parse_obj(resource)
    assert parsed.questionnaire == "http://loinc.org/q/69737-5"
    assert [item.linkId for item in parsed.item] == [
        "69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7", "70274-6"]
    assert [item.answer[0].valueCoding.code for item in parsed.item[:7]] == [
        "LA6570-1", "LA6570-1", "LA6569-3", "LA6569-3", "LA6568-5", "LA6569-3", "LA6568-5"]
    assert parsed.item[7].answer[0].valueInteger == 7
    assert resource["id"] == "b2-gad7"
    # An intake id that is no valid FHIR id is left out rather than sent broken.
    odd = hs.build_summary({**INTAKE, "id": "intake_1"}, therapy_answers())
    assert "id" not in hs.fhir_questionnaire_response(odd, "GAD-7")
    assert resource["authored"] == "2024-05-01T14:22:10+00:00"


@pytest.mark.parametrize("break_it", [
    lambda r: {k: v for k, v in r.items() if k != "status"},  # status is required (1..1)
    lambda r: {**r, "item": [{"text": "no linkId"}]},
    lambda r: {**r, "score": 11},  # no such element
    lambda r: {**r, "item": [{"linkId": "44261-6", "answer": [{"valueInteger": 11, "valueString": "11"}]}]},
    lambda r: {**r, "authored": "yesterday"},
])
def test_fhir_validation_catches_a_broken_resource(kap_summary, questionnaire_response, break_it):
    """The validator is real: structural errors fail. (It does not check value-set bindings such as
    status codes, hence the explicit status assertions above.)"""
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        questionnaire_response.parse_obj(break_it(hs.fhir_questionnaire_response(kap_summary, "PHQ-9")))


def test_fhir_export_refuses_incomplete_screens_and_other_instruments(kap_summary):
    incomplete = hs.build_summary(INTAKE, {**kap_answers(), "gad7_3": "skipped"})
    with pytest.raises(ValueError, match="GAD-7 is incomplete"):
        hs.fhir_questionnaire_response(incomplete, "GAD-7")
    with pytest.raises(ValueError, match="not 'PC-PTSD-5'"):
        hs.fhir_questionnaire_response(kap_summary, "PC-PTSD-5")
