"""Starts the action server, the Rasa server, the outbox worker and the chat page together, in the foreground.

Ctrl-C or SIGTERM stops all of them, and so does any one of them exiting: nothing is left
running behind. Settings come from the environment (defaults in defaults.mk).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
STOP_GRACE_SECONDS = 10


def api_token() -> str:
    """RASA_API_TOKEN, or a development token generated once into var/ (mode 0600)."""
    token = os.environ.get("RASA_API_TOKEN")
    if token:
        return token
    path = VAR / "rasa_api_token"
    if not path.exists():
        VAR.mkdir(exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
        print(f"run_all: generated a development API token in {path}; "
              "set RASA_API_TOKEN in production.", file=sys.stderr)
    return path.read_text().strip()


def commands(env: Dict[str, str]) -> Dict[str, List[str]]:
    bin_dir = Path(sys.executable).parent
    model = env.get("RASA_MODEL", str(ROOT / "models" / "clinic.tar.gz"))
    procs = {
        "actions": [sys.executable, "-m", "rasa_sdk", "--actions", "actions",
                    "--port", env["ACTION_SERVER_PORT"]],
        "rasa": [str(bin_dir / "rasa"), "run", "--model", model,
                 "--enable-api", "--auth-token", api_token(),
                 "--cors", env["SITE_ORIGIN"],
                 "--interface", env["RASA_INTERFACE"], "--port", env["RASA_PORT"],
                 "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"],
    }
    # Delivers staff notifications from the outbox: its own process, so no conversation waits on
    # a webhook. Several may run (scale-out); OUTBOX_WORKER=off leaves delivery to another machine.
    if env.get("OUTBOX_WORKER", "on").lower() not in ("off", "0", "false", "no"):
        procs["outbox"] = [sys.executable, "-m", "actions.outbox_worker"]
    if (ROOT / "web" / "serve.py").exists() and env.get("WEB_PORT"):
        procs["web"] = [sys.executable, str(ROOT / "web" / "serve.py")]
    return procs


def migrate_intake_database() -> None:
    """Brings the intake database schema up to date before anything can write to it."""
    sys.path.insert(0, str(ROOT))
    from actions import intake_store

    intake_store.migrate()
    intake_store.dispose_engines()


def stop(children: Dict[str, subprocess.Popen]) -> None:
    for proc in children.values():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for proc in children.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main() -> int:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    VAR.mkdir(exist_ok=True)
    try:
        migrate_intake_database()
    except Exception as error:  # noqa: BLE001 - say what is wrong and stop, before starting anything
        print(f"run_all: cannot prepare the intake database: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    children: Dict[str, subprocess.Popen] = {}
    stopping = {"signal": None}

    def on_signal(signum, _frame):
        stopping["signal"] = signum

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        for name, argv in commands(env).items():
            # Own process group, so a stop reaches the server's workers too.
            children[name] = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)
            print(f"run_all: started {name} (pid {children[name].pid})", file=sys.stderr)
        while stopping["signal"] is None:
            exited = {n: p.returncode for n, p in children.items() if p.poll() is not None}
            if exited:
                print(f"run_all: {exited} exited; stopping the others", file=sys.stderr)
                return 1
            time.sleep(0.5)
        print("run_all: stopping", file=sys.stderr)
        return 0
    finally:
        stop(children)


if __name__ == "__main__":
    sys.exit(main())
