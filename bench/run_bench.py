"""Benchmark of the clinic assistant: NLU quality, training time, latency and throughput under
load, memory, long conversations, and the same load against a stock `rasa init` assistant.

    PYTHONPATH=. .venv/bin/python bench/run_bench.py [--quick] [--skip-stock] [--strict]
                                                     [--out bench/results.json]

Prints one table and writes every figure, with machine information, to --out. Each section
reports its own errors (in the table and the JSON) instead of stopping the run. Every server
it starts runs in its own process group on spare loopback ports, with temporary databases,
and is stopped on the way out, also on Ctrl-C or SIGTERM. See bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import importlib.metadata
import json
import math
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RASA = str(BIN / "rasa")
MODEL = ROOT / "models" / "clinic.tar.gz"
GUARD_TABLES = ["tests/crisis_guard_cases.tsv", "tests/crisis_guard_fresh_cases.tsv"]

# The defaults.mk settings this benchmark relies on, so it also works outside `make`; every
# `NAME ?= value` line of defaults.mk is applied too (below), so new settings need no edit here.
ENV_DEFAULTS = {
    "RASA_TELEMETRY_ENABLED": "false",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "PYTHONWARNINGS": "ignore::DeprecationWarning",
    "RASA_INTERFACE": "127.0.0.1",
    "SANIC_HOST": "127.0.0.1",
    "WEB_INTERFACE": "127.0.0.1",
    "SITE_ORIGIN": "http://localhost:8080",
    "PRACTICE_PROFILE": "practice_profile.yml",
    "TRACKER_STORE_DIALECT": "sqlite",
    "TRACKER_STORE_HOST": "",
    "TRACKER_STORE_PORT": "5432",
    "TRACKER_STORE_USERNAME": "",
    "TRACKER_STORE_PASSWORD": "",
}


def defaults_mk(path: Path = ROOT / "defaults.mk") -> Dict[str, str]:
    """`NAME ?= value` lines of defaults.mk, with $(NAME) references expanded."""
    values: Dict[str, str] = {}
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return values
    for line in lines:
        match = re.match(r"^([A-Z_][A-Z0-9_]*)\s*\?=\s*(.*?)\s*$", line)
        if match:
            name, value = match.groups()
            values[name] = re.sub(r"\$\(([A-Z_][A-Z0-9_]*)\)",
                                  lambda m: os.environ.get(m.group(1), values.get(m.group(1), "")), value)
    return values


for _name, _value in {**ENV_DEFAULTS, **defaults_mk()}.items():
    os.environ.setdefault(_name, _value)

# What one simulated visitor says, in order (FAQ only: no crisis message, no intake). The
# practice questions (hours, fees, insurance, telehealth, location) and the greeting run custom actions
# on the action server; the others are answered from the domain's responses.
VISITOR_SCRIPT = [
    "hi there",                                  # greet -> action_welcome
    "what is ketamine assisted psychotherapy?",  # ask_kap_what_is -> response
    "what are your office hours?",               # ask_hours -> action_answer_practice_question
    "how much does a session cost?",             # ask_fees -> action
    "is it covered by insurance?",               # ask_insurance -> action
    "how long does therapy usually take?",       # ask_therapy_duration -> response
    "is ketamine therapy safe?",                 # ask_kap_safety -> response
    "do you offer telehealth sessions?",         # ask_telehealth -> action (from the profile)
    "where is your office?",                     # ask_location -> action
    "thanks, that's really helpful",             # thank -> response
]
# The long conversation cycles through these.
FAQ_CYCLE = [
    "what is ketamine assisted psychotherapy?",
    "what are your office hours?",
    "how long does therapy usually take?",
    "how much does a session cost?",
    "is ketamine therapy safe?",
    "is it covered by insurance?",
    "what happens in the first session?",
    "where is your office?",
    "how many ketamine sessions would I need?",
    "which states do you serve?",
    "what is CBT?",
    "can I drive home after a ketamine session?",
]

TARGETS = {
    "p95_ms_at_n20": 300.0,
    "throughput_vs_stock_at_n20": 2.0,
    "ready_s": 30.0,
    "training_s": 180.0,
    "long_conversation_ratio": 1.5,
    "macro_f1": 0.95,
    "guard_recall": 1.0,
    "guard_false_alarm_rate": 0.02,
}

# Written into results.json by other scripts; kept when this one rewrites the file.
OTHER_SECTIONS = ("fuzz", "fuzz_quick")

STARTUP_TIMEOUT_S = 300
REQUEST_TIMEOUT_S = 60
STOP_GRACE_S = 20


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


# --- Processes ---------------------------------------------------------------------------

def _proc_stat(pid: int) -> Optional[List[str]]:
    """Fields of /proc/<pid>/stat after the command name (index 0 is field 3, the state)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()


def proc_start_time(pid: int) -> Optional[int]:
    fields = _proc_stat(pid)
    return int(fields[19]) if fields else None


def proc_cpu_seconds(pid: int) -> Optional[float]:
    """User + system CPU time of a process (all its threads), in seconds."""
    fields = _proc_stat(pid)
    if not fields:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_status_kb(pid: int, key: str) -> Optional[int]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def proc_cmdline(pid: int) -> List[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def child_pids(parent: int) -> List[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _proc_stat(int(entry.name))
            if fields and int(fields[1]) == parent:
                children.append(int(entry.name))
    return children


def free_port(taken: Tuple[int, ...] = ()) -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in taken:
            return port


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Processes:
    """Every process the benchmark starts, each in its own session (process group), so that
    stopping one reaches its workers too and a Ctrl-C in the terminal reaches only us."""

    def __init__(self) -> None:
        self.running: List[subprocess.Popen] = []
        # Grandchildren (run_all's servers): pid -> start time, to never signal a reused pid.
        self.adopted: Dict[int, int] = {}

    def start(self, argv: List[str], cwd: Path, env: Dict[str, str], log_path: Path) -> subprocess.Popen:
        with open(log_path, "ab") as log_file:
            proc = subprocess.Popen([str(a) for a in argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                    stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        self.running.append(proc)
        return proc

    def adopt(self, pid: int) -> None:
        start = proc_start_time(pid)
        if start is not None:
            self.adopted[pid] = start

    def run(self, argv: List[str], cwd: Path, env: Dict[str, str], log_path: Path,
            timeout: float) -> Tuple[int, float]:
        """Runs a command to completion; returns (exit code, wall seconds)."""
        began = time.perf_counter()
        proc = self.start(argv, cwd, env, log_path)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop(proc)
            raise TimeoutError(f"{' '.join(map(str, argv[:3]))} did not finish in {timeout:.0f} s") from None
        finally:
            self.stop(proc)
        return code, time.perf_counter() - began

    def _signal_group(self, pgid: int, signum: int) -> None:
        try:
            os.killpg(pgid, signum)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            self._signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self._signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
        # Whatever the process left behind in its own group.
        self._signal_group(proc.pid, signal.SIGKILL)
        if proc in self.running:
            self.running.remove(proc)

    def stop_adopted(self) -> None:
        for pid, start in list(self.adopted.items()):
            for signum in (signal.SIGTERM, signal.SIGKILL):
                if proc_start_time(pid) != start:
                    break
                self._signal_group(pid, signum)
                deadline = time.monotonic() + (5 if signum == signal.SIGTERM else 2)
                while proc_start_time(pid) == start and time.monotonic() < deadline:
                    time.sleep(0.1)
            del self.adopted[pid]

    def stop_all(self) -> None:
        for proc in list(reversed(self.running)):
            self.stop(proc)
        self.stop_adopted()


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def subprocess_env(ours: bool) -> Dict[str, str]:
    env = dict(os.environ)
    if ours:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    else:
        env.pop("PYTHONPATH", None)  # the stock assistant must not see our code
    return env


# --- Statistics --------------------------------------------------------------------------

def percentile(values: List[float], pct: float) -> Optional[float]:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def rounded(value: Optional[float], digits: int = 1) -> Optional[float]:
    return None if value is None else round(value, digits)


def ratio(numerator: Optional[float], denominator: Optional[float]) -> Optional[float]:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)


# --- Section 1: NLU quality, crisis guard, training time ---------------------------------

def nlu_quality(procs: Processes, tmp: Path) -> dict:
    out = tmp / "nlu"
    code, seconds = procs.run([RASA, "test", "nlu", "--nlu", "tests/nlu_heldout", "--model", MODEL,
                               "--out", out, "--no-plot"], ROOT, subprocess_env(True),
                              tmp / "nlu.log", timeout=900)
    report_path = out / "intent_report.json"
    if code != 0 or not report_path.exists():
        raise RuntimeError(f"rasa test nlu exited with {code}:\n{log_tail(tmp / 'nlu.log')}")
    report = json.loads(report_path.read_text())
    intents = {name: scores for name, scores in report.items()
               if isinstance(scores, dict) and "support" in scores
               and name not in ("macro avg", "weighted avg", "micro avg")}
    return {
        "accuracy": round(report["accuracy"], 4),
        "macro_f1": round(report["macro avg"]["f1-score"], 4),
        "weighted_f1": round(report["weighted avg"]["f1-score"], 4),
        "messages": int(report["macro avg"]["support"]),
        "intents": len(intents),
        "weak_intents": {name: round(s["f1-score"], 3) for name, s in sorted(intents.items())
                         if s["f1-score"] < 0.8},
        "eval_seconds": round(seconds, 1),
    }


def crisis_guard() -> dict:
    from clinic.domain.crisis_phrases import check  # the same check as scripts/guard_report.py

    tables = {}
    for table in GUARD_TABLES:
        with open(ROOT / table, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        crisis = [row["text"] for row in rows if row["label"] == "crisis"]
        ordinary = [row["text"] for row in rows if row["label"] == "ok"]
        began = time.perf_counter()
        caught = sum(check(text).is_crisis for text in crisis)
        alarms = sum(check(text).is_crisis for text in ordinary)
        per_message_us = (time.perf_counter() - began) / max(1, len(rows)) * 1e6
        tables[table] = {
            "crisis": len(crisis), "caught": caught,
            "recall": round(caught / len(crisis), 4) if crisis else None,
            "ordinary": len(ordinary), "false_alarms": alarms,
            "false_alarm_rate": round(alarms / len(ordinary), 4) if ordinary else None,
            "us_per_message": round(per_message_us, 1),
        }
    return tables


def safety_net() -> dict:
    """bench/safety_eval.py on the newest unpacked fresh set (bench/fresh/<set>/), with that set's
    recorded first run, the only figure that measures generalisation (bench/README.md)."""
    import safety_eval

    sets = sorted(path for path in (ROOT / "bench" / "fresh").iterdir() if (path / "crisis.tsv").exists())
    newest = sets[-1]
    figures = safety_eval.evaluate(newest)
    log(f"safety net on bench/fresh/{newest.name} (re-run):\n{safety_eval.render(figures)}")
    first_runs = sorted(newest.glob("first_run*.json"))
    first = json.loads(first_runs[-1].read_text()) if first_runs else None
    if first:
        log(f"its recorded first run ({first_runs[-1].name}):\n{safety_eval.render(first)}")
    figures.pop("misses", None)
    return {"set": newest.name, "rerun": figures,
            "first_run": {k: v for k, v in (first or {}).items() if k != "misses"} or None}


def training_time(procs: Processes, tmp: Path) -> dict:
    env = subprocess_env(True)
    env["RASA_CACHE_DIRECTORY"] = str(tmp / "train-cache")  # a fresh cache, not the shared .rasa/
    code, seconds = procs.run([RASA, "train", "--force", "--fixed-model-name", "bench",
                               "--out", tmp / "train-out"], ROOT, env, tmp / "train.log", timeout=1800)
    if code != 0 or not (tmp / "train-out" / "bench.tar.gz").exists():
        raise RuntimeError(f"rasa train exited with {code}:\n{log_tail(tmp / 'train.log')}")
    return {"seconds": round(seconds, 1), "command": "rasa train --force (fresh cache)"}


# --- Load --------------------------------------------------------------------------------

def post_message(session: requests.Session, url: str, sender: str, text: str) -> Tuple[float, Optional[str]]:
    """Sends one message; returns (seconds, error or None). No reply, or an empty one, is an error."""
    began = time.perf_counter()
    try:
        reply = session.post(url, json={"sender": sender, "message": text}, timeout=REQUEST_TIMEOUT_S)
        elapsed = time.perf_counter() - began
        if reply.status_code != 200:
            return elapsed, f"HTTP {reply.status_code}"
        body = reply.json()
        if not isinstance(body, list) or not body:
            return elapsed, "empty reply"
        return elapsed, None
    except Exception as error:  # noqa: BLE001 - every failure counts as an error
        return time.perf_counter() - began, type(error).__name__


class Sampler:
    """Polls VmRSS of named processes (with their workers) every 0.1 s and keeps the peak."""

    def __init__(self, pids: Dict[str, int]):
        self.pids = pids
        self.peak_kb: Dict[str, int] = {name: 0 for name in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                rss = sum(proc_status_kb(p, "VmRSS") or 0 for p in with_workers(pid))
                if rss and rss > self.peak_kb[name]:
                    self.peak_kb[name] = rss
            self._stop.wait(0.1)

    def __enter__(self) -> "Sampler":
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def peaks_mb(self) -> Dict[str, float]:
        return {name: round(kb / 1024, 1) for name, kb in self.peak_kb.items()}


def with_workers(pid: int) -> List[int]:
    """A server process and its worker processes (Sanic starts some when SANIC_WORKERS > 1)."""
    return [pid, *child_pids(pid)]


def cpu_snapshot(pids: Dict[str, int]) -> Dict[str, Optional[float]]:
    """CPU seconds per server, its worker processes included. (A worker that exits during the
    load takes its CPU time with it; Sanic workers live as long as the server.)"""
    snapshot = {}
    for name, pid in pids.items():
        times = [proc_cpu_seconds(p) for p in with_workers(pid)]
        snapshot[name] = None if times[0] is None else sum(t for t in times if t is not None)
    return snapshot


def cpu_ms_per_message(before: Dict[str, Optional[float]], after: Dict[str, Optional[float]],
                       messages: int) -> Dict[str, Optional[float]]:
    result = {}
    for name in before:
        if before[name] is None or after[name] is None or not messages:
            result[name] = None
        else:
            result[name] = round((after[name] - before[name]) * 1000 / messages, 2)
    return result


def run_load(url: str, visitors: int, script: List[str], label: str, pids: Dict[str, int]) -> dict:
    """`visitors` threads, each its own conversation, each sending `script` back to back."""
    barrier = threading.Barrier(visitors + 1, timeout=60)
    outcomes: List[List[Tuple[int, float, Optional[str]]]] = [[] for _ in range(visitors)]
    run_id = uuid.uuid4().hex[:8]

    def visitor(index: int) -> None:
        sender = f"bench-{label}-n{visitors}-{run_id}-{index}"
        with requests.Session() as session:
            barrier.wait()
            for turn, text in enumerate(script):
                elapsed, error = post_message(session, url, sender, text)
                outcomes[index].append((turn, elapsed, error))

    threads = [threading.Thread(target=visitor, args=(i,), daemon=True) for i in range(visitors)]
    for thread in threads:
        thread.start()
    cpu_before, client_before = cpu_snapshot(pids), time.process_time()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    cpu_after, client_cpu = cpu_snapshot(pids), time.process_time() - client_before

    flat = [item for per_visitor in outcomes for item in per_visitor]
    ok_ms = [elapsed * 1000 for _, elapsed, error in flat if error is None]
    errors = Counter(error for _, _, error in flat if error is not None)
    first_ms = [elapsed * 1000 for turn, elapsed, error in flat if turn == 0 and error is None]
    later_ms = [elapsed * 1000 for turn, elapsed, error in flat if turn > 0 and error is None]
    handled = sum(1 for _, _, error in flat if error in (None, "empty reply"))
    by_message = {}
    for turn, text in enumerate(script):
        turn_ms = [elapsed * 1000 for t, elapsed, error in flat if t == turn and error is None]
        by_message[text] = {"p50_ms": rounded(percentile(turn_ms, 50)), "p95_ms": rounded(percentile(turn_ms, 95))}
    return {
        "visitors": visitors,
        "requests": len(flat),
        "ok": len(ok_ms),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "p50_ms": rounded(percentile(ok_ms, 50)),
        "p95_ms": rounded(percentile(ok_ms, 95)),
        "max_ms": rounded(max(ok_ms) if ok_ms else None),
        "mean_ms": rounded(statistics.fmean(ok_ms) if ok_ms else None),
        "wall_s": round(wall, 2),
        "msgs_per_s": round(len(ok_ms) / wall, 2) if wall else None,
        # Replies with HTTP 200, empty ones included (the stock bot has no answer for some messages).
        "handled_per_s": round(handled / wall, 2) if wall else None,
        "first_message_p95_ms": rounded(percentile(first_ms, 95)),
        "later_messages_p95_ms": rounded(percentile(later_ms, 95)),
        "server_cpu_ms_per_msg": cpu_ms_per_message(cpu_before, cpu_after, len(ok_ms)),
        "client_cpu_ms_per_msg": round(client_cpu * 1000 / len(flat), 2) if flat else None,
        "by_message": by_message,
    }


def long_conversation_text(turn: int, turns: int) -> str:
    """Cycles through FAQ_CYCLE; the last five turns repeat the first five's messages, so the
    two medians compare the same messages at different conversation lengths."""
    index = turn - (turns - 5) if turn >= turns - 5 else turn
    return FAQ_CYCLE[index % len(FAQ_CYCLE)]


def long_conversation(url: str, turns: int, label: str) -> dict:
    sender = f"bench-{label}-long-{uuid.uuid4().hex[:8]}"
    latencies_ms, errors = [], 0
    with requests.Session() as session:
        for turn in range(turns):
            elapsed, error = post_message(session, url, sender, long_conversation_text(turn, turns))
            latencies_ms.append(round(elapsed * 1000, 1))
            errors += error is not None
    first, last = statistics.median(latencies_ms[:5]), statistics.median(latencies_ms[-5:])
    return {
        "turns": turns, "errors": errors,
        "first5_median_ms": round(first, 1), "last5_median_ms": round(last, 1),
        "ratio": ratio(last, first),
        "latencies_ms": latencies_ms,
    }


def measure(url: str, pids: Dict[str, int], label: str, levels: List[int], script: List[str],
            long_turns: int, result: dict) -> None:
    """Warm-up, the load levels and the long conversation, filling `result` as it goes."""
    # Warm-up: the whole script once, so every code path (and TensorFlow's graphs) ran once.
    warmup_sender = f"bench-{label}-warmup-{uuid.uuid4().hex[:8]}"
    with requests.Session() as session:
        warm = [post_message(session, url, warmup_sender, text) for text in script]
    result["first_reply_ms"] = round(warm[0][0] * 1000, 1)
    result["warmup_errors"] = [error for _, error in warm if error is not None]
    result["load"] = {}
    with Sampler(pids) as sampler:
        for visitors in levels:
            log(f"{label}: {visitors} visitor(s) x {len(script)} messages")
            try:
                result["load"][str(visitors)] = run_load(url, visitors, script, label, pids)
                summary = result["load"][str(visitors)]
                log(f"{label}: N={visitors}: p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, "
                    f"{summary['msgs_per_s']} msg/s, {summary['errors']} errors")
            except Exception as error:  # noqa: BLE001 - report, go on with the next level
                result["load"][str(visitors)] = {"error": error_text(error)}
            time.sleep(1)
        result["peak_rss_mb_during_load"] = sampler.peaks_mb()
        log(f"{label}: one conversation of {long_turns} turns")
        try:
            result["long_conversation"] = long_conversation(url, long_turns, label)
        except Exception as error:  # noqa: BLE001
            result["long_conversation"] = {"error": error_text(error)}
    result["peak_rss_mb_with_long_conversation"] = sampler.peaks_mb()
    result["lifetime_peak_rss_mb"] = {name: rounded((proc_status_kb(pid, "VmHWM") or 0) / 1024)
                                      for name, pid in pids.items()}


def wait_ready(proc: subprocess.Popen, checks: Callable[[], bool], log_path: Path,
               on_poll: Callable[[], None] = lambda: None) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode} before it was ready:\n{log_tail(log_path)}")
        on_poll()
        try:
            if checks():
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"not ready after {STARTUP_TIMEOUT_S} s:\n{log_tail(log_path)}")


def stop_and_check_ports(procs: Processes, proc: subprocess.Popen, ports: List[int], result: dict) -> None:
    procs.stop(proc)
    procs.stop_adopted()
    busy = [port for port in ports if port_in_use(port)]
    result["ports_left_busy"] = busy
    if busy:
        log(f"WARNING: ports still answering after stop: {busy}")


# --- Section 2: our assistant ------------------------------------------------------------

def run_ours(procs: Processes, tmp: Path, levels: List[int], script: List[str], long_turns: int,
             result: dict) -> None:
    work = tmp / "ours"
    (work / "var").mkdir(parents=True)
    action_port = free_port()
    rasa_port = free_port((action_port,))
    token = f"bench-{uuid.uuid4().hex}"
    env = subprocess_env(True)
    env.update({
        "ACTION_SERVER_PORT": str(action_port),
        "RASA_PORT": str(rasa_port),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "RASA_API_TOKEN": token,
        "TRACKER_STORE_DIALECT": "sqlite",
        "TRACKER_STORE_DB": str(work / "tracker.db"),
        "INTAKE_DATABASE_URL": f"sqlite:///{work / 'intake.db'}",
        "INTAKE_VAR_DIR": str(work / "var"),
        "WEB_PORT": "",
        "STAFF_WEBHOOK_URL": "",
        "STAFF_EMAIL_TO": "",
        "SMTP_HOST": "",
    })
    result.update({"tracker_store": "SQLite (components.tracker_store.EnvironmentSQLTrackerStore)",
                   "ports": {"rasa": rasa_port, "actions": action_port}})
    base = f"http://127.0.0.1:{rasa_port}"
    log_path = work / "run_all.log"
    pids: Dict[str, int] = {}

    def find_servers() -> None:
        for pid in child_pids(proc.pid):
            if pid in pids.values():
                continue
            argv = proc_cmdline(pid)
            name = ("rasa" if "run" in argv and str(rasa_port) in argv
                    and any(a.endswith(("/rasa", "serve_rasa.py")) for a in argv)
                    else "actions" if any(a.endswith("serve_actions.py") for a in argv)
                    else "outbox" if "clinic.entrypoints.outbox_worker" in argv else None)
            if name:
                pids[name] = pid
                procs.adopt(pid)

    def ready() -> bool:
        health = requests.get(f"http://127.0.0.1:{action_port}/health", timeout=1)
        status = requests.get(f"{base}/status", params={"token": token}, timeout=1)
        return health.ok and status.ok and bool(status.json().get("model_file"))

    began = time.perf_counter()
    proc = procs.start([sys.executable, ROOT / "scripts" / "run_all.py"], ROOT, env, log_path)
    try:
        wait_ready(proc, ready, log_path, find_servers)
        result["ready_s"] = round(time.perf_counter() - began, 2)
        find_servers()
        log(f"ours: ready in {result['ready_s']} s (pids {pids})")
        if not {"rasa", "actions"} <= pids.keys():
            raise RuntimeError(f"could not find the server processes under run_all (found {pids})")
        result["pids"] = dict(pids)
        measure(f"{base}/webhooks/rest/webhook", pids, "ours", levels, script, long_turns, result)
    finally:
        stop_and_check_ports(procs, proc, [rasa_port, action_port], result)


# --- Section 3: the stock `rasa init` assistant --------------------------------------------

def init_stock(procs: Processes, tmp: Path) -> Tuple[Path, float]:
    project = tmp / "stock"
    project.mkdir()
    env = subprocess_env(False)
    env["RASA_CACHE_DIRECTORY"] = str(tmp / "stock-cache")
    code, seconds = procs.run([RASA, "init", "--no-prompt", "--init-dir", project], project, env,
                              tmp / "stock-init.log", timeout=3600)
    models = sorted((project / "models").glob("*.tar.gz"))
    if code != 0 or not models:
        raise RuntimeError(f"rasa init exited with {code}:\n{log_tail(tmp / 'stock-init.log')}")
    endpoints = (project / "endpoints.yml").read_text()
    (project / "endpoints-sqlite.yml").write_text(
        endpoints + "\n# Added by bench/run_bench.py: the same tracker store type as ours.\n"
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {project / 'tracker.db'}\n")
    return project, seconds


def run_stock(procs: Processes, project: Path, endpoints: str, levels: List[int], script: List[str],
              long_turns: int, result: dict) -> None:
    port = free_port()
    env = subprocess_env(False)
    result["ports"] = {"rasa": port}
    base = f"http://127.0.0.1:{port}"
    label = "stock-" + ("sqlite" if "sqlite" in endpoints else "memory")
    log_path = project / f"{label}.log"

    def ready() -> bool:
        status = requests.get(f"{base}/status", timeout=1)
        return status.ok and bool(status.json().get("model_file"))

    began = time.perf_counter()
    proc = procs.start([RASA, "run", "--enable-api", "--port", port, "--interface", "127.0.0.1",
                        "--endpoints", endpoints], project, env, log_path)
    try:
        wait_ready(proc, ready, log_path)
        result["ready_s"] = round(time.perf_counter() - began, 2)
        log(f"{label}: ready in {result['ready_s']} s (pid {proc.pid})")
        result["pids"] = {"rasa": proc.pid}
        measure(f"{base}/webhooks/rest/webhook", {"rasa": proc.pid}, label, levels, script, long_turns, result)
    finally:
        stop_and_check_ports(procs, proc, [port], result)


# --- Targets and the table ---------------------------------------------------------------

def get(data: dict, *keys):
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def evaluate_targets(results: dict, target_n: str) -> List[dict]:
    ours, stock = results["ours"], results["stock_sqlite"]
    lines = []

    def add(name: str, passed: Optional[bool], detail: str, skipped: bool = False) -> None:
        status = "SKIP" if skipped else "PASS" if passed else "FAIL"
        lines.append({"target": name, "status": status, "detail": detail})

    load = get(ours, "load", target_n) or {}
    p95, errors = load.get("p95_ms"), load.get("errors")
    add(f"p95 <= {TARGETS['p95_ms_at_n20']:.0f} ms at N={target_n} with 0 errors",
        p95 is not None and p95 <= TARGETS["p95_ms_at_n20"] and errors == 0,
        f"p95 {p95} ms, {errors} errors" if p95 is not None else f"not measured {load.get('error', '')}".strip())

    ours_tp, stock_tp = load.get("msgs_per_s"), get(stock, "load", target_n, "msgs_per_s")
    tp_ratio = ratio(ours_tp, stock_tp)
    add(f"throughput >= {TARGETS['throughput_vs_stock_at_n20']:.0f}x stock (SQLite) at N={target_n}",
        tp_ratio is not None and tp_ratio >= TARGETS["throughput_vs_stock_at_n20"],
        f"{ours_tp} vs {stock_tp} msg/s = {tp_ratio}x" if tp_ratio is not None else "not measured",
        skipped=results["options"]["skip_stock"])

    ready = ours.get("ready_s")
    add(f"ready <= {TARGETS['ready_s']:.0f} s", ready is not None and ready <= TARGETS["ready_s"],
        f"{ready} s" if ready is not None else "not measured")

    train = get(results, "training", "ours", "seconds")
    add(f"training <= {TARGETS['training_s']:.0f} s", train is not None and train <= TARGETS["training_s"],
        f"{train} s" if train is not None else "not measured", skipped=results["options"]["quick"])

    long = ours.get("long_conversation") or {}
    add(f"turn-{long.get('turns', '?')} <= {TARGETS['long_conversation_ratio']}x turn-1",
        long.get("ratio") is not None and long["ratio"] <= TARGETS["long_conversation_ratio"]
        and long.get("errors") == 0,
        f"{long.get('first5_median_ms')} -> {long.get('last5_median_ms')} ms = {long.get('ratio')}x, "
        f"{long.get('errors')} errors" if long.get("ratio") is not None else "not measured")

    f1 = get(results, "nlu", "macro_f1")
    add(f"macro-F1 >= {TARGETS['macro_f1']}", f1 is not None and f1 >= TARGETS["macro_f1"],
        f"{f1}" if f1 is not None else "not measured")

    guard = results.get("crisis_guard") or {}
    for table in GUARD_TABLES:
        row = guard.get(table) or {}
        recall, alarm = row.get("recall"), row.get("false_alarm_rate")
        add(f"crisis guard {Path(table).name}: recall 100%, false alarms <= {TARGETS['guard_false_alarm_rate']:.0%}",
            recall is not None and recall >= TARGETS["guard_recall"]
            and alarm is not None and alarm <= TARGETS["guard_false_alarm_rate"],
            f"recall {row.get('caught')}/{row.get('crisis')}, false alarms {row.get('false_alarms')}/"
            f"{row.get('ordinary')}" if recall is not None else "not measured")
    return lines


def fmt(value, suffix: str = "", digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}{suffix}"
    return f"{value}{suffix}"


def render(results: dict) -> str:
    out = []
    machine = results["machine"]
    out.append(f"Clinic assistant benchmark, {results['date']}  ({machine['cpu_count']} CPUs, "
               f"Python {machine['python']}, Rasa {machine['versions'].get('rasa')}, "
               f"load average {machine['loadavg_start']} -> {machine.get('loadavg_end')})")
    if results["options"]["quick"]:
        out.append("QUICK RUN: fewer visitors and messages; figures are a smoke test, not a benchmark.")
    out.append("")

    out.append("1. NLU quality and training")
    nlu = results.get("nlu") or {}
    if "error" in nlu:
        out.append(f"  held-out NLU evaluation: ERROR {nlu['error'].splitlines()[0]}")
    else:
        out.append(f"  held-out intents ({nlu.get('messages')} messages, {nlu.get('intents')} intents): "
                   f"accuracy {fmt(nlu.get('accuracy'), digits=3)}, macro-F1 {fmt(nlu.get('macro_f1'), digits=3)}")
    guard = results.get("crisis_guard") or {}
    if "error" in guard:
        out.append(f"  crisis guard: ERROR {guard['error']}")
    for table, row in guard.items():
        if isinstance(row, dict):
            out.append(f"  crisis guard {Path(table).name:32} recall {row['caught']}/{row['crisis']} "
                       f"({row['recall']:.1%}), false alarms {row['false_alarms']}/{row['ordinary']} "
                       f"({row['false_alarm_rate']:.1%})")
    training = results.get("training") or {}
    for name, label in (("ours", "training, ours (rasa train --force)"),
                        ("stock", "training, stock (rasa init, default pipeline)")):
        entry = training.get(name) or {}
        text = (f"ERROR {entry['error'].splitlines()[0]}" if "error" in entry
                else fmt(entry.get("seconds"), " s") if entry.get("seconds") is not None else "skipped")
        out.append(f"  {label:48} {text}")
    out.append("")

    out.append("2-3. Load over REST (each visitor: its own conversation, messages back to back)")
    header = (f"  {'assistant':26} {'ready':>7} {'N':>3} {'reqs':>5} {'err':>4} {'p50 ms':>7} {'p95 ms':>7} "
              f"{'max ms':>7} {'1st p95':>7} {'msg/s':>6} {'CPU ms/msg':>12}")
    out.append(header)
    systems = [("ours", "ours (SQLite tracker)"), ("stock_sqlite", "stock (SQLite tracker)"),
               ("stock_memory", "stock (in-memory tracker)")]
    for key, label in systems:
        system = results.get(key) or {}
        if not system:
            out.append(f"  {label:26} skipped")
            continue
        if "error" in system and not system.get("load"):
            out.append(f"  {label:26} ERROR {system['error'].splitlines()[0]}")
            continue
        first = True
        for visitors, load in (system.get("load") or {}).items():
            ready = fmt(system.get("ready_s"), " s") if first else ""
            name = label if first else ""
            first = False
            if "error" in load:
                out.append(f"  {name:26} {ready:>7} {visitors:>3} ERROR {load['error']}")
                continue
            cpu = load.get("server_cpu_ms_per_msg") or {}
            cpu_text = "+".join(fmt(cpu.get(n)) for n in ("rasa", "actions") if n in cpu)
            out.append(f"  {name:26} {ready:>7} {visitors:>3} {load['requests']:>5} {load['errors']:>4} "
                       f"{fmt(load['p50_ms']):>7} {fmt(load['p95_ms']):>7} {fmt(load['max_ms']):>7} "
                       f"{fmt(load.get('first_message_p95_ms'), digits=0):>7} {fmt(load['msgs_per_s']):>6} "
                       f"{cpu_text:>12}")
        if "error" in system:
            out.append(f"  {'':26} ERROR {system['error'].splitlines()[0]}")
    kinds = Counter()
    for key, _ in systems:
        for load in ((results.get(key) or {}).get("load") or {}).values():
            kinds.update(load.get("error_kinds") or {})
    out.append("  1st p95: each visitor's first message (new connection and conversation). CPU ms/msg: CPU time")
    out.append("  of the Rasa server + action server per answered message (robust to a busy machine).")
    if kinds:
        out.append("  errors by kind: " + ", ".join(f"{kind} {count}" for kind, count in kinds.most_common()))
    out.append("")

    out.append("  Memory and long conversations")
    for key, label in systems:
        system = results.get(key) or {}
        if not system.get("load"):
            continue
        peaks = system.get("peak_rss_mb_during_load") or {}
        peak_text = ", ".join(f"{n} {v:.0f} MB" for n, v in peaks.items() if n in ("rasa", "actions"))
        long = system.get("long_conversation") or {}
        long_text = (f"ERROR {long['error']}" if "error" in long else
                     f"turns 1-5 {fmt(long.get('first5_median_ms'))} ms, turns {long.get('turns', 0) - 4}-"
                     f"{long.get('turns')} {fmt(long.get('last5_median_ms'))} ms = {fmt(long.get('ratio'), 'x', 2)}")
        out.append(f"  {label:26} peak RSS {peak_text}; first reply {fmt(system.get('first_reply_ms'))} ms")
        out.append(f"  {'':26} long conversation: {long_text}")
    out.append("")

    comparison = results.get("comparison") or {}
    if comparison:
        out.append("  Ours / stock (SQLite tracker); throughput higher is better, p95 lower is better")
        for visitors, row in comparison.items():
            out.append(f"    N={visitors:>3}: throughput {fmt(row.get('throughput_ratio'), 'x', 2)} "
                       f"(empty replies counted as handled: {fmt(row.get('handled_ratio'), 'x', 2)}), "
                       f"p95 {fmt(row.get('p95_ratio'), 'x', 2)}, CPU/msg {fmt(row.get('cpu_per_msg_ratio'), 'x', 2)}; "
                       f"vs in-memory stock: throughput {fmt(row.get('throughput_ratio_vs_memory'), 'x', 2)}, "
                       f"p95 {fmt(row.get('p95_ratio_vs_memory'), 'x', 2)}")
        out.append("")

    out.append("4. Targets")
    for line in results.get("targets", []):
        out.append(f"  {line['status']:4}  {line['target']}: {line['detail']}")
    out.append("")
    out.append(f"Wall time {fmt(results.get('wall_time_s'), ' s')}; figures in {results['options']['out']}")
    return "\n".join(out)


# --- Main --------------------------------------------------------------------------------

def machine_info() -> dict:
    versions = {}
    for package in ("rasa", "rasa-sdk", "sanic", "tensorflow", "scikit-learn", "SQLAlchemy", "requests"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    cpu_model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = None
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
    except (OSError, ValueError, IndexError):
        pass

    def git(*argv: str) -> Optional[str]:
        try:
            return subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    status = git("status", "--porcelain")
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model,
        "memory_mb": mem_kb // 1024 if mem_kb else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "git_commit": git("rev-parse", "HEAD"),
        "git_modified_files": len(status.splitlines()) if status is not None else None,
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }


def section(results: dict, key: str, work: Callable[[], dict]) -> None:
    """Runs one section; an exception becomes {"error": ...} in the results, not a crash."""
    try:
        results[key] = work()
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as error:  # noqa: BLE001
        log(f"{key}: ERROR {error_text(error)}")
        results[key] = {"error": error_text(error), "traceback": traceback.format_exc()}


def system_section(results: dict, key: str, run: Callable[[dict], None]) -> None:
    """Like section(), but keeps what was measured before an error."""
    results[key] = {}
    try:
        run(results[key])
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as error:  # noqa: BLE001
        log(f"{key}: ERROR {error_text(error)}")
        results[key]["error"] = error_text(error)
        results[key]["traceback"] = traceback.format_exc()


def compare(results: dict) -> dict:
    comparison = {}
    for visitors, ours in (get(results, "ours", "load") or {}).items():
        row = {}
        for suffix, key in (("", "stock_sqlite"), ("_vs_memory", "stock_memory")):
            stock = get(results, key, "load", visitors) or {}
            row["throughput_ratio" + suffix] = ratio(ours.get("msgs_per_s"), stock.get("msgs_per_s"))
            row["handled_ratio" + suffix] = ratio(ours.get("handled_per_s"), stock.get("handled_per_s"))
            row["p95_ratio" + suffix] = ratio(ours.get("p95_ms"), stock.get("p95_ms"))
            ours_cpu = sum(v for v in (ours.get("server_cpu_ms_per_msg") or {}).values() if v)
            stock_cpu = sum(v for v in (stock.get("server_cpu_ms_per_msg") or {}).values() if v)
            row["cpu_per_msg_ratio" + suffix] = ratio(ours_cpu or None, stock_cpu)
        comparison[visitors] = row
    return comparison


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: N=1,5, 4 messages each, 40-turn conversation, no training timing")
    parser.add_argument("--skip-stock", action="store_true", help="do not init and measure the stock assistant")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails or a section errs")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.json"), help="where to write the figures")
    args = parser.parse_args()

    levels = [1, 5] if args.quick else [1, 20, 50]
    script = VISITOR_SCRIPT[:4] if args.quick else VISITOR_SCRIPT
    long_turns = 40 if args.quick else 200
    target_n = "5" if args.quick else "20"

    def on_sigterm(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored
    began = time.perf_counter()
    results: dict = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "options": {"quick": args.quick, "skip_stock": args.skip_stock, "out": args.out,
                    "visitors": levels, "messages_per_visitor": len(script), "long_conversation_turns": long_turns,
                    "target_visitors": int(target_n), "percentiles": "nearest rank, successful requests"},
        "visitor_script": script,
        "settings": {name: os.environ.get(name) for name in (
            "LOCK_STORE_TYPE", "SANIC_WORKERS", "ACTION_SERVER_SANIC_WORKERS", "OUTBOX_WORKER",
            "TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS", "OMP_NUM_THREADS")},
        "targets_config": TARGETS,
    }
    procs = Processes()
    interrupted = False
    with tempfile.TemporaryDirectory(prefix="clinic-bench-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            log("NLU evaluation on the held-out set")
            section(results, "nlu", lambda: nlu_quality(procs, tmp))
            section(results, "crisis_guard", crisis_guard)
            log("safety net on the newest fresh message set")
            section(results, "safety_net", safety_net)
            results["training"] = {}
            if args.quick:
                results["training"]["ours"] = {"skipped": "--quick"}
            else:
                log("timing `rasa train --force` of our assistant")
                section(results["training"], "ours", lambda: training_time(procs, tmp))

            log("starting our assistant (scripts/run_all.py)")
            system_section(results, "ours", lambda r: run_ours(procs, tmp, levels, script, long_turns, r))

            if not args.skip_stock:
                log("`rasa init --no-prompt` (trains the stock model)")
                stock: dict = {}
                section(stock, "project", lambda: dict(zip(("path", "seconds"), init_stock(procs, tmp), strict=True)))
                project = stock["project"]
                if "error" in project:
                    results["training"]["stock"] = project
                    results["stock_sqlite"] = results["stock_memory"] = {"error": "rasa init failed"}
                else:
                    results["training"]["stock"] = {"seconds": round(project["seconds"], 1),
                                                    "command": "rasa init --no-prompt"}
                    for key, endpoints in (("stock_sqlite", "endpoints-sqlite.yml"), ("stock_memory", "endpoints.yml")):
                        log(f"starting the stock assistant ({key})")
                        system_section(results, key, lambda r, e=endpoints: run_stock(
                            procs, project["path"], e, levels, script, long_turns, r))
                results["comparison"] = compare(results)
        except KeyboardInterrupt:
            interrupted = True
            log("interrupted: stopping every server started")
        finally:
            procs.stop_all()
    results["interrupted"] = interrupted
    results["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    results["wall_time_s"] = round(time.perf_counter() - began, 1)
    results["targets"] = evaluate_targets({**{"ours": {}, "stock_sqlite": {}}, **results}, target_n)

    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    # Sections other scripts merge into the same file (bench/fuzz_run.py) survive this rewrite.
    try:
        previous = json.loads(out_path.read_text()) if out_path.exists() else {}
    except ValueError:
        previous = {}
    for key in OTHER_SECTIONS:
        if key in previous and key not in results:
            results[key] = previous[key]
    out_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(render(results))
    if interrupted:
        return 130
    if args.strict:
        failed = any(line["status"] == "FAIL" for line in results["targets"])
        erred = any(isinstance(v, dict) and "error" in v for v in results.values())
        return 1 if failed or erred else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
