"""Conversation ids on the public chat channel are issued and signed by the server."""

import pytest

from components import conversation_ids, input_checks


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv("CONVERSATION_ID_KEY", "test-key-one")


def test_an_issued_id_is_signed_unique_and_a_valid_conversation_id():
    first, second = conversation_ids.issue(), conversation_ids.issue()
    assert first != second
    assert conversation_ids.is_signed(first) and conversation_ids.is_signed(second)
    assert input_checks.is_valid_conversation_id(first)  # REST, logs and databases take it as before


@pytest.mark.parametrize("forged", [
    None, 42, "", "victim-conversation", "0" * 32, "0" * 32 + "." + "0" * 32,
    "a" * 32 + "." + "b" * 32, " " + "a" * 31 + "." + "b" * 32,
])
def test_made_up_ids_are_not_signed(forged):
    assert not conversation_ids.is_signed(forged)


def test_a_changed_character_breaks_the_signature():
    issued = conversation_ids.issue()
    flipped = ("1" if issued[0] != "1" else "2") + issued[1:]
    assert not conversation_ids.is_signed(flipped)
    assert not conversation_ids.is_signed(issued.upper())


def test_an_id_signed_with_another_key_is_refused(monkeypatch):
    issued = conversation_ids.issue()
    monkeypatch.setenv("CONVERSATION_ID_KEY", "another-key")
    assert not conversation_ids.is_signed(issued)


def test_without_a_key_ids_are_still_signed_with_a_random_one(monkeypatch):
    monkeypatch.delenv("CONVERSATION_ID_KEY")
    monkeypatch.setattr(conversation_ids, "_process_key", None)
    issued = conversation_ids.issue()
    assert conversation_ids.is_signed(issued)
    monkeypatch.setattr(conversation_ids, "_process_key", None)  # a restart: a new key
    assert not conversation_ids.is_signed(issued)


def test_the_conversation_id_alone_is_not_a_session_id():
    issued = conversation_ids.issue()
    conversation = conversation_ids.conversation_of(issued)
    assert issued.startswith(conversation) and len(conversation) == 32
    assert not conversation_ids.is_signed(conversation)
