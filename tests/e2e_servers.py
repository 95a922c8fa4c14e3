"""Starts the real assistant (scripts/run_all.py) on spare loopback ports for end-to-end tests, and
the shipped nginx configuration (deploy/nginx) in front of one or more of them."""

from __future__ import annotations

import os
import re
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


def intake_environment(workdir: Path) -> Dict[str, str]:
    """A fresh encrypted SQLite intake database in workdir, as the assistant under test sees it."""
    from cryptography.fernet import Fernet

    return {"INTAKE_DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}", "INTAKE_VAR_DIR": str(workdir / "var"),
            "INTAKE_ENCRYPTION_KEY": Fernet.generate_key().decode()}


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
            "INBOX_PORT": "",  # the staff inbox has its own tests (tests/*/test_inbox_*.py)
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

    def children(self) -> Dict[str, int]:
        """The process ids of the servers run_all.py started: actions, rasa, outbox."""
        names = {"serve_actions.py": "actions", "serve_rasa.py": "rasa", "outbox_worker": "outbox"}
        found = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if self.process and parent == self.process.pid:
                found.update({name: int(entry) for marker, name in names.items() if marker in cmdline})
        return found

    def kill_hard(self) -> None:
        """The whole assistant dies at once (SIGKILL), as when its machine fails: nothing restarts it."""
        children = self.children()
        if self.process:
            self.process.kill()
            self.process.wait()
        for pid in children.values():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


NGINX = "/usr/sbin/nginx"
NGINX_SITE = ROOT / "deploy" / "nginx" / "clinic-assistant.conf"


def render_nginx_site(upstreams: List[str], https_port: int, http_port: int, certificate: Path,
                      key: Path, acme_root: Path, access_log: Path) -> str:
    """The shipped site configuration with this machine's ports, a test certificate and test
    paths; everything else (limits, headers, locations, the sticky hash) exactly as shipped.
    Fails when the file no longer has the line a replacement expects."""
    text = NGINX_SITE.read_text()
    server_line = re.compile(r"^(\s*)server 127\.0\.0\.1:5005( [^;]*)?;$", re.MULTILINE)
    match = server_line.search(text)
    assert match, "deploy/nginx: no 'server 127.0.0.1:5005 ...;' line in the upstream"
    text = server_line.sub("\n".join(f"{match.group(1)}server {upstream}{match.group(2) or ''};"
                                      for upstream in upstreams), text, count=1)
    for old, new in [
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("/etc/letsencrypt/live/chat.example-clinic.com/fullchain.pem", str(certificate)),
        ("/etc/letsencrypt/live/chat.example-clinic.com/privkey.pem", str(key)),
        ("root /var/www/acme;", f"root {acme_root};"),
        ("access_log off;", f"access_log {access_log} upstreams;"),
    ]:
        assert text.count(old) == 1, f"deploy/nginx: expected {old!r} once"
        text = text.replace(old, new)
    return text


class Nginx:
    """Debian's nginx (`make nginx`) running the shipped site configuration on spare ports."""

    def __init__(self, workdir: Path, upstreams: List[str]):
        self.workdir = workdir
        self.https_port, self.http_port = free_port(), free_port()
        self.acme_root = workdir / "acme"
        self.access_log = workdir / "access.log"
        self.process: Optional[subprocess.Popen] = None
        for folder in ("tmp", "acme/.well-known/acme-challenge", "logs"):
            (workdir / folder).mkdir(parents=True, exist_ok=True)
        certificate, key = workdir / "cert.pem", workdir / "key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=chat.example-clinic.com", "-keyout", str(key), "-out", str(certificate)],
                       check=True, capture_output=True)
        (workdir / "site.conf").write_text(render_nginx_site(
            upstreams, self.https_port, self.http_port, certificate, key, self.acme_root, self.access_log))
        temp = workdir / "tmp"
        # Workers read the test's private folders: as root they stay root (test machines only).
        user = "user root;" if os.geteuid() == 0 else ""
        (workdir / "nginx.conf").write_text(f"""{user}
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    log_format upstreams '$remote_addr $upstream_addr $status';
    include {workdir}/site.conf;
}}
""")

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def start(self) -> "Nginx":
        if not os.access(NGINX, os.X_OK):
            raise RuntimeError(f"{NGINX} is missing: `make nginx` installs it")
        command = [NGINX, "-p", str(self.workdir), "-c", str(self.workdir / "nginx.conf")]
        checked = subprocess.run(command + ["-t"], capture_output=True, text=True)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx refused the configuration:\n{checked.stderr}")
        self.process = subprocess.Popen(command + ["-g", "daemon off;"])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("nginx did not start listening")

    def upstream_by_client(self) -> Dict[str, str]:
        """Which server (host:port) each client address was sent to, from the access log."""
        chosen = {}
        for line in self.access_log.read_text().splitlines():
            client, upstream, _status = line.split(" ", 2)
            if upstream != "-":
                chosen[client] = upstream.split(",")[-1].strip()
        return chosen

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
