"""Pre-screening questionnaires (PHQ-9, GAD-7, PC-PTSD-5, ASQ), answer parsing, KAP safety flags and routing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Iterable, Mapping, Optional, Sequence

# --- Questionnaire texts ------------------------------------------------------------------
# Published wording, unchanged: the scores are only valid for the questions as validated.
# PHQ-9 and GAD-7 (Pfizer) are free to use; the ASQ (NIMH) is public domain.

FREQUENCY_OPTIONS: tuple[tuple[int, str], ...] = (
    (0, "Not at all"),
    (1, "Several days"),
    (2, "More than half the days"),
    (3, "Nearly every day"),
)

PHQ9_ITEMS: tuple[str, ...] = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety "
    "or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
)

GAD7_ITEMS: tuple[str, ...] = (
    "Feeling nervous, anxious or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
)

# PC-PTSD-5, DSM-5 version (Prins et al., 2016).
PCPTSD5_EXPOSURE_QUESTION = (
    "Sometimes things happen to people that are unusually or especially frightening, horrible, or "
    "traumatic. For example: a serious accident or fire; a physical or sexual assault or abuse; an "
    "earthquake or flood; a war; seeing someone be killed or seriously injured; having a loved one die "
    "through homicide or suicide. Have you ever experienced this kind of event?"
)
PCPTSD5_STEM = "In the past month, have you..."
PCPTSD5_ITEMS: tuple[str, ...] = (
    "had nightmares about the event(s) or thought about the event(s) when you did not want to?",
    "tried hard not to think about the event(s) or went out of your way to avoid situations that "
    "reminded you of the event(s)?",
    "been constantly on guard, watchful, or easily startled?",
    "felt numb or detached from people, activities, or your surroundings?",
    "felt guilty or unable to stop blaming yourself or others for the event(s) or any problems the "
    "event(s) may have caused?",
)

ASQ_QUESTIONS: tuple[str, ...] = (
    "In the past few weeks, have you wished you were dead?",
    "In the past few weeks, have you felt that you or your family would be better off if you were dead?",
    "In the past week, have you been having thoughts about killing yourself?",
    "Have you ever tried to kill yourself?",
)
ASQ_ACUITY_QUESTION = "Are you having thoughts of killing yourself right now?"


def frequency_prompt(item: str) -> str:
    """One PHQ-9 or GAD-7 item as a chat question: "Over the last 2 weeks, how often have you been bothered by …?"."""
    text = item[0].lower() + item[1:]
    return f"Over the last 2 weeks, how often have you been bothered by {text}?"


# --- Results ---------------------------------------------------------------------------------
PHQ9 = "PHQ-9"
GAD7 = "GAD-7"
PCPTSD5 = "PC-PTSD-5"
ASQ = "ASQ"

ASQ_NEGATIVE = "negative"
ASQ_NON_ACUTE = "non-acute positive"
ASQ_ACUTE = "acute positive"

# Upper bound of each band, inclusive (Kroenke 2001; Spitzer 2006).
_PHQ9_BANDS = ((4, "minimal"), (9, "mild"), (14, "moderate"), (19, "moderately severe"), (27, "severe"))
_GAD7_BANDS = ((4, "minimal"), (9, "mild"), (14, "moderate"), (21, "severe"))
# 10 is the usual cut-point for both scales in primary care.
_PHQ_GAD_CUT_POINT = 10
PCPTSD5_CUT_POINT = 3


@dataclass(frozen=True)
class ScreenResult:
    """PHQ-9, GAD-7 or PC-PTSD-5 outcome."""

    instrument: str  # PHQ9, GAD7 or PCPTSD5
    answers: tuple  # ints 0-3 (PHQ-9, GAD-7) or bools (PC-PTSD-5; empty when not exposed)
    total: int
    max_total: int
    band: str  # PHQ-9/GAD-7 severity band; PC-PTSD-5: "not exposed", "negative" or "positive"
    positive: bool  # PHQ-9/GAD-7: total >= 10; PC-PTSD-5: total >= 3
    needs_risk_followup: bool = False  # PHQ-9 item 9 > 0: ask the ASQ

    @property
    def summary(self) -> str:
        return f"{self.instrument} {self.total}/{self.max_total} ({self.band})"


@dataclass(frozen=True)
class AsqResult:
    """ASQ outcome."""

    answers: tuple  # questions 1-4: True, False or None (declined / unclear)
    acute: Optional[bool]  # question 5, None when not asked or declined
    positive: bool
    acute_risk: bool
    risk_level: str  # ASQ_NEGATIVE, ASQ_NON_ACUTE or ASQ_ACUTE

    @property
    def summary(self) -> str:
        return f"{ASQ} {self.risk_level}"


def _check_frequencies(name: str, answers: Sequence[int], count: int) -> tuple[int, ...]:
    if not isinstance(answers, (list, tuple)) or len(answers) != count:
        raise ValueError(f"{name} needs a list of exactly {count} answers, got {answers!r}")
    for number, value in enumerate(answers, start=1):
        # bool is an int in Python; True must not pass as "Several days".
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3:
            raise ValueError(f"{name} item {number} must be an integer from 0 to 3, got {value!r}")
    return tuple(answers)


def _band(total: int, bands: Sequence[tuple[int, str]]) -> str:
    return next(label for upper, label in bands if total <= upper)


def score_phq9(answers: Sequence[int]) -> ScreenResult:
    """Scores the 9 PHQ-9 answers (each 0-3). Item 9 above 0 always sets needs_risk_followup."""
    values = _check_frequencies(PHQ9, answers, 9)
    total = sum(values)
    return ScreenResult(PHQ9, values, total, 27, _band(total, _PHQ9_BANDS), total >= _PHQ_GAD_CUT_POINT,
                        needs_risk_followup=values[8] > 0)


def score_gad7(answers: Sequence[int]) -> ScreenResult:
    """Scores the 7 GAD-7 answers (each 0-3)."""
    values = _check_frequencies(GAD7, answers, 7)
    total = sum(values)
    return ScreenResult(GAD7, values, total, 21, _band(total, _GAD7_BANDS), total >= _PHQ_GAD_CUT_POINT)


def score_pcptsd5(exposed: bool, answers: Optional[Sequence[bool]] = None) -> ScreenResult:
    """Scores the PC-PTSD-5. Not exposed scores 0 and the item answers are ignored, as the instrument says."""
    if not isinstance(exposed, bool):
        raise ValueError(f"PC-PTSD-5 trauma exposure must be True or False, got {exposed!r}")
    if not exposed:
        return ScreenResult(PCPTSD5, (), 0, 5, "not exposed", False)
    if not isinstance(answers, (list, tuple)) or len(answers) != 5:
        raise ValueError(f"PC-PTSD-5 needs exactly 5 yes/no answers after trauma exposure, got {answers!r}")
    for number, value in enumerate(answers, start=1):
        if not isinstance(value, bool):
            raise ValueError(f"PC-PTSD-5 item {number} must be True or False, got {value!r}")
    total = sum(answers)
    positive = total >= PCPTSD5_CUT_POINT
    return ScreenResult(PCPTSD5, tuple(answers), total, 5, "positive" if positive else "negative", positive)


def _check_asq(answers: Sequence[Optional[bool]]) -> tuple[Optional[bool], ...]:
    if not isinstance(answers, (list, tuple)) or len(answers) != 4:
        raise ValueError(f"ASQ needs exactly 4 answers (questions 1-4), got {answers!r}")
    for number, value in enumerate(answers, start=1):
        if value is not None and not isinstance(value, bool):
            raise ValueError(f"ASQ question {number} must be True, False or None (declined), got {value!r}")
    return tuple(answers)


def asq_needs_acuity_question(answers: Sequence[Optional[bool]]) -> bool:
    """True when question 5 must be asked: a yes to any of questions 1-4, or one declined."""
    return any(value is not False for value in _check_asq(answers))


def score_asq(answers: Sequence[Optional[bool]], acute: Optional[bool] = None) -> AsqResult:
    """Scores the ASQ. Call it once question 5 is answered, or straight away when 1-4 are all "no".

    answers: questions 1-4, True/False, or None when the person declined or the answer stayed unclear;
    the ASQ counts a declined answer as a positive screen. acute: question 5. On a positive screen a
    declined or missing question 5 counts as acute: safety cannot be confirmed, so the clinician decides.
    """
    values = _check_asq(answers)
    if acute is not None and not isinstance(acute, bool):
        raise ValueError(f"ASQ question 5 must be True, False or None, got {acute!r}")
    positive = any(value is not False for value in values) or acute is True
    acute_risk = acute is True or (positive and acute is None)
    if acute_risk:
        level = ASQ_ACUTE
    else:
        level = ASQ_NON_ACUTE if positive else ASQ_NEGATIVE
    return AsqResult(values, acute, positive, acute_risk, level)


# --- Typed answers ---------------------------------------------------------------------------
# Hedges and refusals: better to ask again with buttons than to guess a score.
_UNSURE = (
    "maybe", "not sure", "unsure", "dont know", "do not know", "idk", "no idea", "no clue", "hard to say",
    "depends", "perhaps", "possibly", "i guess", "kind of", "kinda", "sort of", "sorta", "prefer not",
    "rather not", "skip", "pass", "dunno", "not certain", "cant say", "cannot say",
)
_NEGATORS = {"not", "no", "never", "hardly", "rarely", "barely", "isnt", "wasnt", "dont", "doesnt", "didnt", "nor"}
_AMBIGUOUS = -1  # sits between two options: ask again

# "No"-type answers count only as a clause of their own: in "no energy" or "I never sleep" the
# word describes the symptom, and reading it as "Not at all" would under-score.
_FREQUENCY_ZERO = (
    "not at all", "never", "none", "nope", "no", "nah", "not once", "no days", "none of the days", "not ever",
    "not a single day", "zero days", "no not at all", "no never", "nope never",
)
_FREQUENCY_PHRASES: dict[int, tuple[str, ...]] = {
    1: ("several days", "a few days", "few days", "some days", "sometimes", "a couple of days",
        "a couple days", "couple of days", "couple days", "occasionally", "once in a while", "now and then",
        "a few times", "several times", "a little", "a bit", "some of the days", "a handful of days"),
    2: ("more than half the days", "more than half of the days", "most days", "often", "over half",
        "more than half", "over half the days", "most of the days", "most of the time", "frequently",
        "a lot", "usually", "majority of days", "the majority of the days", "quite often", "pretty often"),
    3: ("nearly every day", "every day", "almost always", "daily", "all the time", "almost every day",
        "everyday", "nearly everyday", "almost everyday", "always", "constantly", "every single day",
        "each day", "all day", "all day every day", "nearly all the time", "pretty much every day",
        "pretty much always", "most every day"),
    _AMBIGUOUS: ("every other day", "half the days", "half the time", "about half", "half of the days"),
}
_FREQUENCY_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3}
# Typos are matched only against long phrases, so a short slip cannot land on the wrong answer.
_FREQUENCY_FUZZY = [(p, v) for v, ps in _FREQUENCY_PHRASES.items() if v != _AMBIGUOUS for p in ps if len(p) >= 8]
_FREQUENCY_FUZZY += [(p, 0) for p in _FREQUENCY_ZERO if len(p) >= 8]
_FUZZY_CUTOFF = 0.88

_YES_NO_PHRASES: dict[bool, tuple[str, ...]] = {
    True: ("yes", "yeah", "yea", "yep", "yup", "ya", "yah", "yes i have", "definitely", "absolutely",
           "of course", "correct", "true", "affirmative", "certainly", "for sure", "uh huh", "mhm", "sure",
           "that is right", "thats right", "i think so", "i believe so", "indeed"),
    False: ("no", "nope", "nah", "naw", "never", "not really", "not at all", "none", "negative", "false",
            "no way", "not that i know of", "i dont think so", "dont think so", "not me", "nothing",
            "not once", "no never", "definitely not", "absolutely not", "of course not", "certainly not",
            "not ever", "no i have not", "no i havent", "i dont believe so", "i do not think so"),
}
# First-person answers ("I have", "I haven't") count only when what follows is one of these words:
# "I have a question" or "I am scared" are not answers.
_YES_NO_OPENINGS: dict[bool, tuple[str, ...]] = {
    True: ("i have", "ive", "i did", "i do", "i am", "im", "i was", "i had"),
    False: ("i havent", "i have not", "ive never", "i have never", "i never", "i didnt", "i did not", "i dont",
            "i do not", "im not", "i am not", "i wasnt", "i was not", "i hadnt", "i had not"),
}
_OPENING_TAILS = {
    "once", "twice", "before", "yes", "yeah", "definitely", "sometimes", "recently", "lately", "too", "also",
    "a", "few", "several", "many", "times", "in", "the", "past", "ever", "been", "had", "thought", "about",
    "it", "that", "this", "those", "no", "never", "not", "really", "at", "all", "any", "of", "either",
    "month", "week", "weeks", "year", "years", "unfortunately", "sadly", "honestly", "actually",
}
_FILLERS = re.compile(r"^(?:(?:well|um+|uh+(?!\s+huh)|hmm+|oh|so|honestly|actually|ok|okay)\s+)+")


def _normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("'", "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = re.sub(r"(.)\1{2,}", r"\1", text)  # "yesss", "nooo", "alwaysss"
    text = re.sub(r"\bno{2,}\b", "no", text)
    text = re.sub(r"\bye+s+\b", "yes", text)
    return _FILLERS.sub("", text.strip())


def _contains(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


def _find_values(text: str, table: Mapping[object, Iterable[str]]) -> Optional[set]:
    """Values of the phrases found, longest phrase first; None when a yes-type phrase is negated."""
    phrases = sorted(((p, v) for v, ps in table.items() for p in ps), key=lambda pv: -len(pv[0]))
    padded = f" {text} "
    found = set()
    for phrase, value in phrases:
        needle = f" {phrase} "
        while needle in padded:
            start = padded.index(needle)
            before = padded[:start].split()
            if before and before[-1] in _NEGATORS and value is not False:
                return None  # "not every day", "not definitely": unclear, ask again
            found.add(value)
            # Blank the match so "every day" is not found again inside "nearly every day".
            padded = padded[:start] + " " + "#" * len(phrase) + " " + padded[start + len(needle):]
    return found


def _frequency_from_words(raw: str) -> Optional[int]:
    text = _normalise(raw)
    if not text or raw.rstrip().endswith("?") or any(_contains(text, hedge) for hedge in _UNSURE):
        return None
    if text in _FREQUENCY_WORDS:
        return _FREQUENCY_WORDS[text]
    values = _find_values(text, _FREQUENCY_PHRASES)
    if values is None:
        return None
    clauses = (_normalise(part) for part in re.split(r"[,.;:!?()\-–—]+", raw))
    if any(clause in _FREQUENCY_ZERO for clause in clauses):
        values.add(0)
    if len(values) == 1 and _AMBIGUOUS not in values:
        return values.pop()
    if values - {_AMBIGUOUS} or len(text) > 40 or set(text.split()) & _NEGATORS:
        return None
    # Typos of the longer phrases: "sevral days", "nearly evry day", and "more then half the days",
    # which holds the in-between "half the days".
    scored = sorted(((SequenceMatcher(None, text, p).ratio(), v) for p, v in _FREQUENCY_FUZZY), reverse=True)
    best_ratio, best_value = scored[0]
    rivals = {v for ratio, v in scored if ratio >= _FUZZY_CUTOFF}
    return best_value if best_ratio >= _FUZZY_CUTOFF and rivals == {best_value} else None


def parse_frequency(text: str) -> Optional[int]:
    """A PHQ-9/GAD-7 answer, typed or from a button, as 0-3; None when it is not clear.

    Accepts "0".."3" (also "(2)", "2.", "two"), the option labels in any case, a button title such as
    "2 - More than half the days" (digit and label must agree), everyday variants ("most days",
    "sometimes", "daily") and small typos of the longer phrases. "No"-type answers ("no", "never") count
    only on their own or as their own clause ("No, never"), not inside a sentence ("no energy").
    Hedges ("maybe"), questions, other numbers ("5", "2 days"), negated or in-between phrases ("not every
    day", "every other day"), conflicting phrases and empty or emoji-only text give None, so the form asks
    again rather than guessing.
    """
    if not isinstance(text, str):
        return None
    raw = text.strip()
    whole = re.fullmatch(r"\(?\s*(\d+)\s*\)?\s*[.)]?", raw)
    if whole:
        number = int(whole.group(1))
        return number if number <= 3 else None
    labelled = re.fullmatch(r"\(?\s*([0-3])\s*\)?\s*(?:[-–—:.)=]\s*|\s+)(\D.*)", raw, flags=re.DOTALL)
    if labelled:
        label_value = _frequency_from_words(labelled.group(2))
        return label_value if label_value == int(labelled.group(1)) else None
    return _frequency_from_words(raw)


def _leading_answer(text: str) -> Optional[tuple[bool, str]]:
    """The yes/no answer the text starts with, and the rest of the text."""
    best: Optional[tuple[int, bool, str]] = None
    for value in (True, False):
        for phrase in _YES_NO_PHRASES[value]:
            if text == phrase or text.startswith(phrase + " "):
                if best is None or len(phrase) > best[0]:
                    best = (len(phrase), value, text[len(phrase):].strip())
        for opening in _YES_NO_OPENINGS[value]:
            rest = text[len(opening):].strip()
            if (text == opening or text.startswith(opening + " ")) and set(rest.split()) <= _OPENING_TAILS:
                if best is None or len(opening) > best[0]:
                    best = (len(opening), value, rest)
    return (best[1], best[2]) if best else None


def parse_yes_no(text: str) -> Optional[bool]:
    """A typed yes/no answer, read from how it starts ("yes, twice", "I haven't", "not really").

    None when unclear: hedges ("maybe", "sort of", "prefer not to say"), a question, a contradiction
    ("yes and no"), or a sentence that does not start with an answer ("I have a question"). For ASQ
    questions a second unclear answer should be recorded as None (declined), which the ASQ scores as
    positive.
    """
    if not isinstance(text, str) or text.rstrip().endswith("?"):
        return None
    normalised = _normalise(text)
    if not normalised or any(_contains(normalised, hedge) for hedge in _UNSURE):
        return None
    if normalised in ("y", "n"):
        return normalised == "y"
    lead = _leading_answer(normalised)
    if lead is None:
        return None
    value, rest = lead
    later = _find_values(rest, _YES_NO_PHRASES)
    if later is None or (not value) in later:
        return None
    return value


# --- KAP safety screen -----------------------------------------------------------------------
@dataclass(frozen=True)
class KapTopic:
    key: str  # stable identifier, e.g. for a slot name
    topic: str  # what the prescriber reads
    question: str  # what the client is asked, plain language


# Asked to learn, never to decide: the prescriber evaluates every answer with the client.
KAP_SCREEN_INTRO = (
    "A few health questions help our prescriber prepare for your evaluation. There are no wrong answers, "
    "and nothing here decides whether KAP is right for you: the prescriber goes over it with you."
)
KAP_TOPICS: tuple[KapTopic, ...] = (
    KapTopic("high_blood_pressure", "Uncontrolled high blood pressure",
             "Do you have high blood pressure that isn't well controlled at the moment?"),
    KapTopic("heart_stroke_aneurysm", "Heart disease, stroke or aneurysm",
             "Have you ever had heart disease, a heart attack, a stroke or an aneurysm?"),
    KapTopic("psychosis_bipolar", "Psychosis, schizophrenia, mania or bipolar disorder",
             "Have you ever been diagnosed with, or had episodes of, psychosis, schizophrenia, mania or "
             "bipolar disorder?"),
    KapTopic("pregnancy_breastfeeding", "Pregnancy or breastfeeding",
             "Are you pregnant, trying to become pregnant, or breastfeeding?"),
    KapTopic("substance_use", "Substance use problems, especially ketamine",
             "Have you ever had problems with alcohol or drug use, including ketamine?"),
    KapTopic("seizures", "Seizures",
             "Have you ever had seizures or epilepsy?"),
    KapTopic("head_injury", "Head injury or raised intracranial pressure",
             "Have you had a serious head injury, or been told you have raised pressure inside your head?"),
    KapTopic("bladder", "Bladder problems",
             "Do you have any bladder problems, such as pain, urgency or needing to go very often?"),
    KapTopic("prior_ketamine", "Prior ketamine or esketamine treatment",
             "Have you had ketamine or esketamine (Spravato) treatment before?"),
)
KAP_TOPICS_BY_KEY: dict[str, KapTopic] = {topic.key: topic for topic in KAP_TOPICS}
MEDICATIONS_QUESTION = (
    "Which medications or supplements do you take now? Your own words are fine. Please don't stop or "
    "change any of them on your own; the prescriber will go over them with you."
)


@dataclass(frozen=True)
class KapFlag:
    key: str
    topic: str
    client_words: str  # exactly what the client typed (stripped), for the prescriber
    unclear: bool = False  # the answer was neither yes nor no: the prescriber should ask


def kap_flags(answers: Mapping[str, tuple[Optional[bool], str]]) -> list[KapFlag]:
    """Flags for the prescriber, in KAP_TOPICS order: every "yes", and every unclear (None) answer.

    answers maps a KAP_TOPICS key to (answer, client_words); topics not asked are simply absent.
    """
    for key, pair in answers.items():
        if key not in KAP_TOPICS_BY_KEY:
            raise ValueError(f"unknown KAP screen key {key!r}; expected one of {sorted(KAP_TOPICS_BY_KEY)}")
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise ValueError(f"KAP answer for {key!r} must be a pair (answer, client_words), got {pair!r}")
        if pair[0] is not None and not isinstance(pair[0], bool):
            raise ValueError(f"KAP answer for {key!r} must be True, False or None, got {pair[0]!r}")
    flags = []
    for topic in KAP_TOPICS:
        if topic.key not in answers:
            continue
        answer, words = answers[topic.key]
        if answer is not False:
            flags.append(KapFlag(topic.key, topic.topic, (words or "").strip(), unclear=answer is None))
    return flags


# --- Medications -----------------------------------------------------------------------------
BENZODIAZEPINE = "benzodiazepine"
LAMOTRIGINE = "lamotrigine"
MAOI = "MAOI"

_MEDICATION_NOTES = {
    BENZODIAZEPINE: "Benzodiazepine mentioned: may blunt ketamine's response and add sedation; "
                    "confirm current use, dose and timing.",
    LAMOTRIGINE: "Lamotrigine mentioned: may attenuate ketamine's effects; confirm current use and dose.",
    MAOI: "MAOI mentioned: ketamine raises blood pressure, review for hypertensive risk; confirm current use.",
}

# generic -> (class, brand names and common misspellings the typo allowance does not reach)
_MEDICATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "alprazolam": (BENZODIAZEPINE, ("xanax", "xanex", "zanax", "zanex", "xannax", "xanx", "niravam")),
    "clonazepam": (BENZODIAZEPINE, ("klonopin", "klonazepam", "clonopin", "clonapin", "clonipin", "rivotril")),
    "lorazepam": (BENZODIAZEPINE, ("ativan", "loreev")),
    "diazepam": (BENZODIAZEPINE, ("valium", "valum", "diastat", "valtoco")),
    "temazepam": (BENZODIAZEPINE, ("restoril",)),
    "chlordiazepoxide": (BENZODIAZEPINE, ("librium", "librax", "limbitrol")),
    "clobazam": (BENZODIAZEPINE, ("onfi", "sympazan")),
    "oxazepam": (BENZODIAZEPINE, ("serax",)),
    "midazolam": (BENZODIAZEPINE, ("nayzilam",)),  # brand "Versed" left out: it is an everyday word
    "clorazepate": (BENZODIAZEPINE, ("tranxene",)),
    "triazolam": (BENZODIAZEPINE, ("halcion",)),
    "estazolam": (BENZODIAZEPINE, ("prosom",)),
    "flurazepam": (BENZODIAZEPINE, ("dalmane",)),
    "quazepam": (BENZODIAZEPINE, ()),  # brand "Doral" left out: also a place name
    "lamotrigine": (LAMOTRIGINE, ("lamictal", "lamictle", "lamictol", "subvenite")),
    "phenelzine": (MAOI, ("nardil",)),
    "tranylcypromine": (MAOI, ("parnate",)),
    "isocarboxazid": (MAOI, ("marplan",)),
    "selegiline": (MAOI, ("emsam", "eldepryl", "zelapar")),
    "rasagiline": (MAOI, ("azilect",)),
    "safinamide": (MAOI, ("xadago",)),
    "moclobemide": (MAOI, ("manerix",)),
}
# Names people often misspell; rarer brands must be typed right, which keeps false alarms down.
# Sorted, so a tie between two names always resolves the same way.
_TYPO_TOLERANT = tuple(sorted(set(_MEDICATIONS) | {
    "benzodiazepine", "klonopin", "ativan", "valium", "restoril", "librium", "lamictal", "nardil", "parnate",
    "marplan", "eldepryl", "zelapar", "halcion",
}))
_NAME_INDEX: dict[str, tuple[str, str]] = {}
for _generic, (_class, _names) in _MEDICATIONS.items():
    for _name in (_generic, *_names):
        _NAME_INDEX[_name] = (_class, _generic)
_NAME_INDEX.update({
    "benzo": (BENZODIAZEPINE, ""), "benzodiazepine": (BENZODIAZEPINE, ""),
    "maoi": (MAOI, ""),
})
# Real words one typo away from a name above (checked against an English word list).
_NOT_MEDICATIONS = {"halcyon", "phenazine", "rosaniline"}
_CLASS_PHRASES = re.compile(
    r"\b(?:mao[\s-]?inhibitors?|mono[\s-]?amine[\s-]oxidase[\s-]inhibitors?|mao-i)\b", re.IGNORECASE)


@dataclass(frozen=True)
class MedicationFlag:
    drug_class: str  # BENZODIAZEPINE, LAMOTRIGINE or MAOI
    matched: str  # the word as the client typed it
    generic: Optional[str]  # e.g. "alprazolam"; None for a class word ("benzos", "MAOI")
    note: str  # for the prescriber


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of neighbours counts once), stopping early past limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = char_a != char_b
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _allowed_typos(name: str) -> int:
    # Short names must match exactly (or be listed): "onfi", "xanax" have too many near neighbours.
    return 0 if len(name) <= 5 else 1 if len(name) <= 8 else 2


def _lookup(word: str) -> Optional[tuple[str, str]]:
    """(class, generic) for one word, generic "" for a class word; None when it is no flagged medicine."""
    singular = word[:-1] if word.endswith(("s", "z")) and len(word) > 4 else word  # "benzos", "valiums"
    for form in (word, singular, word[:-2] if word.endswith("es") else word):
        if form in _NAME_INDEX:
            return _NAME_INDEX[form]
    if len(word) < 6 or word in _NOT_MEDICATIONS:
        return None
    best: Optional[tuple[int, tuple[str, str]]] = None
    for name in _TYPO_TOLERANT:
        # Misspellings keep the first letter; requiring it rules out most real words.
        if name[0] != word[0]:
            continue
        limit = _allowed_typos(name)
        distance = min(_edit_distance(word, name, limit), _edit_distance(singular, name, limit))
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, _NAME_INDEX[name])
    return best[1] if best else None


def check_medications(free_text: str) -> list[MedicationFlag]:
    """Benzodiazepines, lamotrigine and MAOIs named in the client's medication answer, in order, once each.

    Generic and brand names, any case, plurals and common misspellings. A mention is flagged even when it
    is negated or a question ("no benzos", "MAOI-free diet?"): the prescriber reads the flag next to the
    client's words, and a missed MAOI costs more than a second look. Other medicines (e.g. Lexapro) and
    ordinary words ("lamb chops") are not flagged.
    """
    if not isinstance(free_text, str) or not free_text.strip():
        return []
    hits: list[tuple[int, str, str, str]] = []  # (position, class, generic, as typed)
    for match in _CLASS_PHRASES.finditer(free_text):
        hits.append((match.start(), MAOI, "", match.group(0)))
    for match in re.finditer(r"[^\W\d_]+", free_text):
        entry = _lookup(match.group(0).lower())
        if entry and not any(start <= match.start() < start + len(typed) for start, _, _, typed in hits):
            hits.append((match.start(), entry[0], entry[1], match.group(0)))
    flags: list[MedicationFlag] = []
    seen = set()
    for _, drug_class, generic, typed in sorted(hits):
        if (drug_class, generic) not in seen:
            seen.add((drug_class, generic))
            flags.append(MedicationFlag(drug_class, typed, generic or None, _MEDICATION_NOTES[drug_class]))
    return flags


# --- Routing (staff only) --------------------------------------------------------------------
ROUTE_URGENT = "urgent clinician callback"
ROUTE_REFER_OUT = "refer out"
ROUTE_PRESCRIBER = "prescriber evaluation"
ROUTE_THERAPY = "therapy intake"
ROUTE_BOTH = "both"

INTEREST_PSYCHOTHERAPY = "psychotherapy"
INTEREST_KAP = "kap"
INTEREST_BOTH = "both"
INTEREST_NOT_SURE = "not_sure"
INTERESTS = (INTEREST_PSYCHOTHERAPY, INTEREST_KAP, INTEREST_BOTH, INTEREST_NOT_SURE)


def routing_suggestion(
    *,
    adult: bool,
    in_licensed_state: bool,
    interest: str,
    wants_therapy: bool = False,
    phq9: Optional[ScreenResult] = None,
    gad7: Optional[ScreenResult] = None,
    pcptsd5: Optional[ScreenResult] = None,
    asq: Optional[AsqResult] = None,
    crisis: bool = False,
) -> str:
    """Suggested next step for staff (never shown to the client). The first rule that applies wins:

    1. "urgent clinician callback": the crisis protocol fired in this conversation, or the ASQ is
       positive (acute or not), or PHQ-9 item 9 > 0 and the ASQ was not completed.
    2. "refer out": under 18 or not living in a licensed state.
    3. "both": interest is KAP and the client also wants therapy (interest "both" or wants_therapy),
       or PHQ-9 >= 10, GAD-7 >= 10 or PC-PTSD-5 positive (symptoms that need a therapist as well).
    4. "prescriber evaluation": interest is KAP otherwise.
    5. "therapy intake": interest is psychotherapy or not sure.

    interest: one of INTERESTS ("psychotherapy", "kap", "both", "not_sure"; case and "not sure" tolerated).
    """
    normalised = (interest or "").strip().lower().replace(" ", "_").replace("-", "_")
    if normalised not in INTERESTS:
        raise ValueError(f"interest must be one of {INTERESTS}, got {interest!r}")
    if crisis or (asq is not None and asq.positive) or (asq is None and phq9 is not None
                                                         and phq9.needs_risk_followup):
        return ROUTE_URGENT
    if not adult or not in_licensed_state:
        return ROUTE_REFER_OUT
    if normalised in (INTEREST_KAP, INTEREST_BOTH):
        symptoms = any(result is not None and result.positive for result in (phq9, gad7, pcptsd5))
        return ROUTE_BOTH if normalised == INTEREST_BOTH or wants_therapy or symptoms else ROUTE_PRESCRIBER
    return ROUTE_THERAPY
