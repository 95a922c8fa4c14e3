"""End to end: a conversation belongs to the browser tab that started it.

The real servers (scripts/run_all.py) on spare ports, driven over real socket.io like the chat
widget drives them, and over REST. On the public socket.io channel the server issues and signs
the session id: a second client that sends a victim's conversation id, or a forged id, gets a new
conversation and sees nothing of the victim's; the same tab with its signed id carries on. A
paused intake that comes back in a new chat session is shown again only after the person types
the e-mail address they gave.
"""

import asyncio
import hashlib
import hmac
import uuid

import pytest
import requests
import socketio

from tests.e2e_servers import Assistant, intake_environment

pytestmark = pytest.mark.e2e

KEY = f"e2e-conversation-id-key-{uuid.uuid4().hex}"
REPLY_TIMEOUT_SECONDS = 60
QUIET_SECONDS = 1.5  # an answer's parts arrive together; this long without one and it is complete
VICTIM = {"name": "Jane Victim", "email": "jane.victim@example.com", "phone": "555-234-5678"}
VICTIM_PHI = ("Jane", "Victim", "jane.victim", "234-5678", "stress at work")
PHQ9 = ["several days", "more than half the days", "nearly every day", "not at all", "2", "1", "0",
        "a few days", "not at all"]
UP_TO_REVIEW = (["yes", VICTIM["name"], VICTIM["email"], VICTIM["phone"], "text me", "weekday mornings",
                 "yes", "Virginia", "therapy", "stress at work"] + PHQ9 + ["sometimes"] * 7
                + ["self pay", "in person", "fridays"])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("ids")


@pytest.fixture(scope="module")
def intake_env(workdir):
    return {**intake_environment(workdir), "CONVERSATION_ID_KEY": KEY,
            "STAFF_WEBHOOK_URL": "", "STAFF_EMAIL_TO": "", "SMTP_HOST": "", "OUTBOX_WORKER": "off"}


@pytest.fixture(scope="module")
def assistant(workdir, intake_env):
    running = Assistant(workdir, extra_env=intake_env).start()
    yield running
    running.stop()


def signed_by_the_server(session_id: str) -> bool:
    random_part, _, signature = session_id.partition(".")
    expected = hmac.new(KEY.encode(), f"conversation-id:{random_part}".encode(), hashlib.sha256).hexdigest()
    return len(random_part) == 32 and hmac.compare_digest(signature, expected[:32])


class Chat:
    """One browser tab's socket, as rasa-webchat uses it: session_request, then user_uttered."""

    def __init__(self, url: str):
        self.url = url
        self.client = socketio.AsyncClient()
        self.replies = []
        self.confirmed = []
        self.client.on("bot_uttered", self.replies.append)
        self.client.on("session_confirm", self.confirmed.append)

    async def open(self, session_id=None) -> str:
        await self.client.connect(self.url, transports=["polling"], socketio_path="/socket.io")
        await self.client.emit("session_request", {"session_id": session_id})
        await self._until(lambda: self.confirmed)
        self.session_id = self.confirmed[0]
        return self.session_id

    async def say(self, text: str, expect: str = "", session_id=None) -> str:
        """Sends a message; returns the whole answer once it contains `expect` and is complete."""
        before = len(self.replies)
        await self.client.emit("user_uttered", {"session_id": session_id or self.session_id, "message": text,
                                                "customData": {"page_path": "/"}})
        await self._until(lambda: expect in self._text(before) and len(self.replies) > before)
        count, quiet_since = len(self.replies), asyncio.get_running_loop().time()
        while asyncio.get_running_loop().time() - quiet_since < QUIET_SECONDS:
            await asyncio.sleep(0.1)
            if len(self.replies) != count:
                count, quiet_since = len(self.replies), asyncio.get_running_loop().time()
        return self._text(before)

    def _text(self, start: int) -> str:
        return "\n".join(str(reply.get("text", "")) for reply in self.replies[start:])

    async def _until(self, condition) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + REPLY_TIMEOUT_SECONDS
        while not condition():
            if loop.time() > deadline:
                raise AssertionError(f"no answer over socket.io; got {self._text(0)!r}")
            await asyncio.sleep(0.1)

    async def close(self) -> None:
        await self.client.disconnect()


def open_and_say(assistant, sent, text: str, expect: str):
    """A new tab that asks for session `sent` and sends one message: the id issued, the answer."""
    async def visit():
        chat = Chat(assistant.url)
        try:
            issued = await chat.open(sent)
            return issued, await chat.say(text, expect)
        finally:
            await chat.close()

    return asyncio.run(visit())


def victim_pauses_an_intake(assistant) -> str:
    """A visitor gives their name, e-mail and phone over socket.io, then stops; their session id."""
    async def visit():
        chat = Chat(assistant.url)
        session_id = await chat.open()
        try:
            await chat.say("I'd like to book a consultation", "Would you like to start?")
            await chat.say("yes", "name")
            await chat.say(VICTIM["name"], "e-mail")
            await chat.say(VICTIM["email"], "phone")
            await chat.say(VICTIM["phone"], "contact you")
            await chat.say("stop", "paused your intake")
            return session_id
        finally:
            await chat.close()

    return asyncio.run(visit())


def test_every_id_the_socket_confirms_is_issued_and_signed_by_the_server(assistant):
    other_key = hmac.new(b"another key", b"conversation-id:" + b"a" * 32, hashlib.sha256).hexdigest()[:32]
    forged = [None, "victim-conversation", uuid.uuid4().hex, f"{uuid.uuid4().hex}.{'0' * 32}",
              f"{'a' * 32}.{other_key}", "\ud800"]

    for sent in forged:
        issued, reply = open_and_say(assistant, sent, "what are your hours", "Monday")
        assert issued != sent and signed_by_the_server(issued), sent
        assert "Monday" in reply


def test_a_second_client_sending_the_victims_id_gets_a_new_conversation_and_no_phi(assistant, store):
    victim_session = victim_pauses_an_intake(assistant)
    assert signed_by_the_server(victim_session)
    # What someone could learn of the victim's conversation (a log line, a staff tool, the
    # database): the conversation id, or the session id with a made-up signature.
    conversation = victim_session.split(".")[0]
    assert [i.conversation_id for i in store.list_intakes()].count(conversation) == 1

    for sent in (conversation, f"{conversation}.{'f' * 32}", f"{conversation}.{victim_session[33:][::-1]}"):
        issued, reply = open_and_say(assistant, sent, "let's continue", "Would you like to start?")
        assert issued.split(".")[0] != conversation and signed_by_the_server(issued)
        assert "Welcome back" not in reply
        assert not any(phi in reply for phi in VICTIM_PHI), reply
    assert store.get_answers(conversation)["phone"] == "(555) 234-5678"  # untouched


def test_a_message_naming_another_conversation_is_refused(assistant, store):
    victim_session = victim_pauses_an_intake(assistant)

    async def attack():
        chat = Chat(assistant.url)
        try:
            await chat.open()
            return await chat.say("actually my phone is 555-999-0000", "isn't valid", session_id=victim_session)
        finally:
            await chat.close()

    reply = asyncio.run(attack())
    assert "isn't valid" in reply and "988" in reply
    assert store.get_answers(victim_session.split(".")[0])["phone"] == "(555) 234-5678"


def test_the_same_tab_reconnecting_with_its_signed_id_carries_on(assistant):
    victim_session = victim_pauses_an_intake(assistant)

    issued, reply = open_and_say(assistant, victim_session, "let's continue", "Welcome back")
    assert issued == victim_session
    assert "Welcome back" in reply and "How would you like us to contact you?" in reply


# --- A paused intake in a new chat session: the e-mail first ------------------------------------

def paused_at_review_then_new_session(assistant) -> str:
    """A whole intake up to the review, paused; then the chat session ends (as after an hour)."""
    sender = f"review-{uuid.uuid4().hex}"
    assert "Would you like to start?" in assistant.text(sender, "book a consultation")
    reply = ""
    for answer in UP_TO_REVIEW:
        reply = assistant.text(sender, answer)
    assert "Here's what you told me" in reply
    assert "paused your intake" in assistant.text(sender, "stop")
    started = requests.post(f"{assistant.url}/conversations/{sender}/execute", params={"token": assistant.token},
                            json={"name": "action_session_start"}, timeout=60)
    started.raise_for_status()
    tracker = requests.get(f"{assistant.url}/conversations/{sender}/tracker", params={"token": assistant.token},
                           timeout=60).json()
    assert not tracker["slots"].get("full_name")  # the new session starts empty
    return sender


def test_resuming_in_a_new_session_asks_for_the_email_before_showing_the_review(assistant):
    sender = paused_at_review_then_new_session(assistant)
    asked = assistant.text(sender, "let's continue")
    assert "e-mail address you gave us" in asked
    assert not any(phi in asked for phi in VICTIM_PHI), asked
    review = assistant.text(sender, "Jane.Victim@Example.com")
    assert "that matches" in review and "Here's what you told me" in review
    assert "Jane Victim" in review and "(555) 234-5678" in review


def test_a_wrong_email_twice_shows_nothing_stored_and_accepts_no_change(assistant, store):
    sender = paused_at_review_then_new_session(assistant)
    replies = [assistant.text(sender, "let's continue"),
               assistant.text(sender, "someone@example.com")]
    assert "doesn't match" in replies[-1]
    replies.append(assistant.text(sender, "jane@example.com"))
    assert "start a new intake" in replies[-1] and "(555) 010-0100" in replies[-1]
    replies += [assistant.text(sender, "let's continue"),
                assistant.text(sender, "actually my phone is 555-999-0000")]
    for reply in replies:
        assert not any(phi in reply for phi in VICTIM_PHI), reply
        assert "Here's what you told me" not in reply and "updated your" not in reply
    assert store.get_answers(sender)["phone"] == "(555) 234-5678"


def test_a_crisis_message_at_the_email_question_gets_the_crisis_response(assistant):
    sender = paused_at_review_then_new_session(assistant)
    assert "e-mail address you gave us" in assistant.text(sender, "continue")
    reply = assistant.text(sender, "I want to kill myself")
    assert "988" in reply and "911" in reply
    assert not any(phi in reply for phi in VICTIM_PHI)


def test_a_new_intake_after_a_failed_check_never_mixes_with_the_saved_one(assistant, store):
    sender = paused_at_review_then_new_session(assistant)
    assistant.text(sender, "let's continue")
    assistant.text(sender, "someone@example.com")
    assert "start a new intake" in assistant.text(sender, "other@example.com")
    assert "Would you like to start?" in assistant.text(sender, "/book_consultation")
    assistant.text(sender, "yes")
    assistant.text(sender, "Sam Newperson")
    # The new person's answers go to a record of their own; the saved intake stays whole, for staff.
    answers = store.get_answers(sender)
    assert "Sam Newperson" in answers.values() and "phone" not in answers and "email" not in answers
    withdrawn = [intake for intake in store.list_intakes(status="withdrawn") if intake.conversation_id == sender]
    assert len(withdrawn) == 1 and withdrawn[0].answers["phone"] == "(555) 234-5678"
