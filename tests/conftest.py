"""Shared fixtures: guard tables, Rasa SDK trackers for action tests, intake databases; the layers.

Layers (markers registered in pytest.ini): a test with no layer marker is a unit test and may not
start a server or reach PostgreSQL or Redis (unit_layer_guard fails it if it tries). integration:
the real PostgreSQL, Redis, or a loopback HTTP/SMTP server; e2e and browser start the assistant.
"""

from __future__ import annotations

import csv
import os
import socket
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence
from urllib.parse import urlsplit

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

    from clinic.adapters import intake_store

    folder = tmp_path_factory.mktemp("intake")
    monkeypatch.setenv("INTAKE_DATABASE_URL", f"sqlite:///{folder / 'intake.db'}")
    monkeypatch.setenv("INTAKE_VAR_DIR", str(folder / "var"))
    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", Fernet.generate_key().decode())
    # The purge and erasure also reach the tracker store: never the developer's var/tracker.db.
    monkeypatch.setenv("TRACKER_STORE_DIALECT", "sqlite")
    monkeypatch.setenv("TRACKER_STORE_DB", str(folder / "tracker.db"))
    for name in ("STAFF_WEBHOOK_URL", "STAFF_WEBHOOK_SECRET", "STAFF_EMAIL_TO", "SMTP_HOST", "INBOX_BASE_URL",
                 "ESCALATION_EMAIL_TO", "ESCALATION_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    yield
    intake_store.dispose_engines()


PG_URL = os.environ.get("INTAKE_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")

# The intake database backends a store test runs on: the PostgreSQL one belongs to the integration layer.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)]


# --- Layers ---------------------------------------------------------------------------------------

def integration_fixture(function):
    """Put under @pytest.fixture: the fixture starts a loopback server or reaches PostgreSQL or Redis,
    so every test that uses it, directly or through another fixture, is an integration test."""
    function.starts_a_server = True
    return function


LAYERS = ("integration", "e2e", "browser")


def pytest_collection_modifyitems(items):
    for item in items:
        definitions = getattr(item, "_fixtureinfo", None)
        uses = [fixture for name in (definitions.names_closure if definitions else ())
                for fixture in definitions.name2fixturedefs.get(name, ())]
        if any(getattr(fixture.func, "starts_a_server", False) for fixture in uses):
            item.add_marker(pytest.mark.integration)


SERVICE_PORTS = {5432: "PostgreSQL", 6379: "Redis", urlsplit(PG_URL).port or 5432: "PostgreSQL"}


@pytest.fixture(autouse=True)
def unit_layer_guard(request, monkeypatch):
    """A unit test fails at once if it connects to PostgreSQL or Redis or starts a server, so
    `make unit` passes with neither running and nothing slips into it that needs them."""
    if any(request.node.get_closest_marker(layer) for layer in LAYERS):
        yield
        return

    def refuse(what: str):
        pytest.fail(f"a unit test {what}: mark it integration (or use a fixture made with "
                    "integration_fixture)", pytrace=False)

    def check(address) -> None:
        if isinstance(address, tuple) and len(address) >= 2 and address[1] in SERVICE_PORTS:
            refuse(f"connects to {SERVICE_PORTS[address[1]]} at {address[0]}:{address[1]}")

    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self, address):
        check(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        check(address)
        return real_connect_ex(self, address)

    def listen(self, *args):
        refuse(f"starts a server (listens on {self.getsockname()})")

    def pg_connect(*args, **kwargs):
        refuse("connects to PostgreSQL (psycopg2.connect)")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket.socket, "listen", listen)
    try:  # libpq opens its own sockets, out of Python's sight: stop it at the driver
        import psycopg2
    except ImportError:
        pass
    else:
        monkeypatch.setattr(psycopg2, "connect", pg_connect)
    yield


@dataclass
class Database:
    backend: str
    url: str
    raw_text: Callable[[], str]  # everything stored in the given tables, as the database holds it


@pytest.fixture(scope="session")
@integration_fixture
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
def notification_database(request, tmp_path, monkeypatch) -> Iterator[Database]:
    """The notification tests' database: intakes and the outbox, migrated and ready for the store."""
    from clinic.adapters import intake_store as store

    with migrated_database(request, tmp_path, monkeypatch, tables=("outbox", "intakes")) as database:
        store.ensure_migrated()
        yield database


@contextmanager
def migrated_database(request, tmp_path, monkeypatch, tables: Sequence[str]) -> Iterator[Database]:
    """An empty, migrated intake database on request.param ("sqlite" or "postgresql").

    The caller sets the encryption key; PostgreSQL gets a fresh schema, dropped afterwards.
    """
    from sqlalchemy import text

    from clinic.adapters import intake_store as store

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


@pytest.fixture
def store(intake_env, monkeypatch):
    """The intake store the servers of an end-to-end module use (its `intake_env`: same database,
    same key), as staff tools would open it."""
    for name, value in intake_env.items():
        monkeypatch.setenv(name, value)
    from clinic.adapters import intake_store
    intake_store.dispose_engines()
    yield intake_store
    intake_store.dispose_engines()
