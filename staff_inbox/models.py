"""The staff inbox's tables, on the intake store's metadata (migrations/versions/0004_staff_inbox.py mirrors them)."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, String

from clinic.adapters.intake_store import Base, EncryptedText, UTCDateTime, sql_one_of, utcnow
from clinic.adapters.outbox import OutboxMessage  # noqa: F401 - the outbox table must exist for the foreign key

ROLES = ("intake", "clinician", "prescriber", "admin")
ITEM_KINDS = ("intake_summary", "crisis_alert", "callback_request")
ITEM_STATUSES = ("new", "acknowledged", "contacted", "closed")
# Staff names end up in the audit trail as actors, so a name is an identifier, never free text.
STAFF_NAME = re.compile(r"[a-z][a-z0-9._-]{1,31}")


def actor(name: str) -> str:
    """The audit-trail actor for a member of staff."""
    return f"staff:{name}"


class StaffUser(Base):
    """A member of staff. The password is an argon2 hash; the TOTP secret is encrypted at rest."""

    __tablename__ = "staff_users"
    __table_args__ = (CheckConstraint(sql_one_of("role", ROLES), name="role"),)

    id = Column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    name = Column(String(32), nullable=False, unique=True)
    role = Column(String(16), nullable=False)
    password_hash = Column(String(255), nullable=False)
    totp_secret = Column(EncryptedText)  # set once the user confirmed enrolment with a code
    totp_last_step = Column(Integer)  # the last accepted TOTP time step: a code works once
    active = Column(Boolean, nullable=False, default=True)
    session_version = Column(Integer, nullable=False, default=1)  # raised: every session of the user ends
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    disabled_at = Column(UTCDateTime)
    # Until the second factor is set up, the password alone can set it up: only until this moment
    # (INBOX_ENROL_HOURS after the account was added or its second factor reset).
    enrol_until = Column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<StaffUser {self.name} {self.role}>"


class StaffSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored here."""

    __tablename__ = "staff_sessions"

    token_hash = Column(String(64), primary_key=True)
    user_id = Column(String(36), ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True)
    session_version = Column(Integer, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at = Column(UTCDateTime, nullable=False, default=utcnow)


class SignInThrottle(Base):
    """Failed sign-ins per key ("user:<name>" or "addr:<keyed hash of the address>") and the pause they caused."""

    __tablename__ = "staff_sign_in_throttle"

    key = Column(String(96), primary_key=True)
    failures = Column(Integer, nullable=False, default=0)
    locked_until = Column(UTCDateTime)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)


class InboxItem(Base):
    """The work state of one intake summary, crisis alert or callback request (its webhook outbox row).

    ref is what URLs carry: random, unrelated to the intake or notification ids. The row goes with
    its notification (purge, erasure) through the foreign key.
    """

    __tablename__ = "inbox_items"
    __table_args__ = (
        CheckConstraint(sql_one_of("kind", ITEM_KINDS), name="kind"),
        CheckConstraint(sql_one_of("status", ITEM_STATUSES), name="status"),
    )

    id = Column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    ref = Column(String(32), nullable=False, unique=True)
    notification_id = Column(String(36), ForeignKey("outbox.id", ondelete="CASCADE"), nullable=False, unique=True)
    kind = Column(String(32), nullable=False)
    priority = Column(String(8), nullable=False)
    intake_id = Column(String(36), index=True)
    created_at = Column(UTCDateTime, nullable=False, index=True)  # when the notification was created
    status = Column(String(16), nullable=False, default="new", index=True)
    assignee = Column(String(32))
    acknowledged_at = Column(UTCDateTime)
    acknowledged_by = Column(String(32))
    contacted_at = Column(UTCDateTime)
    closed_at = Column(UTCDateTime)
    closed_by = Column(String(32))
    close_note = Column(EncryptedText)
    escalated_at = Column(UTCDateTime)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<InboxItem {self.ref} {self.kind} {self.status}>"
