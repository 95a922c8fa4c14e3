"""Starts and supervises the action server, the Rasa server, the outbox worker, the staff inbox and the chat
page, in the foreground.

A process that exits, or stops answering its health check, is restarted with back-off while the
others keep serving: one crashed or hung server never takes the rest down. Ctrl-C or SIGTERM stops
all of them; nothing is left running behind. Settings come from the environment (defaults in
defaults.mk).
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests

from clinic import settings  # installed by `make install` (pyproject.toml): no PYTHONPATH needed

ROOT = Path(__file__).resolve().parent.parent

VAR = ROOT / "var"
STOP_GRACE_SECONDS = 10
# Restart back-off: 1, 2, 4 ... 30 s; a process that stayed up this long starts again from 1 s.
BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
STABLE_SECONDS = 60.0


# Health watchdog: checked every interval once a process has answered once; this many failures
# in a row (each a timeout or an error) and it is restarted. Before its first answer a server may
# be loading (Rasa accepts connections while it loads the model), so only the start-up limit
# applies then.
# (A value that is not a number: the default.)
HEALTH_INTERVAL_SECONDS = settings.get("WATCHDOG_INTERVAL_SECONDS")
HEALTH_TIMEOUT_SECONDS = settings.get("WATCHDOG_TIMEOUT_SECONDS")
HEALTH_FAILURES = int(settings.get("WATCHDOG_FAILURES"))
STARTUP_LIMIT_SECONDS = settings.get("WATCHDOG_STARTUP_SECONDS")


def log(text: str) -> None:
    print(f"run_all: {text}", file=sys.stderr, flush=True)


def secret(variable: str, filename: str, what: str) -> str:
    """The environment variable, or a value generated once into var/ (mode 0600)."""
    value = settings.raw(variable)
    if value:
        return value
    path = VAR / filename
    if not path.exists():
        VAR.mkdir(mode=0o700, exist_ok=True)
        # Written under a temporary name and linked into place: two starts at once (parallel
        # tests) both end up reading the one complete value, never a half-written or empty file.
        partial = path.with_name(f".{filename}.{os.getpid()}")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
        try:
            os.link(partial, path)
            log(f"generated a development {what} in {path}; set {variable} in production.")
        except FileExistsError:
            pass
        finally:
            partial.unlink()
    return path.read_text().strip()


PLACEHOLDER = re.compile(r"change-?me|generate-with|placeholder|<[^>]*>", re.IGNORECASE)


def is_secret(name: str) -> bool:
    """Secrets as clinic/settings.py marks them (undeclared names by their *_KEY, *_SECRET, *_TOKEN,
    *_PASSWORD ending); any *_URL may carry a password too (INTAKE_DATABASE_URL=postgresql://user:pw@...)."""
    return settings.is_secret(name) or name.endswith("_URL")


def placeholder_secrets(env: Dict[str, str]) -> List[str]:
    """Secrets still holding an example value from deploy/env.example (never accepted)."""
    return sorted(name for name, value in env.items()
                  if is_secret(name) and value and PLACEHOLDER.search(value))


def api_token() -> str:
    return secret("RASA_API_TOKEN", "rasa_api_token", "API token")


def commands(env: Dict[str, str]) -> Dict[str, List[str]]:
    model = env.get("RASA_MODEL", str(ROOT / "models" / "clinic.tar.gz"))
    procs = {
        # Only callers with ACTION_SERVER_SECRET (from the environment, never argv) run actions.
        "actions": [sys.executable, str(ROOT / "scripts" / "serve_actions.py"), "--actions", "actions",
                    "--port", env["ACTION_SERVER_PORT"]],
        # The API token reaches Rasa through the environment (scripts/serve_rasa.py), never argv.
        "rasa": [sys.executable, str(ROOT / "scripts" / "serve_rasa.py"), "run", "--model", model,
                 "--enable-api", "--cors", env["SITE_ORIGIN"],
                 "--interface", env["RASA_INTERFACE"], "--port", env["RASA_PORT"],
                 "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"],
    }
    # Delivers staff notifications from the outbox: its own process, so no conversation waits on
    # a webhook. Several may run (scale-out); OUTBOX_WORKER=off leaves delivery to another machine.
    if env.get("OUTBOX_WORKER", "on").lower() not in ("off", "0", "false", "no"):
        procs["outbox"] = [sys.executable, "-m", "clinic.entrypoints.outbox_worker"]
    # The staff inbox (staff_inbox/server.py), loopback only; it also runs the escalation check.
    # INBOX_PORT empty: another machine serves it.
    if env.get("INBOX_PORT"):
        procs["inbox"] = [sys.executable, "-m", "staff_inbox.server"]
    if (ROOT / "web" / "serve.py").exists() and env.get("WEB_PORT"):
        procs["web"] = [sys.executable, str(ROOT / "web" / "serve.py")]
    return procs


def health_urls(env: Dict[str, str]) -> Dict[str, str]:
    """What the watchdog asks each server (the outbox worker has no port: only its exit is watched)."""
    urls = {"actions": f"http://127.0.0.1:{env['ACTION_SERVER_PORT']}/health",
            "rasa": f"http://127.0.0.1:{env['RASA_PORT']}/"}
    if env.get("INBOX_PORT"):
        urls["inbox"] = f"http://127.0.0.1:{env['INBOX_PORT']}/health"
    if env.get("WEB_PORT"):
        urls["web"] = f"http://127.0.0.1:{env['WEB_PORT']}/"
    return urls


def migrate_intake_database() -> None:
    """Brings the intake database schema up to date before anything can write to it."""
    from clinic.adapters import intake_store  # installed by `make install` (pyproject.toml): no PYTHONPATH needed

    intake_store.migrate()
    intake_store.dispose_engines()


def _healthy(url: str) -> bool:
    try:
        return requests.get(url, timeout=HEALTH_TIMEOUT_SECONDS).status_code < 500
    except requests.RequestException:
        return False


@dataclass
class Child:
    """One supervised process and what the supervisor knows about it."""

    name: str
    argv: List[str]
    health_url: Optional[str] = None
    process: Optional[subprocess.Popen] = None
    started_at: float = 0.0
    restart_at: Optional[float] = None  # when a stopped process is due to start again
    backoff: float = BACKOFF_FIRST_SECONDS
    answered: bool = False  # answered its health check at least once since it started
    failures: int = 0
    next_check: float = 0.0
    check: Optional[Future] = field(default=None, repr=False)
    restarts: int = 0


class Supervisor:
    def __init__(self, env: Dict[str, str]):
        self.env = env
        urls = health_urls(env)
        self.children = [Child(name, argv, urls.get(name)) for name, argv in commands(env).items()]
        self.checks = ThreadPoolExecutor(max_workers=max(1, len(self.children)))

    def start(self, child: Child) -> None:
        # Own process group, so a stop reaches the server's workers too.
        child.process = subprocess.Popen(child.argv, cwd=ROOT, env=self.env, start_new_session=True)
        child.started_at = time.monotonic()
        child.restart_at, child.answered, child.failures, child.check = None, False, 0, None
        child.next_check = child.started_at + 1
        log(f"started {child.name} (pid {child.process.pid})")

    def schedule_restart(self, child: Child, reason: str) -> None:
        now = time.monotonic()
        if now - child.started_at >= STABLE_SECONDS:
            child.backoff = BACKOFF_FIRST_SECONDS
        child.restart_at = now + child.backoff
        log(f"{child.name} {reason}; restarting in {child.backoff:.0f} s (the others keep running)")
        child.backoff = min(child.backoff * 2, BACKOFF_MAX_SECONDS)
        child.restarts += 1

    def watch(self, child: Child, now: float) -> None:
        """Restart a child that exited or stopped answering its health check."""
        if child.restart_at is not None:
            if now >= child.restart_at:
                self.start(child)
            return
        code = child.process.poll()
        if code is not None:
            self.schedule_restart(child, f"exited with {code}")
            return
        if not child.health_url:
            return
        if child.check is not None and child.check.done():
            if child.check.result():
                child.answered, child.failures = True, 0
            elif child.answered:
                child.failures += 1
            child.check = None
        if child.answered and child.failures >= HEALTH_FAILURES:
            terminate([child.process])
            self.schedule_restart(child, f"did not answer {child.failures} health checks")
        elif not child.answered and now - child.started_at > STARTUP_LIMIT_SECONDS:
            terminate([child.process])
            self.schedule_restart(child, f"did not become healthy within {STARTUP_LIMIT_SECONDS:.0f} s")
        elif child.check is None and now >= child.next_check:
            child.check = self.checks.submit(_healthy, child.health_url)
            child.next_check = now + (HEALTH_INTERVAL_SECONDS if child.answered else 1)

    def run(self, stopping: Dict[str, Optional[int]]) -> None:
        for child in self.children:
            self.start(child)
        while stopping["signal"] is None:
            now = time.monotonic()
            for child in self.children:
                self.watch(child, now)
            time.sleep(0.2)

    def stop(self) -> None:
        terminate([c.process for c in self.children if c.process is not None])
        self.checks.shutdown(wait=False, cancel_futures=True)


def terminate(processes: List[subprocess.Popen]) -> None:
    """SIGTERM to each process group, SIGKILL to what is still running after the grace period."""
    for proc in processes:
        if proc.poll() is None:
            _signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for proc in processes:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()


def _signal_group(proc: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(proc.pid, signum)
        if signum == signal.SIGTERM:
            os.killpg(proc.pid, signal.SIGCONT)  # a stopped (hung) process must see the SIGTERM
    except ProcessLookupError:
        pass


def main() -> int:
    env = dict(os.environ)
    placeholders = placeholder_secrets(env)
    if placeholders:
        log(f"refusing to start: {', '.join(placeholders)} still hold the example values from "
            "deploy/env.example; set real secrets (see README, Configuration)")
        return 2
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    os.umask(0o077)  # var/ and every file the servers create there: owner only
    VAR.mkdir(mode=0o700, exist_ok=True)
    env["RASA_API_TOKEN"] = api_token()
    # Conversation ids in logs are keyed hashes (clinic/domain/log_ids.py), the same in every process.
    env["LOG_ID_KEY"] = secret("LOG_ID_KEY", "log_id_key", "log id key")
    # Rasa sends it with every action call (endpoints.yml); the action server refuses calls without it.
    env["ACTION_SERVER_SECRET"] = secret("ACTION_SERVER_SECRET", "action_server_secret", "action server secret")
    # Signs the conversation ids the socket.io channel issues (components/conversation_ids.py);
    # every Rasa server of one site needs the same key, or a reload starts a new conversation.
    env["CONVERSATION_ID_KEY"] = secret("CONVERSATION_ID_KEY", "conversation_id_key", "conversation id key")
    # Signs the staff inbox's cookies; the same across its restarts, or everyone is signed out.
    env["INBOX_SECRET_KEY"] = secret("INBOX_SECRET_KEY", "inbox_secret_key", "staff inbox key")
    try:
        migrate_intake_database()
    except Exception as error:  # noqa: BLE001 - say what is wrong and stop, before starting anything
        log(f"cannot prepare the intake database: {type(error).__name__}: {error}")
        return 1
    stopping: Dict[str, Optional[int]] = {"signal": None}

    def on_signal(signum, _frame):
        stopping["signal"] = signum

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    supervisor = Supervisor(env)
    try:
        supervisor.run(stopping)
        log("stopping")
        return 0
    finally:
        supervisor.stop()


if __name__ == "__main__":
    sys.exit(main())
