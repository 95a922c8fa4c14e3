"""Durable outbox for staff notifications: written with the thing it reports, delivered by a worker.

`enqueue()` adds rows to the caller's session, so a notification exists exactly when the intake,
alert or callback request it reports was committed. `deliver_due()` claims due rows with a lease
(PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED; SQLite: one conditional UPDATE per row), POSTs them
to STAFF_WEBHOOK_URL signed with STAFF_WEBHOOK_SECRET, and retries failures with exponential
backoff. Each row's id is its idempotency key: a retry of the same notification always carries the
same id, so the receiver can drop duplicates (delivery is at least once, exactly once in effect).

Payloads may carry PHI: they are encrypted at rest and never logged. No Rasa imports.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import random
import smtplib
import socket
import ssl
import threading
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence

import requests
from sqlalchemy import CheckConstraint, Column, Index, Integer, String, case, delete, or_, select, update
from sqlalchemy.orm import Session

from clinic import settings
from clinic.adapters.intake_store import Base, EncryptedJSON, UTCDateTime, session_scope, sql_one_of, to_json, utcnow

logger = logging.getLogger(__name__)

WEBHOOK_URL_ENV = "STAFF_WEBHOOK_URL"
WEBHOOK_SECRET_ENV = "STAFF_WEBHOOK_SECRET"
MAX_ATTEMPTS_ENV = "OUTBOX_MAX_ATTEMPTS"
# 300: with the 5-minute cap, about a day of retrying before "failed".
DEFAULT_MAX_ATTEMPTS = settings.setting(MAX_ATTEMPTS_ENV).default
WEBHOOK_FORMAT_ENV = "STAFF_WEBHOOK_FORMAT"  # "json" (default) or "slack"
EMAIL_TO_ENV = "STAFF_EMAIL_TO"

TYPES = ("intake_summary", "crisis_alert", "callback_request")
MESSAGE_PRIORITIES = ("urgent", "normal")  # urgent ones are delivered first
CHANNELS = ("webhook", "email", "esc_webhook", "esc_email")
# Escalations (staff_inbox/escalation.py) go to their own contacts, PHI-free like the staff e-mail.
ESCALATION_WEBHOOK_ENV = "ESCALATION_WEBHOOK_URL"
ESCALATION_EMAIL_TO_ENV = "ESCALATION_EMAIL_TO"
# held: recorded for staff but not paged on its own (clinic/adapters/alert_limits.py: a burst of alerts, or a
# callback request over its number's daily limit). The worker never claims it.
STATUSES = ("pending", "delivered", "failed", "held")
RESERVED_KEYS = ("type", "priority", "id", "created_at")

BACKOFF_BASE = 5.0  # seconds before the first retry; doubles with every failed attempt
BACKOFF_CAP = 300.0  # a receiver back up after an outage gets its backlog within five minutes
BACKOFF_JITTER = 0.1  # up to +10 %, so that a burst of failures does not retry in lock-step
ERROR_SIZE = 200


class OutboxMessage(Base):
    """One notification on one channel. The payload is encrypted; everything else is plain metadata."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(sql_one_of("type", TYPES), name="type"),
        CheckConstraint(sql_one_of("priority", MESSAGE_PRIORITIES), name="priority"),
        CheckConstraint(sql_one_of("channel", CHANNELS), name="channel"),
        CheckConstraint(sql_one_of("status", STATUSES), name="status"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        # One open alert per key and channel, whatever number of servers write (clinic/adapters/alert_limits.py).
        Index("uq_outbox_dedup_key_channel", "dedup_key", "channel", unique=True),
        Index("ix_outbox_group_key_created_at", "group_key", "created_at"),
        Index("ix_outbox_type_created_at", "type", "created_at"),
    )

    id = Column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))  # the idempotency key
    type = Column(String(32), nullable=False)
    priority = Column(String(8), nullable=False, default="normal")
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    payload = Column(EncryptedJSON, nullable=False, default=dict)
    channel = Column(String(16), nullable=False, default="webhook")
    status = Column(String(16), nullable=False, default="pending")
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_error = Column(String(ERROR_SIZE))  # short, never PHI: "HTTP 500", "timeout", ...
    delivered_at = Column(UTCDateTime)
    lease_owner = Column(String(64))
    lease_until = Column(UTCDateTime)
    # De-duplication (clinic/adapters/alert_limits.py); plain metadata, keys are keyed hashes, never ids or numbers.
    dedup_key = Column(String(96))  # set while the alert is open, NULL once closed
    group_key = Column(String(96))  # what repeats are counted by (a callback's phone number)
    occurrences = Column(Integer, nullable=False, default=1, server_default="1")  # triggers merged into it
    last_seen_at = Column(UTCDateTime)
    risk_level = Column(Integer)  # highest seen: 1 crisis disclosed, 2 said not safe right now
    closed_at = Column(UTCDateTime)
    closed_by = Column(String(64))  # staff name from the staff command line, or "system:quiet"

    def __repr__(self) -> str:  # never show the payload, even in a traceback
        return f"<OutboxMessage {self.id} {self.type} {self.channel} {self.status}>"


# --- Writing --------------------------------------------------------------------------------------

def enqueue(session: Session, type: str, priority: str, payload: Mapping[str, Any],
            channels: Sequence[str] = ("webhook",)) -> List[str]:
    """Adds one pending message per channel to the caller's session (committed with the caller's
    transaction, rolled back with it); returns their ids."""
    document = validate(type, priority, payload, channels)
    if isinstance(channels, str):
        channels = (channels,)
    now = utcnow()
    ids = []
    for channel in channels:
        message = OutboxMessage(id=str(uuid.uuid4()), type=type, priority=priority, created_at=now,
                                payload=document, channel=channel, status="pending", attempts=0,
                                next_attempt_at=now)
        session.add(message)
        ids.append(message.id)
    return ids


def validate(type: str, priority: str, payload: Mapping[str, Any], channels: Sequence[str]) -> Dict[str, Any]:
    """Checks a notification before it is stored; returns the payload as the JSON document it becomes."""
    if type not in TYPES:
        raise ValueError(f"type must be one of {', '.join(TYPES)}")
    if priority not in MESSAGE_PRIORITIES:
        raise ValueError(f"priority must be one of {', '.join(MESSAGE_PRIORITIES)}")
    if isinstance(channels, str):
        channels = (channels,)
    if not channels or any(channel not in CHANNELS for channel in channels) or len(set(channels)) != len(channels):
        raise ValueError(f"channels must be distinct values of {', '.join(CHANNELS)}")
    if not isinstance(payload, Mapping):
        raise ValueError("payload must be a mapping")
    clash = sorted(set(payload) & set(RESERVED_KEYS))
    if clash:
        raise ValueError(f"payload must not contain the reserved keys {', '.join(clash)}")
    try:
        document = json.loads(to_json(dict(payload)))
    except (TypeError, ValueError):
        raise ValueError("payload cannot be stored as JSON") from None
    return document


def erase_about(session: Session, intake_ids: Iterable[str], conversation_ids: Iterable[str],
                dry_run: bool = False) -> List[str]:
    """Deletes every notification, in any status, about these intakes or conversations (one person's
    erasure); returns the statuses of the rows found. The ids are inside the encrypted payload, so
    each row is decrypted and checked here."""
    intakes, conversations = set(intake_ids), set(conversation_ids)
    found = [(message.id, message.status) for message in session.execute(select(OutboxMessage)).scalars()
             if (message.payload or {}).get("intake_id") in intakes
             or (message.payload or {}).get("conversation_id") in conversations]
    if not dry_run:
        for start in range(0, len(found), 500):
            ids = [message_id for message_id, _ in found[start:start + 500]]
            session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    return [status for _, status in found]


# --- The webhook contract -------------------------------------------------------------------------

def sign(body: bytes, secret: str) -> str:
    """The X-Signature header value: "sha256=" + hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def webhook_body(message: OutboxMessage) -> bytes:
    """UTF-8 JSON: type, priority, id, created_at first, then the payload's keys in sorted order."""
    document: Dict[str, Any] = {
        "type": message.type,
        "priority": message.priority,
        "id": message.id,
        "created_at": message.created_at.isoformat(),
    }
    payload = message.payload or {}
    for key in sorted(payload):
        if key not in RESERVED_KEYS:
            document[key] = payload[key]
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


TYPE_TITLES = {"intake_summary": "New intake submitted", "crisis_alert": "Crisis alert",
               "callback_request": "Callback request"}


def title_of(message: OutboxMessage) -> str:
    """The headline on PHI-free channels; a burst summary or a risk update says so (no PHI either)."""
    payload = message.payload or {}
    if payload.get("escalation") and isinstance(payload.get("count"), int) and payload["count"] > 1:
        return f"ESCALATED: {payload['count']} urgent items not acknowledged in time"
    if payload.get("escalation"):
        return f"ESCALATED: {TYPE_TITLES.get(message.type, message.type)} not acknowledged in time"
    if payload.get("volume_alert"):
        return "Unusual volume of crisis alerts"
    if payload.get("risk_raised"):
        return "Crisis alert update: risk is higher"
    return TYPE_TITLES.get(message.type, message.type)


def _reference_lines(message: OutboxMessage) -> List[str]:
    """What a channel not approved for PHI may show: type, priority, references and where to look."""
    payload = message.payload or {}
    lines = [f"Type: {message.type}", f"Priority: {message.priority.upper()}", f"Reference: {message.id}",
             f"Created: {message.created_at.isoformat()}"]
    if payload.get("intake_id"):
        lines.append(f"Intake: {payload['intake_id']}")
    if payload.get("outside_office_hours"):
        lines.append("Came in outside office hours: the visitor was given the crisis lines (988, 911).")
    try:  # the inbox builds on this module, not the other way round; an image without it sends no link
        from staff_inbox.links import item_link
    except ImportError:
        link = None
    else:
        link = item_link(message)
    if link:
        lines.append(f"Open it in the staff inbox: {link}")
    else:
        lines.append("Read it with the staff command line: "
                     f"python -m clinic.entrypoints.staff notification {message.id}")
    return lines


def slack_body(message: OutboxMessage) -> bytes:
    """A Slack incoming-webhook message (text + blocks) without PHI: the details stay in the database."""
    title = title_of(message)
    heading = f"{':rotating_light: URGENT: ' if message.priority == 'urgent' else ''}{title}"
    lines = _reference_lines(message)
    document = {
        "text": f"{heading} ({message.id})",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": heading[:150], "emoji": True}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(f"`{line}`" if line.startswith(
                "Read it") else line for line in lines)}},
        ],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def email_message(message: OutboxMessage, sender: str, recipients: Sequence[str]) -> EmailMessage:
    """The staff e-mail: no PHI beyond a reference, the type and the priority (it leaves the practice's
    systems unencrypted). Its Message-ID comes from the outbox id, so a resend is recognisable."""
    title = title_of(message)
    email = EmailMessage()
    email["Subject"] = f"[{message.priority.upper()}] {title} - ref {message.id[:8]}"
    email["From"] = sender
    email["To"] = ", ".join(recipients)
    email["Message-ID"] = f"<{message.id}@clinic-intake.outbox>"
    email["X-Notification-Id"] = message.id
    if message.priority == "urgent":
        email["X-Priority"] = "1"
    email.set_content(
        f"{title}.\n\n" + "\n".join(_reference_lines(message)) +
        "\n\nThis e-mail carries no client details on purpose. If your practice receives the signed "
        "webhook, the full details are there too.\n")
    return email


# --- Delivery -------------------------------------------------------------------------------------

_logged_once: set = set()
_logged_lock = threading.Lock()


def _log_once(key: str, level: int, text: str, *args: Any) -> None:
    with _logged_lock:
        if key in _logged_once:
            return
        _logged_once.add(key)
    logger.log(level, text, *args)


def max_attempts() -> int:
    """OUTBOX_MAX_ATTEMPTS (default 300, about a day): after that many failures a message is marked failed."""
    return settings.get(MAX_ATTEMPTS_ENV)  # at least 1; a typo: the default


def backoff(attempts: int) -> timedelta:
    """Delay after the given number of failed attempts: 5 s, 10 s, 20 s ... capped at 5 min, plus jitter."""
    seconds = min(BACKOFF_BASE * 2 ** max(0, min(attempts - 1, 30)), BACKOFF_CAP)
    return timedelta(seconds=seconds * (1 + random.uniform(0, BACKOFF_JITTER)))


def _default_owner() -> str:
    # Host, process and thread: workers on several machines never share an owner name.
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{threading.get_ident()}"[:64]


def _due(now: datetime, channel: str):
    return (
        OutboxMessage.status == "pending",
        OutboxMessage.channel == channel,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
    )


def claim_due(now: Optional[datetime] = None, owner: Optional[str] = None, batch: int = 20,
              lease_seconds: float = 120.0, channel: str = "webhook", url: Optional[str] = None) -> List[str]:
    """Leases up to `batch` due messages of a channel to `owner` until now + lease_seconds; returns
    their ids, urgent first. A message leased to one worker is skipped by every other worker until
    the lease expires (a crashed worker's messages are picked up after that)."""
    now = now or utcnow()
    owner = (owner or _default_owner())[:64]
    lease_until = now + timedelta(seconds=lease_seconds)
    order = (case((OutboxMessage.priority == "urgent", 0), else_=1), OutboxMessage.next_attempt_at,
             OutboxMessage.created_at)
    query = select(OutboxMessage.id).where(*_due(now, channel)).order_by(*order).limit(batch)
    lease = {"lease_owner": owner, "lease_until": lease_until}
    with session_scope(url) as session:
        if session.get_bind().dialect.name == "postgresql":
            ids = session.execute(query.with_for_update(skip_locked=True)).scalars().all()
            if ids:
                session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                .values(**lease).execution_options(synchronize_session=False))
            return list(ids)
        candidates = session.execute(query).scalars().all()
    claimed = []
    for message_id in candidates:  # one short write transaction per row: SQLite allows one writer
        with session_scope(url) as session:
            result = session.execute(
                update(OutboxMessage).where(OutboxMessage.id == message_id, *_due(now, channel))
                .values(**lease).execution_options(synchronize_session=False))
            if result.rowcount == 1:
                claimed.append(message_id)
    return claimed


def _post(message: OutboxMessage, webhook_url: str, secret: str, timeout: float,
          body_format: str = "json") -> Optional[str]:
    """Sends one message; None on a 2xx answer, else a short error text without PHI."""
    body = slack_body(message) if body_format == "slack" else webhook_body(message)
    headers = {"Content-Type": "application/json", "X-Signature": sign(body, secret),
               "Idempotency-Key": message.id}
    try:
        response = requests.post(webhook_url, data=body, headers=headers, timeout=timeout,
                                 allow_redirects=False)
    except requests.Timeout:
        return "timeout"
    except requests.ConnectionError:
        return "connection error"
    except requests.RequestException as error:
        return f"request error: {type(error).__name__}"
    response.close()
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}"


def _send_email(message: OutboxMessage, timeout: float, to_env: str = EMAIL_TO_ENV) -> Optional[str]:
    """Sends one PHI-free e-mail over SMTP to the addresses in `to_env`; None when the server accepted
    it, else a short error."""
    host = settings.get("SMTP_HOST")
    security = settings.get("SMTP_SECURITY").lower()
    port = settings.get("SMTP_PORT")
    if port is None:
        port = 465 if security == "ssl" else 587
    recipients = [address.strip() for address in (settings.raw(to_env) or "").split(",") if address.strip()]
    sender = settings.get("SMTP_FROM")
    username = settings.raw("SMTP_USERNAME")
    context = ssl.create_default_context(cafile=settings.raw("SMTP_CA_FILE"))
    try:
        if security == "ssl":
            client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if security == "starttls":
                client.starttls(context=context)
            if username:
                client.login(username, settings.raw("SMTP_PASSWORD") or "")
            client.send_message(email_message(message, sender, recipients))
    except smtplib.SMTPResponseException as error:
        return f"SMTP {error.smtp_code}"
    except TimeoutError:
        return "timeout"
    except (OSError, smtplib.SMTPException, ssl.SSLError) as error:
        return f"SMTP error: {type(error).__name__}"
    return None


Sender = Callable[[OutboxMessage, float], Optional[str]]


def _webhook_sender() -> Optional[Sender]:
    webhook_url = (settings.raw(WEBHOOK_URL_ENV) or "").strip()
    if not webhook_url:
        _log_once("no-url", logging.INFO, "%s is not set: staff notifications stay queued in the outbox",
                  WEBHOOK_URL_ENV)
        return None
    secret = settings.raw(WEBHOOK_SECRET_ENV) or ""
    if not secret:
        _log_once("no-secret", logging.WARNING, "%s is not set: staff notifications stay queued, "
                  "unsigned webhooks are never sent", WEBHOOK_SECRET_ENV)
        return None
    body_format = settings.get(WEBHOOK_FORMAT_ENV).lower()
    if body_format not in ("json", "slack"):
        _log_once("bad-format", logging.WARNING, "%s must be json or slack; sending json", WEBHOOK_FORMAT_ENV)
        body_format = "json"
    return lambda message, timeout: _post(message, webhook_url, secret, timeout, body_format)


def _email_sender() -> Optional[Sender]:
    if not settings.raw("SMTP_HOST") or not settings.raw(EMAIL_TO_ENV):
        _log_once("no-smtp", logging.INFO, "SMTP_HOST or %s is not set: staff e-mails stay queued",
                  EMAIL_TO_ENV)
        return None
    try:
        settings.get("SMTP_PORT")
    except settings.SettingError:
        _log_once("bad-smtp-port", logging.WARNING, "SMTP_PORT is not a number: staff e-mails stay queued")
        return None
    return _send_email


def _esc_webhook_sender() -> Optional[Sender]:
    url = (settings.raw(ESCALATION_WEBHOOK_ENV) or "").strip()
    secret = settings.raw(WEBHOOK_SECRET_ENV) or ""
    if not url or not secret:
        return None
    body_format = "slack" if settings.get(WEBHOOK_FORMAT_ENV).lower() == "slack" else "json"
    # The payload of an escalation holds references only (staff_inbox/escalation.py), so the JSON is PHI-free too.
    return lambda message, timeout: _post(message, url, secret, timeout, body_format)


def _esc_email_sender() -> Optional[Sender]:
    if not settings.raw("SMTP_HOST") or not settings.raw(ESCALATION_EMAIL_TO_ENV):
        return None
    return lambda message, timeout: _send_email(message, timeout, ESCALATION_EMAIL_TO_ENV)


SENDERS: Dict[str, Callable[[], Optional[Sender]]] = {
    "webhook": _webhook_sender, "email": _email_sender,
    "esc_webhook": _esc_webhook_sender, "esc_email": _esc_email_sender}


def _record(message_id: str, owner: str, now: datetime, error: Optional[str], url: Optional[str]) -> bool:
    """Stores the outcome, only while this worker still holds the lease; returns whether it did."""
    release = {"lease_owner": None, "lease_until": None}
    mine = (OutboxMessage.id == message_id, OutboxMessage.lease_owner == owner)
    with session_scope(url) as session:
        if error is None:
            values = {"status": "delivered", "delivered_at": now, "last_error": None, **release}
        else:
            attempts = session.execute(select(OutboxMessage.attempts).where(*mine)).scalar_one_or_none()
            if attempts is None:
                return False
            attempts += 1
            values = {"attempts": attempts, "last_error": error[:ERROR_SIZE],
                      "next_attempt_at": now + backoff(attempts),
                      "status": "failed" if attempts >= max_attempts() else "pending", **release}
        result = session.execute(update(OutboxMessage).where(*mine).values(**values)
                                 .execution_options(synchronize_session=False))
        return result.rowcount == 1


def deliver_due(now: Optional[datetime] = None, owner: Optional[str] = None, batch: int = 20,
                timeout: float = 5.0, url: Optional[str] = None, channels: Sequence[str] = CHANNELS) -> int:
    """Claims due messages of each configured channel and sends each once; returns how many were
    acknowledged (webhook: a 2xx answer; e-mail: accepted by the SMTP server).

    A channel that is not configured (STAFF_WEBHOOK_URL and STAFF_WEBHOOK_SECRET; SMTP_HOST and
    STAFF_EMAIL_TO) claims nothing: its messages stay pending until it is. `url` is the database URL
    (default INTAKE_DATABASE_URL)."""
    owner = (owner or _default_owner())[:64]
    delivered = 0
    for channel in channels:
        send = SENDERS[channel]()
        if send is not None:
            delivered += _deliver_channel(channel, send, now, owner, batch, timeout, url)
    return delivered


def _deliver_channel(channel: str, send: Sender, now: Optional[datetime], owner: str, batch: int,
                     timeout: float, url: Optional[str]) -> int:
    claimed_at = now or utcnow()
    # The lease covers the whole batch even if every request runs into its timeout.
    lease_seconds = batch * (timeout + 1.0) + 30.0
    ids = claim_due(claimed_at, owner, batch, lease_seconds, channel, url)
    delivered = 0
    for message_id in ids:
        with session_scope(url) as session:
            message = session.get(OutboxMessage, message_id)
            session.expunge(message)
        error = send(message, timeout)
        finished = now or utcnow()
        if not _record(message_id, owner, finished, error, url):
            logger.warning("Outbox message %s: lease lost before its outcome was stored", message_id)
            continue
        if error is None:
            delivered += 1
            logger.info("Outbox message %s (%s, %s, %s) delivered", message_id, message.type,
                        message.priority, channel)
        else:
            logger.warning("Outbox message %s (%s, %s) not delivered, attempt %d: %s", message_id,
                           message.type, channel, message.attempts + 1, error)
    return delivered


def retry_failed(ids: Optional[Iterable[str]] = None, now: Optional[datetime] = None,
                 url: Optional[str] = None) -> int:
    """Puts failed messages (all, or those ids) back to pending with a fresh attempt count; returns
    how many. Their ids stay the same, so receivers still recognise duplicates."""
    query = update(OutboxMessage).where(OutboxMessage.status == "failed")
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(list(ids)))
    values = {"status": "pending", "attempts": 0, "next_attempt_at": now or utcnow(),
              "lease_owner": None, "lease_until": None}
    with session_scope(url) as session:
        return session.execute(query.values(**values).execution_options(synchronize_session=False)).rowcount


def run_worker(stop_event: threading.Event, interval: float = 2.0, url: Optional[str] = None,
               timeout: float = 5.0) -> None:
    """Delivers until stop_event is set; for a daemon thread or its own process. Never raises."""
    owner = _default_owner()
    while not stop_event.is_set():
        busy = False
        try:
            busy = deliver_due(owner=owner, timeout=timeout, url=url) > 0
        except Exception as error:  # the database may be briefly away; the message text could hold SQL
            logger.error("Outbox worker pass failed (%s); retrying in %.1f s", type(error).__name__, interval)
        if not busy:
            stop_event.wait(interval)
