"""Escalation: a crisis alert or urgent callback request nobody acknowledged within ESCALATION_MINUTES
of office hours is sent once more, to the escalation contacts, through the outbox (retries, PHI-free).

It runs in the inbox process (staff_inbox/server.py), every ESCALATION_POLL_SECONDS. Several inbox
processes may run it at once: an item is claimed by one conditional UPDATE, so it escalates once.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import List, Optional

from sqlalchemy import update

from clinic import settings
from clinic.adapters import intake_store, outbox
from clinic.adapters.intake_store import session_scope, utcnow
from clinic.domain.practice_profile import current_profile
from staff_inbox import items, queue
from staff_inbox.models import InboxItem

logger = logging.getLogger(__name__)
ACTOR = "system:escalation"


def channels() -> List[str]:
    found = []
    if settings.raw(outbox.ESCALATION_WEBHOOK_ENV):
        found.append("esc_webhook")
    if settings.raw(outbox.ESCALATION_EMAIL_TO_ENV):
        found.append("esc_email")
    return found


def check(now: Optional[datetime] = None) -> List[str]:
    """Escalates every due item once; returns their refs."""
    now = now or utcnow()
    minutes = settings.get("ESCALATION_MINUTES")
    profile = current_profile()
    items.sync()
    escalated = []
    with session_scope() as session:
        due = [item for item in items.open_items_due_for_escalation(session)
               if (when := queue.escalation_due(item.created_at, minutes, profile.hours, profile.tz)) is not None
               and when <= now]
        targets = [(item.id, item.ref, item.kind, item.notification_id, item.intake_id) for item in due]
    for item_id, ref, kind, notification_id, intake_id in targets:
        with session_scope() as session:
            claimed = session.execute(
                update(InboxItem).where(InboxItem.id == item_id, InboxItem.escalated_at.is_(None),
                                        InboxItem.status == "new")
                .values(escalated_at=now).execution_options(synchronize_session=False)).rowcount
            if claimed != 1:
                continue  # acknowledged meanwhile, or another process escalated it
            to = channels()
            if to:
                # References only: the escalation contacts are not approved for PHI.
                base = (settings.raw("INBOX_BASE_URL") or "").strip().rstrip("/")
                outbox.enqueue(session, kind, "urgent", {
                    "escalation": True, "escalates": notification_id, "inbox_ref": ref, "minutes": minutes,
                    "link": f"{base}/items/{ref}" if base else None,
                    "text": f"Nobody acknowledged this {kind.replace('_', ' ')} within {minutes:g} minutes of "
                            "office hours. Open it in the staff inbox."}, to)
            else:
                logger.warning("Item %s is due for escalation but ESCALATION_EMAIL_TO and ESCALATION_WEBHOOK_URL "
                               "are unset: it is only marked escalated in the queue", ref)
            has_intake = intake_id and session.get(intake_store.Intake, intake_id) is not None
            intake_store.audit(session, intake_id if has_intake else None, ACTOR, f"inbox:escalated:{ref}")
        escalated.append(ref)
        logger.warning("Escalated inbox item %s (%s): not acknowledged in time", ref, kind)
    return escalated


def run(stop_event: threading.Event, interval: Optional[float] = None) -> None:
    """Checks until stop_event is set (a daemon thread of the inbox process). Never raises."""
    interval = interval or settings.get("ESCALATION_POLL_SECONDS")
    while not stop_event.is_set():
        try:
            check()
        except Exception as error:  # noqa: BLE001 - the database may be briefly away; try again next round
            logger.error("Escalation check failed (%s); retrying in %.1f s", type(error).__name__, interval)
        stop_event.wait(interval)
