"""Scale-out: two assistants (each with its Rasa server, action server and outbox worker) share one
PostgreSQL database (tracker store and intake store) and one Redis lock store on this machine, with
the shipped nginx configuration (deploy/nginx) in front of them.

What is guaranteed, and tested here:
- through nginx, each visitor stays on one server, so a conversation's messages are answered in
  the order sent, however fast they come;
- straight to several servers (no sticky sessions), messages are handled one at a time, none lost
  or doubled, in the order they reach the servers (a message that reached a server after another
  one did is answered after it);
- a server killed mid-message: the conversation goes on on another server within seconds (the
  dead server's lease lapses), and the message it was handling, sent again, gets a real answer.
The tests run in file order; the last one kills a server.
"""

import asyncio
import concurrent.futures
import http.client
import json
import os
import random
import signal
import ssl
import threading
import time
import uuid
from unittest import mock

import pytest
import requests
from cryptography.fernet import Fernet
from sqlalchemy import text

from components.lock_store import BUSY_REPLY
from tests import waiting
from tests.conftest import PG_URL
from tests.e2e.test_e2e_intake import GAD7_TYPED, PHQ9_TYPED, contact
from tests.e2e_servers import Assistant, Nginx
from tests.staff_receiver import running

SESSION_KEY = "scale-out-test-conversation-id-key"

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
        # Every server of one site signs the chat's conversation ids with the same key (docs/operations.md).
        "CONVERSATION_ID_KEY": SESSION_KEY,
        # Tests below pause an action server for a few seconds to hold a message inside the lock.
        "ACTION_TIMEOUT_SECONDS": "20",
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
        if assistant.process and assistant.process.returncode == -signal.SIGKILL:
            assistant.kill_hard()  # killed by a test: its servers may still be running


@pytest.fixture(scope="module")
def proxy(tmp_path_factory, servers):
    nginx = Nginx(tmp_path_factory.mktemp("nginx"), [f"127.0.0.1:{server.rasa_port}" for server in servers])
    nginx.start()
    yield nginx
    nginx.stop()


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

    wait_until(lambda: len(receiver.documents()) >= CONVERSATIONS, 30, "every summary reached the receiver")
    waiting.stays_true(lambda: len(receiver.documents()) == CONVERSATIONS, 2,
                       "two workers poll the same outbox: a double delivery would show up by then")
    summaries = [doc["conversation_id"] for doc in receiver.documents() if doc["type"] == "intake_summary"]
    assert sorted(summaries) == sorted(senders)




# --- Straight to both servers (REST, no sticky sessions) ----------------------------------------

def queued_tickets(prefix, sender):
    import redis

    return redis.Redis(host="127.0.0.1", port=6379, db=1).zcard(f"{prefix}:ticketlock:{sender}:tickets")


def wait_until(condition, seconds, what):
    return waiting.wait_until(condition, seconds, what, interval=0.02)  # tickets come and go within milliseconds


class Paused:
    """The action servers stopped (SIGSTOP) for a moment: a message that reaches a custom action
    stays inside its conversation's lock until they go on."""

    def __init__(self, *assistants):
        self.pids = [assistant.children()["actions"] for assistant in assistants]

    def __enter__(self):
        for pid in self.pids:
            os.kill(pid, signal.SIGSTOP)
        return self

    def __exit__(self, *exc):
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass  # killed meanwhile


def test_messages_that_reach_the_servers_one_after_another_are_answered_in_that_order(
        servers, redis_lock_prefix):
    """Each message is sent to the other server while every earlier one is still unanswered (held
    in the lock), so all are in flight together; the conversation must take them in the order
    they reached the servers. With each server's own lock instead of the shared one this fails:
    the messages never queue, and they run at once on both servers."""
    sender = f"order-{uuid.uuid4().hex[:8]}"
    messages = intake_messages(7)[:8]  # consent, contact ...: each answer is checked by a custom action
    replies = {}

    def send(turn):
        replies[turn] = servers[turn % 2].text(sender, messages[turn])

    threads, most_in_flight = [], 0
    with Paused(*servers):
        for turn in range(len(messages)):
            threads.append(threading.Thread(target=send, args=(turn,)))
            threads[-1].start()
            # Sent, and queued behind every earlier message still unanswered: only then the next.
            wait_until(lambda sent=turn + 1: queued_tickets(redis_lock_prefix, sender) == sent - len(replies), 5,
                       f"message {turn + 1} did not queue behind the earlier ones in the shared lock")
            most_in_flight = max(most_in_flight, queued_tickets(redis_lock_prefix, sender))
    for thread in threads:
        thread.join(60)
    assert most_in_flight >= len(messages) - 2  # nearly all were waiting together
    assert all(replies.get(turn) and replies[turn] != BUSY_REPLY for turn in range(len(messages)))
    texts, events = user_texts(servers[0], sender)
    assert texts == messages  # in the order sent, not merely the same messages
    assert "e-mail" in replies[2].lower() or "email" in replies[2].lower()  # the name was taken as the name
    kinds = [event["event"] for event in events if event["event"] in ("user", "bot")]
    assert all(kinds[position - 1] == "bot" for position, kind in enumerate(kinds) if kind == "user" and position)


def test_a_burst_with_no_gap_to_both_servers_is_handled_one_at_a_time_none_lost(servers):
    """Sent all at once to two servers, the messages' order is the order they reach the servers
    (which no one controls): what must hold is that none is lost or doubled and each is answered
    before the next one starts."""
    sender = f"burst-{uuid.uuid4().hex[:8]}"
    servers[0].text(sender, "hello")
    with concurrent.futures.ThreadPoolExecutor(len(FAQ_BURST)) as pool:
        replies = list(pool.map(lambda item: servers[item[0] % 2].text(sender, item[1]), enumerate(FAQ_BURST)))
    assert all(reply and reply != BUSY_REPLY for reply in replies)
    texts, events = user_texts(servers[1], sender)
    assert sorted(texts[1:]) == sorted(FAQ_BURST) and len(texts) == len(FAQ_BURST) + 1
    kinds = [event["event"] for event in events if event["event"] in ("user", "bot")]
    for position, kind in enumerate(kinds):
        if kind == "user" and position > 0:
            assert kinds[position - 1] == "bot", "two messages of one conversation were handled at once"


# --- Through nginx (socket.io, as the chat widget talks) ----------------------------------------

VISITORS = 20
VISITOR_BURST = 5


def client_address(number):
    return f"127.0.0.{10 + number}"  # each visitor its own address: the sticky hash spreads them


async def visit(proxy, address, session_id, messages, origin=None, done=None, refusals=None):
    """One visitor's chat over socket.io through nginx: all messages sent with no gap, then the
    connection kept until `await done(answers)` is true; returns the bot's answers."""
    import aiohttp
    import socketio

    refusals = [] if refusals is None else refusals
    connector = aiohttp.TCPConnector(local_addr=(address, 0), ssl=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        client = socketio.AsyncClient(http_session=session, ssl_verify=False, reconnection=False)
        answers, confirmed = [], asyncio.Event()
        client.on("session_confirm", lambda *_: confirmed.set())
        client.on("connect_error", lambda data=None: refusals.append(data))
        client.on("bot_uttered", lambda data: answers.append((data or {}).get("text") or ""))
        # Long-polling only: this venv's engine.io client needs a newer aiohttp for WebSockets. Polling
        # is the harder case for nginx anyway (every request must reach the same server);
        # test_nginx_passes_websocket_upgrades covers the WebSocket handshake.
        await client.connect(proxy.url, headers={"Origin": origin} if origin else {}, transports=["polling"],
                             socketio_path="/socket.io", wait_timeout=3 if origin else 20)
        try:
            await client.emit("session_request", {"session_id": session_id})
            await asyncio.wait_for(confirmed.wait(), 20)
            for message in messages:
                await client.emit("user_uttered", {"message": message, "session_id": session_id})
            deadline = time.monotonic() + 60
            while done and not await done(answers) and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
        finally:
            # Without waiting for the pending long poll to end (up to the ping interval).
            await client.eio.disconnect(abort=True)
        return answers


def finished(server, sender, count):
    """An async check: the conversation has `count` messages, all answered, and the visitor has
    received at least one answer each."""
    async def check(answers):
        if len(answers) < count:
            return False
        import aiohttp

        async with aiohttp.ClientSession() as session, session.get(
                f"{server.url}/conversations/{sender}/tracker", params={"token": server.token}) as response:
            events = (await response.json())["events"]
        return (sum(event["event"] == "user" for event in events) >= count
                and events[-1].get("name") == "action_listen")
    return check


def signed_session():
    """A chat session id as the servers issue it (signed with the site's key), and the
    conversation id Rasa files it under."""
    from components import conversation_ids

    with mock.patch.dict(os.environ, {"CONVERSATION_ID_KEY": SESSION_KEY}):
        session_id = conversation_ids.issue()
    return session_id, conversation_ids.conversation_of(session_id)


def test_through_nginx_every_visitors_burst_is_answered_in_the_order_sent(servers, proxy):
    sessions, senders = zip(*(signed_session() for _ in range(VISITORS)), strict=False)
    bursts = [random.Random(number).sample(FAQ_BURST, VISITOR_BURST) for number in range(VISITORS)]

    async def all_visitors():
        return await asyncio.gather(*(
            visit(proxy, client_address(number), sessions[number], bursts[number],
                  done=finished(servers[0], senders[number], VISITOR_BURST))
            for number in range(VISITORS)))

    answers = asyncio.run(all_visitors())
    for number, sender in enumerate(senders):
        texts, _ = user_texts(servers[0], sender)
        assert texts == bursts[number], f"{sender}: answered out of the order sent"
        assert len(answers[number]) >= VISITOR_BURST and all(answers[number])
        assert BUSY_REPLY not in answers[number]
    # Both servers answered visitors, and each visitor stayed on one of them.
    chosen = proxy.upstream_by_client()
    assert {chosen[client_address(number)] for number in range(VISITORS)} == {
        f"127.0.0.1:{server.rasa_port}" for server in servers}


def test_nginx_refuses_a_chat_from_a_foreign_origin(proxy):
    import socketio

    refusals = []
    with pytest.raises(socketio.exceptions.ConnectionError):
        asyncio.run(visit(proxy, "127.0.0.2", f"foreign{uuid.uuid4().hex[:8]}", [], origin="https://evil.example",
                          refusals=refusals))
    assert refusals  # the server said no (not merely a slow connection)


def test_nginx_passes_websocket_upgrades(proxy):
    handshake = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                 "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    status, headers, _ = request(proxy.https_port, "GET", "/socket.io/?EIO=4&transport=websocket",
                                 address="127.0.0.7", headers=handshake)
    headers = {name.lower(): value for name, value in headers.items()}
    assert status == 101 and headers.get("upgrade", "").lower() == "websocket"


def request(port, method, path, address="127.0.0.3", tls=True, body=None, headers=None):
    if tls:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        connection = http.client.HTTPSConnection("127.0.0.1", port, source_address=(address, 0),
                                                 context=context, timeout=10)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, source_address=(address, 0), timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_nginx_publishes_neither_the_rest_channel_nor_the_http_api(servers, proxy):
    sender = f"outside{uuid.uuid4().hex[:8]}"
    body = json.dumps({"sender": sender, "message": "hello"})
    for path in ["/webhooks/rest/webhook", "/socket.io/../webhooks/rest/webhook",
                 "/socket.io/%2e%2e/webhooks/rest/webhook", "//webhooks/rest/webhook"]:
        status, headers, _ = request(proxy.https_port, "POST", path, body=body,
                                     headers={"Content-Type": "application/json"})
        assert status == 404, path
        assert headers.get("Strict-Transport-Security", "").startswith("max-age=")
    for path in [f"/conversations/{sender}/tracker?token={servers[0].token}", "/status", "/version", "/"]:
        assert request(proxy.https_port, "GET", path)[0] == 404, path
    _, events = user_texts(servers[0], sender)
    assert not [event for event in events if event["event"] == "user"]  # nothing reached Rasa


def test_nginx_limits_request_rate_and_size_per_visitor(proxy):
    with concurrent.futures.ThreadPoolExecutor(8) as pool:  # within the 10 connections allowed
        statuses = list(pool.map(lambda _: request(proxy.https_port, "GET", "/socket.io/?EIO=4&transport=polling",
                                                   address="127.0.0.4")[0], range(60)))
    assert statuses.count(200) >= 20  # the burst allowance
    assert statuses.count(429) >= 20  # burst 20 at 5 a second: most of 60 quick requests are refused
    other = request(proxy.https_port, "GET", "/socket.io/?EIO=4&transport=polling", address="127.0.0.5")[0]
    assert other == 200  # another visitor is not affected
    status, _, _ = request(proxy.https_port, "POST", "/socket.io/?EIO=4&transport=polling", address="127.0.0.6",
                           body=b"x" * (1024 * 1024 + 1))
    assert status == 413


def test_nginx_serves_acme_challenges_on_port_80_and_redirects_the_rest(proxy):
    token = uuid.uuid4().hex
    (proxy.acme_root / ".well-known" / "acme-challenge" / token).write_text("proof-" + token)
    status, _, body = request(proxy.http_port, "GET", f"/.well-known/acme-challenge/{token}", tls=False)
    assert (status, body) == (200, f"proof-{token}".encode())
    assert request(proxy.http_port, "GET", "/.well-known/acme-challenge/missing", tls=False)[0] == 404
    status, headers, _ = request(proxy.http_port, "GET", "/socket.io/?EIO=4", tls=False)
    assert status == 301 and headers["Location"].startswith("https://")


# --- A server dies mid-message (runs last: it kills server A) -----------------------------------

async def at_least_one(answers):
    return len(answers) >= 1


def test_a_server_killed_mid_message_the_conversation_goes_on_at_once_on_the_other(
        servers, proxy, redis_lock_prefix):
    alive, doomed = servers[1], servers[0]
    sender = f"killed-{uuid.uuid4().hex[:8]}"
    messages = intake_messages(8)
    for message in messages[:3]:  # booking, consent, name
        assert alive.text(sender, message)
    crisis_sender = f"killedcrisis-{uuid.uuid4().hex[:8]}"
    lost = {}

    def send_to_doomed(conversation, message):
        try:
            lost[conversation] = doomed.text(conversation, message)
        except requests.RequestException as error:
            lost[conversation] = error

    with Paused(doomed):
        in_flight = [threading.Thread(target=send_to_doomed, args=(sender, messages[3])),
                     threading.Thread(target=send_to_doomed, args=(crisis_sender, "what are your hours"))]
        for thread in in_flight:
            thread.start()
        for conversation in (sender, crisis_sender):
            wait_until(lambda conversation=conversation: queued_tickets(redis_lock_prefix, conversation) == 1, 10,
                       "the message never took the lock")
        doomed.kill_hard()  # SIGKILL, holding both conversations' locks
    for thread in in_flight:
        thread.join(10)
    # The visitors saw their requests fail, and send again at once: one the same message, the
    # other something worse. Both are answered by the live server within a lease, not a minute.
    assert all(isinstance(lost.get(conversation), requests.RequestException)
               for conversation in (sender, crisis_sender))

    def timed(conversation, message):
        started = time.monotonic()
        return alive.text(conversation, message), time.monotonic() - started

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        resent = pool.submit(timed, sender, messages[3])  # the e-mail again
        crisis = pool.submit(timed, crisis_sender, "I want to kill myself tonight")
        (reply, waited), (crisis_reply, crisis_waited) = resent.result(), crisis.result()
    assert reply and reply != BUSY_REPLY
    assert waited < 12, f"the dead server's lock held the conversation for {waited:.1f} s"
    assert "phone" in reply.lower()  # the e-mail was taken; the next question is the phone number
    assert "988" in crisis_reply and "Are you safe right now?" in crisis_reply and crisis_waited < 12
    reply = alive.text(sender, messages[4])
    assert reply and reply != BUSY_REPLY
    texts, _ = user_texts(alive, sender)
    assert texts == messages[:5]  # every message once, in order

    # A chat visitor who was on the dead server is moved by nginx to the live one.
    moved = next(client for client, upstream in proxy.upstream_by_client().items()
                 if upstream == f"127.0.0.1:{doomed.rasa_port}")
    answers = asyncio.run(visit(proxy, moved, f"moved{uuid.uuid4().hex[:8]}", ["what are your hours"],
                                done=at_least_one))
    assert answers and answers[0] and BUSY_REPLY not in answers
