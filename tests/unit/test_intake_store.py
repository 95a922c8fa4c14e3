"""Intake storage against SQLite and PostgreSQL: migrations, encryption at rest, rotation, audit, retention."""

from __future__ import annotations

import logging
import stat
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography.fernet import Fernet
from sqlalchemy import inspect, select, text, update

import clinic.adapters.outbox  # noqa: F401 - the outbox table is part of the schema the migrations build
from clinic.adapters import intake_store as store
from staff_inbox import models as inbox_models  # noqa: F401 - its tables are in the schema the test compares
from tests.conftest import BACKENDS, migrated_database

KEY_A, KEY_B, KEY_C = (Fernet.generate_key().decode() for _ in range(3))

NAME = "Zoë Okonkwo-Lindqvist"
EMAIL = "zoe.lindqvist.7731@example.com"
PHONE = "+1 555 014 8832"
CONCERNS = "Panic attacks on the metro since March; my sister says I sleep 3 hours 😔"
MEDICATIONS = "lamotrigine 100mg and sometimes lorazepam"
PHI = (NAME, EMAIL, PHONE, CONCERNS, MEDICATIONS, "Okonkwo", "lindqvist.7731", "014 8832", "metro", "lorazepam")


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path, monkeypatch):
    """A migrated, empty intake database on each backend, with key A and a private var/ directory."""
    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", KEY_A)
    with migrated_database(request, tmp_path, monkeypatch, tables=("intakes", "audit_events")) as database:
        yield database


def fill_intake(conversation_id: str = "conv-1") -> None:
    for field, value in (("name", NAME), ("email", EMAIL), ("phone", PHONE), ("main_concerns", CONCERNS),
                         ("current_medications", MEDICATIONS), ("age_18_or_over", True), ("phq9_item_1", 2)):
        store.save_answer(conversation_id, field, value)


def test_migrate_is_idempotent_and_creates_the_tables(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # works from any working directory
    store.migrate()
    store.migrate(db.url)
    engine = store.get_engine()
    assert {"intakes", "audit_events", "alembic_version"} <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == ["0005"]
        assert compare_metadata(MigrationContext.configure(connection), store.Base.metadata) == []


def test_save_and_get_round_trip_exactly(db):
    answers = {
        "name": NAME,
        "email": EMAIL,
        "phone": PHONE,
        "main_concerns": CONCERNS + "\nline two\t<b>bold</b> \"quoted\"",
        "notes": "Robert'); DROP TABLE intakes;--",
        "long_text": "ä" * 20_000,
        "empty": "",
        "phq9_item_9": 0,
        "age_18_or_over": True,
        "preferred_times": ["mornings", "Friday after 5"],
        "insurance": None,
    }
    for field, value in answers.items():
        store.save_answer("conv-1", field, value)
    assert store.get_answers("conv-1") == answers
    [intake] = store.list_intakes()
    assert (intake.name, intake.email, intake.phone) == (NAME, EMAIL, PHONE)
    assert intake.answers == answers
    assert intake.created_at.tzinfo is not None and intake.created_at.utcoffset() == timedelta(0)


def test_correction_overwrites_one_answer_and_contact_column(db):
    fill_intake()
    store.save_answer("conv-1", "phone", "+1 555 014 0000")
    [intake] = store.list_intakes()
    assert intake.phone == "+1 555 014 0000"
    assert store.get_answers("conv-1")["phone"] == "+1 555 014 0000"
    assert store.get_answers("conv-1")["email"] == EMAIL


def test_partial_intake_survives_a_restart(db):
    store.save_answer("conv-1", "name", NAME)
    store.save_answer("conv-1", "main_concerns", CONCERNS)
    before = store.get_engine()
    intake_id = store.start_or_resume_intake("conv-1").id
    store.dispose_engines()
    assert store.get_engine() is not before
    assert store.get_answers("conv-1") == {"name": NAME, "main_concerns": CONCERNS}
    assert store.start_or_resume_intake("conv-1").id == intake_id


def test_rejected_input_writes_nothing(db):
    with pytest.raises(ValueError):
        store.save_answer("conv-1", "my email is zoe@example.com", "x")
    with pytest.raises(ValueError):
        store.save_answer("conv-1", "score", float("nan"))
    with pytest.raises(ValueError):
        store.save_answer("conv-1", "when", object())
    assert store.list_intakes() == []


def test_storage_holds_no_plaintext_phi(db):
    fill_intake()
    store.submit_intake("conv-1", {"phq9_total": 14, "gad7_total": 9, "routing": "therapy_intake"})
    raw = db.raw_text()
    assert "conv-1" in raw and "therapy_intake" in raw  # the dump really contains the rows
    for secret in PHI:
        assert secret not in raw
        assert secret.lower() not in raw.lower()


def encrypted_tokens(url: str):
    with store.get_engine(url).connect() as connection:
        row = connection.execute(text("SELECT answers, name, email, phone FROM intakes")).one()
    return [value.encode() for value in row if value is not None]


def test_key_rotation(db, monkeypatch):
    fill_intake()
    expected = store.get_answers("conv-1")
    assert all(Fernet(KEY_A).decrypt(token) for token in encrypted_tokens(db.url))

    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", f"{KEY_B},{KEY_A}")
    assert store.get_answers("conv-1") == expected
    with store.session_scope() as session:
        assert store.rotate_keys(session) == 1
    assert all(Fernet(KEY_B).decrypt(token) for token in encrypted_tokens(db.url))

    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", KEY_B)
    assert store.get_answers("conv-1") == expected
    [intake] = store.list_intakes()
    assert (intake.name, intake.email, intake.phone) == (NAME, EMAIL, PHONE)

    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", KEY_A)
    with pytest.raises(store.IntakeEncryptionError):
        store.get_answers("conv-1")


def test_wrong_key_is_a_clear_error(db, monkeypatch):
    fill_intake()
    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", KEY_C)
    with pytest.raises(store.IntakeEncryptionError, match="Cannot decrypt .* INTAKE_ENCRYPTION_KEY"):
        store.get_answers("conv-1")
    with pytest.raises(store.IntakeEncryptionError):
        store.list_intakes()
    with pytest.raises(store.IntakeEncryptionError), store.session_scope() as session:
        store.rotate_keys(session)

    malformed = "not-a-real-fernet-key-4242"
    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", f"{KEY_A},{malformed}")
    with pytest.raises(store.IntakeEncryptionError, match="Key 2 in INTAKE_ENCRYPTION_KEY") as error:
        store.get_answers("conv-1")
    assert malformed not in str(error.value)


def test_development_key_is_created_0600_and_reused(db, tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("INTAKE_ENCRYPTION_KEY")
    key_file = tmp_path / "var" / "intake_encryption.key"
    assert not key_file.exists()
    with caplog.at_level(logging.WARNING, logger="clinic.adapters.intake_store"):
        store.save_answer("conv-1", "email", EMAIL)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_bytes().strip()
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert any("DEVELOPMENT key" in record.getMessage() for record in warnings)
    assert key.decode() not in caplog.text
    assert all(Fernet(key).decrypt(token) for token in encrypted_tokens(db.url))

    store.load_key_ring()  # as a restarted process would
    assert key_file.read_bytes().strip() == key
    store.dispose_engines()
    assert store.get_answers("conv-1") == {"email": EMAIL}


def test_audit_trail_names_actions_without_phi(db):
    fill_intake()
    intake = store.submit_intake("conv-1", {"phq9_total": 14, "asq_risk": "negative", "priority": "normal"})
    store.set_status(intake.id, "contacted", "staff:cli")
    with store.session_scope() as session:
        events = session.execute(select(store.AuditEvent).order_by(store.AuditEvent.id)).scalars().all()
        trail = [(event.intake_id, event.actor, event.action) for event in events]
    assert trail == [
        (intake.id, "assistant", "created"),
        (intake.id, "assistant", "answer_saved:name"),
        (intake.id, "assistant", "answer_saved:email"),
        (intake.id, "assistant", "answer_saved:phone"),
        (intake.id, "assistant", "answer_saved:main_concerns"),
        (intake.id, "assistant", "answer_saved:current_medications"),
        (intake.id, "assistant", "answer_saved:age_18_or_over"),
        (intake.id, "assistant", "answer_saved:phq9_item_1"),
        (intake.id, "assistant", "submitted"),
        (intake.id, "staff:cli", "status:contacted"),
    ]
    flat = " ".join(" ".join(map(str, row)) for row in trail)
    for secret in PHI:
        assert secret not in flat
    with pytest.raises(ValueError):
        store.set_status(intake.id, "contacted", "Zoë called back")


def test_submit_records_scores_and_status_changes(db):
    fill_intake()
    intake = store.submit_intake("conv-1", {"phq9_total": 21, "gad7_total": 16, "pcptsd5_total": 4,
                                            "asq_risk": "acute_positive", "routing": "urgent_callback",
                                            "priority": "urgent"})
    assert intake.status == "submitted" and intake.submitted_at is not None
    assert (intake.phq9_total, intake.gad7_total, intake.pcptsd5_total) == (21, 16, 4)
    assert (intake.asq_risk, intake.routing, intake.priority) == ("acute_positive", "urgent_callback", "urgent")
    assert [i.id for i in store.list_intakes(status="submitted")] == [intake.id]
    assert store.list_intakes(status="in_progress") == []
    assert store.list_intakes(since=intake.created_at + timedelta(seconds=1)) == []
    with pytest.raises(store.IntakeNotFound):
        store.submit_intake("conv-1", {})
    with pytest.raises(ValueError):
        store.submit_intake("conv-2", {"phq9_total": "21"})
    with pytest.raises(ValueError):
        store.submit_intake("conv-2", {"email": EMAIL})
    with pytest.raises(ValueError):
        store.set_status(intake.id, "lost", "staff:cli")
    with pytest.raises(store.IntakeNotFound):
        store.set_status(str(uuid.uuid4()), "closed", "staff:cli")
    assert store.set_status(intake.id, "closed", "staff:cli").status == "closed"


def test_purge_removes_old_rows_only(db):
    fill_intake("conv-old")
    fill_intake("conv-new")
    long_ago = store.utcnow() - timedelta(days=400)
    with store.session_scope() as session:
        old_id = session.execute(select(store.Intake.id).where(store.Intake.conversation_id == "conv-old")).scalar()
        session.execute(update(store.Intake).where(store.Intake.id == old_id)
                        .values(created_at=long_ago, updated_at=long_ago))
        session.execute(update(store.AuditEvent).where(store.AuditEvent.intake_id == old_id).values(at=long_ago))
        session.add(store.AuditEvent(intake_id=None, actor="system:retention", action="purged:0", at=long_ago))

    assert store.purge_older_than(365) == 1

    assert [intake.conversation_id for intake in store.list_intakes()] == ["conv-new"]
    assert store.get_answers("conv-old") == {}
    assert store.get_answers("conv-new")["email"] == EMAIL
    with store.session_scope() as session:
        events = session.execute(select(store.AuditEvent)).scalars().all()
        remaining = {(event.intake_id, event.action) for event in events}
    assert all(intake_id != old_id for intake_id, _ in remaining)
    assert (None, "purged:0") not in remaining  # the old purge record aged out too
    assert (None, "purged:1") in remaining
    assert len([e for e in remaining if e[0] is not None]) == 8  # conv-new: created + 7 answers
    assert store.purge_older_than(365) == 0


def test_resume_returns_the_same_intake(db):
    first = store.start_or_resume_intake("conv-1")
    assert store.start_or_resume_intake("conv-1").id == first.id
    store.save_answer("conv-1", "email", EMAIL)
    assert store.save_answer("conv-1", "phone", PHONE).id == first.id
    store.set_status(first.id, "paused", "assistant")
    resumed = store.start_or_resume_intake("conv-1")
    assert (resumed.id, resumed.status) == (first.id, "paused")
    assert store.get_answers("conv-1") == {"email": EMAIL, "phone": PHONE}
    assert store.start_or_resume_intake("conv-2").id != first.id

    store.submit_intake("conv-1", {})
    assert store.get_answers("conv-1") == {}
    assert store.start_or_resume_intake("conv-1").id != first.id
    assert len(store.list_intakes()) == 3


def test_default_database_lives_in_var(tmp_path, monkeypatch):
    monkeypatch.delenv("INTAKE_DATABASE_URL", raising=False)
    monkeypatch.setenv("INTAKE_VAR_DIR", str(tmp_path / "state"))
    assert store.database_url() == f"sqlite:///{tmp_path / 'state' / 'intake.db'}"
    monkeypatch.delenv("INTAKE_VAR_DIR")
    assert Path(store.database_url().removeprefix("sqlite:///")) == store.ROOT / "var" / "intake.db"
