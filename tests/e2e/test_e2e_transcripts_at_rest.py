"""End to end: a whole intake typed into the real servers, then the raw databases read as an attacker
with a copy of them would: the SQLite files byte for byte, PostgreSQL's tables as text. Nothing the
person typed (name, e-mail, phone, concerns, a crisis phrase) may be readable in any of them."""

import uuid

import pytest
import requests
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from tests.conftest import PG_URL
from tests.e2e_servers import Assistant

pytestmark = pytest.mark.e2e

NAME, EMAIL, PHONE = "Quilla Marbeck", "quilla.marbeck@example.org", "555-867-5309"
CONCERNS = "constant worry about my marriage and trouble focusing at the bakery"
CRISIS = "honestly I want to kill myself tonight"
SECRETS = (NAME, "Marbeck", EMAIL, "quilla.marbeck", "867-5309", "8675309", "worry about my marriage",
           "the bakery", CONCERNS, "kill myself", CRISIS)
INTAKE = (["yes please", NAME, f"my email is {EMAIL}", PHONE, "text me", "weekday mornings",
           "yes, I'm 41", "Virginia", "psychotherapy", CONCERNS]
          + ["several days", "more than half the days", "nearly every day", "not at all", "2", "1", "0",
             "a few days", "not at all"]
          + ["sometimes"] * 7 + ["self pay", "in person", "fridays"])


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request, tmp_path_factory):
    """The assistant with its tracker store and intake database on SQLite files or on PostgreSQL."""
    workdir = tmp_path_factory.mktemp(f"at_rest_{request.param}")
    env = {"INTAKE_VAR_DIR": str(workdir / "var"), "INTAKE_ENCRYPTION_KEY": Fernet.generate_key().decode()}
    admin = None
    if request.param == "sqlite":
        env.update({"INTAKE_DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}",
                    "TRACKER_STORE_DB": str(workdir / "tracker.db")})
    else:
        name = f"at_rest_{uuid.uuid4().hex[:12]}"
        admin = create_engine(PG_URL, future=True, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        env.update({"INTAKE_DATABASE_URL": f"{PG_URL.rsplit('/', 1)[0]}/{name}",
                    "TRACKER_STORE_DIALECT": "postgresql", "TRACKER_STORE_HOST": "127.0.0.1",
                    "TRACKER_STORE_PORT": "5432", "TRACKER_STORE_DB": name, "TRACKER_STORE_USERNAME": "postgres",
                    "TRACKER_STORE_PASSWORD": ""})
    assistant = Assistant(workdir, extra_env=env)
    assistant.env.update({key: value for key, value in env.items() if key.startswith("TRACKER_STORE_")})
    assistant.start()
    try:
        yield request.param, assistant, workdir, env
    finally:
        assistant.stop()
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{env["TRACKER_STORE_DB"]}" WITH (FORCE)'))
            admin.dispose()


def raw_contents(kind, workdir, env):
    """Every stored byte as an attacker with the database (not the key) sees it."""
    if kind == "sqlite":
        files = sorted(workdir.glob("tracker.db*")) + sorted(workdir.glob("intake.db*"))
        assert any(file.name == "tracker.db" for file in files)
        return "".join(file.read_bytes().decode("latin-1") for file in files)
    engine = create_engine(env["INTAKE_DATABASE_URL"], future=True)
    try:
        with engine.connect() as connection:
            tables = connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
            assert "events" in tables and "intakes" in tables
            return "\n".join(row[0] for table in tables
                             for row in connection.execute(text(f'SELECT t::text FROM "{table}" t')))
    finally:
        engine.dispose()


def test_nothing_typed_in_an_intake_is_readable_in_the_raw_databases(backend):
    kind, assistant, workdir, env = backend
    sender = f"at-rest-{uuid.uuid4().hex}"
    assert "Would you like to start?" in assistant.text(sender, "I'd like to book a consultation")
    reply = ""
    for message in INTAKE:
        reply = assistant.text(sender, message)
        assert reply, f"no answer to {message!r}"
    assert "Here's what you told me" in reply and EMAIL in reply
    assert "sent to our intake team" in assistant.text(sender, "submit")
    assert "988" in assistant.text(sender, CRISIS)  # the crisis response, at once

    # The conversation is stored whole and reads back through the server (decrypted) ...
    tracker = requests.get(f"{assistant.url}/conversations/{sender}/tracker",
                           params={"token": assistant.token}, timeout=30).json()
    said = [event.get("text") for event in tracker["events"] if event["event"] == "user"]
    assert CONCERNS in said and CRISIS in said and f"my email is {EMAIL}" in said
    raw = raw_contents(kind, workdir, env)
    assert sender in raw  # ... and its rows are in the raw data we read,
    leaked = [secret for secret in SECRETS if secret.lower() in raw.lower()]
    assert leaked == []  # but none of the person's words are


def test_every_database_file_and_folder_the_servers_create_is_owner_only(backend):
    kind, assistant, workdir, _ = backend
    assistant.text(f"modes-{uuid.uuid4().hex}", "hello")
    # The write-ahead logs hold recent rows too; test_e2e_resilience checks only the *.db files.
    created = [path for path in workdir.rglob("*") if path.name != "rasa.log"]
    if kind == "sqlite":
        assert {"tracker.db", "tracker.db-wal", "intake.db"} <= {path.name for path in created}
    for path in created:
        assert path.stat().st_mode & 0o077 == 0, f"{path.relative_to(workdir)} is open to other users"
