"""Messages answered in the order they arrive, a few at a time.

Rasa handles every incoming message as soon as it arrives, all of them interleaved on one event
loop. Under load that is unfair: a message that waits for the action server several times
(greeting, hours, fees) goes to the back of the queue after each wait, while a message answered
from the domain finishes in one go. At 20 visitors sending back to back, the answers that ran a
custom action took 320-500 ms (median) and the others 60-130 ms; p95 was 570 ms although every
visitor waited 310 ms on average (bench/README.md).

Here each Rasa process handles at most MESSAGE_CONCURRENCY messages at once (default 2: one
computes while another waits for the action server), and the others wait their turn in arrival
order (asyncio's semaphore wakes waiters first come, first served). The slot is taken inside
Rasa's per-conversation lock, so a message waiting for an earlier message of its own
conversation never holds one. Applied from the server's start by components/rasa_patches.py
(performance patch "fair_queue").
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any, Optional

from rasa.core.processor import MessageProcessor

from clinic import settings

DEFAULT_CONCURRENCY = settings.setting("MESSAGE_CONCURRENCY").default

_rasa_handle_message = MessageProcessor.handle_message
_slots: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]" = weakref.WeakKeyDictionary()


def concurrency() -> int:
    return settings.get("MESSAGE_CONCURRENCY")  # at least 1; a bad value raises, naming the variable


def _slots_for_this_loop() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:
        slots = _slots[loop] = asyncio.Semaphore(concurrency())
    return slots


async def handle_message(self: MessageProcessor, message: Any) -> Optional[Any]:
    async with _slots_for_this_loop():
        return await _rasa_handle_message(self, message)


def apply() -> None:
    concurrency()  # a wrong setting stops the server at start, not at the first message
    MessageProcessor.handle_message = handle_message
