"""Scale-out: two assistants (each with its Rasa server, action server and outbox worker) share one
PostgreSQL database (tracker store and intake store) and one Redis lock store on this machine.
Every conversation's messages go alternately to both servers; nothing may be lost, reordered,
stored twice or handed off twice."""

import concurrent.futures
import time
import uuid

import pytest
import requests
from cryptography.fernet import Fernet
from sqlalchemy import text

from tests.conftest import PG_URL
from tests.e2e_servers import Assistant
from tests.staff_receiver import running
from tests.test_e2e_intake import GAD7_TYPED, PHQ9_TYPED, contact

pytestmark = pytest.mark.e2e

CONVERSATIONS = 4
FAQ_BURST = ["what are your hours", "how much does a session cost", "what is KAP", "do you take insurance",
             "is ketamine safe", "how long is a session", "where are you located", "do you offer telehealth"]


def intake_messages(number):
    return (["I'd like to book a consultation", "yes"]
            + contact(f"Client Number{number}", f"client{number}@example.com", f"555-301-{1000 + number}")
            + ["yes", "Virginia", "psychotherapy", f"stress and sleep problems, case {number}"]
            + PHQ9_TYPED + GAD7_TYPED + ["self-pay", "telehealth", "mornings", "submit"])


@pytest.fixture(scope="module")
def shared_database(postgres_admin):
    name = f"scale_{uuid.uuid4().hex[:10]}"
    with postgres_admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield name
    with postgres_admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def redis_lock_prefix():
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is not reachable at 127.0.0.1:6379 ({error}); .ci/run starts it")
    return f"scale{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def receiver():
    with running() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def servers(tmp_path_factory, shared_database, redis_lock_prefix, receiver):
    base = PG_URL.rsplit("/", 1)[0]
    env = {
        "TRACKER_STORE_DIALECT": "postgresql", "TRACKER_STORE_HOST": "127.0.0.1", "TRACKER_STORE_PORT": "5432",
        "TRACKER_STORE_DB": shared_database, "TRACKER_STORE_USERNAME": "postgres", "TRACKER_STORE_PASSWORD": "",
        "LOCK_STORE_TYPE": "redis", "LOCK_STORE_HOST": "127.0.0.1", "LOCK_STORE_PORT": "6379",
        "LOCK_STORE_DB": "1", "LOCK_STORE_KEY_PREFIX": redis_lock_prefix,
        "INTAKE_DATABASE_URL": f"{base}/{shared_database}",
        "INTAKE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "STAFF_WEBHOOK_URL": receiver.url, "STAFF_WEBHOOK_SECRET": "scale-secret",
        "OUTBOX_POLL_SECONDS": "0.3",
    }
    assistants = []
    for name in ("a", "b"):
        workdir = tmp_path_factory.mktemp(f"server_{name}")
        assistant = Assistant(workdir, extra_env=dict(env, INTAKE_VAR_DIR=str(workdir / "var")))
        # Assistant defaults to a SQLite tracker store: the shared PostgreSQL one replaces it.
        assistant.env.update({key: value for key, value in env.items() if key.startswith("TRACKER_STORE_")})
        assistants.append(assistant)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda assistant: assistant.start(), assistants))
    yield assistants
    for assistant in assistants:
        assistant.stop()


def user_texts(server, sender):
    tracker = requests.get(f"{server.url}/conversations/{sender}/tracker",
                           params={"token": server.token}, timeout=30).json()
    return [event.get("text") for event in tracker["events"] if event["event"] == "user"], tracker["events"]


def test_alternating_servers_keep_every_conversation_whole_and_hand_off_once(servers, receiver, shared_database):
    senders = [f"scale-{number}-{uuid.uuid4().hex[:6]}" for number in range(CONVERSATIONS)]

    def converse(number):
        sender, replies = senders[number], []
        for turn, message in enumerate(intake_messages(number)):
            reply = servers[(turn + number) % 2].text(sender, message)  # alternate: A, B, A, ...
            assert reply, f"no answer to {message!r} in {sender}"
            replies.append(reply)
        return replies

    with concurrent.futures.ThreadPoolExecutor(CONVERSATIONS) as pool:
        all_replies = list(pool.map(converse, range(CONVERSATIONS)))
    for replies in all_replies:
        assert "sent to our intake team" in replies[-1]

    for number, sender in enumerate(senders):
        texts_a, events = user_texts(servers[0], sender)
        texts_b, _ = user_texts(servers[1], sender)
        assert texts_a == texts_b == intake_messages(number)  # every message, in order, on both servers
        timestamps = [event["timestamp"] for event in events]
        assert timestamps == sorted(timestamps)

    from sqlalchemy import create_engine

    engine = create_engine(f"{PG_URL.rsplit('/', 1)[0]}/{shared_database}", future=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT conversation_id, status FROM intakes ORDER BY conversation_id")).all()
    finally:
        engine.dispose()
    assert sorted(rows) == sorted((sender, "submitted") for sender in senders)  # one intake each

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(receiver.documents()) < CONVERSATIONS:
        time.sleep(0.3)
    time.sleep(2)  # two workers poll the same outbox: a double delivery would show up now
    summaries = [doc["conversation_id"] for doc in receiver.documents() if doc["type"] == "intake_summary"]
    assert sorted(summaries) == sorted(senders)


def test_a_burst_to_both_servers_is_handled_one_message_at_a_time(servers):
    sender = f"burst-{uuid.uuid4().hex[:8]}"
    servers[0].text(sender, "hello")
    with concurrent.futures.ThreadPoolExecutor(len(FAQ_BURST)) as pool:
        replies = list(pool.map(lambda item: servers[item[0] % 2].text(sender, item[1]), enumerate(FAQ_BURST)))
    assert all(replies)
    texts, events = user_texts(servers[1], sender)
    assert sorted(texts[1:]) == sorted(FAQ_BURST) and len(texts) == len(FAQ_BURST) + 1
    # The Redis lock serialises a conversation: each message's bot answer follows it before the next
    # message is processed, so every user event is followed by a bot event.
    kinds = [event["event"] for event in events if event["event"] in ("user", "bot")]
    for position, kind in enumerate(kinds):
        if kind == "user" and position > 0:
            assert kinds[position - 1] == "bot", "two messages of one conversation were handled at once"
