"""Waiting in tests: poll until something happens, or check that it stays so, within a deadline.

A fixed sleep either wastes time (the thing happened long before) or flakes (on a busy machine it
had not happened yet). These poll instead, and fail with a message that says what never happened.
"""

from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable, TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], seconds: float, what: str, interval: float = 0.05) -> T:
    """Polls `condition` until it returns something truthy and returns that; fails after `seconds`.

    `what` names the awaited state for the failure message ("the summary reached the receiver")."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {seconds:g} s: {what} (last value: {value!r})")
        time.sleep(interval)


async def wait_until_async(condition: Callable[[], Awaitable[T]], seconds: float, what: str,
                           interval: float = 0.05) -> T:
    """wait_until for a coroutine condition, polling without blocking the event loop."""
    deadline = time.monotonic() + seconds
    while True:
        value = await condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {seconds:g} s: {what} (last value: {value!r})")
        await asyncio.sleep(interval)


def stays_true(condition: Callable[[], object], seconds: float, why: str, interval: float = 0.05) -> None:
    """A negative check: `condition` holds for the whole `seconds`, polled; fails as soon as it breaks.

    Something that must NOT happen can only be watched for a bounded time, so `why` says why
    `seconds` is long enough (e.g. "the worker polls every 0.5 s: a second copy would show by then")."""
    deadline = time.monotonic() + seconds
    while True:
        if not condition():
            raise AssertionError(f"broke within {seconds:g} s, which should be quiet: {why}")
        if time.monotonic() >= deadline:
            return
        time.sleep(interval)
