"""Where our Rasa server's time goes under load: runs `rasa run` under cProfile (and the action
server beside it, optionally profiled too), drives N visitors over REST, stops the servers
cleanly so the profiles are written, and prints the top functions.

    PYTHONPATH=. .venv/bin/python bench/profile_rasa.py [--visitors 20] [--out DIR] [--actions-too]

An experiment, not part of `make bench`: cProfile slows the profiled process down (roughly 1.5-2x),
so read the shares, not the absolute times. Servers run on spare loopback ports with temporary
databases, like bench/run_bench.py.
"""

from __future__ import annotations

import argparse
import io
import os
import pstats
import signal
import sys
import tempfile
import uuid
from pathlib import Path

import requests
import run_bench as rb  # bench/ is on sys.path: this script runs from there


def top(profile: Path, sort: str, limit: int, pattern: str = "") -> str:
    buffer = io.StringIO()
    stats = pstats.Stats(str(profile), stream=buffer)
    stats.strip_dirs().sort_stats(sort).print_stats(*(filter(None, [pattern])), limit)
    return buffer.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visitors", type=int, default=20)
    parser.add_argument("--out", default=None, help="directory for the .prof files (default: a temp dir, kept)")
    parser.add_argument("--actions-too", action="store_true", help="profile the action server as well")
    parser.add_argument("--limit", type=int, default=35)
    args = parser.parse_args()

    out = Path(args.out or tempfile.mkdtemp(prefix="clinic-profile-"))
    out.mkdir(parents=True, exist_ok=True)
    (out / "var").mkdir(exist_ok=True)
    action_port = rb.free_port()
    rasa_port = rb.free_port((action_port,))
    token = f"profile-{uuid.uuid4().hex}"
    env = rb.subprocess_env(True)
    env.update({
        "ACTION_SERVER_PORT": str(action_port), "RASA_PORT": str(rasa_port),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "TRACKER_STORE_DIALECT": "sqlite", "TRACKER_STORE_DB": str(out / "tracker.db"),
        "INTAKE_DATABASE_URL": f"sqlite:///{out / 'intake.db'}", "INTAKE_VAR_DIR": str(out / "var"),
        "STAFF_WEBHOOK_URL": "", "STAFF_EMAIL_TO": "", "SMTP_HOST": "",
        # The action server refuses calls without it; Rasa sends it (endpoints.yml).
        "ACTION_SERVER_SECRET": f"profile-{uuid.uuid4().hex}",
    })
    py = sys.executable
    actions_cmd = ([py, "-m", "cProfile", "-o", out / "actions.prof"] if args.actions_too else [py]) + [
        str(rb.ROOT / "scripts" / "serve_actions.py"), "--actions", "actions", "--port", action_port]
    # scripts/rasa_patched.py: the Rasa server's patches (CLINIC_RASA_PATCHES), as serve_rasa.py applies them
    rasa_cmd = [py, "-m", "cProfile", "-o", out / "rasa.prof", str(rb.ROOT / "scripts" / "rasa_patched.py"), "run",
                "--model", rb.MODEL,
                "--enable-api", "--auth-token", token, "--interface", "127.0.0.1", "--port", rasa_port,
                "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"]
    procs = rb.Processes()
    url = f"http://127.0.0.1:{rasa_port}"
    try:
        actions = procs.start(actions_cmd, rb.ROOT, env, out / "actions.log")
        rasa = procs.start(rasa_cmd, rb.ROOT, env, out / "rasa.log")

        def ready() -> bool:
            health = requests.get(f"http://127.0.0.1:{action_port}/health", timeout=1)
            status = requests.get(f"{url}/status", params={"token": token}, timeout=1)
            return health.ok and status.ok and bool(status.json().get("model_file"))

        rb.wait_ready(rasa, ready, out / "rasa.log")
        for text in rb.VISITOR_SCRIPT[:3]:
            rb.post_message(requests.Session(), f"{url}/webhooks/rest/webhook", "profile-warmup", text)
        load = rb.run_load(f"{url}/webhooks/rest/webhook", args.visitors, rb.VISITOR_SCRIPT, "profile",
                           {"rasa": rasa.pid, "actions": actions.pid})
        print(f"Under cProfile, N={args.visitors}: {load['ok']} ok, {load['errors']} errors, "
              f"p50 {load['p50_ms']} ms, p95 {load['p95_ms']} ms, {load['msgs_per_s']} msg/s, "
              f"server CPU ms/msg {load['server_cpu_ms_per_msg']}")
        # SIGINT to the server process only: Sanic stops its loop, the script returns and cProfile
        # writes the profile.
        for proc in (rasa, actions):
            os.kill(proc.pid, signal.SIGINT)
        for proc in (rasa, actions):
            proc.wait(timeout=60)
    finally:
        procs.stop_all()
    for name in ("rasa", "actions"):
        profile = out / f"{name}.prof"
        if profile.exists():
            print(f"\n===== {name}: top {args.limit} by cumulative time =====")
            print(top(profile, "cumulative", args.limit))
            print(f"\n===== {name}: top {args.limit} by own time =====")
            print(top(profile, "tottime", args.limit))
    print(f"Profiles kept in {out} (python -m pstats {out}/rasa.prof)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
