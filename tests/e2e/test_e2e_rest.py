"""End to end: the real action and Rasa servers, talked to over the REST channel."""

import socket
import sqlite3

import pytest
import requests

from tests.e2e_servers import Assistant

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("assistant")
    running = Assistant(workdir).start()
    running.workdir = workdir
    yield running
    running.stop()


def test_welcome_says_it_is_automated_and_gives_emergency_numbers(assistant):
    reply = assistant.text("welcome", "hi")
    assert "automated assistant" in reply and "988" in reply and "911" in reply


def test_kap_safety_question_gets_the_kap_safety_answer(assistant):
    reply = assistant.text("kap", "is ketamine therapy safe?")
    assert "blood pressure" in reply and "side effects" in reply.lower()


def test_hours_come_from_the_practice_profile(assistant):
    reply = assistant.text("hours", "what are your hours")
    assert "Monday–Wednesday 9 am–5 pm" in reply


@pytest.mark.parametrize("message", [
    "I want to kill myself",
    "I've been planning how to kill myself",
    "i dont want to be alive anymore",
])
def test_crisis_message_gets_988_and_911(assistant, message):
    reply = assistant.text(f"crisis-{hash(message)}", message)
    assert "988" in reply and "911" in reply and "Are you safe right now?" in reply


def test_crisis_in_the_middle_of_another_topic_then_safety_answer(assistant):
    sender = "mid-topic"
    assert "blood pressure" in assistant.text(sender, "ketamine safe?")
    assert "988" in assistant.text(sender, "honestly I don't want to live anymore")
    assert "call 911 now" in assistant.text(sender, "no")
    assert "glad you're safe" in assistant.text(sender, "yes, I'm safe now")


def test_crisis_during_the_did_you_mean_fallback_still_gets_the_crisis_response(assistant):
    sender = "fallback-crisis"
    assert "Did you mean" in assistant.text(sender, "blorp wizzle frobnicate")
    reply = assistant.text(sender, "i cant do this anymore i want to die")
    assert "988" in reply and "911" in reply


def test_did_you_mean_then_picking_a_topic_answers_it(assistant):
    sender = "fallback-pick"
    assistant.text(sender, "blorp wizzle frobnicate")
    assert "blood pressure" in assistant.text(sender, "/ask_kap_safety")


def test_a_figure_of_speech_gets_an_ordinary_answer(assistant):
    reply = assistant.text("figure", "I'm dying to know the price of a session")
    assert "988" not in reply and "$" in reply


@pytest.mark.parametrize("message", [
    "", "a" * 5000, "😀🙏🔥", "<script>alert('x')</script><b>hi</b>",
    "'; DROP TABLE events; --", "   ",
], ids=["empty", "5000-chars", "emoji", "markup", "sql", "spaces"])
def test_bad_input_gets_a_polite_answer(assistant, message):
    replies = assistant.say("bad-input", message)
    assert replies and all(part.get("text") for part in replies)
    assert "Traceback" not in str(replies) and "Error" not in str(replies)


def test_the_http_api_needs_the_token(assistant):
    assert requests.get(f"{assistant.url}/status", timeout=5).status_code == 401
    assert requests.get(f"{assistant.url}/status", params={"token": assistant.token},
                        timeout=5).ok


def test_conversations_are_stored_in_the_sqlite_tracker_store(assistant):
    assistant.text("stored", "hello")
    with sqlite3.connect(assistant.workdir / "tracker.db") as db:
        count = db.execute("select count(*) from events where sender_id = 'stored'").fetchone()[0]
    assert count > 0


def test_sigterm_stops_both_servers(tmp_path):
    running = Assistant(tmp_path).start()
    assert running.stop() == 0
    for port in (running.action_port, running.rasa_port):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open"
