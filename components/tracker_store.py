"""SQL tracker store configured entirely from environment variables.

endpoints.yml fills every setting from the environment, so one file serves SQLite (the
default) and PostgreSQL. Rasa's own SQLTrackerStore cannot take that: an unset variable
arrives as an empty string, and SQLite refuses a URL with a port or user name in it.

Transcripts are PHI: each event's JSON (typed text, slot values) is stored encrypted with the
intake store's keys (clinic/adapters/transcripts.py), and the plain columns hold only names the domain
defines, never anything a visitor typed.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from collections import OrderedDict
from typing import Any, Dict, FrozenSet, Generator, Iterable, Optional, Text, Tuple

from rasa.core.tracker_store import SQLTrackerStore, ensure_schema_exists
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.shared.utils.cli import print_error_and_exit
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.orm import declarative_base
from sqlalchemy.pool import QueuePool

from clinic.adapters.intake_store import SECURE_DELETE, sqlite_pragmas
from clinic.adapters.transcripts import EncryptedEventData, events_table

# Conversations whose last saved tracker this process keeps (a few MB for long ones).
TRACKER_CACHE_SIZE = 1000


class TrackerStoreInputError(RasaException):
    """A conversation id or event the database refused; the message fails, the server keeps serving."""


def blank_to_none(value: Any) -> Optional[Any]:
    """An unset variable reaches endpoints.yml as an empty string: None instead."""
    return None if value in ("", None) else value


_EventBase = declarative_base()


class EncryptedSQLEvent(_EventBase):
    """Rasa's `events` table, same columns, with `data` encrypted (plain JSON rows still read)."""

    __table__ = events_table(_EventBase.metadata, EncryptedEventData())


def domain_names(domain: Optional[Domain]) -> FrozenSet[Text]:
    """Intent, action, slot and form names: what the plain intent_name/action_name columns may hold."""
    if domain is None:
        return frozenset()
    return frozenset(itertools.chain(domain.intents, domain.action_names_or_texts,
                                     (slot.name for slot in domain.slots), domain.form_names))


class EnvironmentSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store, configured from the environment, which hands back the tracker it
    just saved instead of rebuilding it from every stored event on the next message.

    Rebuilding (load, parse and replay each event) grew from 19 ms to 243 ms per message over a
    200-turn conversation (bench/). The cached tracker is used only while the database still ends
    with the last event this process saved and the object still has exactly the events saved; any
    other server writing to the conversation, or a caller that changed the object without saving
    it, makes the next retrieve read the database as before. Each cached tracker is handed out
    once (then it is the caller's), so two callers never share one object.

    Every event's `data` is a Fernet token (clinic/adapters/transcripts.py); intent_name and action_name
    keep a name only when the domain defines it (a "/..." message or a slot's value never lands
    there in plain text).
    """

    # Rasa's own code (create_all, queries, retrieve) goes through self.Base and self.SQLEvent.
    Base = _EventBase
    SQLEvent = EncryptedSQLEvent

    def __init__(self, dialect: Text = "sqlite", host: Optional[Text] = None,
                 port: Any = None, db: Text = "var/tracker.db",
                 username: Optional[Text] = None, password: Optional[Text] = None,
                 login_db: Optional[Text] = None, **kwargs: Any) -> None:
        if dialect == "sqlite":
            host = port = username = password = login_db = None
        super().__init__(
            dialect=dialect, host=blank_to_none(host), port=blank_to_none(port), db=db,
            username=blank_to_none(username), password=blank_to_none(password),
            login_db=blank_to_none(login_db), **kwargs,
        )
        if dialect == "sqlite":
            # SQLAlchemy 1.4 opens and closes a SQLite file connection for every session (NullPool):
            # three sessions per message. A small pool keeps them open (SQLAlchemy 2.0's default);
            # Rasa uses them from its event-loop thread only.
            url = self.engine.url
            self.engine.dispose()
            self.engine = create_engine(url, poolclass=QueuePool, pool_size=5, max_overflow=5,
                                        connect_args={"check_same_thread": False})
            self.sessionmaker.configure(bind=self.engine)
            # Write-ahead log, synced at checkpoints: a message no longer waits ~5 ms for fsync
            # while holding the server (bench: 25.5 -> 32.7 msg/s). A power cut may lose the
            # last conversation writes, never corrupt the file; production uses PostgreSQL.
            # secure_delete: purged and erased transcripts leave no readable pages.
            event.listen(self.engine, "connect",
                         sqlite_pragmas("journal_mode=WAL", "synchronous=NORMAL", SECURE_DELETE))
            with self.engine.connect() as connection:  # WAL is a property of the file: set it now
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        # sender -> (last event id in the database, number of events, tracker object): trackers
        # saved by this process, waiting to be handed back, and trackers handed back, waiting
        # to be saved (their new events are the ones after that number).
        self._saved: "OrderedDict[Text, Tuple[Optional[int], int, DialogueStateTracker]]" = OrderedDict()
        self._handed_out: "OrderedDict[Text, Tuple[Optional[int], int, DialogueStateTracker]]" = OrderedDict()
        self._saved_lock = threading.Lock()

    @contextlib.contextmanager
    def session_scope(self) -> Generator[Any, None, None]:
        """Rasa's session scope, without its exit on any ValueError.

        Rasa reads every ValueError inside the scope as "the PostgreSQL schema is missing" and
        exits the process, but a lone surrogate in a conversation id (SQLite) or a NUL
        (PostgreSQL) raises one too: one such request stopped the whole server. Only the schema
        check keeps Rasa's exit; anything else fails the one operation."""
        session = self.sessionmaker()
        try:
            ensure_schema_exists(session)
        except ValueError as missing:  # a configuration error: Rasa's exit, as before
            session.close()
            print_error_and_exit(f"Requested PostgreSQL schema '{missing}' was not found in the database.")
        try:
            yield session
        except ValueError as error:
            session.rollback()
            raise TrackerStoreInputError(f"the tracker store refused the data ({type(error).__name__})") from None
        finally:
            session.close()

    def _last_event_id_query(self, sender_id: Text) -> Any:
        return select(func.max(self.SQLEvent.id)).where(self.SQLEvent.sender_id == sender_id)

    def _last_event_id(self, sender_id: Text) -> Optional[int]:
        with self.session_scope() as session:
            return session.execute(self._last_event_id_query(sender_id)).scalar()

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        with self._saved_lock:
            saved = self._saved.pop(sender_id, None)
        last_id = self._last_event_id(sender_id)
        if saved is not None:
            saved_last_id, length, tracker = saved
            if len(tracker.events) == length and last_id == saved_last_id:
                self._remember(self._handed_out, sender_id, saved)
                return tracker
        if last_id is None:
            # A new conversation (every visitor's first message): one indexed query instead of
            # Rasa's events query, and its first save may append without counting.
            self._remember(self._handed_out, sender_id, (None, 0, None))
            return None
        return await super().retrieve(sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker's new events.

        Rasa's save counts the conversation's stored events (a query over all of them) to find
        the new ones. For a tracker this process saved or handed back, the new events are those
        after the count it had then, provided the database still ends with the event this process
        stored last; otherwise Rasa's save runs as before."""
        with self._saved_lock:
            known = self._handed_out.pop(tracker.sender_id, None) or self._saved.get(tracker.sender_id)
        appended = False
        if (known is not None and (known[2] is tracker or known[2] is None)  # None: a new conversation
                and len(tracker.events) >= known[1]
                and tracker.events.maxlen is None):  # a capped history drops old events
            await self.stream_events(tracker)
            appended, last_id = self._append_new_events(tracker, expected_last_id=known[0], stored=known[1])
        if not appended:
            await self.stream_events(tracker)
            last_id = self._save_additional_events(tracker)
        self._remember(self._saved, tracker.sender_id, (last_id, len(tracker.events), tracker))

    def _append_new_events(self, tracker: DialogueStateTracker, expected_last_id: Optional[int],
                           stored: int) -> Tuple[bool, Optional[int]]:
        """Insert the events after the first `stored`: (True, the last event id now), or
        (False, None) with nothing written when the database does not end with
        `expected_last_id`."""
        with self.session_scope() as session:
            current = session.execute(self._last_event_id_query(tracker.sender_id)).scalar()
            if current != expected_last_id:
                return False, None
            if not self._insert(session, tracker.sender_id, itertools.islice(tracker.events, stored, None)):
                return True, current
            last_id = session.execute(self._last_event_id_query(tracker.sender_id)).scalar()
            session.commit()
            return True, last_id

    def _save_additional_events(self, tracker: DialogueStateTracker) -> Optional[int]:
        """Rasa's SQLTrackerStore.save (the events after those stored since the last session start),
        writing rows through _row; returns the conversation's last event id."""
        with self.session_scope() as session:
            self._insert(session, tracker.sender_id, self._additional_events(session, tracker))
            last_id = session.execute(self._last_event_id_query(tracker.sender_id)).scalar()
            session.commit()
            return last_id

    def _insert(self, session: Any, sender_id: Text, events: Iterable[Event]) -> bool:
        rows = [self._row(sender_id, event) for event in events]
        if rows:
            # One executemany through SQLAlchemy Core: the ORM inserted row by row to learn
            # each id, and only the last one is needed.
            session.execute(self.SQLEvent.__table__.insert(), rows)
        return bool(rows)

    def _known_names(self) -> FrozenSet[Text]:
        domain = self.domain
        cached = getattr(self, "_names_cache", None)
        if cached is None or cached[0] is not domain:
            cached = self._names_cache = (domain, domain_names(domain))
        return cached[1]

    def _row(self, sender_id: Text, event: Event) -> Dict[Text, Any]:
        """One event as Rasa's SQLTrackerStore.save stores it, except that the JSON is encrypted
        (by the column type) and a name the domain does not define is left out."""
        data = event.as_dict()
        names = self._known_names()
        intent = (data.get("parse_data") or {}).get("intent", {}) or {}
        intent_name, action_name = intent.get(INTENT_NAME_KEY), data.get("name")
        return {"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
                "intent_name": intent_name if isinstance(intent_name, str) and intent_name in names else None,
                "action_name": action_name if isinstance(action_name, str) and action_name in names else None,
                "data": json.dumps(data)}

    def _remember(self, cache: OrderedDict, sender_id: Text, entry: Tuple) -> None:
        with self._saved_lock:
            cache[sender_id] = entry
            cache.move_to_end(sender_id)
            while len(cache) > TRACKER_CACHE_SIZE:
                cache.popitem(last=False)
