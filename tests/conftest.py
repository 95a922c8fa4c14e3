"""Shared fixtures: guard tables, Rasa SDK trackers for action tests, intake databases."""

from __future__ import annotations

import csv
import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent


def read_guard_cases(name: str) -> List[Dict[str, str]]:
    with open(TESTS / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture
def make_tracker():
    """Builds a real rasa_sdk Tracker whose latest message has the given text and intent."""
    from rasa_sdk import Tracker

    def build(text: str = "", intent: Optional[str] = None, slots: Optional[Dict[str, Any]] = None,
              ranking: Optional[List[Dict[str, Any]]] = None, sender: str = "test-user") -> Tracker:
        latest = {"text": text, "intent": {"name": intent, "confidence": 1.0},
                  "intent_ranking": ranking or [], "entities": []}
        return Tracker(sender, slots or {}, latest, [], False, None, None, "action_listen")

    return build


# --- Intake databases: SQLite and the real PostgreSQL on 127.0.0.1:5432 ------------------------

@pytest.fixture(autouse=True)
def isolated_intake_database(request, tmp_path_factory, monkeypatch):
    """Every test gets its own empty intake database, key and staff settings, so no test ever
    writes to var/ or sends a real notification. Tests that need more set their own values."""
    if request.node.get_closest_marker("e2e") or request.node.get_closest_marker("browser"):
        yield  # those start real servers with their own environment
        return
    from cryptography.fernet import Fernet

    from actions import intake_store

    folder = tmp_path_factory.mktemp("intake")
    monkeypatch.setenv("INTAKE_DATABASE_URL", f"sqlite:///{folder / 'intake.db'}")
    monkeypatch.setenv("INTAKE_VAR_DIR", str(folder / "var"))
    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", Fernet.generate_key().decode())
    # The purge and erasure also reach the tracker store: never the developer's var/tracker.db.
    monkeypatch.setenv("TRACKER_STORE_DIALECT", "sqlite")
    monkeypatch.setenv("TRACKER_STORE_DB", str(folder / "tracker.db"))
    for name in ("STAFF_WEBHOOK_URL", "STAFF_WEBHOOK_SECRET", "STAFF_EMAIL_TO", "SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    yield
    intake_store.dispose_engines()


PG_URL = os.environ.get("INTAKE_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


@dataclass
class Database:
    backend: str
    url: str
    raw_text: Callable[[], str]  # everything stored in the given tables, as the database holds it


@pytest.fixture(scope="session")
def postgres_admin():
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError

    engine = create_engine(PG_URL, future=True, isolation_level="AUTOCOMMIT")
    try:
        engine.connect().close()
    except OperationalError as error:
        # A real PostgreSQL is part of the test set-up (.ci/run starts it): fail, never skip.
        pytest.fail(f"PostgreSQL not reachable at {PG_URL}: {error.orig}. Start it with: "
                    "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start")
    yield engine
    engine.dispose()


@contextmanager
def migrated_database(request, tmp_path, monkeypatch, tables: Sequence[str]) -> Iterator[Database]:
    """An empty, migrated intake database on request.param ("sqlite" or "postgresql").

    The caller sets the encryption key; PostgreSQL gets a fresh schema, dropped afterwards.
    """
    from sqlalchemy import text

    from actions import intake_store as store

    monkeypatch.setenv("INTAKE_VAR_DIR", str(tmp_path / "var"))
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'intake.db'}"

        def raw_text() -> str:
            store.dispose_engines()
            return "".join(file.read_bytes().decode("latin-1") for file in tmp_path.glob("intake.db*"))

        teardown = store.dispose_engines
    else:
        admin = request.getfixturevalue("postgres_admin")
        schema = f"intake_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"

        def raw_text() -> str:
            query = " UNION ALL ".join(f"SELECT t::text FROM {table} t" for table in tables)
            with store.get_engine(url).connect() as connection:
                return "\n".join(row[0] for row in connection.execute(text(query)))

        def teardown() -> None:
            store.dispose_engines()
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

    monkeypatch.setenv("INTAKE_DATABASE_URL", url)
    store.dispose_engines()
    try:
        store.migrate()
        yield Database(request.param, url, raw_text)
    finally:
        teardown()
