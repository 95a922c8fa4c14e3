"""The inbox's items: one per intake summary, crisis alert and callback request in the outbox, with
its work state (new, acknowledged, contacted, closed), who holds it, and every step audited.

An item is the notification's webhook row (every notification has one); the e-mail copy of the same
notification is found through it. Items are made lazily (sync) by whichever process needs them
first: the inbox reading its queue, or the outbox worker writing a link into an e-mail.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clinic.adapters import alert_limits, handoff, intake_store
from clinic.adapters.intake_store import Intake, session_scope, utcnow
from clinic.adapters.outbox import OutboxMessage
from staff_inbox import queue
from staff_inbox.models import ITEM_KINDS, InboxItem, actor

NOTE_LIMIT = 2000
QUEUE_LIMIT = 500  # newest items shown; older closed ones stay in the audit trail and the CLI


class ItemNotFound(LookupError):
    pass


REF = re.compile(r"[A-Za-z0-9_-]{22}")


def _find(session: Session, ref: str) -> InboxItem:
    """The item behind a ref from a URL; anything not shaped like a ref (a NUL byte, which
    PostgreSQL refuses in text) is not found without asking the database."""
    item = (session.execute(select(InboxItem).where(InboxItem.ref == ref)).scalar_one_or_none()
            if REF.fullmatch(ref or "") else None)
    if item is None:
        raise ItemNotFound(ref)
    return item


def new_ref() -> str:
    """22 URL-safe characters of randomness: what links carry instead of any stored id."""
    return secrets.token_urlsafe(16)


def _item_for(session: Session, message: OutboxMessage) -> InboxItem:
    payload = message.payload or {}
    intake_id = payload.get("intake_id")
    item = InboxItem(ref=new_ref(), notification_id=message.id, kind=message.type, priority=message.priority,
                     intake_id=intake_id if isinstance(intake_id, str) else None, created_at=message.created_at,
                     status="new", updated_at=utcnow())
    session.add(item)
    return item


def sync() -> int:
    """Makes an item for every webhook notification that has none; returns how many were made."""
    query = (select(OutboxMessage)
             .outerjoin(InboxItem, InboxItem.notification_id == OutboxMessage.id)
             .where(OutboxMessage.channel == "webhook", OutboxMessage.type.in_(ITEM_KINDS), InboxItem.id.is_(None)))
    for _attempt in range(3):  # another process may make the same item at the same moment: then read theirs
        try:
            with session_scope() as session:
                messages = session.execute(query).scalars().all()
                for message in messages:
                    _item_for(session, message)
                return len(messages)
        except IntegrityError:
            continue
    return 0


def primary_notification(session: Session, message: OutboxMessage) -> Optional[OutboxMessage]:
    """The webhook row of the notification this row is one channel of (itself for a webhook row)."""
    if message.channel == "webhook":
        return message
    query = select(OutboxMessage).where(OutboxMessage.channel == "webhook", OutboxMessage.type == message.type,
                                        OutboxMessage.created_at == message.created_at)
    query = query.where(OutboxMessage.group_key == message.group_key if message.group_key is not None
                        else OutboxMessage.group_key.is_(None))
    wanted = (message.payload or {}).get("intake_id")
    for candidate in session.execute(query).scalars():
        if (candidate.payload or {}).get("intake_id") == wanted:
            return candidate
    return None


def ref_for_notification(message: OutboxMessage) -> Optional[str]:
    """The item ref behind any channel's row of a notification, making the item when needed."""
    payload = message.payload or {}
    if payload.get("inbox_ref"):
        return payload["inbox_ref"]  # an escalation names the item it escalates
    if message.type not in ITEM_KINDS:
        return None
    for _attempt in range(3):
        try:
            with session_scope() as session:
                primary = primary_notification(session, message)
                if primary is None:
                    return None
                item = session.execute(select(InboxItem).where(InboxItem.notification_id == primary.id)).scalar()
                return (item or _item_for(session, primary)).ref
        except IntegrityError:
            continue
    return None


# --- Reading --------------------------------------------------------------------------------------

@dataclass
class Row:
    ref: str
    kind: str
    priority: str
    status: str
    assignee: Optional[str]
    created_at: datetime
    escalated_at: Optional[datetime]
    held: bool
    about: str  # who it is about, as far as the notification knows (PHI: shown to signed-in staff only)
    outside_hours: bool


KIND_LABELS = {"intake_summary": "Intake", "crisis_alert": "Crisis alert", "callback_request": "Callback request"}


def _about(kind: str, payload: Dict[str, Any]) -> str:
    if payload.get("volume_alert"):
        return f"Unusual volume: {payload.get('alert_count')} alerts"
    if kind == "intake_summary":
        name = ((payload.get("summary") or {}).get("contact") or {}).get("name")
        return name or "name not given"
    if kind == "callback_request":
        return payload.get("name") or "chat visitor"
    category = handoff.CATEGORY_LABELS.get(payload.get("category"), payload.get("category") or "crisis")
    name = (payload.get("contact") or {}).get("name")
    return f"{name or 'chat visitor'}: {category}"


def load_queue(*, kind: Optional[str] = None, status: Optional[str] = None, mine: Optional[str] = None,
               by: str) -> List[Row]:
    """The queue, urgent first then newest (open items before closed ones); the view is audited."""
    sync()
    query = (select(InboxItem, OutboxMessage).join(OutboxMessage, OutboxMessage.id == InboxItem.notification_id)
             .order_by(InboxItem.created_at.desc()).limit(QUEUE_LIMIT))
    rows = []
    with session_scope() as session:
        for item, message in session.execute(query).all():
            if not queue.matches(item.kind, item.status, item.assignee, kind=kind, status=status, mine=mine):
                continue
            payload = message.payload or {}
            rows.append(Row(item.ref, item.kind, item.priority, item.status, item.assignee, item.created_at,
                            item.escalated_at, message.status == "held", _about(item.kind, payload),
                            bool(payload.get("outside_office_hours"))))
        intake_store.audit(session, None, actor(by), "inbox:queue_viewed")
    return queue.ordered(rows)


@dataclass
class Detail:
    item: InboxItem
    payload: Dict[str, Any]
    held: bool
    summary: Optional[Dict[str, Any]]  # the intake's handoff summary, when the item has an intake
    notification_id: str


def _intake(session: Session, intake_id: Optional[str]) -> Optional[Intake]:
    return session.get(Intake, intake_id) if intake_id else None


def load_item(ref: str, by: str, *, audit_action: str = "viewed") -> Detail:
    """One item with its notification and intake summary (PHI); the view is audited first."""
    with session_scope() as session:
        item = _find(session, ref)
        message = session.get(OutboxMessage, item.notification_id)
        intake = _intake(session, item.intake_id)
        summary = handoff.summary_of(intake) if intake is not None else None
        intake_store.audit(session, intake.id if intake else None, actor(by), f"inbox:{audit_action}:{item.ref}")
        session.expunge(item)
        return Detail(item, dict(message.payload or {}), message.status == "held", summary, message.id)


# --- Working an item ------------------------------------------------------------------------------

ACTIONS = ("acknowledge", "assign", "contacted", "close")


def act(ref: str, action: str, by: str, note: str = "", now: Optional[datetime] = None) -> InboxItem:
    """acknowledge, assign (to `by`), contacted, or close (a note is required). Moves the intake's own
    status along (contacted, closed) and closes an open alert so its next trigger pages again."""
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
    note = (note or "").strip()
    if action == "close" and not note:
        raise ValueError("Write a short note on how it was resolved before closing.")
    if len(note) > NOTE_LIMIT:
        raise ValueError(f"The note is longer than {NOTE_LIMIT} characters.")
    now = now or utcnow()
    who = actor(by)
    with session_scope() as session:
        item = _find(session, ref)
        intake = _intake(session, item.intake_id)
        if item.acknowledged_at is None:
            item.acknowledged_at, item.acknowledged_by = now, by
        if action == "acknowledge" and item.status == "new":
            item.status = "acknowledged"
        elif action == "assign":
            item.assignee = by
            if item.status == "new":
                item.status = "acknowledged"
        elif action == "contacted":
            item.status, item.contacted_at = "contacted", now
            if item.kind == "intake_summary" and intake is not None and intake.status != "contacted":
                intake.status, intake.updated_at = "contacted", now
                intake_store.audit(session, intake.id, who, "status:contacted")
        elif action == "close":
            item.status, item.closed_at, item.closed_by, item.close_note = "closed", now, by, note
            if item.kind == "intake_summary" and intake is not None and intake.status != "closed":
                intake.status, intake.updated_at = "closed", now
                intake_store.audit(session, intake.id, who, "status:closed")
            if item.kind != "intake_summary":
                alert_limits.close_alert(session, item.notification_id, who, now)
        item.updated_at = now
        intake_store.audit(session, intake.id if intake else None, who, f"inbox:{action}:{item.ref}")
        session.flush()
        session.expunge(item)
        return item


def audit_trail(limit: int = 300) -> List[intake_store.AuditEvent]:
    """The newest audit events (who did what, when; never a value)."""
    with session_scope() as session:
        query = select(intake_store.AuditEvent).order_by(intake_store.AuditEvent.at.desc(),
                                                        intake_store.AuditEvent.id.desc()).limit(limit)
        return list(session.execute(query).scalars())


def open_items_due_for_escalation(session: Session):
    """Unacknowledged, unescalated, paged (not held) crisis alerts and callback requests."""
    query = (select(InboxItem).join(OutboxMessage, OutboxMessage.id == InboxItem.notification_id)
             .where(and_(InboxItem.status == "new", InboxItem.escalated_at.is_(None),
                         OutboxMessage.status != "held",
                         InboxItem.kind.in_(("crisis_alert", "callback_request")))))
    return [item for item in session.execute(query).scalars() if queue.escalates(item.kind, item.priority)]
