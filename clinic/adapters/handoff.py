"""What staff receive, queued in the same transaction as the thing it reports; no Rasa imports.

Three notification types leave the assistant (see README "For staff"):
- intake_summary   when an intake is submitted (normal, or urgent after a crisis or urgent routing);
- crisis_alert     when the crisis protocol runs (always urgent); once per conversation and category
                   while the alert is open, plus one update when the risk rises, and one "unusual
                   volume" alert instead of a page each during a burst (clinic/adapters/alert_limits.py);
- callback_request when a visitor asks to talk to a person (urgent during business hours, when
                   someone can call back the same day; normal outside them); once per conversation
                   while open, and a few a day per phone number (clinic/adapters/alert_limits.py).

Each is written to the outbox (clinic/adapters/outbox.py) once per channel: the signed webhook always, and
an e-mail without PHI when STAFF_EMAIL_TO is set. The worker delivers them; nothing here waits on
the network, so a person in the chat never waits on a webhook.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic import settings
from clinic.adapters import alert_limits, intake_store, outbox
from clinic.adapters.intake_store import CONTACT_COLUMNS, Intake
from clinic.domain import handoff_summary, intake_flow
from clinic.domain.practice_profile import current_profile, is_open

logger = logging.getLogger(__name__)

CATEGORY_LABELS = {
    "self_harm": "possible risk of suicide or self-harm",
    "harm_others": "possible risk of harming someone else",
    "medical_emergency": "possible overdose or medical emergency",
    "danger_from_others": "in danger from someone else (violence, abuse, threats or a child at risk)",
    "not_safe": "said they are NOT safe right now",
}


def channels() -> tuple:
    """The webhook always (it stays queued until STAFF_WEBHOOK_URL is set); e-mail when configured."""
    return ("webhook", "email") if settings.raw(outbox.EMAIL_TO_ENV) else ("webhook",)


def intake_like(intake: Intake) -> Dict[str, Any]:
    """The plain columns of an intake, as handoff_summary.build_summary takes them."""
    return {
        "id": intake.id, "conversation_id": intake.conversation_id, "status": intake.status,
        "priority": intake.priority, "created_at": intake.created_at, "submitted_at": intake.submitted_at,
        "routing": intake.routing, "name": intake.name, "email": intake.email, "phone": intake.phone,
    }


def summary_of(intake: Intake, profile=None) -> Dict[str, Any]:
    """The staff handoff summary of a stored intake (decrypted; PHI)."""
    return handoff_summary.build_summary(intake_like(intake), intake.answers or {}, profile)


def _latest_intake(session: Session, conversation_id: str) -> Optional[Intake]:
    query = (select(Intake).where(Intake.conversation_id == conversation_id)
             .order_by(Intake.created_at.desc()).limit(1))
    return session.execute(query).scalar_one_or_none()


# --- intake_summary ---------------------------------------------------------------------------------

def intake_summary_payload(intake: Intake, profile=None) -> Dict[str, Any]:
    summary = summary_of(intake, profile)
    return {
        "intake_id": intake.id,
        "conversation_id": intake.conversation_id,
        "summary": summary,
        "text": handoff_summary.render_markdown(summary),
    }


def stored_scores(intake: Intake, profile, crisis: bool = False) -> Dict[str, Any]:
    """Totals, routing and priority from the intake's answers as stored (each one checked when the
    person gave it), never from the chat's slots: a caller could post any slots it likes. An intake
    already marked urgent (a crisis alert ran in this conversation) counts as a crisis."""
    return intake_flow.scores(intake.answers or {}, profile, crisis or intake.priority == "urgent")


def submit_intake(conversation_id: str, profile=None, crisis: bool = False) -> Intake:
    """Submits the conversation's open intake, scored from its stored answers (stored_scores), and
    queues exactly one intake_summary per channel in the same transaction: both are stored, or
    neither is. crisis: the crisis protocol ran in this conversation (it can only raise the priority)."""
    profile = profile if profile is not None else current_profile()

    def notify(session: Session, intake: Intake) -> None:
        payload = intake_summary_payload(intake, profile)
        outbox.enqueue(session, "intake_summary", payload["summary"]["priority"], payload, channels())

    return intake_store.submit_intake(conversation_id, lambda intake: stored_scores(intake, profile, crisis),
                                      on_submit=notify)


# --- crisis_alert -----------------------------------------------------------------------------------

def queue_crisis_alert(conversation_id: str, category: str, trigger: str,
                       known_contact: Optional[Mapping[str, Any]] = None,
                       detected_at: Optional[datetime] = None, about: Optional[str] = None) -> List[str]:
    """Queues an urgent crisis_alert (see record_crisis_alert); returns the new outbox ids, none
    when the trigger was counted into the conversation's open alert."""
    return record_crisis_alert(conversation_id, category, trigger, known_contact, detected_at, about).ids


def record_crisis_alert(conversation_id: str, category: str, trigger: str,
                        known_contact: Optional[Mapping[str, Any]] = None,
                        detected_at: Optional[datetime] = None,
                        about: Optional[str] = None) -> alert_limits.Outcome:
    """An urgent crisis_alert with whatever contact details are known (the chat's slots, then the
    conversation's stored intake, which is also marked urgent), opened, counted into the open alert
    or raised by alert_limits. `about`: the crisis category a "not_safe" answer belongs to."""
    contact = {field: str(value) for field, value in (known_contact or {}).items()
               if field in CONTACT_COLUMNS and value not in (None, "", handoff_summary.SKIPPED)}
    with intake_store.session_scope() as session:
        alert_limits.serialise(session)  # before the intake row is touched: one lock order
        intake = _latest_intake(session, conversation_id)
        if intake is not None:
            for field in CONTACT_COLUMNS:
                stored = getattr(intake, field)
                if field not in contact and stored not in (None, "", handoff_summary.SKIPPED):
                    contact[field] = stored
            if intake.priority != "urgent":
                intake.priority = "urgent"
                intake_store.audit(session, intake.id, "assistant", "priority:urgent")
        label = CATEGORY_LABELS.get(category, category)
        # Staff who read it later must know nobody was in the office to call back (staff_inbox shows it).
        try:
            after_hours = not is_open(current_profile(), detected_at)
        except Exception:  # noqa: BLE001 - a broken profile must never stop the alert
            after_hours = False
        known = ", ".join(f"{field} {value}" for field, value in contact.items()) or "no contact details given"
        payload = {
            "conversation_id": conversation_id,
            "category": category,
            "trigger": trigger,
            "detected_at": (detected_at or intake_store.utcnow()).isoformat(),
            "contact": contact,
            "intake_id": intake.id if intake is not None else None,
            "text": (f"URGENT: a chat visitor shows {label} (trigger: {trigger}). The assistant gave crisis "
                     f"resources (988, 911). Known contact: {known}. Conversation {conversation_id}."
                     + (" OUTSIDE OFFICE HOURS: the office was closed; the visitor was given 988, 911 and the "
                        "Crisis Text Line and told this chat is not monitored live." if after_hours else "")),
        }
        if after_hours:
            payload["outside_office_hours"] = True
        return alert_limits.record_crisis_alert(session, conversation_id, category, payload, channels(), about)


# --- callback_request -------------------------------------------------------------------------------

def queue_callback_request(conversation_id: str, phone: str, preferred_time: Optional[str],
                           name: Optional[str], during_hours: bool) -> List[str]:
    """Queues a callback_request (see record_callback_request); returns the new outbox ids."""
    return record_callback_request(conversation_id, phone, preferred_time, name, during_hours).ids


def record_callback_request(conversation_id: str, phone: str, preferred_time: Optional[str],
                            name: Optional[str], during_hours: bool) -> alert_limits.Outcome:
    """A callback_request: urgent during business hours (someone can call back today). A repeat in
    the same conversation is counted into the open request ("updated"), not sent again."""
    with intake_store.session_scope() as session:
        alert_limits.serialise(session)
        intake = _latest_intake(session, conversation_id)
        when = preferred_time or "as soon as possible (asked during office hours)"
        payload = {
            "conversation_id": conversation_id,
            "name": name or None,
            "phone": phone,
            "preferred_time": preferred_time or None,
            "requested_during_hours": during_hours,
            "intake_id": intake.id if intake is not None else None,
            "text": f"Callback requested: {name or 'a chat visitor'} at {phone}, {when}. "
                    f"Conversation {conversation_id}.",
        }
        return alert_limits.record_callback_request(session, conversation_id, phone,
                                                    "urgent" if during_hours else "normal", payload, channels())
