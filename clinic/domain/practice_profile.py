"""The practice profile (practice_profile.yml) and the answers built from it; no Rasa imports."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

import yaml

from clinic import settings

DEFAULT_PROFILE_PATH = Path(__file__).resolve().parents[2] / "practice_profile.yml"
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# How ketamine may be given in KAP (profile kap.administration), as the assistant says it.
KAP_ROUTES = {
    "lozenge": "as a lozenge (troche) that melts under the tongue",
    "intramuscular": "as a shot into a muscle",
    "infusion": "as a slow drip into a vein (IV infusion)",
}

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}


class ProfileError(ValueError):
    """The profile file is missing a field or has a value that cannot be used."""


@dataclass(frozen=True)
class PracticeProfile:
    name: str
    phone: str
    email: str
    website: str
    address: Dict[str, str]
    time_zone: str
    hours: Dict[str, Tuple[time, time]]
    licensed_states: List[str]
    fees: Dict[str, str]
    insurance_summary: str
    response_time: str
    telehealth: bool = True
    callback_time: str = "within two hours"  # how soon staff call back a request made during hours
    crisis: Dict[str, str] = field(default_factory=dict)
    minimum_age: int = 18
    maximum_age: Optional[int] = None  # None: no upper limit
    cancellation_notice_hours: int = 48
    late_cancellation_fee: str = ""  # empty: no fee
    parking: str = ""
    accessibility: str = ""
    languages: List[str] = field(default_factory=lambda: ["English"])
    referral_needed: Dict[str, bool] = field(default_factory=lambda: {"therapy": False, "kap": False})
    kap_administration: List[str] = field(default_factory=list)  # keys of KAP_ROUTES; empty: not stated
    offers_spravato: bool = False

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def licensed_state_names(self) -> List[str]:
        return [US_STATES.get(code, code) for code in self.licensed_states]


def _parse_hours(raw: Dict[str, List[str]]) -> Dict[str, Tuple[time, time]]:
    hours = {}
    for day, span in (raw or {}).items():
        day = day.lower()
        if day not in WEEKDAYS or not isinstance(span, (list, tuple)) or len(span) != 2:
            raise ProfileError(f"hours: '{day}' must be a weekday with [open, close]")
        opens, closes = (time.fromisoformat(str(value)) for value in span)
        if opens >= closes:
            raise ProfileError(f"hours: '{day}' closes before it opens")
        hours[day] = (opens, closes)
    return hours


def _sentence(value: object, name: str) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise ProfileError(f"{name}: needs a sentence to say to visitors")
    return text if text[-1] in ".!?" else text + "."


def _flag(section: Dict, key: str, name: str) -> bool:
    value = section[key]
    if not isinstance(value, bool):
        raise ProfileError(f"{name}.{key}: must be true or false")
    return value


def _care_fields(raw: Dict) -> Dict:
    """The fields for ages, cancellation, access, languages, referrals and KAP, checked."""
    ages, cancellation = raw["ages_seen"] or {}, raw["cancellation"] or {}
    minimum, maximum = ages["minimum_age"], ages.get("maximum_age")
    if not isinstance(minimum, int) or minimum < 18:
        raise ProfileError("ages_seen.minimum_age: must be 18 or more (the intake only accepts adults)")
    if maximum is not None and (not isinstance(maximum, int) or maximum <= minimum):
        raise ProfileError("ages_seen.maximum_age: must be empty or an age above minimum_age")
    notice = cancellation["notice_hours"]
    if not isinstance(notice, int) or notice <= 0:
        raise ProfileError("cancellation.notice_hours: must be a whole number of hours above 0")
    languages = raw["languages"]
    if not isinstance(languages, list) or not languages or not all(str(lang).strip() for lang in languages):
        raise ProfileError("languages: must list at least one language")
    referral, kap = raw["referral_needed"] or {}, raw["kap"] or {}
    routes = [str(route).lower() for route in kap.get("administration") or []]
    unknown = [route for route in routes if route not in KAP_ROUTES]
    if unknown:
        raise ProfileError(f"kap.administration: unknown {unknown}; use any of {sorted(KAP_ROUTES)}")
    return dict(
        minimum_age=minimum,
        maximum_age=maximum,
        cancellation_notice_hours=notice,
        late_cancellation_fee=" ".join(str(cancellation.get("late_fee") or "").split()),
        parking=_sentence(raw["parking"], "parking"),
        accessibility=_sentence(raw["accessibility"], "accessibility"),
        languages=[str(lang).strip() for lang in languages],
        referral_needed={key: _flag(referral, key, "referral_needed") for key in ("therapy", "kap")},
        kap_administration=routes,
        offers_spravato=_flag(kap, "offers_spravato", "kap"),
    )


def load_profile(path: Optional[os.PathLike] = None) -> PracticeProfile:
    """Reads the profile named by PRACTICE_PROFILE (or the default file) and checks it."""
    path = Path(path or settings.raw("PRACTICE_PROFILE") or DEFAULT_PROFILE_PATH)
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    try:
        profile = PracticeProfile(
            name=str(raw["name"]),
            phone=str(raw["phone"]),
            email=str(raw["email"]),
            website=str(raw.get("website", "")),
            address={k: str(v) for k, v in raw["address"].items()},
            time_zone=str(raw["time_zone"]),
            hours=_parse_hours(raw["hours"]),
            licensed_states=[str(s).upper() for s in raw["licensed_states"]],
            fees={k: str(v) for k, v in (raw.get("fees") or {}).items()},
            insurance_summary=" ".join(str(raw["insurance"]["summary"]).split()),
            response_time=str(raw["response_time"]),
            telehealth=bool(raw.get("telehealth", True)),
            callback_time=str(raw.get("callback_time") or "within two hours"),
            crisis={k: str(v) for k, v in (raw.get("crisis") or {}).items()},
            **_care_fields(raw),
        )
    except KeyError as missing:
        raise ProfileError(f"{path}: missing field {missing}") from None
    unknown = [s for s in profile.licensed_states if s not in US_STATES]
    if unknown:
        raise ProfileError(f"licensed_states: unknown state codes {unknown}")
    try:
        profile.tz  # noqa: B018 - fail at load time, not mid-conversation
    except Exception as error:
        raise ProfileError(f"time_zone: unknown time zone {profile.time_zone!r}") from error
    return profile


@functools.lru_cache(maxsize=4)
def _cached_profile(path: str, mtime: float) -> PracticeProfile:
    return load_profile(path)


def current_profile() -> PracticeProfile:
    """The profile for actions: read once, and again only when the file changes."""
    path = Path(settings.raw("PRACTICE_PROFILE") or DEFAULT_PROFILE_PATH)
    return _cached_profile(str(path), path.stat().st_mtime)


# --- Business hours ---------------------------------------------------------------------

def _local(profile: PracticeProfile, now: Optional[datetime]) -> datetime:
    now = now or datetime.now(tz=profile.tz)
    if now.tzinfo is None:
        now = now.replace(tzinfo=profile.tz)
    return now.astimezone(profile.tz)


def is_open(profile: PracticeProfile, now: Optional[datetime] = None) -> bool:
    local = _local(profile, now)
    span = profile.hours.get(WEEKDAYS[local.weekday()])
    return bool(span) and span[0] <= local.time() < span[1]


def next_opening(profile: PracticeProfile, now: Optional[datetime] = None) -> Optional[datetime]:
    """The next time the practice opens after `now` (None when no hours are set)."""
    local = _local(profile, now)
    for offset in range(0, 8):
        day = local + timedelta(days=offset)
        span = profile.hours.get(WEEKDAYS[day.weekday()])
        if not span:
            continue
        opening = day.replace(hour=span[0].hour, minute=span[0].minute, second=0, microsecond=0)
        if opening > local:
            return opening
    return None


def _clock(t: time) -> str:
    hour = t.hour % 12 or 12
    suffix = "am" if t.hour < 12 else "pm"
    return f"{hour}{':%02d' % t.minute if t.minute else ''} {suffix}"


def format_hours(profile: PracticeProfile) -> str:
    """Groups consecutive days with the same hours: 'Monday–Wednesday 9 am–5 pm; ...'."""
    groups: List[Tuple[List[str], Tuple[time, time]]] = []
    for day in WEEKDAYS:
        span = profile.hours.get(day)
        if span is None:
            continue
        if groups and groups[-1][1] == span and WEEKDAYS.index(groups[-1][0][-1]) + 1 == WEEKDAYS.index(day):
            groups[-1][0].append(day)
        else:
            groups.append(([day], span))
    parts = []
    for days, (opens, closes) in groups:
        label = days[0].title() if len(days) == 1 else f"{days[0].title()}–{days[-1].title()}"
        parts.append(f"{label} {_clock(opens)}–{_clock(closes)}")
    return "; ".join(parts) if parts else "by appointment"


def _tz_label(profile: PracticeProfile, now: Optional[datetime] = None) -> str:
    return _local(profile, now).tzname() or profile.time_zone


def format_address(profile: PracticeProfile) -> str:
    a = profile.address
    return f"{a['street']}, {a['city']}, {a['state']} {a['postal_code']}"


def _join(items: List[str], word: str = "and") -> str:
    """'A', 'A and B', 'A, B and C'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} {items[-1]}"


def format_states(profile: PracticeProfile) -> str:
    return _join(profile.licensed_state_names)


# --- Answers ------------------------------------------------------------------------------
# Each returns the text the assistant says; the caller adds buttons.

def closed_days(profile: PracticeProfile) -> List[str]:
    """The weekdays with no hours ('Saturday', 'Sunday'): visitors ask about weekends by name."""
    return [day.title() for day in WEEKDAYS if profile.hours.get(day) is None]


def answer_hours(profile: PracticeProfile, now: Optional[datetime] = None) -> str:
    status = "We're open now." if is_open(profile, now) else "We're closed right now."
    closed = closed_days(profile)
    closed_note = f" We're closed on {_join(closed)}." if closed and len(closed) < len(WEEKDAYS) else ""
    return (
        f"Our office hours are {format_hours(profile)} ({_tz_label(profile, now)}).{closed_note} {status} "
        f"You can leave a message at {profile.phone} or write to {profile.email} any time, "
        f"and we reply {profile.response_time}. This chat is automated and not monitored live."
    )


def answer_location(profile: PracticeProfile) -> str:
    telehealth = (
        f" We also offer telehealth by secure video when you are in {format_states(profile)} during each session."
        if profile.telehealth else ""
    )
    return f"{profile.name} is at {format_address(profile)}.{telehealth}"


def answer_contact(profile: PracticeProfile) -> str:
    return (
        f"You can call {profile.name} at {profile.phone} during office hours "
        f"({format_hours(profile)}) or e-mail {profile.email}. We reply {profile.response_time}. "
        "Please don't send urgent messages by e-mail. In a mental health crisis, call or text 988; in an "
        "emergency, call 911."
    )


def answer_fees(profile: PracticeProfile) -> str:
    labels = {
        "consultation": "First consultation",
        "psychotherapy_session": "Psychotherapy",
        "kap_preparation_session": "KAP preparation and integration sessions",
        "kap_medicine_session": "KAP medicine sessions",
        "prescriber_evaluation": "Prescriber evaluation for KAP",
    }
    lines = [f"- {labels.get(key, key.replace('_', ' ').capitalize())}: {value}"
             for key, value in profile.fees.items()]
    return (
        "Our current fees:\n" + "\n".join(lines) + "\n"
        "If you're uninsured or paying yourself, you'll get a Good Faith Estimate of expected "
        "charges before care begins."
    )


def answer_insurance(profile: PracticeProfile) -> str:
    return profile.insurance_summary


def answer_service_area(profile: PracticeProfile) -> str:
    states = format_states(profile)
    ways = "in person or by video" if profile.telehealth else "in person"
    return (
        f"Our clinicians are licensed in {states}. We can see you {ways} when you are in {states} at the "
        "time of each session. What counts is where you are during the session, not where you live. If "
        "you'll be in another state for your sessions, a therapist licensed there is the right fit. The "
        "Psychology Today directory or your insurer can help you find one."
    )


def answer_telehealth(profile: PracticeProfile) -> str:
    states = format_states(profile)
    if not profile.telehealth:
        return (
            f"We don't offer telehealth right now: all sessions are in person at our office, "
            f"{format_address(profile)}. That includes KAP medicine sessions, where staff watch over you while "
            f"you take ketamine. Our clinicians are licensed in {states}. Questions? Call us at {profile.phone}."
        )
    return (
        "Yes, we offer therapy by secure video (telehealth). You need a private, quiet place, a device with a "
        f"camera and a steady internet connection. You must be in {states} during each video session, even "
        "when you travel, because that's where our clinicians are licensed. KAP medicine sessions are not done "
        "by video: they are in person at our office, where staff watch over you while you take ketamine. "
        "Would you like to see which states we serve, or book a consultation?"
    )


def answer_ages_seen(profile: PracticeProfile) -> str:
    ages = (f"{profile.minimum_age} and older" if profile.maximum_age is None
            else f"{profile.minimum_age} to {profile.maximum_age}")
    limit = " There is no upper age limit." if profile.maximum_age is None else ""
    return (
        f"We see adults aged {ages}, for both therapy and KAP.{limit} If you're looking for help for "
        f"someone younger than {profile.minimum_age}, their doctor or your insurance plan can suggest "
        f"a therapist who works with young people. Questions? Call us at {profile.phone}."
    )


def answer_cancellation_policy(profile: PracticeProfile) -> str:
    fee = (f"If you cancel later than that or miss the appointment, the fee is {profile.late_cancellation_fee}."
           if profile.late_cancellation_fee else
           "There is no fee, but telling us early lets us offer the time to someone else.")
    return (
        f"If you need to cancel or move an appointment, please tell us at least "
        f"{profile.cancellation_notice_hours} hours ahead. {fee} To cancel or reschedule, call "
        f"{profile.phone} or e-mail {profile.email}. Please don't cancel in this chat: it isn't "
        "monitored live."
    )


def answer_parking_accessibility(profile: PracticeProfile) -> str:
    telehealth = (" If getting here is hard, you can also meet your therapist by secure video (telehealth)."
                  if profile.telehealth else "")
    return (
        f"Our office is at {format_address(profile)}. {profile.parking} {profile.accessibility} "
        f"If you need any other accommodation, tell us when you book or call {profile.phone}.{telehealth}"
    )


def answer_languages_spoken(profile: PracticeProfile) -> str:
    languages = _join(profile.languages)
    return (
        f"Our clinicians hold sessions in {languages}. If you'd like therapy in another language, the "
        "Psychology Today directory lets you search for therapists by language. In a crisis, 988 "
        "helps in Spanish (press 2) and through interpreters in many other languages. For questions "
        f"about language support, call us at {profile.phone}."
    )


def answer_referral_needed(profile: PracticeProfile) -> str:
    needed = [service for service in ("therapy", "KAP") if profile.referral_needed[service.lower()]]
    free = [service for service in ("therapy", "KAP") if service not in needed]
    parts = []
    if free:
        parts.append(f"You don't need a referral to start {_join(free, 'or')} with us: you can contact us yourself.")
    if needed:
        parts.append(f"For {_join(needed)}, we need a referral from your doctor, psychiatrist or therapist.")
    parts.append("For KAP, the prescriber may also ask your current prescriber or doctor for records, with "
                 "your written permission.")
    parts.append("Some insurance plans want a referral before they pay you back, so check with yours.")
    parts.append(f"To check that a referral has reached us, or with other questions, call us at {profile.phone}.")
    return " ".join(parts)


def answer_kap_administration(profile: PracticeProfile) -> str:
    ways = _join(list(KAP_ROUTES.values()), "or")
    if profile.kap_administration:
        here = f"At {profile.name}, the prescriber gives it " + _join(
            [KAP_ROUTES[route] for route in profile.kap_administration], "or") + "."
    else:
        here = ("Which way suits you is up to the prescriber, who explains the options at your evaluation. "
                "If needles worry you, say so then.")
    return (
        f"Ketamine can be given in a few ways: {ways}. {here} Ketamine is a controlled medicine "
        "(Schedule III), and in KAP you take it during a medicine session where you are monitored. "
        f"Questions about doses are for the prescriber; you can reach our team at {profile.phone}."
    )


def answer_kap_candidacy(profile: PracticeProfile) -> str:
    """Who KAP may not suit, with the practice's ages (people ask "am I old enough / too old for KAP")."""
    ages = (f"adults aged {profile.minimum_age} and older, with no upper age limit" if profile.maximum_age is None
            else f"adults aged {profile.minimum_age} to {profile.maximum_age}")
    return (
        f"KAP isn't right for everyone, and the prescriber decides after a full evaluation. We offer it to "
        f"{ages}; at any age, your health matters more than the number. Some health conditions may rule it out "
        "or call for extra care. Examples are high blood pressure that isn't controlled, some heart or blood "
        "vessel conditions, a history of psychosis or mania, pregnancy or breastfeeding, and current problems "
        "with drugs or alcohol. Sharing your full health history openly helps the prescriber guide you. Would "
        "you like to book a consultation to talk about your situation?"
    )


def answer_kap_vs_other_ketamine(profile: PracticeProfile) -> str:
    spravato = (f"{profile.name} is a certified Spravato treatment center. You can ask about it at your "
                f"consultation, or call us at {profile.phone}." if profile.offers_spravato else
                f"{profile.name} doesn't offer Spravato, but your doctor can help you find a certified center. "
                f"To talk through your options, call us at {profile.phone}.")
    return (
        "KAP pairs ketamine with therapy before, during and after medicine sessions. Many IV ketamine clinics "
        "give ketamine without therapy. Spravato (esketamine) is a nasal spray that the FDA approved for two "
        "uses in adults:\n"
        "- depression that other antidepressants have not helped (treatment-resistant depression)\n"
        "- depression in adults with major depression who have suicidal thoughts or actions, along with an "
        "antidepressant pill\n"
        "It is given only in certified clinics (the Spravato REMS program), where staff watch you for at least "
        f"2 hours after each dose. {spravato}"
    )


def answer_talk_to_human(profile: PracticeProfile, now: Optional[datetime] = None) -> str:
    if is_open(profile, now):
        return (
            f"I'm an automated assistant, and this chat isn't watched live. Our team is in the "
            f"office now: call {profile.phone} to talk to a person, or e-mail {profile.email}."
        )
    opening = next_opening(profile, now)
    when = f" We open again {opening.strftime('%A')} at {_clock(opening.time())}." if opening else ""
    return (
        f"I'm an automated assistant, and this chat isn't watched live. The office is closed "
        f"right now.{when} You can leave a message at {profile.phone} or e-mail "
        f"{profile.email}, and we reply {profile.response_time}."
    )
