"""Starts the real assistant (scripts/run_all.py) on spare loopback ports for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

import requests

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT_SECONDS = 240


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Assistant:
    """The action server and Rasa server, started together like `make run` starts them."""

    def __init__(self, workdir: Path, extra_env: Optional[Dict[str, str]] = None,
                 log_path: Optional[Path] = None):
        self.log_path = log_path  # everything the servers print, when the test reads their logs
        self.action_port, self.rasa_port = free_port(), free_port()
        self.token = "e2e-test-token"
        self.env = dict(os.environ)
        self.env.update({
            "ACTION_SERVER_PORT": str(self.action_port),
            "RASA_PORT": str(self.rasa_port),
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.action_port}/webhook",
            "RASA_API_TOKEN": self.token,
            "TRACKER_STORE_DIALECT": "sqlite",
            "TRACKER_STORE_DB": str(workdir / "tracker.db"),
            "WEB_PORT": "",
        })
        self.env.update(extra_env or {})
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def start(self) -> "Assistant":
        output = open(self.log_path, "ab") if self.log_path else None  # noqa: SIM115 - closed by the OS
        self.process = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "run_all.py")],
                                        cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT
                                        if output else None)
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"run_all.py exited with {self.process.returncode}")
            if self._ready():
                return self
            time.sleep(1)
        self.stop()
        raise TimeoutError("the assistant did not become ready in time")

    def _ready(self) -> bool:
        try:
            health = requests.get(f"http://127.0.0.1:{self.action_port}/health", timeout=2)
            status = requests.get(f"{self.url}/status", params={"token": self.token}, timeout=2)
            return health.ok and status.ok and bool(status.json().get("model_file"))
        except requests.RequestException:
            return False

    def say(self, sender: str, message) -> List[dict]:
        reply = requests.post(f"{self.url}/webhooks/rest/webhook",
                              json={"sender": sender, "message": message}, timeout=60)
        reply.raise_for_status()
        return reply.json()

    def text(self, sender: str, message) -> str:
        return "\n".join(part.get("text", "") for part in self.say(sender, message))

    def stop(self) -> int:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            return self.process.wait(timeout=30)
        return self.process.returncode if self.process else 0
