"""The unit layer reaches no PostgreSQL, no Redis and starts no server (tests/conftest.py's guard),
so `make unit` passes on a machine without them and a test that needs them must say so."""

import socket

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
