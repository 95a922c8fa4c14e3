"""The layers hold: the unit layer reaches no PostgreSQL, no Redis and starts no server
(tests/conftest.py's guard), so `make unit` passes on a machine without them and a test that needs
them must say so; and each package imports only what its layer may (docs/architecture.md)."""

import ast
import socket
from pathlib import Path

import pytest

Failed = pytest.fail.Exception


@pytest.mark.parametrize("port, service", [(5432, "PostgreSQL"), (6379, "Redis")])
def test_a_unit_test_that_connects_to_postgresql_or_redis_fails(port, service):
    with socket.socket() as sock, pytest.raises(Failed, match=f"connects to {service}.*mark it integration"):
        sock.connect(("127.0.0.1", port))
    with socket.socket() as sock, pytest.raises(Failed, match=service):
        sock.connect_ex(("127.0.0.1", port))
    with pytest.raises(Failed, match=service):
        socket.create_connection(("127.0.0.1", port), timeout=1)


def test_the_real_clients_are_stopped_before_they_connect():
    import redis
    from sqlalchemy import create_engine

    from tests.conftest import PG_URL

    with pytest.raises(Failed, match="Redis"):
        redis.Redis(host="127.0.0.1", port=6379, socket_timeout=1).ping()
    with pytest.raises(Failed, match="PostgreSQL"):  # libpq's own socket: stopped at psycopg2.connect
        create_engine(PG_URL, future=True).connect()


def test_a_unit_test_that_starts_a_server_fails():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        with pytest.raises(Failed, match="starts a server"):
            sock.listen()


def test_other_connections_are_left_alone():
    with socket.socket() as sock:  # nothing listens on port 1: refused, as without the guard
        assert sock.connect_ex(("127.0.0.1", 1)) != 0


@pytest.mark.integration
def test_an_integration_test_is_not_guarded():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()


# --- The import rule of the packages (docs/architecture.md) -------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
# What the domain may not reach: Rasa and its web server, SQL, Redis, the network, the outer layers.
NOT_IN_DOMAIN = {"rasa", "rasa_sdk", "sanic", "sqlalchemy", "psycopg2", "redis", "requests", "aiohttp",
                 "socket", "http", "urllib", "smtplib", "actions", "components", "clinic.adapters",
                 "clinic.entrypoints"}
# Storage and notification work without Rasa, and below the command lines that use them.
NOT_IN_ADAPTERS = {"rasa", "rasa_sdk", "sanic", "actions", "components", "clinic.entrypoints"}


def imported_modules(source: str) -> set:
    """Every module a file imports, at the top or inside a function, by its full dotted name;
    `from clinic import settings` counts as clinic.settings (and clinic)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def reaches(source: str, forbidden: set) -> set:
    return {name for name in imported_modules(source) for banned in forbidden
            if name == banned or name.startswith(banned + ".")}


def modules_of(folder: str):
    return sorted((ROOT / folder).rglob("*.py"))


def test_the_packages_hold_their_layers():
    assert {path.stem for path in modules_of("clinic/domain")} >= {"crisis_phrases", "intake_flow", "screening"}
    assert {path.stem for path in modules_of("clinic/adapters")} >= {"intake_store", "outbox", "transcripts"}
    assert {path.stem for path in modules_of("clinic/entrypoints")} >= {"staff", "outbox_worker", "intake_admin"}


@pytest.mark.parametrize("path", modules_of("clinic/domain"), ids=lambda path: path.name)
def test_the_domain_imports_no_rasa_sql_network_or_outer_layer(path):
    assert reaches(path.read_text(), NOT_IN_DOMAIN) == set()


@pytest.mark.parametrize("path", modules_of("clinic/adapters"), ids=lambda path: path.name)
def test_the_adapters_import_no_rasa_and_no_outer_layer(path):
    assert reaches(path.read_text(), NOT_IN_ADAPTERS) == set()


@pytest.mark.parametrize("path", modules_of("actions"), ids=lambda path: path.name)
def test_the_actions_reach_storage_only_through_the_adapters(path):
    assert reaches(path.read_text(), {"sqlalchemy", "psycopg2"}) == set()


@pytest.mark.parametrize("path", modules_of("components"), ids=lambda path: path.name)
def test_the_rasa_plugins_need_no_action_server_code(path):
    # The Rasa server's image holds no actions/ (tests/unit/test_rasa_image.py).
    assert reaches(path.read_text(), {"actions"}) == set()


@pytest.mark.parametrize("source, found", [
    ("import socket", {"socket"}),
    ("from urllib.parse import urlsplit", {"urllib.parse", "urllib.parse.urlsplit"}),
    ("def send():\n    from clinic.adapters import outbox", {"clinic.adapters", "clinic.adapters.outbox"}),
    ("from clinic import adapters", {"clinic.adapters"}),
    ("from rasa_sdk.events import SlotSet", {"rasa_sdk.events", "rasa_sdk.events.SlotSet"}),
    ("import httpx\nfrom clinic import settings\nfrom .screening import score_phq9", set()),
])
def test_the_check_finds_an_import_anywhere_in_a_module(source, found):
    assert reaches(source, NOT_IN_DOMAIN) == found
