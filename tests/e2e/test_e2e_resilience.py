"""End to end: no single request or crashed process takes the assistant down.

The real servers under scripts/run_all.py, with a short health-check interval so a hung server is
noticed within seconds. Malformed conversation ids over REST and socket.io are refused at the
edge while ordinary visitors keep getting answers; a killed or hung action server is restarted
and, meanwhile, a crisis message still gets the crisis response from the Rasa server itself.
"""

import asyncio
import os
import signal
import time
import uuid
from pathlib import Path
from typing import List, Optional

import pytest
import requests
import socketio

from tests import waiting
from tests.e2e_servers import Assistant

pytestmark = pytest.mark.e2e

ACTION_TIMEOUT = 2


def descendants(pid: int) -> List[int]:
    found, queue = [], [pid]
    while queue:
        parent = queue.pop()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                    found.append(int(entry.name))
                    queue.append(int(entry.name))
    return found


def server_pid(assistant: Assistant, marker: str) -> Optional[int]:
    """The pid of the supervised process whose command line contains `marker`."""
    for pid in descendants(assistant.process.pid):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(marker.encode() in part for part in argv):
            return pid
    return None


def wait_until(condition, seconds: float, message: str):
    # Twice a second is often enough for a restarting server, and leaves it the CPU.
    return waiting.wait_until(condition, seconds, message, interval=0.5)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("resilience")
    running = Assistant(workdir, {
        "INTAKE_DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}", "INTAKE_VAR_DIR": str(workdir / "var"),
        "STAFF_WEBHOOK_URL": "", "STAFF_EMAIL_TO": "", "SMTP_HOST": "", "OUTBOX_WORKER": "off",
        "ACTION_TIMEOUT_SECONDS": str(ACTION_TIMEOUT), "WATCHDOG_INTERVAL_SECONDS": "1",
        "WATCHDOG_TIMEOUT_SECONDS": "1", "WATCHDOG_FAILURES": "2", "MAX_MESSAGE_CHARS": "1000",
    }, log_path=workdir / "servers.log").start()
    yield running
    running.stop()


def post(assistant: Assistant, body) -> requests.Response:
    return requests.post(f"{assistant.url}/webhooks/rest/webhook", json=body, timeout=60)


@pytest.mark.parametrize("sender", ["\ud800", "a\u0000b", "x" * 500, "", "../../status", 12, ["a"]],
                         ids=["surrogate", "nul", "long", "empty", "path", "number", "list"])
def test_a_malformed_conversation_id_is_refused_and_others_still_get_answers(assistant, sender):
    refused = post(assistant, {"sender": sender, "message": "hello"})
    assert refused.status_code == 400 and "sender" in refused.json()["error"]
    assert "automated assistant" in assistant.text(f"after-{uuid.uuid4().hex}", "hi")


def test_callers_without_a_sender_are_refused_and_never_share_a_conversation(assistant):
    # Rasa would file them all under one "default" conversation: the next caller would carry on
    # the previous caller's intake and, at review, see their name, e-mail and phone.
    for body in ({"message": "book a consultation"}, {"sender": None, "message": "yes"}, {"sender": "..",
                                                                                           "message": "hi"}):
        refused = post(assistant, body)
        assert refused.status_code == 400 and "sender" in refused.json()["error"]
    tracker = requests.get(f"{assistant.url}/conversations/default/tracker", params={"token": assistant.token},
                           timeout=60).json()
    assert not [event for event in tracker.get("events", []) if event.get("event") == "user"]


@pytest.mark.parametrize("message", [None, 42, {"text": "hi"}], ids=["missing", "number", "object"])
def test_a_message_that_is_not_text_is_refused_clearly(assistant, message):
    refused = post(assistant, {"sender": f"m-{uuid.uuid4().hex}", "message": message})
    assert refused.status_code == 400 and "message" in refused.json()["error"]


def test_an_over_long_message_gets_a_kind_answer_with_the_crisis_line(assistant):
    replies = assistant.say(f"long-{uuid.uuid4().hex}", "please help " * 200)
    assert len(replies) == 1 and "1,000 characters" in replies[0]["text"] and "988" in replies[0]["text"]


def test_control_characters_and_surrogates_in_text_are_cleaned_not_lost(assistant):
    reply = assistant.text(f"clean-{uuid.uuid4().hex}", "what are your\u0000 hours\ud800")
    assert "Monday" in reply


def test_socketio_refuses_malformed_ids_and_keeps_serving(assistant):
    async def visit():
        client = socketio.AsyncClient()
        replies, confirmed = [], []
        client.on("bot_uttered", lambda data: replies.append(data))
        client.on("session_confirm", lambda data: confirmed.append(data))
        await client.connect(assistant.url, transports=["polling"], socketio_path="/socket.io")
        try:
            await client.emit("session_request", {"session_id": "\ud800"})
            await wait_for(lambda: confirmed)
            await client.emit("user_uttered", {"session_id": "\ud800", "message": "hello"})
            await wait_for(lambda: replies)
            bad_reply = replies.pop()
            await client.emit("user_uttered", {"session_id": confirmed[0], "message": "what are your hours"})
            await wait_for(lambda: replies)
            return confirmed[0], bad_reply, replies[0]
        finally:
            await client.disconnect()

    async def wait_for(condition):
        for _ in range(120):
            if condition():
                return
            await asyncio.sleep(0.25)
        raise AssertionError("no answer over socket.io")

    issued, bad_reply, good_reply = asyncio.run(visit())
    assert issued != "\ud800" and len(issued) == 65  # a fresh, signed id issued by the server
    assert "isn't valid" in bad_reply["text"] and "988" in bad_reply["text"]
    assert "Monday" in good_reply["text"]
    assert "automated assistant" in assistant.text(f"after-{uuid.uuid4().hex}", "hi")


def test_a_chat_flooding_one_socket_is_slowed_but_a_crisis_message_still_goes_through(assistant):
    # nginx limits requests per visitor, but one open WebSocket carries any number of messages.
    async def flood():
        client = socketio.AsyncClient()
        replies, confirmed = [], []
        client.on("bot_uttered", lambda data: replies.append(data.get("text") or ""))
        client.on("session_confirm", lambda data: confirmed.append(data))
        await client.connect(assistant.url, transports=["polling"], socketio_path="/socket.io")
        try:
            await client.emit("session_request", {})
            await wait_until_async(lambda: confirmed)
            for _ in range(25):
                await client.emit("user_uttered", {"session_id": confirmed[0], "message": "what are your hours"})
                await asyncio.sleep(0.02)  # one poll request each: engine.io refuses 16+ packets in one
            await client.emit("user_uttered", {"session_id": confirmed[0], "message": "i want to kill myself"})
            await wait_until_async(lambda: any("Are you safe right now?" in reply for reply in replies), 120,
                                   replies)
            return replies
        finally:
            await client.disconnect()

    async def wait_until_async(condition, seconds=60, seen=None):
        deadline = time.monotonic() + seconds
        while not condition():
            assert time.monotonic() < deadline, f"no answer over socket.io; answers so far: {seen}"
            await asyncio.sleep(0.2)

    replies = asyncio.run(flood())
    too_fast = [reply for reply in replies if "faster than I can answer" in reply]
    assert too_fast and all("988" in reply for reply in too_fast)
    assert sum("Monday" in reply for reply in replies) <= 15  # the burst, and a few more as time passed
    # The crisis response itself (not only the 988 line of the "too fast" answer).
    assert any("988" in reply and "faster than I can answer" not in reply for reply in replies)


def test_a_killed_action_server_is_restarted_and_crisis_is_answered_meanwhile(assistant):
    actions = server_pid(assistant, "serve_actions")
    rasa = server_pid(assistant, "serve_rasa.py")
    os.kill(actions, signal.SIGKILL)
    reply = assistant.text(f"down-{uuid.uuid4().hex}", "I want to kill myself")
    assert "988" in reply and "911" in reply and "Are you safe right now?" in reply
    # Before the restart (at least a second of back-off), other answers say what happened.
    other = assistant.text(f"down-faq-{uuid.uuid4().hex}", "what are your hours")
    assert "try again in a minute" in other and "988" in other
    wait_until(lambda: server_pid(assistant, "serve_actions") not in (None, actions), 30, "action server not restarted")
    wait_until(lambda: "Monday" in assistant.text(f"up-{uuid.uuid4().hex}", "what are your hours"), 90,
               "the restarted action server does not answer")
    assert server_pid(assistant, "serve_rasa.py") == rasa  # the Rasa server kept running throughout


def test_a_hung_action_server_does_not_stall_the_crisis_answer_and_is_replaced(assistant):
    # The watchdog counts missed checks once a server has answered one (a server still loading
    # falls under the start-up limit instead); checks run every second here.
    time.sleep(3)
    actions = server_pid(assistant, "serve_actions")
    os.kill(actions, signal.SIGSTOP)
    try:
        began = time.monotonic()
        reply = assistant.text(f"hung-{uuid.uuid4().hex}", "i took too many pills")
        assert time.monotonic() - began < ACTION_TIMEOUT + 5
        assert "911" in reply and "Poison Control" in reply
        wait_until(lambda: server_pid(assistant, "serve_actions") not in (None, actions), 60,
                   "the hung action server was not replaced")
    finally:
        try:
            os.kill(actions, signal.SIGKILL)
        except ProcessLookupError:
            pass
    wait_until(lambda: "Monday" in assistant.text(f"back-{uuid.uuid4().hex}", "what are your hours"), 90,
               "the new action server does not answer")


def test_a_killed_rasa_server_is_restarted_while_the_action_server_keeps_running(assistant):
    rasa = server_pid(assistant, "serve_rasa.py")
    actions = server_pid(assistant, "serve_actions")
    os.kill(rasa, signal.SIGKILL)
    wait_until(lambda: server_pid(assistant, "serve_rasa.py") not in (None, rasa), 30, "Rasa not restarted")
    wait_until(lambda: assistant._ready(), 240, "the restarted Rasa server did not become ready")
    assert "automated assistant" in assistant.text(f"again-{uuid.uuid4().hex}", "hi")
    assert server_pid(assistant, "serve_actions") == actions


def test_the_api_token_is_not_on_any_command_line(assistant):
    for pid in [assistant.process.pid, *descendants(assistant.process.pid)]:
        try:
            assert assistant.token.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:
            continue


def test_databases_the_servers_create_are_readable_by_their_owner_only(assistant):
    assistant.text(f"perm-{uuid.uuid4().hex}", "I want to kill myself")  # writes the tracker and the intake database
    workdir = Path(assistant.env["TRACKER_STORE_DB"]).parent
    files = [path for path in workdir.rglob("*") if path.is_file() and path.suffix in (".db", ".key", "")]
    assert any(path.name == "tracker.db" for path in files)
    for path in files:
        assert path.stat().st_mode & 0o077 == 0, f"{path.name} is readable by others"


def test_nothing_typed_and_no_conversation_id_reaches_the_logs(assistant):
    sender = f"secret-sender-{uuid.uuid4().hex}"
    assistant.text(sender, "/zebraquark and my email is zebra@example.com")
    assistant.text(sender, "I want to kill myself, zebraquark")
    assistant.text(sender, "/ask_fees{\"email\": \"zebra@example.com\"}")
    time.sleep(1)  # let the servers flush their last lines
    logs = assistant.log_path.read_text(errors="replace")
    assert "Crisis alert queued" in logs  # the alert was logged, by its hashed id
    assert "zebraquark" not in logs and "zebra@example.com" not in logs and sender not in logs


def test_a_request_body_over_the_servers_limit_is_refused_without_reading_it(assistant):
    body = '{"sender": "big", "message": "' + "a" * (2 * 1024 * 1024) + '"}'
    refused = requests.post(f"{assistant.url}/webhooks/rest/webhook", data=body,
                            headers={"Content-Type": "application/json"}, timeout=30)
    assert refused.status_code == 413
    assert "automated assistant" in assistant.text(f"after-big-{uuid.uuid4().hex}", "hi")
