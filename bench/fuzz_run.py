"""Fuzz benchmark: the real assistant under a stream of malformed, oversized and hostile messages,
while an ordinary visitor keeps asking questions.

    PYTHONPATH=. .venv/bin/python bench/fuzz_run.py [--messages 10000 | --quick] [--concurrency 8]
                                                    [--socket-share 0.2] [--out bench/results.json]

Starts scripts/run_all.py on spare loopback ports (SQLite tracker store and intake database in a
temporary directory, a loopback staff webhook receiver, so alerts are counted and never sent
anywhere), sends the messages over REST and socket.io at the given concurrency, and meanwhile an
ordinary visitor asks a question every --visitor-interval seconds and records its latency. Prints
the figures and merges them into --out under "fuzz" ("fuzz_quick" for --quick) without touching
the other sections. Only class names and counts are printed or written: never the text or the
conversation id of a message. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import random
import re
import signal
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench import run_bench as rb  # noqa: E402 - also applies the defaults.mk settings
from tests.staff_receiver import Receiver, signature_ok  # noqa: E402

FULL_MESSAGES = 10_000
QUICK_MESSAGES = 500
REUSED_IDS = 12  # conversations that many fuzz messages share (REST and socket.io alike)
SOCKET_MESSAGES_PER_CONNECTION = 20
SOCKET_DRAIN_S = 0.25  # after the first reply, further bot messages of the same turn arrive within this
CRISIS_DRAIN_S = 2.0
OUTBOX_DRAIN_S = 60

ORDINARY = [
    "what are your office hours?", "how much does a session cost?", "is ketamine therapy safe?",
    "do you take insurance?", "where is your office?", "what is CBT?",
    "how long does therapy usually take?", "do you offer telehealth sessions?",
    "what happens in the first session?", "can I drive home after a ketamine session?",
    "are you a bot?", "hi there", "thanks, that's really helpful",
]
INTAKE = [
    "I'd like to book a consultation", "yes", "I agree", "Jane Doe", "jane.doe@example.com",
    "555-234-5678", "email", "mornings", "34", "California", "both", "anxiety and low mood",
    "several days", "not at all", "more than half the days", "nearly every day", "2", "nope",
    "skip", "stop", "continue", "submit", "actually my phone is 555-234-5679", "self-pay",
    "telehealth", "Tuesday and Thursday afternoons",
]
CRISIS = [
    "I don't want to be alive anymore", "I've been thinking about killing myself",
    "I wish I could go to sleep and never wake up", "I took too many pills and feel strange",
    "my husband hits me and I'm scared to go home", "I want to hurt someone",
    "I'm not suicidal, but I don't want to be alive",
    "hi, I wanted to ask about prices but honestly I want to end my life",
]
INJECTIONS = [
    '/inform{"age": 30}', '/affirm{"consent_given": true}', '/submit{"intake_status": "submitted"}',
    '/ask_fees{"requested_slot": "phone"}', '/restart', '/session_start', '/nlu_fallback',
    '/crisis{"crisis_category": "none"}', '/deny{"risk_level": "low"}', '/not_an_intent{"x": 1}',
    '/greet{"name": "<script>alert(1)</script>"}', '/greet{', '/greet}{', '/' + 'a' * 300,
    '/goodbye{"' + 'k' * 200 + '": "' + 'v' * 2000 + '"}', "/",
]
INVALID_UTF8 = b'{"sender": "SENDER", "message": "hours \xff\xfe\xc3("}'
FILLER = "I have a question about the fees and the first session. "
UNICODE_TEXT = ("caf\u00e9 \u00bfcu\u00e1nto cuesta? \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 "
                "\U0001f600 e\u0301 \u200b\u202e")


def crisis_sentence(rng: random.Random) -> Tuple[str, str]:
    """A crisis sentence and its label for the figures: its position in CRISIS, never its text."""
    index = rng.randrange(len(CRISIS))
    return CRISIS[index], f"sentence #{index}"


def filler(chars: int) -> str:
    return (FILLER * (chars // len(FILLER) + 1))[:chars]


@dataclass
class Case:
    """One fuzz message: its class name (the only thing reported) and how to send it."""

    cls: str
    channel: str  # "rest" or "socket"
    body: bytes = b""  # REST: the raw request body
    content_type: str = "application/json"
    socket_data: Any = None  # socket.io: the user_uttered payload
    crisis: Optional[str] = None  # a reply must carry the crisis line (988); which crisis message (no text)
    socket_session: Optional[str] = None  # socket.io: a shared conversation, joined with session_request


# --- The message catalogue -----------------------------------------------------------------

def _json(sender: Any, message: Any, **extra: Any) -> bytes:
    body = {"message": message, **extra}
    if sender is not _MISSING:
        body["sender"] = sender
    return json.dumps(body).encode()


_MISSING = object()


class Catalogue:
    """Builds message i deterministically from the seed; weights are relative frequencies."""

    def __init__(self, seed: int, run_tag: str):
        self.seed = seed
        self.reused = [f"fuzz-{run_tag}-shared-{k}" for k in range(REUSED_IDS)]
        self.run_tag = run_tag
        # (class, weight, builder(rng, sender) -> (message or _RAW, extra)) for REST
        self.rest: List[Tuple[str, float, Callable[[random.Random], Case]]] = [
            ("text/ordinary", 14, lambda r: self._text("text/ordinary", r, r.choice(ORDINARY))),
            ("text/intake_answer", 10, lambda r: self._text("text/intake_answer", r, r.choice(INTAKE), reuse=True)),
            ("text/crisis_sentence", 4, lambda r: self._text("text/crisis_sentence", r, *crisis_sentence(r))),
            ("text/crisis_command", 1.5, lambda r: self._text("text/crisis_command", r, "/crisis", crisis="command")),
            ("text/slot_injection", 6, lambda r: self._text("text/slot_injection", r, r.choice(INJECTIONS),
                                                            reuse=True)),
            ("text/unicode", 2, lambda r: self._text("text/unicode", r, UNICODE_TEXT)),
            ("text/control_chars", 1.5, lambda r: self._text("text/control_chars", r, "hours\x00\x07\x1b[31m?\x7f")),
            ("text/lone_surrogate", 2, lambda r: self._text("text/lone_surrogate", r, "what are your hours \ud800?")),
            ("size/empty", 3, lambda r: self._text("size/empty", r, "")),
            ("size/1_char", 3, lambda r: self._text("size/1_char", r, r.choice("a?/.1 "))),
            ("size/3999", 2, lambda r: self._text("size/3999", r, filler(3999))),
            ("size/4000", 2, lambda r: self._text("size/4000", r, filler(4000))),
            ("size/4001", 2, lambda r: self._text("size/4001", r, filler(4001))),
            ("size/64KB", 1.5, lambda r: self._text("size/64KB", r, filler(64 * 1024))),
            ("size/1MB_body", 0.4, lambda r: self._text("size/1MB_body", r, filler(1_000_000))),
            ("size/2MB_body", 0.3, lambda r: self._text("size/2MB_body", r, filler(2_000_000))),
            ("id/overly_long", 2, lambda r: self._with_id("id/overly_long", r, "x" * r.choice([129, 1000, 100_000]))),
            ("id/lone_surrogate", 2, lambda r: self._with_id("id/lone_surrogate", r, "user\ud800")),
            ("id/nul", 2, lambda r: self._with_id("id/nul", r, "user\x00admin")),
            ("id/unicode", 2, lambda r: self._with_id("id/unicode", r, "caf\u00e9-\U0001f600")),
            ("id/path_like", 3, lambda r: self._with_id("id/path_like", r, r.choice(
                ["../../etc/passwd", "a/b", "%2e%2e%2f", "..", "conversations/x/tracker", "C:\\x"]))),
            ("id/number", 1.5, lambda r: self._with_id("id/number", r, r.choice([12345, 0, -1, 1e308, True]))),
            ("id/numeric_string", 1.5, lambda r: self._with_id("id/numeric_string", r, str(r.randint(0, 10**9)))),
            ("id/empty", 1, lambda r: self._with_id("id/empty", r, "")),
            ("id/null", 1, lambda r: self._with_id("id/null", r, None)),
            ("id/list_or_object", 1, lambda r: self._with_id("id/list_or_object", r, r.choice([["a"], {"a": 1}]))),
            ("id/reused", 4, lambda r: self._text("id/reused", r, r.choice(ORDINARY + INTAKE), reuse=True)),
            ("body/missing_sender", 1, lambda r: Case("body/missing_sender", "rest", _json(_MISSING, "hi"))),
            ("body/missing_message", 2, lambda r: Case("body/missing_message", "rest",
                                                       json.dumps({"sender": self.fresh(r)}).encode())),
            ("body/message_not_string", 2, lambda r: Case("body/message_not_string", "rest", _json(
                self.fresh(r), r.choice([None, 42, ["hi"], {"text": "hi"}, True])))),
            ("body/bad_metadata", 1, lambda r: Case("body/bad_metadata", "rest", _json(
                self.fresh(r), "hi", metadata=r.choice(["x", [1], 5, None, {"a": {"b": [1] * 50}}])))),
            ("body/not_an_object", 3, lambda r: Case("body/not_an_object", "rest", json.dumps(
                r.choice([["hi"], "hi", 42, None, True, []])).encode())),
            ("body/malformed_json", 2, lambda r: Case("body/malformed_json", "rest", r.choice(
                [b"{", b'{"sender": "a", "message": }', b"\xef\xbb\xbf{}", b"", b"{" * 10000, b"[" * 100000]))),
            ("encoding/invalid_utf8", 3, lambda r: Case("encoding/invalid_utf8", "rest", INVALID_UTF8.replace(
                b"SENDER", self.fresh(r).encode()))),
            ("encoding/utf16", 1, lambda r: Case("encoding/utf16", "rest",
                                                 _json(self.fresh(r), "hi").decode().encode("utf-16"))),
            ("encoding/text_plain", 2, lambda r: Case("encoding/text_plain", "rest", _json(self.fresh(r), "hi"),
                                                      "text/plain")),
            ("encoding/form", 2, lambda r: Case("encoding/form", "rest", b"sender=abc&message=hi",
                                                "application/x-www-form-urlencoded")),
            ("encoding/no_content_type", 1, lambda r: Case("encoding/no_content_type", "rest",
                                                           _json(self.fresh(r), "hi"), "")),
        ]
        self.socket: List[Tuple[str, float, Callable[[random.Random], Case]]] = [
            ("text/ordinary", 14, lambda r: self._sock("text/ordinary", r, r.choice(ORDINARY))),
            ("text/intake_answer", 8, lambda r: self._sock("text/intake_answer", r, r.choice(INTAKE), reuse=True)),
            ("text/crisis_sentence", 4, lambda r: self._sock("text/crisis_sentence", r, *crisis_sentence(r))),
            ("text/crisis_command", 1.5, lambda r: self._sock("text/crisis_command", r, "/crisis", crisis="command")),
            ("text/slot_injection", 5, lambda r: self._sock("text/slot_injection", r, r.choice(INJECTIONS),
                                                            reuse=True)),
            ("text/unicode", 2, lambda r: self._sock("text/unicode", r, UNICODE_TEXT)),
            ("text/lone_surrogate", 2, lambda r: self._sock("text/lone_surrogate", r, "hours \ud800?")),
            ("size/empty", 2, lambda r: self._sock("size/empty", r, "")),
            ("size/1_char", 2, lambda r: self._sock("size/1_char", r, "a")),
            ("size/3999", 1.5, lambda r: self._sock("size/3999", r, filler(3999))),
            ("size/4000", 1.5, lambda r: self._sock("size/4000", r, filler(4000))),
            ("size/4001", 1.5, lambda r: self._sock("size/4001", r, filler(4001))),
            ("size/64KB", 1, lambda r: self._sock("size/64KB", r, filler(64 * 1024))),
            ("size/1MB", 0.3, lambda r: self._sock("size/1MB", r, filler(1_000_000))),
            ("id/invalid_session_id", 3, lambda r: Case("id/invalid_session_id", "socket", socket_data={
                "message": "hi", "session_id": r.choice(["x" * 129, "a\ud800", "a\x00b", "../x", "", 5, None])})),
            ("id/reused", 3, lambda r: self._sock("id/reused", r, r.choice(ORDINARY), reuse=True)),
            ("body/not_an_object", 2, lambda r: Case("body/not_an_object", "socket", socket_data=r.choice(
                ["hi", ["hi"], 42, None]))),
            ("body/message_not_string", 2, lambda r: Case("body/message_not_string", "socket", socket_data={
                "message": r.choice([None, 5, ["x"], {"a": 1}])})),
            ("body/bad_custom_data", 1, lambda r: self._sock("body/bad_custom_data", r, "hi",
                                                           customData=r.choice(["{bad json", "[1]", 7, ["x"]]))),
        ]

    def fresh(self, rng: random.Random) -> str:
        return f"fuzz-{self.run_tag}-{rng.getrandbits(64):016x}"

    def _sender(self, rng: random.Random, reuse: bool) -> str:
        return rng.choice(self.reused) if reuse else self.fresh(rng)

    def _text(self, cls: str, rng: random.Random, text: str, crisis: Optional[str] = None,
              reuse: bool = False) -> Case:
        return Case(cls, "rest", _json(self._sender(rng, reuse), text), crisis=crisis)

    def _with_id(self, cls: str, rng: random.Random, sender: Any) -> Case:
        return Case(cls, "rest", _json(sender, rng.choice(ORDINARY)))

    def _sock(self, cls: str, rng: random.Random, text: str, crisis: Optional[str] = None, reuse: bool = False,
              **extra: Any) -> Case:
        # session_id "" means: the one the server confirmed for this connection. A shared
        # conversation is joined with session_request first, as a reloaded chat page does (the
        # server sends replies to the room of the session id, not to whoever sent the message).
        session = self._sender(rng, True) if reuse else None
        return Case(cls, "socket", socket_data={"message": text, "session_id": session or "", **extra},
                    crisis=crisis, socket_session=session)

    def case(self, position: int, index: int, channel: str) -> Case:
        """Message `index` of the run, the `position`-th on its channel: the first ones go through
        every class once (so even a short run sends each), the rest are drawn by weight."""
        rng = random.Random(f"{self.seed}:{index}")
        table = self.rest if channel == "rest" else self.socket
        if position < len(table):
            return table[position][2](rng)
        builder = rng.choices([b for _, _, b in table], weights=[w for _, w, _ in table])[0]
        return builder(rng)


# --- Recording -----------------------------------------------------------------------------

@dataclass
class Tally:
    """What happened, by class; thread-safe."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    outcomes: Dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    latencies: Dict[str, List[float]] = field(default_factory=lambda: defaultdict(list))
    crisis_sent: int = 0
    crisis_with_988: int = 0
    crisis_misses: Counter = field(default_factory=Counter)

    def add(self, cls: str, outcome: str, seconds: Optional[float] = None) -> None:
        with self.lock:
            self.outcomes[cls][outcome] += 1
            if seconds is not None:
                self.latencies[cls].append(seconds)

    def crisis(self, answered_with_988: bool, variant: str) -> None:
        with self.lock:
            self.crisis_sent += 1
            self.crisis_with_988 += int(answered_with_988)
            if not answered_with_988:
                self.crisis_misses[variant] += 1

    def totals(self) -> Counter:
        total: Counter = Counter()
        for counts in self.outcomes.values():
            total.update(counts)
        return total

    def summary(self) -> dict:
        with self.lock:
            by_class = {cls: dict(sorted(counts.items())) for cls, counts in sorted(self.outcomes.items())}
            slowest = {cls: round(max(values) * 1000) for cls, values in self.latencies.items() if values}
            return {"outcomes": dict(sorted(self.totals().items())), "by_class": by_class,
                    "max_ms_by_class": dict(sorted(slowest.items())),
                    "crisis_messages_answered": self.crisis_sent,
                    "crisis_replies_with_988": self.crisis_with_988,
                    "crisis_without_988_by_message": dict(self.crisis_misses)}


def reply_text(parts: Any) -> str:
    if not isinstance(parts, list):
        return ""
    return "\n".join(str(p.get("text") or "") for p in parts if isinstance(p, dict))


def events_text(events: List[Any]) -> str:
    return "\n".join(str(e.get("text") or "") for e in events if isinstance(e, dict))


def rest_worker(url: str, catalogue: Catalogue, indices: List[int], cursor: "Cursor", tally: Tally,
                timeout: float, stop: threading.Event) -> None:
    session = requests.Session()
    while not stop.is_set():
        index = cursor.next()
        if index is None:
            return
        case = catalogue.case(index, indices[index], "rest")
        headers = {"Content-Type": case.content_type} if case.content_type else {}
        began = time.perf_counter()
        try:
            reply = session.post(url, data=case.body, headers=headers, timeout=(10, timeout))
        except requests.Timeout:
            tally.add(case.cls, "timeout")
            session = requests.Session()
            continue
        except requests.ConnectionError:
            tally.add(case.cls, "connection_error")
            session = requests.Session()
            continue
        except Exception as error:  # noqa: BLE001 - counted by type, never with its text
            tally.add(case.cls, f"client_error:{type(error).__name__}")
            session = requests.Session()
            continue
        elapsed = time.perf_counter() - began
        outcome = f"HTTP {reply.status_code}"
        if reply.status_code == 200:
            try:
                parts = reply.json()
            except ValueError:
                parts = None
            if not isinstance(parts, list):
                outcome = "HTTP 200 not a JSON list"
            elif not parts:
                outcome = "HTTP 200 empty reply"
            if case.crisis and isinstance(parts, list):
                tally.crisis("988" in reply_text(parts), case.crisis)
        tally.add(case.cls, outcome, elapsed)


class Cursor:
    def __init__(self, total: int):
        self.total, self.position, self.lock = total, 0, threading.Lock()

    def next(self) -> Optional[int]:
        with self.lock:
            if self.position >= self.total:
                return None
            self.position += 1
            return self.position - 1


async def socket_task(base: str, catalogue: Catalogue, indices: List[int], cursor: Cursor, tally: Tally,
                      timeout: float, stop: threading.Event) -> None:
    import socketio

    client: Optional[socketio.AsyncClient] = None
    events: List[Any] = []
    confirmed: List[Any] = []
    sent_on_connection = 0
    joined: Optional[str] = None  # the shared conversation this connection is in, None for its own
    disconnected = asyncio.Event()

    async def connect(session: Optional[str]) -> Optional[socketio.AsyncClient]:
        nonlocal events, confirmed, sent_on_connection, disconnected, joined
        events, confirmed, sent_on_connection, joined = [], [], 0, session
        disconnected = asyncio.Event()
        new = socketio.AsyncClient(reconnection=False)
        new.on("bot_uttered", lambda data: events.append(data))
        new.on("session_confirm", lambda data: confirmed.append(data))
        new.on("disconnect", lambda *args: disconnected.set())
        # Long-polling: python-engineio's asyncio WebSocket client needs a newer aiohttp than Rasa pins.
        await new.connect(base, transports=["polling"], socketio_path="/socket.io", wait_timeout=10)
        await new.emit("session_request", {"session_id": session or catalogue.fresh(random.Random())})
        for _ in range(int(timeout * 10)):
            if confirmed:
                return new
            await asyncio.sleep(0.1)
        await new.disconnect()
        raise TimeoutError("no session_confirm")

    try:
        while not stop.is_set():
            index = cursor.next()
            if index is None:
                return
            case = catalogue.case(index, indices[index], "socket")
            # A shared conversation gets its own connection, and other messages never go through one:
            # every connection in a shared room also receives the replies to the others' messages.
            if (client is None or disconnected.is_set() or sent_on_connection >= SOCKET_MESSAGES_PER_CONNECTION
                    or case.socket_session != joined):
                if client is not None:
                    await client.disconnect()
                client = None
                try:
                    client = await connect(case.socket_session)
                except Exception as error:  # noqa: BLE001 - counted by type only
                    tally.add(case.cls, f"connect_error:{type(error).__name__}")
                    await asyncio.sleep(0.5)
                    continue
            data = case.socket_data
            if isinstance(data, dict) and data.get("session_id") == "":
                data = {**data, "session_id": confirmed[0] if confirmed else ""}
            events.clear()
            sent_on_connection += 1
            began = time.perf_counter()
            try:
                await client.emit("user_uttered", data)
            except Exception as error:  # noqa: BLE001
                tally.add(case.cls, f"emit_error:{type(error).__name__}")
                continue
            deadline = began + timeout
            while not events and not disconnected.is_set() and time.perf_counter() < deadline:
                await asyncio.sleep(0.02)
            if events:
                elapsed = time.perf_counter() - began
                # The rest of this turn's bot messages; a crisis reply is waited for longer (the
                # crisis line may come in a later message than the first).
                pause = CRISIS_DRAIN_S if case.crisis else SOCKET_DRAIN_S
                seen = -1
                while len(events) != seen and not (case.crisis and "988" in events_text(events)):
                    seen = len(events)
                    await asyncio.sleep(pause)
                tally.add(case.cls, "answered", elapsed)
                if case.crisis:
                    tally.crisis("988" in events_text(events), case.crisis)
            elif disconnected.is_set():
                tally.add(case.cls, "disconnected_by_server")
            else:
                tally.add(case.cls, "no_answer")
    finally:
        if client is not None:
            try:
                await client.disconnect()
            except Exception:  # noqa: BLE001,S110 - shutting down
                pass


def socket_runner(base: str, catalogue: Catalogue, indices: List[int], tasks: int, tally: Tally,
                  timeout: float, stop: threading.Event) -> None:
    cursor = Cursor(len(indices))

    async def main() -> None:
        await asyncio.gather(*(socket_task(base, catalogue, indices, cursor, tally, timeout, stop)
                               for _ in range(tasks)))

    asyncio.run(main())


class Visitor(threading.Thread):
    """An ordinary visitor asking a question every `interval` seconds in one conversation."""

    def __init__(self, url: str, interval: float, timeout: float, limit: Optional[int] = None):
        super().__init__(daemon=True)
        self.url, self.interval, self.timeout, self.limit = url, interval, timeout, limit
        self.sender = f"visitor-{uuid.uuid4().hex}"
        self.latencies: List[float] = []
        self.unanswered: Counter = Counter()
        self.sent = 0
        self.stop_event = threading.Event()

    def run(self) -> None:
        session = requests.Session()
        while not self.stop_event.is_set() and (self.limit is None or self.sent < self.limit):
            question = ORDINARY[self.sent % len(ORDINARY)]
            began = time.perf_counter()
            self.sent += 1
            try:
                reply = session.post(self.url, json={"sender": self.sender, "message": question},
                                     timeout=self.timeout)
                if reply.status_code != 200:
                    self.unanswered[f"HTTP {reply.status_code}"] += 1
                elif not reply_text(reply.json()).strip():
                    self.unanswered["empty reply"] += 1
                else:
                    self.latencies.append(time.perf_counter() - began)
            except requests.Timeout:
                self.unanswered["timeout"] += 1
            except Exception as error:  # noqa: BLE001
                self.unanswered[type(error).__name__] += 1
                session = requests.Session()
            self.stop_event.wait(max(0.0, self.interval - (time.perf_counter() - began)))

    def summary(self) -> dict:
        ms = [v * 1000 for v in self.latencies]
        return {"sent": self.sent, "answered": len(self.latencies),
                "unanswered": sum(self.unanswered.values()), "unanswered_by_reason": dict(self.unanswered),
                "p50_ms": rb.rounded(rb.percentile(ms, 50)), "p95_ms": rb.rounded(rb.percentile(ms, 95)),
                "max_ms": rb.rounded(max(ms) if ms else None)}


# --- What the servers did -----------------------------------------------------------------

TRACEBACK = "Traceback (most recent call last):"
FRAME = re.compile(r'^\s*File "([^"]+)", line (\d+), in (\S+)')
EXCEPTION_NAME = re.compile(r"^([A-Za-z_][\w.]*)(?::|$)")
RESTART = re.compile(r"^run_all: (\w+) (.*); restarting in")


def short_path(path: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return Path(path).name


def scan_log(text: str) -> dict:
    """Tracebacks (exception class and innermost frame: code locations, never message text),
    restarts logged by run_all, ERROR lines; what came after run_all began to stop the servers
    (engine.io's pending ping tasks, for instance) is counted apart."""
    lines = text.splitlines()
    stop_at = next((i for i, line in enumerate(lines) if line.startswith("run_all: stopping")), len(lines))
    kinds: Counter = Counter()
    tracebacks = tracebacks_at_shutdown = 0
    for i, line in enumerate(lines):
        if TRACEBACK not in line:
            continue
        if i > stop_at:
            tracebacks_at_shutdown += 1
            continue
        tracebacks += 1
        frame, name = "?", "?"
        for follow in lines[i + 1:i + 400]:
            match = FRAME.match(follow)
            if match:
                frame = f"{short_path(match.group(1))}:{match.group(2)} in {match.group(3)}"
                continue
            if follow.startswith((" ", "\t")) or not follow.strip():
                continue
            exception = EXCEPTION_NAME.match(follow.strip())
            name = exception.group(1) if exception else "?"
            break
        kinds[f"{name} at {frame}"] += 1
    restarts: Counter = Counter()
    for line in lines:
        match = RESTART.match(line)
        if match:
            reason = match.group(2)
            reason = "exited" if reason.startswith("exited") else "health checks" if "health" in reason else "start-up"
            restarts[f"{match.group(1)} ({reason})"] += 1
    errors = [i for i, line in enumerate(lines) if re.search(r"\bERROR\b|\[ERROR\]", line)]
    return {"tracebacks": tracebacks, "traceback_kinds": dict(kinds.most_common()),
            "tracebacks_at_shutdown": tracebacks_at_shutdown,
            "restarts": sum(restarts.values()), "restarts_by_process": dict(restarts),
            "error_log_lines": sum(1 for i in errors if i < stop_at),
            "error_log_lines_at_shutdown": sum(1 for i in errors if i > stop_at)}


def db_files_size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal"))
               if p.exists())


def sqlite_rows(path: Path, query: str) -> List[tuple]:
    if not path.exists():
        return []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as db:
        return db.execute(query).fetchall()


def tracker_figures(path: Path) -> dict:
    from components.input_checks import CONVERSATION_ID

    try:
        senders = [row[0] for row in sqlite_rows(path, "SELECT DISTINCT sender_id FROM events")]
        events = sqlite_rows(path, "SELECT COUNT(*) FROM events")[0][0]
    except (sqlite3.Error, IndexError) as error:
        return {"error": type(error).__name__}
    malformed = sum(1 for s in senders if not isinstance(s, str) or not CONVERSATION_ID.fullmatch(s))
    return {"events": events, "conversations": len(senders), "malformed_ids_stored": malformed}


def outbox_counts(path: Path) -> Dict[str, int]:
    try:
        rows = sqlite_rows(path, "SELECT type, status, COUNT(*) FROM outbox GROUP BY type, status")
    except sqlite3.Error as error:
        return {"error": type(error).__name__}
    return {f"{kind}/{status}": count for kind, status, count in rows}


# --- The run ------------------------------------------------------------------------------

def run(args: argparse.Namespace, procs: rb.Processes, tmp: Path, stop: threading.Event, result: dict) -> None:
    """Fills `result` as it goes, so an interrupted or failed run still reports what it saw."""
    from cryptography.fernet import Fernet

    work = tmp / "fuzz"
    (work / "var").mkdir(parents=True)
    receiver = Receiver()
    receiver.start()
    webhook_secret = uuid.uuid4().hex
    action_port = rb.free_port()
    rasa_port = rb.free_port((action_port,))
    tracker_db, intake_db = work / "tracker.db", work / "intake.db"
    env = rb.subprocess_env(True)
    env.update({
        "ACTION_SERVER_PORT": str(action_port), "RASA_PORT": str(rasa_port),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "RASA_API_TOKEN": uuid.uuid4().hex, "LOG_ID_KEY": uuid.uuid4().hex,
        "TRACKER_STORE_DIALECT": "sqlite", "TRACKER_STORE_DB": str(tracker_db),
        "INTAKE_DATABASE_URL": f"sqlite:///{intake_db}", "INTAKE_VAR_DIR": str(work / "var"),
        "INTAKE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "WEB_PORT": "", "STAFF_WEBHOOK_URL": receiver.url, "STAFF_WEBHOOK_SECRET": webhook_secret,
        "STAFF_WEBHOOK_FORMAT": "json", "STAFF_EMAIL_TO": "", "SMTP_HOST": "",
        "OUTBOX_POLL_SECONDS": "1",
    })
    base = f"http://127.0.0.1:{rasa_port}"
    url = f"{base}/webhooks/rest/webhook"
    log_path = work / "run_all.log"
    pids: Dict[str, int] = {}

    def find_servers() -> None:
        for pid in rb.child_pids(proc.pid):
            argv = rb.proc_cmdline(pid)
            name = ("rasa" if any(a.endswith("serve_rasa.py") for a in argv) else "actions"
                    if any(a.endswith("serve_actions.py") for a in argv)
                    else "outbox" if "clinic.entrypoints.outbox_worker" in argv else None)
            if name and pids.get(name) != pid:
                pids[name] = pid
                procs.adopt(pid)

    def ready() -> bool:
        health = requests.get(f"http://127.0.0.1:{action_port}/health", timeout=1)
        status = requests.get(f"{base}/status", params={"token": env["RASA_API_TOKEN"]}, timeout=1)
        return health.ok and status.ok and bool(status.json().get("model_file"))

    began = time.perf_counter()
    proc = procs.start([sys.executable, ROOT / "scripts" / "run_all.py"], ROOT, env, log_path)
    try:
        rb.wait_ready(proc, ready, log_path, find_servers)
        find_servers()
        first_pids = dict(pids)
        result["ready_s"] = round(time.perf_counter() - began, 1)
        rb.log(f"fuzz: assistant ready in {result['ready_s']} s")

        baseline = Visitor(url, args.visitor_interval, args.timeout, limit=args.baseline)
        if args.baseline:
            baseline.run()
        size_before = db_files_size(tracker_db)

        catalogue = Catalogue(args.seed, uuid.uuid4().hex[:8])
        channel_rng = random.Random(f"{args.seed}:channels")
        channels = ["socket" if channel_rng.random() < args.socket_share else "rest" for _ in range(args.messages)]
        rest_indices = [i for i, c in enumerate(channels) if c == "rest"]
        socket_indices = [i for i, c in enumerate(channels) if c == "socket"]
        rest_tally, socket_tally = Tally(), Tally()
        socket_tasks = max(1, round(args.concurrency * args.socket_share)) if socket_indices else 0
        rest_threads = max(1, args.concurrency - socket_tasks)
        rb.log(f"fuzz: {len(rest_indices)} REST messages on {rest_threads} threads, {len(socket_indices)} "
               f"socket.io messages on {socket_tasks} connections, visitor every {args.visitor_interval} s")

        visitor = Visitor(url, args.visitor_interval, args.timeout)
        visitor.start()
        fuzz_began = time.perf_counter()
        cursor = Cursor(len(rest_indices))
        workers = [threading.Thread(target=rest_worker, args=(url, catalogue, rest_indices, cursor, rest_tally,
                                                              args.timeout, stop), daemon=True)
                   for _ in range(rest_threads)]
        if socket_indices:
            workers.append(threading.Thread(target=socket_runner, args=(
                base, catalogue, socket_indices, socket_tasks, socket_tally, args.timeout, stop), daemon=True))
        for worker in workers:
            worker.start()
        last_report = time.monotonic()
        while any(w.is_alive() for w in workers):
            for worker in workers:
                worker.join(timeout=1)
            if time.monotonic() - last_report > 30:
                last_report = time.monotonic()
                done = sum(rest_tally.totals().values()) + sum(socket_tally.totals().values())
                rb.log(f"fuzz: {done}/{args.messages} messages, "
                       f"visitor {len(visitor.latencies)}/{visitor.sent} answered")
        fuzz_seconds = time.perf_counter() - fuzz_began
        visitor.stop_event.set()
        visitor.join(timeout=args.timeout + 5)

        after_sender = f"after-{uuid.uuid4().hex}"
        after: dict = {}
        for label, text, check in (("ordinary_question", "what are your office hours?", lambda t: bool(t.strip())),
                                   ("crisis_message", "I don't want to be alive anymore", lambda t: "988" in t)):
            try:
                reply = requests.post(url, json={"sender": after_sender, "message": text}, timeout=args.timeout)
                answered = reply.ok and check(reply_text(reply.json()))
                after[label] = "answered" if answered else f"not answered (HTTP {reply.status_code})"
            except Exception as error:  # noqa: BLE001
                after[label] = f"not answered ({type(error).__name__})"

        # Alerts (also the one the crisis message above raised): wait until the worker has delivered
        # what was queued, or the drain time is over.
        deadline = time.monotonic() + args.outbox_drain
        while time.monotonic() < deadline:
            counts = outbox_counts(intake_db)
            if not any(k.endswith("/pending") for k in counts) or "error" in counts:
                break
            time.sleep(1)

        find_servers()
        received_types: Counter = Counter()
        bad_signatures = 0
        with receiver.lock:
            for item in receiver.received:
                if not signature_ok(item.body, item.headers.get("X-Signature", ""), webhook_secret):
                    bad_signatures += 1
                try:
                    received_types[str(json.loads(item.body).get("type"))] += 1
                except (ValueError, AttributeError):
                    received_types["unreadable"] += 1
        size_after = db_files_size(tracker_db)
        result.update({
            "fuzz_seconds": round(fuzz_seconds, 1),
            "messages": args.messages,
            "messages_per_s": round(args.messages / fuzz_seconds, 1) if fuzz_seconds else None,
            "rest": {"messages": len(rest_indices), "threads": rest_threads, **rest_tally.summary()},
            "socketio": {"messages": len(socket_indices), "connections": socket_tasks, **socket_tally.summary()},
            "visitor_baseline": baseline.summary() if args.baseline else None,
            "visitor": visitor.summary(),
            "after": after,
            "alerts": {"outbox": outbox_counts(intake_db),
                       "received_by_webhook": dict(received_types),
                       "received_total": sum(received_types.values()),
                       "signature_mismatches": bad_signatures},
            "tracker_db": {"bytes_before": size_before, "bytes_after": size_after,
                           "growth_bytes": size_after - size_before, **tracker_figures(tracker_db)},
            "server_pids_changed": sorted(k for k in first_pids if pids.get(k) != first_pids[k]),
            "supervisor_alive": proc.poll() is None,
            "rasa_peak_rss_mb": rb.rounded((rb.proc_status_kb(pids["rasa"], "VmHWM") or 0) / 1024)
            if "rasa" in pids else None,
        })
    finally:
        receiver.stop()
        rb.stop_and_check_ports(procs, proc, [rasa_port, action_port], result)
        result["servers"] = scan_log(log_path.read_text(errors="replace") if log_path.exists() else "")
        if args.keep_log:
            # The servers' own output holds fuzz text: only on request, never printed.
            Path(args.keep_log).write_bytes(log_path.read_bytes())


def http_status_counts(tally_summary: dict) -> Dict[str, int]:
    statuses: Counter = Counter()
    for outcome, count in tally_summary.get("outcomes", {}).items():
        if outcome.startswith("HTTP "):
            statuses[outcome.split()[1]] += count
    return dict(sorted(statuses.items()))


def findings(result: dict) -> List[str]:
    """What a user, the staff or an attacker would notice; empty when all is well."""
    found = []
    servers = result.get("servers", {})
    rest = result.get("rest", {})
    statuses = http_status_counts(rest)
    if "error" in result:
        found.append(f"the run failed: {result['error']}")
    if servers.get("tracebacks"):
        found.append(f"{servers['tracebacks']} tracebacks in the servers' output")
    if servers.get("restarts"):
        found.append(f"{servers['restarts']} process restarts")
    if result.get("server_pids_changed"):
        found.append(f"server processes replaced: {result['server_pids_changed']}")
    if result.get("supervisor_alive") is False:
        found.append("run_all.py exited")
    fives = {code: n for code, n in statuses.items() if code.startswith("5")}
    if fives:
        found.append(f"5xx answers over REST: {fives}")
    outcomes = rest.get("outcomes", {})
    for bad in ("timeout", "connection_error"):
        if outcomes.get(bad):
            found.append(f"REST {bad.replace('_', ' ')}s: {outcomes[bad]}")
    visitor = result.get("visitor") or {}
    if visitor.get("unanswered"):
        found.append(f"the ordinary visitor got no answer {visitor['unanswered']} times")
    for label, state in (result.get("after") or {}).items():
        if state != "answered":
            found.append(f"afterwards, {label}: {state}")
    tracker = result.get("tracker_db") or {}
    if tracker.get("malformed_ids_stored"):
        found.append(f"{tracker['malformed_ids_stored']} malformed conversation ids stored")
    for channel in ("rest", "socketio"):
        section = result.get(channel) or {}
        if section.get("crisis_replies_with_988", 0) < section.get("crisis_messages_answered", 0):
            found.append(f"{channel}: crisis messages answered without 988: "
                         f"{section['crisis_messages_answered'] - section['crisis_replies_with_988']}")
    return found


def render(result: dict) -> str:
    rest, sock = result.get("rest", {}), result.get("socketio", {})
    servers, alerts = result.get("servers", {}), result.get("alerts", {})
    visitor, tracker = result.get("visitor") or {}, result.get("tracker_db") or {}
    base = result.get("visitor_baseline") or {}
    lines = [
        "",
        f"Fuzz run: {result.get('messages')} messages in {result.get('fuzz_seconds')} s "
        f"({result.get('messages_per_s')} msg/s), assistant ready in {result.get('ready_s')} s",
        f"  REST ({rest.get('messages')} on {rest.get('threads')} threads), HTTP status: {http_status_counts(rest)}",
        "  REST other outcomes: " + str({k: v for k, v in rest.get("outcomes", {}).items()
                                         if not k.startswith("HTTP ") or "200 " in k}),
        f"  socket.io ({sock.get('messages')} on {sock.get('connections')} connections): {sock.get('outcomes')}",
        f"  crisis messages answered with 988: REST {rest.get('crisis_replies_with_988')}/"
        f"{rest.get('crisis_messages_answered')}, socket.io {sock.get('crisis_replies_with_988')}/"
        f"{sock.get('crisis_messages_answered')}",
        f"  servers: {servers.get('tracebacks')} tracebacks, {servers.get('restarts')} restarts, "
        f"{servers.get('error_log_lines')} ERROR lines (at shutdown: {servers.get('tracebacks_at_shutdown')} "
        f"tracebacks, {servers.get('error_log_lines_at_shutdown')} ERROR lines); "
        f"supervisor alive: {result.get('supervisor_alive')}; "
        f"pids replaced: {result.get('server_pids_changed')}",
    ]
    for kind, count in (servers.get("traceback_kinds") or {}).items():
        lines.append(f"    {count} x {kind}")
    lines += [
        f"  alerts: outbox {alerts.get('outbox')}, received by the webhook {alerts.get('received_by_webhook')} "
        f"(signature mismatches {alerts.get('signature_mismatches')})",
        f"  tracker.db: {tracker.get('bytes_before')} -> {tracker.get('bytes_after')} bytes "
        f"(+{(tracker.get('growth_bytes') or 0) / 1e6:.1f} MB), {tracker.get('events')} events, "
        f"{tracker.get('conversations')} conversations, {tracker.get('malformed_ids_stored')} malformed ids stored",
        f"  ordinary visitor: {visitor.get('answered')}/{visitor.get('sent')} answered, "
        f"p50 {visitor.get('p50_ms')} ms, "
        f"p95 {visitor.get('p95_ms')} ms, max {visitor.get('max_ms')} ms (quiet baseline p50 {base.get('p50_ms')} ms, "
        f"max {base.get('max_ms')} ms); unanswered {visitor.get('unanswered_by_reason')}",
        f"  afterwards: {result.get('after')}",
    ]
    found = findings(result)
    lines.append("  findings: " + ("none" if not found else ""))
    lines += [f"    - {item}" for item in found]
    return "\n".join(lines)


def merge_into(path: Path, key: str, result: dict) -> None:
    data: dict = {}
    if path.exists():
        try:
            data = json.loads(path.read_text())
        except ValueError:
            data = {}
    data[key] = result
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=None, help=f"fuzz messages (default {FULL_MESSAGES})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_MESSAGES} messages, written under fuzz_quick")
    parser.add_argument("--concurrency", type=int, default=8, help="REST threads + socket.io connections")
    parser.add_argument("--socket-share", type=float, default=0.2, help="share of messages sent over socket.io")
    parser.add_argument("--visitor-interval", type=float, default=0.5, help="seconds between the visitor's questions")
    parser.add_argument("--baseline", type=int, default=10, help="visitor questions before the fuzz starts")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a request may take")
    parser.add_argument("--outbox-drain", type=float, default=OUTBOX_DRAIN_S,
                        help="seconds to wait for queued alerts to be delivered")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.json"), help="JSON file merged into")
    parser.add_argument("--key", default=None, help="section name in --out (default fuzz, or fuzz_quick)")
    parser.add_argument("--keep-log", default=None, help="copy the servers' output here (it holds fuzz text)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when there is any finding")
    args = parser.parse_args(argv)
    if args.messages is None:
        args.messages = QUICK_MESSAGES if args.quick else FULL_MESSAGES
    key = args.key or ("fuzz_quick" if args.quick else "fuzz")

    stop = threading.Event()

    def on_sigterm(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    result: dict = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "options": {name: getattr(args, name) for name in (
            "messages", "quick", "concurrency", "socket_share", "visitor_interval", "baseline", "timeout", "seed")},
        "machine": {"cpus": os.cpu_count(), "loadavg_start": [round(x, 2) for x in os.getloadavg()],
                    "nice": os.nice(0)},
    }
    procs = rb.Processes()
    interrupted = False
    with tempfile.TemporaryDirectory(prefix="clinic-fuzz-") as tmp_name:
        try:
            run(args, procs, Path(tmp_name), stop, result)
        except KeyboardInterrupt:
            interrupted = True
            stop.set()
            rb.log("interrupted: stopping every server started")
        except Exception as error:  # noqa: BLE001 - reported, the servers are still stopped
            # Start-up failures say why (the servers' last lines, before any fuzz text was sent);
            # anything else only by type, since its text might quote a message.
            result["error"] = (rb.error_text(error) if isinstance(error, (RuntimeError, TimeoutError))
                               and "fuzz_seconds" not in result and "ready_s" not in result
                               else type(error).__name__)
        finally:
            stop.set()
            procs.stop_all()
    result["interrupted"] = interrupted
    result["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    result["findings"] = findings(result)
    merge_into(Path(args.out), key, result)
    print(render(result))
    if interrupted:
        return 130
    return 1 if args.strict and result["findings"] else 0


if __name__ == "__main__":
    sys.exit(main())
