"""Conversation transcripts (Rasa's tracker store `events` table): encryption at rest, retention and erasure.

Every event's JSON (what the visitor typed, every slot value) is stored as a Fernet token made with
the intake store's keys (INTAKE_ENCRYPTION_KEY, newest first), so one key setting and one rotation
cover intakes and transcripts. Rows written before encryption hold plain JSON: they are still read,
and `encrypt_and_rotate()` (run by `intake_admin.py rotate-key`) turns them into tokens.

The Rasa server's tracker store (components/tracker_store.py) uses the column type defined here;
the staff tools reach the same table from the TRACKER_STORE_* settings. No Rasa imports.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, List, Optional

from cryptography.fernet import InvalidToken
from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    Sequence,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import URL, Engine
from sqlalchemy.types import TypeDecorator

from clinic import settings
from clinic.adapters.intake_store import (
    ROOT,
    SECURE_DELETE,
    UNREADABLE,
    IntakeEncryptionError,
    key_ring,
    sqlite_pragmas,
)

EVENTS_TABLE = "events"
BATCH = 500  # rows per UPDATE/DELETE round, well under SQLite's bound-parameter limit


def _is_plain_json(value: str) -> bool:
    # Rasa's rows are json.dumps of a dict; a Fernet token is url-safe base64 and never starts with "{".
    return value.lstrip().startswith("{")


class EncryptedEventData(TypeDecorator):
    """The `data` column: a Fernet token of the event's JSON. Reads plain JSON rows written before
    encryption as they are, so existing conversations keep working."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Optional[str], dialect) -> Optional[str]:
        if value is None:
            return None
        return key_ring().encrypt(value.encode("utf-8")).decode("ascii")

    def process_result_value(self, value: Optional[str], dialect) -> Optional[str]:
        if value is None or _is_plain_json(value):
            return value
        try:
            return key_ring().decrypt(value.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeEncodeError):
            raise IntakeEncryptionError(UNREADABLE) from None


def events_table(metadata: Optional[MetaData] = None, data_type: Any = None) -> Table:
    """Rasa 3.6's `events` table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent), column for column."""
    return Table(
        EVENTS_TABLE, metadata or MetaData(),
        Column("id", Integer, Sequence(f"{EVENTS_TABLE}_seq", optional=True), primary_key=True),  # as Rasa's
        Column("sender_id", String(255), nullable=False, index=True),
        Column("type_name", String(255), nullable=False),
        Column("timestamp", Float),
        Column("intent_name", String(255)),
        Column("action_name", String(255)),
        Column("data", data_type if data_type is not None else Text),
    )


# Raw access (tokens as stored) for the maintenance functions below.
_EVENTS = events_table()


# --- The tracker database from the environment ---------------------------------------------------

def tracker_url() -> URL:
    """The tracker store's database as endpoints.yml configures it (TRACKER_STORE_*, defaults as in
    defaults.mk: SQLite var/tracker.db). A relative SQLite path is taken from the project root, the
    directory the servers run in."""
    dialect = settings.get("TRACKER_STORE_DIALECT")
    database = settings.get("TRACKER_STORE_DB")
    if dialect == "sqlite":
        return URL.create("sqlite", database=str(ROOT / database))  # an absolute path stays as it is
    return URL.create(
        dialect,
        username=settings.get("TRACKER_STORE_USERNAME"),
        password=settings.get("TRACKER_STORE_PASSWORD"),
        host=settings.get("TRACKER_STORE_HOST"),
        port=settings.get("TRACKER_STORE_PORT"),
        database=database,
    )


def describe(url: Optional[URL] = None) -> str:
    """The tracker database for messages to staff (no password)."""
    return (url or tracker_url()).render_as_string(hide_password=True)


def tracker_engine(url: Optional[URL] = None) -> Optional[Engine]:
    """An engine on the tracker database, or None when it has no events table yet. The caller
    disposes of it."""
    url = url or tracker_url()
    if url.get_backend_name() == "sqlite" and not os.path.exists(url.database or ""):
        return None  # never create an empty tracker file just to find nothing in it
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", sqlite_pragmas(SECURE_DELETE))
    if not inspect(engine).has_table(EVENTS_TABLE):
        engine.dispose()
        return None
    return engine


def compact_sqlite(engine: Engine) -> None:
    """SQLite: copies the write-ahead log into the file and empties it, so deleted rows do not linger
    there either (best effort: a reader holding the log open keeps it until the next checkpoint)."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


# --- Retention, erasure and rotation ---------------------------------------------------------------

@dataclass
class Removed:
    conversations: int = 0
    events: int = 0


def _delete_conversations(engine: Engine, sender_ids: List[str]) -> Removed:
    removed = Removed()
    with engine.begin() as connection:
        for start in range(0, len(sender_ids), BATCH):
            batch = sender_ids[start:start + BATCH]
            removed.events += connection.execute(delete(_EVENTS).where(_EVENTS.c.sender_id.in_(batch))).rowcount
    removed.conversations = len(sender_ids)
    if sender_ids:
        compact_sqlite(engine)
    return removed


def purge_conversations_before(engine: Engine, cutoff: datetime) -> Removed:
    """Deletes every conversation whose last event is older than `cutoff`, all its events with it
    (a transcript is kept or removed whole, never cut in the middle)."""
    last = func.max(func.coalesce(_EVENTS.c.timestamp, 0.0))
    query = select(_EVENTS.c.sender_id).group_by(_EVENTS.c.sender_id).having(last < cutoff.timestamp())
    with engine.connect() as connection:
        old = list(connection.execute(query).scalars())
    return _delete_conversations(engine, old)


def count_events(engine: Engine, sender_ids: Iterable[str]) -> int:
    wanted = sorted(set(sender_ids))
    with engine.connect() as connection:
        return sum(connection.execute(select(func.count()).select_from(_EVENTS)
                                      .where(_EVENTS.c.sender_id.in_(wanted[start:start + BATCH]))).scalar()
                   for start in range(0, len(wanted), BATCH))


def erase_conversations(engine: Engine, sender_ids: Iterable[str]) -> Removed:
    """Deletes every event of these conversations."""
    wanted = sorted({sender_id for sender_id in sender_ids if sender_id})
    with engine.connect() as connection:
        present = [sender_id for start in range(0, len(wanted), BATCH)
                   for sender_id in connection.execute(
                       select(_EVENTS.c.sender_id).distinct()
                       .where(_EVENTS.c.sender_id.in_(wanted[start:start + BATCH]))).scalars()]
    return _delete_conversations(engine, present)


def encrypt_and_rotate(engine: Engine) -> int:
    """Re-encrypts every event with the newest key, plain JSON rows from before encryption included;
    returns how many rows changed. Run after putting a new key first (and once after upgrading)."""
    ring = key_ring()
    changed = 0
    last_id = 0
    while True:
        with engine.begin() as connection:
            rows = connection.execute(select(_EVENTS.c.id, _EVENTS.c.data).where(_EVENTS.c.id > last_id)
                                      .order_by(_EVENTS.c.id).limit(BATCH)).all()
            for row in rows:
                if row.data is None:
                    continue
                try:
                    if _is_plain_json(row.data):
                        token = ring.encrypt(row.data.encode("utf-8"))
                    else:
                        token = ring.rotate(row.data.encode("ascii"))
                except (InvalidToken, UnicodeEncodeError):
                    raise IntakeEncryptionError(UNREADABLE) from None
                connection.execute(update(_EVENTS).where(_EVENTS.c.id == row.id).values(data=token.decode("ascii")))
                changed += 1
        if len(rows) < BATCH:
            return changed
        last_id = rows[-1].id
