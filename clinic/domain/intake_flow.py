"""The pre-screening intake as data and plain functions: questions, answer checks, order, review.

No Rasa imports. The Rasa form (actions/intake_actions.py) asks the questions named here,
in the order `required_slots()` gives, and stores what `validate_answer()` accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from clinic.domain import screening as sc
from clinic.domain.practice_profile import US_STATES, PracticeProfile

Buttons = List[Dict[str, str]]

YES_NO = [{"title": "Yes", "payload": "Yes"}, {"title": "No", "payload": "No"}]
FREQUENCY_BUTTONS = [{"title": label, "payload": label} for _, label in sc.FREQUENCY_OPTIONS]
SKIPPED = "skipped"
MAX_FAILURES_BEFORE_SKIP = 2  # after this many unusable answers the person may skip or call
MAX_FREE_TEXT = 2000

CONTACT_SLOTS = ["full_name", "email", "phone", "preferred_contact_method", "best_time"]
ELIGIBILITY_SLOTS = ["adult", "state"]
INTEREST_SLOTS = ["interest", "concerns"]
PHQ9_SLOTS = [f"phq9_{i}" for i in range(1, 10)]
ASQ_SLOTS = [f"asq_{i}" for i in range(1, 5)]
GAD7_SLOTS = [f"gad7_{i}" for i in range(1, 8)]
PCPTSD5_SLOTS = [f"pcptsd5_{i}" for i in range(1, 6)]
KAP_SLOTS = [f"kap_{topic.key}" for topic in sc.KAP_TOPICS] + ["kap_medications"]
LOGISTICS_SLOTS = ["payment", "visit_type", "availability"]
ALL_SLOTS = (["intake_consent"] + CONTACT_SLOTS + ELIGIBILITY_SLOTS + INTEREST_SLOTS + PHQ9_SLOTS
             + ASQ_SLOTS + ["asq_5"] + GAD7_SLOTS + ["trauma_exposure"] + PCPTSD5_SLOTS + KAP_SLOTS
             + LOGISTICS_SLOTS + ["review_confirmed"])
# Answers needed to decide whether we can help at all: no skipping these.
NOT_SKIPPABLE = {"intake_consent", "adult", "state", "interest", "review_confirmed"}
# Answers a person may correct at review ("actually my email is ..."), with the words they use.
CORRECTABLE = {
    "full_name": r"name", "email": r"e-?mail(?: address)?", "phone": r"(?:phone|cell|mobile)(?: number)?|number",
    "preferred_contact_method": r"(?:preferred )?contact method|way to contact me",
    "best_time": r"best time", "state": r"state", "interest": r"interest",
    "payment": r"insurance|payment", "visit_type": r"visit type|visits?",
    "availability": r"availability", "concerns": r"concerns?",
}
TRAUMA_WORDS = re.compile(
    r"\b(?:trauma\w*|ptsd|abuse\w*|assault\w*|rape\w*|combat|war|flashbacks?|nightmares?|accident|"
    r"violen\w+|attacked|molest\w*)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Check:
    """The outcome of checking one answer: a value to store, or a message saying what is wrong."""
    value: Any = None
    error: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.error is None


# --- Individual answer checks -------------------------------------------------------------

def _clean(text: Any) -> str:
    text = re.sub(r"<[^>]*>", " ", str(text or ""))  # markup is never part of an answer
    return " ".join(text.split())


def check_consent(text: str) -> Check:
    answer = sc.parse_yes_no(text)
    if answer is None:
        return Check(error="Please answer yes to start the intake, or no if you'd rather not.")
    return Check(answer)


def check_name(text: str) -> Check:
    name = _clean(re.sub(r"^(?:my name is|i'?m|i am|it'?s|name:?)\s+", "", _clean(text), flags=re.I))
    if not name or len(name) > 100 or not re.search(r"[^\W\d_]", name) or "@" in name or "?" in name \
            or re.search(r"\d{3}", name):
        return Check(error="Please type your name as you'd like us to use it, for example Jane Doe.")
    return Check(name)


EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def check_email(text: str) -> Check:
    found = EMAIL.search(_clean(text))
    if not found or len(found.group(0)) > 254 or ".." in found.group(0):
        return Check(error="That doesn't look like an e-mail address. Please type it like name@example.com.")
    return Check(found.group(0).lower())


def check_phone(text: str) -> Check:
    digits = re.sub(r"\D", "", _clean(text))
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        return Check(error="Please give a 10-digit US phone number, for example (555) 234-5678.")
    return Check(f"({digits[:3]}) {digits[3:6]}-{digits[6:]}")


def check_contact_method(text: str) -> Check:
    t = _clean(text).lower()
    for value, pattern in (("text", r"\btext|sms"), ("email", r"e-?mail"), ("phone", r"phone|call|ring")):
        if re.search(pattern, t):
            return Check(value)
    return Check(error="Should we reach you by phone call, text message or e-mail?")


def check_free_text(text: str, what: str, limit: int = 300) -> Check:
    value = _clean(text)
    if not value or not re.search(r"\w", value):
        return Check(error=f"Please tell me {what} in a few words.")
    if len(value) > limit:
        return Check(error=f"That's a little long for this question. Could you say {what} in under {limit} "
                           "characters?")
    return Check(value)


def _age_from_birth_date(text: str, today: date) -> Optional[int]:
    for pattern, order in ((r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", "ymd"), (r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", "mdy")):
        match = re.search(pattern, text)
        if match:
            parts = dict(zip(order, map(int, match.groups()), strict=False))
            try:
                born = date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return -1
            if born > today:
                return -1
            return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return None


def check_adult(text: str, today: Optional[date] = None) -> Check:
    """18 or older? Takes yes/no, an age ("34", "I'm 17") or a date of birth (1990-05-02, 05/02/1990)."""
    t = _clean(text).lower()
    today = today or date.today()
    age = _age_from_birth_date(t, today)
    if age is None:
        number = re.search(r"\b(\d{1,3})\b", t)
        age = int(number.group(1)) if number else None
    if age is not None:
        if not 0 < age < 120:
            return Check(error="That age doesn't look right. Could you type your age in years, for example 34?")
        return Check(age >= 18)
    answer = sc.parse_yes_no(t)
    if answer is None and re.search(r"\b(?:over|above|older than) 18\b|\badult\b", t):
        answer = True
    if answer is None and re.search(r"\bunder 18\b|\bminor\b|\bteen", t):
        answer = False
    if answer is None:
        return Check(error="Are you 18 or older? You can answer yes or no, or type your age.")
    return Check(answer)


_STATE_NAMES = {name.lower(): code for code, name in US_STATES.items()}


def check_state(text: str) -> Check:
    t = _clean(text)
    lowered = t.lower()
    for name in sorted(_STATE_NAMES, key=len, reverse=True):  # "west virginia" before "virginia"
        if re.search(rf"\b{re.escape(name)}\b", lowered):
            return Check(_STATE_NAMES[name])
    codes = re.findall(r"\b([A-Za-z]{2})\b", t)
    for code in codes:
        if code.upper() in US_STATES and (code.isupper() or len(t) <= 3):
            return Check(code.upper())
    return Check(error="Which US state will you be in during your sessions? You can type its name or its "
                       "abbreviation, like VA.")


def check_interest(text: str) -> Check:
    t = _clean(text).lower()
    kap = bool(re.search(r"\bkap\b|ketamine|ketamin", t))
    therapy = bool(re.search(r"therap|counsel|psychotherapy|talk", t.replace("ketamine-assisted psychotherapy", "")
                             .replace("ketamine assisted psychotherapy", "")))
    if re.search(r"\bboth\b", t) or (kap and therapy and "assisted" not in t):
        return Check(sc.INTEREST_BOTH)
    if kap:
        return Check(sc.INTEREST_KAP)
    if re.search(r"not sure|unsure|don'?t know|no idea|either|undecided", t):
        return Check(sc.INTEREST_NOT_SURE)
    if therapy:
        return Check(sc.INTEREST_PSYCHOTHERAPY)
    return Check(error="Are you interested in psychotherapy, ketamine-assisted psychotherapy (KAP), both, "
                       "or not sure yet?")


def check_frequency(text: str) -> Check:
    value = sc.parse_frequency(_clean(text))
    if value is None:
        return Check(error="Please pick one of the four answers: not at all, several days, more than half "
                           "the days, or nearly every day (or 0 to 3).")
    return Check(value)


def check_yes_no(text: str) -> Check:
    value = sc.parse_yes_no(_clean(text))
    if value is None:
        return Check(error="Please answer yes or no.")
    return Check(value)


def check_kap_topic(text: str) -> Check:
    """A yes/no health question; the client's own words are kept for the prescriber."""
    words = _clean(text)[:MAX_FREE_TEXT]
    answer = sc.parse_yes_no(words)
    if answer is None:
        return Check(error="Please answer yes or no; you can add a few words if you like, for example "
                           "\"yes, it's treated with medication\".")
    return Check({"answer": answer, "words": words})


def check_visit_type(text: str) -> Check:
    t = _clean(text).lower()
    if re.search(r"either|both|any|no preference|doesn'?t matter", t):
        return Check("either")
    if re.search(r"tele|video|online|virtual|remote|zoom|home", t):
        return Check("telehealth")
    if re.search(r"in[- ]person|office|face|come in", t):
        return Check("in person")
    return Check(error="Would you prefer in-person visits, telehealth (video), or either?")


def check_payment(text: str) -> Check:
    t = _clean(text)
    if re.search(r"self[- ]?pay|cash|out of pocket|myself|no insurance|uninsured|don'?t have insurance", t, re.I):
        return Check("self-pay")
    return check_free_text(t, "your insurance plan's name, or self-pay", limit=100)


# slot -> answer check. Screening items share checks; KAP topics keep the client's words.
CHECKS: Dict[str, Callable[[str], Check]] = {
    "intake_consent": check_consent,
    "full_name": check_name,
    "email": check_email,
    "phone": check_phone,
    "preferred_contact_method": check_contact_method,
    "best_time": lambda t: check_free_text(t, "the best time to reach you", limit=200),
    "adult": check_adult,
    "state": check_state,
    "interest": check_interest,
    "concerns": lambda t: check_free_text(t, "what brings you here", limit=MAX_FREE_TEXT),
    "asq_5": check_yes_no,
    "trauma_exposure": check_yes_no,
    "kap_medications": lambda t: check_free_text(t, "which medications you take (or \"none\")",
                                                 limit=MAX_FREE_TEXT),
    "payment": check_payment,
    "visit_type": check_visit_type,
    "availability": lambda t: check_free_text(t, "when you're usually available", limit=300),
}
CHECKS.update({slot: check_frequency for slot in PHQ9_SLOTS + GAD7_SLOTS})
CHECKS.update({slot: check_yes_no for slot in ASQ_SLOTS + PCPTSD5_SLOTS})
CHECKS.update({slot: check_kap_topic for slot in KAP_SLOTS if slot != "kap_medications"})


def wants_to_skip(text: str) -> bool:
    return bool(re.fullmatch(r"\s*(?:skip|skip it|skip this|pass|next|i'?d rather not say|prefer not to say)"
                             r"[.! ]*", str(text or ""), re.IGNORECASE))


# --- Which questions, in which order --------------------------------------------------------

def _answered(slots: Mapping[str, Any], names: List[str]) -> List[Any]:
    return [slots.get(name) for name in names]


def is_eligible(slots: Mapping[str, Any], profile: PracticeProfile) -> Optional[bool]:
    """False as soon as one answer rules it out; None while an answer is still missing."""
    if slots.get("adult") is False:
        return False
    if not isinstance(slots.get("adult"), bool) or slots.get("state") is None:
        return None
    return slots.get("adult") is True and slots.get("state") in profile.licensed_states


def asq_positive(slots: Mapping[str, Any]) -> bool:
    return any(answer is True for answer in _answered(slots, ASQ_SLOTS + ["asq_5"]))


def wants_kap(slots: Mapping[str, Any]) -> bool:
    return slots.get("interest") in (sc.INTEREST_KAP, sc.INTEREST_BOTH)


def needs_ptsd_screen(slots: Mapping[str, Any]) -> bool:
    return wants_kap(slots) or bool(TRAUMA_WORDS.search(str(slots.get("concerns") or "")))


def required_slots(slots: Mapping[str, Any], profile: PracticeProfile) -> List[str]:
    """The questions this person needs, in order; the form asks the first unanswered one.

    It stops early when consent is refused, when the person is not eligible (nothing more is
    collected), and after a positive ASQ until the safety pause has been handled.
    """
    order = ["intake_consent"]
    if slots.get("intake_consent") is not True:
        return order
    order += CONTACT_SLOTS + ["adult"]
    if slots.get("adult") is False:
        return order
    order.append("state")
    if is_eligible(slots, profile) is False:
        return order
    order += INTEREST_SLOTS + PHQ9_SLOTS
    phq9_9 = slots.get("phq9_9")
    # Item 9 above 0, or skipped: an unanswered question about suicide is not a "no", so the
    # ASQ asks directly.
    if (isinstance(phq9_9, int) and phq9_9 > 0) or phq9_9 == SKIPPED:
        order += ASQ_SLOTS
        # Answers not yet checked (raw text) count as unanswered here.
        asq = [answer if isinstance(answer, bool) else None for answer in _answered(slots, ASQ_SLOTS)]
        if None not in asq and sc.asq_needs_acuity_question(asq):
            order.append("asq_5")
        if asq_positive(slots) and isinstance(slots.get("asq_5"), bool) and not slots.get("safety_pause_done"):
            return order  # the form stops here: the crisis protocol runs before anything else
    order += GAD7_SLOTS
    if needs_ptsd_screen(slots):
        order.append("trauma_exposure")
        if slots.get("trauma_exposure") is True:
            order += PCPTSD5_SLOTS
    if wants_kap(slots):
        order += KAP_SLOTS
    order += LOGISTICS_SLOTS + ["review_confirmed"]
    return order


def next_question(slots: Mapping[str, Any], profile: PracticeProfile) -> Optional[str]:
    return next((name for name in required_slots(slots, profile) if slots.get(name) is None), None)


# --- Questions --------------------------------------------------------------------------------

def question(slot: str, slots: Mapping[str, Any], profile: PracticeProfile) -> Tuple[str, Buttons]:
    """What the assistant asks for `slot`, with quick-reply buttons."""
    if slot == "intake_consent":
        return (
            "Before we start: I'll ask for your contact details, what brings you here, and up to four "
            "standard questionnaires (mood, anxiety, trauma and suicide risk), plus about ten health questions "
            "if you're interested in KAP. It takes 10 to 15 minutes. You can skip any question by typing skip, "
            "except your age, your state and what you're interested in. Your answers are stored securely "
            f"(encrypted) and only {profile.name}'s intake team and clinicians see them; if your answers "
            "suggest you may be at risk, our staff are alerted. You can stop at any time and continue later. "
            "This chat is not monitored live and is not for emergencies: if you're in crisis, call or text "
            "988, or call 911.\n"
            "Would you like to start?",
            [{"title": "Yes, let's start", "payload": "Yes"}, {"title": "No, not now", "payload": "No"}],
        )
    simple = {
        "full_name": ("What's your name?", []),
        "email": ("What's your e-mail address?", []),
        "phone": ("What's the best phone number to reach you?", []),
        "preferred_contact_method": ("How would you like us to contact you?",
                                     [{"title": t, "payload": t} for t in ("Phone call", "Text message", "E-mail")]),
        "best_time": ("When is the best time to reach you? For example, weekday mornings.", []),
        "adult": ("Are you 18 or older?", YES_NO),
        "state": ("Which US state will you be in during your sessions? Our clinicians can only see you while "
                  "you're in a state where they're licensed, at the time of each session"
                  + (", even by video." if profile.telehealth else "."), []),
        "interest": ("What are you interested in?",
                     [{"title": t, "payload": t} for t in ("Psychotherapy", "Ketamine-assisted psychotherapy",
                                                             "Both", "Not sure yet")]),
        "concerns": ("In your own words, what brings you here? A sentence or two is plenty.", []),
        "trauma_exposure": (sc.PCPTSD5_EXPOSURE_QUESTION, YES_NO),
        "kap_medications": (sc.MEDICATIONS_QUESTION, [{"title": "None", "payload": "None"}]),
        "payment": ("How would you like to pay: through an insurance plan (which one?) or self-pay?",
                    [{"title": "Self-pay", "payload": "Self-pay"}]),
        "visit_type": ("Would you prefer in-person visits, telehealth (video), or either?",
                       [{"title": t, "payload": t} for t in ("In person", "Telehealth", "Either")]),
        "availability": ("When are you usually available for appointments? For example, Tuesday and "
                         "Thursday afternoons.", []),
        "asq_5": (sc.ASQ_ACUITY_QUESTION, YES_NO),
    }
    if slot == "visit_type" and wants_kap(slots):
        text, buttons = simple[slot]
        return f"{text} (KAP medicine sessions are always in person at our office.)", buttons
    if slot in simple:
        return simple[slot]
    if slot in PHQ9_SLOTS:
        index = PHQ9_SLOTS.index(slot)
        intro = ("Now 9 standard questions about your mood (the PHQ-9). " if index == 0 else "")
        return (f"{intro}({index + 1} of 9) {sc.frequency_prompt(sc.PHQ9_ITEMS[index])}", FREQUENCY_BUTTONS)
    if slot in GAD7_SLOTS:
        index = GAD7_SLOTS.index(slot)
        intro = ("Next, 7 questions about worry and anxiety (the GAD-7). " if index == 0 else "")
        return (f"{intro}({index + 1} of 7) {sc.frequency_prompt(sc.GAD7_ITEMS[index])}", FREQUENCY_BUTTONS)
    if slot in ASQ_SLOTS:
        index = ASQ_SLOTS.index(slot)
        intro = ("Thank you for answering that honestly. A few more questions help us understand how "
                 "you're doing. " if index == 0 else "")
        return f"{intro}{sc.ASQ_QUESTIONS[index]}", YES_NO
    if slot in PCPTSD5_SLOTS:
        index = PCPTSD5_SLOTS.index(slot)
        return f"({index + 1} of 5) {sc.PCPTSD5_STEM} {sc.PCPTSD5_ITEMS[index]}", YES_NO
    if slot in KAP_SLOTS:
        topic = sc.KAP_TOPICS[KAP_SLOTS.index(slot)]
        intro = sc.KAP_SCREEN_INTRO + "\n" if slot == KAP_SLOTS[0] else ""
        return f"{intro}{topic.question}", YES_NO
    if slot == "review_confirmed":
        return review_text(slots), [{"title": "Submit", "payload": "Submit"},
                                    {"title": "Change something", "payload": "I'd like to change something"}]
    raise KeyError(f"no question for slot {slot!r}")


# --- Review and corrections ---------------------------------------------------------------------

LABELS = {
    "full_name": "Name", "email": "E-mail", "phone": "Phone", "preferred_contact_method": "Contact by",
    "best_time": "Best time", "state": "State during sessions", "interest": "Interested in",
    "concerns": "What brings you here", "payment": "Payment", "visit_type": "Visits", "availability": "Availability",
}
INTEREST_LABELS = {sc.INTEREST_PSYCHOTHERAPY: "Psychotherapy", sc.INTEREST_KAP: "Ketamine-assisted psychotherapy",
                   sc.INTEREST_BOTH: "Psychotherapy and KAP", sc.INTEREST_NOT_SURE: "Not sure yet"}


def _display(slot: str, value: Any) -> str:
    if slot == "state":
        return US_STATES.get(value, str(value))
    if slot == "interest":
        return INTEREST_LABELS.get(value, str(value))
    return str(value)


def review_text(slots: Mapping[str, Any]) -> str:
    lines = [f"- {label}: {_display(slot, slots.get(slot))}" for slot, label in LABELS.items()
             if slots.get(slot) is not None]
    answered = sum(1 for slot in PHQ9_SLOTS + GAD7_SLOTS + PCPTSD5_SLOTS + KAP_SLOTS if slots.get(slot) is not None)
    return ("Here's what you told me:\n" + "\n".join(lines) + f"\n- Questionnaire answers: {answered} given\n"
            "If something is wrong, tell me, for example \"actually my phone is 555-234-5678\". "
            "Otherwise, shall I send this to our intake team?")


def parse_correction(text: str) -> Optional[Tuple[str, Check]]:
    """("email", Check(...)) for "actually my email is x@y.com"; None when it is no correction."""
    t = _clean(text)
    for slot, words in CORRECTABLE.items():
        match = re.search(rf"\b(?:my )?(?:{words})\s*(?:is|should be|to|=|:)\s+(.+)$", t, re.IGNORECASE)
        if match:
            return slot, CHECKS[slot](match.group(1))
    # A bare e-mail address or phone number at review is a correction of that field.
    if EMAIL.search(t):
        return "email", check_email(t)
    if len(re.sub(r"\D", "", t)) in (10, 11) and not re.search(r"[a-z]{4,}", t, re.IGNORECASE):
        return "phone", check_phone(t)
    return None


def check_review(text: str) -> Check:
    if re.search(r"\b(?:submit|send|looks good|all good|correct|that'?s right|confirm)\b", text, re.I):
        return Check(True)
    answer = sc.parse_yes_no(text)
    if answer is True:
        return Check(True)
    return Check(error="What would you like to change? For example \"my email is name@example.com\" or "
                       "\"my best time is evenings\". Or say submit to send it.")


CHECKS["review_confirmed"] = check_review


# --- Scores for staff --------------------------------------------------------------------------

def scores(slots: Mapping[str, Any], profile: PracticeProfile, crisis: bool = False) -> Dict[str, Any]:
    """Totals and the routing suggestion for staff; a screen with skipped items is left unscored."""
    result: Dict[str, Any] = {}
    phq9 = gad7 = pcptsd5 = asq = None
    phq = _answered(slots, PHQ9_SLOTS)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in phq):
        phq9 = sc.score_phq9(phq)
        result["phq9_total"] = phq9.total
    gad = _answered(slots, GAD7_SLOTS)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in gad):
        gad7 = sc.score_gad7(gad)
        result["gad7_total"] = gad7.total
    if slots.get("trauma_exposure") is False:
        pcptsd5 = sc.score_pcptsd5(False)
    elif slots.get("trauma_exposure") is True and all(isinstance(v, bool) for v in _answered(slots, PCPTSD5_SLOTS)):
        pcptsd5 = sc.score_pcptsd5(True, _answered(slots, PCPTSD5_SLOTS))
    if pcptsd5 is not None:
        result["pcptsd5_total"] = pcptsd5.total
    asq_answers = _answered(slots, ASQ_SLOTS)
    if all(isinstance(v, bool) for v in asq_answers):
        asq = sc.score_asq(asq_answers, slots.get("asq_5") if isinstance(slots.get("asq_5"), bool) else None)
        result["asq_risk"] = asq.risk_level
    interest = slots.get("interest") or sc.INTEREST_NOT_SURE
    result["routing"] = sc.routing_suggestion(
        adult=slots.get("adult") is True, in_licensed_state=slots.get("state") in profile.licensed_states,
        interest=interest, wants_therapy=interest == sc.INTEREST_BOTH,
        phq9=phq9, gad7=gad7, pcptsd5=pcptsd5, asq=asq, crisis=crisis,
    )
    if result["routing"] == sc.ROUTE_URGENT:
        result["priority"] = "urgent"
    return result

