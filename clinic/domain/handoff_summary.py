"""The staff handoff summary of an intake: built from plain stored values, rendered as Markdown, JSON, CSV and FHIR.

No Rasa imports: the notification outbox, the staff command line and the tests all call these functions.
Scores are recomputed from the stored answers with clinic.domain.screening, so the summary never trusts a
total it cannot show the items for. A screen with a skipped or missing item is reported as incomplete
and left unscored: a partial total would read as a low score.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional

from clinic.domain import screening as sc
from clinic.domain.intake_flow import INTEREST_LABELS, SKIPPED
from clinic.domain.practice_profile import US_STATES

SCHEMA_VERSION = 1
COMPLETE = "complete"
INCOMPLETE = "incomplete"
NOT_ADMINISTERED = "not administered"
SCREEN_ORDER = (sc.PHQ9, sc.GAD7, sc.PCPTSD5, sc.ASQ)
CONTACT_SECTION = ("name", "email", "phone", "preferred_contact_method", "best_time")
PREFERENCE_FIELDS = ("payment", "visit_type", "availability")
_FREQUENCY_LABELS = dict(sc.FREQUENCY_OPTIONS)


# --- Building -------------------------------------------------------------------------------------

def _iso(value: Any) -> Optional[str]:
    """ISO-8601 in UTC with an explicit offset; naive values are taken to be UTC, as intake_store stores them."""
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat()


def _text(value: Any) -> Optional[str]:
    """A stored free-text or choice answer; None when missing or skipped."""
    if value is None or value == SKIPPED:
        return None
    return str(value)


def _frequency_item(number: int, text: str, value: Any) -> Dict[str, Any]:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 3:
        return {"number": number, "text": text, "value": value, "answer": _FREQUENCY_LABELS[value]}
    answer = "skipped" if value == SKIPPED else "not answered" if value is None else "invalid value"
    return {"number": number, "text": text, "value": None, "answer": answer}


def _yes_no_item(number: int, text: str, value: Any) -> Dict[str, Any]:
    if isinstance(value, bool):
        return {"number": number, "text": text, "value": value, "answer": "Yes" if value else "No"}
    answer = "skipped" if value == SKIPPED else "not answered" if value is None else "invalid value"
    return {"number": number, "text": text, "value": None, "answer": answer}


def _screen(instrument: str, items: List[Dict[str, Any]], max_total: int) -> Dict[str, Any]:
    missing = [item["number"] for item in items if item["value"] is None]
    status = NOT_ADMINISTERED if len(missing) == len(items) else INCOMPLETE if missing else COMPLETE
    return {"instrument": instrument, "status": status, "total": None, "max_total": max_total, "band": None,
            "positive": None, "items": items, "missing_items": missing}


def _frequency_screen(instrument: str, questions, prefix: str, answers: Mapping[str, Any], score) -> Dict[str, Any]:
    items = [_frequency_item(n, q, answers.get(f"{prefix}_{n}")) for n, q in enumerate(questions, start=1)]
    screen = _screen(instrument, items, len(questions) * 3)
    if screen["status"] == COMPLETE:
        result = score([item["value"] for item in items])
        screen.update(total=result.total, band=result.band, positive=result.positive)
    return screen


def _pcptsd5(answers: Mapping[str, Any]) -> Dict[str, Any]:
    exposure = answers.get("trauma_exposure")
    items = [_yes_no_item(n, f"{sc.PCPTSD5_STEM} {q}", answers.get(f"pcptsd5_{n}"))
             for n, q in enumerate(sc.PCPTSD5_ITEMS, start=1)]
    screen = _screen(sc.PCPTSD5, items, 5)
    screen["trauma_exposure"] = exposure if isinstance(exposure, bool) else None
    if exposure is False:
        # Not exposed scores 0 by the instrument's rule; the five items are never asked.
        result = sc.score_pcptsd5(False)
        screen.update(status=COMPLETE, items=[], missing_items=[])
    elif exposure is True and screen["status"] == COMPLETE:
        result = sc.score_pcptsd5(True, [item["value"] for item in items])
    else:
        if exposure is not None:
            screen["status"] = INCOMPLETE
        return screen
    screen.update(total=result.total, band=result.band, positive=result.positive)
    return screen


def _asq(answers: Mapping[str, Any]) -> Dict[str, Any]:
    questions = (*sc.ASQ_QUESTIONS, sc.ASQ_ACUITY_QUESTION)
    items = [_yes_no_item(n, q, answers.get(f"asq_{n}")) for n, q in enumerate(questions, start=1)]
    screen = _screen(sc.ASQ, items, 5)
    screen.update(risk_level=None, acute_risk=None)
    # Question 5 is asked only after a "yes" to 1-4; missing it is expected when 1-4 are all "no".
    screen["missing_items"] = [n for n in screen["missing_items"] if n <= 4]
    screen["status"] = (NOT_ADMINISTERED if len(screen["missing_items"]) == 4
                        else INCOMPLETE if screen["missing_items"] else COMPLETE)
    if screen["status"] == COMPLETE:
        first_four = [item["value"] for item in items[:4]]
        if sc.asq_needs_acuity_question(first_four) and items[4]["value"] is None:
            screen["missing_items"] = [5]
        result = sc.score_asq(first_four, items[4]["value"])
        screen.update(total=None, band=result.risk_level, positive=result.positive,
                      risk_level=result.risk_level, acute_risk=result.acute_risk)
    return screen


def _critical(screens: Mapping[str, Dict[str, Any]]) -> List[Dict[str, Any]]:
    """What staff read before anything else: PHQ-9 item 9, then the ASQ that it triggers.

    urgent=False marks context only (a negative ASQ after item 9 > 0).
    """
    critical: List[Dict[str, Any]] = []
    item9, asq = screens[sc.PHQ9]["items"][8], screens[sc.ASQ]
    if item9["value"]:
        critical.append({"key": "phq9_item_9", "label": "PHQ-9 item 9", "urgent": True,
                         "detail": f"{item9['text']}: {item9['answer']} ({item9['value']})."})
    elif item9["answer"] in ("skipped", "invalid value"):
        critical.append({"key": "phq9_item_9", "label": "PHQ-9 item 9", "urgent": True,
                         "detail": f"{item9['text']}: {item9['answer']}. Ask about it directly."})
    if asq["status"] == COMPLETE:
        if asq["positive"]:
            when = "today (acute risk)" if asq["acute_risk"] else "promptly"
            detail = f"Suicide risk screen positive: a clinician must assess {when}."
        else:
            detail = "Risk follow-up after PHQ-9 item 9 was negative."
        critical.append({"key": "asq", "label": f"ASQ {asq['risk_level']}", "urgent": asq["positive"],
                         "detail": detail})
    elif item9["value"] or asq["status"] == INCOMPLETE:
        critical.append({"key": "asq", "label": f"ASQ {asq['status']}", "urgent": True,
                         "detail": "The suicide risk follow-up was not completed (the ASQ counts a declined "
                                   "answer as positive): a clinician must assess."})
    return critical


def _kap(answers: Mapping[str, Any], interest: Optional[str]) -> Optional[Dict[str, Any]]:
    keys = [topic.key for topic in sc.KAP_TOPICS]
    asked = {key: answers[f"kap_{key}"] for key in keys if answers.get(f"kap_{key}") is not None}
    medications = answers.get("kap_medications")
    if not asked and medications is None and interest not in (sc.INTEREST_KAP, sc.INTEREST_BOTH):
        return None
    pairs = {}
    for key, value in asked.items():
        if isinstance(value, Mapping):
            answer = value.get("answer")
            pairs[key] = (answer if isinstance(answer, bool) else None, str(value.get("words") or ""))
        elif isinstance(value, bool):
            pairs[key] = (value, "")
        else:  # skipped: unclear, so the prescriber asks
            pairs[key] = (None, "")
    flags = [{"key": flag.key, "topic": flag.topic,
              "answer": "skipped" if asked[flag.key] == SKIPPED else "unclear" if flag.unclear else "yes",
              "client_words": flag.client_words} for flag in sc.kap_flags(pairs)]
    words = _text(medications)
    return {
        "flags": flags,
        "not_answered": [key for key in keys if key not in asked],
        "medications": {
            "client_words": words,
            "skipped": medications == SKIPPED,
            "flags": [{"drug_class": f.drug_class, "matched": f.matched, "generic": f.generic, "note": f.note}
                      for f in sc.check_medications(words or "")],
        },
    }


def _routing(intake_like: Mapping[str, Any], answers: Mapping[str, Any], screens, profile) -> Dict[str, Any]:
    stored = intake_like.get("routing")
    if stored:
        return {"suggestion": stored, "source": "stored at submission"}
    if profile is None:
        return {"suggestion": None, "source": "not available (no stored routing and no practice profile)"}

    def result(name, scorer):
        screen = screens[name]
        if screen["status"] != COMPLETE:
            return None
        return scorer(screen)

    interest = answers.get("interest") if answers.get("interest") in sc.INTERESTS else sc.INTEREST_NOT_SURE
    suggestion = sc.routing_suggestion(
        adult=answers.get("adult") is True,
        in_licensed_state=answers.get("state") in profile.licensed_states,
        interest=interest, wants_therapy=interest == sc.INTEREST_BOTH,
        phq9=result(sc.PHQ9, lambda s: sc.score_phq9([i["value"] for i in s["items"]])),
        gad7=result(sc.GAD7, lambda s: sc.score_gad7([i["value"] for i in s["items"]])),
        pcptsd5=result(sc.PCPTSD5, lambda s: sc.score_pcptsd5(
            s["trauma_exposure"], [i["value"] for i in s["items"]] or None)),
        asq=result(sc.ASQ, lambda s: sc.score_asq([i["value"] for i in s["items"][:4]], s["items"][4]["value"])),
        crisis=intake_like.get("priority") == "urgent",  # urgent is stored only after a crisis or urgent route
    )
    return {"suggestion": suggestion, "source": "computed from the answers"}


def build_summary(intake_like: Mapping[str, Any], answers: Mapping[str, Any], profile=None) -> Dict[str, Any]:
    """The handoff summary as JSON-ready data (only dicts, lists, str, int, bool and None).

    intake_like: id, conversation_id, status, priority, created_at, submitted_at (ISO strings or datetimes),
    routing, and optionally name/email/phone (used when the answers lack them). answers: the intake's
    answers dict as stored (contact name under "name"; "skipped" for a skipped question). profile: a
    PracticeProfile, used to recompute the routing when none was stored and to check the licensed state.
    """
    answers = dict(answers or {})
    screens = {
        sc.PHQ9: _frequency_screen(sc.PHQ9, sc.PHQ9_ITEMS, "phq9", answers, sc.score_phq9),
        sc.GAD7: _frequency_screen(sc.GAD7, sc.GAD7_ITEMS, "gad7", answers, sc.score_gad7),
        sc.PCPTSD5: _pcptsd5(answers),
        sc.ASQ: _asq(answers),
    }
    contact = {field: _text(answers.get(field, intake_like.get(field))) for field in CONTACT_SECTION}
    interest = answers.get("interest")
    state = _text(answers.get("state"))
    routing = _routing(intake_like, answers, screens, profile)
    priority = intake_like.get("priority") or ("urgent" if routing["suggestion"] == sc.ROUTE_URGENT else "normal")
    skippable = CONTACT_SECTION + PREFERENCE_FIELDS + ("concerns", "state", "interest")
    return {
        "schema_version": SCHEMA_VERSION,
        "intake_id": intake_like.get("id"),
        "conversation_id": intake_like.get("conversation_id"),
        "status": intake_like.get("status"),
        "priority": priority,
        "created_at": _iso(intake_like.get("created_at")),
        "submitted_at": _iso(intake_like.get("submitted_at")),
        "critical": _critical(screens),
        "routing": routing,
        "contact": contact,
        "eligibility": {
            "adult": answers.get("adult") if isinstance(answers.get("adult"), bool) else None,
            "state": state,
            "state_name": US_STATES.get(state) if state else None,
            "in_licensed_state": None if profile is None or state is None else state in profile.licensed_states,
        },
        "interest": {"value": _text(interest), "label": INTEREST_LABELS.get(interest) if interest else None},
        "concerns": _text(answers.get("concerns")),
        "preferences": {field: _text(answers.get(field)) for field in PREFERENCE_FIELDS},
        "screens": screens,
        "kap": _kap(answers, interest),
        "skipped_fields": [field for field in skippable if answers.get(field) == SKIPPED],
    }


# --- Markdown and JSON ---------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def _md(value: Any) -> str:
    """Client-supplied text made inert in Markdown: no links, emphasis, headings or HTML."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def _or_dash(value: Any) -> str:
    return "—" if value is None else _md(value)


def _screen_heading(screen: Mapping[str, Any]) -> str:
    name = screen["instrument"]
    if screen["status"] == NOT_ADMINISTERED:
        return f"**{name}**: not administered"
    if screen["status"] == INCOMPLETE:
        missing = ", ".join(str(n) for n in screen["missing_items"]) or "exposure question"
        return f"**{name}**: INCOMPLETE, not scored (items not answered: {missing})"
    if name == sc.ASQ:
        return f"**{name}**: {screen['risk_level']}"
    return f"**{name}**: {screen['total']}/{screen['max_total']} ({screen['band']})"


def render_markdown(summary: Mapping[str, Any]) -> str:
    """A readable handoff for staff: critical items first, then routing, contact, concerns, screens, KAP."""
    contact, prefs, elig = summary["contact"], summary["preferences"], summary["eligibility"]
    lines = [f"# Intake {_or_dash(summary['intake_id'])}: {_or_dash(contact['name'])}",
             f"Priority: **{str(summary['priority']).upper()}** · status {_or_dash(summary['status'])}", "",
             "## Critical items"]
    lines += [f"- {'**URGENT** ' if item['urgent'] else ''}**{_md(item['label'])}**: {_md(item['detail'])}"
              for item in summary["critical"]] or ["- None."]
    lines += ["", "## Routing suggestion (staff only)",
              f"- {_or_dash(summary['routing']['suggestion'])} ({_md(summary['routing']['source'])})", "",
              "## Contact and preferences",
              f"- Name: {_or_dash(contact['name'])}",
              f"- E-mail: {_or_dash(contact['email'])}",
              f"- Phone: {_or_dash(contact['phone'])}",
              f"- Contact by: {_or_dash(contact['preferred_contact_method'])}, best time: "
              f"{_or_dash(contact['best_time'])}",
              f"- State during sessions: {_or_dash(elig['state_name'] or elig['state'])}"
              + ("" if elig["in_licensed_state"] is not False else " (NOT a licensed state)"),
              f"- Payment: {_or_dash(prefs['payment'])}; visits: {_or_dash(prefs['visit_type'])}; "
              f"availability: {_or_dash(prefs['availability'])}", "",
              "## Interest and concerns",
              f"- Interested in: {_or_dash(summary['interest']['label'] or summary['interest']['value'])}",
              "- In the client's words:",
              f"  > {_or_dash(summary['concerns'])}", "",
              "## Screens"]
    for name in SCREEN_ORDER:
        screen = summary["screens"][name]
        lines.append(f"- {_screen_heading(screen)}")
        if name == sc.PCPTSD5 and screen["trauma_exposure"] is not None:
            lines.append(f"  - Trauma exposure: {'Yes' if screen['trauma_exposure'] else 'No'}")
        if screen["status"] != NOT_ADMINISTERED:
            for item in screen["items"]:
                score = f" ({item['value']})" if isinstance(item["value"], int) and name in (sc.PHQ9, sc.GAD7) else ""
                marker = "**" if name == sc.PHQ9 and item["number"] == 9 and item["value"] else ""
                lines.append(f"  {item['number']}. {marker}{_md(item['text'])}: {item['answer']}{score}{marker}")
    kap = summary["kap"]
    if kap is not None:
        lines += ["", "## KAP safety flags for the prescriber (not a verdict)"]
        lines += [f"- {_md(flag['topic'])}: {flag['answer']}"
                  + (f' — "{_md(flag["client_words"])}"' if flag["client_words"] else "") for flag in kap["flags"]]
        if not kap["flags"]:
            lines.append("- No topic answered yes or unclear.")
        if kap["not_answered"]:
            lines.append(f"- Not answered: {', '.join(kap['not_answered'])}")
        meds = kap["medications"]
        lines.append(f"- Medications in the client's words: "
                     f"{'skipped' if meds['skipped'] else _or_dash(meds['client_words'])}")
        lines += [f"  - **{flag['drug_class']}** (\"{_md(flag['matched'])}\"): {flag['note']}"
                  for flag in meds["flags"]]
    lines += ["", "## Record",
              f"- Conversation: {_or_dash(summary['conversation_id'])}",
              f"- Created: {_or_dash(summary['created_at'])}",
              f"- Submitted: {_or_dash(summary['submitted_at'])}"]
    if summary["skipped_fields"]:
        lines.append(f"- Skipped by the client: {', '.join(summary['skipped_fields'])}")
    return "\n".join(lines) + "\n"


def render_json(summary: Mapping[str, Any]) -> str:
    """The summary as JSON with sorted keys, so equal summaries give byte-identical text (and signatures)."""
    return json.dumps(summary, ensure_ascii=False, sort_keys=True, indent=2, allow_nan=False)


# --- FHIR R4 QuestionnaireResponse -----------------------------------------------------------------

LOINC = "http://loinc.org"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
# LOINC answer list LL358-3, in score order 0-3.
LOINC_FREQUENCY_ANSWERS = (("LA6568-5", "Not at all"), ("LA6569-3", "Several days"),
                           ("LA6570-1", "More than half the days"), ("LA6571-9", "Nearly every day"))
# instrument -> (panel code, item codes in question order, (total-score code, its LOINC name))
FHIR_INSTRUMENTS = {
    sc.PHQ9: ("44249-1",
              ("44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"),
              ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]")),
    sc.GAD7: ("69737-5",
              ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"),
              ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]")),
}
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def fhir_questionnaire_response(summary: Mapping[str, Any], instrument: str) -> Dict[str, Any]:
    """A FHIR R4 QuestionnaireResponse (JSON-ready dict) for "PHQ-9" or "GAD-7".

    linkId of each item is its LOINC code; answers are LOINC answer codes (LL358-3) with the item score as
    an ordinalValue extension; the last item is the total score. Raises ValueError for another instrument
    or a screen that is not complete (an incomplete screen has no valid total to export).
    """
    if instrument not in FHIR_INSTRUMENTS:
        raise ValueError(f"FHIR export supports {', '.join(FHIR_INSTRUMENTS)}, not {instrument!r}")
    screen = summary["screens"][instrument]
    if screen["status"] != COMPLETE:
        raise ValueError(f"{instrument} is {screen['status']}: only a complete screen can be exported")
    panel, item_codes, (total_code, total_text) = FHIR_INSTRUMENTS[instrument]
    items = []
    for code, item in zip(item_codes, screen["items"], strict=True):
        answer_code, display = LOINC_FREQUENCY_ANSWERS[item["value"]]
        items.append({"linkId": code, "text": item["text"], "answer": [{"valueCoding": {
            "extension": [{"url": ORDINAL_VALUE, "valueDecimal": item["value"]}],
            "system": LOINC, "code": answer_code, "display": display}}]})
    items.append({"linkId": total_code, "text": total_text, "answer": [{"valueInteger": screen["total"]}]})
    response: Dict[str, Any] = {"resourceType": "QuestionnaireResponse"}
    intake_id = str(summary.get("intake_id") or "")
    resource_id = f"{intake_id}-{instrument.lower().replace('-', '')}"
    if _FHIR_ID.fullmatch(resource_id):
        response["id"] = resource_id
    response.update({"questionnaire": f"{LOINC}/q/{panel}", "status": "completed"})
    authored = summary.get("submitted_at") or summary.get("created_at")
    if authored:
        response["authored"] = authored
    response["item"] = items
    return response


# --- CSV ----------------------------------------------------------------------------------------

# One row per intake. Scores, routing, status, dates and contact details; no free text by default:
# exports get e-mailed and opened in spreadsheets, and the client's own words (concerns, KAP answers,
# medications) stay in the summary unless asked for with include_free_text=True. An incomplete screen
# has empty total and band. kap_flags and medication_flags are ";"-separated keys/classes.
CSV_COLUMNS = (
    "intake_id", "conversation_id", "status", "priority", "created_at", "submitted_at",
    "name", "email", "phone", "preferred_contact_method", "best_time", "state",
    "interest", "payment", "visit_type", "availability",
    "phq9_status", "phq9_total", "phq9_band", "phq9_item9",
    "gad7_status", "gad7_total", "gad7_band",
    "pcptsd5_status", "pcptsd5_total", "pcptsd5_result", "asq_risk",
    "critical_items", "kap_flags", "medication_flags", "routing",
)
CSV_FREE_TEXT_COLUMNS = ("concerns", "medications")
# A cell starting with one of these runs as a formula in a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_row(summary: Mapping[str, Any], include_free_text: bool = False) -> Dict[str, Any]:
    """One flat row: keys are CSV_COLUMNS (plus CSV_FREE_TEXT_COLUMNS when include_free_text), in that order.

    Empty string for a missing value, "yes"/"no" for booleans, integers for scores.
    """
    screens, contact, prefs = summary["screens"], summary["contact"], summary["preferences"]
    phq9, gad7, ptsd, asq = (screens[name] for name in SCREEN_ORDER)
    kap = summary["kap"] or {"flags": [], "medications": {"flags": [], "client_words": None}}
    values = {
        "intake_id": summary["intake_id"], "conversation_id": summary["conversation_id"],
        "status": summary["status"], "priority": summary["priority"],
        "created_at": summary["created_at"], "submitted_at": summary["submitted_at"],
        **{field: contact[field] for field in CONTACT_SECTION},
        "state": summary["eligibility"]["state"], "interest": summary["interest"]["value"],
        **{field: prefs[field] for field in PREFERENCE_FIELDS},
        "phq9_status": phq9["status"], "phq9_total": phq9["total"], "phq9_band": phq9["band"],
        "phq9_item9": phq9["items"][8]["value"],
        "gad7_status": gad7["status"], "gad7_total": gad7["total"], "gad7_band": gad7["band"],
        "pcptsd5_status": ptsd["status"], "pcptsd5_total": ptsd["total"], "pcptsd5_result": ptsd["band"],
        "asq_risk": asq["risk_level"] if asq["status"] == COMPLETE else asq["status"],
        "critical_items": ";".join(item["key"] for item in summary["critical"] if item["urgent"]),
        "kap_flags": ";".join(flag["key"] for flag in kap["flags"]),
        "medication_flags": ";".join(flag["drug_class"] for flag in kap["medications"]["flags"]),
        "routing": summary["routing"]["suggestion"],
    }
    if include_free_text:
        values.update(concerns=summary["concerns"], medications=kap["medications"]["client_words"])
    return {column: _cell(value) for column, value in values.items()}
