"""Deleting personal data: the retention purge and one person's erasure, across every store.

A person's data lives in three places: the intake row (intake database), the chat transcript
(the tracker store's `events` table, clinic/adapters/transcripts.py) and the staff notifications about
them (the outbox, in the intake database). Both the purge and the erasure cover all three and
record what they did in the audit trail with identifiers and counts only. No Rasa imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Iterable, List, Optional, Set

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from clinic.adapters import intake_store, outbox, transcripts
from clinic.adapters.intake_store import AuditEvent, Intake


@dataclass
class PurgeResult:
    intakes: int
    conversations: int
    events: int
    tracker: str  # which tracker database was purged (no password)


def purge(days: int, actor: str = "system:retention") -> PurgeResult:
    """The retention purge both staff commands run: intakes untouched for `days` days (with their
    audit trail and finished notifications, intake_store.purge_older_than) and every conversation
    whose last event is older than that, all its events with it."""
    if days < 0:
        raise ValueError("days must not be negative")
    cutoff = intake_store.utcnow() - timedelta(days=days)
    removed = transcripts.Removed()
    engine = transcripts.tracker_engine()
    if engine is not None:
        try:
            removed = transcripts.purge_conversations_before(engine, cutoff)
        finally:
            engine.dispose()
    intakes = intake_store.purge_older_than(days, actor=actor)
    with intake_store.session_scope() as session:
        intake_store.audit(session, None, actor, f"purged_transcripts:{removed.conversations}")
    return PurgeResult(intakes, removed.conversations, removed.events, transcripts.describe())


# --- One person's erasure ----------------------------------------------------------------------------

def normalise_email(value: Optional[str]) -> str:
    return (value or "").strip().casefold()


@dataclass
class Erasure:
    """What an erasure covers, found before anything is deleted (shown for confirmation)."""

    intake_ids: List[str] = field(default_factory=list)
    conversation_ids: List[str] = field(default_factory=list)
    notifications: int = 0
    undelivered: int = 0
    events: int = 0

    @property
    def empty(self) -> bool:
        return not (self.intake_ids or self.notifications or self.events)


def intakes_with_email(session: Session, email: str) -> List[str]:
    """Ids of intakes whose e-mail (the column or the stored answer) is `email`, ignoring case.

    E-mails are encrypted with a random IV, so the database cannot compare them: each one is
    decrypted here and compared in memory (a full scan, fine for a practice's intakes)."""
    wanted = normalise_email(email)
    if "@" not in wanted:
        raise ValueError("give a whole e-mail address")
    found = []
    for intake in session.execute(select(Intake).order_by(Intake.created_at, Intake.id)).scalars():
        stored = {normalise_email(intake.email), normalise_email(str((intake.answers or {}).get("email") or ""))}
        if wanted in stored:
            found.append(intake.id)
    return found


def plan_erasure(session: Session, intake_ids: Iterable[str] = (), conversation_ids: Iterable[str] = ()) -> Erasure:
    """Everything to erase for these intakes and conversations: every intake of the same
    conversations (one chat is one person), their notifications and their transcripts."""
    intakes: Set[str] = set(intake_ids)
    conversations: Set[str] = set(conversation_ids)
    if intakes:
        conversations |= set(session.execute(select(Intake.conversation_id).where(Intake.id.in_(intakes))).scalars())
    if conversations:
        intakes |= set(session.execute(select(Intake.id).where(Intake.conversation_id.in_(conversations))).scalars())
    plan = Erasure(sorted(intakes), sorted(conversations))
    statuses = outbox.erase_about(session, plan.intake_ids, plan.conversation_ids, dry_run=True)
    plan.notifications = len(statuses)
    plan.undelivered = statuses.count("pending")
    engine = transcripts.tracker_engine()
    if engine is not None:
        try:
            plan.events = transcripts.count_events(engine, plan.conversation_ids)
        finally:
            engine.dispose()
    return plan


def erase(plan: Erasure, actor: str) -> Erasure:
    """Deletes what plan_erasure found: the transcripts first (a failure there leaves the intake,
    so the erasure can be run again), then the notifications, audit trail and intakes in one
    transaction. Records "erased:<intake id>" per intake and the counts."""
    if not intake_store.ACTOR_PATTERN.fullmatch(actor):  # refused before anything is deleted
        raise ValueError("actor must be 1-64 characters of letters, digits and _.:@-")
    removed = transcripts.Removed()
    engine = transcripts.tracker_engine()
    if engine is not None:
        try:
            removed = transcripts.erase_conversations(engine, plan.conversation_ids)
        finally:
            engine.dispose()
    with intake_store.session_scope() as session:
        notifications = len(outbox.erase_about(session, plan.intake_ids, plan.conversation_ids))
        if plan.intake_ids:
            session.execute(delete(AuditEvent).where(AuditEvent.intake_id.in_(plan.intake_ids)))
            session.execute(delete(Intake).where(Intake.id.in_(plan.intake_ids)))
        for intake_id in plan.intake_ids:
            intake_store.audit(session, None, actor, f"erased:{intake_id}")
        intake_store.audit(session, None, actor, f"erased_counts:intakes={len(plan.intake_ids)},"
                                                 f"transcripts={removed.conversations},events={removed.events},"
                                                 f"notifications={notifications}")
    transcripts.compact_sqlite(intake_store.get_engine())
    return Erasure(plan.intake_ids, plan.conversation_ids, notifications, 0, removed.events)
