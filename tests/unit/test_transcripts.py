"""Chat transcripts at rest (the tracker store's `events` table) on SQLite and PostgreSQL: encrypted
with the intake keys, old plain rows still readable, rotated with the intake keys, purged with the
intakes, and erased per person with the intakes and notifications."""

from __future__ import annotations

import asyncio
import io
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

import pytest
from cryptography.fernet import Fernet
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, select, text, update

from clinic.adapters import handoff, retention, transcripts
from clinic.adapters import intake_store as store
from clinic.adapters.intake_store import AuditEvent, Intake, IntakeEncryptionError
from clinic.adapters.outbox import OutboxMessage
from clinic.domain.practice_profile import load_profile
from clinic.entrypoints import staff
from components.tracker_store import EnvironmentSQLTrackerStore
from tests.conftest import BACKENDS, PG_URL, migrated_database

DOMAIN = Domain.from_dict({
    "intents": ["greet", "inform"],
    "slots": {name: {"type": "any", "mappings": [{"type": "custom"}]} for name in ("email", "phone", "concerns")},
})
PHI = ("Ana Ruiz", "ana.ruiz@example.com", "555-234-9876", "my marriage is falling apart", "I want to kill myself")
YEAR_AND_A_HALF = 550 * 24 * 3600


@dataclass
class TrackerDatabase:
    backend: str
    store: Callable[[], EnvironmentSQLTrackerStore]
    raw_text: Callable[[], str]  # the events table as the database holds it


@pytest.fixture(params=BACKENDS)
def tracker_db(request, tmp_path, monkeypatch):
    """An empty tracker database on each backend, configured through TRACKER_STORE_* as in production."""
    opened = []
    if request.param == "sqlite":
        path = tmp_path / "tracker.db"
        monkeypatch.setenv("TRACKER_STORE_DIALECT", "sqlite")
        monkeypatch.setenv("TRACKER_STORE_DB", str(path))

        def make():
            opened.append(EnvironmentSQLTrackerStore(dialect="sqlite", db=str(path), domain=DOMAIN))
            return opened[-1]

        def raw_text():
            for each in opened:
                each.engine.dispose()
            return "".join(file.read_bytes().decode("latin-1") for file in tmp_path.glob("tracker.db*"))

        drop = None
    else:
        admin = request.getfixturevalue("postgres_admin")
        name = f"tracker_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        for variable, value in {"DIALECT": "postgresql", "HOST": "127.0.0.1", "PORT": "5432", "DB": name,
                                "USERNAME": "postgres", "PASSWORD": ""}.items():
            monkeypatch.setenv(f"TRACKER_STORE_{variable}", value)

        def make():
            opened.append(EnvironmentSQLTrackerStore(dialect="postgresql", host="127.0.0.1", port=5432, db=name,
                                                     username="postgres", domain=DOMAIN))
            return opened[-1]

        def raw_text():
            engine = create_engine(PG_URL.rsplit("/", 1)[0] + f"/{name}", future=True)
            try:
                with engine.connect() as connection:
                    return "\n".join(row[0] for row in connection.execute(text("SELECT e::text FROM events e")))
            finally:
                engine.dispose()

        def drop():
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    yield TrackerDatabase(request.param, make, raw_text)
    for each in opened:
        each.engine.dispose()
    if drop:
        drop()


def conversation(sender, start=None, texts=PHI):
    """A conversation as Rasa stores it: what the visitor typed and the slots it set."""
    start = time.time() if start is None else start
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(ActionExecuted("action_listen", timestamp=start))
    for step, typed in enumerate(texts, start=1):
        tracker.update(UserUttered(typed, {"name": "inform", "confidence": 1.0}, timestamp=start + step))
    tracker.update(SlotSet("email", "ana.ruiz@example.com", timestamp=start + 10))
    tracker.update(SlotSet("phone", "555-234-9876", timestamp=start + 11))
    return tracker


def save(tracker_db, tracker):
    asyncio.run(tracker_db.store().save(tracker))


def typed(tracker):
    return [event.text for event in tracker.events if isinstance(event, UserUttered)]


# --- Encryption at rest -------------------------------------------------------------------------------

def test_events_round_trip_and_nothing_typed_is_stored_readable(tracker_db):
    sender = f"conv-{uuid.uuid4().hex}"
    tracker = conversation(sender)
    # A "/" command with an intent the domain does not know: its name is the visitor's words.
    tracker.update(UserUttered("/ana_ruiz_lives_at_12_elm", {"name": "ana_ruiz_lives_at_12_elm", "confidence": 1.0}))
    save(tracker_db, tracker)
    restored = asyncio.run(tracker_db.store().retrieve(sender))  # a new store: read from the database
    assert typed(restored) == [*PHI, "/ana_ruiz_lives_at_12_elm"]
    assert restored.get_slot("email") == "ana.ruiz@example.com" and restored.get_slot("phone") == "555-234-9876"
    raw = tracker_db.raw_text()
    assert sender in raw  # the rows are there ...
    for secret in (*PHI, "ana_ruiz_lives_at_12_elm", "falling apart", "kill myself", "234-9876"):
        assert secret not in raw  # ... and nothing the visitor typed can be read in them
    assert "inform" in raw  # names the domain defines stay queryable


def test_rows_written_before_encryption_still_read_and_rotate_key_encrypts_them(tracker_db):
    sender = f"legacy-{uuid.uuid4().hex}"
    tracker_db.store()  # creates the table
    engine = transcripts.tracker_engine()
    legacy = conversation(sender)
    with engine.begin() as connection:  # as Rasa's own store wrote them: plain JSON
        connection.execute(transcripts.events_table().insert(), [
            {"sender_id": sender, "type_name": event.type_name, "timestamp": event.timestamp,
             "data": json.dumps(event.as_dict())} for event in legacy.events])
    assert "kill myself" in tracker_db.raw_text()
    store_ = tracker_db.store()
    restored = asyncio.run(store_.retrieve(sender))
    assert typed(restored) == list(PHI)
    restored.update(UserUttered("new words", {"name": "inform"}))
    asyncio.run(store_.save(restored))  # appended encrypted after the plain rows
    assert "new words" not in tracker_db.raw_text()

    assert transcripts.encrypt_and_rotate(engine) == len(legacy.events) + 1
    engine.dispose()
    raw = tracker_db.raw_text()
    assert not any(secret in raw for secret in PHI)
    assert typed(asyncio.run(tracker_db.store().retrieve(sender))) == [*PHI, "new words"]


def test_key_rotation_old_key_still_reads_then_only_the_new_key_is_needed(tracker_db, monkeypatch):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", old)
    sender = f"rotate-{uuid.uuid4().hex}"
    save(tracker_db, conversation(sender))

    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", f"{new},{old}")  # new first, old still decrypts
    assert typed(asyncio.run(tracker_db.store().retrieve(sender))) == list(PHI)
    engine = transcripts.tracker_engine()
    assert transcripts.encrypt_and_rotate(engine) == len(conversation(sender).events)
    engine.dispose()

    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", new)
    assert typed(asyncio.run(tracker_db.store().retrieve(sender))) == list(PHI)
    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", Fernet.generate_key().decode())  # a lost key: refused, not garbage
    with pytest.raises(IntakeEncryptionError):
        asyncio.run(tracker_db.store().retrieve(sender))


# --- Retention and erasure, with the intake database on the same backend ----------------------------

@pytest.fixture
def stores(tracker_db, request, tmp_path, monkeypatch):
    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", Fernet.generate_key().decode())
    same_backend = SimpleNamespace(param=tracker_db.backend, getfixturevalue=request.getfixturevalue)
    tables = ("intakes", "audit_events", "outbox")
    with migrated_database(same_backend, tmp_path, monkeypatch, tables=tables) as database:
        yield tracker_db, database


def events_of(sender):
    engine = transcripts.tracker_engine()
    try:
        return transcripts.count_events(engine, [sender])
    finally:
        engine.dispose()


def test_purge_deletes_old_conversations_whole_and_keeps_recent_ones(stores, capsys):
    tracker_db, _ = stores
    old, recent = f"old-{uuid.uuid4().hex}", f"recent-{uuid.uuid4().hex}"
    save(tracker_db, conversation(old, start=time.time() - YEAR_AND_A_HALF))
    save(tracker_db, conversation(recent))
    assert events_of(old) > 0

    assert staff.main(["purge", "--days", "365", "--yes"]) == 0
    assert "1 chat transcript" in capsys.readouterr().out
    assert events_of(old) == 0 and events_of(recent) == len(conversation(recent).events)
    assert asyncio.run(tracker_db.store().retrieve(old)) is None
    with store.session_scope() as session:
        actions = session.execute(select(AuditEvent.action)).scalars().all()
    assert "purged_transcripts:1" in actions


def test_both_purge_commands_run_the_same_purge(stores, monkeypatch):
    tracker_db, _ = stores
    calls = []
    monkeypatch.setattr(retention, "purge", lambda days, actor: calls.append((days, actor)) or
                        retention.PurgeResult(0, 0, 0, "db"))
    import importlib.util
    spec = importlib.util.spec_from_file_location("intake_admin", Path(staff.__file__).parents[2]
                                                  / "scripts" / "intake_admin.py")
    admin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(admin)
    monkeypatch.setattr("sys.argv", ["intake_admin.py", "purge", "--days", "30"])
    assert admin.main() == 0
    assert staff.main(["purge", "--days", "30", "--yes", "--by", "system:retention"]) == 0
    assert calls == [(30, "staff:intake_admin"), (30, "system:retention")]


PROFILE = load_profile()


def intake_for(conversation_id, name, email, crisis=False):
    answers = {"name": name, "email": email, "phone": "(555) 234-9876", "preferred_contact_method": "phone",
               "best_time": "mornings", "adult": True, "state": "VA", "interest": "psychotherapy",
               "concerns": "my marriage is falling apart"}
    store.start_or_resume_intake(conversation_id)
    for field, value in answers.items():
        store.save_answer(conversation_id, field, value)
    intake_id = handoff.submit_intake(conversation_id, PROFILE, crisis).id
    handoff.queue_crisis_alert(conversation_id, "self_harm", "said I want to kill myself")
    return intake_id


def notifications_about(conversation_id):
    with store.session_scope() as session:
        return [m.id for m in session.execute(select(OutboxMessage)).scalars()
                if m.payload.get("conversation_id") == conversation_id]


def intake_ids():
    with store.session_scope() as session:
        return set(session.execute(select(Intake.id)).scalars())


@pytest.mark.parametrize("how", ["email", "intake"])
def test_erase_removes_one_persons_intake_transcript_and_notifications_everywhere(stores, capsys, monkeypatch, how):
    tracker_db, database = stores
    ana_conv, sam_conv = f"ana-{uuid.uuid4().hex}", f"sam-{uuid.uuid4().hex}"
    ana = intake_for(ana_conv, "Ana Ruiz", "Ana.Ruiz@Example.com")
    sam = intake_for(sam_conv, "Sam Lee", "sam@example.com")
    save(tracker_db, conversation(ana_conv))
    save(tracker_db, conversation(sam_conv, texts=("Sam Lee", "sam@example.com")))
    with store.session_scope() as session:  # Ana's notifications: one delivered, one still queued
        session.execute(update(OutboxMessage).where(OutboxMessage.id == notifications_about(ana_conv)[0])
                        .values(status="delivered", delivered_at=datetime.now(timezone.utc)))
    assert len(notifications_about(ana_conv)) == 2
    who = ["--email", " ana.ruiz@example.COM "] if how == "email" else ["--intake", ana[:8]]

    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))  # asks first; "n" deletes nothing
    assert staff.main(["erase", *who]) == 1
    out, err = capsys.readouterr()
    assert "Erase 1 intake" in out and "1 not delivered yet" in out and "nothing deleted" in err
    assert ana in intake_ids() and events_of(ana_conv) > 0

    assert staff.main(["erase", *who, "--yes", "--by", "dr.rivera"]) == 0
    assert "Erased 1 intake" in capsys.readouterr().out
    assert intake_ids() == {sam}
    assert events_of(ana_conv) == 0 and notifications_about(ana_conv) == []
    assert events_of(sam_conv) > 0 and len(notifications_about(sam_conv)) == 2  # nobody else's data
    raw_tracker = tracker_db.raw_text()
    assert ana_conv not in raw_tracker and sam_conv in raw_tracker
    raw_intakes = database.raw_text()
    assert ana not in raw_intakes.replace(f"erased:{ana}", "")  # only the audit record names it
    with store.session_scope() as session:
        audit = session.execute(select(AuditEvent.intake_id, AuditEvent.actor, AuditEvent.action)).all()
    assert (None, "dr.rivera", f"erased:{ana}") in audit
    assert any(action.startswith("erased_counts:intakes=1,transcripts=1,") for _, _, action in audit)
    assert not any("ana" in action.lower().replace(ana, "") for _, _, action in audit)  # identifiers only

    assert staff.main(["erase", *who, "--yes"]) == 1  # nothing left to find
    err = capsys.readouterr().err
    assert "nothing stored matches" in err or "no intake has an id starting with" in err


def test_erase_by_conversation_also_covers_a_chat_without_an_intake(stores, capsys):
    tracker_db, _ = stores
    sender = f"crisis-only-{uuid.uuid4().hex}"
    save(tracker_db, conversation(sender, texts=("I want to kill myself",)))
    handoff.queue_crisis_alert(sender, "self_harm", "said I want to kill myself")
    assert staff.main(["erase", "--conversation", sender, "--yes"]) == 0
    assert events_of(sender) == 0 and notifications_about(sender) == []
