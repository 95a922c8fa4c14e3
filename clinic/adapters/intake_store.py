"""Encrypted storage of pre-screening intakes: models, migrations, sessions and the API the actions use.

PHI (contact details and every answer) is encrypted at rest with Fernet keys from
INTAKE_ENCRYPTION_KEY; the plain columns hold only ids, statuses, timestamps and scores.
No Rasa imports, so the actions, a staff CLI and the tests share it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Union

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    create_engine,
    delete,
    event,
    literal,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, declarative_base, sessionmaker
from sqlalchemy.types import TypeDecorator

from clinic import settings

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS_DIR = ROOT / "migrations"
KEY_ENV = "INTAKE_ENCRYPTION_KEY"
DATABASE_URL_ENV = "INTAKE_DATABASE_URL"
VAR_DIR_ENV = "INTAKE_VAR_DIR"
DEV_KEY_FILE = "intake_encryption.key"

STATUSES = ("in_progress", "submitted", "paused", "contacted", "closed", "ineligible", "withdrawn")
OPEN_STATUSES = ("in_progress", "paused")
INTAKE_PRIORITIES = ("normal", "urgent")  # how soon staff should contact the person
CONTACT_COLUMNS = ("name", "email", "phone")  # the encrypted columns beside the answers
SCORE_FIELDS = ("phq9_total", "gad7_total", "pcptsd5_total", "asq_risk", "routing")
# Field names and actors end up in the unencrypted audit trail, so they must be identifiers, never free text.
FIELD_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
ACTOR_PATTERN = re.compile(r"[A-Za-z0-9_.:@-]{1,64}")
# Serialises concurrent migrations on PostgreSQL (several action-server workers starting at once).
MIGRATION_LOCK_ID = 72_635_101
PURGE_BATCH = 500  # ids per DELETE, well under SQLite's bound-parameter limit


class IntakeEncryptionError(RuntimeError):
    """The encryption keys are malformed, or none of them opens the stored data."""


class IntakeNotFound(LookupError):
    """No intake matches the id or conversation."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def var_dir() -> Path:
    """Where local state lives: INTAKE_VAR_DIR, else var/ in the project root."""
    return Path(settings.raw(VAR_DIR_ENV) or ROOT / "var")


# --- Encryption ---------------------------------------------------------------------------

def _dev_key(path: Path) -> bytes:
    """Reads the development key, creating it (mode 0600) on first use."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            logger.warning("Development key file %s is readable by other users; run chmod 600 on it", path)
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(key + b"\n")
    return key


def load_key_ring() -> MultiFernet:
    """The keys from INTAKE_ENCRYPTION_KEY (newest first), or the development key file when it is unset."""
    configured = (settings.raw(KEY_ENV) or "").strip()
    if configured:
        keys = [part.strip().encode("ascii", "replace") for part in configured.split(",") if part.strip()]
        source = KEY_ENV
    else:
        path = var_dir() / DEV_KEY_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = [_dev_key(path)]
        source = str(path)
        logger.warning(
            "%s is not set: encrypting intakes with the DEVELOPMENT key in %s. "
            "Set %s to a Fernet key in production.", KEY_ENV, path, KEY_ENV,
        )
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            raise IntakeEncryptionError(
                f"Key {position} in {source} is not a valid Fernet key (32 url-safe base64-encoded bytes)"
            ) from None
    return MultiFernet(fernets)


@lru_cache(maxsize=8)
def _cached_key_ring(configured: str, key_dir: str) -> MultiFernet:
    # The arguments are only the cache key: a changed key setting or var dir loads afresh.
    return load_key_ring()


def key_ring() -> MultiFernet:
    """The current keys, re-read whenever the environment changes."""
    return _cached_key_ring((settings.raw(KEY_ENV) or "").strip(), str(var_dir()))


UNREADABLE = (
    "Cannot decrypt stored intake data: none of the keys in INTAKE_ENCRYPTION_KEY (or the development "
    "key file when it is unset) matches. Was a key removed before rotate_keys() ran, or was the key lost?"
)


class EncryptedText(TypeDecorator):
    """Text encrypted with the newest key and decrypted with any configured key."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Optional[str], dialect) -> Optional[str]:
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError(f"{type(self).__name__} stores str, not {type(value).__name__}")
        return key_ring().encrypt(value.encode("utf-8")).decode("ascii")

    def process_result_value(self, value: Optional[str], dialect) -> Optional[str]:
        if value is None:
            return None
        try:
            return key_ring().decrypt(value.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise IntakeEncryptionError(UNREADABLE) from None


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)


class EncryptedJSON(EncryptedText):
    """A JSON document stored as EncryptedText."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect) -> Optional[str]:
        return None if value is None else super().process_bind_param(to_json(value), dialect)

    def process_result_value(self, value: Optional[str], dialect) -> Any:
        plain = super().process_result_value(value, dialect)
        return None if plain is None else json.loads(plain)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps them as naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Optional[datetime], dialect) -> Optional[datetime]:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


# --- Models (migrations/versions mirror these by hand) --------------------------------------

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def sql_one_of(column: str, values) -> str:
    """The SQL of a CHECK constraint: `column` holds one of `values` (the models of every table use it)."""
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Intake(Base):
    __tablename__ = "intakes"
    __table_args__ = (
        CheckConstraint(sql_one_of("status", STATUSES), name="status"),
        CheckConstraint(sql_one_of("priority", INTAKE_PRIORITIES), name="priority"),
    )

    id = Column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    conversation_id = Column(String(255), nullable=False, index=True)  # Rasa sender id, not PHI
    status = Column(String(16), nullable=False, default="in_progress", index=True)
    priority = Column(String(8), nullable=False, default="normal")
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow, index=True)
    submitted_at = Column(UTCDateTime)
    answers = Column(EncryptedJSON, nullable=False, default=dict)
    name = Column(EncryptedText)
    email = Column(EncryptedText)
    phone = Column(EncryptedText)
    phq9_total = Column(Integer)
    gad7_total = Column(Integer)
    pcptsd5_total = Column(Integer)
    asq_risk = Column(String(32))
    routing = Column(String(64))

    def __repr__(self) -> str:  # never show PHI, even in a traceback
        return f"<Intake {self.id} {self.status}>"


class AuditEvent(Base):
    """Who did what to which intake, and when; never a value."""

    __tablename__ = "audit_events"

    id = Column(Integer, primary_key=True, autoincrement=True)
    intake_id = Column(String(36), ForeignKey("intakes.id", ondelete="CASCADE"), index=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    actor = Column(String(64), nullable=False)
    action = Column(String(80), nullable=False)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} by {self.actor}>"


# --- Engine, sessions and migrations ---------------------------------------------------------

def database_url() -> str:
    """INTAKE_DATABASE_URL, else the SQLite file var/intake.db."""
    return settings.get(DATABASE_URL_ENV) or f"sqlite:///{var_dir() / 'intake.db'}"


# Deleted rows are overwritten with zeros instead of staying readable in free pages (purge, erasure).
SECURE_DELETE = "secure_delete=ON"


def sqlite_pragmas(*settings: str) -> Callable[[Any, Any], None]:
    """A "connect" listener that applies each PRAGMA setting to every new SQLite connection."""
    def apply(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        for setting in settings:
            cursor.execute(f"PRAGMA {setting}")
        cursor.close()
    return apply


_engines: Dict[str, Engine] = {}
_sessionmakers: Dict[str, sessionmaker] = {}
_engines_lock = threading.Lock()


def get_engine(url: Optional[str] = None) -> Engine:
    """One engine per database URL for the life of the process."""
    url = url or database_url()
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            parsed = make_url(url)
            if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, future=True, pool_pre_ping=True)
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", sqlite_pragmas("foreign_keys=ON", "journal_mode=WAL", SECURE_DELETE))
            _engines[url] = engine
            _sessionmakers[url] = sessionmaker(bind=engine, future=True, expire_on_commit=False)
        return engine


def dispose_engines() -> None:
    """Closes every pooled connection and forgets the engines (shutdown, tests)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _sessionmakers.clear()


@contextmanager
def session_scope(url: Optional[str] = None) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    url = url or database_url()
    get_engine(url)
    session = _sessionmakers[url]()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def migrate(url: Optional[str] = None) -> None:
    """Brings the database schema to the newest migration (alembic upgrade head); safe to repeat."""
    from alembic import command
    from alembic.config import Config

    engine = get_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolates "%", which URL-encoded passwords and options contain.
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


_migrated: set = set()
_migrate_lock = threading.Lock()


def ensure_migrated(url: Optional[str] = None) -> None:
    """migrate() once per database URL in this process (the first storage call of a server)."""
    url = url or database_url()
    with _migrate_lock:
        if url not in _migrated:
            migrate(url)
            _migrated.add(url)


# --- API for the chat actions and staff tools -------------------------------------------------

def audit(session: Session, intake_id: Optional[str], actor: str, action: str) -> None:
    if not ACTOR_PATTERN.fullmatch(actor):
        raise ValueError("actor must be 1-64 characters of letters, digits and _.:@-")
    session.add(AuditEvent(intake_id=intake_id, actor=actor, action=action))


def _open_intake(session: Session, conversation_id: str) -> Optional[Intake]:
    query = (
        select(Intake)
        .where(Intake.conversation_id == conversation_id, Intake.status.in_(OPEN_STATUSES))
        .order_by(Intake.created_at.desc())
        .limit(1)
    )
    return session.execute(query).scalar_one_or_none()


def _start_or_resume(session: Session, conversation_id: str) -> Intake:
    intake = _open_intake(session, conversation_id)
    if intake is None:
        intake = Intake(id=str(uuid.uuid4()), conversation_id=conversation_id, answers={})
        session.add(intake)
        session.flush()
        audit(session, intake.id, "assistant", "created")
    return intake


def start_or_resume_intake(conversation_id: str) -> Intake:
    """The conversation's in-progress or paused intake (status unchanged), or a new one."""
    with session_scope() as session:
        return _start_or_resume(session, conversation_id)


def start_new_intake(conversation_id: str) -> Intake:
    """A new intake for the conversation, even when one is open: used when the person could not
    confirm the saved one is theirs (the e-mail check on resume). The old one is closed as
    withdrawn, kept for staff, so two people's answers never mix in one record."""
    with session_scope() as session:
        old = _open_intake(session, conversation_id)
        if old is not None:
            old.status = "withdrawn"
            old.updated_at = utcnow()
            audit(session, old.id, "assistant", "superseded:resume_check_failed")
        return _start_or_resume(session, conversation_id)


def save_answer(conversation_id: str, field: str, value: Any) -> Intake:
    """Stores one answer in the open intake (creating it if needed); contact fields also fill their columns."""
    if not FIELD_PATTERN.fullmatch(field):
        raise ValueError("field must be a lower-case identifier of at most 64 characters")
    try:
        to_json(value)
    except (TypeError, ValueError):
        raise ValueError(f"the answer for {field} cannot be stored as JSON") from None
    with session_scope() as session:
        intake = _start_or_resume(session, conversation_id)
        intake.answers = {**intake.answers, field: value}
        if field in CONTACT_COLUMNS:
            setattr(intake, field, None if value is None else str(value))
        intake.updated_at = utcnow()
        audit(session, intake.id, "assistant", f"answer_saved:{field}")
        return intake


def get_answers(conversation_id: str) -> Dict[str, Any]:
    """The answers of the conversation's open intake; empty when there is none."""
    with session_scope() as session:
        intake = _open_intake(session, conversation_id)
        return dict(intake.answers) if intake else {}


def set_status(intake_id: str, status: str, actor: str) -> Intake:
    """Moves an intake to a status, audited as "status:<status>" by the actor (e.g. "staff:cli")."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    with session_scope() as session:
        intake = session.get(Intake, intake_id)
        if intake is None:
            raise IntakeNotFound(f"no intake with id {intake_id}")
        intake.status = status
        if status == "submitted" and intake.submitted_at is None:
            intake.submitted_at = utcnow()
        intake.updated_at = utcnow()
        audit(session, intake.id, actor, f"status:{status}")
        return intake


def _check_scores(scores: Mapping[str, Any]) -> None:
    unknown = set(scores) - set(SCORE_FIELDS) - {"priority"}
    if unknown:
        raise ValueError(f"unknown score fields: {', '.join(sorted(unknown))}")
    for field in ("phq9_total", "gad7_total", "pcptsd5_total"):
        value = scores.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(f"{field} must be an integer")
    for field, size in (("asq_risk", 32), ("routing", 64)):
        value = scores.get(field)
        if value is not None and not (isinstance(value, str) and len(value) <= size):
            raise ValueError(f"{field} must be a string of at most {size} characters")
    if "priority" in scores and scores["priority"] not in INTAKE_PRIORITIES:
        raise ValueError(f"priority must be one of {', '.join(INTAKE_PRIORITIES)}")


def submit_intake(conversation_id: str, scores: Union[Mapping[str, Any], Callable[[Intake], Mapping[str, Any]]],
                  on_submit: Optional[Callable[[Session, Intake], None]] = None) -> Intake:
    """Submits the open intake with its scores (phq9_total, gad7_total, pcptsd5_total, asq_risk,
    routing and optionally priority "normal"|"urgent").

    scores may be a function of the stored intake, called inside the transaction: the chat scores
    the answers as stored, never what its caller says they were (clinic/adapters/handoff.py).
    on_submit(session, intake) runs inside the same transaction, after the intake is marked
    submitted: what it adds (the staff notification) is committed together with the submission,
    or not at all."""
    if not callable(scores):
        _check_scores(scores)
    with session_scope() as session:
        intake = _open_intake(session, conversation_id)
        if intake is None:
            raise IntakeNotFound(f"no open intake for conversation {conversation_id}")
        if callable(scores):
            scores = scores(intake)
            _check_scores(scores)
        for field in SCORE_FIELDS:
            if field in scores:
                setattr(intake, field, scores[field])
        if "priority" in scores:
            intake.priority = scores["priority"]
        intake.status = "submitted"
        intake.submitted_at = intake.updated_at = utcnow()
        audit(session, intake.id, "assistant", "submitted")
        if on_submit is not None:
            session.flush()
            on_submit(session, intake)
        return intake


def list_intakes(status: Optional[str] = None, since: Optional[datetime] = None) -> List[Intake]:
    """Intakes, oldest first, optionally only one status and only those created at or after `since`."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    query = select(Intake).order_by(Intake.created_at, Intake.id)
    if status is not None:
        query = query.where(Intake.status == status)
    if since is not None:
        query = query.where(Intake.created_at >= since)
    with session_scope() as session:
        return list(session.execute(query).scalars())


def purge_older_than(days: int, actor: str = "system:retention") -> int:
    """Deletes intakes untouched for `days` days with their audit trail, older audit rows of intakes
    already gone and older delivered/failed notifications; records "purged:<count>". Returns how many
    intakes were deleted."""
    if days < 0:
        raise ValueError("days must not be negative")
    cutoff = utcnow() - timedelta(days=days)
    with session_scope() as session:
        old_ids = session.execute(select(Intake.id).where(Intake.updated_at < cutoff)).scalars().all()
        for start in range(0, len(old_ids), PURGE_BATCH):
            batch = old_ids[start:start + PURGE_BATCH]
            session.execute(delete(AuditEvent).where(AuditEvent.intake_id.in_(batch)))
            session.execute(delete(Intake).where(Intake.id.in_(batch)))
        session.execute(delete(AuditEvent).where(AuditEvent.intake_id.is_(None), AuditEvent.at < cutoff))
        # Staff notifications copy the same PHI: delivered or failed ones go with the same cutoff;
        # pending ones stay until they are delivered (a purge never loses an undelivered alert).
        outbox = Base.metadata.tables.get("outbox")  # defined by clinic.adapters.outbox, which imports this module
        if outbox is not None:
            session.execute(delete(outbox).where(outbox.c.created_at < cutoff, outbox.c.status != "pending"))
        audit(session, None, actor, f"purged:{len(old_ids)}")
        return len(old_ids)


def rotate_keys(session: Session) -> int:
    """Re-encrypts every encrypted column with the newest key; returns how many rows changed.

    Works on the stored tokens directly (MultiFernet.rotate), in the caller's transaction.
    """
    ring = key_ring()
    session.flush()
    rotated = 0
    for table in Base.metadata.sorted_tables:
        columns = [column for column in table.columns if isinstance(column.type, EncryptedText)]
        if not columns:
            continue
        primary_key = table.primary_key.columns.values()
        query = select(*primary_key, *(type_coerce(column, Text).label(column.name) for column in columns))
        for row in session.execute(query).mappings().all():
            values = {}
            for column in columns:
                token = row[column.name]
                if token is not None:
                    try:
                        values[column.name] = literal(ring.rotate(token.encode("ascii")).decode("ascii"), Text)
                    except InvalidToken:
                        raise IntakeEncryptionError(UNREADABLE) from None
            if values:
                where = [key == row[key.name] for key in primary_key]
                session.execute(update(table).where(*where).values(**values))
                rotated += 1
    session.expire_all()
    return rotated
