"""What a browser can send: conversation ids and message text checked at the edge, and a tracker
store that refuses bad data for one message without stopping the server."""

import asyncio
import uuid

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components import input_checks
from components.tracker_store import EnvironmentSQLTrackerStore, TrackerStoreInputError
from tests.conftest import BACKENDS


@pytest.mark.parametrize("value", ["a", "9f1c2a9e0b4d4f6e8a7b6c5d4e3f2a1b", "crisis--1234", "user@site:1",
                                   "x" * 128])
def test_ordinary_conversation_ids_are_accepted(value):
    assert input_checks.conversation_id_problem(value) is None


@pytest.mark.parametrize("value", ["", "\ud800", "a\x00b", "x" * 129, "has space", "../etc", "é", None, 42,
                                   ["a"], {"id": 1}, "😀", ".", ".."])
def test_malformed_conversation_ids_are_refused_with_a_reason(value):
    assert "conversation id" in input_checks.conversation_id_problem(value)


def test_text_loses_control_characters_and_unpaired_surrogates_but_keeps_the_words():
    assert input_checks.clean_text("my\x00 number\ud800 is\t555\n😀") == "my number\ufffd is\t555\n😀"


def test_messages_over_the_cap_get_a_kind_answer_with_the_crisis_line(monkeypatch):
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "500")
    assert input_checks.message_problem("a" * 500) is None
    assert input_checks.message_problem("a" * 501) == "too_long"
    reply = input_checks.reply_for("too_long")
    assert "500 characters" in reply and "988" in reply and "911" in reply
    assert input_checks.message_problem(None) == input_checks.message_problem(7) == "unreadable"


def _store(backend, tmp_path):
    domain = Domain.from_dict({"intents": ["greet"]})
    if backend == "sqlite":
        return EnvironmentSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"), domain=domain)
    return EnvironmentSQLTrackerStore(dialect="postgresql", host="127.0.0.1", port=5432, db="test",
                                      username="postgres", domain=domain)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("bad_id", ["\ud800", "a\x00b"], ids=["surrogate", "nul"])
def test_the_tracker_store_refuses_a_bad_id_without_stopping_the_server(backend, bad_id, tmp_path):
    store = _store(backend, tmp_path)
    try:
        tracker = DialogueStateTracker(bad_id, [])
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered("hi", {"name": "greet"}))
        for operation in (store.retrieve(bad_id), store.save(tracker)):
            try:
                asyncio.run(operation)
            except TrackerStoreInputError:
                pass  # refused: this message fails, nothing else does
        # The store still serves everyone else.
        good = DialogueStateTracker(f"after-{uuid.uuid4().hex}", [])
        good.update(ActionExecuted("action_listen"))
        asyncio.run(store.save(good))
        assert len(asyncio.run(store.retrieve(good.sender_id)).events) == 1
    finally:
        store.engine.dispose()


@pytest.mark.parametrize("text, expected", [
    ("/ask_fees", "/ask_fees"),
    ('/ask_fees{"email": "a@b.c"}', "/ask_fees"),
    ("/kill myself", "kill myself"),
    ("/unknown_intent", "unknown_intent"),
    ("what are your hours", "what are your hours"),
])
def test_only_known_button_payloads_stay_commands(text, expected):
    assert input_checks.neutralise_command(text, {"ask_fees", "affirm"}) == expected


def test_the_domain_intents_are_read_for_the_channels():
    intents = input_checks.domain_intents()
    assert {"ask_fees", "crisis", "affirm"} <= intents


def test_rasa_structured_logs_lose_text_and_clear_conversation_ids():
    from clinic.domain.log_ids import log_id
    from components.log_privacy import redact

    event = redact(None, "error", {"event": "rest.message.received.failure", "text": "my email is a@b.c",
                                   "sender_id": "conv-secret"})
    assert event == {"event": "rest.message.received.failure", "text": "[redacted]",
                     "sender_id": log_id("conv-secret")}
    assert log_id("conv-secret") != log_id("conv-other") and "conv-secret" not in log_id("conv-secret")


def test_a_chat_may_send_a_burst_then_about_one_message_a_second():
    rate = input_checks.MessageRate(per_second=1, burst=3)
    assert [rate.allow("a", now=0.0) for _ in range(4)] == [True, True, True, False]
    assert rate.allow("b", now=0.0)  # another chat has its own allowance
    assert not rate.allow("a", now=0.5) and rate.allow("a", now=1.6)
    assert [rate.allow("a", now=100.0) for _ in range(4)] == [True, True, True, False]  # never above the burst


def test_the_rate_limit_forgets_the_quietest_chats_first_and_stays_bounded():
    rate = input_checks.MessageRate(per_second=1, burst=1, max_keys=2)
    assert rate.allow("a", now=0.0) and rate.allow("b", now=0.0) and rate.allow("c", now=0.0)
    assert len(rate._buckets) == 2 and rate.allow("a", now=0.0)  # "a" was forgotten: a fresh allowance


def test_a_wrong_rate_setting_falls_back_to_the_default(monkeypatch):
    monkeypatch.setenv("CHAT_MESSAGES_PER_SECOND", "fast")
    monkeypatch.setenv("CHAT_MESSAGE_BURST", "-3")
    rate = input_checks.message_rate_from_environment()
    assert (rate.per_second, rate.burst) == (1.0, 10.0)
