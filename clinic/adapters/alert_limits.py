"""No alert floods: what pages staff, and what is only recorded for them. No Rasa imports.

Staff who get 400 pages stop reading them, so urgent notifications are merged and limited here,
in the caller's transaction (clinic/adapters/handoff.py), before they reach the outbox worker:

1. One open alert per conversation and crisis category. A later trigger of the same conversation
   and category counts into the open alert (occurrences, last_seen_at, highest risk_level) and does
   not page. A trigger that RAISES the risk (the answer "not safe" after a crisis alert) queues
   exactly one update at once (its own key per risk level). A different category is its own alert.
2. A burst: when ALERT_BURST_LIMIT urgent crisis alerts were queued in the last ALERT_BURST_MINUTES
   (from any conversations), further ones are stored as "held" (never lost, listed by the staff
   command line) and staff get ONE crisis_alert with "volume_alert": true saying how many.
3. Callback requests: one open request per conversation; a repeat is counted into it and the
   visitor is told it is already with the team. At most CALLBACK_MAX_PER_NUMBER_PER_DAY requests
   per phone number in 24 hours page staff; more are held.

When an alert stops being open (its dedup_key is cleared, so the next trigger pages again):
- staff mark it handled: `python -m clinic.entrypoints.staff handled ID` (closes its updates too); or
- nothing triggered it for ALERT_REPEAT_WINDOW_MINUTES (the volume alert: ALERT_BURST_MINUTES), or
  a callback request was made CALLBACK_REPEAT_HOURS ago; closed lazily by the next trigger, which
  then pages again (closed_by "system:quiet").

The guarantee across several Rasa/action servers and outbox workers is the database's: a unique
index on (dedup_key, channel), and INSERT ... ON CONFLICT DO NOTHING. On PostgreSQL a transaction
advisory lock also serialises the counting, so a burst limit is exact; SQLite has one writer anyway.
Keys are keyed hashes (the conversation id is a session credential, a phone number is PHI), derived
from the newest INTAKE_ENCRYPTION_KEY: after a key rotation an alert open at the time may page once more.

Limits change paging only. The crisis answer in the chat never waits on or depends on them; a held
alert stays held after the burst (staff were told where to read it), it is not paged late.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Dict, List, Mapping, Optional, Sequence

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.orm import Session

from clinic import settings as config  # `settings` names the limits below
from clinic.adapters import intake_store, outbox
from clinic.adapters.outbox import OutboxMessage

REPEAT_WINDOW_ENV = "ALERT_REPEAT_WINDOW_MINUTES"
BURST_LIMIT_ENV = "ALERT_BURST_LIMIT"
BURST_MINUTES_ENV = "ALERT_BURST_MINUTES"
CALLBACK_PER_NUMBER_ENV = "CALLBACK_MAX_PER_NUMBER_PER_DAY"
CALLBACK_REPEAT_HOURS_ENV = "CALLBACK_REPEAT_HOURS"

NOT_SAFE = "not_safe"  # the category staff_alerts uses for "not safe right now"
RISK_DISCLOSED = 1
RISK_NOT_SAFE = 2
RISK_LABELS = {RISK_DISCLOSED: "crisis disclosed", RISK_NOT_SAFE: "said NOT safe right now"}

VOLUME_KEY = "volume"
OPEN = "#open"
QUIET_ACTOR = "system:quiet"
LOCK_ID = 7_301_912  # pg_advisory_xact_lock: serialises alert bookkeeping across servers (not the chat)
PAGE_STATUSES = ("pending", "delivered", "failed")  # "held" is recorded, never paged


@dataclass(frozen=True)
class Settings:
    repeat_window: timedelta = timedelta(minutes=60)
    burst_limit: int = 5
    burst_window: timedelta = timedelta(minutes=10)
    callback_per_number: int = 3
    callback_window: timedelta = timedelta(hours=24)

    @classmethod
    def from_env(cls) -> "Settings":
        # Minimums and defaults are declared in clinic/settings.py; a typo falls back to the default.
        return cls(
            repeat_window=timedelta(minutes=config.get(REPEAT_WINDOW_ENV)),
            burst_limit=int(config.get(BURST_LIMIT_ENV)),
            burst_window=timedelta(minutes=config.get(BURST_MINUTES_ENV)),
            callback_per_number=int(config.get(CALLBACK_PER_NUMBER_ENV)),
            callback_window=timedelta(hours=config.get(CALLBACK_REPEAT_HOURS_ENV)),
        )


@dataclass
class Outcome:
    """What one trigger did. status: "paged" (a new alert for staff), "raised" (counted into the
    open alert, plus one update for staff), "updated" (counted into the open alert, no page),
    "held" (recorded, covered by the volume alert or a limit, no page of its own)."""

    status: str
    alert_id: str  # the open alert (its webhook row) this trigger belongs to
    ids: List[str] = field(default_factory=list)  # new outbox rows written by this trigger

    @property
    def paged(self) -> bool:
        return self.status in ("paged", "raised")


# --- Pure helpers ---------------------------------------------------------------------------------

def _hash_key() -> bytes:
    # Every server shares the encryption key already; the newest key derives the hash key.
    configured = (config.raw(intake_store.KEY_ENV) or "").strip()
    if configured:
        primary = configured.split(",")[0].strip().encode()
    else:  # development: the same key file the payload encryption creates (maybe not yet)
        path = intake_store.var_dir() / intake_store.DEV_KEY_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        primary = intake_store._dev_key(path)
    return hashlib.sha256(b"outbox-dedup-key:" + primary).digest()


def subject_hash(value: str) -> str:
    """32 hex characters standing for a conversation id or a phone number; not reversible."""
    return hmac.new(_hash_key(), str(value).encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]


def phone_digits(phone: str) -> str:
    digits = re.sub(r"\D", "", str(phone or ""))
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def risk_of(category: str) -> int:
    return RISK_NOT_SAFE if category == NOT_SAFE else RISK_DISCLOSED


def crisis_family(conversation_id: str, category: str) -> str:
    return f"crisis:{category}:{subject_hash(conversation_id)}"


def callback_family(conversation_id: str) -> str:
    return f"callback:{subject_hash(conversation_id)}"


def number_group(phone: str) -> str:
    return f"callback-number:{subject_hash(phone_digits(phone))}"


def volume_text(count: int, settings: Settings) -> str:
    minutes = settings.burst_window.total_seconds() / 60
    return (f"UNUSUAL VOLUME: {count} urgent crisis alerts from the chat in the last {minutes:g} minutes "
            f"(more than {settings.burst_limit}). To keep pages readable, further crisis alerts are not paged "
            f"one by one until the volume drops. None are lost: every one is queued and viewable with "
            f"`python -m clinic.entrypoints.staff notifications --type crisis_alert --status held` and "
            f"`python -m clinic.entrypoints.staff notification ID`. This may be an attack on the chat, or several "
            f"people in real crisis: please check them.")


# --- Database steps (inside the caller's transaction) ---------------------------------------------

def serialise(session: Session) -> None:
    """Counting and opening alerts one transaction at a time. PostgreSQL: an advisory lock held to
    commit. SQLite: a write that changes nothing takes the single writer lock now, before the counting
    reads (the driver begins the transaction at the first write, not at a read). Call it first in the
    transaction, before any other row is written: one lock order everywhere, so no deadlock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOCK_ID})
    else:
        session.execute(text("UPDATE outbox SET id = id WHERE 1 = 0"))


def _open_rows(session: Session, dedup_key: str) -> List[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.dedup_key == dedup_key).order_by(OutboxMessage.channel.desc())
    return list(session.execute(query).scalars().all())  # "webhook" sorts before "email" descending


def close_family(session: Session, family: str, now: datetime, by: str) -> int:
    """Closes an alert and its updates (every row whose key starts with family#); returns how many rows."""
    result = session.execute(
        update(OutboxMessage).where(OutboxMessage.dedup_key.startswith(family + "#", autoescape=True))
        .values(dedup_key=None, closed_at=now, closed_by=by).execution_options(synchronize_session=False))
    return result.rowcount


def _expire(session: Session, family: str, now: datetime, window: timedelta, since_first: bool = False) -> None:
    """Closes the family's open alert when nothing triggered it for `window` (since_first: when it
    was opened longer ago than that, however often it was repeated since)."""
    column = OutboxMessage.created_at if since_first else OutboxMessage.last_seen_at
    last = session.execute(select(func.max(column)).where(OutboxMessage.dedup_key == family + OPEN)).scalar()
    if last is not None and last < now - window:
        close_family(session, family, now, QUIET_ACTOR)


def _insert(session: Session, *, type: str, priority: str, payload: Mapping[str, Any], channels: Sequence[str],
            now: datetime, status: str, dedup_key: Optional[str], group_key: Optional[str],
            risk_level: Optional[int]) -> List[str]:
    """One row per channel, unless the key is already open (then none: the caller counts into it)."""
    document = outbox.validate(type, priority, payload, channels)
    table = OutboxMessage.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    ids = []
    for channel in channels:
        message_id = str(uuid.uuid4())
        row = {"id": message_id, "type": type, "priority": priority, "created_at": now, "payload": document,
               "channel": channel, "status": status, "attempts": 0, "next_attempt_at": now,
               "dedup_key": dedup_key, "group_key": group_key, "occurrences": 1, "last_seen_at": now,
               "risk_level": risk_level}
        statement = insert(table).values(**row).on_conflict_do_nothing(index_elements=["dedup_key", "channel"])
        if session.execute(statement).rowcount == 1:
            ids.append(message_id)
    return ids


def _count_into(session: Session, dedup_key: str, now: datetime, risk: Optional[int] = None) -> None:
    values: Dict[str, Any] = {"occurrences": OutboxMessage.occurrences + 1, "last_seen_at": now}
    if risk is not None:
        current = session.execute(select(func.max(OutboxMessage.risk_level))
                                  .where(OutboxMessage.dedup_key == dedup_key)).scalar() or 0
        values["risk_level"] = max(current, risk)
    session.execute(update(OutboxMessage).where(OutboxMessage.dedup_key == dedup_key).values(**values)
                    .execution_options(synchronize_session=False))


def _recent_alerts(session: Session, now: datetime, window: timedelta, channel: str) -> int:
    """Urgent crisis alerts (new ones and risk updates, paged or held) queued in the window."""
    query = (select(func.count()).select_from(OutboxMessage)
             .where(OutboxMessage.type == "crisis_alert", OutboxMessage.channel == channel,
                    OutboxMessage.created_at >= now - window,
                    or_(OutboxMessage.group_key.is_(None), OutboxMessage.group_key != VOLUME_KEY)))
    return session.execute(query).scalar() or 0


def _over_burst(session: Session, now: datetime, settings: Settings, channels: Sequence[str]) -> Optional[str]:
    """None while under the limit; else the id of the (one) open volume alert, opened or counted into."""
    recent = _recent_alerts(session, now, settings.burst_window, channels[0])
    if recent < settings.burst_limit:
        return None
    _expire(session, VOLUME_KEY, now, settings.burst_window)
    count = recent + 1
    payload = {"volume_alert": True, "alert_count": count, "limit": settings.burst_limit,
               "window_minutes": settings.burst_window.total_seconds() / 60,
               "category": "unusual_volume", "trigger": "many crisis alerts at once",
               "text": volume_text(count, settings)}
    ids = _insert(session, type="crisis_alert", priority="urgent", payload=payload, channels=channels, now=now,
                  status="pending", dedup_key=VOLUME_KEY + OPEN, group_key=VOLUME_KEY, risk_level=None)
    if ids:
        return ids[0]
    _count_into(session, VOLUME_KEY + OPEN, now)
    return _open_rows(session, VOLUME_KEY + OPEN)[0].id


def _status_in_burst(session: Session, now: datetime, settings: Settings, channels: Sequence[str],
                     payload: Dict[str, Any]) -> str:
    volume_id = _over_burst(session, now, settings, channels)
    if volume_id is None:
        return "pending"
    payload["held_under_volume_alert"] = volume_id
    return "held"


# --- The two entry points -------------------------------------------------------------------------

def record_crisis_alert(session: Session, conversation_id: str, category: str, payload: Mapping[str, Any],
                        channels: Sequence[str], about: Optional[str] = None, now: Optional[datetime] = None,
                        settings: Optional[Settings] = None) -> Outcome:
    """Opens, counts into or raises the conversation's alert for the category (a "not safe" answer
    belongs to the crisis it is `about`, self-harm when unknown); see the module docstring."""
    settings = settings or Settings.from_env()
    now = now or intake_store.utcnow()
    risk = risk_of(category)
    family = crisis_family(conversation_id, (about or "self_harm") if category == NOT_SAFE else category)
    serialise(session)
    _expire(session, family, now, settings.repeat_window)
    for _attempt in range(2):  # a lost race without the lock: the second pass counts into the winner
        existing = _open_rows(session, family + OPEN)
        if existing:
            before = max(row.risk_level or 0 for row in existing)
            _count_into(session, family + OPEN, now, risk)
            if risk <= before:
                return Outcome("updated", existing[0].id)
            update_payload = dict(payload, update_of=existing[0].id, risk_raised=True, risk_level=risk,
                                  risk=RISK_LABELS.get(risk, str(risk)),
                                  occurrences=existing[0].occurrences + 1,
                                  text=f"UPDATE to alert {existing[0].id}: the risk is higher now "
                                       f"({RISK_LABELS.get(risk, risk)}). {payload.get('text', '')}")
            status = _status_in_burst(session, now, settings, channels, update_payload)
            ids = _insert(session, type="crisis_alert", priority="urgent", payload=update_payload,
                          channels=channels, now=now, status=status, dedup_key=f"{family}#risk{risk}",
                          group_key=family, risk_level=risk)
            if not ids:  # this level was already reported for the open alert
                return Outcome("updated", existing[0].id)
            return Outcome("raised" if status == "pending" else "held", existing[0].id, ids)
        new_payload = dict(payload, risk_level=risk, risk=RISK_LABELS.get(risk, str(risk)))
        status = _status_in_burst(session, now, settings, channels, new_payload)
        ids = _insert(session, type="crisis_alert", priority="urgent", payload=new_payload, channels=channels,
                      now=now, status=status, dedup_key=family + OPEN, group_key=family, risk_level=risk)
        if ids:
            return Outcome("paged" if status == "pending" else "held", ids[0], ids)
    raise RuntimeError("crisis alert neither opened nor found")  # the unique index makes this unreachable


def record_callback_request(session: Session, conversation_id: str, phone: str, priority: str,
                            payload: Mapping[str, Any], channels: Sequence[str], now: Optional[datetime] = None,
                            settings: Optional[Settings] = None) -> Outcome:
    """One open request per conversation ("updated" for a repeat); at most callback_per_number a day
    per number page staff ("held" beyond that, still recorded)."""
    settings = settings or Settings.from_env()
    now = now or intake_store.utcnow()
    family, group = callback_family(conversation_id), number_group(phone)
    serialise(session)
    # A visitor still waiting a day later may ask again and page again, however often they asked.
    _expire(session, family, now, settings.callback_window, since_first=True)
    for _attempt in range(2):
        existing = _open_rows(session, family + OPEN)
        if existing:
            _count_into(session, family + OPEN, now)
            return Outcome("updated", existing[0].id)
        asked = session.execute(
            select(func.count()).select_from(OutboxMessage)
            .where(OutboxMessage.group_key == group, OutboxMessage.channel == channels[0],
                   OutboxMessage.status.in_(PAGE_STATUSES),
                   OutboxMessage.created_at >= now - timedelta(hours=24))).scalar() or 0
        status = "pending" if asked < settings.callback_per_number else "held"
        ids = _insert(session, type="callback_request", priority=priority, payload=dict(payload), channels=channels,
                      now=now, status=status, dedup_key=family + OPEN, group_key=group, risk_level=None)
        if ids:
            return Outcome("paged" if status == "pending" else "held", ids[0], ids)
    raise RuntimeError("callback request neither opened nor found")


def close_alert(session: Session, message_id: str, by: str, now: Optional[datetime] = None) -> int:
    """Staff marked the alert handled: closes it (and its updates) so the next trigger pages again.
    Returns how many rows were closed (0: it was closed already)."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise LookupError(f"no notification {message_id}")
    if not message.dedup_key:
        return 0
    return close_family(session, message.dedup_key.split("#", 1)[0], now or intake_store.utcnow(), by)
