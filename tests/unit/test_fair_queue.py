"""components/fair_queue.py: each Rasa process answers a few messages at a time, in the order they
arrived, so under load every visitor waits about as long as the others."""

import asyncio

import pytest

from components import fair_queue


def run_messages(monkeypatch, count, concurrency, waits_for_action_server):
    """`count` messages of different conversations arrive one after another while the first is
    still being answered; each answer waits for the action server `waits_for_action_server`
    times. Returns the order answers started and the most answered at once."""
    monkeypatch.setenv("MESSAGE_CONCURRENCY", str(concurrency))
    fair_queue._slots.clear()
    started, inside, most = [], [0], [0]

    async def rasa_handle_message(_processor, message):
        started.append(message)
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        for _ in range(waits_for_action_server):
            await asyncio.sleep(0.002)
        inside[0] -= 1
        return [{"text": f"answer to {message}"}]

    monkeypatch.setattr(fair_queue, "_rasa_handle_message", rasa_handle_message)

    async def arrive():
        tasks = []
        for number in range(count):
            tasks.append(asyncio.create_task(fair_queue.handle_message(None, number)))
            await asyncio.sleep(0)  # the next message arrives a moment later
        return await asyncio.gather(*tasks)

    answers = asyncio.run(arrive())
    assert answers == [[{"text": f"answer to {n}"}] for n in range(count)]  # nobody is dropped
    return started, most[0]


def test_messages_are_answered_in_arrival_order_two_at_a_time(monkeypatch):
    started, most = run_messages(monkeypatch, 12, concurrency=2, waits_for_action_server=3)
    assert started == list(range(12)) and most == 2


def test_the_limit_comes_from_the_environment(monkeypatch):
    assert run_messages(monkeypatch, 8, concurrency=1, waits_for_action_server=2)[1] == 1
    assert run_messages(monkeypatch, 8, concurrency=4, waits_for_action_server=2)[1] == 4


def test_a_high_limit_answers_everything_at_once_as_rasa_does(monkeypatch):
    assert run_messages(monkeypatch, 12, concurrency=100, waits_for_action_server=3)[1] == 12


def test_a_wrong_setting_stops_the_server_at_start(monkeypatch):
    monkeypatch.setenv("MESSAGE_CONCURRENCY", "two")
    with pytest.raises(ValueError, match="MESSAGE_CONCURRENCY must be a whole number"):
        fair_queue.apply()
    monkeypatch.setenv("MESSAGE_CONCURRENCY", "")
    assert fair_queue.concurrency() == fair_queue.DEFAULT_CONCURRENCY
