"""Human-readable names of the intents, for "did you mean" buttons; no Rasa imports."""

TOPIC_LABELS = {
    "greet": "Say hello",
    "goodbye": "Say goodbye",
    "thank": "Say thanks",
    "bot_challenge": "Am I talking to a bot?",
    "ask_capabilities": "What can you help with?",
    "ask_medical_advice": "Questions about my medication or diagnosis",
    "talk_to_human": "Talk to a person",
    "share_feelings": "I'd like support with how I feel",
    "crisis": "I need urgent help",
    "crisis_harm_others": "I need urgent help",
    "crisis_medical_emergency": "This is a medical emergency",
    "crisis_danger_from_others": "Someone is hurting or threatening me",
    "ask_psychotherapy_what_is": "What psychotherapy is",
    "ask_therapeutic_alliance": "The relationship with my therapist",
    "ask_therapy_approaches": "Therapy approaches",
    "ask_approach_cbt": "CBT",
    "ask_approach_psychodynamic": "Psychodynamic therapy",
    "ask_approach_humanistic": "Humanistic therapy",
    "ask_approach_mindfulness": "Mindfulness-based therapy",
    "ask_choose_approach": "Choosing an approach",
    "ask_self_exploration": "Self-exploration and insight",
    "ask_coping_skills": "Coping skills",
    "ask_confidentiality": "Confidentiality",
    "ask_first_session": "The first session",
    "ask_session_length": "Session length and frequency",
    "ask_therapy_duration": "How long therapy takes",
    "ask_telehealth": "Telehealth (video sessions)",
    "ask_grief": "Grief and loss",
    "ask_therapy_formats": "Couples, family and group therapy",
    "ask_substance_use": "Help with alcohol or drug use",
    "ask_credentials": "What therapists' titles mean",
    "ask_trauma_pacing": "Going at my own pace with trauma",
    "ask_crying_in_session": "Crying in a session",
    "ask_therapist_directiveness": "Advice and homework in therapy",
    "ask_therapy_evidence": "Does therapy work?",
    "ask_kap_what_is": "What KAP is",
    "ask_kap_conditions": "What KAP may help",
    "ask_kap_process": "How a KAP course runs",
    "ask_kap_experience": "What KAP feels like",
    "ask_kap_safety": "KAP safety and side effects",
    "ask_kap_candidacy": "Who KAP may not suit",
    "ask_kap_session_count": "Number of KAP sessions",
    "ask_kap_driving": "Driving after a KAP session",
    "ask_kap_preparation": "Preparing for a KAP session",
    "ask_kap_misuse": "Ketamine misuse risk",
    "ask_kap_medications": "KAP and my medications",
    "ask_kap_cost": "KAP cost and insurance",
    "ask_kap_administration": "How ketamine is given",
    "ask_kap_vs_other_ketamine": "KAP vs. ketamine clinics and Spravato",
    "ask_kap_session_duration": "How long a medicine session takes",
    "ask_kap_onset": "How soon KAP may help",
    "ask_kap_alcohol": "Alcohol and KAP",
    "ask_kap_referral": "Referral for KAP",
    "ask_hours": "Office hours",
    "ask_location": "Location",
    "ask_contact": "Contact details",
    "ask_fees": "Fees",
    "ask_insurance": "Insurance",
    "ask_service_area": "States we serve",
    "ask_ages_seen": "Ages we see",
    "ask_cancellation_policy": "Cancellation policy",
    "ask_parking_accessibility": "Parking and accessibility",
    "ask_languages_spoken": "Languages we offer",
    "ask_referral_needed": "Do I need a referral?",
    "book_consultation": "Book a consultation",
    "stop_intake": "Pause the intake",
    "resume_intake": "Continue my intake",
}

# Never offered as a guess: answering "yes" to them means nothing on its own.
NOT_SUGGESTED = {"affirm", "deny", "unsure", "risk_check_in", "everyday_remark", "out_of_scope", "nlu_fallback",
                 "greet", "goodbye", "thank"}


def did_you_mean_options(ranking, limit: int = 3):
    """The likeliest topics from an NLU intent ranking, as (intent, label) pairs."""
    options, seen_labels = [], set()
    for entry in ranking or []:
        name = entry.get("name")
        label = TOPIC_LABELS.get(name)
        if not label or name in NOT_SUGGESTED or label in seen_labels:
            continue
        options.append((name, label))
        seen_labels.add(label)
        if len(options) == limit:
            break
    return options
