"""End to end: a short fuzz run (bench/fuzz_run.py) against the real servers changes nothing a visitor
would notice.

About 300 malformed, oversized and hostile messages over REST and socket.io (bad ids, bodies,
encodings, sizes up to 2 MB, slot injection, crisis messages) while an ordinary visitor asks a
question every half second: no tracebacks, no restarts, every REST answer a 2xx or 4xx, every
crisis message answered with 988, the visitor answered every time, the assistant still answering
afterwards, and the fuzzer itself never prints what it typed.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import fuzz_run

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    out = tmp_path_factory.mktemp("fuzz") / "results.json"
    out.write_text(json.dumps({"other": {"kept": True}}))
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "fuzz_run.py"), "--messages", "300", "--concurrency", "6",
         "--baseline", "0", "--outbox-drain", "20", "--timeout", "30", "--out", str(out), "--key", "fuzz_e2e"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:]
    data = json.loads(out.read_text())
    return data, run.stdout + run.stderr, out.read_text()


def test_the_servers_survive_without_errors(fuzzed):
    data, output, _ = fuzzed
    result = data["fuzz_e2e"]
    assert "error" not in result, result.get("error")
    assert result["servers"]["tracebacks"] == 0, result["servers"]["traceback_kinds"]
    assert result["servers"]["restarts"] == 0, result["servers"]["restarts_by_process"]
    assert result["supervisor_alive"] and result["server_pids_changed"] == []
    statuses = fuzz_run.http_status_counts(result["rest"])
    assert sum(statuses.values()) == result["rest"]["messages"], result["rest"]["outcomes"]
    assert all(code[0] in "24" for code in statuses), statuses  # no 5xx, no timeouts, no resets
    assert sum(result["socketio"]["outcomes"].values()) == result["socketio"]["messages"]
    assert result["tracker_db"]["malformed_ids_stored"] == 0
    # every crisis message got the crisis line, and staff got an alert
    for channel in ("rest", "socketio"):
        assert result[channel]["crisis_replies_with_988"] == result[channel]["crisis_messages_answered"]
    assert result["alerts"]["received_by_webhook"].get("crisis_alert", 0) > 0
    assert data["other"] == {"kept": True}  # merged, not clobbered


def test_the_ordinary_visitor_is_answered_throughout_and_after(fuzzed):
    result = fuzzed[0]["fuzz_e2e"]
    visitor = result["visitor"]
    assert visitor["sent"] >= 5 and visitor["unanswered"] == 0, visitor["unanswered_by_reason"]
    assert result["after"] == {"ordinary_question": "answered", "crisis_message": "answered"}


def test_the_fuzzer_never_prints_what_it_typed(fuzzed):
    _, output, written = fuzzed
    typed = [t for t in fuzz_run.ORDINARY + fuzz_run.INTAKE + fuzz_run.CRISIS + fuzz_run.INJECTIONS if len(t) > 10]
    for text in (output, written):
        assert not [t for t in typed if t in text]
        assert fuzz_run.FILLER.strip() not in text
        assert "fuzz-" not in text and "visitor-" not in text  # conversation ids
