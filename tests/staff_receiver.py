"""A staff system on loopback for the notification tests: a real HTTP server that records what it gets."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, Iterator, List, Optional


def signature_ok(body: bytes, header: str, secret: str) -> bool:
    """What a receiving system does: recompute the HMAC of the raw body and compare in constant time."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header or "")


@dataclass
class Received:
    headers: Dict[str, str]
    body: bytes


class Receiver:
    """A staff system on loopback: mode "ok" (200), "error" (500) or "slow" (sleeps, then 200);
    stop() closes the port, start() opens it again on the same port."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/staff"
        self.mode = "ok"
        self.slow_seconds = 3.0
        self.received: List[Received] = []
        self.lock = threading.Lock()
        self.server = None
        self.thread = None

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.received.append(Received(dict(self.headers.items()), body))
                mode = receiver.mode
                if mode == "slow":
                    time.sleep(receiver.slow_seconds)
                status = 500 if mode == "error" else 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the client gave up (timeout)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def ids(self) -> List[str]:
        with self.lock:
            return [json.loads(item.body)["id"] for item in self.received]


    def documents(self) -> List[dict]:
        with self.lock:
            return [json.loads(item.body) for item in self.received]


@contextmanager
def running(monkeypatch=None, secret: Optional[str] = None) -> Iterator[Receiver]:
    """A started receiver, stopped afterwards; with monkeypatch and secret, the assistant's
    STAFF_WEBHOOK_URL and STAFF_WEBHOOK_SECRET point at it for the test."""
    receiver = Receiver()
    receiver.start()
    if monkeypatch is not None:
        monkeypatch.setenv("STAFF_WEBHOOK_URL", receiver.url)
        monkeypatch.setenv("STAFF_WEBHOOK_SECRET", secret or "")
    try:
        yield receiver
    finally:
        receiver.stop()


class Mailbox:
    """An aiosmtpd handler that keeps every message it is given (a staff mailbox on loopback)."""

    def __init__(self) -> None:
        self.messages: List = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
        from email import message_from_bytes
        from email.policy import default

        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"
