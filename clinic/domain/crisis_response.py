"""Texts of the crisis protocol, built from the practice profile; no Rasa imports."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from clinic.domain import crisis_phrases
from clinic.domain.practice_profile import PracticeProfile, is_open

SAFE_BUTTONS = [
    {"title": "Yes, I'm safe right now", "payload": "/affirm"},
    {"title": "No, I'm not safe", "payload": "/deny"},
]
SAFE_BUTTONS_ES = [
    {"title": "Sí, estoy a salvo ahora", "payload": "/affirm"},
    {"title": "No, no estoy a salvo", "payload": "/deny"},
]


def safe_buttons(language: str = "en"):
    return SAFE_BUTTONS_ES if language == "es" else SAFE_BUTTONS


CHECK_IN_BUTTONS = [
    {"title": "Yes", "payload": "/affirm"},
    {"title": "No", "payload": "/deny"},
    {"title": "Not sure", "payload": "/unsure"},
]
CHECK_IN_BUTTONS_ES = [
    {"title": "Sí", "payload": "/affirm"},
    {"title": "No", "payload": "/deny"},
    {"title": "No estoy seguro/a", "payload": "/unsure"},
]


def check_in_message(profile: PracticeProfile, language: str = "en",
                     category: str = crisis_phrases.SELF_HARM) -> str:
    """The direct question asked when risk is uncertain (as the ASQ asks it), fitting the kind of
    risk that may be there, with the line to call for that kind in the same message."""
    c = profile.crisis
    lifeline = c.get("lifeline", "988")
    emergency = c.get("emergency", "911")
    poison = c.get("poison_control", "1-800-222-1222")
    hotline = c.get("domestic_violence", "1-800-799-7233")
    if language == "es":
        question = {
            crisis_phrases.DANGER_FROM_OTHERS:
                "¿alguien te está lastimando o amenazando, o hay un niño o una niña en peligro? Si estás en "
                f"peligro ahora, llama al {emergency}. La Línea Nacional sobre la Violencia Doméstica "
                f"({hotline}, hablan español) atiende las 24 horas.",
            crisis_phrases.MEDICAL_EMERGENCY:
                "¿alguien tiene una emergencia médica ahora, por ejemplo por tomar demasiado de un medicamento "
                f"o sustancia? Si es así, llama al {emergency} ahora, o a Control de Envenenamientos al {poison}.",
            crisis_phrases.HARM_OTHERS:
                "¿estás pensando en lastimar a otra persona? Si alguien está en peligro ahora, llama al "
                f"{emergency}. Para hablar con un consejero en español, llama al 988 y marca 2.",
        }.get(category, "¿estás pensando en quitarte la vida o en hacerte daño? Si quieres hablar con alguien "
                        "ahora, llama al 988 y marca 2, o envía AYUDA por mensaje de texto al 988. En una "
                        f"emergencia, llama al {emergency}.")
        return "Quiero asegurarme de entenderte bien: " + question
    question = {
        crisis_phrases.DANGER_FROM_OTHERS:
            "is someone hurting you, threatening you or keeping you from leaving, or is a child at risk? If "
            f"you are in danger right now, call {emergency}. The National Domestic Violence Hotline is there "
            f"any time: call {hotline} or {c.get('domestic_violence_text', 'text START to 88788')}.",
        crisis_phrases.MEDICAL_EMERGENCY:
            "is someone having a medical emergency right now, for example after taking too much of a "
            f"medicine or substance? If so, call {emergency} now, or call Poison Control at {poison}.",
        crisis_phrases.HARM_OTHERS:
            "are you having thoughts of hurting someone else? If anyone is in danger right now, call "
            f"{emergency}. To talk it through with a counselor, call or text {lifeline} any time.",
    }.get(category, "are you having thoughts of ending your life or hurting yourself? If you want to talk to "
                    f"someone now, call or text {lifeline} any time, or call {emergency} in an emergency.")
    return "I want to check I understood you: " + question


def check_in_no_message(profile: PracticeProfile, language: str = "en",
                        category: str = crisis_phrases.SELF_HARM) -> str:
    """The answer to "no": thanks, and the line that fits the kind of risk that was asked about."""
    c = profile.crisis
    lifeline = c.get("lifeline", "988")
    emergency = c.get("emergency", "911")
    if language == "es":
        line = {
            crisis_phrases.DANGER_FROM_OTHERS:
                f"llama al {emergency} en una emergencia, o a la Línea Nacional sobre la Violencia Doméstica al "
                f"{c.get('domestic_violence', '1-800-799-7233')}",
            crisis_phrases.MEDICAL_EMERGENCY: f"llama al {emergency}",
        }.get(category, "llama al 988 y marca 2, o envía AYUDA al 988")
        return f"Gracias por decírmelo. Si eso cambia, {line}, a cualquier hora."
    line = {
        crisis_phrases.DANGER_FROM_OTHERS:
            f"call {emergency} in an emergency, or the National Domestic Violence Hotline at "
            f"{c.get('domestic_violence', '1-800-799-7233')}",
        crisis_phrases.MEDICAL_EMERGENCY:
            f"call {emergency}, or Poison Control at {c.get('poison_control', '1-800-222-1222')}",
    }.get(category, f"call or text {lifeline}")
    return f"Thank you for telling me. If that changes, you can {line} any time."


def _closing(alerted: bool, question: str = "Are you safe right now?") -> str:
    # Truthful either way: staff get an urgent alert when it could be queued, and nobody reads
    # the chat live.
    if alerted:
        return (f"I'm an automated assistant and nobody watches this chat live. I've alerted our team, "
                f"but please contact one of these now. {question}")
    return f"I'm an automated assistant and can't call for help myself. {question}"


def _practice_line(profile: PracticeProfile, now: Optional[datetime]) -> str:
    # The practice's phone only helps while someone is there to answer it.
    if is_open(profile, now):
        return f"\n- Our office is open now: you can also call us at {profile.phone}."
    return ""


def crisis_message(category: str, profile: PracticeProfile, now: Optional[datetime] = None,
                   language: str = "en", alerted: bool = False) -> str:
    if language == "es":
        return crisis_message_es(category, profile, alerted)
    c = profile.crisis
    lifeline = c.get("lifeline", "988")
    emergency = c.get("emergency", "911")
    text_line = c.get("crisis_text_line", "text HOME to 741741")
    poison = c.get("poison_control", "1-800-222-1222")
    practice = _practice_line(profile, now)
    if category == crisis_phrases.MEDICAL_EMERGENCY:
        return (
            f"This may be a medical emergency. Please call {emergency} now.\n"
            f"- If someone may have taken too much of a medicine or substance, you can also "
            f"call Poison Control at {poison}.\n"
            f"- If anyone is unconscious or not breathing, call {emergency} right away and "
            f"follow the dispatcher's instructions.\n"
            f"- If thoughts of suicide are part of this, call or text {lifeline}."
            f"{practice}\n\n"
            + _closing(alerted)
        )
    if category == crisis_phrases.DANGER_FROM_OTHERS:
        return (
            "I'm so sorry this is happening. You deserve to be safe.\n"
            f"- If you are in immediate danger, call {emergency}.\n"
            f"- National Domestic Violence Hotline: call {c.get('domestic_violence', '1-800-799-7233')} or "
            f"{c.get('domestic_violence_text', 'text START to 88788')}, any time. They can help you plan "
            "how to stay safe.\n"
            f"- If a child is being hurt or is at risk, call Childhelp at {c.get('childhelp', '1-800-422-4453')}.\n"
            f"- If you are having thoughts of harming yourself, call or text {lifeline}."
            f"{practice}\n\n"
            + _closing(alerted)
        )
    if category == crisis_phrases.HARM_OTHERS:
        return (
            "Thank you for telling me. Feelings like this can be overwhelming, and you "
            "deserve support.\n"
            f"- If you might act on them or anyone is in danger right now, call {emergency}.\n"
            f"- To talk it through with a trained counselor, call or text {lifeline} "
            f"(or chat at 988lifeline.org), any time.\n"
            f"- You can also {text_line} (Crisis Text Line)."
            f"{practice}\n\n"
            + _closing(alerted, "Are you and the people around you safe right now?")
        )
    return (
        "I'm really sorry you're going through this, and I'm glad you told me. "
        "You deserve support right now.\n"
        f"- Call or text {lifeline} (Suicide & Crisis Lifeline), or chat at "
        "988lifeline.org. It's free and open 24/7.\n"
        f"- If you're in immediate danger, call {emergency}.\n"
        f"- You can also {text_line} (Crisis Text Line)."
        f"{practice}\n\n"
        + _closing(alerted)
    )


def crisis_message_es(category: str, profile: PracticeProfile, alerted: bool = False) -> str:
    """The crisis answer in Spanish (988 in Spanish: call and press 2, text AYUDA, chat online)."""
    c = profile.crisis
    emergency = c.get("emergency", "911")
    poison = c.get("poison_control", "1-800-222-1222")
    closing = ("Soy un asistente automático y nadie lee este chat en vivo. "
               + ("Ya avisé a nuestro equipo, pero por favor comunícate ahora con uno de estos servicios. "
                  if alerted else "")
               + "¿Estás a salvo ahora mismo?")
    if category == crisis_phrases.MEDICAL_EMERGENCY:
        lines = [f"Esto puede ser una emergencia médica. Llama al {emergency} ahora.",
                 f"- Si alguien tomó demasiado de un medicamento o sustancia, también puedes llamar a "
                 f"Control de Envenenamientos (Poison Control) al {poison}. Tienen intérpretes.",
                 f"- Si alguien no respira o no despierta, llama al {emergency} de inmediato."]
    elif category == crisis_phrases.DANGER_FROM_OTHERS:
        lines = ["Siento mucho que esto esté pasando. Mereces estar a salvo.",
                 f"- Si estás en peligro inmediato, llama al {emergency}.",
                 f"- Línea Nacional sobre la Violencia Doméstica: {c.get('domestic_violence', '1-800-799-7233')} "
                 "(hablan español), las 24 horas.",
                 "- Si un niño o una niña está en peligro, llama a Childhelp al "
                 f"{c.get('childhelp', '1-800-422-4453')}."]
    elif category == crisis_phrases.HARM_OTHERS:
        lines = ["Gracias por decírmelo. Estos sentimientos pueden ser muy fuertes.",
                 f"- Si podrías actuar o alguien está en peligro ahora, llama al {emergency}.",
                 "- Para hablar con un consejero en español, llama al 988 y marca 2, o envía AYUDA por "
                 "mensaje de texto al 988."]
    else:
        lines = ["Siento mucho que estés pasando por esto, y me alegra que me lo hayas dicho.",
                 "- Llama al 988 y marca 2 para hablar en español, o envía la palabra AYUDA por mensaje de "
                 "texto al 988. También puedes chatear en español en 988lifeline.org. Es gratis, las 24 horas.",
                 f"- Si estás en peligro inmediato, llama al {emergency}."]
    return "\n".join(lines) + "\n\n" + closing


def safe_now_message(profile: PracticeProfile) -> str:
    lifeline = profile.crisis.get("lifeline", "988")
    emergency = profile.crisis.get("emergency", "911")
    return (
        f"I'm glad you're safe right now. Help is there any time, day or night: call or text "
        f"{lifeline}, or call {emergency} in an emergency. Would you like someone from our "
        "team to get in touch, or can I help with something else?"
    )


def not_safe_message(profile: PracticeProfile, category: str = crisis_phrases.SELF_HARM,
                     language: str = "en") -> str:
    """The answer to "no, I'm not safe": what to do now, fitting the kind of crisis."""
    c = profile.crisis
    lifeline = c.get("lifeline", "988")
    emergency = c.get("emergency", "911")
    if language == "es":
        return {
            crisis_phrases.MEDICAL_EMERGENCY:
                f"Por favor llama al {emergency} ahora. Si alguien tomó demasiado de algo, Control de "
                f"Envenenamientos: {c.get('poison_control', '1-800-222-1222')}.",
            crisis_phrases.DANGER_FROM_OTHERS:
                f"Por favor llama al {emergency} ahora si puedes hacerlo sin peligro. Si puedes, ve a un lugar "
                "seguro o con alguien de confianza.",
            crisis_phrases.HARM_OTHERS:
                "Por favor aléjate de la persona y de cualquier cosa que pueda lastimar, y llama al "
                f"{emergency} ahora.",
        }.get(category, f"Por favor llama al {emergency} ahora, o llama al 988 y marca 2 para hablar en español. "
                        "Si puedes, quédate con alguien de confianza y aléjate de cualquier cosa con la que "
                        "puedas lastimarte.") + " Nadie lee este chat en vivo."
    if category == crisis_phrases.MEDICAL_EMERGENCY:
        return (f"Please call {emergency} now. If someone took too much of a medicine or substance, Poison "
                f"Control ({c.get('poison_control', '1-800-222-1222')}) can also tell you what to do while help "
                "comes. Stay with the person if you can. Nobody watches this chat live, so please call now.")
    if category == crisis_phrases.DANGER_FROM_OTHERS:
        return (f"Please call {emergency} now if you can do it safely. If you can, go to a safe place or to "
                "someone you trust. When you can talk, the National Domestic Violence Hotline "
                f"({c.get('domestic_violence', '1-800-799-7233')}, or "
                f"{c.get('domestic_violence_text', 'text START to 88788')}) can help you plan. Nobody watches "
                "this chat live, so please reach out to them now.")
    if category == crisis_phrases.HARM_OTHERS:
        return (f"Thank you for telling me. Please step away from the person and from anything that could be "
                f"used to hurt someone, and call {emergency} now. To talk it through, call or text {lifeline}. "
                "Nobody watches this chat live, so please call now.")
    return (
        f"Thank you for telling me. Please call {emergency} now, or call or text {lifeline} "
        "to talk with a counselor right away. If you can, stay with someone you trust or ask "
        "them to come to you, and move away from anything you could use to hurt yourself. "
        "Nobody watches this chat live, so please reach out to them now."
    )
