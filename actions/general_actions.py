"""Welcome and practice-logistics answers, all taken from the practice profile."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from clinic.domain import practice_profile as pp
from clinic.domain.buttons import (
    BOOK,
    CONTACT,
    FEES,
    FIRST_SESSION,
    HOURS,
    INSURANCE,
    KAP,
    KAP_COURSE,
    KAP_MEDICATIONS,
    KAP_ROUTE,
    KAP_SAFETY,
    KAP_VS_OTHER,
    LOCATION,
    SERVICE_AREA,
    TELEHEALTH,
    THERAPY,
)

# intent -> (answer builder, buttons that offer the next step); answered from the profile
PRACTICE_ANSWERS = {
    "ask_hours": (pp.answer_hours, [BOOK, CONTACT]),
    "ask_location": (pp.answer_location, [HOURS, BOOK]),
    "ask_contact": (pp.answer_contact, [HOURS, BOOK]),
    "ask_fees": (pp.answer_fees, [INSURANCE, BOOK]),
    "ask_insurance": (pp.answer_insurance, [FEES, BOOK]),
    "ask_service_area": (pp.answer_service_area, [TELEHEALTH, BOOK]),
    "ask_ages_seen": (pp.answer_ages_seen, [BOOK, CONTACT]),
    "ask_cancellation_policy": (pp.answer_cancellation_policy, [FEES, CONTACT]),
    "ask_parking_accessibility": (pp.answer_parking_accessibility, [LOCATION, TELEHEALTH]),
    "ask_languages_spoken": (pp.answer_languages_spoken, [CONTACT, BOOK]),
    "ask_referral_needed": (pp.answer_referral_needed, [INSURANCE, BOOK]),
    # Whether we offer video sessions, and that KAP medicine sessions are in person.
    "ask_telehealth": (pp.answer_telehealth, [SERVICE_AREA, FIRST_SESSION, BOOK]),
    # KAP answers that name what this practice does (routes, Spravato).
    "ask_kap_administration": (pp.answer_kap_administration, [KAP_COURSE, KAP_VS_OTHER, BOOK]),
    "ask_kap_vs_other_ketamine": (pp.answer_kap_vs_other_ketamine, [KAP, KAP_ROUTE, BOOK]),
    # Who KAP may not suit, with the practice's ages ("am I too old for ketamine?").
    "ask_kap_candidacy": (pp.answer_kap_candidacy, [BOOK, KAP_MEDICATIONS, KAP_SAFETY]),
    "talk_to_human": (pp.answer_talk_to_human, [HOURS, BOOK]),
}


class ActionWelcome(Action):
    def name(self) -> Text:
        return "action_welcome"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        profile = pp.current_profile()
        dispatcher.utter_message(
            text=(
                f"Hi, I'm the automated assistant for {profile.name}. I'm a computer program, "
                "not a therapist, and this chat isn't monitored live. If you're in crisis, call "
                "or text 988; in an emergency, call 911.\n"
                "I can answer questions about psychotherapy and ketamine-assisted psychotherapy "
                "(KAP) and about our practice, and help you get started. What would you like "
                "to know?"
            ),
            buttons=[THERAPY, KAP, FEES, BOOK],
        )
        return []


class ActionAnswerPracticeQuestion(Action):
    def name(self) -> Text:
        return "action_answer_practice_question"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        answer, buttons = PRACTICE_ANSWERS.get(intent, (pp.answer_contact, [HOURS, BOOK]))
        dispatcher.utter_message(text=answer(pp.current_profile()), buttons=buttons)
        return []
