"""Escalation: a crisis alert or urgent callback request nobody acknowledged within ESCALATION_MINUTES
of office hours is sent once more, to the escalation contacts, through the outbox (retries, PHI-free).

It runs in the inbox process (staff_inbox/server.py), every ESCALATION_POLL_SECONDS. Several inbox
processes may run it at once: an item is claimed by one conditional UPDATE, so it escalates once.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone
from typing import List, Optional, Tuple

from sqlalchemy import func, select, update

from clinic import settings
from clinic.adapters import intake_store, outbox
from clinic.adapters.intake_store import session_scope, utcnow
from clinic.adapters.outbox import OutboxMessage
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


ESCALATION_CHANNELS = ("esc_webhook", "esc_email")


def _last_page(session) -> Optional[datetime]:
    """When the escalation contacts were last paged (the outbox rows of their channels)."""
    query = select(func.max(OutboxMessage.created_at)).where(OutboxMessage.channel.in_(ESCALATION_CHANNELS))
    last = session.execute(query).scalar()
    return last.replace(tzinfo=timezone.utc) if last is not None and last.tzinfo is None else last


def _page(session, due: List[Tuple[str, str, str, Optional[str]]], minutes: float, to: List[str]) -> None:
    """One PHI-free page for everything due in this round: one item links to itself, several to the queue."""
    base = (settings.raw("INBOX_BASE_URL") or "").strip().rstrip("/")
    if len(due) == 1:
        [(ref, kind, notification_id, _intake)] = due
        outbox.enqueue(session, kind, "urgent", {
            "escalation": True, "escalates": notification_id, "inbox_ref": ref, "minutes": minutes,
            "link": f"{base}/items/{ref}" if base else None,
            "text": f"Nobody acknowledged this {kind.replace('_', ' ')} within {minutes:g} minutes of "
                    "office hours. Open it in the staff inbox."}, to)
        return
    kind = "crisis_alert" if any(k == "crisis_alert" for _r, k, _n, _i in due) else due[0][1]
    outbox.enqueue(session, kind, "urgent", {
        "escalation": True, "count": len(due), "inbox_refs": [ref for ref, *_rest in due], "minutes": minutes,
        "link": f"{base}/?status=new" if base else None,
        "text": f"Nobody acknowledged {len(due)} urgent items within {minutes:g} minutes of office hours. "
                "Open the staff inbox's queue."}, to)


def check(now: Optional[datetime] = None) -> List[str]:
    """Escalates every due item once, in ONE page per round; returns their refs.

    A flood must not page the escalation contacts a hundred times: after a page, the next one waits
    until ALERT_BURST_MINUTES have passed and then carries everything that fell due meanwhile (the
    contacts were just told to open the inbox, whose queue shows every item). Items wait unclaimed
    until their page can go, so none is marked escalated without a page."""
    now = now or utcnow()
    minutes = settings.get("ESCALATION_MINUTES")
    quiet = timedelta(minutes=settings.get("ALERT_BURST_MINUTES"))
    profile = current_profile()
    to = channels()
    items.sync()
    escalated: List[Tuple[str, str, str, Optional[str]]] = []
    # One transaction: the items are claimed (a conditional UPDATE each, so several inbox processes
    # escalate an item once) and paged together, or not at all.
    with session_scope() as session:
        due = [item for item in items.open_items_due_for_escalation(session)
               if (when := queue.escalation_due(item.created_at, minutes, profile.hours, profile.tz)) is not None
               and when <= now]
        if not due:
            return []
        last = _last_page(session) if to else None
        if last is not None and now - last < quiet:
            logger.warning("%d inbox item(s) due for escalation wait until %s: the escalation contacts were "
                           "paged %s ago", len(due), (last + quiet).isoformat(timespec="seconds"), now - last)
            return []
        for item in sorted(due, key=lambda row: row.created_at):
            claimed = session.execute(
                update(InboxItem).where(InboxItem.id == item.id, InboxItem.escalated_at.is_(None),
                                        InboxItem.status == "new")
                .values(escalated_at=now).execution_options(synchronize_session=False)).rowcount
            if claimed != 1:
                continue  # acknowledged meanwhile, or another process escalated it
            escalated.append((item.ref, item.kind, item.notification_id, item.intake_id))
            has_intake = item.intake_id and session.get(intake_store.Intake, item.intake_id) is not None
            intake_store.audit(session, item.intake_id if has_intake else None, ACTOR, f"inbox:escalated:{item.ref}")
        if escalated and to:
            # References only: the escalation contacts are not approved for PHI.
            _page(session, escalated, minutes, to)
        elif escalated:
            logger.warning("%d inbox item(s) due for escalation but ESCALATION_EMAIL_TO and ESCALATION_WEBHOOK_URL "
                           "are unset: they are only marked escalated in the queue", len(escalated))
    for ref, kind, *_rest in escalated:
        logger.warning("Escalated inbox item %s (%s): not acknowledged in time", ref, kind)
    return [ref for ref, *_rest in escalated]


def run(stop_event: threading.Event, interval: Optional[float] = None) -> None:
    """Checks until stop_event is set (a daemon thread of the inbox process). Never raises."""
    interval = interval or settings.get("ESCALATION_POLL_SECONDS")
    while not stop_event.is_set():
        try:
            check()
        except Exception as error:  # noqa: BLE001 - the database may be briefly away; try again next round
            logger.error("Escalation check failed (%s); retrying in %.1f s", type(error).__name__, interval)
        stop_event.wait(interval)
